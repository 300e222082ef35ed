import { podsMountVolume } from "../secret-provider-class/secret-sync";
import { KEY_VAULT_OBJECT_TYPES, KeyVaultObject, SyncMechanism } from "../secret-provider-class/types";
import { COLLECTION_OF, findVaultObject, isUnreadable, versionsWritten } from "./content-checks";
import { VaultListing, VaultObjectInfo } from "./contents";

/**
 * How many Key Vault requests the Azure provider makes, and how many Key Vault allows.
 *
 * Per mount of a volume (pod start, and every rotation poll) the provider v1.8.2 makes, per object: one GET of its
 * type (secret, key or certificate); with `objectVersionHistory` N > 1, one list of the object's versions (a page of
 * up to 25; more pages for objects with more versions) and then one GET per version, N + 1 at most
 * (pkg/provider/provider.go: resolveObjectVersions, getLatestNKeyVaultObjects).
 *
 * The secrets-store-sync-controller (v0.0.4, internal/controller/secretsync_controller.go) calls the same provider once
 * per reconcile of each SecretSync, with the whole class's parameters (so every object of the class, not only those
 * its Secret reads) and no previous object versions. It reconciles a SecretSync when it is created or its spec
 * changes, when the controller starts (a full resync of every SecretSync), and on every tick of its
 * `--rotation-poll-interval` (12h by default; 0s turns it off), when a ticker enqueues every SecretSync of the cluster
 * at once. Pods of such an app that do not mount the volume make no request at all. We count a controller poll as
 * one burst in one 10 s window: an upper bound, since controller-runtime reconciles one object at a time by default,
 * so a large burst spreads over as long as the provider takes.
 */

/**
 * Key Vault's limit for secret and vault transactions: 4,000 per 10 seconds per vault per region (Azure Key Vault
 * service limits). Key GETs have their own, weighted limits: 4,000 for RSA 2,048-bit software keys, as low as 250
 * for RSA 4,096-bit HSM keys; the subscription's limit is five times a vault's.
 */
export const KEY_VAULT_REQUESTS_PER_10S = 4000;
export const KEY_VAULT_LIMITS_URL = "https://learn.microsoft.com/azure/key-vault/general/service-limits";

/** Versions one page of Key Vault's list of an object's versions holds (its default `maxresults`). */
export const VERSIONS_PER_PAGE = 25;

/** What requestsPerMount reads of an object: its history, and (with a listing) which object and version it names. */
export type BudgetedObject = Pick<KeyVaultObject, "objectVersionHistory"> &
    Partial<Pick<KeyVaultObject, "objectName" | "objectType" | "objectVersion">>;

/**
 * Requests one mount of a volume with these objects makes. Without a listing, the fewest for the most versions: one
 * page of versions and N + 1 GETs per history object. With the vault's listing, an object whose versions it read
 * counts the pages its versions fill and a GET per version the provider writes (versionsWritten: at most N + 1, only
 * enabled ones, from objectVersion on).
 */
export function requestsPerMount(objects: readonly BudgetedObject[], listing?: VaultListing): number {
    return objects.reduce((total, object) => {
        const history = Math.floor(object.objectVersionHistory ?? 0);
        if (history <= 1) {
            return total + 1;
        }
        const info = listing && knownVersionsOf(object, listing);
        const written = info && versionsWritten(object, info);
        return info?.versions && written
            ? total + Math.max(1, Math.ceil(info.versions.length / VERSIONS_PER_PAGE)) + written.length
            : total + 1 + history + 1;
    }, 0);
}

/** The listed object `object` names, when the listing read its collection and its versions. */
function knownVersionsOf(object: BudgetedObject, listing: VaultListing): VaultObjectInfo | undefined {
    if (
        object.objectName === undefined ||
        object.objectType === undefined ||
        !(KEY_VAULT_OBJECT_TYPES as readonly string[]).includes(object.objectType)
    ) {
        return undefined;
    }
    const collection = COLLECTION_OF[object.objectType];
    const info = isUnreadable(listing, collection) ? undefined : findVaultObject(listing, collection, object.objectName);
    return info?.versions ? info : undefined;
}

/** One app's share: its pods, the objects each pod's volume mounts, and how its Secrets are synced. */
export interface AppRequestLoad {
    app: string;
    /** Replicas of the app. */
    pods: number;
    /** Requests of one mount, which is also what one SecretSync reconcile costs (the whole class). */
    requestsPerMount: number;
    /** Default `secretObjects`: every pod mounts the volume. */
    syncMechanism?: SyncMechanism;
    /** With `secretSync`: whether the pods mount the volume as well. */
    mountFiles?: boolean;
    /** Number of synced Secrets: SecretSync objects with `secretSync`. */
    syncedSecrets?: number;
}

/** Pods that mount the volume: all with `secretObjects`, with `secretSync` only for files. */
export function mountingPods(load: AppRequestLoad): number {
    return podsMountVolume(load) ? load.pods : 0;
}

/** The app's SecretSync objects, each one provider call per controller poll. */
export function secretSyncCount(load: AppRequestLoad): number {
    return load.syncMechanism === "secretSync" ? (load.syncedSecrets ?? 0) : 0;
}

/** Requests of the app when all its pods mount and the controller reconciles all its SecretSyncs at once. */
export function burstShare(load: AppRequestLoad): number {
    return (mountingPods(load) + secretSyncCount(load)) * load.requestsPerMount;
}

/** The requests all apps of one vault make per 10 seconds: at steady state (rotation polls) and when every pod mounts at once. */
export interface RequestBudget {
    /** Rotation polls of the pods that mount the volume, spread evenly over the poll interval; 0 without rotation. */
    steadyPer10s: number;
    /** One sync-controller poll: every SecretSync at once (also when the controller starts). */
    controllerPoll: number;
    /**
     * Every pod mounting and every SecretSync reconciled in the same 10 seconds (a rollout of every app, a cluster
     * upgrade, a node pool replaced, which restarts the controller too).
     */
    fullRollout: number;
    /** The apps by their share of a full rollout, largest first. */
    largest: AppRequestLoad[];
}

export function requestBudget(loads: readonly AppRequestLoad[], rotationPollSeconds: number | undefined): RequestBudget {
    const podMounts = loads.reduce((total, load) => total + mountingPods(load) * load.requestsPerMount, 0);
    const controllerPoll = loads.reduce((total, load) => total + secretSyncCount(load) * load.requestsPerMount, 0);
    const steadyPer10s = rotationPollSeconds ? (podMounts * 10) / rotationPollSeconds : 0;
    const largest = [...loads].sort((a, b) => burstShare(b) - burstShare(a) || a.app.localeCompare(b.app));
    return { steadyPer10s, controllerPoll, fullRollout: podMounts + controllerPoll, largest };
}

/**
 * Apps whose requests SecretSync would cut: they sync Secrets with `secretObjects` from more pods than they have
 * Secrets, so one SecretSync per Secret per controller poll costs less than one mount per pod per rotation poll.
 */
export function secretSyncCandidates(loads: readonly AppRequestLoad[]): AppRequestLoad[] {
    return loads.filter(
        (load) =>
            (load.syncMechanism ?? "secretObjects") === "secretObjects" &&
            (load.syncedSecrets ?? 0) > 0 &&
            load.pods > (load.syncedSecrets ?? 0),
    );
}
