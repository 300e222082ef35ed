import { Problem, duplicates, isGuid } from "../shared/validation";
import { annotationsProblems, configMapKeyErrors, isDnsSubdomain, labelsProblems } from "../shared/kubernetes";
import { MAX_FILE_NAME_BYTES, MAX_PATH_BYTES, WrittenFiles, cleanPath, collision, fileNameOf, longestPath, writesPath, writtenFiles } from "./paths";
import {
    AZURE_CLOUD_NAMES,
    AzureCloudName,
    KEY_VAULT_OBJECT_ENCODINGS,
    KEY_VAULT_OBJECT_FORMATS,
    KEY_VAULT_OBJECT_TYPES,
    KeyVaultObject,
    SecretProviderClassSpec,
    SecretProviderIdentity,
    SyncedSecret,
} from "./types";

/**
 * Pure checks for everything the Azure provider or the CSI driver would ignore or reject only at pod start.
 * Values that are still unknown (Outputs) are skipped here and checked when they resolve. Each rule is tested
 * against upstream's own code by the conformance suite (docs/conformance.md), which also lists where we are
 * deliberately stricter.
 */

const KEY_VAULT_NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;
const KEY_VAULT_OBJECT_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const OCTAL = /^[0-7]+$/;
const INT32_MAX = 2147483647;
/** Most versions one object may sync: each is a Key Vault read per pod on every mount and rotation poll. */
export const MAX_OBJECT_VERSION_HISTORY = 100;
/** The label the driver puts on every Secret it syncs; a user value for it would be overwritten. */
export const DRIVER_MANAGED_LABEL = "secrets-store.csi.k8s.io/managed";

export const SYNCED_SECRET_TYPES = [
    "Opaque",
    "kubernetes.io/tls",
    "kubernetes.io/dockerconfigjson",
    "kubernetes.io/dockercfg",
    "kubernetes.io/basic-auth",
    "kubernetes.io/ssh-auth",
] as const;

/** Problems with a Key Vault name, per Azure's naming rule (stricter than the provider's own check). */
export function keyVaultNameProblems(name: string, where = "keyvaultName"): Problem[] {
    if (KEY_VAULT_NAME.test(name) && !name.includes("--")) {
        return [];
    }
    return [
        {
            where,
            message: `"${name}" is not a valid Key Vault name`,
            fix: "use 3-24 characters of letters, digits and single hyphens, starting with a letter and ending with a letter or digit",
        },
    ];
}

/** Problems with a tenant ID. */
export function tenantIdProblems(tenantId: string, where = "tenantID"): Problem[] {
    return isGuid(tenantId)
        ? []
        : [{ where, message: `"${tenantId}" is not a GUID`, fix: "use the vault's Entra tenant ID, e.g. from `az account show --query tenantId`" }];
}

function describeObject(object: KeyVaultObject, index: number): string {
    return `objects[${index}] "${object.objectName ?? ""}"`;
}

const OBJECT_STRING_FIELDS = ["objectName", "objectType", "objectAlias", "objectVersion", "objectFormat", "objectEncoding", "filePermission"] as const;

/** Fields with leading or trailing white space: the provider trims them, so they would not mean what they say. */
function paddedFieldProblems(object: KeyVaultObject, where: string): { padded: Set<string>; problems: Problem[] } {
    const padded = new Set(OBJECT_STRING_FIELDS.filter((field) => typeof object[field] === "string" && object[field] !== object[field]!.trim()));
    const problems = [...padded].map((field) => ({
        where: `${where}.${field}`,
        message: `"${object[field]}" has leading or trailing white space, which the provider strips`,
        fix: `write "${object[field]!.trim()}"`,
    }));
    return { padded, problems };
}

function byteLength(value: string): number {
    return Buffer.byteLength(value, "utf8");
}

