import { z } from "zod";
import {
    AZURE_CLOUD_NAMES,
    KEY_VAULT_OBJECT_ENCODINGS,
    KEY_VAULT_OBJECT_FORMATS,
    KEY_VAULT_OBJECT_TYPES,
} from "../components/secret-provider-class/types";
import { DEFAULT_SYNC_MECHANISM, SYNCED_SECRET_TYPES, SYNC_MECHANISMS } from "../components/secret-provider-class/types";
import { DEFAULT_ROTATION_POLL_INTERVAL } from "../components/cluster/addon";
import { DEFAULT_WORKLOAD_IDENTITY } from "../components/cluster/component";
import { DEFAULT_PUBLIC_NETWORK_ACCESS, DEFAULT_PURGE_PROTECTION, DEFAULT_SKU_NAME, DEFAULT_SOFT_DELETE_RETENTION_DAYS } from "../components/key-vault/component";
import { DEFAULT_FIREWALL_BYPASS } from "../components/key-vault/network";
import { ACCESS_SCOPES, ADMIN_GROUP_ROLES, DEFAULT_ACCESS_SCOPE, DEFAULT_ADMIN_GROUP_ROLE } from "../components/key-vault-access/roles";
import { isGuid } from "../components/shared/validation";
import { isProviderVersion } from "../components/secret-provider-class/provider-version";

/**
 * The schema of the stack config: every key of the project namespace, documented in the README's configuration
 * reference. Each object and list carries a one-line `example` (zod metadata) that wrong-shape messages quote.
 */

/** Azure's limit of role assignments per subscription (all assignments, not only this program's). */
export const AZURE_ROLE_ASSIGNMENT_LIMIT = 4000;

function example<T extends z.ZodType>(schema: T, text: string): T {
    return schema.meta({ example: text });
}

const guid = example(z.string().refine(isGuid, { message: "must be a GUID (8-4-4-4-12 hex digits)" }), "6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f");

const rotation = example(z.strictObject({ enabled: z.boolean(), pollInterval: z.string().default(DEFAULT_ROTATION_POLL_INTERVAL) }), "{ enabled: true, pollInterval: 2m }");

const azure = example(
    z.strictObject({ location: z.string().min(1), resourceGroupName: z.string().min(1), tenantId: guid.optional() }),
    "{ location: westeurope, resourceGroupName: rg-platform-dev }",
);

/** A resource that already exists in Azure, read by name (resource group defaults to `azure.resourceGroupName`). */
const existingAzureResource = z.strictObject({
    mode: z.literal("existing"),
    name: z.string(),
    resourceGroupName: z.string().optional(),
});

/**
 * The Azure Key Vault provider the cluster's pods mount through, when it is not the one the AKS addon ships today
 * (`AKS_ADDON_PROVIDER`): on a created or read cluster (the addon is always on there), what its addon runs; on an
 * external one, also a provider installed with its Helm chart. Absent: the addon's. The program cannot read it.
 */
const keyVaultProvider = example(
    z.strictObject({ version: example(z.string().refine(isProviderVersion, { message: "must be a provider release (major.minor.patch)" }), "1.8.2") }),
    "{ version: 1.8.2 }",
);

const cluster = example(
    z.discriminatedUnion("mode", [
        z.strictObject({
            mode: z.literal("create"),
            name: z.string(),
            kubernetesVersion: z.string().optional(),
            systemNodePool: example(
                z.strictObject({
                    vmSize: z.string(),
                    count: z.number().int(),
                    availabilityZones: example(z.array(z.string()), '["1", "2", "3"]').optional(),
                    vnetSubnetId: z.string().optional(),
                }),
                "{ vmSize: Standard_D4ds_v5, count: 3 }",
            ),
            secretRotation: rotation,
            workloadIdentity: z.boolean().default(DEFAULT_WORKLOAD_IDENTITY),
            adoptResourceId: z.string().optional(),
            protect: z.boolean().default(false),
            keyVaultProvider: keyVaultProvider.optional(),
        }),
        existingAzureResource.extend({ keyVaultProvider: keyVaultProvider.optional() }),
        z.strictObject({
            mode: z.literal("external"),
            addonIdentityClientId: guid.optional(),
            oidcIssuerUrl: z.url().optional(),
            keyVaultProvider: keyVaultProvider.optional(),
        }),
    ]),
    "{ mode: external, addonIdentityClientId: <guid> }",
);

