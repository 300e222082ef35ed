import { IDENTITY_BINDING_TOKEN_AUDIENCE, MANAGED_IDENTITY_DEPRECATION_URL } from "../components/secret-provider-class/types";
import {
    AppRequestLoad,
    KEY_VAULT_LIMITS_URL,
    KEY_VAULT_REQUESTS_PER_10S,
    mountingPods,
    requestBudget,
    secretSyncCandidates,
    secretSyncCount,
} from "../components/key-vault/request-budget";
import { AKS_ADDON_PROVIDER, IDENTITY_BINDING_PROVIDER_VERSION } from "../components/secret-provider-class/provider-version";

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

/** The apps named in a warning: the first few, then how many more. */
function listedApps(apps: readonly string[]): string {
    return apps.slice(0, LISTED_APPS).join(", ") + (apps.length > LISTED_APPS ? ` and ${apps.length - LISTED_APPS} more` : "");
}

/**
 * A warning when apps use identity binding: an AKS preview, and a mount that needs a token audience the CSI driver is
 * configured with, outside this program (the provider's chart requests it; the AKS addon's driver was not checked).
 */
export function identityBindingWarning(apps: readonly string[]): string | undefined {
    if (apps.length === 0) {
        return undefined;
    }
    return (
        `${apps.length === 1 ? "1 app uses" : `${apps.length} apps use`} identity mode identityBinding (${listedApps(apps)}), an AKS preview: the subscription needs the ` +
        `IdentityBindingPreview feature (az feature register --namespace Microsoft.ContainerService --name IdentityBindingPreview), and there is no SLA. ` +
        `Their pods mount only if the cluster's Secrets Store CSI driver requests a service-account token for ${IDENTITY_BINDING_TOKEN_AUDIENCE}; check with ` +
        `kubectl get csidriver secrets-store.csi.k8s.io -o jsonpath='{.spec.tokenRequests}'.`
    );
}

/** A warning when apps authenticate with the addon identity, whose provider mode upstream plans to deprecate. */
export function addonIdentityWarning(addonApps: readonly string[]): string | undefined {
    if (addonApps.length === 0) {
        return undefined;
    }
    return (
        `${addonApps.length === 1 ? "1 app uses" : `${addonApps.length} apps use`} identity mode addon (${listedApps(addonApps)}): the cluster's managed identity, whose provider mode ` +
        `(useVMManagedIdentity) the Azure provider plans to deprecate in favour of workload identity (${MANAGED_IDENTITY_DEPRECATION_URL}). It keeps working. ` +
        `To move an app, set its identity to { mode: workloadIdentity }: the program then creates its own identity, federated credential and least-privilege roles. ` +
        `Where one identity is shared by many clusters or service accounts (workload identity allows 20 federated credentials per identity), ` +
        `{ mode: identityBinding } is the alternative: an AKS preview (feature flag IdentityBindingPreview, no SLA), not for production yet, and it needs the Azure ` +
        `provider v${IDENTITY_BINDING_PROVIDER_VERSION} or later, which the AKS addon does not ship (it runs v${AKS_ADDON_PROVIDER.version}): declare the cluster's provider with cluster.keyVaultProvider.`
    );
}

/** Share of Key Vault's limit that rotation polls may take at steady state before the preview warns. */
const STEADY_SHARE = 0.5;

/**
 * A warning when this stack's pods would come near Key Vault's request limit: rotation polls at steady state above
 * half of it, or every pod mounting at once above it. `vault` names the vault as the message starts; `rotationPoll`:
 * the addon's poll interval when the stack knows it (a cluster it creates with rotation on).
 */
export function requestBudgetWarning(
    vault: string,
    loads: readonly AppRequestLoad[],
    rotationPoll: { interval: string; seconds: number } | undefined,
): string | undefined {
    const budget = requestBudget(loads, rotationPoll?.seconds);
    const limit = KEY_VAULT_REQUESTS_PER_10S;
    if (budget.steadyPer10s < limit * STEADY_SHARE && budget.fullRollout <= limit) {
        return undefined;
    }
    const largest = budget.largest.slice(0, 3);
    const withSecretSync = budget.controllerPoll > 0;
    const everything = withSecretSync ? "every pod mounts and every SecretSync syncs at once" : "every pod mounts at once";
    const rollout = `${budget.fullRollout} when ${everything} (a rollout of every app, a cluster upgrade)`;
    const load = rotationPoll
        ? `about ${Math.round(budget.steadyPer10s)} requests per 10 s from rotation polls every ${rotationPoll.interval}, and ${rollout}`
        : `${rollout.replace(" when", " requests when")} (rotation polls not counted: this stack does not set the cluster's poll interval)`;
    const controller = withSecretSync
        ? `, of which ${budget.controllerPoll} at each poll of the secrets-store-sync-controller (every SecretSync at once, every 12h by default)`
        : "";
    const candidates = secretSyncCandidates(largest);
    const secretSyncAdvice =
        candidates.length > 0
            ? `, or, for apps whose pods read only env vars from synced Secrets (${candidates.map((c) => c.app).join(", ")}), set syncMechanism: secretSync ` +
              `(experimental; one provider call per Secret per controller poll instead of one per pod per rotation poll)`
            : "";
    return (
        `${vault}: this stack's ${withSecretSync ? "apps" : "pods"} make ${load}${controller}; Key Vault allows ${limit} per 10 s per vault (${KEY_VAULT_LIMITS_URL}), and throttled mounts fail with 429 and retry. ` +
        `Largest (${withSecretSync ? "pods and SecretSyncs" : "pods"} x requests per mount): ${largest.map(describeLoad).join(", ")}. Raise cluster.secretRotation.pollInterval, mount fewer objects or a lower objectVersionHistory ` +
        `per pod, or split the apps over more vaults${secretSyncAdvice}.`
    );
}

/** `orders 40 pods x 50`, `notifier 2 SecretSyncs x 3`, or both joined with `+`. */
function describeLoad(load: AppRequestLoad): string {
    const pods = mountingPods(load);
    const syncs = secretSyncCount(load);
    const parts = [
        ...(pods > 0 || syncs === 0 ? [`${pods} pod${pods === 1 ? "" : "s"}`] : []),
        ...(syncs > 0 ? [`${syncs} SecretSync${syncs === 1 ? "" : "s"}`] : []),
    ];
    return `${load.app} ${parts.join(" + ")} x ${load.requestsPerMount}`;
}
