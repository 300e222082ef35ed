import { isSecretDataKey } from "../components/shared/kubernetes";
import { KeyVaultObject, SyncedSecretType } from "../components/secret-provider-class/types";
import { keyVaultObjectProblems } from "../components/secret-provider-class/objects";
import { AzureKeyVaultSecretResource, akvsSubject } from "./akv2k8s";
import { Finding, FindingCode, FindingSeverity } from "./findings";

/**
 * The akv2k8s -> Secrets Store CSI mapping of one AzureKeyVaultSecret, as pure rules. Facts behind them
 * (akv2k8s controller and env injector source, provider source): see docs/migration.md, "What maps to what".
 */

/** A Key Vault object without its file name (the app picks the file name, so equal objects can share a file). */
export type ObjectSpec = Omit<KeyVaultObject, "objectAlias">;

/** Keys of a synced Secret that all come from the object's one file. */
export interface SecretNeed {
    /** Type of the akv2k8s output Secret, as the synced Secret's type. */
    type: SyncedSecretType;
    /** Keys to fill from the object's file. */
    keys: string[];
}

/** How one AKVS converts: the object to mount and what the akv2k8s output Secret needs from it. */
export interface AkvsMapping {
    /** Undefined when the AKVS is not converted at all (see findings). */
    object?: ObjectSpec;
    /** Undefined when akv2k8s writes no Secret for it (or the Secret can't be converted; see findings). */
    secret?: SecretNeed & { name: string };
    findings: Finding[];
}

/** Kubernetes Secret types the synced copy keeps from akv2k8s as they are. */
const OPAQUE = "Opaque";
const TLS = "kubernetes.io/tls";
const DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson";

const UNSUPPORTED_SECRET_TYPE_FIX: Record<string, string> = {
    "kubernetes.io/basic-auth":
        'akv2k8s splits one "user:pass" value; the CSI driver copies whole files. Store username and password as two Key Vault secrets, then add both objects and a kubernetes.io/basic-auth syncedSecrets entry with keys username and password',
    "kubernetes.io/dockercfg":
        "the legacy .dockercfg format is not modelled; store the registry credentials in .dockerconfigjson format and use type kubernetes.io/dockerconfigjson",
    "kubernetes.io/ssh-auth":
        "the ssh-auth Secret type is not modelled; use an Opaque syncedSecrets entry with key ssh-privatekey if the consumers don't check the type, or mount the file",
};

type Emit = (severity: FindingSeverity, code: FindingCode, where: string, message: string, fix: string) => void;

function emitterFor(resource: AzureKeyVaultSecretResource, findings: Finding[]): Emit {
    const subject = akvsSubject(resource.namespace, resource.name);
    return (severity, code, where, message, fix) => findings.push({ severity, code, subject, where, message, fix, source: resource.source });
}

/** `objectEncoding` for the AKVS's transforms, or a reason they have no equivalent. */
function encodingFor(resource: AzureKeyVaultSecretResource): { encoding?: "base64"; unsupported?: string } {
    const transforms = resource.transforms;
    if (transforms.length === 0) {
        return {};
    }
    if (transforms.length === 1 && transforms[0] === "base64decode") {
        return { encoding: "base64" };
    }
    const unknown = transforms.filter((t) => !["trim", "base64encode", "base64decode"].includes(t));
    if (unknown.length > 0) {
        return { unsupported: `contains ${unknown.map((t) => `"${t}"`).join(", ")}, which akv2k8s rejects ("transform type not currently supported"), so it never synced this object` };
    }
    return {
        unsupported: `[${transforms.join(", ")}] has no equivalent: the provider can only decode (objectEncoding base64 or hex), once, and can't trim or encode`,
    };
}

/** The object and file content an AKVS's object type stands for, before output-specific changes. */
function baseObject(resource: AzureKeyVaultSecretResource, objectType: KeyVaultObject["objectType"]): ObjectSpec {
    return {
        objectName: resource.object.name,
        objectType,
        ...(resource.object.version ? { objectVersion: resource.object.version } : {}),
    };
}

