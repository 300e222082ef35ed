import { z } from "zod";
import {
    AZURE_CLOUD_NAMES,
    KEY_VAULT_OBJECT_ENCODINGS,
    KEY_VAULT_OBJECT_FORMATS,
    KEY_VAULT_OBJECT_TYPES,
} from "../components/secret-provider-class/types";
import { DEFAULT_SYNC_MECHANISM, SYNCED_SECRET_TYPES, SYNC_MECHANISMS } from "../components/secret-provider-class/types";
import { DEFAULT_ROTATION_POLL_INTERVAL, MIN_ROTATION_POLL_SECONDS } from "../components/cluster/addon";
import { DEFAULT_WORKLOAD_IDENTITY } from "../components/cluster/component";
import {
    DEFAULT_PUBLIC_NETWORK_ACCESS,
    DEFAULT_PURGE_PROTECTION,
    DEFAULT_SKU_NAME,
    DEFAULT_SOFT_DELETE_RETENTION_DAYS,
    SOFT_DELETE_RETENTION_DAYS,
} from "../components/key-vault/component";
import { DEFAULT_FIREWALL_BYPASS } from "../components/key-vault/network";
import { DEFAULT_EXPIRY_WARNING_DAYS, METADATA_READER_ROLE } from "../components/key-vault/content-checks";
import { ACCESS_SCOPES, ADMIN_GROUP_ROLES, DEFAULT_ACCESS_SCOPE, DEFAULT_ADMIN_GROUP_ROLE } from "../components/key-vault-access/roles";
import { isGuid } from "../components/shared/validation";
import {
    AKS_ADDON_PROVIDER,
    IDENTITY_BINDING_PROVIDER_VERSION,
    isProviderVersion,
} from "../components/secret-provider-class/provider-version";
import { DEFAULT_MOUNT_PATH } from "../components/workload/pod";
import { DEFAULT_REPLICAS } from "../components/workload/types";
import { identityCheckKeys } from "./identity-check-keys";
import { DEFAULT_EVALUATION_INTERVAL } from "../components/alerts/component";
import { DEFAULT_ALERT_SETTINGS } from "../components/alerts/rules";

/**
 * The schema of the stack config: every key of the project namespace, with what it means (`describe`), from which
 * docs/configuration.md is generated (program/config-reference.ts). Each object and list carries a one-line
 * `example` (zod metadata) that wrong-shape messages quote.
 */

/** Azure's limit of role assignments per subscription (all assignments, not only this program's). */
export const AZURE_ROLE_ASSIGNMENT_LIMIT = 4000;

function example<T extends z.ZodType>(schema: T, text: string): T {
    return schema.meta({ example: text });
}

const guid = example(
    z.string().refine(isGuid, { error: "must be a GUID (8-4-4-4-12 hex digits)" }),
    "6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
);

const rotation = example(
    z.strictObject({
        enabled: z
            .boolean()
            .describe(
                'Re-fetch mounted objects while pods run: the addon config `enableSecretRotation: "true"/"false"`. Env vars from synced Secrets still change only when pods restart.',
            ),
        pollInterval: z
            .string()
            .default(DEFAULT_ROTATION_POLL_INTERVAL)
            .describe(
                `Go duration between re-fetches, at least \`${MIN_ROTATION_POLL_SECONDS}s\`: the addon config \`rotationPollInterval\`. Every pod's volume re-reads all its objects at each poll; the preview warns when this stack's pods would use more than half of Key Vault's request limit.`,
            ),
    }),
    "{ enabled: true, pollInterval: 2m }",
).describe("Secret rotation of the addon.");

const azure = example(
    z.strictObject({
        location: z.string().min(1).describe("Region of created resources."),
        resourceGroupName: z.string().min(1).describe("Existing resource group of the cluster, vault and app identities."),
        tenantId: guid.optional().describe("Tenant of a created vault; default: the tenant of the deploying identity."),
        ...identityCheckKeys,
    }),
    "{ location: westeurope, resourceGroupName: rg-platform-dev }",
).describe(
    "Where Azure resources are created or read; needed when `cluster` or `keyVault` is in mode `create` or `existing`, or an app creates its identity.",
);

