/**
 * Every policy of the pack, in the order they are reported; each lives with its resource family and is exported on
 * its own so tests can call `validateResource` / `validateStack` directly.
 */
import { aksSecretRotation } from "./cluster";
import { keyVaultPrivateEndpoint, keyVaultPublicNetworkAccess, keyVaultPurgeProtection, keyVaultRbacAuthorization } from "./key-vault";
import { ResourcePolicy, StackPolicy } from "./resource-policy";
import { noPrivilegedRolesForServicePrincipals, roleAssignmentPrincipalType } from "./role-assignments";
import { noSecretValuesInManifests } from "./secret-values";
import { secretProviderClassManagedIdentityDeprecated, secretProviderClassWellFormed } from "./secret-provider-class";
import { secretSyncWellFormed } from "./secret-sync";
import { syncedSecretConsumersMountCsiVolume } from "./workloads";

export const policies: Array<ResourcePolicy | StackPolicy> = [
    keyVaultRbacAuthorization,
    keyVaultPurgeProtection,
    keyVaultPublicNetworkAccess,
    keyVaultPrivateEndpoint,
    noPrivilegedRolesForServicePrincipals,
    roleAssignmentPrincipalType,
    secretProviderClassWellFormed,
    secretProviderClassManagedIdentityDeprecated,
    secretSyncWellFormed,
    syncedSecretConsumersMountCsiVolume,
    aksSecretRotation,
    noSecretValuesInManifests,
];