/** Model checks of an object (Key Vault names etc.); a failing object can't be converted. */
function objectRejected(object: ObjectSpec, emit: Emit): boolean {
    const problems = keyVaultObjectProblems(object, 0);
    for (const problem of problems) {
        emit("unsupported", "AKVS_INVALID", "spec.vault.object", `${problem.message} (${problem.where.replace(/^objects\[0\] "[^"]*"\./, "")})`, `${problem.fix}; the AKVS was not converted`);
    }
    return problems.length > 0;
}

/**
 * Maps one AKVS: the object to mount and the keys of its output Secret. Only what the akv2k8s controller
 * actually does is mapped; everything else is a finding.
 */
export function mapAzureKeyVaultSecret(resource: AzureKeyVaultSecretResource): AkvsMapping {
    const findings: Finding[] = [];
    const emit = emitterFor(resource, findings);
    const type = resource.object.type;
    const output = resource.secretOutput;

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
        return { findings };
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
    if (output?.chainOrder) {
        emit(
            "info",
            "AKVS_CHAIN_ORDER",
            "spec.output.secret.chainOrder",
            `"${output.chainOrder}" has no field in the provider: it orders PFX-backed certificate chains server first by default (--construct-pem-chain)`,
            "nothing to do for PFX certificates; PEM certificates are written in the order they were uploaded",
        );
    }

    let object: ObjectSpec;
    if (type === "secret") {
        const { encoding, unsupported } = encodingFor(resource);
        if (unsupported) {
            emit("unsupported", "AKVS_TRANSFORM_UNSUPPORTED", "spec.output.transform", unsupported, "store the value in Key Vault already transformed, then convert again; until then keep this AKVS on akv2k8s");
            return { findings };
        }
        object = { ...baseObject(resource, "secret"), ...(encoding ? { objectEncoding: encoding } : {}) };
    } else if (type === "certificate") {
        // Without an output the env injector's default (public certificate PEM) is the only use; don't mount the key.
        object = baseObject(resource, "cert");
    } else {
        object = baseObject(resource, "key");
    }

    if (!output) {
        if (objectRejected(object, emit)) {
            return { findings };
        }
        if (!resource.configMapOutput) {
            emit("info", "AKVS_NO_OUTPUT", "spec.output", "has no Secret output (only the env injector can use this AKVS)", "nothing to do; the object is mounted as a file and env references to it are converted");
        }
        return { object, findings };
    }
    if (!output.name) {
        if (objectRejected(object, emit)) {
            return { findings };
        }
        emit(
            "review",
            "AKVS_NO_SECRET_NAME",
            "spec.output.secret.name",
            "is missing: the CRD requires it and the akv2k8s controller refuses an empty name, so no Secret was ever written; only the mounted file is converted",
            "if a Secret is wanted, add a syncedSecrets entry for the file by hand",
        );
        return { object, findings };
    }

    const outputType = output.type;
    const dataKey = output.dataKey;
    const noDataKey = () => {
        emit(
            "review",
            "AKVS_NO_DATA_KEY",
            "spec.output.secret.dataKey",
            `is missing: akv2k8s fails on this AKVS ("no datakey specified"), so Secret "${output.name}" never got this value; only the mounted file is converted`,
            "set dataKey to the key consumers expect and convert again, or add the syncedSecrets entry by hand",
        );
    };
    const unsupportedType = (fix?: string) => {
        emit(
            "unsupported",
            "AKVS_SECRET_TYPE_UNSUPPORTED",
            "spec.output.secret.type",
            `"${outputType}" output of a ${type} has no equivalent synced Secret`,
            fix ?? "use Opaque (or kubernetes.io/tls for certificates) and convert again; until then keep this AKVS on akv2k8s",
        );
    };

    let need: SecretNeed | undefined;
    if (type === "secret") {
        if (outputType === undefined || outputType === OPAQUE) {
            need = dataKey ? { type: OPAQUE, keys: [dataKey] } : undefined;
            if (!dataKey) {
                noDataKey();
            }
        } else if (outputType === DOCKER_CONFIG_JSON) {
            need = { type: DOCKER_CONFIG_JSON, keys: [".dockerconfigjson"] };
        } else if (outputType === TLS) {
            if (object.objectEncoding) {
                emit("unsupported", "AKVS_TRANSFORM_UNSUPPORTED", "spec.output.transform", "base64decode before the PFX decoding of a kubernetes.io/tls output decodes twice; the provider decodes once", "remove the transform from the AKVS (it can't have worked) and convert again");
                return { findings };
            }
            // akv2k8s base64-decodes the value as a PFX and exports PEM certificate and key; the provider can decode
            // the base64 and the driver splits a PFX or PEM file into tls.crt and tls.key.
            object = { ...object, objectEncoding: "base64" };
            need = { type: TLS, keys: ["tls.crt", "tls.key"] };
            emit(
                "review",
                "AKVS_TLS_FROM_SECRET",
                "spec.output.secret.type",
                "a kubernetes.io/tls Secret from a Key Vault *secret* holding a base64 PFX is converted to objectEncoding base64 plus a TLS synced Secret that the driver splits into tls.crt and tls.key",
                "check the Secret once the first pod runs (kubectl get secret -o yaml: tls.crt and tls.key present); if the PFX has a password it can't work. Better: import the PFX as a Key Vault certificate",
            );
        } else {
            unsupportedType(UNSUPPORTED_SECRET_TYPE_FIX[outputType]);
            return { findings };
        }
        if (dataKey && outputType !== undefined && outputType !== OPAQUE) {
            emit("info", "AKVS_DATA_KEY_IGNORED", "spec.output.secret.dataKey", `"${dataKey}" is ignored by akv2k8s for type ${outputType}`, "nothing to do");
        }
    } else if (type === "certificate") {
        if (outputType === TLS) {
            object = { ...baseObject(resource, "secret") };
            need = { type: TLS, keys: ["tls.crt", "tls.key"] };
            emit(
                "info",
                "AKVS_TLS_KEY_ENCODING",
                "spec.output.secret.type",
                'tls.key is written by the driver as PKCS#8 ("BEGIN PRIVATE KEY"); akv2k8s wrote RSA keys as PKCS#1 ("BEGIN RSA PRIVATE KEY")',
                "nothing to do for ingress controllers, Go, OpenSSL and most TLS stacks; check consumers that parse PKCS#1 only",
            );
        } else if (outputType === OPAQUE) {
            // akv2k8s writes the certificate's raw export: the PFX bytes for PKCS#12 certificates.
            object = { ...baseObject(resource, "secret"), objectFormat: "pfx", objectEncoding: "base64" };
            if (dataKey) {
                need = { type: OPAQUE, keys: [dataKey] };
            } else {
                noDataKey();
            }
            emit(
                "review",
                "AKVS_CERTIFICATE_RAW",
                "spec.output.secret.type",
                "an Opaque output of a certificate is its raw export (binary PFX for PKCS#12 certificates); converted to objectType secret, objectFormat pfx, objectEncoding base64",
                "if the certificate's content type is PEM (application/x-pem-file), akv2k8s wrote the stored PEM instead: remove objectFormat and objectEncoding",
            );
        } else if (outputType === undefined) {
            // Any other type: the public certificate PEM under dataKey.
            if (dataKey) {
                need = { type: OPAQUE, keys: [dataKey] };
            } else {
                noDataKey();
            }
        } else {
            unsupportedType();
            return { findings };
        }
    } else {
        if (outputType !== undefined && outputType !== OPAQUE) {
            unsupportedType();
            return { findings };
        }
        if (dataKey) {
            need = { type: OPAQUE, keys: [dataKey] };
            emit(
                "review",
                "AKVS_KEY_FORMAT",
                "spec.vault.object.type",
                "akv2k8s writes a key as the raw RSA modulus bytes; the provider writes the public key as PEM (PKIX)",
                `change the consumers of "${output.name}/${dataKey}" to parse a PEM public key (the modulus is its N), or keep this AKVS on akv2k8s`,
            );
        } else {
            noDataKey();
        }
    }

    if (objectRejected(object, emit)) {
        return { findings };
    }
    for (const key of need?.keys ?? []) {
        if (!isSecretDataKey(key)) {
            emit("unsupported", "AKVS_INVALID", "spec.output.secret.dataKey", `"${key}" is not a valid Secret key, so akv2k8s can't have written it`, "use letters, digits, '-', '_' and '.'; the AKVS was not converted");
            return { findings };
        }
    }
    return { object, ...(need ? { secret: { ...need, name: output.name } } : {}), findings };
}