/** A resource that already exists in Azure, read by name (resource group defaults to `azure.resourceGroupName`). */
const existingAzureResource = z.strictObject({
    mode: z.literal("existing"),
    name: z.string().describe("Name of the existing resource."),
    resourceGroupName: z.string().optional().describe("Its resource group; default: `azure.resourceGroupName`."),
});

/**
 * The Azure Key Vault provider the cluster's pods mount through, when it is not the one the AKS addon ships today
 * (`AKS_ADDON_PROVIDER`): on a created or read cluster (the addon is always on there), what its addon runs; on an
 * external one, also a provider installed with its Helm chart. Absent: the addon's. The program cannot read it.
 */
const keyVaultProvider = example(
    z.strictObject({
        version: example(
            z.string().refine(isProviderVersion, { error: "must be a provider release (major.minor.patch)" }),
            "1.8.2",
        ).describe("The provider's release, `major.minor.patch` (a leading `v` allowed)."),
    }),
    "{ version: 1.8.2 }",
).describe(
    `The Azure Key Vault provider the cluster's pods mount through, when it is not the one the AKS addon ships (v${AKS_ADDON_PROVIDER.version}). The program cannot read it: it is a statement the stack makes, and it decides which identity modes the preview accepts (\`identityBinding\` needs v${IDENTITY_BINDING_PROVIDER_VERSION} or later). In an app stack the platform stack's applies.`,
);

const cluster = example(
    z.discriminatedUnion("mode", [
        z.strictObject({
            mode: z.literal("create").describe("A new cluster with the addon, or one adopted with `adoptResourceId`."),
            name: z.string().describe("AKS cluster name."),
            kubernetesVersion: z.string().optional().describe("Kubernetes version; default: AKS's."),
            systemNodePool: example(
                z.strictObject({
                    vmSize: z.string().describe("VM size of the nodes."),
                    count: z.number().int().describe("Number of nodes, 1 to 1000."),
                    availabilityZones: example(z.array(z.string()), '["1", "2", "3"]')
                        .optional()
                        .describe("Availability zones of the nodes."),
                    vnetSubnetId: z
                        .string()
                        .optional()
                        .describe(
                            "ARM ID of a subnet of your VNet for the nodes; default: an AKS-managed VNet. A private vault needs it: an endpoint and DNS link in a VNet you can name, and the node subnet the vault's firewall check matches rules against. The cluster's identity then needs Network Contributor on the subnet, which the program does not grant.",
                        ),
                }),
                "{ vmSize: Standard_D4ds_v5, count: 3 }",
            ).describe("The system node pool."),
            secretRotation: rotation,
            workloadIdentity: z
                .boolean()
                .default(DEFAULT_WORKLOAD_IDENTITY)
                .describe(
                    "Turn on the OIDC issuer and workload identity; with `false`, apps in identity mode `workloadIdentity` or `identityBinding` fail the preview.",
                ),
            adoptResourceId: z
                .string()
                .optional()
                .describe("Resource ID of an existing cluster to import on the first `pulumi up` (docs/adopting-a-cluster.md)."),
            protect: z.boolean().default(false).describe("Pulumi's `protect` on the cluster: `pulumi destroy` refuses to delete it."),
            keyVaultProvider: keyVaultProvider.optional(),
        }),
        existingAzureResource.extend({
            mode: existingAzureResource.shape.mode.describe(
                "Read only. The preview fails, with the `az` command that fixes it, when the addon is off, when an app needs workload identity and it is off, and for identity-binding apps when the cluster has API server VNet integration.",
            ),
            keyVaultProvider: keyVaultProvider.optional(),
        }),
        z.strictObject({
            mode: z
                .literal("external")
                .describe(
                    "No Azure call at all: Kubernetes objects go through the ambient kubeconfig, served by Pulumi's default Kubernetes provider.",
                ),
            addonIdentityClientId: guid.optional().describe("Client ID of the addon identity; needed by apps in identity mode `addon`."),
            oidcIssuerUrl: z
                .url()
                .optional()
                .describe("The cluster's OIDC issuer; needed by apps that create their own workload identity."),
            keyVaultProvider: keyVaultProvider.optional(),
        }),
    ]),
    "{ mode: external, addonIdentityClientId: <guid> }",
).describe("The AKS cluster: created, read, or external (required unless `platformStack` is set).");

