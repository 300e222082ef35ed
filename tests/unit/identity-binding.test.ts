import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import * as fc from "fast-check";
import { AppWorkload, AppWorkloadArgs, IdentityBindingAccess } from "../../components";
import { identityBindingSupportError } from "../../components/cluster/component";
import { formatProblem } from "../../components/shared/validation";
import {
    IDENTITY_BINDING_API_GROUP,
    USE_IDENTITY_BINDING_ANNOTATION,
    USE_MANAGED_IDENTITY_VERB,
    identityBindingRbacName,
    useManagedIdentityRules,
} from "../../components/workload/identity-binding";
import { appWorkloadProblems } from "../../components/workload/validate";
import { isDnsSubdomain } from "../../components/shared/kubernetes";
import {
    SUBSCRIPTION_ID,
    TENANT_ID,
    fakeGuid,
    ofType,
    registered,
    registeredOptions,
    registrations,
    resetRegistrations,
    settle,
    valueOf,
} from "../mocks";

const CLIENT_ID = "0f4c8b1e-3c2a-4a55-9d1e-6b7a8c9d0e1f";
const VAULT_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-dev/providers/Microsoft.KeyVault/vaults/kv-dev`;
const IDENTITY_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-dev/providers/Microsoft.ManagedIdentity/userAssignedIdentities/shared`;
const SPC = "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass";
const BINDING = "azure-native:containerservice:IdentityBinding";
const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
const ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";

/** Names of what a registered resource waits for. */
function dependencies(type: string, name: string): string[] {
    return (registeredOptions.get(`${type}::${name}`)?.dependencies ?? []).map((urn) => urn.split("::").pop()!);
}

function parentOf(type: string, name: string): string | undefined {
    return registeredOptions.get(`${type}::${name}`)?.parent.split("::").pop();
}

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/);

describe("identity binding: RBAC rule and names", () => {
    it("grants use-managed-identity on the client ID in cid.wi.aks.azure.com, nothing else", () => {
        expect(useManagedIdentityRules(CLIENT_ID)).to.deep.equal([
            { apiGroups: ["cid.wi.aks.azure.com"], resources: [CLIENT_ID], verbs: ["use-managed-identity"] },
        ]);
        expect([IDENTITY_BINDING_API_GROUP, USE_MANAGED_IDENTITY_VERB]).to.deep.equal(["cid.wi.aks.azure.com", "use-managed-identity"]);
    });

    it("names each app's ClusterRole apart from every other app's in the cluster, as a valid object name", () => {
        fc.assert(
            fc.property(label, label, label, label, (namespaceA, appA, namespaceB, appB) => {
                const a = identityBindingRbacName(namespaceA, appA);
                expect(isDnsSubdomain(a)).to.equal(true);
                expect(a === identityBindingRbacName(namespaceB, appB)).to.equal(namespaceA === namespaceB && appA === appB);
            }),
        );
    });

    it("refuses clusters with API server VNet integration (the limitation AKS documents), and only those", () => {
        expect(identityBindingSupportError({ apiServerAccessProfile: { enableVnetIntegration: true } }, "aks-a")).to.equal(
            'AKS cluster "aks-a" has API server VNet integration, and AKS does not support identity bindings on such clusters yet. Use identity mode workloadIdentity for its apps instead.',
        );
        expect(identityBindingSupportError({ apiServerAccessProfile: { enableVnetIntegration: false } }, "aks-a")).to.equal(undefined);
        expect(identityBindingSupportError({}, "aks-a")).to.equal(undefined);
    });
});

