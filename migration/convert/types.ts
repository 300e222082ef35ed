import { Finding } from "../findings";
import { MigratedIdentity, VaultApplication } from "../application";

/** What `migrate` takes and gives: options, the patched workloads, the Secret renames and the result. */

export interface MigrateOptions {
    /** Namespace of manifests without one (default "default"). */
    defaultNamespace?: string;
    /** Identity of converted apps (default `{ mode: "addon" }`); AKVS with `vault.azureIdentity` get workload identity. */
    identity?: Extract<MigratedIdentity, { mode: "addon" | "workloadIdentity" }>;
    /** Suffix of synced Secrets that replace akv2k8s Secrets (default "-csi"). */
    secretSuffix?: string;
    /** App names by `namespace` (when it has one app) or `namespace/vault`. */
    appNames?: Record<string, string>;
    /** Synced Secret names by akv2k8s Secret `namespace/name`; refused when they collide. */
    secretNames?: Record<string, string>;
    /** More Secrets (`namespace/name`) that synced Secrets must not overwrite. */
    existingSecrets?: readonly string[];
    /** Client ID of the addon identity, to recognise adopted classes that use it. */
    addonClientId?: string;
}

/** A workload manifest rewritten to read synced Secrets. */
export interface PatchedWorkload {
    namespace: string;
    kind: string;
    name: string;
    source: string;
    /** Apps (SecretProviderClasses) whose volume it now mounts. */
    apps: string[];
    /** What still uses akv2k8s (env injector values or Secrets that were not converted), by location. */
    remaining: string[];
    manifest: Record<string, unknown>;
}

/** An akv2k8s Secret and the synced Secret that replaces it. */
export interface SecretRename {
    namespace: string;
    akv2k8sSecret: string;
    csiSecret: string;
    app: string;
    vault: string;
}

/** What to do with the env-injection label of a namespace. */
export interface NamespaceLabelAction {
    namespace: string;
    action: "remove" | "keep";
    command: string;
    reason: string;
}

/** What one source AzureKeyVaultSecret became: delete it once the consumers of all of it have cut over. */
export interface AkvsCutover {
    namespace: string;
    name: string;
    source?: string;
    /** Each object that stands for it, in which app, and the synced Secret keys it fills (none: a mounted file only). */
    becomes: Array<{ app: string; vault: string; objectName: string; file: string; syncedSecret?: string; keys?: string[] }>;
    /** When it became nothing: the codes of the findings that say why (see the report's manual work and errors). */
    nothingBecause?: string[];
    /** When it became something but not all of it: the codes of its findings that still need work before it is deleted. */
    openFindings?: string[];
}

export interface MigrationResult {
    /** Converted and adopted apps, by vault then name. */
    applications: VaultApplication[];
    workloads: PatchedWorkload[];
    secretRenames: SecretRename[];
    namespaceLabels: NamespaceLabelAction[];
    /** Every source AKVS and what it became, by namespace then name. */
    cutover: AkvsCutover[];
    findings: Finding[];
    counts: { azureKeyVaultSecrets: number; workloads: number; secretProviderClasses: number; ignored: number };
}