// The shapes of IDs, CIDRs and the cluster's reach are the KeyVault component's checks (one home), reported at these keys.
const createdPrivateEndpoint = example(
    z.strictObject({
        mode: z
            .literal("create")
            .describe(
                "A private endpoint (group `vault`) in the subnet, registered in the `privatelink.vaultcore.azure.net` zone through a DNS zone group.",
            ),
        subnetId: z.string().describe("ARM ID of the subnet of the endpoint."),
        privateDnsZoneId: z.string().optional().describe("ARM ID of an existing private DNS zone; default: the program creates the zone."),
        linkVirtualNetworkIds: example(
            z.array(z.string()),
            "[/subscriptions/<id>/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-aks]",
        )
            .optional()
            .describe(
                "VNets to link the zone to: the cluster's. Default: the subnet's VNet when the program creates the zone, none with an existing zone (its owner links it).",
            ),
        resourceGroupName: z.string().optional().describe("Resource group of the endpoint and a created zone; default: the vault's."),
        location: z.string().optional().describe("Region of the endpoint (the VNet's); default: the vault's."),
    }),
    "{ mode: create, subnetId: /subscriptions/<id>/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-aks/subnets/snet-private-endpoints }",
);

const privateEndpoint = example(
    z.discriminatedUnion("mode", [
        createdPrivateEndpoint,
        z.strictObject({
            mode: z
                .literal("external")
                .describe(
                    "A private endpoint managed elsewhere (e.g. by the network team's stack): the preview counts it as the cluster's way in.",
                ),
            id: z.string().describe("ARM ID of the private endpoint."),
        }),
    ]),
    "{ mode: create, subnetId: /subscriptions/<id>/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-aks/subnets/snet-private-endpoints }",
).describe("A private endpoint to the vault (docs/private-vaults.md).");

const networkAcls = example(
    z.strictObject({
        defaultAction: z.enum(["Allow", "Deny"]).describe("What happens to traffic no rule matches: `Deny` turns the firewall on."),
        bypass: z
            .enum(["AzureServices", "None"])
            .default(DEFAULT_FIREWALL_BYPASS)
            .describe(
                "Whether Azure's trusted services skip the firewall. AKS pods are not one of them, so `AzureServices` never lets them through.",
            ),
        virtualNetworkSubnetIds: example(
            z.array(z.string()),
            "[/subscriptions/<id>/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-aks/subnets/snet-aks-nodes]",
        )
            .optional()
            .describe("The node subnet(s), each with the `Microsoft.KeyVault` service endpoint."),
        ipRules: example(z.array(z.string()), '["203.0.113.7"]')
            .optional()
            .describe("IPv4 addresses or CIDR ranges: the cluster's egress IPs."),
    }),
    "{ defaultAction: Deny, virtualNetworkSubnetIds: [<node subnet ID>] }",
).describe("The vault's firewall. Azure ignores it while `publicNetworkAccess` is `Disabled`.");

/** The preview's vault check, in every vault mode (program/vault-check.ts). */
const vaultContentCheck = {
    checkContents: z
        .boolean()
        .default(true)
        .describe(
            `Read the vault's metadata (never a value) at preview and fail when an app's object is missing (naming the closest names the vault holds), of a kind its \`objectType\` cannot read, disabled, or of an \`objectVersion\` the vault lacks. The identity that runs the preview needs ${METADATA_READER_ROLE} on the vault; without it, or without a route to the vault, the preview warns and goes on. A vault this stack creates is read from its second preview on.`,
        ),
    expiryWarningDays: z
        .number()
        .int()
        .positive()
        .default(DEFAULT_EXPIRY_WARNING_DAYS)
        .describe("The vault check warns about objects that expire within this many days."),
};

