import { Problem, duplicates } from "../shared/validation";
import { annotationsProblems, configMapKeyErrors, isDnsSubdomain, labelsProblems } from "../shared/kubernetes";
import { WrittenFiles, writesPath, writtenFiles } from "./paths";
import { describeObject } from "./objects";
import { reservedKeyProblems, secretSyncPathErrors } from "./secret-sync";
import { SYNCED_SECRET_TYPES, KeyVaultObject, SyncMechanism, SyncedSecret } from "./types";
import { CLASS_INPUT_PATHS, InputPaths } from "./input-paths";

/**
 * Checks of synced Secrets, the Kubernetes Secrets the driver syncs from mounted files (`secretObjects`) or the sync
 * controller from the provider's files (`SecretSync`, which builds them with the same driver code): the driver's own
 * checks (`pkg/util/secretutil`), what each Secret type needs from the file it reads, and the API server's rules;
 * with SecretSync also the CRD's own (secret-sync.ts).
 */

/** The label the driver puts on every Secret it syncs; a user value for it would be overwritten. */
export const DRIVER_MANAGED_LABEL = "secrets-store.csi.k8s.io/managed";

/** What a mounted file can hold, given the object that writes it. */
type FileContent = "certificate" | "public key" | "PFX binary" | "PFX base64 text" | "any value";

function contentOf(object: KeyVaultObject): FileContent {
    if (object.objectType === "cert") {
        return "certificate";
    }
    if (object.objectType === "key") {
        return "public key";
    }
    if (typeof object.objectFormat === "string" && object.objectFormat.toLowerCase() === "pfx") {
        return String(object.objectEncoding).toLowerCase() === "base64" ? "PFX binary" : "PFX base64 text";
    }
    return "any value";
}

const CONTENT_DESCRIPTION: Record<FileContent, string> = {
    certificate: "the certificate only (objectType cert)",
    "public key": "the public key only (objectType key)",
    "PFX binary": "a PFX binary",
    "PFX base64 text": "a PFX as base64 text (objectFormat pfx without objectEncoding base64)",
    "any value": "the secret's value",
};

/** What a key of a typed Secret must hold: the driver's TLS split and the API server's JSON check need it. */
const KEY_NEEDS: Record<string, { contents: FileContent[]; what: string; fix: string }> = {
    "kubernetes.io/tls tls.crt": {
        contents: ["certificate", "PFX binary", "any value"],
        what: "a certificate",
        fix: "read tls.crt and tls.key from an objectType: secret object of the certificate (its key and chain), or add objectEncoding: base64 to a pfx object",
    },
    "kubernetes.io/tls tls.key": {
        contents: ["PFX binary", "any value"],
        what: "a private key",
        fix: "read tls.key from an objectType: secret object of the certificate (Key Vault returns the key there), or add objectEncoding: base64 to a pfx object",
    },
    "kubernetes.io/dockerconfigjson .dockerconfigjson": {
        contents: ["any value"],
        what: "a JSON document",
        fix: "store the registry credentials as a Key Vault secret and read it with objectType: secret (no objectFormat pfx)",
    },
    "kubernetes.io/dockercfg .dockercfg": {
        contents: ["any value"],
        what: "a JSON document",
        fix: "store the registry credentials as a Key Vault secret and read it with objectType: secret (no objectFormat pfx)",
    },
};

/** The keys a typed Secret must have, per the API server (and the driver's TLS split). */
function typedKeyProblems(secret: SyncedSecret, keys: string[], where: string): Problem[] {
    const has = (key: string) => keys.includes(key);
    const got = `got [${[...keys].sort().join(", ")}]`;
    switch (secret.type) {
        case "kubernetes.io/tls":
            return [...keys].sort().join(",") === "tls.crt,tls.key"
                ? []
                : [
                      {
                          where: `${where}.data`,
                          message: `a kubernetes.io/tls Secret needs exactly the keys tls.crt and tls.key, ${got}`,
                          fix: "map tls.crt and tls.key, both usually from one objectType: secret object that holds the certificate and its key",
                      },
                  ];
        case "kubernetes.io/dockerconfigjson":
        case "kubernetes.io/dockercfg": {
            const key = secret.type === "kubernetes.io/dockercfg" ? ".dockercfg" : ".dockerconfigjson";
            return has(key)
                ? []
                : [
                      {
                          where: `${where}.data`,
                          message: `a ${secret.type} Secret needs the key ${key}, ${got}`,
                          fix: `map one key named ${key}`,
                      },
                  ];
        }
        case "kubernetes.io/basic-auth":
            return has("username") || has("password")
                ? []
                : [
                      {
                          where: `${where}.data`,
                          message: `a kubernetes.io/basic-auth Secret needs the key username or password, ${got}`,
                          fix: "map username and password (or one of them)",
                      },
                  ];
        case "kubernetes.io/ssh-auth":
            return has("ssh-privatekey")
                ? []
                : [
                      {
                          where: `${where}.data`,
                          message: `a kubernetes.io/ssh-auth Secret needs the key ssh-privatekey, ${got}`,
                          fix: "map one key named ssh-privatekey",
                      },
                  ];
        default:
            return [];
    }
}

