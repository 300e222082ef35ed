/**
 * What `aks-keyvault-secrets doctor` reads from a cluster, as plain data: the diagnosis (diagnose.ts) is a pure
 * function of these facts, so it is tested without a cluster. No field holds a secret value: Secrets are read as
 * metadata only (their key names come from managedFields, see read-cluster.ts).
 */

/** The name of the Secrets Store CSI driver (its CSIDriver object exists only when the addon or the driver is installed). */
export const CSI_DRIVER_NAME = "secrets-store.csi.k8s.io";

/** A SecretProviderClass: the parameters the Azure provider reads, and the Secrets it syncs. */
export interface ClassFact {
    namespace: string;
    name: string;
    provider: string;
    /** `spec.parameters` (keyvaultName, clientID, userAssignedIdentityID, tenantId, ...); `objects` is left out. */
    parameters: Record<string, string>;
    /** `spec.secretObjects[].secretName`. */
    syncedSecrets: string[];
}

/** A pod and what it asks of secrets: its CSI volumes of the driver and the Secrets its containers read. */
export interface PodFact {
    namespace: string;
    name: string;
    uid: string;
    /** `ownerReferences[0]` as `Kind/name` (a Deployment's pods: `ReplicaSet/<deployment>-<hash>`). */
    owner?: string;
    serviceAccount: string;
    ready: boolean;
    /** Classes of the pod's `secrets-store.csi.k8s.io` volumes. */
    csiClasses: string[];
    /** Names of those volumes (a FailedMount of another volume, e.g. the service-account token's, is not ours). */
    csiVolumes: string[];
    /** Secrets its containers read through `env[].valueFrom.secretKeyRef` or `envFrom[].secretRef`. */
    envSecrets: string[];
    /** Why a container does not run: `{ reason: "CreateContainerConfigError", message: 'secret "x" not found' }`. */
    waiting: Array<{ reason: string; message: string }>;
    /** ISO time the pod was created (`metadata.creationTimestamp`). */
    created?: string;
}

/** A Warning event of a pod. */
export interface EventFact {
    namespace: string;
    podName: string;
    podUid?: string;
    reason: string;
    message: string;
    /** ISO time of its last occurrence. */
    lastSeen: string;
    count: number;
}

/** A SecretProviderClassPodStatus: the driver's record of one pod's mount of one class. */
export interface PodStatusFact {
    namespace: string;
    podName: string;
    className: string;
    mounted: boolean;
    /** `id` is `<type>/<name>` (`secret/orders-db-password`), `version` the version the driver last wrote. */
    objects: Array<{ id: string; version: string }>;
    /** When the driver created it: the first mount. */
    created: string;
    /** When it was last written (the newest managedFields time): the last mount or rotation that changed a version. */
    updated: string;
}

/** A Secret's metadata: never its data. */
export interface SecretFact {
    namespace: string;
    name: string;
    /** Key names, from the `f:data` entries of its managedFields. */
    keys: string[];
    labels: Record<string, string>;
    /** `ownerReferences` as `apiVersion`, `Kind/name`. */
    owners: Array<{ apiVersion: string; kind: string; name: string }>;
    /** Field managers that wrote it. */
    managers: string[];
}

/** A SecretSync object (secret-sync.x-k8s.io): the Secret a sync controller should write from a class. */
export interface SecretSyncFact {
    namespace: string;
    name: string;
    className: string;
    /** `status.lastSuccessfulSyncTime`: when a sync controller last wrote its Secret. */
    lastSynced?: string;
    /** Its first condition with status False (the controller's last attempt failed): type, reason and message. */
    failure?: { type: string; reason: string; message: string };
}

/** Everything doctor read. */
export interface ClusterFacts {
    /** ISO time of the reading. */
    now: string;
    /** The kubeconfig context read. */
    context: string;
    /** Whether the CSIDriver `secrets-store.csi.k8s.io` exists. */
    csiDriver: boolean;
    classes: ClassFact[];
    pods: PodFact[];
    events: EventFact[];
    podStatuses: PodStatusFact[];
    secrets: SecretFact[];
    secretSyncs: SecretSyncFact[];
}

/** One app of the program's `applications` stack output (`pulumi stack output --json`). */
export interface ApplicationOutput {
    namespace: string;
    secretProviderClass: string;
    additionalSecretProviderClasses?: string[];
    serviceAccount?: string;
    clientId?: string;
    deployment?: string;
    syncedSecrets?: string[];
}

/** The parts of the program's stack outputs doctor uses. */
export interface StackOutputs {
    applications?: Record<string, ApplicationOutput>;
    platform?: { keyVaultName?: string; keyVaultId?: string; oidcIssuerUrl?: string; tenantId?: string };
}