const keyVault = example(
    z.discriminatedUnion("mode", [
        z.strictObject({
            mode: z
                .literal("create")
                .describe(
                    "A new vault: RBAC authorization, soft delete on. The preview fails when the cluster could not reach it: `publicNetworkAccess: Disabled` without a `privateEndpoint`, or `networkAcls.defaultAction: Deny` with no subnet, IP rule or private endpoint.",
                ),
            name: z.string().describe("Vault name: 3-24 letters, digits and single hyphens, globally unique."),
            publicNetworkAccess: z
                .enum(["Enabled", "Disabled"])
                .default(DEFAULT_PUBLIC_NETWORK_ACCESS)
                .describe("`Disabled` needs a private endpoint."),
            networkAcls: networkAcls.optional(),
            privateEndpoint: privateEndpoint.optional(),
            enablePurgeProtection: z
                .boolean()
                .default(DEFAULT_PURGE_PROTECTION)
                .describe("Purge protection; `false` leaves it unset (Azure cannot turn it off once on)."),
            softDeleteRetentionInDays: z
                .number()
                .int()
                .default(DEFAULT_SOFT_DELETE_RETENTION_DAYS)
                .describe(`Soft-delete retention, ${SOFT_DELETE_RETENTION_DAYS.min} to ${SOFT_DELETE_RETENTION_DAYS.max} days.`),
            skuName: z.enum(["standard", "premium"]).default(DEFAULT_SKU_NAME).describe("The vault's SKU."),
            protect: z.boolean().default(false).describe("Pulumi's `protect` on the vault: `pulumi destroy` refuses to delete it."),
            ...vaultContentCheck,
        }),
        z.strictObject({
            mode: z
                .literal("existing")
                .describe(
                    "Read only. The preview fails with the `az` command that fixes it when the vault still uses access policies, or when the cluster cannot reach it; a Deny firewall whose subnet rules match none of the cluster's known node subnets is a warning.",
                ),
            name: z.string().describe("Vault name."),
            resourceGroupName: z.string().optional().describe("Its resource group; default: `azure.resourceGroupName`."),
            privateEndpoint: createdPrivateEndpoint
                .optional()
                .describe(
                    "A private endpoint this stack creates to the vault (mode `create` only; the vault's own connections are read from Azure).",
                ),
            ...vaultContentCheck,
        }),
        z.strictObject({
            mode: z
                .literal("external")
                .describe("No call to Azure's management plane, so no network check (the vault check reads its data plane)."),
            name: z.string().describe("Vault name."),
            tenantId: guid.describe("Tenant of the vault."),
            id: z.string().optional().describe("Resource ID of the vault; needed only by apps that create their own identity."),
            ...vaultContentCheck,
        }),
    ]),
    "{ mode: external, name: kv-platform-dev, tenantId: <guid> }",
).describe("The Key Vault: created, read, or external (required unless `platformStack` is set).");

const objectType = z.enum(KEY_VAULT_OBJECT_TYPES);

/** An object some identity reads, as far as roles are concerned. */
const readObject = example(
    z.strictObject({
        objectName: z.string().describe("Name of the object in the vault."),
        objectType: objectType.describe("What the object is; it picks the role."),
    }),
    "{ objectName: db-password, objectType: secret }",
);

const access = example(
    z.strictObject({
        scope: z
            .enum(ACCESS_SCOPES)
            .default(DEFAULT_ACCESS_SCOPE)
            .describe(
                "`vault`: one role per principal on the vault. `object`: one assignment per object on `<vault>/secrets/<name>`, `/certificates/<name>`, `/keys/<name>`.",
            ),
        roleAssignmentLimit: z
            .number()
            .int()
            .positive()
            .default(AZURE_ROLE_ASSIGNMENT_LIMIT)
            .describe(
                "Azure's role-assignment limit for the subscription; the preview warns when this configuration's Key Vault assignments reach 80% of it (the limit is shared with every other assignment there).",
            ),
        adminGroup: example(
            z.strictObject({
                displayName: z
                    .string()
                    .optional()
                    .describe("Display name of the Entra group, looked up at preview (exactly one of `displayName` and `objectId`)."),
                objectId: z.string().optional().describe("Object ID of the group."),
                role: z.enum(ADMIN_GROUP_ROLES).default(DEFAULT_ADMIN_GROUP_ROLE).describe("The group's role on the vault."),
            }),
            "{ displayName: platform-keyvault-admins, role: secretsOfficer }",
        )
            .optional()
            .describe("An Entra group that manages the vault's content. Not in an app stack (the platform stack grants it)."),
        addonIdentityObjects: example(z.array(readObject), "[{ objectName: orders-db-password, objectType: secret }]")
            .default([])
            .describe(
                "Objects the addon identity may read for addon-mode apps of app stacks, on top of this stack's own addon-mode apps (docs/split-stacks.md). Not in an app stack.",
            ),
    }),
    "{ scope: vault }",
).describe(
    "Key Vault roles. Identities get the least-privileged reader: Key Vault Secrets User when only `secret` objects are read, Key Vault Certificate User when any `cert` or `key` object is. Officer and Administrator roles are refused for service principals.",
);