/** Problems with the file name an object writes: the provider's path checks, then the driver's writer's. */
function fileNameProblems(object: KeyVaultObject, where: string): Problem[] {
    const file = fileNameOf(object);
    const field = object.objectAlias ? "objectAlias" : "objectName";
    const at = `${where}.${field}`;
    if (typeof file !== "string" || file === "") {
        return [];
    }
    if (file.startsWith("/")) {
        return [{ where: at, message: `"${file}" is an absolute path; the provider refuses it`, fix: "use a file name relative to the mount path" }];
    }
    if (/^[A-Za-z]:[\\/]/.test(file)) {
        return [{ where: at, message: `"${file}" is an absolute path on Windows nodes; the provider refuses it there`, fix: "use a file name relative to the mount path" }];
    }
    if (file.includes("..")) {
        return [{ where: at, message: `"${file}" contains '..'; the provider refuses it`, fix: "use a file name inside the mount, without '..'" }];
    }
    const files = writtenFiles(object);
    const problems: Problem[] = [];
    if (files.lastVersion === undefined && file === ".") {
        problems.push({ where: at, message: '"." names the mount directory itself, not a file', fix: "give the file a name" });
    } else if (files.lastVersion === undefined && cleanPath(file) !== file) {
        problems.push({
            where: at,
            message: `"${file}" is not a clean relative path; the driver writes a path only as its cleaned form ("${cleanPath(file)}")`,
            fix: `write "${cleanPath(file)}"`,
        });
    }
    const longName = files.path.split("/").find((name) => byteLength(name) > MAX_FILE_NAME_BYTES);
    if (longName !== undefined) {
        problems.push({
            where: at,
            message: `has a file or directory name of ${byteLength(longName)} bytes ("${longName.slice(0, 16)}..."); the driver allows at most ${MAX_FILE_NAME_BYTES}`,
            fix: "shorten that part of the path",
        });
    }
    const longest = longestPath(files);
    if (byteLength(longest) > MAX_PATH_BYTES) {
        problems.push({
            where: at,
            message: `writes a path of ${byteLength(longest)} bytes; the driver allows at most ${MAX_PATH_BYTES}`,
            fix: "use a shorter path",
        });
    }
    return problems;
}

/** Problems with `objectVersionHistory`: a whole number the provider decodes, within our bound. */
function versionHistoryProblems(history: number, where: string): Problem[] {
    const at = `${where}.objectVersionHistory`;
    if (!Number.isFinite(history)) {
        return [{ where: at, message: `${history} is not a number the provider can read`, fix: "use 0 (latest only) or the number of versions to fetch, e.g. 2" }];
    }
    if (!Number.isInteger(history)) {
        return [{ where: at, message: `${history} is not a whole number; the provider truncates it to ${Math.trunc(history)}`, fix: `write ${Math.trunc(history)}` }];
    }
    if (history < 0) {
        return [{ where: at, message: `${history} is negative; the provider reads it as "latest only"`, fix: "use 0 (latest only) or the number of versions to fetch, e.g. 2" }];
    }
    if (history > INT32_MAX) {
        return [{ where: at, message: `${history} does not fit the provider's 32-bit field; it fails to decode the object`, fix: `use at most ${MAX_OBJECT_VERSION_HISTORY}` }];
    }
    if (history > MAX_OBJECT_VERSION_HISTORY) {
        return [
            {
                where: at,
                message: `${history} versions is more than this library allows (${MAX_OBJECT_VERSION_HISTORY}): the provider reads every version from Key Vault on each mount and rotation poll and writes each as a file`,
                fix: "sync only the versions the app reads, e.g. 2 (the current and the previous one)",
            },
        ];
    }
    return [];
}