/** What a synced Secret's reference to a file no object writes is told. */
const UNWRITTEN_FILE = "is not a file any object writes";

/** True for the problem of a synced Secret that names a file no object writes (a caller that adds objects later sets it aside). */
export function isUnwrittenFileProblem(problem: Problem): boolean {
    return problem.message.endsWith(UNWRITTEN_FILE);
}

/**
 * Problems with synced Kubernetes Secrets: names, types, keys, labels, annotations, and the files they read; with
 * `secretSync` what the SecretSync CRD adds (its key and path pattern, its reserved prefix) instead of the driver's label.
 * `paths`: what the caller calls the Secrets (default: the CRD's `secretObjects`).
 */
export function syncedSecretProblems(
    secretObjects: SyncedSecret[],
    objects: KeyVaultObject[],
    mechanism: SyncMechanism = "secretObjects",
    paths: Pick<InputPaths, "syncedSecrets" | "syncedSecret" | "repeatedSyncedSecret"> = CLASS_INPUT_PATHS,
): Problem[] {
    const problems: Problem[] = [];
    const aliasedNames = new Map(
        objects.flatMap((o) =>
            o.objectAlias && o.objectAlias !== o.objectName ? [[o.objectName, o.objectAlias] as [string, string]] : [],
        ),
    );
    const writersOf = (file: string) => objects.flatMap((object, index) => (writesPath(writtenFiles(object), file) ? [index] : []));
    // What each object's files must hold for the typed Secrets that read them: a JSON document cannot also be
    // PEM (and the versions of one object hold the same kind of value).
    const needsOfObject = new Map<number, Array<{ what: string; by: string }>>();
    for (const name of duplicates(secretObjects.map((s) => s.secretName))) {
        problems.push({
            where: paths.repeatedSyncedSecret(name),
            message: "is declared more than once",
            fix: "merge its data into one entry",
        });
    }
    secretObjects.forEach((secret, index) => {
        const where = paths.syncedSecret(secret, index);
        if (typeof secret.secretName === "string" && secret.secretName !== secret.secretName.trim()) {
            problems.push({
                where: `${where}.secretName`,
                message: `"${secret.secretName}" has leading or trailing white space, which the driver strips`,
                fix: `write "${secret.secretName.trim()}"`,
            });
        } else if (typeof secret.secretName !== "string" || !isDnsSubdomain(secret.secretName)) {
            problems.push({
                where: `${where}.secretName`,
                message: `"${secret.secretName ?? ""}" is not a valid Kubernetes Secret name`,
                fix: "use lower-case letters, digits, '-' and '.'",
            });
        }
        if (!secret.type) {
            problems.push({
                where: `${where}.type`,
                message: "is missing; the driver refuses a synced Secret without a type at mount time",
                fix: `set type to one of ${SYNCED_SECRET_TYPES.join(", ")}`,
            });
        } else if (!(SYNCED_SECRET_TYPES as readonly string[]).includes(secret.type)) {
            problems.push({
                where: `${where}.type`,
                message: `"${secret.type}" is not a supported Secret type`,
                fix: `use one of ${SYNCED_SECRET_TYPES.join(", ")}`,
            });
        }
        const data = secret.data ?? [];
        if (data.length === 0) {
            problems.push({ where: `${where}.data`, message: "is empty", fix: "list at least one {key, objectName}" });
        }
        for (const key of duplicates(data.map((d) => d.key))) {
            problems.push({ where: `${where}.data`, message: `key "${key}" is listed more than once`, fix: "keep one entry per key" });
        }
        data.forEach((entry, dataIndex) => {
            const entryWhere = `${where}.data[${dataIndex}]`;
            const key = entry.key ?? "";
            const keyErrors = configMapKeyErrors(key);
            if (key !== key.trim()) {
                problems.push({
                    where: `${entryWhere}.key`,
                    message: `"${key}" has leading or trailing white space, which the driver strips`,
                    fix: `write "${key.trim()}"`,
                });
            } else if (keyErrors.length > 0) {
                problems.push({
                    where: `${entryWhere}.key`,
                    message: `"${key}" is not a valid Secret key (${keyErrors.join("; ")})`,
                    fix: "use letters, digits, '-', '_' and '.'",
                });
            } else if (mechanism === "secretSync" && secretSyncPathErrors(key).length > 0) {
                problems.push({
                    where: `${entryWhere}.key`,
                    message: `"${key}" is not a targetKey the SecretSync CRD accepts (${secretSyncPathErrors(key).join("; ")})`,
                    fix: "rename the key, e.g. db-password or db_password",
                });
            }
            const file = entry.objectName ?? "";
            if (file !== file.trim()) {
                problems.push({
                    where: `${entryWhere}.objectName`,
                    message: `"${file}" has leading or trailing white space, which the driver strips`,
                    fix: `write "${file.trim()}"`,
                });
                return;
            }
            const writers = writersOf(file);
            if (writers.length === 0) {
                const alias = aliasedNames.get(file);
                problems.push({
                    where: `${entryWhere}.objectName`,
                    message: `"${file}" ${UNWRITTEN_FILE}`,
                    fix: alias
                        ? `reference the alias "${alias}": with objectAlias the file is named after the alias, not the object`
                        : `reference one of: ${objects.map((object) => describeFiles(writtenFiles(object))).join(", ")}`,
                });
                return;
            }
            if (mechanism === "secretSync" && secretSyncPathErrors(file).length > 0) {
                problems.push({
                    where: `${entryWhere}.objectName`,
                    message: `"${file}" is not a sourcePath the SecretSync CRD accepts (${secretSyncPathErrors(file).join("; ")})`,
                    fix: "give the object an objectAlias such as db-password (no sub-directories; version files <file>/<n> are fine)",
                });
            }
            // A file written twice is reported with the objects; which content wins is then the driver's choice.
            const [writer] = writers;
            const needs = KEY_NEEDS[`${secret.type} ${key}`];
            const content = contentOf(objects[writer]);
            if (needs && writers.length === 1) {
                needsOfObject.set(writer, [
                    ...(needsOfObject.get(writer) ?? []),
                    { what: needs.what, by: `${where}.data[${dataIndex}] ${key}` },
                ]);
            }
            if (needs && writers.length === 1 && !needs.contents.includes(content)) {
                problems.push({
                    where: entryWhere,
                    message: `${key} needs ${needs.what}, but "${file}" holds ${CONTENT_DESCRIPTION[content]} (${describeObject(objects[writer], writer)})`,
                    fix: needs.fix,
                });
            }
        });
        problems.push(
            ...typedKeyProblems(
                secret,
                data.map((d) => d.key),
                where,
            ),
        );
        problems.push(
            ...labelsProblems(secret.labels, `${where}.labels`),
            ...annotationsProblems(secret.annotations, `${where}.annotations`),
        );
        if (mechanism === "secretSync") {
            problems.push(...reservedKeyProblems(secret, where));
        } else if (secret.labels && DRIVER_MANAGED_LABEL in secret.labels) {
            problems.push({
                where: `${where}.labels["${DRIVER_MANAGED_LABEL}"]`,
                message: 'is set by the driver on every Secret it syncs (to "true"), so this value would be overwritten',
                fix: "remove the label",
            });
        }
    });
    for (const [writer, needs] of needsOfObject) {
        const json = needs.filter((need) => need.what === "a JSON document");
        const pem = needs.filter((need) => need.what !== "a JSON document");
        if (json.length > 0 && pem.length > 0) {
            problems.push({
                where: paths.syncedSecrets,
                message: `${describeObject(objects[writer], writer)} is read as a JSON document (${json.map((need) => need.by).join(", ")}) and as PEM (${pem.map((need) => need.by).join(", ")}); one object cannot hold both`,
                fix: "read the registry credentials and the certificate from different objects",
            });
        }
    }
    return problems;
}

/** A short description of an object's files for messages: `conf`, or `root/0..root/3`. */
function describeFiles(files: WrittenFiles): string {
    if (files.lastVersion === undefined) {
        return files.path;
    }
    const base = files.path === "." ? "" : `${files.path}/`;
    return `${base}0..${base}${files.lastVersion}`;
}
