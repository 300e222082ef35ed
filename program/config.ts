import { z } from "zod";
import {
    AZURE_CLOUD_NAMES,
    KEY_VAULT_OBJECT_ENCODINGS,
    KEY_VAULT_OBJECT_FORMATS,
    KEY_VAULT_OBJECT_TYPES,
} from "../components/secret-provider-class/types";
import { SYNCED_SECRET_TYPES } from "../components/secret-provider-class/validate";
import { aksClusterProblems } from "../components/cluster/component";
import { keyVaultProblems } from "../components/key-vault/component";
import { groupReferenceProblems } from "../components/key-vault-access/component";
import { AppWorkloadArgs, appWorkloadProblems } from "../components/workload/component";
import { Problem, formatProblem, isGuid } from "../components/shared/validation";
import { planAssignments } from "../components/key-vault-access/roles";
import { secretNameCollisionProblems } from "../components/migration/names";
import { KeyVaultObjectType } from "../components/secret-provider-class/types";
import { duplicates } from "../components/shared/validation";

/**
 * The stack configuration of the program: its schema (every key documented in the README) and the checks that
 * run at start-up, so a wrong key fails `pulumi preview` with the key's path and the fix.
 */

/** Config namespace: the Pulumi project name. */
export const CONFIG_NAMESPACE = "aks-keyvault-secrets";

/** Azure's limit of role assignments per subscription (all assignments, not only this program's). */
export const AZURE_ROLE_ASSIGNMENT_LIMIT = 4000;

const guid = z.string().refine(isGuid, { message: "must be a GUID (8-4-4-4-12 hex digits)" });

const rotation = z.strictObject({
    enabled: z.boolean(),
    pollInterval: z.string().optional(),
});

const azure = z.strictObject({
    location: z.string().min(1),
    resourceGroupName: z.string().min(1),
    tenantId: guid.optional(),
});

/** A resource that already exists in Azure, read by name (resource group defaults to `azure.resourceGroupName`). */
const existingAzureResource = z.strictObject({
    mode: z.literal("existing"),
    name: z.string(),
    resourceGroupName: z.string().optional(),
});

const cluster = z.discriminatedUnion("mode", [
    z.strictObject({
        mode: z.literal("create"),
        name: z.string(),
        kubernetesVersion: z.string().optional(),
        systemNodePool: z.strictObject({
            vmSize: z.string(),
            count: z.number().int(),
            availabilityZones: z.array(z.string()).optional(),
        }),
        secretRotation: rotation,
        workloadIdentity: z.boolean().default(true),
        adoptResourceId: z.string().optional(),
        protect: z.boolean().default(false),
    }),
    existingAzureResource,
    z.strictObject({
        mode: z.literal("external"),
        addonIdentityClientId: guid.optional(),
        oidcIssuerUrl: z.url().optional(),
    }),
]);

const keyVault = z.discriminatedUnion("mode", [
    z.strictObject({
        mode: z.literal("create"),
        name: z.string(),
        publicNetworkAccess: z.enum(["Enabled", "Disabled"]).default("Enabled"),
        enablePurgeProtection: z.boolean().default(true),
        softDeleteRetentionInDays: z.number().int().default(90),
        skuName: z.enum(["standard", "premium"]).default("standard"),
        protect: z.boolean().default(false),
    }),
    existingAzureResource,
    z.strictObject({
        mode: z.literal("external"),
        name: z.string(),
        tenantId: guid,
        id: z.string().optional(),
    }),
]);

const access = z.strictObject({
    scope: z.enum(["vault", "object"]).default("vault"),
    roleAssignmentLimit: z.number().int().positive().default(AZURE_ROLE_ASSIGNMENT_LIMIT),
    adminGroup: z
        .strictObject({
            displayName: z.string().optional(),
            objectId: z.string().optional(),
            role: z.enum(["secretsOfficer", "certificatesOfficer", "administrator"]).default("secretsOfficer"),
        })
        .optional(),
});

