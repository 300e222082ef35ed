/** The policy on AKS clusters: the Key Vault secrets provider addon rotates mounted secrets. */
import { DEFAULT_ROTATION_POLL_INTERVAL, GO_DURATION, KEY_VAULT_ADDON_KEY, goDurationSeconds } from "../components/cluster/addon";
import { UNKNOWN, isMap, keysOf, read } from "./props";
import { ResourcePolicy, displayName, forType, policyConfig } from "./resource-policy";

const MANAGED_CLUSTER = /^azure-native:containerservice(\/v[0-9a-z]+)?:ManagedCluster$/;

interface RotationConfig {
    maxPollInterval?: string;
}

export const aksSecretRotation: ResourcePolicy = {
    name: "aks-keyvault-secret-rotation",
    description:
        "AKS clusters with the Key Vault secrets provider addon turn on secret rotation, so mounted secrets follow Key Vault. Advisory by default; the prod policy config makes it mandatory.",
    enforcementLevel: "advisory",
    severity: "medium",
    remediationSteps: `Set addonProfiles.${KEY_VAULT_ADDON_KEY}.config.enableSecretRotation to "true" and rotationPollInterval to a Go duration within the configured bound (in this program: cluster.secretRotation).`,
    url: "https://learn.microsoft.com/azure/aks/csi-secrets-store-configuration-options",
    tags: ["aks", "rotation"],
    configSchema: {
        properties: {
            maxPollInterval: {
                type: "string",
                pattern: GO_DURATION.source,
                description: 'Longest rotationPollInterval allowed (Go duration, e.g. "10m"); unset = any.',
            },
        },
    },
    validateResource: forType(MANAGED_CLUSTER, (args, reportViolation) => {
        const profiles = read(args.props, "addonProfiles");
        if (profiles === UNKNOWN || !isMap(profiles)) {
            return;
        }
        const key = keysOf(profiles).find((candidate) => candidate.toLowerCase() === KEY_VAULT_ADDON_KEY.toLowerCase());
        if (!key) {
            return;
        }
        const enabled = read(profiles, key, "enabled");
        if (enabled !== true) {
            return;
        }
        const cluster = displayName(args, "resourceName");
        const rotation = read(profiles, key, "config", "enableSecretRotation");
        if (rotation === UNKNOWN) {
            return;
        }
        if (typeof rotation !== "string" || rotation.trim().toLowerCase() !== "true") {
            const state =
                rotation === undefined
                    ? 'does not set enableSecretRotation (AKS defaults it to "false")'
                    : `sets enableSecretRotation to ${JSON.stringify(rotation)}`;
            reportViolation(
                `AKS cluster "${cluster}" enables the ${KEY_VAULT_ADDON_KEY} addon but ${state}: mounted secrets keep the value read at pod start ` +
                    `until the pod is recreated, so a rotated or revoked Key Vault secret stays in use. Set addonProfiles.${KEY_VAULT_ADDON_KEY}.config ` +
                    `{ enableSecretRotation: "true", rotationPollInterval: "${DEFAULT_ROTATION_POLL_INTERVAL}" } (values are strings).`,
            );
            return;
        }
        const { maxPollInterval } = policyConfig<RotationConfig>(args, {});
        const interval = read(profiles, key, "config", "rotationPollInterval");
        if (interval === UNKNOWN || !maxPollInterval) {
            return;
        }
        // AKS polls every DEFAULT_ROTATION_POLL_INTERVAL when the value is left out.
        const value = typeof interval === "string" && interval !== "" ? interval : DEFAULT_ROTATION_POLL_INTERVAL;
        const seconds = goDurationSeconds(value);
        const max = goDurationSeconds(maxPollInterval);
        if (seconds === undefined) {
            reportViolation(
                `AKS cluster "${cluster}" sets rotationPollInterval ${JSON.stringify(interval)}, which is not a Go duration such as "${DEFAULT_ROTATION_POLL_INTERVAL}".`,
            );
        } else if (max !== undefined && seconds > max) {
            reportViolation(
                `AKS cluster "${cluster}" polls Key Vault for rotated secrets every ${value}, longer than the ${maxPollInterval} this stack allows ` +
                    `(policy config maxPollInterval). Lower addonProfiles.${KEY_VAULT_ADDON_KEY}.config.rotationPollInterval.`,
            );
        }
    }),
};
