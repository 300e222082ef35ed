import * as pulumi from "@pulumi/pulumi";
import { Problem } from "../shared/validation";

/**
 * The `azure-keyvault-secrets-provider` addon profile, as a pure helper anyone can merge into the args of a
 * `containerservice.ManagedCluster` they define themselves.
 */

/** Exact key of the addon in `addonProfiles`; AKS stores whatever casing it is sent. */
export const KEY_VAULT_ADDON_KEY = "azureKeyvaultSecretsProvider";
/** Name of the addon in the Azure CLI, for messages. */
export const KEY_VAULT_ADDON_CLI_NAME = "azure-keyvault-secrets-provider";
/** AKS default poll interval; always sent so the stored config matches what we declare. */
export const DEFAULT_ROTATION_POLL_INTERVAL = "2m";

/** Shortest poll interval, in seconds: faster, every node calls Key Vault for every mounted object often enough to be throttled. */
export const MIN_ROTATION_POLL_SECONDS = 10;

/** Secret rotation settings of the addon. Plain values: checked at construction, rendered into the addon's config. */
export interface SecretRotation {
    /** Re-fetch mounted objects from Key Vault while pods run. Env vars from synced Secrets still need a restart. */
    enabled: boolean;
    /** Go duration between re-fetches, e.g. "2m" or "1h30m"; default "2m". */
    pollInterval?: string;
}

/** A Go duration (`time.ParseDuration`) without sign: one or more of a number and a unit, e.g. "1h30m". */
export const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** Seconds in a Go duration string, or undefined when it is not one. */
export function goDurationSeconds(duration: string): number | undefined {
    if (!GO_DURATION.test(duration)) {
        return undefined;
    }
    let total = 0;
    for (const match of duration.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
        total += Number(match[1]) * UNIT_SECONDS[match[2]];
    }
    return total;
}

/** Problems with rotation settings. */
export function secretRotationProblems(rotation: SecretRotation, where = "secretRotation"): Problem[] {
    const problems: Problem[] = [];
    if (typeof rotation.enabled !== "boolean") {
        problems.push({
            where: `${where}.enabled`,
            message: `${JSON.stringify(rotation.enabled)} is not a boolean`,
            fix: "use true or false",
        });
    }
    if (rotation.pollInterval !== undefined) {
        const seconds = goDurationSeconds(rotation.pollInterval);
        if (seconds === undefined || seconds <= 0) {
            problems.push({
                where: `${where}.pollInterval`,
                message: `"${rotation.pollInterval}" is not a positive Go duration`,
                fix: 'use a value like "2m", "30s" or "1h"',
            });
        } else if (seconds < MIN_ROTATION_POLL_SECONDS) {
            problems.push({
                where: `${where}.pollInterval`,
                message: `"${rotation.pollInterval}" would call Key Vault for every mounted object on every node more than every ${MIN_ROTATION_POLL_SECONDS} s and hit its throttling limits`,
                fix: `use at least "${MIN_ROTATION_POLL_SECONDS}s"; the AKS default is "${DEFAULT_ROTATION_POLL_INTERVAL}"`,
            });
        }
    }
    return problems;
}

/** The `config` map of the addon: string values with the exact key casing AKS documents. */
export function keyVaultAddonConfig(rotation: SecretRotation): Record<string, string> {
    return {
        enableSecretRotation: rotation.enabled ? "true" : "false",
        rotationPollInterval: rotation.pollInterval ?? DEFAULT_ROTATION_POLL_INTERVAL,
    };
}

/** `{ azureKeyvaultSecretsProvider: { enabled: true, config } }`, ready to spread into `addonProfiles`. */
export function keyVaultAddonProfile(rotation: SecretRotation): Record<string, { enabled: boolean; config: Record<string, string> }> {
    return { [KEY_VAULT_ADDON_KEY]: { enabled: true, config: keyVaultAddonConfig(rotation) } };
}

/**
 * Merges the addon into existing `addonProfiles` (plain or Output), keeping every other addon as it is and
 * replacing any differently-cased copy of this addon's key, which AKS would otherwise store twice.
 */
export function withKeyVaultAddon<T extends { addonProfiles?: pulumi.Input<Record<string, pulumi.Input<unknown>>> }>(
    clusterArgs: T,
    rotation: SecretRotation,
): T {
    const merged = pulumi.output(clusterArgs.addonProfiles ?? {}).apply((profiles) => {
        const others = Object.fromEntries(
            Object.entries(profiles ?? {}).filter(([key]) => key.toLowerCase() !== KEY_VAULT_ADDON_KEY.toLowerCase()),
        );
        return { ...others, ...keyVaultAddonProfile(rotation) };
    });
    return { ...clusterArgs, addonProfiles: merged };
}

/** The addon identity as AKS reports it. */
export interface AddonIdentity {
    /** Client ID: the SecretProviderClass `userAssignedIdentityID`. */
    clientId: string;
    /** Object (principal) ID: the role-assignment `principalId`. */
    objectId: string;
    /** Resource ID of the user-assigned identity in the node resource group. */
    resourceId: string;
}

interface AddonProfileLike {
    enabled?: boolean;
    config?: Record<string, string>;
    identity?: { clientId?: string; objectId?: string; resourceId?: string };
}

/**
 * The addon identity of a cluster read from Azure, or an error that says how to enable the addon.
 * AKS matches addon keys case-insensitively, so this does too.
 */
export function addonIdentityOrError(
    addonProfiles: Record<string, AddonProfileLike> | undefined,
    clusterName: string,
    resourceGroupName: string,
): { identity: AddonIdentity } | { error: string } {
    const entry = Object.entries(addonProfiles ?? {}).find(([key]) => key.toLowerCase() === KEY_VAULT_ADDON_KEY.toLowerCase());
    const profile = entry?.[1];
    const enableCommand = `az aks enable-addons --addons ${KEY_VAULT_ADDON_CLI_NAME} --name ${clusterName} --resource-group ${resourceGroupName}`;
    if (!profile || !profile.enabled) {
        return {
            error:
                `AKS cluster "${clusterName}" in resource group "${resourceGroupName}" does not have the ${KEY_VAULT_ADDON_CLI_NAME} addon enabled. ` +
                `Enable it (existing pods are not restarted) with:\n    ${enableCommand}\n` +
                `or adopt the cluster into this program (cluster.mode: create with cluster.adoptResourceId; see docs/adopting-a-cluster.md).`,
        };
    }
    const identity = profile.identity ?? {};
    if (!identity.clientId || !identity.objectId || !identity.resourceId) {
        return {
            error: `AKS cluster "${clusterName}" reports the ${KEY_VAULT_ADDON_CLI_NAME} addon without an identity; wait for the addon to finish provisioning, or disable and re-enable it with:\n    ${enableCommand}`,
        };
    }
    return { identity: { clientId: identity.clientId, objectId: identity.objectId, resourceId: identity.resourceId } };
}