const keyVaultObject = z.strictObject({
    objectName: z.string(),
    objectType: z.enum(KEY_VAULT_OBJECT_TYPES as [string, ...string[]]),
    objectAlias: z.string().optional(),
    objectVersion: z.string().optional(),
    objectVersionHistory: z.number().optional(),
    objectFormat: z.enum(KEY_VAULT_OBJECT_FORMATS as [string, ...string[]]).optional(),
    objectEncoding: z.enum(KEY_VAULT_OBJECT_ENCODINGS as [string, ...string[]]).optional(),
    filePermission: z.string().optional(),
});

const syncedSecret = z.strictObject({
    secretName: z.string(),
    type: z.enum(SYNCED_SECRET_TYPES),
    data: z.array(z.strictObject({ key: z.string(), objectName: z.string() })),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
});

const application = z.strictObject({
    name: z.string(),
    namespace: z.string(),
    createNamespace: z.boolean().default(false),
    serviceAccountName: z.string().optional(),
    identity: z.discriminatedUnion("mode", [
        z.strictObject({ mode: z.literal("addon") }),
        z.strictObject({ mode: z.literal("workloadIdentity"), clientId: guid.optional() }),
        z.strictObject({ mode: z.literal("servicePrincipal"), nodePublishSecretRef: z.string() }),
    ]),
    objects: z.array(keyVaultObject),
    syncedSecrets: z.array(syncedSecret).default([]),
    env: z.array(z.strictObject({ name: z.string(), secretName: z.string(), key: z.string() })).default([]),
    mountPath: z.string().optional(),
    cloudName: z.enum(AZURE_CLOUD_NAMES as [string, ...string[]]).optional(),
    restartOnSecretChange: z.boolean().default(false),
    deployment: z
        .strictObject({
            image: z.string(),
            replicas: z.number().int().optional(),
            containerName: z.string().optional(),
            ports: z.array(z.number().int()).optional(),
            command: z.array(z.string()).optional(),
            args: z.array(z.string()).optional(),
            env: z.record(z.string(), z.string()).optional(),
            skipAwait: z.boolean().optional(),
        })
        .optional(),
});

/** Schema of every config key, by key name. */
export const stackConfigSchema = z.strictObject({
    azure: azure.optional(),
    cluster,
    keyVault,
    access: access.default({ scope: "vault", roleAssignmentLimit: AZURE_ROLE_ASSIGNMENT_LIMIT }),
    platformStack: z.string().optional(),
    akv2k8sSecrets: z.array(z.string().regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/, { message: "must be namespace/name" })).default([]),
    applications: z.array(application).default([]),
});

export type StackConfig = z.infer<typeof stackConfigSchema>;
export type ApplicationConfig = z.infer<typeof application>;

