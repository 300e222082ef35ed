import type * as pulumi from "@pulumi/pulumi";
import type { KeyVaultObject, SecretProviderClassSpec, SecretProviderIdentity, SyncedSecret } from "../secret-provider-class/types";
import { DEFAULT_MOUNT_PATH, DEFAULT_VOLUME_NAME } from "./pod";
import type { AppIdentity, AppWorkloadArgs } from "./types";

/** What an app's arguments render to: its SecretProviderClass spec and identity, its federated credential subject. */

/** The SecretProviderClass identity for an app identity (and the managed identity's client ID, when created). */
export function providerIdentity(identity: AppIdentity, managedClientId?: pulumi.Input<string>): SecretProviderIdentity {
    switch (identity.mode) {
        case "addon":
            return { mode: "managedIdentity", userAssignedIdentityID: identity.clientId };
        case "workloadIdentity":
        case "identityBinding":
            if (identity.managed === undefined) {
                return { mode: identity.mode, clientID: identity.clientId };
            }
            if (managedClientId === undefined) {
                throw new Error(
                    "providerIdentity: an identity the app creates has a client ID only once it exists; pass that Output as managedClientId",
                );
            }
            return { mode: identity.mode, clientID: managedClientId };
        case "servicePrincipal":
            return { mode: "servicePrincipal", nodePublishSecretRef: identity.nodePublishSecretRef };
    }
}

/**
 * One vault an app reads, as the pods see it: its class, its volume, where its files appear. An app's first vault is
 * `keyVault` (its class is named after the app, its volume `keyvault-secrets`); each of `additionalVaults` adds one.
 */
export interface AppVault {
    /** What the app's problems call this vault's inputs: "" for `keyVault`, `additionalVaults[j].` for the others. */
    inputPrefix: string;
    /** Its name and tenant. */
    keyVault: { name: pulumi.Input<string>; tenantId: pulumi.Input<string> };
    /** The objects the app mounts from it. */
    objects: KeyVaultObject[];
    /** The Secrets synced from its files. */
    syncedSecrets: SyncedSecret[];
    /** Added to the app's class and volume names: undefined for `keyVault`, `-<name>` for another vault. */
    nameSuffix?: string;
    /** Where its files appear in the containers. */
    mountPath: string;
    /** The vault's ARM ID, where roles are granted on it (another vault's `id`; `keyVault`'s comes with its identity). */
    id?: pulumi.Input<string>;
}

/**
 * The vaults of an app. With one vault its files appear at `mountPath`, as they always have; with several each vault's
 * appear in a folder of its own under `mountPath`, side by side: a CSI volume is mounted read-only, so a vault's folder
 * inside another vault's mount could not be made.
 */
export function appVaults(args: AppWorkloadArgs): AppVault[] {
    const base = args.mountPath ?? DEFAULT_MOUNT_PATH;
    const additional = args.additionalVaults ?? [];
    const folder = (name: string) => `${base.replace(/\/+$/, "")}/${name}`;
    const first: AppVault = {
        inputPrefix: "",
        keyVault: args.keyVault,
        objects: args.objects,
        syncedSecrets: args.syncedSecrets ?? [],
        // An Output name is a problem of its own with several vaults (validate.ts); its stand-in keeps the checks going.
        mountPath: additional.length === 0 ? base : folder(typeof args.keyVault.name === "string" ? args.keyVault.name : "keyvault"),
    };
    return [
        first,
        ...additional.map((vault, index) => ({
            inputPrefix: `additionalVaults[${index}].`,
            keyVault: { name: vault.name, tenantId: vault.tenantId ?? args.keyVault.tenantId },
            objects: vault.objects,
            syncedSecrets: vault.syncedSecrets ?? [],
            // Class and volume names are lower-case; Key Vault names ignore case.
            nameSuffix: `-${vault.name.toLowerCase()}`,
            mountPath: vault.mountPath ?? folder(vault.name),
            id: vault.id,
        })),
    ];
}

/** The name of a vault's CSI volume in the app's pods. */
export function vaultVolumeName(vault: Pick<AppVault, "nameSuffix">): string {
    return `${DEFAULT_VOLUME_NAME}${vault.nameSuffix ?? ""}`;
}

/** The SecretProviderClass spec of one of an app's vaults (default: its first, `keyVault`). */
export function appSecretProviderClassSpec(
    args: AppWorkloadArgs,
    managedClientId?: pulumi.Input<string>,
    vault: AppVault = appVaults(args)[0],
): SecretProviderClassSpec {
    return {
        keyvaultName: vault.keyVault.name,
        tenantID: vault.keyVault.tenantId,
        identity: providerIdentity(args.identity, managedClientId),
        objects: vault.objects,
        secretObjects: args.syncMechanism === "secretSync" ? undefined : vault.syncedSecrets,
        cloudName: args.cloudName,
    };
}

/** The federated credential subject of a service account. */
export function workloadIdentitySubject(namespace: string, serviceAccountName: string): string {
    return `system:serviceaccount:${namespace}:${serviceAccountName}`;
}
