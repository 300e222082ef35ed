/**
 * The Azure resources of an app that creates its own identity: the user-assigned identity, its federated credential,
 * its Key Vault roles, and the AKS identity binding. The only part of AppWorkload and IdentityBindingAccess that
 * needs @pulumi/azure-native and @pulumi/azuread, so they load it only when an app asks for one of these resources
 * (through `loadAzureIdentity`, in azure-loader.ts), and the Kubernetes-side entry point works without those
 * packages installed.
 */
import * as pulumi from "@pulumi/pulumi";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { KeyVaultAccess } from "../key-vault-access/component";
import { DEFAULT_ACCESS_SCOPE, type ReadObject } from "../key-vault-access/roles";
import { BoundCluster, ManagedIdentityBinding, ManagedWorkloadIdentity, WORKLOAD_IDENTITY_AUDIENCE } from "./types";

/** The identity an app created: what its ServiceAccount and class name, and what they wait for. */
export interface CreatedIdentity {
    /** Client ID, for the ServiceAccount's annotation and the class's `clientID`. */
    clientId: pulumi.Output<string>;
    /** ARM resource ID, for an identity binding. */
    resourceId: pulumi.Output<string>;
    /** The resources that make the identity usable (federation, roles): the class waits for them. */
    grants: pulumi.Resource[];
}

/** What the app's identity reads in one vault other than `managed.vaultId`'s: its roles there. */
export interface OtherVaultReads {
    /** ARM ID of the vault. */
    vaultId: pulumi.Input<string>;
    /** The objects read there. */
    objects: ReadObject[];
    /** Added to the name of its role assignments' component: `-<vault name>`. */
    nameSuffix: string;
}

/**
 * The app's own identity, its federated credential (workload identity only: for identity binding AKS makes it)
 * and its roles on each vault it reads, as children of `parent` (so their URNs are the AppWorkload's children's).
 */
export function createManagedIdentity(
    parent: pulumi.Resource,
    name: string,
    identity: { mode: "workloadIdentity"; managed: ManagedWorkloadIdentity } | { mode: "identityBinding"; managed: ManagedIdentityBinding },
    reads: { objects: ReadObject[]; subject: string; otherVaults?: OtherVaultReads[] },
): CreatedIdentity {
    const managed = identity.managed;
    const userAssignedIdentity = new managedidentity.UserAssignedIdentity(
        `${name}-identity`,
        { resourceGroupName: managed.resourceGroupName, location: managed.location },
        { parent },
    );
    const federation =
        identity.mode === "workloadIdentity"
            ? new managedidentity.FederatedIdentityCredential(
                  `${name}-federation`,
                  {
                      resourceGroupName: managed.resourceGroupName,
                      resourceName: userAssignedIdentity.name,
                      issuer: identity.managed.oidcIssuerUrl,
                      subject: reads.subject,
                      audiences: [WORKLOAD_IDENTITY_AUDIENCE],
                  },
                  { parent },
              )
            : undefined;
    const accessTo = (vaultId: pulumi.Input<string>, objects: ReadObject[], nameSuffix = "") =>
        new KeyVaultAccess(
            `${name}-access${nameSuffix}`,
            {
                vaultId,
                principalId: userAssignedIdentity.principalId,
                principalType: "ServicePrincipal",
                objects,
                scope: managed.accessScope ?? DEFAULT_ACCESS_SCOPE,
                description: `Key Vault read access for app ${name} (managed by Pulumi)`,
            },
            { parent },
        );
    const access = [
        accessTo(managed.vaultId, reads.objects),
        ...(reads.otherVaults ?? []).map((vault) => accessTo(vault.vaultId, vault.objects, vault.nameSuffix)),
    ];
    return {
        clientId: userAssignedIdentity.clientId,
        resourceId: userAssignedIdentity.id,
        grants: federation ? [federation, ...access] : access,
    };
}

/** The AKS identity binding of one identity to a cluster, as a child of `parent`. */
export function bindIdentityToCluster(parent: pulumi.Resource, name: string, bind: BoundCluster): pulumi.CustomResource {
    return new containerservice.IdentityBinding(
        name,
        {
            resourceGroupName: bind.resourceGroupName,
            resourceName: bind.clusterName,
            properties: { managedIdentity: { resourceId: bind.identityResourceId } },
        },
        { parent },
    );
}