const keyVaultObject = example(
    z.strictObject({
        objectName: z.string().describe("Name of the object in the vault."),
        objectType: objectType.describe(
            "What to fetch: `secret` (a value; for a certificate, its key and chain), `key` (the public key), `cert` (the certificate).",
        ),
        objectAlias: z
            .string()
            .optional()
            .describe("File name in the mount; default: `objectName`. Synced Secrets read the file by this name."),
        objectVersion: z.string().optional().describe("A version of the object; default: the latest."),
        // Its bounds and truncation are the SecretProviderClass validator's rule (one home), reported at this key.
        objectVersionHistory: z
            .number()
            .optional()
            .describe(
                "N from 2 to 100: files `<alias>/0` (the newest version, or `objectVersion`) to `<alias>/N`; 0 or 1: the single file `<alias>`.",
            ),
        objectFormat: z.enum(KEY_VAULT_OBJECT_FORMATS).optional().describe("Format of a certificate's secret; secrets only."),
        objectEncoding: z
            .enum(KEY_VAULT_OBJECT_ENCODINGS)
            .optional()
            .describe("Decoding of the secret's value before it is written; secrets only."),
        filePermission: z.string().optional().describe('Quoted octal file mode, e.g. `"0440"`.'),
    }),
    "{ objectName: db-password, objectType: secret }",
);

const stringMap = (text: string) => example(z.record(z.string(), z.string()), text);

const objectSelection = example(
    z.strictObject({
        objectType: objectType.describe("The collection to select from, as the objectType that reads it."),
        namePrefix: z.string().optional().describe("Names that start with this, in any case."),
        namePattern: z
            .string()
            .optional()
            .describe("A regular expression (JavaScript) the whole name matches, in any case, e.g. `orders-.*`."),
        tags: stringMap("{ app: orders }").optional().describe("Tags every selected object carries, with these exact values."),
    }),
    "{ objectType: secret, namePrefix: orders- }",
);

const syncedSecret = example(
    z.strictObject({
        secretName: z.string().describe("Name of the Kubernetes Secret."),
        type: z
            .enum(SYNCED_SECRET_TYPES)
            .describe(
                "Secret type: `kubernetes.io/tls` takes exactly `tls.crt` and `tls.key`, `kubernetes.io/dockerconfigjson` `.dockerconfigjson`.",
            ),
        data: example(
            z.array(
                example(
                    z.strictObject({
                        key: z.string().describe("Key in the Secret."),
                        objectName: z.string().describe("The file it is read from: the object's alias when it has one."),
                    }),
                    "{ key: db-password, objectName: db-password }",
                ),
            ),
            "[{ key: db-password, objectName: db-password }]",
        ).describe("The Secret's keys and the mounted files they hold."),
        labels: stringMap("{ team: orders }").optional().describe("Labels of the Secret."),
        annotations: stringMap("{ owner: orders-team }").optional().describe("Annotations of the Secret."),
    }),
    "{ secretName: orders-keyvault, type: Opaque, data: [{ key: db-password, objectName: db-password }] }",
);

const additionalVault = example(
    z.strictObject({
        name: z
            .string()
            .describe("The vault's name: its class is `<app>-<name>` (lower-case), its files are in `<mountPath>/<name>` by default."),
        tenantId: guid.optional().describe("Tenant of the vault; default: the stack's vault's."),
        id: z
            .string()
            .optional()
            .describe(
                "Resource ID of the vault: roles are granted on it to the app's identity (an identity the app creates, or the addon identity in a stack that reads it from AKS). Without it, grant them yourself (docs/several-vaults.md).",
            ),
        objects: example(z.array(keyVaultObject), "[{ objectName: smtp-password, objectType: secret }]").describe(
            "Objects of this vault mounted as files, with the provider's own fields; may be empty (`[]`) when `selectObjects` selects them.",
        ),
        selectObjects: example(z.array(objectSelection), "[{ objectType: secret, namePrefix: orders- }]")
            .optional()
            .describe("Objects of this vault chosen by pattern, as the app's own `selectObjects` choose them from the stack's vault."),
        syncedSecrets: example(
            z.array(syncedSecret),
            "[{ secretName: orders-smtp, type: Opaque, data: [{ key: password, objectName: smtp-password }] }]",
        )
            .default([])
            .describe(
                "Kubernetes Secrets synced from this vault's files; `env` may read them. A Secret's name is unique across the app's vaults.",
            ),
        mountPath: z
            .string()
            .optional()
            .describe("Where its files appear; default `<mountPath>/<name>`. Not inside another vault's folder, nor around one."),
    }),
    "{ name: kv-shared-dev, id: /subscriptions/.../vaults/kv-shared-dev, objects: [...] }",
);

