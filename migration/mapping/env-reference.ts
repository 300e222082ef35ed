import { AzureKeyVaultSecretResource, ENV_INJECTOR_MARKER } from "../akv2k8s";
import { Finding } from "../findings";
import { Emit, ObjectSpec, baseObject, encodingFor } from "./objects";

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
export function mapEnvReference(
    resource: AzureKeyVaultSecretResource,
    query: string | undefined,
    subject: string,
    where: string,
    source: string,
): EnvMapping {
    const findings: Finding[] = [];
    const emit: Emit = (severity, code, w, message, fix) => findings.push({ severity, code, subject, where: w, message, fix, source });
    const reference = `${resource.name}${ENV_INJECTOR_MARKER}${query ? `?${query}` : ""}`;
    switch (resource.object.type) {
        case "secret": {
            if (query === "username" || query === "password") {
                emit(
                    "unsupported",
                    "ENV_INJECTOR_QUERY_UNSUPPORTED",
                    where,
                    `"${reference}" takes the ${query} part of a "user:pass" secret; the provider can't split values`,
                    `store the ${query} as its own Key Vault secret, add an AKVS (or object) for it and convert again`,
                );
                return { findings };
            }
            if (query !== undefined) {
                emit(
                    "unsupported",
                    "ENV_INJECTOR_QUERY_UNSUPPORTED",
                    where,
                    `"${reference}": akv2k8s rejects query "${query}" on a secret, so this variable never worked`,
                    "remove the query",
                );
                return { findings };
            }
            const { encoding, unsupported } = encodingFor(resource);
            if (unsupported) {
                emit(
                    "unsupported",
                    "ENV_INJECTOR_NOT_CONVERTED",
                    where,
                    `"${reference}" uses the AKVS's transforms [${resource.transforms.join(", ")}], which have no equivalent (see the AKVS's finding)`,
                    "store the value in Key Vault already transformed, then convert again",
                );
                return { findings };
            }
            return {
                object: { ...baseObject(resource, "secret"), ...(encoding ? { objectEncoding: encoding } : {}) },
                need: { kind: "opaque", keySuffix: "" },
                findings,
            };
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
                return {
                    object: { ...baseObject(resource, "secret"), objectFormat: "pfx", objectEncoding: "base64" },
                    need: { kind: "opaque", keySuffix: ".raw" },
                    findings,
                };
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
