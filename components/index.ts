/**
 * The component library (`aks-keyvault-secrets`): the Kubernetes side (also `aks-keyvault-secrets/kubernetes`, which
 * needs no Azure SDK) and the Azure side: the cluster with the Key Vault addon, the vault, and its role assignments.
 * Every component validates its inputs at construction, so bad configuration fails at `pulumi preview`.
 * Everything else in components/ is internal: the program, the migration tool and the tests import it by path.
 */
export * from "./kubernetes";

// The cluster: a new (or adopted) one, an existing one, or your own azure-native ManagedCluster with the addon added.
export { AksCluster, AksClusterArgs, ClusterFacts, ExistingAksCluster, ExistingAksClusterArgs, SystemNodePool } from "./cluster/component";
export { AddonIdentity, SecretRotation, withKeyVaultAddon } from "./cluster/addon";

// The vault, created or existing, with its network options.
export { CreateKeyVaultArgs, ExistingKeyVaultArgs, KeyVault, KeyVaultArgs, KeyVaultCommonArgs } from "./key-vault/component";
export {
    CreatedPrivateEndpointArgs,
    ExternalPrivateEndpointArgs,
    KeyVaultNetworkAclsArgs,
    KeyVaultPrivateEndpointArgs,
} from "./key-vault/network";

// Role assignments on the vault; KEY_VAULT_ROLES names the roles `KeyVaultAccessArgs.roles` takes.
export { KeyVaultAccess, KeyVaultAccessArgs } from "./key-vault-access/component";
export { KEY_VAULT_ROLES, KeyVaultRoleName, ReadObject } from "./key-vault-access/roles";

// Azure Monitor managed Prometheus alerts on the addon's driver and provider metrics (docs/alerts.md).
export { DEFAULT_EVALUATION_INTERVAL, KeyVaultSecretsAlerts, KeyVaultSecretsAlertsArgs } from "./alerts/component";
export {
    ALERT_KEYS,
    AlertKey,
    AlertRule,
    AlertRuleSettings,
    DEFAULT_ALERT_SETTINGS,
    ResolvedAlertSettings,
    alertRules,
    promtoolRulesFile,
} from "./alerts/rules";
// The driver's and provider's metric names and labels the rules read, as scraped (both version lanes).
export { DRIVER_METRICS, ExportedMetric, PROVIDER_METRICS, THROTTLED_ERROR_REGEX } from "./alerts/metrics";
