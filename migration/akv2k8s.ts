import { Finding } from "./findings";
import { SourcedManifest } from "./manifests";
import { isObject, nameOf, namespaceOf } from "../components/shared/manifests";

/**
 * akv2k8s `AzureKeyVaultSecret` (group `spv.no`) read into one shape for every served version, keeping only the
 * fields the version's schema has: the API server prunes the others, so akv2k8s never saw them.
 */

export const AKVS_GROUP = "spv.no";
export const AKVS_KIND = "AzureKeyVaultSecret";
export const AKVS_VERSIONS = ["v1alpha1", "v1", "v2alpha1", "v2beta1"] as const;
export type AkvsVersion = (typeof AKVS_VERSIONS)[number];

/** Object types of `spec.vault.object.type`. */
export const AKVS_OBJECT_TYPES = ["secret", "certificate", "key", "multi-key-value-secret"] as const;
export type AkvsObjectType = (typeof AKVS_OBJECT_TYPES)[number];

/** Transforms the akv2k8s controller and env injector know, applied in list order. */
export const AKVS_TRANSFORMS = ["trim", "base64encode", "base64decode"] as const;

/** Namespace label that turns the akv2k8s env-injector webhook on. */
export const ENV_INJECTION_LABEL = "azure-key-vault-env-injection";

/** What marks an env-injector value (`<akvs-name>@azurekeyvault[?query]`). */
export const ENV_INJECTOR_MARKER = "@azurekeyvault";

/** An env-injector value: the AKVS name (group 1) and the query (group 3). */
export const ENV_INJECTOR_REFERENCE = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)@azurekeyvault(?:\?([a-zA-Z_][a-zA-Z0-9_.]*))?$/;

/** One AzureKeyVaultSecret, normalized. */
export interface AzureKeyVaultSecretResource {
    source: string;
    apiVersion: string;
    name: string;
    namespace: string;
    /** True when the manifest had no namespace and the default was used. */
    namespaceDefaulted: boolean;
    /** `spec.vault.name`. */
    vault: string;
    /** `spec.vault.azureIdentity.name` (v2alpha1+). */
    azureIdentity?: string;
    object: { name: string; type: AkvsObjectType; version?: string; contentType?: string };
    /** `spec.output.secret`, when present. */
    secretOutput?: { name?: string; type?: string; dataKey?: string; chainOrder?: string };
    /** `spec.output.configMap` (v2alpha1+), when present. */
    configMapOutput?: { name?: string; dataKey?: string };
    /** `spec.output.transform` (`transforms` in v1alpha1). */
    transforms: string[];
    /** `status.secretName`: the Secret the controller last wrote (from `kubectl get -o yaml`). */
    statusSecretName?: string;
}

/** Fields of `spec` each version's schema has, as dotted paths below `spec`. */
/** v2alpha1 and v2beta1 have the same spec fields. */
const V2_FIELDS: readonly string[] = [
    "vault.name",
    "vault.object",
    "vault.azureIdentity",
    "output.secret.name",
    "output.secret.type",
    "output.secret.dataKey",
    "output.secret.chainOrder",
    "output.configMap",
    "output.transform",
];

const FIELDS_BY_VERSION: Record<AkvsVersion, readonly string[]> = {
    v1alpha1: ["vault.name", "vault.object", "output.secret.name", "output.secret.type", "output.secret.dataKey", "output.transforms"],
    v1: [
        "vault.name",
        "vault.object",
        "output.secret.name",
        "output.secret.type",
        "output.secret.dataKey",
        "output.secret.chainOrder",
        "output.transform",
    ],
    v2alpha1: V2_FIELDS,
    v2beta1: V2_FIELDS,
};

/** Fields that exist in some version, so a manifest of another version carrying them is reported. */
const VERSIONED_FIELDS = ["vault.azureIdentity", "output.secret.chainOrder", "output.configMap", "output.transform", "output.transforms"];

function at(value: unknown, path: string): unknown {
    return path.split(".").reduce<unknown>((current, part) => (isObject(current) ? current[part] : undefined), value);
}

function text(value: unknown): string | undefined {
    if (value === undefined || value === null) {
        return undefined;
    }
    const result = String(value).trim();
    return result === "" ? undefined : result;
}

/** True for an `AzureKeyVaultSecret` of group `spv.no` (any version). */
export function isAzureKeyVaultSecret(manifest: Record<string, unknown>): boolean {
    return manifest.kind === AKVS_KIND && typeof manifest.apiVersion === "string" && manifest.apiVersion.startsWith(`${AKVS_GROUP}/`);
}

/** Subject line of an AKVS in findings. */
export function akvsSubject(namespace: string, name: string): string {
    return `AzureKeyVaultSecret ${namespace}/${name}`;
}

/**
 * Reads one AzureKeyVaultSecret. Returns undefined (with an `AKVS_INVALID` finding) when the API server would
 * reject it, so akv2k8s can never have acted on it.
 */