/** What an env-injector reference `<akvs>@azurekeyvault?<query>` stands for in CSI terms. */
export interface EnvMapping {
    object?: ObjectSpec;
    /** Opaque key (suffix added to the AKVS name) or the tls.key of a TLS Secret. */
    need?: { kind: "opaque"; keySuffix: string } | { kind: "tls.key" };
    findings: Finding[];
}

/**
 * Maps an env-injector query for an AKVS (queries per akv2k8s `azure-keyvault-env`: secret: none, `username`,
 * `password`; certificate: `tls.key`, `raw`, else the public certificate; multi-key-value-secret: the key).
 */
export function mapEnvReference(resource: AzureKeyVaultSecretResource, query: string | undefined, subject: string, where: string, source: string): EnvMapping {
    const findings: Finding[] = [];
    const emit: Emit = (severity, code, w, message, fix) => findings.push({ severity, code, subject, where: w, message, fix, source });
    const reference = `${resource.name}@azurekeyvault${query ? `?${query}` : ""}`;
    switch (resource.object.type) {
        case "secret": {
            if (query === "username" || query === "password") {
                emit("unsupported", "ENV_INJECTOR_QUERY_UNSUPPORTED", where, `"${reference}" takes the ${query} part of a "user:pass" secret; the provider can't split values`, `store the ${query} as its own Key Vault secret, add an AKVS (or object) for it and convert again`);
                return { findings };
            }
            if (query !== undefined) {
                emit("unsupported", "ENV_INJECTOR_QUERY_UNSUPPORTED", where, `"${reference}": akv2k8s rejects query "${query}" on a secret, so this variable never worked`, "remove the query");
                return { findings };
            }
            const { encoding, unsupported } = encodingFor(resource);
            if (unsupported) {
                emit("unsupported", "ENV_INJECTOR_NOT_CONVERTED", where, `"${reference}" uses the AKVS's transforms [${resource.transforms.join(", ")}], which have no equivalent (see the AKVS's finding)`, "store the value in Key Vault already transformed, then convert again");
                return { findings };
            }
            return { object: { ...baseObject(resource, "secret"), ...(encoding ? { objectEncoding: encoding } : {}) }, need: { kind: "opaque", keySuffix: "" }, findings };
        }
        case "certificate": {
            if (query === "tls.key") {
                emit(
                    "info",
                    "AKVS_TLS_KEY_ENCODING",
                    where,
                    `"${reference}" becomes tls.key of a TLS synced Secret, written as PKCS#8 ("BEGIN PRIVATE KEY"); akv2k8s wrote RSA keys as PKCS#1`,
                    "nothing to do unless the app parses PKCS#1 only",
                );
                return { object: baseObject(resource, "secret"), need: { kind: "tls.key" }, findings };
            }
            if (query === "raw") {
                emit(
                    "review",
                    "ENV_INJECTOR_CERTIFICATE_RAW",
                    where,
                    `"${reference}" is the certificate's raw export (binary PFX for PKCS#12 certificates); converted to objectType secret, objectFormat pfx, objectEncoding base64`,
                    "binary in an env var is fragile: prefer reading the mounted file; for PEM certificates remove objectFormat and objectEncoding",
                );
                return { object: { ...baseObject(resource, "secret"), objectFormat: "pfx", objectEncoding: "base64" }, need: { kind: "opaque", keySuffix: ".raw" }, findings };
            }
            return { object: baseObject(resource, "cert"), need: { kind: "opaque", keySuffix: "" }, findings };
        }
        case "key":
            emit(
                "review",
                "ENV_INJECTOR_KEY_FORMAT",
                where,
                `"${reference}" was the raw RSA modulus; the provider writes the public key as PEM (PKIX)`,
                "change the app to parse a PEM public key",
            );
            return { object: baseObject(resource, "key"), need: { kind: "opaque", keySuffix: "" }, findings };
        default:
            emit(
                "unsupported",
                "ENV_INJECTOR_QUERY_UNSUPPORTED",
                where,
                `"${reference}" reads key "${query ?? ""}" of a multi-key-value-secret; the provider writes one file per object`,
                `split "${resource.object.name}" into one Key Vault secret per key and reference that, or parse the mounted document in the app`,
            );
            return { findings };
    }
}