/** Thrown when stack config is invalid; the message lists every wrong key with its fix. */
export class StackConfigError extends Error {
    constructor(public readonly problems: string[]) {
        super(`Stack configuration is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "StackConfigError";
    }
}

function keyPath(path: ReadonlyArray<PropertyKey>): string {
    const [top, ...rest] = path;
    return `${CONFIG_NAMESPACE}:${String(top ?? "")}${rest.map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`)).join("")}`;
}

function schemaProblems(error: z.ZodError): string[] {
    return error.issues.map((issue) => {
        if (issue.code === "unrecognized_keys") {
            return `${keyPath(issue.path)}: unknown key(s) ${issue.keys.map((key) => `"${key}"`).join(", ")}. Fix: keys are case-sensitive; see the configuration reference in README.md.`;
        }
        return `${keyPath(issue.path)}: ${issue.message}.`;
    });
}

/** Checks that need more than one key: modes that depend on each other, duplicate names, and every app. */
export function crossKeyProblems(config: StackConfig): string[] {
    const problems: string[] = [];
    const needsAzure = config.cluster.mode !== "external" || config.keyVault.mode !== "external";
    if (needsAzure && !config.azure && !config.platformStack) {
        problems.push(`${CONFIG_NAMESPACE}:azure: is required when cluster or keyVault mode is create or existing. Fix: set azure.location and azure.resourceGroupName.`);
    }
    const prefixed = (prefix: string, list: Problem[]) => list.map((problem) => `${prefix} ${formatProblem(problem)}`);
    if (config.cluster.mode === "create") {
        problems.push(
            ...prefixed(
                `${CONFIG_NAMESPACE}:cluster`,
                aksClusterProblems({
                    resourceGroupName: "",
                    location: "",
                    clusterName: config.cluster.name,
                    systemNodePool: config.cluster.systemNodePool,
                    secretRotation: config.cluster.secretRotation,
                    adoptExistingResourceId: config.cluster.adoptResourceId,
                }),
            ),
        );
    }
    if (config.keyVault.mode !== "external") {
        problems.push(
            ...prefixed(
                `${CONFIG_NAMESPACE}:keyVault`,
                keyVaultProblems({
                    mode: config.keyVault.mode,
                    vaultName: config.keyVault.name,
                    resourceGroupName: "",
                    location: "validated-later",
                    tenantId: config.azure?.tenantId ?? "00000000-0000-0000-0000-000000000000",
                    softDeleteRetentionInDays: config.keyVault.mode === "create" ? config.keyVault.softDeleteRetentionInDays : undefined,
                }),
            ),
        );
    }
    if (config.access.adminGroup) {
        problems.push(...prefixed(`${CONFIG_NAMESPACE}:access`, groupReferenceProblems(config.access.adminGroup, "adminGroup")));
    }
    for (const name of duplicates(config.applications.map((app) => app.name))) {
        problems.push(`${CONFIG_NAMESPACE}:applications: app name "${name}" is used more than once. Fix: give each app a unique name.`);
    }
    const synced = config.applications.flatMap((app) => app.syncedSecrets.map((secret) => ({ namespace: app.namespace, secretName: secret.secretName, app: app.name })));
    for (const key of duplicates(synced.map((secret) => `${secret.namespace}/${secret.secretName}`))) {
        const owners = synced.filter((secret) => `${secret.namespace}/${secret.secretName}` === key).map((secret) => `"${secret.app}"`);
        problems.push(`${CONFIG_NAMESPACE}:applications: Secret ${key} is synced by more than one app (${owners.join(", ")}); each app's pods would overwrite it. Fix: give each app its own secretName.`);
    }
    problems.push(...prefixed(`${CONFIG_NAMESPACE}:akv2k8sSecrets`, secretNameCollisionProblems(synced, new Set(config.akv2k8sSecrets))));
    config.applications.forEach((app, index) => {
        const where = `${CONFIG_NAMESPACE}:applications[${index}] (app "${app.name}")`;
        if (app.identity.mode === "addon" && config.cluster.mode === "external" && !config.cluster.addonIdentityClientId && !config.platformStack) {
            problems.push(`${where}.identity: addon mode needs the addon identity. Fix: set cluster.addonIdentityClientId, or use cluster mode create/existing.`);
        }
        if (app.identity.mode === "workloadIdentity" && !app.identity.clientId) {
            if (config.cluster.mode === "external" && !config.cluster.oidcIssuerUrl && !config.platformStack) {
                problems.push(`${where}.identity: a managed workload identity needs the cluster's OIDC issuer. Fix: set cluster.oidcIssuerUrl, or give identity.clientId of an existing identity.`);
            }
            if (config.keyVault.mode === "external" && !config.keyVault.id && !config.platformStack) {
                problems.push(`${where}.identity: a managed workload identity needs the vault's resource ID for its role. Fix: set keyVault.id, or give identity.clientId of an existing identity.`);
            }
            if (!config.azure) {
                problems.push(`${where}.identity: a managed workload identity is an Azure resource. Fix: set azure.location and azure.resourceGroupName, or give identity.clientId.`);
            }
        }
        problems.push(...prefixed(where, appWorkloadProblems(app.name, toAppWorkloadArgs(app, placeholderPlatform))));
    });
    return problems;
}

/** Facts about the platform an app needs: known now (config) or later (Outputs). */
export interface PlatformFacts<T> {
    keyVaultName: T;
    tenantId: T;
    addonClientId?: T;
}

const placeholderPlatform: PlatformFacts<string> = {
    keyVaultName: "placeholder",
    tenantId: "00000000-0000-0000-0000-000000000000",
    addonClientId: "00000000-0000-0000-0000-000000000000",
};

/** Maps one app's config to component args (the managed identity is filled in by the program). */
export function toAppWorkloadArgs<T>(app: ApplicationConfig, platform: PlatformFacts<T>, managed?: AppWorkloadArgs["identity"]): AppWorkloadArgs {
    const identity: AppWorkloadArgs["identity"] =
        app.identity.mode === "addon"
            ? { mode: "addon", clientId: platform.addonClientId as unknown as string }
            : app.identity.mode === "servicePrincipal"
              ? { mode: "servicePrincipal", nodePublishSecretRef: app.identity.nodePublishSecretRef }
              : app.identity.clientId
                ? { mode: "workloadIdentity", clientId: app.identity.clientId }
                : managed ?? { mode: "workloadIdentity", clientId: "00000000-0000-0000-0000-000000000000" };
    return {
        namespace: app.namespace,
        createNamespace: app.createNamespace,
        serviceAccountName: app.serviceAccountName,
        keyVault: { name: platform.keyVaultName as unknown as string, tenantId: platform.tenantId as unknown as string },
        identity,
        objects: app.objects as AppWorkloadArgs["objects"],
        syncedSecrets: app.syncedSecrets as AppWorkloadArgs["syncedSecrets"],
        env: app.env,
        mountPath: app.mountPath,
        cloudName: app.cloudName as AppWorkloadArgs["cloudName"],
        restartOnSecretChange: app.restartOnSecretChange,
        deployment: app.deployment,
    };
}

/** Parses and checks raw config values (as read from the stack); throws StackConfigError listing every problem. */
export function parseStackConfig(raw: Record<string, unknown>): StackConfig {
    const parsed = stackConfigSchema.safeParse(raw);
    if (!parsed.success) {
        throw new StackConfigError(schemaProblems(parsed.error));
    }
    const problems = crossKeyProblems(parsed.data);
    if (problems.length > 0) {
        throw new StackConfigError(problems);
    }
    return parsed.data;
}

/** Top-level config keys, for reading them from Pulumi config. */
export const CONFIG_KEYS = Object.keys(stackConfigSchema.shape) as Array<keyof StackConfig>;

/** Role assignments this configuration creates: addon identity, admin group, and each app's own identity. */
export function plannedRoleAssignmentCount(config: StackConfig, platform: { hasVaultId: boolean; hasAddonIdentity: boolean }): number {
    if (!platform.hasVaultId) {
        return 0;
    }
    const scope = config.access.scope;
    const readObjects = (apps: ApplicationConfig[]) => apps.flatMap((app) => app.objects.map((o) => ({ objectName: o.objectName, objectType: o.objectType as KeyVaultObjectType })));
    const addonApps = config.applications.filter((app) => app.identity.mode === "addon");
    const ownIdentityApps = config.applications.filter((app) => app.identity.mode === "workloadIdentity" && !app.identity.clientId);
    return (
        (addonApps.length > 0 && platform.hasAddonIdentity ? planAssignments(readObjects(addonApps), scope).length : 0) +
        (config.access.adminGroup ? 1 : 0) +
        ownIdentityApps.reduce((total, app) => total + planAssignments(readObjects([app]), scope).length, 0)
    );
}

/** A warning when the configuration uses most of (or more than) the subscription's role-assignment limit. */
export function roleAssignmentWarning(planned: number, limit: number): string | undefined {
    if (planned < limit * 0.8) {
        return undefined;
    }
    return (
        `This configuration creates ${planned} Key Vault role assignments, ${planned >= limit ? "more than" : "close to"} Azure's limit of ${limit} per subscription ` +
        `(shared with every other assignment there). Use access.scope: vault (one assignment per identity) or the addon identity for more apps, ` +
        `or set access.roleAssignmentLimit if your subscription's limit differs.`
    );
}