export function readAzureKeyVaultSecret(
    { manifest, source }: SourcedManifest,
    defaultNamespace: string,
): { resource?: AzureKeyVaultSecretResource; findings: Finding[] } {
    const name = nameOf(manifest);
    const explicitNamespace = namespaceOf(manifest);
    const namespace = explicitNamespace ?? defaultNamespace;
    const subject = akvsSubject(namespace, name || "(no name)");
    const findings: Finding[] = [];
    const finding = (severity: Finding["severity"], code: Finding["code"], where: string, message: string, fix: string) =>
        findings.push({ severity, code, subject, where, message, fix, source });
    const apiVersion = String(manifest.apiVersion);
    const version = AKVS_VERSIONS.find((served) => served === apiVersion.slice(AKVS_GROUP.length + 1));
    if (!version) {
        finding(
            "unsupported",
            "AKVS_INVALID",
            "apiVersion",
            `"${apiVersion}" is not a version akv2k8s serves (${AKVS_VERSIONS.map((v) => `${AKVS_GROUP}/${v}`).join(", ")})`,
            "check the manifest; it was not converted",
        );
        return { findings };
    }
    const spec = manifest.spec;
    const vaultName = text(at(spec, "vault.name"));
    const objectName = text(at(spec, "vault.object.name"));
    const objectTypeText = text(at(spec, "vault.object.type"));
    if (!name || !vaultName || !objectName || !objectTypeText) {
        const missing = [
            ["metadata.name", name],
            ["spec.vault.name", vaultName],
            ["spec.vault.object.name", objectName],
            ["spec.vault.object.type", objectTypeText],
        ].filter(([, value]) => !value);
        finding(
            "unsupported",
            "AKVS_INVALID",
            missing.map(([path]) => path).join(", "),
            "is required by the AzureKeyVaultSecret CRD, so the API server rejects this manifest and akv2k8s never acted on it",
            "fill the field(s) in if the manifest is meant to be used; it was not converted",
        );
        return { findings };
    }
    const objectType = AKVS_OBJECT_TYPES.find((type) => type === objectTypeText);
    if (!objectType) {
        finding(
            "unsupported",
            "AKVS_INVALID",
            "spec.vault.object.type",
            `"${objectTypeText}" is not one of ${AKVS_OBJECT_TYPES.join(", ")} (the CRD rejects it)`,
            "use a valid type; it was not converted",
        );
        return { findings };
    }
    if (!explicitNamespace) {
        finding(
            "info",
            "NAMESPACE_DEFAULTED",
            "metadata.namespace",
            `is not set; using "${defaultNamespace}"`,
            "pass --namespace NAMESPACE if the manifest is applied to another namespace",
        );
    }
    const allowed = FIELDS_BY_VERSION[version];
    for (const field of VERSIONED_FIELDS) {
        if (at(spec, field) !== undefined && !allowed.includes(field)) {
            const versions = AKVS_VERSIONS.filter((v) => FIELDS_BY_VERSION[v].includes(field)).map((v) => `${AKVS_GROUP}/${v}`);
            finding(
                "info",
                "AKVS_FIELD_NOT_IN_VERSION",
                `spec.${field}`,
                `is not part of ${apiVersion} (only ${versions.join(", ")}), so the API server drops it and akv2k8s never used it; it is not converted`,
                `if it is meant to apply, change apiVersion to ${versions[versions.length - 1]} and convert again`,
            );
        }
    }
    const present = (field: string) => allowed.includes(field) && at(spec, field) !== undefined;
    const secret = isObject(at(spec, "output.secret"))
        ? {
              ...(text(at(spec, "output.secret.name")) ? { name: text(at(spec, "output.secret.name")) } : {}),
              ...(text(at(spec, "output.secret.type")) ? { type: text(at(spec, "output.secret.type")) } : {}),
              ...(text(at(spec, "output.secret.dataKey")) ? { dataKey: text(at(spec, "output.secret.dataKey")) } : {}),
              ...(present("output.secret.chainOrder") && text(at(spec, "output.secret.chainOrder"))
                  ? { chainOrder: text(at(spec, "output.secret.chainOrder")) }
                  : {}),
          }
        : undefined;
    const configMap = present("output.configMap")
        ? {
              ...(text(at(spec, "output.configMap.name")) ? { name: text(at(spec, "output.configMap.name")) } : {}),
              ...(text(at(spec, "output.configMap.dataKey")) ? { dataKey: text(at(spec, "output.configMap.dataKey")) } : {}),
          }
        : undefined;
    const transformField = version === "v1alpha1" ? "output.transforms" : "output.transform";
    const rawTransforms = at(spec, transformField);
    const transforms = Array.isArray(rawTransforms) ? rawTransforms.map((t) => String(t).trim()) : [];
    const azureIdentity = present("vault.azureIdentity") ? text(at(spec, "vault.azureIdentity.name")) : undefined;
    const version_ = text(at(spec, "vault.object.version"));
    const contentType = text(at(spec, "vault.object.contentType"));
    const statusSecretName = text(at(manifest.status, "secretName"));
    return {
        resource: {
            source,
            apiVersion,
            name,
            namespace,
            namespaceDefaulted: !explicitNamespace,
            vault: vaultName,
            ...(azureIdentity ? { azureIdentity } : {}),
            object: {
                name: objectName,
                type: objectType,
                ...(version_ ? { version: version_ } : {}),
                ...(contentType ? { contentType } : {}),
            },
            ...(secret ? { secretOutput: secret } : {}),
            ...(configMap ? { configMapOutput: configMap } : {}),
            transforms,
            ...(statusSecretName ? { statusSecretName } : {}),
        },
        findings,
    };
}

/** The Secrets akv2k8s writes (or wrote) in a namespace: `output.secret.name` and `status.secretName`. */
export function akv2k8sSecretNames(resources: readonly AzureKeyVaultSecretResource[]): Set<string> {
    const names = new Set<string>();
    for (const resource of resources) {
        for (const name of [resource.secretOutput?.name, resource.statusSecretName]) {
            if (name) {
                names.add(`${resource.namespace}/${name}`);
            }
        }
    }
    return names;
}
