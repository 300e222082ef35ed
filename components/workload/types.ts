import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { AccessScope } from "../key-vault-access/roles";
import type { AzureCloudName, KeyVaultObject, SyncMechanism, SyncedSecret } from "../secret-provider-class/types";
import type { SecretEnvVar } from "./pod";

/**
 * The arguments of an AppWorkload and the names it shares with other code (migrate, the program). Types only, so
 * importing them loads no provider SDK.
 */

/** Audience of tokens exchanged for Entra tokens by workload identity. */
export const WORKLOAD_IDENTITY_AUDIENCE = "api://AzureADTokenExchange";
/** Pod label the workload identity webhook looks for: it injects the federated token only into pods that carry it ("true"). */
export const WORKLOAD_IDENTITY_USE_LABEL = "azure.workload.identity/use";
/** Annotation read by the Stakater Reloader controller to restart pods when the listed Secrets change. */
export const RELOADER_SECRET_ANNOTATION = "secret.reloader.stakater.com/reload";
/** Annotation that tells the Pulumi Kubernetes provider not to wait for a rollout. */
export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";
/**
 * The ServiceAccount the API server puts in every namespace. An app must not create it: the create fails with
 * AlreadyExists at `pulumi up`, and a stack that owned it would delete it on destroy.
 */
export const NAMESPACE_SERVICE_ACCOUNT = "default";

/** The managed cluster an identity is bound to. */
export interface BoundCluster {
    /** Name of the AKS cluster (an Output of the cluster this stack creates, so the binding waits for it). */
    clusterName: pulumi.Input<string>;
    /** Resource group of the cluster. */
    resourceGroupName: pulumi.Input<string>;
    /** ARM resource ID of the user-assigned identity to bind. */
    identityResourceId: pulumi.Input<string>;
}

/** A user-assigned identity this app creates, with least-privilege roles on the vault. */
export interface OwnIdentity {
    /** Resource group of the identity. */
    resourceGroupName: pulumi.Input<string>;
    /** Region of the identity. */
    location: pulumi.Input<string>;
    /** ARM ID of the vault, for the role assignments. */
    vaultId: pulumi.Input<string>;
    /** Role scope: "vault" (default) or "object". Plain: it decides which role assignments exist. */
    accessScope?: AccessScope;
}

/** A federated identity this app creates: user-assigned identity, federated credential, least-privilege roles. */
export interface ManagedWorkloadIdentity extends OwnIdentity {
    /** OIDC issuer URL of the cluster. */
    oidcIssuerUrl: pulumi.Input<string>;
}

/** An identity this app creates and binds to the cluster (AKS makes its federated credential), with its roles. */
export interface ManagedIdentityBinding extends OwnIdentity {
    /** The cluster to bind the identity to. */
    cluster: Omit<BoundCluster, "identityResourceId">;
}

/** How an app's pods may authenticate to Key Vault: the modes of AppIdentity, which `satisfies` keeps in step. */
export const APP_IDENTITY_MODES = [
    "addon",
    "workloadIdentity",
    "identityBinding",
    "servicePrincipal",
] as const satisfies readonly AppIdentity["mode"][];
export type AppIdentityMode = (typeof APP_IDENTITY_MODES)[number];

/**
 * How the app's pods authenticate to Key Vault.
 * - `addon`: the cluster's addon identity (shared by all apps; its roles are granted once per vault).
 * - `workloadIdentity` with `clientId`: an existing federated identity.
 * - `workloadIdentity` with `managed`: this component creates the identity, its federated credential and its roles.
 * - `identityBinding` (AKS preview) with `clientId`: an identity already bound to the cluster; with `managed`: this
 *   component creates the identity, its roles and its binding. Either way it creates the RBAC that lets the
 *   ServiceAccount use the identity.
 * - `servicePrincipal`: credentials in a Kubernetes Secret (`nodePublishSecretRef`); a last resort.
 */
export type AppIdentity =
    | { mode: "addon"; clientId: pulumi.Input<string> }
    | { mode: "workloadIdentity"; clientId: pulumi.Input<string>; managed?: undefined }
    | { mode: "workloadIdentity"; managed: ManagedWorkloadIdentity; clientId?: undefined }
    | { mode: "identityBinding"; clientId: pulumi.Input<string>; managed?: undefined }
    | { mode: "identityBinding"; managed: ManagedIdentityBinding; clientId?: undefined }
    | {
          mode: "servicePrincipal";
          /** Name of the Secret with the credentials. Plain: checked as a Secret name at construction. */
          nodePublishSecretRef: string;
      };

/**
 * Another vault an app reads beside `keyVault`: the app gets a SecretProviderClass and a CSI volume per vault (the
 * provider reads one vault per class), mounted side by side.
 */
export interface AdditionalVault {
    /**
     * The vault's name. Plain: it names this vault's SecretProviderClass (`<app>-<name>`), its volume and its default
     * folder, and is checked at construction.
     */
    name: string;
    /** Tenant of the vault; default `keyVault.tenantId`. */
    tenantId?: pulumi.Input<string>;
    /** ARM ID of the vault: an identity the app creates gets its roles here too, so it is needed then. */
    id?: pulumi.Input<string>;
    /** Objects mounted as files from this vault. Plain: checked at construction, as `objects` are. */
    objects: KeyVaultObject[];
    /**
     * Kubernetes Secrets synced from this vault's files, by the app's `syncMechanism`. Plain: checked at construction
     * against this vault's `objects`; a Secret's name is unique across the app's vaults.
     */
    syncedSecrets?: SyncedSecret[];
    /**
     * Where its files appear; default `<mountPath>/<name>`. Plain: checked at construction (no vault's folder may lie
     * inside another's: each is a read-only mount of its own).
     */
    mountPath?: string;
}