describe("IdentityBindingAccess", () => {
    beforeEach(resetRegistrations);

    it("binds the identity to the cluster and lets only the app's ServiceAccount use it, every child under the component", async () => {
        const access = new IdentityBindingAccess("orders-ib", {
            clientId: CLIENT_ID,
            namespace: "orders",
            serviceAccountName: "orders-sa",
            app: "orders-api",
            bind: { clusterName: "aks-dev", resourceGroupName: "rg-dev", identityResourceId: IDENTITY_ID },
            labels: { team: "orders" },
        });
        expect(await valueOf(access.clusterRoleName)).to.equal("akvsecrets.orders.orders-api");
        await settle();
        expect(registered(BINDING, "orders-ib-binding").inputs).to.deep.equal({
            resourceGroupName: "rg-dev",
            resourceName: "aks-dev",
            properties: { managedIdentity: { resourceId: IDENTITY_ID } },
        });
        expect(registered(ROLE, "orders-ib-role").inputs).to.deep.include({
            metadata: { name: "akvsecrets.orders.orders-api", labels: { team: "orders" } },
            rules: [{ apiGroups: ["cid.wi.aks.azure.com"], resources: [CLIENT_ID], verbs: ["use-managed-identity"] }],
        });
        expect(registered(ROLE_BINDING, "orders-ib-role-binding").inputs).to.deep.include({
            metadata: { name: "akvsecrets.orders.orders-api", labels: { team: "orders" } },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "akvsecrets.orders.orders-api" },
            subjects: [{ kind: "ServiceAccount", name: "orders-sa", namespace: "orders" }],
        });
        for (const [type, name] of [
            [BINDING, "orders-ib-binding"],
            [ROLE, "orders-ib-role"],
            [ROLE_BINDING, "orders-ib-role-binding"],
        ]) {
            expect(parentOf(type, name), name).to.equal("orders-ib");
        }
        expect(registered("akvsecrets:index:IdentityBindingAccess", "orders-ib").custom).to.equal(false);
    });

    it("creates only the RBAC for an identity already bound to the cluster", async () => {
        new IdentityBindingAccess("orders-ib", {
            clientId: CLIENT_ID,
            namespace: "orders",
            serviceAccountName: "orders-api",
            app: "orders-api",
        });
        await settle();
        expect(ofType(BINDING)).to.deep.equal([]);
        expect(registrations.filter((r) => r.custom).map((r) => r.type)).to.deep.equal([ROLE, ROLE_BINDING]);
    });

    it("takes the ServiceAccount and the labels from other resources (pulumi.Input)", async () => {
        new IdentityBindingAccess("orders-ib", {
            clientId: CLIENT_ID,
            namespace: "orders",
            serviceAccountName: pulumi.output("orders-api"),
            app: "orders-api",
            labels: pulumi.output({ team: "orders" }),
        });
        await settle();
        const binding = registered(ROLE_BINDING, "orders-ib-role-binding").inputs;
        expect(binding.subjects).to.deep.equal([{ kind: "ServiceAccount", name: "orders-api", namespace: "orders" }]);
        expect(binding.metadata.labels).to.deep.equal({ team: "orders" });
    });
});

function appArgs(identity: AppWorkloadArgs["identity"]): AppWorkloadArgs {
    return {
        namespace: "orders",
        keyVault: { name: "kv-dev", tenantId: TENANT_ID },
        identity,
        objects: [{ objectName: "orders-db-password", objectType: "secret" }],
        syncedSecrets: [
            { secretName: "orders-keyvault", type: "Opaque", data: [{ key: "db-password", objectName: "orders-db-password" }] },
        ],
        env: [{ name: "DB_PASSWORD", secretName: "orders-keyvault", key: "db-password" }],
        deployment: { image: "ghcr.io/acme/orders:1.0.0" },
    };
}

