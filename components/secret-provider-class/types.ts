import * as pulumi from "@pulumi/pulumi";

/**
 * Typed model of the Azure Key Vault provider's SecretProviderClass parameters
 * (secrets-store-csi-driver-provider-azure, `pkg/provider/types`). Field names are the provider's exact,
 * case-sensitive keys so that what you read here is what lands in the cluster.
 */

/** Key Vault object kinds the provider fetches; the provider compares them case-sensitively. */
export const KEY_VAULT_OBJECT_TYPES = ["secret", "key", "cert"] as const;
/** One of KEY_VAULT_OBJECT_TYPES. */
export type KeyVaultObjectType = (typeof KEY_VAULT_OBJECT_TYPES)[number];

/** Output format of a secret backed by a certificate. */
export const KEY_VAULT_OBJECT_FORMATS = ["pem", "pfx"] as const;
/** One of KEY_VAULT_OBJECT_FORMATS. */
export type KeyVaultObjectFormat = (typeof KEY_VAULT_OBJECT_FORMATS)[number];

/** Decoding applied to a secret value before it is written. */
export const KEY_VAULT_OBJECT_ENCODINGS = ["utf-8", "base64", "hex"] as const;
/** One of KEY_VAULT_OBJECT_ENCODINGS. */
export type KeyVaultObjectEncoding = (typeof KEY_VAULT_OBJECT_ENCODINGS)[number];

/**
 * Azure clouds an AKS addon's provider can reach by name in `cloudName`. `AzureStackCloud` is refused: the
 * provider reads its endpoints from a file on the node (`cloudEnvFileName`), which AKS does not provide.
 */
export const AZURE_CLOUD_NAMES = ["AzurePublicCloud", "AzureUSGovernmentCloud", "AzureChinaCloud", "AzureGermanCloud"] as const;
/** One of AZURE_CLOUD_NAMES. */
export type AzureCloudName = (typeof AZURE_CLOUD_NAMES)[number];

/** The string fields of a KeyVaultObject: the provider reads each from the `objects` YAML as a string. */
export const OBJECT_STRING_FIELDS = [
    "objectName",
    "objectType",
    "objectAlias",
    "objectVersion",
    "objectFormat",
    "objectEncoding",
    "filePermission",
] as const satisfies readonly (keyof KeyVaultObject)[];

/**
 * One entry of the provider's `objects` array: every per-object field the provider reads. Plain values: the
 * component renders them into one YAML parameter and checks them at construction (names, the files they write).
 */
export interface KeyVaultObject {
    /** Name of the secret, key or certificate in the vault (1-127 of `[0-9A-Za-z-]`). */
    objectName: string;
    /** What to fetch: `secret` (value; for a certificate, key and chain), `key` (public key PEM), `cert` (leaf PEM). */
    objectType: KeyVaultObjectType;
    /** File name written in the mount (relative, no `..`); defaults to `objectName`. Synced Secrets reference it. */
    objectAlias?: string;
    /** A specific version; latest when omitted. */
    objectVersion?: string;
    /**
     * With N of 2 or more, write versions into the directory `<file>/`: `<file>/0` is the newest (or `objectVersion`),
     * then older ones up to `<file>/N` (N + 1 files at most, fewer if the object has fewer versions). 0 or 1
     * writes the latest version to `<file>` itself. At most 100 here. Needs list permission on the vault.
     */
    objectVersionHistory?: number;
    /** `pem` (default) or `pfx`; secrets only. The provider reads it in any case (`PFX`). */
    objectFormat?: KeyVaultObjectFormat;
    /** `utf-8` (default), `base64` or `hex`; secrets only. The provider reads it in any case. */
    objectEncoding?: KeyVaultObjectEncoding;
    /** Octal file mode of the written file, e.g. `"0440"`; the driver default is 0644. */
    filePermission?: string;
}

/** Kubernetes Secret types this library syncs into (the built-in types whose content a mounted file can hold). */
export const SYNCED_SECRET_TYPES = [
    "Opaque",
    "kubernetes.io/tls",
    "kubernetes.io/dockerconfigjson",
    "kubernetes.io/dockercfg",
    "kubernetes.io/basic-auth",
    "kubernetes.io/ssh-auth",
] as const;
/** One of SYNCED_SECRET_TYPES. */
export type SyncedSecretType = (typeof SYNCED_SECRET_TYPES)[number];

/** One key of a synced Kubernetes Secret. */
export interface SyncedSecretData {
    /** The key in the Kubernetes Secret. */
    key: string;
    /** The mounted file to copy: the object's alias when it has one, `<file>/<n>` (0..N) for version history. */
    objectName: string;
}

