import { expect } from "chai";
import { stackFileConfig as stackConfig } from "../stack-files";
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, StackConfigError, parseStackConfig, plannedRoleAssignmentCount } from "../../program/config";
import { addonIdentityWarning, roleAssignmentWarning } from "../../program/warnings";
import { runProgram } from "../../program/main";
import { KUBERNETES_CLIENT_RATE } from "../../components/shared/kubernetes-client";
import { KEY_VAULT_ROLES } from "../../components";
import { roleAssignmentName } from "../../components/key-vault-access/roles";
import { managedNetworkPrivateEndpointWarning } from "../../components/key-vault/network";
import { parseObjectsParameter } from "../../components/secret-provider-class/parse";
import {
    SUBSCRIPTION_ID,
    TENANT_ID,
    addonIdentityOf,
    azureState,
    capturedWarnings,
    errorFrom,
    fakeGuid,
    ofType,
    protectedResources,
    registered,
    registeredOptions,
    registrations,
    resetRegistrations,
    settle,
    valueOf,
} from "../mocks";

async function run(raw: Record<string, any>) {
    const outputs = await runProgram(parseStackConfig(raw));
    const applications = await valueOf(outputs.applications);
    await settle();
    return { outputs, applications };
}

function configError(raw: Record<string, any>): string {
    const error = errorFrom(() => parseStackConfig(raw));
    expect(error).to.be.instanceOf(StackConfigError);
    return error.message;
}

