/**
 * The Kubernetes side of the library (`aks-keyvault-secrets/kubernetes`): the SecretProviderClass, the app workload,
 * and the functions that wire Key Vault secrets into pods you or a chart declare. It loads neither
 * @pulumi/azure-native nor @pulumi/azuread (optional peer dependencies): an AppWorkload that creates its own
 * identity, or an IdentityBindingAccess that binds one, loads them when it is constructed, and says to install them
 * when they are missing. Every component validates its inputs at construction, so bad input fails at `pulumi preview`.
 */

// Components, their Args, and the types those Args are made of.
export { SecretProviderClass, SecretProviderClassArgs } from "./secret-provider-class/component";
// The upper-case lists hold the allowed values of the enumerations, for your own config schema (the program's zod
// schema is made from them).
export {
    AZURE_CLOUD_NAMES,
    AzureCloudName,
    KEY_VAULT_OBJECT_ENCODINGS,
    KEY_VAULT_OBJECT_FORMATS,
    KEY_VAULT_OBJECT_TYPES,
    KeyVaultObject,
    KeyVaultObjectEncoding,
    KeyVaultObjectFormat,
    KeyVaultObjectType,
    SecretProviderClassSpec,
    SecretProviderIdentity,
    SYNCED_SECRET_TYPES,
    SYNC_MECHANISMS,
    SyncMechanism,
    SyncedSecret,
    SyncedSecretData,
    SyncedSecretType,
} from "./secret-provider-class/types";
export { AppWorkload } from "./workload/component";
export {
    AdditionalVault,
    AppDeployment,
    AppIdentity,
    AppWorkloadArgs,
    BoundCluster,
    ManagedIdentityBinding,
    ManagedWorkloadIdentity,
    OwnIdentity,
} from "./workload/types";
export { ACCESS_SCOPES, AccessScope } from "./key-vault-access/roles";
// An identity already bound to the cluster (or one to bind) used by pods you declare yourself: the RBAC AppWorkload
// creates for its own pods.
export { IdentityBindingAccess, IdentityBindingAccessArgs } from "./workload/identity-binding";

// Pods you or a chart declare: the pod-template function, the chart transforms and their rules.
export { KeyVaultPodWiring, SecretEnvVar, attachKeyVaultSecrets } from "./workload/pod";
export {
    KeyVaultWiringRule,
    PodTemplateSelector,
    keyVaultSecretsTransform,
    keyVaultSecretsTransformation,
} from "./workload/helm-transform";
// The workload kinds a rule can select (PodTemplateSelector.kinds), as a type and as a list.
export { POD_TEMPLATE_KINDS, PodTemplateKind } from "./workload/pod-templates";
// The subject of the federated credential for a workload identity the stack creates itself (`clientId` mode).
export { workloadIdentitySubject } from "./workload/render";

// Adopting SecretProviderClasses written as YAML (the result and its problems).
export { AdoptedSecretProviderClass, Parsed, parseSecretProviderClassYaml } from "./secret-provider-class/parse";

// The settings for a Kubernetes provider that declares many objects (the program uses them for its own).
export { kubernetesClientSettings } from "./shared/kubernetes-client";

// What every component throws on bad input: catch it, or read its problems.
export { Problem, ValidationError } from "./shared/validation";