/**
 * Who keeps an app's synced Secrets:
 * - `secretObjects`: the CSI driver, from the files of a mounted volume (the class's `secretObjects`), only while a
 *   pod mounts it; the pods own the Secret, which goes away with the last of them.
 * - `secretSync`: the secrets-store-sync-controller, one `SecretSync` object per Secret, which owns it; no pod mount
 *   is needed. The controller is experimental and not part of the AKS addon.
 */
export const SYNC_MECHANISMS = ["secretObjects", "secretSync"] as const;
/** One of SYNC_MECHANISMS. */
export type SyncMechanism = (typeof SYNC_MECHANISMS)[number];
/** The driver keeps synced Secrets unless an app asks for the (experimental) sync controller. */
export const DEFAULT_SYNC_MECHANISM: SyncMechanism = "secretObjects";

/**
 * A Kubernetes Secret synced from Key Vault objects (by the driver from mounted files, or by the sync controller).
 * Plain values: checked at construction against the objects' files; a SecretSync is named after `secretName`.
 */
export interface SyncedSecret {
    /** Name of the Kubernetes Secret. */
    secretName: string;
    /** Kubernetes Secret type; the driver refuses an empty type at mount time. */
    type: SyncedSecretType;
    /**
     * Keys to fill. `kubernetes.io/tls` takes exactly `tls.crt` and `tls.key`; `dockerconfigjson` needs
     * `.dockerconfigjson`, `dockercfg` `.dockercfg`, `basic-auth` `username` or `password`, `ssh-auth` `ssh-privatekey`.
     */
    data: SyncedSecretData[];
    /** Labels copied onto the Secret (the driver adds `secrets-store.csi.k8s.io/managed=true`). */
    labels?: Record<string, string>;
    /** Annotations copied onto the Secret. */
    annotations?: Record<string, string>;
}

/**
 * Where the Azure provider tracks the deprecation of its managed-identity modes (`useVMManagedIdentity`, so the AKS
 * addon identity) in favour of workload identity federation.
 */
export const MANAGED_IDENTITY_DEPRECATION_URL = "https://github.com/Azure/secrets-store-csi-driver-provider-azure/issues/837";

/**
 * Audience of the service-account token the provider exchanges in identity-binding mode (provider v1.8
 * `auth.IdentityBindingTokenAudience`); the CSI driver must request it (CSIDriver `spec.tokenRequests`).
 */
export const IDENTITY_BINDING_TOKEN_AUDIENCE = "api://AKSIdentityBinding";

/**
 * How the provider authenticates to Key Vault; exactly one mode per SecretProviderClass.
 * - `managedIdentity`: a managed identity on the node VMSS, e.g. the AKS addon identity (`useVMManagedIdentity`).
 * - `workloadIdentity`: the pod's service account federated to an Entra identity (`clientID`).
 * - `identityBinding`: AKS identity binding (preview), the pod's service account authorized to use a bound managed
 *   identity (`useAzureTokenProxy` + `clientID`); tokens go through the cluster's AKS token proxy, not Entra directly.
 * - `servicePrincipal`: client ID and secret from a Kubernetes Secret passed as the volume's `nodePublishSecretRef`.
 */
export type SecretProviderIdentity =
    | {
          mode: "managedIdentity";
          /** Client ID of the user-assigned identity on the VMSS (the addon identity's `clientId`); omit for system-assigned. */
          userAssignedIdentityID?: pulumi.Input<string>;
      }
    | {
          mode: "workloadIdentity";
          /** Client ID of the Entra application or user-assigned identity federated with the pod's service account. */
          clientID: pulumi.Input<string>;
      }
    | {
          mode: "identityBinding";
          /**
           * Client ID of the user-assigned identity bound to the cluster (an AKS `identityBindings` resource) that the
           * pod's service account may use; the provider refuses the mount without it.
           */
          clientID: pulumi.Input<string>;
      }
    | {
          mode: "servicePrincipal";
          /**
           * Name of the Secret (keys `clientid`, `clientsecret`) the pod volume passes as `nodePublishSecretRef`.
           * Plain: checked as a Secret name at construction.
           */
          nodePublishSecretRef: string;
      };

/** Everything that goes into one SecretProviderClass for the Azure provider. */
export interface SecretProviderClassSpec {
    /** Key Vault name (3-24 characters: letters, digits, hyphens; starts with a letter). */
    keyvaultName: pulumi.Input<string>;
    /** Entra tenant ID of the vault (a GUID). */
    tenantID: pulumi.Input<string>;
    /** How the provider authenticates. */
    identity: SecretProviderIdentity;
    /** Objects to mount as files. Plain: checked at construction. */
    objects: KeyVaultObject[];
    /** Kubernetes Secrets to sync from mounted files. Plain: checked at construction against `objects`. */
    secretObjects?: SyncedSecret[];
    /** Sovereign cloud; omitted means the provider's default (AzurePublicCloud). Plain: checked at construction. */
    cloudName?: AzureCloudName;
}
