import { MANAGED_IDENTITY_DEPRECATION_URL } from "../components/secret-provider-class/types";

/** What a stack's preview warns about: once per stack, not per app. */

/** A warning when the configuration uses most of (or more than) the subscription's role-assignment limit. */
export function roleAssignmentWarning(planned: number, limit: number): string | undefined {
    if (planned < limit * 0.8) {
        return undefined;
    }
    return (
        `This configuration creates ${planned} Key Vault role assignments, ${planned >= limit ? "more than" : "close to"} Azure's limit of ${limit} per subscription ` +
        `(shared with every other assignment there). Use access.scope: vault (one assignment per identity) or the addon identity for more apps, ` +
        `or set access.roleAssignmentLimit if your subscription's limit differs.`
    );
}

/** How many app names a warning lists before it counts the rest. */
const LISTED_APPS = 5;

/** A warning when apps authenticate with the addon identity, whose provider mode upstream plans to deprecate. */
export function addonIdentityWarning(addonApps: readonly string[]): string | undefined {
    if (addonApps.length === 0) {
        return undefined;
    }
    const listed = addonApps.slice(0, LISTED_APPS).join(", ") + (addonApps.length > LISTED_APPS ? ` and ${addonApps.length - LISTED_APPS} more` : "");
    return (
        `${addonApps.length === 1 ? "1 app uses" : `${addonApps.length} apps use`} identity mode addon (${listed}): the cluster's managed identity, whose provider mode ` +
        `(useVMManagedIdentity) the Azure provider plans to deprecate in favour of workload identity (${MANAGED_IDENTITY_DEPRECATION_URL}). It keeps working. ` +
        `To move an app, set its identity to { mode: workloadIdentity }: the program then creates its own identity, federated credential and least-privilege roles.`
    );
}
