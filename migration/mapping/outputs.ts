import { AzureKeyVaultSecretResource } from "../akv2k8s";
import { Emit, ObjectSpec, SecretNeed, baseObject } from "./objects";

/**
 * What an akv2k8s output Secret of each object type becomes: the keys of a synced Secret filled from the object's
 * file (and the object adjusted so its file holds what akv2k8s wrote), or a finding when it has no equivalent.
 */

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

/** An output Secret that has a name (the CRD requires one; without it akv2k8s writes nothing). */
export type NamedOutput = { name: string; type?: string; dataKey?: string };

/** The object and the synced Secret keys of a converted output; `need` is undefined when only the file converts. */
export type ConvertedOutput = { object: ObjectSpec; need?: SecretNeed };

/** How each output-type rule reports. */
interface OutputRule {
    resource: AzureKeyVaultSecretResource;
    object: ObjectSpec;
    output: NamedOutput;
    emit: Emit;
}

/** No dataKey: akv2k8s fails on the AKVS, so only the file converts. */
function noDataKey({ output, emit }: OutputRule): void {
    emit(
        "review",
        "AKVS_NO_DATA_KEY",
        "spec.output.secret.dataKey",
        `is missing: akv2k8s fails on this AKVS ("no datakey specified"), so Secret "${output.name}" never got this value; only the mounted file is converted`,
        "set dataKey to the key consumers expect and convert again, or add the syncedSecrets entry by hand",
    );
}

function unsupportedType({ resource, output, emit }: OutputRule, fix?: string): undefined {
    emit(
        "unsupported",
        "AKVS_SECRET_TYPE_UNSUPPORTED",
        "spec.output.secret.type",
        `"${output.type}" output of a ${resource.object.type} has no equivalent synced Secret`,
        fix ?? "use Opaque (or kubernetes.io/tls for certificates) and convert again; until then keep this AKVS on akv2k8s",
    );
    return undefined;
}

/** The Opaque key `dataKey`, or (reported) only the file when there is none. */
function opaqueKey(rule: OutputRule, object: ObjectSpec): ConvertedOutput {
    if (rule.output.dataKey) {
        return { object, need: { type: OPAQUE, keys: [rule.output.dataKey] } };
    }
    noDataKey(rule);
    return { object };
}

/** A secret's output: Opaque (its dataKey), dockerconfigjson, or TLS from a base64 PFX. */
function secretOutput(rule: OutputRule): ConvertedOutput | undefined {
    const { output, emit } = rule;
    let converted: ConvertedOutput;
    if (output.type === undefined || output.type === OPAQUE) {
        converted = opaqueKey(rule, rule.object);
    } else if (output.type === DOCKER_CONFIG_JSON) {
        converted = { object: rule.object, need: { type: DOCKER_CONFIG_JSON, keys: [".dockerconfigjson"] } };
    } else if (output.type === TLS) {
        if (rule.object.objectEncoding) {
            emit(
                "unsupported",
                "AKVS_TRANSFORM_UNSUPPORTED",
                "spec.output.transform",
                "base64decode before the PFX decoding of a kubernetes.io/tls output decodes twice; the provider decodes once",
                "remove the transform from the AKVS (it can't have worked) and convert again",
            );
            return undefined;
        }
        // akv2k8s base64-decodes the value as a PFX and exports PEM certificate and key; the provider can decode
        // the base64 and the driver splits a PFX or PEM file into tls.crt and tls.key.
        converted = { object: { ...rule.object, objectEncoding: "base64" }, need: { type: TLS, keys: ["tls.crt", "tls.key"] } };
        emit(
            "review",
            "AKVS_TLS_FROM_SECRET",
            "spec.output.secret.type",
            "a kubernetes.io/tls Secret from a Key Vault *secret* holding a base64 PFX is converted to objectEncoding base64 plus a TLS synced Secret that the driver splits into tls.crt and tls.key",
            "check the Secret once the first pod runs (kubectl get secret -o yaml: tls.crt and tls.key present); if the PFX has a password it can't work. Better: import the PFX as a Key Vault certificate",
        );
    } else {
        return unsupportedType(rule, UNSUPPORTED_SECRET_TYPE_FIX[output.type]);
    }
    if (output.dataKey && output.type !== undefined && output.type !== OPAQUE) {
        emit(
            "info",
            "AKVS_DATA_KEY_IGNORED",
            "spec.output.secret.dataKey",
            `"${output.dataKey}" is ignored by akv2k8s for type ${output.type}`,
            "nothing to do",
        );
    }
    return converted;
}

/** A certificate's output: TLS (key and chain), Opaque (the raw export), or without a type the public certificate. */
function certificateOutput(rule: OutputRule): ConvertedOutput | undefined {
    const { resource, output, emit } = rule;
    if (output.type === TLS) {
        emit(
            "info",
            "AKVS_TLS_KEY_ENCODING",
            "spec.output.secret.type",
            'tls.key is written by the driver as PKCS#8 ("BEGIN PRIVATE KEY"); akv2k8s wrote RSA keys as PKCS#1 ("BEGIN RSA PRIVATE KEY")',
            "nothing to do for ingress controllers, Go, OpenSSL and most TLS stacks; check consumers that parse PKCS#1 only",
        );
        return { object: { ...baseObject(resource, "secret") }, need: { type: TLS, keys: ["tls.crt", "tls.key"] } };
    }
    if (output.type === OPAQUE) {
        // akv2k8s writes the certificate's raw export: the PFX bytes for PKCS#12 certificates.
        const converted = opaqueKey(rule, { ...baseObject(resource, "secret"), objectFormat: "pfx", objectEncoding: "base64" });
        emit(
            "review",
            "AKVS_CERTIFICATE_RAW",
            "spec.output.secret.type",
            "an Opaque output of a certificate is its raw export (binary PFX for PKCS#12 certificates); converted to objectType secret, objectFormat pfx, objectEncoding base64",
            "if the certificate's content type is PEM (application/x-pem-file), akv2k8s wrote the stored PEM instead: remove objectFormat and objectEncoding",
        );
        return converted;
    }
    if (output.type === undefined) {
        // Any other type: the public certificate PEM under dataKey.
        return opaqueKey(rule, rule.object);
    }
    return unsupportedType(rule);
}

/** A key's output: Opaque only, the public key as PEM where akv2k8s wrote the raw modulus. */
function keyOutput(rule: OutputRule): ConvertedOutput | undefined {
    const { output, emit } = rule;
    if (output.type !== undefined && output.type !== OPAQUE) {
        return unsupportedType(rule);
    }
    if (output.dataKey) {
        emit(
            "review",
            "AKVS_KEY_FORMAT",
            "spec.vault.object.type",
            "akv2k8s writes a key as the raw RSA modulus bytes; the provider writes the public key as PEM (PKIX)",
            `change the consumers of "${output.name}/${output.dataKey}" to parse a PEM public key (the modulus is its N), or keep this AKVS on akv2k8s`,
        );
    }
    return opaqueKey(rule, rule.object);
}

/** The output Secret of an AKVS in CSI terms, by its object type; undefined when it has no equivalent (reported). */
export function convertOutput(
    resource: AzureKeyVaultSecretResource,
    object: ObjectSpec,
    output: NamedOutput,
    emit: Emit,
): ConvertedOutput | undefined {
    const rule = { resource, object, output, emit };
    switch (resource.object.type) {
        case "secret":
            return secretOutput(rule);
        case "certificate":
            return certificateOutput(rule);
        default:
            return keyOutput(rule);
    }
}
