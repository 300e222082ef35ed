/** The program's identity mode identityBinding: config checks (every message) and what a stack registers. */
import { expect } from "chai";
import { CONFIG_NAMESPACE, StackConfigError, parseStackConfig, plannedRoleAssignmentCount } from "../../program/config";
import { runProgram } from "../../program/main";
import { identityBindingWarning } from "../../program/warnings";
import { stackFileConfig } from "../stack-files";
import { ExistingAksCluster } from "../../components";
import { SUBSCRIPTION_ID, TENANT_ID, addonIdentityOf, azureState, errorFrom, fakeGuid, ofType, outputError, registered, resetRegistrations, settle, valueOf } from "../mocks";

const CLIENT_ID = "0f4c8b1e-3c2a-4a55-9d1e-6b7a8c9d0e1f";
const N = CONFIG_NAMESPACE;

function app(identity: Record<string, unknown>) {
    return { name: "fleet-agent", namespace: "fleet", identity, objects: [{ objectName: "fleet-token", objectType: "secret" }] };
}

const created = {
    azure: { location: "westeurope", resourceGroupName: "rg-dev" },
    cluster: { mode: "create", name: "aks-dev", systemNodePool: { vmSize: "Standard_D4ds_v5", count: 2 }, secretRotation: { enabled: true } },
    keyVault: { mode: "create", name: "kv-dev-1" },
};
const external = {
    cluster: { mode: "external" },
    keyVault: { mode: "external", name: "kv-local", tenantId: TENANT_ID },
};

function configError(raw: Record<string, unknown>): string {
    const error = errorFrom(() => parseStackConfig(raw));
    expect(error).to.be.instanceOf(StackConfigError);
    return error.message;
}

describe("identity mode identityBinding: config checks", () => {
    it("needs the cluster's name and resource group to bind an identity it creates: not with cluster mode external", () => {
        expect(configError({ ...external, applications: [app({ mode: "identityBinding" })] })).to.contain(
            `${N}:applications[0].identity (app "fleet-agent"): creates its identity and binds it to the cluster with an AKS identity binding, a child resource of the managed cluster, ` +
                "which needs the cluster's name and resource group; cluster mode external gives neither. Fix: use cluster mode create or existing, or give identity.clientId of an identity " +
                "already bound to the cluster (az aks identity-binding create --cluster-name <cluster> --resource-group <group> --name <binding> --managed-identity-resource-id <identity ID>).",
        );
    });

    it("nor in an app stack, which takes neither from its platform stack; and the created identity needs azure", () => {
        const message = configError({ platformStack: "organization/aks-keyvault-secrets/dev", applications: [app({ mode: "identityBinding" })] });
        expect(message).to.contain(
            `${N}:applications[0].identity (app "fleet-agent"): creates its identity and binds it to the cluster with an AKS identity binding, a child resource of the managed cluster, ` +
                "which needs the cluster's name and resource group; an app stack does not take them from its platform stack. Fix: give identity.clientId of an identity already bound " +
                "to the cluster (az aks identity-binding create --cluster-name <cluster> --resource-group <group> --name <binding> --managed-identity-resource-id <identity ID>).",
        );
        expect(message).to.contain(
            `${N}:applications[0].identity (app "fleet-agent"): an identity the app creates for its identity binding is an Azure resource this stack creates. ` +
                "Fix: set azure.location and azure.resourceGroupName, or give identity.clientId of an existing identity.",
        );
    });

    it("needs workload identity on a cluster it creates (the documented setup of identity bindings)", () => {
        const raw = { ...created, cluster: { ...created.cluster, workloadIdentity: false }, applications: [app({ mode: "identityBinding", clientId: CLIENT_ID })] };
        expect(configError(raw)).to.contain(
            `${N}:applications[0].identity (app "fleet-agent"): uses identity binding, but cluster.workloadIdentity is false; AKS documents identity bindings on clusters with the ` +
                "OIDC issuer and workload identity on. Fix: set cluster.workloadIdentity: true (it turns on both), or use identity mode addon.",
        );
    });

    it("needs the vault's resource ID for the roles of the identity it creates", () => {
        const raw = { azure: created.azure, cluster: { mode: "existing", name: "aks-shared" }, keyVault: external.keyVault, applications: [app({ mode: "identityBinding" })] };
        expect(configError(raw)).to.contain(
            `${N}:applications[0].identity (app "fleet-agent"): an identity the app creates for its identity binding needs the vault's resource ID for its role. ` +
                "Fix: set keyVault.id, or give identity.clientId of an existing identity.",
        );
    });

    it("refuses a client ID that is not a GUID, by the schema", () => {
        expect(configError({ ...external, applications: [app({ mode: "identityBinding", clientId: "fleet" })] })).to.contain(
            `${N}:applications[0].identity.clientId (app "fleet-agent"): the string "fleet" must be a GUID (8-4-4-4-12 hex digits). Fix: write a value like 6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f.`,
        );
    });

    it("takes an identity already bound to the cluster anywhere, also with cluster mode external, and needs no OIDC issuer", () => {
        expect(() => parseStackConfig({ ...external, applications: [app({ mode: "identityBinding", clientId: CLIENT_ID })] })).to.not.throw();
        expect(() => parseStackConfig({ ...created, applications: [app({ mode: "identityBinding" })] })).to.not.throw();
    });

    it("counts the roles of an identity it creates in the role-assignment budget", () => {
        const config = parseStackConfig({ ...created, applications: [app({ mode: "identityBinding" }), { ...app({ mode: "identityBinding", clientId: CLIENT_ID }), name: "other" }] });
        expect(plannedRoleAssignmentCount(config, { hasVaultId: true, hasAddonIdentity: true })).to.equal(1);
    });
});