const identity = example(
    z.discriminatedUnion("mode", [
        z.strictObject({
            mode: z
                .literal("addon")
                .describe(
                    "The cluster's addon identity. The Azure provider plans to deprecate this mode in favour of workload identity; the preview warns once per stack while apps use it.",
                ),
        }),
        z.strictObject({
            mode: z.literal("workloadIdentity").describe("A federated identity for the app's ServiceAccount (docs/workload-identity.md)."),
            clientId: guid
                .optional()
                .describe(
                    "Client ID of an existing identity; without it the program creates one, its federated credential and its least-privilege roles.",
                ),
        }),
        z.strictObject({
            mode: z
                .literal("identityBinding")
                .describe(
                    `AKS identity binding (AKS preview); needs the Azure provider v${IDENTITY_BINDING_PROVIDER_VERSION} or later, declared with \`cluster.keyVaultProvider.version\`, or the preview fails.`,
                ),
            clientId: guid
                .optional()
                .describe(
                    "Client ID of an identity already bound to the cluster; without it the program creates the identity, its roles and its binding (cluster mode `create` or `existing`, not in an app stack).",
                ),
        }),
        z.strictObject({
            mode: z
                .literal("servicePrincipal")
                .describe("Credentials in a Kubernetes Secret passed as the volume's `nodePublishSecretRef`."),
            nodePublishSecretRef: z.string().describe("Name of the Secret holding `clientid` and `clientsecret`."),
        }),
    ]),
    "{ mode: addon }",
).describe("How the app's pods authenticate to Key Vault.");

const secretEnv = example(
    z.strictObject({
        name: z.string().describe("Variable name."),
        secretName: z.string().describe("One of this app's `syncedSecrets`."),
        key: z.string().describe("A key of that Secret."),
    }),
    "{ name: DB_PASSWORD, secretName: orders-keyvault, key: db-password }",
);

const deployment = example(
    z.strictObject({
        image: z.string().describe("Container image."),
        replicas: z.number().int().optional().describe(`Replicas; default ${DEFAULT_REPLICAS}.`),
        containerName: z.string().optional().describe("Container name (DNS label); default: the app name."),
        ports: example(z.array(z.number().int()), "[8080]").optional().describe("Container ports, 1 to 65535."),
        command: example(z.array(z.string()), '["/app/server"]').optional().describe("Command of the container."),
        args: example(z.array(z.string()), '["--port", "8080"]').optional().describe("Arguments of the container."),
        env: stringMap("{ LOG_LEVEL: info }")
            .optional()
            .describe("Plain env vars (names of letters, digits and `_`); never a secret: it is plain text in the Deployment."),
        skipAwait: z.boolean().optional().describe("Do not wait for the rollout."),
    }),
    "{ image: ghcr.io/acme/orders-api:1.4.2, replicas: 2 }",
).describe("The app's Deployment; without it, only the ServiceAccount and SecretProviderClass are created.");