/** One pod unless the Deployment asks for more (or none). */
export const DEFAULT_REPLICAS = 1;

/** The app's Deployment. */
export interface AppDeployment {
    /** Container image. */
    image: pulumi.Input<string>;
    /** Replicas; default `DEFAULT_REPLICAS` (1). Plain: checked at construction. */
    replicas?: number;
    /** Container name; default the app name. Plain: checked at construction. */
    containerName?: string;
    /** Container ports. Plain: checked at construction. */
    ports?: number[];
    /** Command override. */
    command?: pulumi.Input<string>[];
    /** Arguments, e.g. an endpoint another resource outputs. */
    args?: pulumi.Input<string>[];
    /**
     * Plain (non-secret) env vars; values may come from other resources. The names are plain: checked at
     * construction (and against the names `env` fills from synced Secrets).
     */
    env?: Record<string, pulumi.Input<string>>;
    /** Resource requests and limits. */
    resources?: k8s.types.input.core.v1.ResourceRequirements;
    /**
     * Don't wait for the rollout (for clusters without a controller manager, such as the local test stack). Plain:
     * it decides an annotation at construction.
     */
    skipAwait?: boolean;
}

/**
 * Inputs of one application. Values that may come from another resource (the vault, identities, the image) are
 * `pulumi.Input`s; the rest are plain because they decide which resources exist or their names, or are checked at
 * construction so a mistake fails the preview up front: each such field says which.
 */
export interface AppWorkloadArgs {
    /**
     * Namespace of every Kubernetes object of the app. Plain: it names the app's Namespace and ServiceAccount
     * resources (and an identity binding's ClusterRole), goes into a federated credential's subject, and is checked
     * at construction.
     */
    namespace: string;
    /** Create the namespace; default false (platform teams usually own namespaces). Plain: decides if it exists. */
    createNamespace?: boolean;
    /**
     * Annotations on every Kubernetes object the app creates (Namespace, ServiceAccount, classes, SecretSyncs,
     * Deployment, identity-binding RBAC; not the pods), e.g. the stack that owns them. Plain: merged at construction.
     */
    annotations?: Record<string, string>;
    /**
     * Service account name; default the app name. Not "default" when the app creates it (every namespace has one).
     * Plain: it names the ServiceAccount resource, goes into a federated credential's subject, and is checked at
     * construction.
     */
    serviceAccountName?: string;
    /**
     * Create the ServiceAccount; default true. False: the pods use `serviceAccountName` as declared elsewhere (by
     * another app sharing it, by you, or the namespace's own "default"); pass a resource you declare in `dependsOn`
     * so the pods wait for it. Plain: decides whether it exists.
     */
    createServiceAccount?: boolean;
    /** The vault the app reads. */
    keyVault: { name: pulumi.Input<string>; tenantId: pulumi.Input<string> };
    /** How pods authenticate. */
    identity: AppIdentity;
    /**
     * Key Vault objects mounted as files under `mountPath`. Plain: checked at construction (the files they write must
     * not collide), and with object-scoped roles each names its role assignment.
     */
    objects: KeyVaultObject[];
    /**
     * Kubernetes Secrets synced from Key Vault objects (their files), by the mechanism `syncMechanism` names. Plain:
     * checked at construction against `objects`; with `secretSync` each names its SecretSync resource.
     */
    syncedSecrets?: SyncedSecret[];
    /**
     * Who keeps `syncedSecrets`: `secretObjects` (default) the CSI driver, from the class's `secretObjects`, only while
     * pods mount the volume; `secretSync` the secrets-store-sync-controller, one SecretSync per Secret and a class
     * without `secretObjects` (experimental, not an AKS addon: install the controller yourself). Plain: decides
     * which resources exist.
     */
    syncMechanism?: SyncMechanism;
    /**
     * With `secretSync`, mount the CSI volume in the pods too, for apps that read files; default false (env vars
     * only, no mount). With `secretObjects` pods always mount it, so false is an error. Plain: decides the pod's
     * volumes, checked at construction.
     */
    mountFiles?: boolean;
    /** Env vars from synced Secrets. Plain: checked at construction against `syncedSecrets`. */
    env?: SecretEnvVar[];
    /**
     * Where files appear; default "/mnt/secrets-store". With `additionalVaults`, the folder the vaults' folders are
     * in: `keyVault`'s files then appear under `<mountPath>/<keyVault.name>`. Plain: checked at construction.
     */
    mountPath?: string;
    /**
     * Further vaults the app reads, each with its own objects and synced Secrets; `env` may read a Secret of any vault.
     * With any, `keyVault.name` must be a plain string (it names its folder). Plain: decides which classes and volumes exist.
     */
    additionalVaults?: AdditionalVault[];
    /** Sovereign cloud. Plain: checked at construction. */
    cloudName?: AzureCloudName;
    /**
     * The Deployment; omit to create only the ServiceAccount and SecretProviderClass (use `attachKeyVaultSecrets` in
     * your own pods). Plain: decides whether it exists.
     */
    deployment?: AppDeployment;
    /**
     * Restart pods when a synced Secret changes, through the Stakater Reloader annotation (install Reloader in
     * the cluster). Env vars never change in running pods otherwise; mounted files do with rotation on. Plain: decides
     * an annotation at construction.
     */
    restartOnSecretChange?: boolean;
}
