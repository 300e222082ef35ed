import { describeObject } from "./objects";
import type { KeyVaultObject, SyncedSecret } from "./types";

/**
 * What the checks of a class's spec call its inputs in a problem's `where`. A SecretProviderClass says the CRD's
 * words (`CLASS_INPUT_PATHS`); a component that renders the spec from Args of its own passes their paths instead, so
 * each problem names what its user wrote (AppWorkload: `syncedSecrets[0].type`, not `secretObjects[0] "x".type`).
 */
export interface InputPaths {
    /** The vault's name. */
    keyvaultName: string;
    /** The vault's tenant. */
    tenantID: string;
    /** The client ID of a workload identity or an identity binding. */
    clientID: string;
    /** The client ID of a managed (addon) identity. */
    userAssignedIdentityID: string;
    /** One Key Vault object, by its place in `objects`. */
    object(object: KeyVaultObject, index: number): string;
    /** The synced Secrets as a whole. */
    syncedSecrets: string;
    /** One synced Secret, by its place in the list. */
    syncedSecret(secret: SyncedSecret, index: number): string;
    /** A synced Secret whose name is declared more than once. */
    repeatedSyncedSecret(name: string): string;
}

/** The CRD's own words: `secretObjects[0] "orders-keyvault"`, `objects[1] "db-password"`, `identity.clientID`. */
export const CLASS_INPUT_PATHS: InputPaths = {
    keyvaultName: "keyvaultName",
    tenantID: "tenantID",
    clientID: "identity.clientID",
    userAssignedIdentityID: "identity.userAssignedIdentityID",
    object: describeObject,
    syncedSecrets: "secretObjects",
    syncedSecret: (secret, index) => `secretObjects[${index}] "${secret.secretName ?? ""}"`,
    repeatedSyncedSecret: (name) => `secretObjects "${name}"`,
};
