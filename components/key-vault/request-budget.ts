import { KeyVaultObject } from "../secret-provider-class/types";

/**
 * How many Key Vault requests the Azure provider makes, and how many Key Vault allows.
 *
 * Per mount of a volume (pod start, and every rotation poll) the provider v1.8.2 makes, per object: one GET of its
 * type (secret, key or certificate); with `objectVersionHistory` N > 1, one list of the object's versions (a page of
 * up to 25; more pages for objects with more versions) and then one GET per version, N + 1 at most
 * (pkg/provider/provider.go: resolveObjectVersions, getLatestNKeyVaultObjects).
 */

/**
 * Key Vault's limit for secret and vault transactions: 4,000 per 10 seconds per vault per region (Azure Key Vault
 * service limits). Key GETs have their own, weighted limits: 4,000 for RSA 2,048-bit software keys, as low as 250
 * for RSA 4,096-bit HSM keys; the subscription's limit is five times a vault's.
 */
export const KEY_VAULT_REQUESTS_PER_10S = 4000;
export const KEY_VAULT_LIMITS_URL = "https://learn.microsoft.com/azure/key-vault/general/service-limits";

/** Requests one mount of a volume with these objects makes (the fewest: one page of versions per history object). */
export function requestsPerMount(objects: readonly Pick<KeyVaultObject, "objectVersionHistory">[]): number {
    return objects.reduce((total, object) => {
        const history = Math.floor(object.objectVersionHistory ?? 0);
        return total + (history > 1 ? 1 + history + 1 : 1);
    }, 0);
}

/** One app's share: its pods and the objects each pod's volume mounts. */
export interface AppRequestLoad {
    app: string;
    pods: number;
    requestsPerMount: number;
}

/** The requests all apps of one vault make per 10 seconds: at steady state (rotation polls) and when every pod mounts at once. */
export interface RequestBudget {
    /** Rotation polls, spread evenly over the poll interval; 0 without rotation. */
    steadyPer10s: number;
    /** Every pod mounting in the same 10 seconds (a rollout of every app, a cluster upgrade, a node pool replaced). */
    fullRollout: number;
    /** The apps by their share of a full rollout, largest first. */
    largest: AppRequestLoad[];
}

export function requestBudget(loads: readonly AppRequestLoad[], rotationPollSeconds: number | undefined): RequestBudget {
    const fullRollout = loads.reduce((total, load) => total + load.pods * load.requestsPerMount, 0);
    const steadyPer10s = rotationPollSeconds ? (fullRollout * 10) / rotationPollSeconds : 0;
    const largest = [...loads].sort((a, b) => b.pods * b.requestsPerMount - a.pods * a.requestsPerMount || a.app.localeCompare(b.app));
    return { steadyPer10s, fullRollout, largest };
}