const application = example(
    z.strictObject({
        name: z
            .string()
            .describe(
                "App name (DNS label), unique in the stack: names the SecretProviderClass, ServiceAccount (default), Deployment and container (default).",
            ),
        namespace: z.string().describe("Namespace of all its objects."),
        createNamespace: z
            .boolean()
            .default(false)
            .describe("Create the namespace; apps sharing a namespace may all say so, it is declared once."),
        adoptExisting: z
            .boolean()
            .default(false)
            .describe(
                "Take over this app's existing Kubernetes objects that no stack made (written by hand or by another tool); the preview refuses them otherwise. Objects another stack owns are never taken over (docs/ownership.md).",
            ),
        serviceAccountName: z
            .string()
            .optional()
            .describe(
                "ServiceAccount of the pods; default: the app name. Not `default`. Apps may share one when they use the same identity; an app that creates its own identity cannot share its ServiceAccount.",
            ),
        identity,
        objects: example(z.array(keyVaultObject), "[{ objectName: db-password, objectType: secret }]").describe(
            "Key Vault objects mounted as files, with the provider's own fields; may be empty (`[]`) when `selectObjects` selects them.",
        ),
        selectObjects: example(z.array(objectSelection), "[{ objectType: secret, namePrefix: orders- }]")
            .optional()
            .describe(
                "Objects chosen by pattern: each entry selects the objects of its type that match all its criteria (at least one of namePrefix, namePattern, tags), each mounted as a file of its own name after `objects`, sorted by name. Expanded against the vault's listing at `pulumi preview`/`up`, so it needs the vault check (`keyVault.checkContents`, not in an app stack); a new matching object reaches the pods at the next `pulumi up` (docs/vault-check.md).",
            ),
        syncedSecrets: example(
            z.array(syncedSecret),
            "[{ secretName: orders-keyvault, type: Opaque, data: [{ key: db-password, objectName: db-password }] }]",
        )
            .default([])
            .describe("Kubernetes Secrets kept in sync from the objects' files, by the mechanism `syncMechanism` names."),
        syncMechanism: z
            .enum(SYNC_MECHANISMS)
            .default(DEFAULT_SYNC_MECHANISM)
            .describe(
                "Who keeps `syncedSecrets`: `secretObjects` the CSI driver, only while a pod mounts the volume; `secretSync` the secrets-store-sync-controller (experimental, not an AKS addon: you install it), one SecretSync per Secret (docs/secret-sync.md).",
            ),
        mountFiles: z
            .boolean()
            .optional()
            .describe(
                "With `secretSync`: `true` also mounts the CSI volume in the pods; default: env vars only. With `secretObjects` the pods always mount it, and `false` is an error.",
            ),
        env: example(z.array(secretEnv), "[{ name: DB_PASSWORD, secretName: orders-keyvault, key: db-password }]")
            .default([])
            .describe("Env vars from synced Secrets."),
        mountPath: z
            .string()
            .optional()
            .describe(
                `Where files appear; default \`${DEFAULT_MOUNT_PATH}\`. Not empty, no \`..\` element. With \`secretSync\` only together with \`mountFiles: true\`.`,
            ),
        additionalVaults: example(z.array(additionalVault), "[{ name: kv-shared-dev, objects: [...] }]")
            .optional()
            .describe(
                "Other vaults the app reads, each with a SecretProviderClass and a CSI volume of its own. With any, every vault's files are in a folder of its own: the stack's vault's at `<mountPath>/<its name>`, each other at `<mountPath>/<name>` (docs/several-vaults.md).",
            ),
        cloudName: z.enum(AZURE_CLOUD_NAMES).optional().describe("Sovereign cloud; default: Azure's public cloud."),
        restartOnSecretChange: z
            .boolean()
            .default(false)
            .describe(
                "Add `secret.reloader.stakater.com/reload: <synced secrets>` to the Deployment, so Reloader (which you install) restarts its pods when a synced Secret changes.",
            ),
        deployment: deployment.optional(),
    }),
    "{ name: orders-api, namespace: orders, identity: { mode: addon }, objects: [...] }",
);

const alertRule = (key: keyof typeof DEFAULT_ALERT_SETTINGS, what: string) => {
    const d = DEFAULT_ALERT_SETTINGS[key];
    return example(
        z.strictObject({
            enabled: z.boolean().optional().describe(`Declare the rule; default ${d.enabled}.`),
            threshold: z.number().optional().describe(`Fires when the count over \`window\` is above this; default ${d.threshold}.`),
            window: z.string().optional().describe(`Prometheus duration of the count; default \`${d.window}\`.`),
            for: z.string().optional().describe(`Prometheus duration the condition holds before the alert fires; default \`${d.for}\`.`),
            severity: z.number().optional().describe(`Azure Monitor severity, 0 (critical) to 4; default ${d.severity}.`),
        }),
        `{ threshold: ${d.threshold}, for: ${d.for}, severity: ${d.severity} }`,
    ).describe(what);
};