/** Problems with one Key Vault object. */
export function keyVaultObjectProblems(object: KeyVaultObject, index: number): Problem[] {
    const where = describeObject(object, index);
    const { padded, problems } = paddedFieldProblems(object, where);
    if (!padded.has("objectName") && (typeof object.objectName !== "string" || !KEY_VAULT_OBJECT_NAME.test(object.objectName))) {
        problems.push({
            where: `${where}.objectName`,
            message: `"${object.objectName ?? ""}" is not a Key Vault object name`,
            fix: "use the object's name in the vault: 1-127 letters, digits and hyphens",
        });
    }
    if (!padded.has("objectType") && !KEY_VAULT_OBJECT_TYPES.includes(object.objectType)) {
        problems.push({
            where: `${where}.objectType`,
            message: `"${object.objectType ?? ""}" is not an object type the provider knows (it compares case-sensitively)`,
            fix: `use one of ${KEY_VAULT_OBJECT_TYPES.join(", ")}`,
        });
    }
    if (!padded.has("objectAlias") && !padded.has("objectName")) {
        problems.push(...fileNameProblems(object, where));
    }
    if (object.objectVersionHistory !== undefined) {
        problems.push(...versionHistoryProblems(object.objectVersionHistory, where));
    }
    const secretOnly: Array<[keyof KeyVaultObject, readonly string[]]> = [
        ["objectFormat", KEY_VAULT_OBJECT_FORMATS],
        ["objectEncoding", KEY_VAULT_OBJECT_ENCODINGS],
    ];
    for (const [field, allowed] of secretOnly) {
        const value = object[field];
        // An empty value is the provider's default, like an absent one.
        if (value === undefined || value === "" || padded.has(field)) {
            continue;
        }
        if (object.objectType !== "secret") {
            problems.push({
                where: `${where}.${field}`,
                message: `is set on objectType "${object.objectType}"; the provider supports it only for secrets`,
                fix: `remove ${field}, or fetch the object with objectType: secret`,
            });
        } else if (typeof value !== "string" || !allowed.includes(value.toLowerCase())) {
            problems.push({
                where: `${where}.${field}`,
                message: `"${String(value)}" is not supported`,
                fix: `use one of ${allowed.join(", ")}`,
            });
        }
    }
    if (object.objectType === "secret" && String(object.objectFormat).toLowerCase() === "pfx" && String(object.objectEncoding).toLowerCase() === "hex") {
        problems.push({
            where: `${where}.objectEncoding`,
            message: "hex cannot decode a PFX: Key Vault returns a certificate's PFX as base64 text, so the provider fails to write the file",
            fix: "use objectEncoding base64 for the PFX binary, or leave it out for the base64 text",
        });
    }
    const permission = object.filePermission;
    if (permission !== undefined && permission !== "" && !padded.has("filePermission") && !(OCTAL.test(permission) && parseInt(permission, 8) <= 0o777)) {
        problems.push({
            where: `${where}.filePermission`,
            message: `"${permission}" is not an octal file mode (the provider would write the file with mode 0000)`,
            fix: 'use a quoted octal string such as "0440" or "0644"',
        });
    }
    return problems;
}

/** Problems across objects: files written twice, and a file where another object needs a directory. */
export function objectSetProblems(objects: KeyVaultObject[]): Problem[] {
    if (objects.length === 0) {
        return [{ where: "objects", message: "is empty; the pod would mount nothing", fix: "list at least one Key Vault object" }];
    }
    const files = objects.map(writtenFiles);
    const sameFile = new Map<string, Set<number>>();
    const problems: Problem[] = [];
    files.forEach((first, i) => {
        files.slice(i + 1).forEach((second, offset) => {
            const j = i + 1 + offset;
            const found = collision(first, second);
            if (found?.kind === "same file") {
                sameFile.set(found.path, new Set([...(sameFile.get(found.path) ?? []), i, j]));
            } else if (found) {
                const [holder, needer] = writesPath(first, found.file) ? [i, j] : [j, i];
                problems.push({
                    where: "objects",
                    message: `${describeObject(objects[holder], holder)} writes the file "${found.file}" where ${describeObject(objects[needer], needer)} needs a directory (for "${found.inside}"); the driver cannot write both`,
                    fix: "give one of them another objectAlias",
                });
            }
        });
    });
    for (const [path, writers] of sameFile) {
        problems.unshift({
            where: "objects",
            message: `file "${path}" is written by more than one object (${[...writers].sort((a, b) => a - b).map((index) => describeObject(objects[index], index)).join(", ")})`,
            fix: "give each object a distinct objectAlias",
        });
    }
    return problems;
}

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
            return has(key) ? [] : [{ where: `${where}.data`, message: `a ${secret.type} Secret needs the key ${key}, ${got}`, fix: `map one key named ${key}` }];
        }
        case "kubernetes.io/basic-auth":
            return has("username") || has("password")
                ? []
                : [{ where: `${where}.data`, message: `a kubernetes.io/basic-auth Secret needs the key username or password, ${got}`, fix: "map username and password (or one of them)" }];
        case "kubernetes.io/ssh-auth":
            return has("ssh-privatekey") ? [] : [{ where: `${where}.data`, message: `a kubernetes.io/ssh-auth Secret needs the key ssh-privatekey, ${got}`, fix: "map one key named ssh-privatekey" }];
        default:
            return [];
    }
}