describe("AppWorkload in identity-binding mode", () => {
    beforeEach(resetRegistrations);

    it("creates the identity and its roles, binds it (no federated credential of its own), and starts pods only once all of it exists", async () => {
        const app = new AppWorkload(
            "orders-api",
            appArgs({
                mode: "identityBinding",
                managed: {
                    resourceGroupName: "rg-dev",
                    location: "westeurope",
                    vaultId: VAULT_ID,
                    cluster: { clusterName: "aks-dev", resourceGroupName: "rg-aks" },
                },
            }),
        );
        const clientId = fakeGuid("orders-api-identity", "client");
        expect(await valueOf(app.clientId)).to.equal(clientId);
        await settle();
        expect(ofType("azure-native:managedidentity:FederatedIdentityCredential")).to.deep.equal([]);
        const identityId = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-dev/providers/Microsoft.ManagedIdentity/userAssignedIdentities/orders-api-identity`;
        expect(registered(BINDING, "orders-api-identity-binding-binding").inputs).to.deep.equal({
            resourceGroupName: "rg-aks",
            resourceName: "aks-dev",
            properties: { managedIdentity: { resourceId: identityId } },
        });
        expect(registered(ROLE, "orders-api-identity-binding-role").inputs.rules[0].resources).to.deep.equal([clientId]);
        expect(registered(ROLE_BINDING, "orders-api-identity-binding-role-binding").inputs.subjects).to.deep.equal([
            { kind: "ServiceAccount", name: "orders-api", namespace: "orders" },
        ]);
        expect(ofType("azure-native:authorization:RoleAssignment").map((r) => [r.name, r.inputs.principalId])).to.deep.equal([
            ["orders-api-access-secretsuser", fakeGuid("orders-api-identity", "principal")],
        ]);
        expect(parentOf("akvsecrets:index:IdentityBindingAccess", "orders-api-identity-binding")).to.equal("orders-api");

        const spc = registered(SPC, "orders-api-spc").inputs.spec.parameters;
        expect(spc).to.deep.include({ useAzureTokenProxy: "true", clientID: clientId, tenantID: TENANT_ID });
        expect(spc).to.not.have.any.keys("useVMManagedIdentity", "userAssignedIdentityID");
        expect(dependencies(SPC, "orders-api-spc")).to.include.members([
            "orders-api-identity",
            "orders-api-access-secretsuser",
            "orders-api-identity-binding-binding",
            "orders-api-identity-binding-role",
            "orders-api-identity-binding-role-binding",
        ]);
        expect(dependencies("kubernetes:apps/v1:Deployment", "orders-api-deployment")).to.include("orders-api-spc");

        expect(
            registered("kubernetes:core/v1:ServiceAccount", "serviceaccount/orders/orders-api").inputs.metadata.annotations,
        ).to.deep.equal({
            "azure.workload.identity/client-id": clientId,
            "azure.workload.identity/tenant-id": TENANT_ID,
        });
        const template = registered("kubernetes:apps/v1:Deployment", "orders-api-deployment").inputs.spec.template;
        expect(template.metadata.labels["azure.workload.identity/use"]).to.equal("true");
        expect(template.metadata.annotations).to.deep.equal({ [USE_IDENTITY_BINDING_ANNOTATION]: "true" });
    });

    it("with clientId: an identity bound elsewhere, so only the RBAC and the class", async () => {
        const app = new AppWorkload("orders-api", appArgs({ mode: "identityBinding", clientId: CLIENT_ID }));
        expect(await valueOf(app.clientId)).to.equal(CLIENT_ID);
        await settle();
        expect(ofType(BINDING)).to.deep.equal([]);
        expect(ofType("azure-native:managedidentity:UserAssignedIdentity")).to.deep.equal([]);
        expect(ofType("azure-native:authorization:RoleAssignment")).to.deep.equal([]);
        expect(registered(ROLE, "orders-api-identity-binding-role").inputs.rules).to.deep.equal(useManagedIdentityRules(CLIENT_ID));
        expect(registered(SPC, "orders-api-spc").inputs.spec.parameters).to.deep.include({
            useAzureTokenProxy: "true",
            clientID: CLIENT_ID,
        });
        expect(dependencies(SPC, "orders-api-spc")).to.include.members([
            "orders-api-identity-binding-role",
            "orders-api-identity-binding-role-binding",
        ]);
    });

    it("asks for exactly one of clientId and managed, and for a GUID client ID", () => {
        const both = {
            mode: "identityBinding",
            clientId: CLIENT_ID,
            managed: {
                resourceGroupName: "rg",
                location: "westeurope",
                vaultId: VAULT_ID,
                cluster: { clusterName: "a", resourceGroupName: "rg" },
            },
        };
        expect(appWorkloadProblems("orders-api", appArgs(both as never)).map(formatProblem)).to.deep.equal([
            "identity: identity binding needs exactly one of clientId (existing identity) or managed (create one). Fix: set one of them.",
        ]);
        expect(appWorkloadProblems("orders-api", appArgs({ mode: "identityBinding" } as never)).map(formatProblem)).to.deep.equal([
            "identity: identity binding needs exactly one of clientId (existing identity) or managed (create one). Fix: set one of them.",
        ]);
        expect(
            appWorkloadProblems("orders-api", appArgs({ mode: "identityBinding", clientId: "orders-identity" })).map(formatProblem),
        ).to.deep.equal([
            'identity.clientId: "orders-identity" is not a GUID. Fix: use the client ID of the managed identity bound to the cluster.',
        ]);
    });
});
