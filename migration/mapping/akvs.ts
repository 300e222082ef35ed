import { isSecretDataKey } from "../../components/shared/kubernetes";
import { AzureKeyVaultSecretResource } from "../akv2k8s";
import { Finding } from "../findings";
import { Emit, ObjectSpec, SecretNeed, baseObject, emitterFor, encodingFor, objectRejected } from "./objects";
import { convertOutput } from "./outputs";

/**
 * The akv2k8s -> Secrets Store CSI mapping of one AzureKeyVaultSecret, as pure rules: what has no equivalent, the
 * object to mount, then its output Secret (outputs.ts). Facts behind them (akv2k8s controller and env injector
 * source, provider source): see docs/migration.md, "What maps to what".
 */

/** How one AKVS converts: the object to mount and what the akv2k8s output Secret needs from it. */
export interface AkvsMapping {
    /** Undefined when the AKVS is not converted at all (see findings). */
    object?: ObjectSpec;
    /** Undefined when akv2k8s writes no Secret for it (or the Secret can't be converted; see findings). */
    secret?: SecretNeed & { name: string };
    findings: Finding[];
}

/** Outputs and options without an equivalent, reported; false when the AKVS can't convert at all. */
function reportWithoutEquivalent(resource: AzureKeyVaultSecretResource, emit: Emit): boolean {
    const type = resource.object.type;
    if (resource.configMapOutput) {
        emit(
            "unsupported",
            "AKVS_CONFIGMAP_OUTPUT",
            "spec.output.configMap",
            `ConfigMap "${resource.configMapOutput.name ?? ""}" has no equivalent: the CSI driver syncs Secrets only`,
            "read the mounted file instead, or sync a Secret and change the consumer to read it; until then keep this AKVS on akv2k8s",
        );
    }
    if (type === "multi-key-value-secret") {
        emit(
            "unsupported",
            "AKVS_MULTI_KEY_VALUE_SECRET",
            "spec.vault.object.type",
            `multi-key-value-secret (one ${resource.object.contentType ?? "JSON/YAML"} secret expanded into several keys) has no equivalent: the provider writes one file per object`,
            `split "${resource.object.name}" into one Key Vault secret per key and add one object and one syncedSecrets data entry each, or mount it whole (objectType: secret) and parse it in the app`,
        );
        return false;
    }
    if (resource.transforms.length > 0 && type !== "secret") {
        emit(
            "info",
            "AKVS_TRANSFORM_IGNORED",
            "spec.output.transform",
            `akv2k8s applies transforms to secrets only, so [${resource.transforms.join(", ")}] never applied to this ${type}`,
            "nothing to do; remove the transforms from the AKVS to avoid confusion",
        );
    }
    const chainOrder = resource.secretOutput?.chainOrder;
    if (chainOrder) {
        emit(
            "info",
            "AKVS_CHAIN_ORDER",
            "spec.output.secret.chainOrder",
            `"${chainOrder}" has no field in the provider: it orders PFX-backed certificate chains server first by default (--construct-pem-chain)`,
            "nothing to do for PFX certificates; PEM certificates are written in the order they were uploaded",
        );
    }
    return true;
}

/** The object an AKVS mounts before its output is looked at; undefined when its transforms have no equivalent. */
function mountedObject(resource: AzureKeyVaultSecretResource, emit: Emit): ObjectSpec | undefined {
    switch (resource.object.type) {
        case "secret": {
            const { encoding, unsupported } = encodingFor(resource);
            if (unsupported) {
                emit(
                    "unsupported",
                    "AKVS_TRANSFORM_UNSUPPORTED",
                    "spec.output.transform",
                    unsupported,
                    "store the value in Key Vault already transformed, then convert again; until then keep this AKVS on akv2k8s",
                );
                return undefined;
            }
            return { ...baseObject(resource, "secret"), ...(encoding ? { objectEncoding: encoding } : {}) };
        }
        case "certificate":
            // Without an output the env injector's default (public certificate PEM) is the only use; don't mount the key.
            return baseObject(resource, "cert");
        default:
            return baseObject(resource, "key");
    }
}

/** An AKVS without a Secret output (or without its required name): only the mounted file converts. */
function fileOnly(resource: AzureKeyVaultSecretResource, object: ObjectSpec, emit: Emit, findings: Finding[]): AkvsMapping {
    if (objectRejected(object, emit)) {
        return { findings };
    }
    if (resource.secretOutput) {
        emit(
            "review",
            "AKVS_NO_SECRET_NAME",
            "spec.output.secret.name",
            "is missing: the CRD requires it and the akv2k8s controller refuses an empty name, so no Secret was ever written; only the mounted file is converted",
            "if a Secret is wanted, add a syncedSecrets entry for the file by hand",
        );
    } else if (!resource.configMapOutput) {
        emit(
            "info",
            "AKVS_NO_OUTPUT",
            "spec.output",
            "has no Secret output (only the env injector can use this AKVS)",
            "nothing to do; the object is mounted as a file and env references to it are converted",
        );
    }
    return { object, findings };
}

/**
 * Maps one AKVS: the object to mount and the keys of its output Secret. Only what the akv2k8s controller
 * actually does is mapped; everything else is a finding.
 */
export function mapAzureKeyVaultSecret(resource: AzureKeyVaultSecretResource): AkvsMapping {
    const findings: Finding[] = [];
    const emit = emitterFor(resource, findings);
    if (!reportWithoutEquivalent(resource, emit)) {
        return { findings };
    }
    const mounted = mountedObject(resource, emit);
    if (!mounted) {
        return { findings };
    }
    const output = resource.secretOutput;
    if (!output?.name) {
        return fileOnly(resource, mounted, emit, findings);
    }
    const converted = convertOutput(resource, mounted, { ...output, name: output.name }, emit);
    if (!converted || objectRejected(converted.object, emit)) {
        return { findings };
    }
    const { object, need } = converted;
    for (const key of need?.keys ?? []) {
        if (!isSecretDataKey(key)) {
            emit(
                "unsupported",
                "AKVS_INVALID",
                "spec.output.secret.dataKey",
                `"${key}" is not a valid Secret key, so akv2k8s can't have written it`,
                "use letters, digits, '-', '_' and '.'; the AKVS was not converted",
            );
            return { findings };
        }
    }
    return { object, ...(need ? { secret: { ...need, name: output.name } } : {}), findings };
}