// The shapes of IDs, CIDRs and the cluster's reach are the KeyVault component's checks (one home), reported at these keys.
const createdPrivateEndpoint = example(
    z.strictObject({
        mode: z.literal("create"),
        subnetId: z.string(),
        privateDnsZoneId: z.string().optional(),
        linkVirtualNetworkIds: example(z.array(z.string()), "[/subscriptions/<id>/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-aks]").optional(),
        resourceGroupName: z.string().optional(),
        location: z.string().optional(),
    }),
    "{ mode: create, subnetId: /subscriptions/<id>/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-aks/subnets/snet-private-endpoints }",
);

const privateEndpoint = example(
    z.discriminatedUnion("mode", [createdPrivateEndpoint, z.strictObject({ mode: z.literal("external"), id: z.string() })]),
    "{ mode: create, subnetId: /subscriptions/<id>/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-aks/subnets/snet-private-endpoints }",
);

const networkAcls = example(
    z.strictObject({
        defaultAction: z.enum(["Allow", "Deny"]),
        bypass: z.enum(["AzureServices", "None"]).default(DEFAULT_FIREWALL_BYPASS),
        virtualNetworkSubnetIds: example(z.array(z.string()), "[/subscriptions/<id>/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-aks/subnets/snet-aks-nodes]").optional(),
        ipRules: example(z.array(z.string()), '["203.0.113.7"]').optional(),
    }),
    "{ defaultAction: Deny, virtualNetworkSubnetIds: [<node subnet ID>] }",
);

const keyVault = example(
    z.discriminatedUnion("mode", [
        z.strictObject({
            mode: z.literal("create"),
            name: z.string(),
            publicNetworkAccess: z.enum(["Enabled", "Disabled"]).default(DEFAULT_PUBLIC_NETWORK_ACCESS),
            networkAcls: networkAcls.optional(),
            privateEndpoint: privateEndpoint.optional(),
            enablePurgeProtection: z.boolean().default(DEFAULT_PURGE_PROTECTION),
            softDeleteRetentionInDays: z.number().int().default(DEFAULT_SOFT_DELETE_RETENTION_DAYS),
            skuName: z.enum(["standard", "premium"]).default(DEFAULT_SKU_NAME),
            protect: z.boolean().default(false),
        }),
        z.strictObject({
            mode: z.literal("existing"),
            name: z.string(),
            resourceGroupName: z.string().optional(),
            privateEndpoint: createdPrivateEndpoint.optional(),
        }),
        z.strictObject({
            mode: z.literal("external"),
            name: z.string(),
            tenantId: guid,
            id: z.string().optional(),
        }),
    ]),
    "{ mode: external, name: kv-platform-dev, tenantId: <guid> }",
);

const objectType = z.enum(KEY_VAULT_OBJECT_TYPES);

/** An object some identity reads, as far as roles are concerned. */
const readObject = example(z.strictObject({ objectName: z.string(), objectType }), "{ objectName: db-password, objectType: secret }");

const access = example(
    z.strictObject({
        scope: z.enum(ACCESS_SCOPES).default(DEFAULT_ACCESS_SCOPE),
        roleAssignmentLimit: z.number().int().positive().default(AZURE_ROLE_ASSIGNMENT_LIMIT),
        adminGroup: example(
            z.strictObject({
                displayName: z.string().optional(),
                objectId: z.string().optional(),
                role: z.enum(ADMIN_GROUP_ROLES).default(DEFAULT_ADMIN_GROUP_ROLE),
            }),
            "{ displayName: platform-keyvault-admins, role: secretsOfficer }",
        ).optional(),
        addonIdentityObjects: example(z.array(readObject), "[{ objectName: orders-db-password, objectType: secret }]").default([]),
    }),
    "{ scope: vault }",
);

const keyVaultObject = example(
    z.strictObject({
        objectName: z.string(),
        objectType,
        objectAlias: z.string().optional(),
        objectVersion: z.string().optional(),
        // Its bounds and truncation are the SecretProviderClass validator's rule (one home), reported at this key.
        objectVersionHistory: z.number().optional(),
        objectFormat: z.enum(KEY_VAULT_OBJECT_FORMATS).optional(),
        objectEncoding: z.enum(KEY_VAULT_OBJECT_ENCODINGS).optional(),
        filePermission: z.string().optional(),
    }),
    "{ objectName: db-password, objectType: secret }",
);