describe("program on the dev stack", () => {
    before(async () => {
        resetRegistrations();
        await run(stackConfig("dev"));
    });

    it("creates the cluster with rotation on (2m), OIDC issuer and workload identity", () => {
        const aks = registered("azure-native:containerservice:ManagedCluster", "cluster-aks").inputs;
        expect(aks.addonProfiles.azureKeyvaultSecretsProvider).to.deep.equal({
            enabled: true,
            config: { enableSecretRotation: "true", rotationPollInterval: "2m" },
        });
        expect(aks.resourceName).to.equal("aks-platform-dev");
        expect(aks.securityProfile.workloadIdentity.enabled).to.equal(true);
    });

    it("creates an RBAC vault without purge protection (dev) and soft-delete retention 7 days", () => {
        const properties = registered("azure-native:keyvault:Vault", "keyvault-vault").inputs.properties;
        expect(properties).to.include({
            enableRbacAuthorization: true,
            enableSoftDelete: true,
            softDeleteRetentionInDays: 7,
            tenantId: TENANT_ID,
        });
        expect(properties).to.not.have.property("enablePurgeProtection");
    });

    it("grants the addon identity Secrets User on the vault, only for the addon-mode app's needs", () => {
        const vaultId = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-platform-dev-weu/providers/Microsoft.KeyVault/vaults/kv-platform-dev-weu`;
        const addon = registered("azure-native:authorization:RoleAssignment", "addon-keyvault-access-secretsuser").inputs;
        expect(addon).to.deep.include({
            scope: vaultId,
            principalId: addonIdentityOf("aks-platform-dev").objectId,
            principalType: "ServicePrincipal",
            roleDefinitionId: `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_ROLES.secretsUser.guid}`,
            roleAssignmentName: roleAssignmentName(vaultId, addonIdentityOf("aks-platform-dev").objectId, "secretsUser"),
        });
        const admins = registered("azure-native:authorization:RoleAssignment", "keyvault-admins-secretsofficer").inputs;
        expect(admins).to.deep.include({ principalType: "Group", principalId: fakeGuid("group", "platform-keyvault-admins-dev") });
    });

    it("wires orders-api to the addon identity and payments to its own workload identity with Certificate User", () => {
        const orders = registered("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass", "orders-api-spc").inputs.spec.parameters;
        expect(orders).to.include({
            useVMManagedIdentity: "true",
            userAssignedIdentityID: addonIdentityOf("aks-platform-dev").clientId,
            keyvaultName: "kv-platform-dev-weu",
        });
        const payments = registered("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass", "payments-spc").inputs.spec;
        expect(payments.parameters.clientID).to.equal(fakeGuid("payments-identity", "client"));
        expect(parseObjectsParameter(payments.parameters.objects).value.map((o) => o.objectAlias)).to.deep.equal([
            "tls-bundle",
            "signing.pub",
        ]);
        expect(payments.secretObjects[0]).to.deep.include({ secretName: "payments-tls", type: "kubernetes.io/tls" });
        expect(registered("azure-native:authorization:RoleAssignment", "payments-access-certificateuser").inputs.principalId).to.equal(
            fakeGuid("payments-identity", "principal"),
        );
        expect(registered("azure-native:managedidentity:FederatedIdentityCredential", "payments-federation").inputs.subject).to.equal(
            "system:serviceaccount:payments:payments",
        );
    });

    it("starts an app's pods only once its identity holds its roles: addon apps wait for the addon's, own identities for their own", () => {
        const dependencies = (type: string, name: string) =>
            (registeredOptions.get(`${type}::${name}`)?.dependencies ?? []).map((urn) => urn.split("::").pop());
        const spc = "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass";
        expect(dependencies(spc, "orders-api-spc")).to.include("addon-keyvault-access-secretsuser");
        expect(dependencies(spc, "payments-spc")).to.include.members(["payments-federation", "payments-access-certificateuser"]);
        expect(dependencies(spc, "payments-spc")).to.not.include("addon-keyvault-access-secretsuser");
    });

    it("sends Kubernetes objects through the cluster's own provider", () => {
        expect(JSON.stringify(registered("pulumi:providers:kubernetes", "cluster").inputs.kubeconfig)).to.contain("aks-platform-dev");
        expect(registered("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass", "orders-api-spc").provider).to.match(
            /pulumi:providers:kubernetes::cluster::/,
        );
        expect(registered("kubernetes:apps/v1:Deployment", "payments-deployment").provider).to.match(
            /pulumi:providers:kubernetes::cluster::/,
        );
    });

    it("raises the cluster provider's client rate above the provider's 50 requests/s", () => {
        expect(JSON.parse(registered("pulumi:providers:kubernetes", "cluster").inputs.kubeClientSettings)).to.deep.equal(
            KUBERNETES_CLIENT_RATE,
        );
    });
});

describe("program on the prod stack", () => {
    let exportsOf: Awaited<ReturnType<typeof run>>;
    before(async () => {
        resetRegistrations();
        exportsOf = await run(stackConfig("prod"));
    });

    it("uses rotation on, purge protection on, premium SKU and object-scoped roles only", () => {
        expect(
            registered("azure-native:containerservice:ManagedCluster", "cluster-aks").inputs.addonProfiles.azureKeyvaultSecretsProvider
                .config,
        ).to.deep.equal({
            enableSecretRotation: "true",
            rotationPollInterval: "5m",
        });
        expect(registered("azure-native:keyvault:Vault", "keyvault-vault").inputs.properties).to.deep.include({
            enablePurgeProtection: true,
            sku: { family: "A", name: "premium" },
        });
        const workloadRoles = ofType("azure-native:authorization:RoleAssignment").filter(
            (r) => r.inputs.principalType === "ServicePrincipal",
        );
        expect(workloadRoles.every((r) => /\/(secrets|keys|certificates)\/[^/]+$/.test(r.inputs.scope))).to.equal(true);
        expect(workloadRoles.map((r) => r.name).sort()).to.deep.equal([
            "orders-api-access-secrets-orders-api-key",
            "orders-api-access-secrets-orders-db-password",
            "payments-access-certificates-payments-root-ca",
            "payments-access-keys-payments-signing",
            "payments-access-secrets-payments-tls",
        ]);
        const allowed = [KEY_VAULT_ROLES.secretsUser.guid, KEY_VAULT_ROLES.certificateUser.guid];
        expect(workloadRoles.every((r) => allowed.some((guid) => r.inputs.roleDefinitionId.endsWith(guid)))).to.equal(true);
    });

    it("does not grant the addon identity anything when no app uses it", () => {
        expect(registrations.some((r) => r.name.startsWith("addon-keyvault-access"))).to.equal(false);
    });

    it("protects the cluster and the vault", () => {
        expect(protectedResources.get("akvsecrets:index:AksCluster::cluster")).to.equal(true);
        expect(protectedResources.get("akvsecrets:index:KeyVault::keyvault")).to.equal(true);
        expect(protectedResources.get("akvsecrets:index:AppWorkload::payments")).to.not.equal(true);
    });

    it("exports what app stacks need, with the kubeconfig as a secret", async () => {
        const platform = await valueOf(exportsOf.outputs.platform);
        expect(platform).to.deep.include({
            keyVaultName: "kv-platform-prod-weu",
            tenantId: TENANT_ID,
            addonIdentity: addonIdentityOf("aks-platform-prod"),
        });
        expect(await pulumi.isSecret(exportsOf.outputs.platform)).to.equal(true);
        expect(exportsOf.applications).to.have.keys("orders-api", "payments");
    });
});

describe("program determinism", () => {
    it("registers identical names and inputs when apps and objects are re-ordered", async () => {
        const snapshot = () =>
            registrations
                .map((r) =>
                    JSON.stringify([
                        r.type,
                        r.name,
                        r.type.includes("RoleAssignment") ? [r.inputs.scope, r.inputs.roleAssignmentName] : null,
                    ]),
                )
                .sort();
        resetRegistrations();
        await run(stackConfig("prod"));
        const first = snapshot();
        const reordered = stackConfig("prod");
        reordered.applications = [...reordered.applications].reverse().map((app: any) => ({ ...app, objects: [...app.objects].reverse() }));
        resetRegistrations();
        await run(reordered);
        expect(snapshot()).to.deep.equal(first);
    });
});

describe("program with an external cluster and vault (app side only, no Azure resources)", () => {
    it("creates only Kubernetes objects, with the ambient kubeconfig", async () => {
        resetRegistrations();
        await run({
            cluster: { mode: "external", addonIdentityClientId: "3b1d7f0e-5a2c-4e8b-9d6f-1a2b3c4d5e6f" },
            keyVault: { mode: "external", name: "kv-local", tenantId: TENANT_ID },
            applications: [
                { ...stackConfig("dev").applications[0] },
                {
                    ...stackConfig("dev").applications[1],
                    identity: { mode: "workloadIdentity", clientId: "6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f" },
                },
            ],
        });
        expect(registrations.filter((r) => r.type.startsWith("azure-native:") || r.type.startsWith("azuread:"))).to.deep.equal([]);
        expect(registrations.some((r) => r.type === "pulumi:providers:kubernetes")).to.equal(false);
        expect(ofType("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass")).to.have.length(2);
    });
});

describe("program from a platform stack (StackReference)", () => {
    it("takes vault, addon identity and kubeconfig from the platform stack's `platform` output", async () => {
        resetRegistrations();
        const { outputs } = await run({
            platformStack: "organization/aks-keyvault-secrets/dev",
            applications: [stackConfig("dev").applications[0]],
        });
        const reference = registered("pulumi:pulumi:StackReference", "platform");
        expect(reference.inputs.name).to.equal("organization/aks-keyvault-secrets/dev");
        expect((await valueOf(outputs.platform)).keyVaultName).to.equal("kv-from-platform");
        expect(
            registered("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass", "orders-api-spc").inputs.spec.parameters
                .userAssignedIdentityID,
        ).to.equal(addonIdentityOf("aks-from-platform").clientId);
    });
});

describe("stack config validation (start-up, before any resource)", () => {
    const base = () => stackConfig("dev");

    it("accepts both committed stack files", () => {
        expect(() => parseStackConfig(stackConfig("dev"))).to.not.throw();
        expect(() => parseStackConfig(stackConfig("prod"))).to.not.throw();
    });

    it("names an unknown (mis-cased) key", () => {
        const raw = base();
        raw.cluster.SecretRotation = raw.cluster.secretRotation;
        expect(configError(raw)).to.contain(
            `${CONFIG_NAMESPACE}:cluster.SecretRotation: is not a key: keys are case-sensitive, and this one is \`secretRotation\` written in another case. Fix: rename \`SecretRotation\` to \`secretRotation\`.`,
        );
    });

    it("names a wrong type and a wrong enum value with their paths", () => {
        const raw = base();
        raw.cluster.secretRotation.enabled = "yes";
        raw.applications[0].objects[0].objectType = "Secret";
        const message = configError(raw);
        expect(message).to.contain(
            `${CONFIG_NAMESPACE}:cluster.secretRotation.enabled: expected true or false, got the string "yes". Fix: use true or false.`,
        );
        expect(message).to.contain(
            `${CONFIG_NAMESPACE}:applications[0].objects[0].objectType (app "orders-api"): the string "Secret" is not one of secret, key, cert (values are case-sensitive). Fix: use secret.`,
        );
    });

    it("names the app and object for a model problem", () => {
        const raw = base();
        raw.applications[0].objects[1].objectAlias = "/etc/api-key";
        expect(configError(raw)).to.contain(
            `${CONFIG_NAMESPACE}:applications[0].objects[1].objectAlias (app "orders-api"): "/etc/api-key" is an absolute path; the provider refuses it. Fix: use a file name relative to the mount path.`,
        );
    });

    it("rejects duplicate app names, a missing azure block and addon apps without an addon identity", () => {
        const raw = base();
        raw.applications.push({ ...raw.applications[0] });
        expect(configError(raw)).to.contain(
            `${CONFIG_NAMESPACE}:applications[${raw.applications.length - 1}].name: "orders-api" is also the name of applications[0]. Fix: give each app a unique name.`,
        );
        const noAzure = base();
        delete noAzure.azure;
        expect(configError(noAzure)).to.contain(
            `${CONFIG_NAMESPACE}:azure: is required when cluster or keyVault mode is create or existing.`,
        );
        const external = {
            cluster: { mode: "external" },
            keyVault: { mode: "external", name: "kv-a1", tenantId: TENANT_ID },
            applications: [base().applications[0]],
        };
        expect(configError(external)).to.contain(
            'applications[0].identity (app "orders-api"): addon mode needs the addon identity\'s client ID. Fix: set cluster.addonIdentityClientId',
        );
    });

    it("rejects a bad poll interval, vault name and admin group", () => {
        const raw = base();
        raw.cluster.secretRotation.pollInterval = "2 minutes";
        raw.keyVault.name = "kv_dev";
        raw.access.adminGroup = { displayName: "admins", objectId: "x" };
        const message = configError(raw);
        expect(message).to.contain(`${CONFIG_NAMESPACE}:cluster.secretRotation.pollInterval: "2 minutes" is not a positive Go duration.`);
        expect(message).to.contain(`${CONFIG_NAMESPACE}:keyVault.name: "kv_dev" is not a valid Key Vault name.`);
        expect(message).to.contain(`${CONFIG_NAMESPACE}:access.adminGroup: must name the group by exactly one of displayName or objectId.`);
    });
});