const alerts = example(
    z.strictObject({
        azureMonitorWorkspaceId: z.string().describe("ARM ID of the Azure Monitor workspace the cluster's managed Prometheus writes to."),
        actionGroupId: z.string().describe("ARM ID of the action group the alerts notify."),
        clusterName: z
            .string()
            .optional()
            .describe("The AKS cluster's name (managed Prometheus's `cluster` label); default: the cluster this stack creates or reads."),
        resourceGroupName: z.string().optional().describe("Resource group of the rule group; default `azure.resourceGroupName`."),
        location: z.string().optional().describe("Region of the rule group (the workspace's); default `azure.location`."),
        evaluationInterval: z
            .string()
            .default(DEFAULT_EVALUATION_INTERVAL)
            .describe("Prometheus duration between evaluations, whole minutes from 1m to 15m."),
        declareScrapeConfig: z
            .boolean()
            .default(true)
            .describe(
                "Declare the `ama-metrics-prometheus-config` ConfigMap in kube-system that makes managed Prometheus scrape the addon's driver and provider; false when that ConfigMap holds other jobs (merge the stack output `alerts.scrapeConfig` into it).",
            ),
        rules: z
            .strictObject({
                mountErrors: alertRule("mountErrors", "Failed mounts (`node_publish_error_total`).").optional(),
                rotationErrors: alertRule("rotationErrors", "Failed rotations (`rotation_reconcile_error_total`).").optional(),
                keyVaultErrors: alertRule("keyVaultErrors", 'Failed Key Vault reads (`keyvault_request_count{error!=""}`).').optional(),
                keyVaultThrottling: alertRule("keyVaultThrottling", "Key Vault reads answered 429.").optional(),
            })
            .default({})
            .describe("Per alert: enabled, threshold, window, for, severity (docs/alerts.md)."),
    }),
    "{ azureMonitorWorkspaceId: /subscriptions/.../providers/Microsoft.Monitor/accounts/amw, actionGroupId: /subscriptions/.../providers/Microsoft.Insights/actionGroups/ag }",
).describe(
    "Azure Monitor managed Prometheus alerts on the addon's metrics: mount, rotation and Key Vault read errors, throttling (docs/alerts.md).",
);

/** Schema of every config key, by key name. `cluster` and `keyVault` are required unless `platformStack` is set. */
export const stackConfigSchema = z.strictObject({
    azure: azure.optional(),
    cluster: cluster.optional(),
    keyVault: keyVault.optional(),
    access: access.default({ scope: DEFAULT_ACCESS_SCOPE, roleAssignmentLimit: AZURE_ROLE_ASSIGNMENT_LIMIT, addonIdentityObjects: [] }),
    platformStack: example(
        z.string().regex(/^[^/\s]+\/[^/\s]+\/[^/\s]+$/, { error: "must be <organization>/<project>/<stack>" }),
        "organization/aks-keyvault-secrets/dev",
    )
        .optional()
        .describe(
            "`<org>/<project>/<stack>` of a platform stack: this stack becomes an app stack and takes the vault, tenant, addon identity, OIDC issuer and kubeconfig from the platform's `platform` output (docs/split-stacks.md).",
        ),
    akv2k8sSecrets: example(
        z.array(z.string().regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/, { error: "must be namespace/name" })),
        "[orders/orders-api-secrets]",
    )
        .default([])
        .describe(
            "`namespace/name` of Secrets akv2k8s writes while both run side by side: a synced Secret of the same name fails the preview (docs/migration.md).",
        ),
    alerts: alerts.optional(),
    applications: example(z.array(application), "[{ name: orders-api, namespace: orders, identity: { mode: addon }, objects: [...] }]")
        .default([])
        .describe("The apps: per app a SecretProviderClass, a ServiceAccount and optionally a Deployment and its identity."),
});

export type StackConfig = z.infer<typeof stackConfigSchema>;
export type ApplicationConfig = z.infer<typeof application>;
export type TopLevelKey = keyof StackConfig;

/** Top-level config keys. */
export const CONFIG_KEYS = Object.keys(stackConfigSchema.shape) as TopLevelKey[];

/** The schema of one application, for tools that produce app configs (the migration tests). */
export const applicationSchema = application;