describe("identity mode identityBinding: what a stack registers", () => {
    beforeEach(resetRegistrations);

    it("with a cluster it creates: identity, roles, and a binding to that cluster (no federated credential)", async () => {
        const outputs = await runProgram(parseStackConfig({ ...created, applications: [app({ mode: "identityBinding" })] }));
        const applications = await valueOf(outputs.applications);
        await settle();
        expect(applications["fleet-agent"].clientId).to.equal(fakeGuid("fleet-agent-identity", "client"));
        expect(registered("azure-native:containerservice:IdentityBinding", "fleet-agent-identity-binding-binding").inputs).to.deep.equal({
            resourceGroupName: "rg-dev",
            resourceName: "aks-dev",
            properties: {
                managedIdentity: { resourceId: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-dev/providers/Microsoft.ManagedIdentity/userAssignedIdentities/fleet-agent-identity` },
            },
        });
        expect(ofType("azure-native:managedidentity:FederatedIdentityCredential")).to.deep.equal([]);
        expect(ofType("azure-native:authorization:RoleAssignment").map((r) => r.name)).to.deep.equal(["fleet-agent-access-secretsuser"]);
        expect(registered("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass", "fleet-agent-spc").inputs.spec.parameters).to.deep.include({
            useAzureTokenProxy: "true",
            clientID: fakeGuid("fleet-agent-identity", "client"),
        });
    });

    it("with a cluster it reads: binds to it by name and resource group", async () => {
        azureState.managedClusters["aks-shared"] = {
            name: "aks-shared",
            addonProfiles: { azureKeyvaultSecretsProvider: { enabled: true, identity: addonIdentityOf("aks-shared") } },
            oidcIssuerProfile: { enabled: true, issuerURL: "https://issuer.example/aks-shared/" },
            securityProfile: { workloadIdentity: { enabled: true } },
        };
        azureState.vaults["kv-shared"] = { id: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv-shared`, name: "kv-shared", properties: { tenantId: TENANT_ID, enableRbacAuthorization: true } };
        const raw = { azure: created.azure, cluster: { mode: "existing", name: "aks-shared", resourceGroupName: "rg-aks" }, keyVault: { mode: "existing", name: "kv-shared" }, applications: [app({ mode: "identityBinding" })] };
        await valueOf((await runProgram(parseStackConfig(raw))).applications);
        await settle();
        expect(registered("azure-native:containerservice:IdentityBinding", "fleet-agent-identity-binding-binding").inputs).to.deep.include({ resourceGroupName: "rg-aks", resourceName: "aks-shared" });
    });

    it("fails at preview on a cluster with API server VNet integration, which AKS does not support identity bindings on", async () => {
        azureState.managedClusters["aks-vnet"] = {
            name: "aks-vnet",
            addonProfiles: { azureKeyvaultSecretsProvider: { enabled: true, identity: addonIdentityOf("aks-vnet") } },
            apiServerAccessProfile: { enableVnetIntegration: true },
        };
        const cluster = new ExistingAksCluster("vnet", { resourceGroupName: "rg", clusterName: "aks-vnet", requireIdentityBindingSupport: true });
        expect((await outputError(cluster.clusterName)).message).to.contain(
            'AKS cluster "aks-vnet" has API server VNet integration, and AKS does not support identity bindings on such clusters yet. Use identity mode workloadIdentity for its apps instead.',
        );
        const other = new ExistingAksCluster("vnet-other", { resourceGroupName: "rg", clusterName: "aks-vnet" });
        expect(await valueOf(other.clusterName)).to.equal("aks-vnet");
    });
});

describe("identity mode identityBinding: the preview warning", () => {
    it("says once per stack that it is an AKS preview and which token audience the CSI driver must request", async () => {
        expect(identityBindingWarning([])).to.equal(undefined);
        expect(identityBindingWarning(["inventory-sync"])).to.equal(
            "1 app uses identity mode identityBinding (inventory-sync), an AKS preview: the subscription needs the IdentityBindingPreview feature " +
                "(az feature register --namespace Microsoft.ContainerService --name IdentityBindingPreview), and there is no SLA. Their pods mount only if the " +
                "cluster's Secrets Store CSI driver requests a service-account token for api://AKSIdentityBinding; check with " +
                "kubectl get csidriver secrets-store.csi.k8s.io -o jsonpath='{.spec.tokenRequests}'.",
        );
        expect(identityBindingWarning(["a", "b", "c", "d", "e", "f"])).to.match(/^6 apps use identity mode identityBinding \(a, b, c, d, e and 1 more\), /);

        const warned: string[] = [];
        const consoleWarn = console.warn;
        console.warn = (message: string) => warned.push(message);
        try {
            resetRegistrations();
            await valueOf((await runProgram(parseStackConfig(stackFileConfig("dev")))).applications);
            await settle();
            resetRegistrations();
            await valueOf((await runProgram(parseStackConfig(stackFileConfig("prod")))).applications);
            await settle();
        } finally {
            console.warn = consoleWarn;
        }
        expect(warned.filter((message) => message.includes("identity mode identityBinding"))).to.deep.equal([`warning: [runtime] ${identityBindingWarning(["inventory-sync"])}`]);
    });
});
