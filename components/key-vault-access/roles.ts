import { deterministicGuid, nameSuffix } from "../shared/naming";
import { KeyVaultObjectType } from "../secret-provider-class/types";

/** Built-in Key Vault roles by short name, with their role-definition GUIDs. */
export const KEY_VAULT_ROLES = {
    secretsUser: { displayName: "Key Vault Secrets User", guid: "4633458b-17de-408a-b874-0445c86b69e6" },
    certificateUser: { displayName: "Key Vault Certificate User", guid: "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba" },
    reader: { displayName: "Key Vault Reader", guid: "21090545-7ca7-4776-b22c-e363652d74d2" },
    secretsOfficer: { displayName: "Key Vault Secrets Officer", guid: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7" },
    certificatesOfficer: { displayName: "Key Vault Certificates Officer", guid: "a4417e6f-fecd-4de8-b567-7b0420556985" },
    cryptoOfficer: { displayName: "Key Vault Crypto Officer", guid: "14b46e9e-c2b7-41b4-b07b-48a6ebf60603" },
    administrator: { displayName: "Key Vault Administrator", guid: "00482a5a-887f-4fb3-b363-3b7fe8e74483" },
} as const;

/** The name of one of KEY_VAULT_ROLES. */
export type KeyVaultRoleName = keyof typeof KEY_VAULT_ROLES;

/** Roles that read object values and nothing more: the only ones a workload or addon identity may get. */
export const READER_ROLES: readonly KeyVaultRoleName[] = ["secretsUser", "certificateUser", "reader"];

/** Roles that manage the vault's content; for people and admin groups only. */
export const OFFICER_ROLES: readonly KeyVaultRoleName[] = ["secretsOfficer", "certificatesOfficer", "cryptoOfficer", "administrator"];

/**
 * Built-in management-plane roles that change a vault or grant access to it, held on the vault or a scope above it.
 * This library never assigns them; they are here so that whoever checks role assignments knows them by name.
 */
export const VAULT_MANAGEMENT_ROLES = {
    keyVaultContributor: { displayName: "Key Vault Contributor", guid: "f25e0fa2-a7c8-4377-a976-54943a77a395" },
    keyVaultDataAccessAdministrator: { displayName: "Key Vault Data Access Administrator", guid: "8b54135c-b56d-4d72-a534-26097cfdc8d8" },
    contributor: { displayName: "Contributor", guid: "b24988ac-6180-42a0-ab88-20f7382dd24c" },
    owner: { displayName: "Owner", guid: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635" },
    userAccessAdministrator: { displayName: "User Access Administrator", guid: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9" },
    roleBasedAccessControlAdministrator: {
        displayName: "Role Based Access Control Administrator",
        guid: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    },
} as const;

/** A built-in role as Azure names it. */
export interface RoleDefinition {
    displayName: string;
    guid: string;
}

/**
 * Roles no workload or addon identity may hold, because they write vault content or grant access: the officer
 * roles and the management-plane roles. People (users, groups) may hold them.
 */
export const PRIVILEGED_ROLES: readonly RoleDefinition[] = [
    ...OFFICER_ROLES.map((role) => KEY_VAULT_ROLES[role]),
    ...Object.values(VAULT_MANAGEMENT_ROLES),
];

/** The scopes a role can be granted at: the whole vault, or each object. */
export const ACCESS_SCOPES = ["vault", "object"] as const;
/** Where a role is granted: the whole vault, or each object. */
export type AccessScope = (typeof ACCESS_SCOPES)[number];
/** One role per principal on the vault, unless object scope is asked for. */
export const DEFAULT_ACCESS_SCOPE: AccessScope = "vault";

/** The roles an admin group may get on the vault: content management, never the management plane. */
export const ADMIN_GROUP_ROLES = ["secretsOfficer", "certificatesOfficer", "administrator"] as const satisfies readonly KeyVaultRoleName[];
export type AdminGroupRole = (typeof ADMIN_GROUP_ROLES)[number];
/** The admin group manages secrets unless it is given another role. */
export const DEFAULT_ADMIN_GROUP_ROLE: AdminGroupRole = "secretsOfficer";

/** An object a principal reads, as far as roles are concerned. */
export interface ReadObject {
    /** Name of the object in the vault (object scope assigns roles on it). */
    objectName: string;
    /** Its type, which picks the least-privileged role. */
    objectType: KeyVaultObjectType;
}

/**
 * The least-privileged role that reads one object type: Secrets User for `secret` (including a certificate's key
 * fetched as a secret); Certificate User for `cert` and `key` (certificates/read and keys/read, no crypto).
 */
export function leastPrivilegedRole(objectType: KeyVaultObjectType): KeyVaultRoleName {
    return objectType === "secret" ? "secretsUser" : "certificateUser";
}

/** Collection of an object type in a vault's resource path. */
const COLLECTION: Record<KeyVaultObjectType, string> = { secret: "secrets", cert: "certificates", key: "keys" };

/** One role assignment to make: a stable resource-name suffix, a scope suffix under the vault ID, and a role. */
export interface PlannedAssignment {
    /** Stable suffix of the Pulumi resource name (independent of input order). */
    nameSuffix: string;
    /** Appended to the vault ID to form the scope ("" for the vault itself). */
    scopeSuffix: string;
    /** The role. */
    role: KeyVaultRoleName;
}

/**
 * Role assignments for a principal that reads `objects`. Vault scope: one assignment per distinct role, where
 * Certificate User alone covers secrets too. Object scope: one per object (names compared case-insensitively, as
 * Key Vault does), on `<vault>/<collection>/<name>`.
 * The result is sorted and de-duplicated, so re-ordered input gives the same plan.
 */
export function planAssignments(objects: ReadObject[], scope: AccessScope): PlannedAssignment[] {
    const planned = new Map<string, PlannedAssignment>();
    if (scope === "vault") {
        const roles = new Set(objects.map((object) => leastPrivilegedRole(object.objectType)));
        const role: KeyVaultRoleName | undefined = roles.has("certificateUser")
            ? "certificateUser"
            : roles.has("secretsUser")
              ? "secretsUser"
              : undefined;
        if (role) {
            planned.set(role, { nameSuffix: nameSuffix(role), scopeSuffix: "", role });
        }
    } else {
        // Key Vault object names are case-insensitive: `Db-Password` and `db-password` are one object, so one
        // assignment, spelt as the first of the spellings in sort order (whatever the input order).
        for (const object of [...objects].sort((a, b) => (a.objectName < b.objectName ? -1 : a.objectName > b.objectName ? 1 : 0))) {
            const collection = COLLECTION[object.objectType];
            const role = leastPrivilegedRole(object.objectType);
            const key = `${collection}/${object.objectName.toLowerCase()}`;
            if (!planned.has(key)) {
                planned.set(key, {
                    nameSuffix: nameSuffix(`${collection}-${object.objectName}`),
                    scopeSuffix: `/${collection}/${object.objectName}`,
                    role,
                });
            }
        }
    }
    return [...planned.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, assignment]) => assignment);
}

/** Subscription-scoped role definition ID, in the form ARM returns (so refreshes show no diff). */
export function roleDefinitionId(subscriptionId: string, role: KeyVaultRoleName): string {
    return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_ROLES[role].guid}`;
}

/** Subscription ID from an ARM resource ID. */
export function subscriptionOf(resourceId: string): string {
    const match = /^\/subscriptions\/([^/]+)\//i.exec(resourceId);
    if (!match) {
        throw new Error(`"${resourceId}" is not an ARM resource ID (expected /subscriptions/<id>/...)`);
    }
    return match[1];
}

/** Deterministic role-assignment name (a GUID) from scope, principal and role, like ARM's guid(). */
export function roleAssignmentName(scope: string, principalId: string, role: KeyVaultRoleName): string {
    return deterministicGuid(scope, principalId, KEY_VAULT_ROLES[role].guid);
}