describe("private vaults in the stack config", () => {
    const NETWORK = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-network/providers/Microsoft.Network`;
    const NODES = `${NETWORK}/virtualNetworks/vnet-aks/subnets/snet-aks-nodes`;
    const base = () => stackConfig("dev");

    it("fails the preview for a vault the cluster could not reach, at the key to change", () => {
        const closed = base();
        closed.keyVault.publicNetworkAccess = "Disabled";
        expect(configError(closed)).to.contain(
            `${CONFIG_NAMESPACE}:keyVault.publicNetworkAccess: "Disabled" with no private endpoint leaves the cluster no way to reach the vault (pods would fail to mount with 403). Fix: set privateEndpoint: { mode: "create", subnetId: <subnet ID> }`,
        );
        const walled = base();
        walled.keyVault.networkAcls = { defaultAction: "Deny", bypass: "AzureServices" };
        expect(configError(walled)).to.contain(
            `${CONFIG_NAMESPACE}:keyVault.networkAcls.defaultAction: "Deny" with no virtualNetworkSubnetIds, no ipRules and no private endpoint leaves the cluster no way to reach the vault`,
        );
    });

    it("checks the shape of every ID and rule at its key", () => {
        const raw = base();
        raw.keyVault.publicNetworkAccess = "Disabled";
        raw.keyVault.privateEndpoint = { mode: "create", subnetId: `${NETWORK}/virtualNetworks/vnet-aks`, linkVirtualNetworkIds: [NODES] };
        raw.keyVault.networkAcls = { defaultAction: "Deny", ipRules: ["10.0.0.0/8", "my-office"] };
        const message = configError(raw);
        expect(message).to.contain(
            `${CONFIG_NAMESPACE}:keyVault.privateEndpoint.subnetId: "${NETWORK}/virtualNetworks/vnet-aks" is not the resource ID of a subnet (it is the ID of a virtual network). Fix: use the full ID,`,
        );
        expect(message).to.contain(
            `${CONFIG_NAMESPACE}:keyVault.privateEndpoint.linkVirtualNetworkIds[0]: "${NODES}" is not the resource ID of a virtual network (it is the ID of a subnet).`,
        );
        expect(message).to.contain(
            `${CONFIG_NAMESPACE}:keyVault.networkAcls.ipRules[1]: "my-office" is not an IPv4 address or CIDR range.`,
        );
        expect(message).to.not.contain("keyVault.publicNetworkAccess");
        const external = base();
        external.keyVault.privateEndpoint = { mode: "external", id: "pe-kv-dev" };
        expect(configError(external)).to.contain(
            `${CONFIG_NAMESPACE}:keyVault.privateEndpoint.id: "pe-kv-dev" is not the resource ID of a private endpoint.`,
        );
        const existing = {
            ...base(),
            keyVault: {
                mode: "existing",
                name: "kv-shared",
                networkAcls: { defaultAction: "Deny" },
                privateEndpoint: { mode: "external", id: `${NETWORK}/privateEndpoints/pe-kv` },
            },
        };
        const existingMessage = configError(existing);
        expect(existingMessage).to.contain(`${CONFIG_NAMESPACE}:keyVault.networkAcls: is not a key of \`keyVault\``);
        expect(existingMessage).to.contain(`${CONFIG_NAMESPACE}:keyVault.privateEndpoint.mode:`);
    });

    it("warns once about a private endpoint while the cluster it creates is in an AKS-managed VNet, and not once the nodes are in a named subnet", async () => {
        const raw = base();
        raw.keyVault.publicNetworkAccess = "Disabled";
        raw.keyVault.privateEndpoint = { mode: "create", subnetId: `${NETWORK}/virtualNetworks/vnet-aks/subnets/snet-pe` };
        const warningsOf = (config: Record<string, any>) =>
            capturedWarnings(async () => {
                resetRegistrations();
                await valueOf((await runProgram(parseStackConfig(config))).applications);
                await settle();
            });
        const managed = (await warningsOf(raw)).filter(
            (warning) => warning.includes("AKS-managed") || warning.includes("no cluster.systemNodePool.vnetSubnetId"),
        );
        expect(managed).to.deep.equal([managedNetworkPrivateEndpointWarning("kv-platform-dev-weu", true, true)]);
        raw.cluster.systemNodePool.vnetSubnetId = NODES;
        expect((await warningsOf(raw)).filter((warning) => warning.includes("Key Vault"))).to.deep.equal([]);
    });

    it("reads an existing cluster's node subnets and an existing vault, and creates the endpoint in the vault's group", async () => {
        azureState.managedClusters["aks-net"] = {
            name: "aks-net",
            addonProfiles: { azureKeyvaultSecretsProvider: { enabled: true, config: {}, identity: addonIdentityOf("aks-net") } },
            agentPoolProfiles: [{ name: "system", vnetSubnetID: NODES }],
        };
        azureState.vaults["kv-net"] = {
            id: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/kv-net`,
            name: "kv-net",
            location: "westeurope",
            properties: {
                tenantId: TENANT_ID,
                enableRbacAuthorization: true,
                vaultUri: "https://kv-net.vault.azure.net/",
                networkAcls: { defaultAction: "Deny", virtualNetworkRules: [{ id: NODES.toUpperCase() }] },
            },
        };
        const raw = {
            azure: { location: "westeurope", resourceGroupName: "rg-platform" },
            cluster: { mode: "existing", name: "aks-net" },
            keyVault: {
                mode: "existing",
                name: "kv-net",
                resourceGroupName: "rg-shared",
                privateEndpoint: { mode: "create", subnetId: `${NETWORK}/virtualNetworks/vnet-aks/subnets/snet-pe` },
            },
            applications: [base().applications[0]],
        };
        resetRegistrations();
        const outputs = await runProgram(parseStackConfig(raw));
        expect((await valueOf(outputs.platform)).keyVaultName).to.equal("kv-net");
        await settle();
        expect(registered("azure-native:network:PrivateEndpoint", "keyvault-private-endpoint").inputs).to.include({
            resourceGroupName: "rg-shared",
            location: "westeurope",
        });
        expect(ofType("azure-native:privatedns:VirtualNetworkLink").map((link) => link.inputs.virtualNetwork.id)).to.deep.equal([
            `${NETWORK}/virtualNetworks/vnet-aks`,
        ]);
    });
});

describe("index.ts (the Pulumi program entry point)", () => {
    it("reads every key from stack config and exports platform and applications", async () => {
        resetRegistrations();
        const config = stackConfig("dev");
        pulumi.runtime.setAllConfig(
            Object.fromEntries(Object.entries(config).map(([key, value]) => [`${CONFIG_NAMESPACE}:${key}`, JSON.stringify(value)])),
        );
        const program = await (await import("../../index")).default();
        const applications = (await valueOf(program.applications)) as Record<string, any>;
        await settle();
        expect(applications["orders-api"]).to.deep.include({
            namespace: "orders",
            secretProviderClass: "orders-api",
            syncedSecrets: ["orders-api-keyvault"],
        });
        expect((await valueOf(program.platform)).keyVaultName).to.equal("kv-platform-dev-weu");
    });
});

describe("role-assignment budget", () => {
    it("counts what each stack creates", () => {
        const platform = { hasVaultId: true, hasAddonIdentity: true };
        // dev: addon (1, vault scope) + admin group (1) + payments' and notifications' own identities (1 each) + inventory-sync's bound identity (1)
        expect(plannedRoleAssignmentCount(parseStackConfig(stackConfig("dev")), platform)).to.equal(5);
        // prod: object scope: orders 2 + payments 3 + admin group 1
        expect(plannedRoleAssignmentCount(parseStackConfig(stackConfig("prod")), platform)).to.equal(6);
        expect(plannedRoleAssignmentCount(parseStackConfig(stackConfig("prod")), { hasVaultId: false, hasAddonIdentity: false })).to.equal(
            0,
        );
    });

    it("warns from 80% of the subscription limit on", () => {
        expect(roleAssignmentWarning(3199, 4000)).to.equal(undefined);
        expect(roleAssignmentWarning(3200, 4000)).to.contain(
            "creates 3200 Key Vault role assignments, close to Azure's limit of 4000 per subscription",
        );
        expect(roleAssignmentWarning(4001, 4000)).to.contain("more than Azure's limit of 4000");
    });

    it("warns once per stack, not per app, when apps use the addon identity, with the upstream deprecation issue", async () => {
        expect(addonIdentityWarning([])).to.equal(undefined);
        expect(addonIdentityWarning(["orders-api"])).to.equal(
            "1 app uses identity mode addon (orders-api): the cluster's managed identity, whose provider mode (useVMManagedIdentity) the Azure provider plans to deprecate " +
                "in favour of workload identity (https://github.com/Azure/secrets-store-csi-driver-provider-azure/issues/837). It keeps working. " +
                "To move an app, set its identity to { mode: workloadIdentity }: the program then creates its own identity, federated credential and least-privilege roles. " +
                "Where one identity is shared by many clusters or service accounts (workload identity allows 20 federated credentials per identity), " +
                "{ mode: identityBinding } is the alternative: an AKS preview (feature flag IdentityBindingPreview, no SLA), not for production yet, and it needs the Azure " +
                "provider v1.8.1 or later, which the AKS addon does not ship (it runs v1.7.2): declare the cluster's provider with cluster.keyVaultProvider.",
        );
        expect(addonIdentityWarning(["a", "b", "c", "d", "e", "f", "g"])).to.match(
            /^7 apps use identity mode addon \(a, b, c, d, e and 2 more\): /,
        );

        const warned: string[] = [];
        const consoleWarn = console.warn;
        console.warn = (message: string) => warned.push(message);
        try {
            resetRegistrations();
            await run(stackConfig("local")); // two addon apps, one workload-identity app
            resetRegistrations();
            await run(stackConfig("prod")); // workload identity only
        } finally {
            console.warn = consoleWarn;
        }
        const addonWarnings = warned.filter((message) => message.includes("identity mode addon"));
        expect(addonWarnings).to.have.length(1);
        expect(addonWarnings[0]).to.match(/^warning: \[runtime\] 2 apps use identity mode addon \(/);
    });
});

describe("side by side with akv2k8s", () => {
    it("refuses a synced Secret named like a Secret akv2k8s writes, and suggests a free name", () => {
        const raw = stackConfig("dev");
        raw.akv2k8sSecrets = ["orders/orders-api-keyvault", "orders/orders-api-keyvault-csi"];
        expect(configError(raw)).to.contain(
            `${CONFIG_NAMESPACE}:applications[0].syncedSecrets[0].secretName (app "orders-api"): has the name of Secret orders/orders-api-keyvault, which akv2k8s writes`,
        );
        expect(configError(raw)).to.contain('Fix: name it "orders-api-keyvault-csi-2"');
    });

    it("refuses two apps syncing the same Secret in one namespace", () => {
        const raw = stackConfig("dev");
        raw.applications[1].namespace = "orders";
        raw.applications[1].syncedSecrets[0].secretName = "orders-api-keyvault";
        raw.applications[1].syncedSecrets[0].type = "Opaque";
        expect(configError(raw)).to.contain(
            `${CONFIG_NAMESPACE}:applications[1].syncedSecrets[0].secretName (app "payments"): Secret orders/orders-api-keyvault is also synced by app "orders-api"; each app's pods would overwrite it. Fix: give each app its own secretName.`,
        );
    });
});