/** Problems with synced Kubernetes Secrets: names, types, keys, labels, annotations, and the files they read. */
export function syncedSecretProblems(secretObjects: SyncedSecret[], objects: KeyVaultObject[]): Problem[] {
    const problems: Problem[] = [];
    const aliasedNames = new Map(
        objects.filter((o) => o.objectAlias && o.objectAlias !== o.objectName).map((o) => [o.objectName, o.objectAlias!]),
    );
    const writersOf = (file: string) => objects.flatMap((object, index) => (writesPath(writtenFiles(object), file) ? [index] : []));
    // What each object's files must hold for the typed Secrets that read them: a JSON document cannot also be
    // PEM (and the versions of one object hold the same kind of value).
    const needsOfObject = new Map<number, Array<{ what: string; by: string }>>();
    for (const name of duplicates(secretObjects.map((s) => s.secretName))) {
        problems.push({ where: `secretObjects "${name}"`, message: "is declared more than once", fix: "merge its data into one entry" });
    }
    secretObjects.forEach((secret, index) => {
        const where = `secretObjects[${index}] "${secret.secretName ?? ""}"`;
        if (typeof secret.secretName === "string" && secret.secretName !== secret.secretName.trim()) {
            problems.push({ where: `${where}.secretName`, message: `"${secret.secretName}" has leading or trailing white space, which the driver strips`, fix: `write "${secret.secretName.trim()}"` });
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
                problems.push({ where: `${entryWhere}.key`, message: `"${key}" has leading or trailing white space, which the driver strips`, fix: `write "${key.trim()}"` });
            } else if (keyErrors.length > 0) {
                problems.push({ where: `${entryWhere}.key`, message: `"${key}" is not a valid Secret key (${keyErrors.join("; ")})`, fix: "use letters, digits, '-', '_' and '.'" });
            }
            const file = entry.objectName ?? "";
            if (file !== file.trim()) {
                problems.push({ where: `${entryWhere}.objectName`, message: `"${file}" has leading or trailing white space, which the driver strips`, fix: `write "${file.trim()}"` });
                return;
            }
            const writers = writersOf(file);
            if (writers.length === 0) {
                const alias = aliasedNames.get(file);
                problems.push({
                    where: `${entryWhere}.objectName`,
                    message: `"${file}" is not a file any object writes`,
                    fix: alias
                        ? `reference the alias "${alias}": with objectAlias the file is named after the alias, not the object`
                        : `reference one of: ${objects.map((object) => describeFiles(writtenFiles(object))).join(", ")}`,
                });
                return;
            }
            // A file written twice is reported with the objects; which content wins is then the driver's choice.
            const [writer] = writers;
            const needs = KEY_NEEDS[`${secret.type} ${key}`];
            const content = contentOf(objects[writer]);
            if (needs && writers.length === 1) {
                needsOfObject.set(writer, [...(needsOfObject.get(writer) ?? []), { what: needs.what, by: `${where}.data[${dataIndex}] ${key}` }]);
            }
            if (needs && writers.length === 1 && !needs.contents.includes(content)) {
                problems.push({
                    where: entryWhere,
                    message: `${key} needs ${needs.what}, but "${file}" holds ${CONTENT_DESCRIPTION[content]} (${describeObject(objects[writer], writer)})`,
                    fix: needs.fix,
                });
            }
        });
        problems.push(...typedKeyProblems(secret, data.map((d) => d.key), where));
        problems.push(...labelsProblems(secret.labels, `${where}.labels`), ...annotationsProblems(secret.annotations, `${where}.annotations`));
        if (secret.labels && DRIVER_MANAGED_LABEL in secret.labels) {
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
                where: "secretObjects",
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

const IDENTITY_FIELDS: Record<SecretProviderIdentity["mode"], string> = {
    managedIdentity: "userAssignedIdentityID",
    workloadIdentity: "clientID",
    servicePrincipal: "nodePublishSecretRef",
};

/** Problems with the identity choice: an unknown mode, fields of more than one mode, malformed IDs. */
export function identityProblems(identity: SecretProviderIdentity): Problem[] {
    const modes = Object.keys(IDENTITY_FIELDS) as Array<SecretProviderIdentity["mode"]>;
    if (!identity || !modes.includes(identity.mode)) {
        return [
            {
                where: "identity.mode",
                message: `"${identity?.mode ?? ""}" is not an identity mode`,
                fix: `use one of ${modes.join(", ")}`,
            },
        ];
    }
    const fields = new Map<string, unknown>(Object.entries(identity));
    const present = modes.filter((mode) => mode !== identity.mode && fields.get(IDENTITY_FIELDS[mode]) !== undefined);
    if (present.length > 0) {
        return [
            {
                where: "identity",
                message: `sets fields of more than one identity mode (${[identity.mode, ...present].join(" and ")}); the provider allows one`,
                fix: `keep only the fields of mode "${identity.mode}" (${IDENTITY_FIELDS[identity.mode]})`,
            },
        ];
    }
    const problems: Problem[] = [];
    if (identity.mode === "workloadIdentity" && typeof identity.clientID === "string" && identity.clientID !== "" && !isGuid(identity.clientID)) {
        problems.push({ where: "identity.clientID", message: `"${identity.clientID}" is not a GUID`, fix: "use the client ID of the federated identity" });
    }
    if (identity.mode === "workloadIdentity" && (identity.clientID === undefined || identity.clientID === "")) {
        problems.push({ where: "identity.clientID", message: "is missing", fix: "set the client ID of the federated identity" });
    }
    if (
        identity.mode === "managedIdentity" &&
        typeof identity.userAssignedIdentityID === "string" &&
        identity.userAssignedIdentityID !== "" &&
        !isGuid(identity.userAssignedIdentityID)
    ) {
        problems.push({
            where: "identity.userAssignedIdentityID",
            message: `"${identity.userAssignedIdentityID}" is not a GUID`,
            fix: "use the client ID (not the object or resource ID) of the addon identity",
        });
    }
    if (identity.mode === "servicePrincipal" && !isDnsSubdomain(identity.nodePublishSecretRef ?? "")) {
        problems.push({
            where: "identity.nodePublishSecretRef",
            message: `"${identity.nodePublishSecretRef ?? ""}" is not a valid Secret name`,
            fix: "name the Secret that holds clientid and clientsecret",
        });
    }
    return problems;
}

/** Other names the provider's cloud lookup (go-autorest, case-insensitive) takes for the same clouds. */
const CLOUD_NAME_ALIASES: Record<string, AzureCloudName> = { azurecloud: "AzurePublicCloud", azureusgovernment: "AzureUSGovernmentCloud" };

/** Problems with `cloudName`: a named cloud the AKS addon's provider can use. */
export function cloudNameProblems(cloudName: string | undefined): Problem[] {
    if (cloudName === undefined || cloudName === "" || (AZURE_CLOUD_NAMES as readonly string[]).includes(cloudName)) {
        return [];
    }
    if (cloudName.toLowerCase() === "azurestackcloud") {
        return [
            {
                where: "cloudName",
                message: `"${cloudName}" needs cloudEnvFileName, a JSON file of endpoints on every node, which the AKS addon does not provide; the provider fails every mount without it`,
                fix: `use one of ${AZURE_CLOUD_NAMES.join(", ")}, or manage an Azure Stack class outside this library`,
            },
        ];
    }
    const sameCloud = AZURE_CLOUD_NAMES.find((name) => name.toLowerCase() === cloudName.toLowerCase()) ?? CLOUD_NAME_ALIASES[cloudName.toLowerCase()];
    if (sameCloud) {
        return [
            {
                where: "cloudName",
                message: `"${cloudName}" is another spelling the provider takes for "${sameCloud}"; this library writes each cloud one way`,
                fix: `write "${sameCloud}"`,
            },
        ];
    }
    return [{ where: "cloudName", message: `"${cloudName}" is not a cloud the provider knows`, fix: `use one of ${AZURE_CLOUD_NAMES.join(", ")}` }];
}

/** Every problem with a spec whose values are known now; Output values are checked once they resolve. */
export function secretProviderClassProblems(spec: SecretProviderClassSpec): Problem[] {
    const objects = spec.objects ?? [];
    return [
        ...(typeof spec.keyvaultName === "string" ? keyVaultNameProblems(spec.keyvaultName) : []),
        ...(typeof spec.tenantID === "string" ? tenantIdProblems(spec.tenantID) : []),
        ...cloudNameProblems(spec.cloudName),
        ...identityProblems(spec.identity),
        ...objects.flatMap(keyVaultObjectProblems),
        ...objectSetProblems(objects),
        ...syncedSecretProblems(spec.secretObjects ?? [], objects),
    ];
}
