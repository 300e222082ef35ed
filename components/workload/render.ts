import type * as pulumi from "@pulumi/pulumi";
import type { SecretProviderClassSpec, SecretProviderIdentity } from "../secret-provider-class/types";
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

/** The SecretProviderClass spec of an app. */
export function appSecretProviderClassSpec(args: AppWorkloadArgs, managedClientId?: pulumi.Input<string>): SecretProviderClassSpec {
    return {
        keyvaultName: args.keyVault.name,
        tenantID: args.keyVault.tenantId,
        identity: providerIdentity(args.identity, managedClientId),
        objects: args.objects,
        secretObjects: args.syncMechanism === "secretSync" ? undefined : args.syncedSecrets,
        cloudName: args.cloudName,
    };
}

/** The federated credential subject of a service account. */
export function workloadIdentitySubject(namespace: string, serviceAccountName: string): string {
    return `system:serviceaccount:${namespace}:${serviceAccountName}`;
}
