import { Problem, duplicates, isGuid } from "../shared/validation";
import { isDnsSubdomain, isSecretDataKey } from "../shared/kubernetes";
import {
    AZURE_CLOUD_NAMES,
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
 * Values that are still unknown (Outputs) are skipped here and checked when they resolve.
 */

const KEY_VAULT_NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;
const KEY_VAULT_OBJECT_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const OCTAL_FILE_MODE = /^0?[0-7]{3}$/;
const INT32_MAX = 2147483647;

export const SYNCED_SECRET_TYPES = [
    "Opaque",
    "kubernetes.io/tls",
    "kubernetes.io/dockerconfigjson",
    "kubernetes.io/basic-auth",
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

/** Files an object writes into the mount: its alias (or name), or `<file>/<n>` per version with history. */
export function filesWrittenBy(object: KeyVaultObject): string[] {
    const file = object.objectAlias || object.objectName;
    const history = object.objectVersionHistory ?? 0;
    if (history > 1) {
        return Array.from({ length: history }, (_, index) => `${file}/${index}`);
    }
    return [file];
}

function describeObject(object: KeyVaultObject, index: number): string {
    return `objects[${index}] "${object.objectName ?? ""}"`;
}

/** Problems with one Key Vault object. */
export function keyVaultObjectProblems(object: KeyVaultObject, index: number): Problem[] {
    const where = describeObject(object, index);
    const problems: Problem[] = [];
    if (typeof object.objectName !== "string" || !KEY_VAULT_OBJECT_NAME.test(object.objectName)) {
        problems.push({
            where: `${where}.objectName`,
            message: `"${object.objectName ?? ""}" is not a Key Vault object name`,
            fix: "use the object's name in the vault: 1-127 letters, digits and hyphens",
        });
    }
    if (!KEY_VAULT_OBJECT_TYPES.includes(object.objectType)) {
        problems.push({
            where: `${where}.objectType`,
            message: `"${object.objectType ?? ""}" is not an object type the provider knows (it compares case-sensitively)`,
            fix: `use one of ${KEY_VAULT_OBJECT_TYPES.join(", ")}`,
        });
    }
    if (object.objectAlias !== undefined) {
        const alias = object.objectAlias;
        if (alias.trim() === "") {
            problems.push({ where: `${where}.objectAlias`, message: "is empty", fix: "remove objectAlias or give a file name" });
        } else if (alias.startsWith("/") || /^[A-Za-z]:[\\/]/.test(alias)) {
            problems.push({
                where: `${where}.objectAlias`,
                message: `"${alias}" is an absolute path; the provider refuses it`,
                fix: "use a file name relative to the mount path",
            });
        } else if (alias.includes("..")) {
            problems.push({
                where: `${where}.objectAlias`,
                message: `"${alias}" contains '..'; the provider refuses it`,
                fix: "use a file name inside the mount, without '..'",
            });
        }
    }
    const history = object.objectVersionHistory;
    if (history !== undefined && (!Number.isInteger(history) || history < 0 || history > INT32_MAX)) {
        problems.push({
            where: `${where}.objectVersionHistory`,
            message: `${history} is not a non-negative integer`,
            fix: "use 0 (latest only) or the number of versions to fetch, e.g. 2",
        });
    }
    const secretOnly: Array<[keyof KeyVaultObject, readonly string[]]> = [
        ["objectFormat", KEY_VAULT_OBJECT_FORMATS],
        ["objectEncoding", KEY_VAULT_OBJECT_ENCODINGS],
    ];
    for (const [field, allowed] of secretOnly) {
        const value = object[field];
        if (value === undefined) {
            continue;
        }
        if (object.objectType !== "secret") {
            problems.push({
                where: `${where}.${field}`,
                message: `is set on objectType "${object.objectType}"; the provider supports it only for secrets`,
                fix: `remove ${field}, or fetch the object with objectType: secret`,
            });
        } else if (typeof value !== "string" || !allowed.includes(value)) {
            problems.push({
                where: `${where}.${field}`,
                message: `"${String(value)}" is not supported`,
                fix: `use one of ${allowed.join(", ")}`,
            });
        }
    }
    if (object.filePermission !== undefined && !OCTAL_FILE_MODE.test(object.filePermission)) {
        problems.push({
            where: `${where}.filePermission`,
            message: `"${object.filePermission}" is not an octal file mode`,
            fix: 'use a quoted octal string such as "0440" or "0644"',
        });
    }
    return problems;
}

/** Problems across objects: duplicate file names in the mount. */
export function objectSetProblems(objects: KeyVaultObject[]): Problem[] {
    if (objects.length === 0) {
        return [{ where: "objects", message: "is empty; the pod would mount nothing", fix: "list at least one Key Vault object" }];
    }
    const baseFiles = objects.map((object) => object.objectAlias || object.objectName);
    return duplicates(baseFiles).map((file) => ({
        where: "objects",
        message: `file "${file}" is written by more than one object (${objects
            .map((object, index) => ({ object, index }))
            .filter(({ object }) => (object.objectAlias || object.objectName) === file)
            .map(({ object, index }) => describeObject(object, index))
            .join(", ")})`,
        fix: "give each object a distinct objectAlias",
    }));
}

/** Problems with synced Kubernetes Secrets: types, keys, and references to files no object writes. */
export function syncedSecretProblems(secretObjects: SyncedSecret[], objects: KeyVaultObject[]): Problem[] {
    const problems: Problem[] = [];
    const files = new Set(objects.flatMap(filesWrittenBy));
    const aliasedNames = new Map(
        objects.filter((o) => o.objectAlias && o.objectAlias !== o.objectName).map((o) => [o.objectName, o.objectAlias!]),
    );
    for (const name of duplicates(secretObjects.map((s) => s.secretName))) {
        problems.push({ where: `secretObjects "${name}"`, message: "is declared more than once", fix: "merge its data into one entry" });
    }
    secretObjects.forEach((secret, index) => {
        const where = `secretObjects[${index}] "${secret.secretName ?? ""}"`;
        if (typeof secret.secretName !== "string" || !isDnsSubdomain(secret.secretName)) {
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
            if (!isSecretDataKey(entry.key ?? "")) {
                problems.push({
                    where: `${entryWhere}.key`,
                    message: `"${entry.key ?? ""}" is not a valid Secret key`,
                    fix: "use letters, digits, '-', '_' and '.'",
                });
            }
            if (!files.has(entry.objectName)) {
                const alias = aliasedNames.get(entry.objectName);
                problems.push({
                    where: `${entryWhere}.objectName`,
                    message: `"${entry.objectName}" is not a file any object writes`,
                    fix: alias
                        ? `reference the alias "${alias}": with objectAlias the file is named after the alias, not the object`
                        : `reference one of: ${[...files].join(", ")}`,
                });
            }
        });
        const keys = data.map((d) => d.key).sort();
        if (secret.type === "kubernetes.io/tls" && keys.join(",") !== "tls.crt,tls.key") {
            problems.push({
                where: `${where}.data`,
                message: `a kubernetes.io/tls Secret needs exactly the keys tls.crt and tls.key, got [${keys.join(", ")}]`,
                fix: "map tls.crt and tls.key, both usually from one objectType: secret object that holds the certificate and its key",
            });
        }
        if (secret.type === "kubernetes.io/dockerconfigjson" && keys.join(",") !== ".dockerconfigjson") {
            problems.push({
                where: `${where}.data`,
                message: `a kubernetes.io/dockerconfigjson Secret needs exactly the key .dockerconfigjson, got [${keys.join(", ")}]`,
                fix: "map one key named .dockerconfigjson",
            });
        }
        if (secret.type === "kubernetes.io/basic-auth" && keys.some((k) => k !== "username" && k !== "password")) {
            problems.push({
                where: `${where}.data`,
                message: `a kubernetes.io/basic-auth Secret takes only the keys username and password, got [${keys.join(", ")}]`,
                fix: "rename the keys, or use type Opaque",
            });
        }
    });
    return problems;
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
    const present = modes.filter(
        (mode) => mode !== identity.mode && (identity as unknown as Record<string, unknown>)[IDENTITY_FIELDS[mode]] !== undefined,
    );
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
    if (identity.mode === "workloadIdentity" && typeof identity.clientID === "string" && !isGuid(identity.clientID)) {
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

/** Every problem with a spec whose values are known now; Output values are checked once they resolve. */
export function secretProviderClassProblems(spec: SecretProviderClassSpec): Problem[] {
    const objects = spec.objects ?? [];
    return [
        ...(typeof spec.keyvaultName === "string" ? keyVaultNameProblems(spec.keyvaultName) : []),
        ...(typeof spec.tenantID === "string" ? tenantIdProblems(spec.tenantID) : []),
        ...(spec.cloudName !== undefined && !AZURE_CLOUD_NAMES.includes(spec.cloudName)
            ? [{ where: "cloudName", message: `"${spec.cloudName}" is not a cloud the provider knows`, fix: `use one of ${AZURE_CLOUD_NAMES.join(", ")}` }]
            : []),
        ...identityProblems(spec.identity),
        ...objects.flatMap(keyVaultObjectProblems),
        ...objectSetProblems(objects),
        ...syncedSecretProblems(spec.secretObjects ?? [], objects),
    ];
}