const stringMap = (text: string) => example(z.record(z.string(), z.string()), text);

const syncedSecret = example(
    z.strictObject({
        secretName: z.string(),
        type: z.enum(SYNCED_SECRET_TYPES),
        data: example(z.array(example(z.strictObject({ key: z.string(), objectName: z.string() }), "{ key: db-password, objectName: db-password }")), "[{ key: db-password, objectName: db-password }]"),
        labels: stringMap("{ team: orders }").optional(),
        annotations: stringMap("{ owner: orders-team }").optional(),
    }),
    "{ secretName: orders-keyvault, type: Opaque, data: [{ key: db-password, objectName: db-password }] }",
);

const identity = example(
    z.discriminatedUnion("mode", [
        z.strictObject({ mode: z.literal("addon") }),
        z.strictObject({ mode: z.literal("workloadIdentity"), clientId: guid.optional() }),
        z.strictObject({ mode: z.literal("identityBinding"), clientId: guid.optional() }),
        z.strictObject({ mode: z.literal("servicePrincipal"), nodePublishSecretRef: z.string() }),
    ]),
    "{ mode: addon }",
);

const secretEnv = example(z.strictObject({ name: z.string(), secretName: z.string(), key: z.string() }), "{ name: DB_PASSWORD, secretName: orders-keyvault, key: db-password }");

const deployment = example(
    z.strictObject({
        image: z.string(),
        replicas: z.number().int().optional(),
        containerName: z.string().optional(),
        ports: example(z.array(z.number().int()), "[8080]").optional(),
        command: example(z.array(z.string()), '["/app/server"]').optional(),
        args: example(z.array(z.string()), '["--port", "8080"]').optional(),
        env: stringMap("{ LOG_LEVEL: info }").optional(),
        skipAwait: z.boolean().optional(),
    }),
    "{ image: ghcr.io/acme/orders-api:1.4.2, replicas: 2 }",
);

const application = example(
    z.strictObject({
        name: z.string(),
        namespace: z.string(),
        createNamespace: z.boolean().default(false),
        serviceAccountName: z.string().optional(),
        identity,
        objects: example(z.array(keyVaultObject), "[{ objectName: db-password, objectType: secret }]"),
        syncedSecrets: example(z.array(syncedSecret), "[{ secretName: orders-keyvault, type: Opaque, data: [{ key: db-password, objectName: db-password }] }]").default([]),
        syncMechanism: z.enum(SYNC_MECHANISMS).default(DEFAULT_SYNC_MECHANISM),
        mountFiles: z.boolean().optional(),
        env: example(z.array(secretEnv), "[{ name: DB_PASSWORD, secretName: orders-keyvault, key: db-password }]").default([]),
        mountPath: z.string().optional(),
        cloudName: z.enum(AZURE_CLOUD_NAMES).optional(),
        restartOnSecretChange: z.boolean().default(false),
        deployment: deployment.optional(),
    }),
    "{ name: orders-api, namespace: orders, identity: { mode: addon }, objects: [...] }",
);

/** Schema of every config key, by key name. `cluster` and `keyVault` are required unless `platformStack` is set. */
export const stackConfigSchema = z.strictObject({
    azure: azure.optional(),
    cluster: cluster.optional(),
    keyVault: keyVault.optional(),
    access: access.default({ scope: DEFAULT_ACCESS_SCOPE, roleAssignmentLimit: AZURE_ROLE_ASSIGNMENT_LIMIT, addonIdentityObjects: [] }),
    platformStack: example(z.string().regex(/^[^/\s]+\/[^/\s]+\/[^/\s]+$/, { message: "must be <organization>/<project>/<stack>" }), "organization/aks-keyvault-secrets/dev").optional(),
    akv2k8sSecrets: example(z.array(z.string().regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/, { message: "must be namespace/name" })), "[orders/orders-api-secrets]").default([]),
    applications: example(z.array(application), "[{ name: orders-api, namespace: orders, identity: { mode: addon }, objects: [...] }]").default([]),
});

export type StackConfig = z.infer<typeof stackConfigSchema>;
export type ApplicationConfig = z.infer<typeof application>;
export type TopLevelKey = keyof StackConfig;

/** Top-level config keys. */
export const CONFIG_KEYS = Object.keys(stackConfigSchema.shape) as TopLevelKey[];

/** The schema of one application, for tools that produce app configs (the migration tests). */
export const applicationSchema = application;
