import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import {
    AksCluster,
    ExistingAksCluster,
    KEY_VAULT_ROLES,
    KeyVault,
    KeyVaultAccess,
    ValidationError,
    accessPlan,
    goDurationSeconds,
    keyVaultAddonProfile,
    planAssignments,
    roleAssignmentName,
    secretRotationProblems,
    withKeyVaultAddon,
    formatProblem,
} from "../../components";
import { SUBSCRIPTION_ID, TENANT_ID, addonIdentityOf, azureState, errorFrom, fakeGuid, ofType, outputError, registered, resetRegistrations, settle, valueOf } from "../mocks";

const VAULT_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-dev/providers/Microsoft.KeyVault/vaults/kv-dev`;
const PRINCIPAL = "9a6e2a4c-1f0b-4d2e-8c3a-7b5d4e6f8a9b";

describe("AKS addon", () => {
    it("renders the addon profile with exact key casing and string config values", () => {
        expect(keyVaultAddonProfile({ enabled: true, pollInterval: "5m" })).to.deep.equal({
            azureKeyvaultSecretsProvider: { enabled: true, config: { enableSecretRotation: "true", rotationPollInterval: "5m" } },
        });
        expect(keyVaultAddonProfile({ enabled: false })).to.deep.equal({
            azureKeyvaultSecretsProvider: { enabled: true, config: { enableSecretRotation: "false", rotationPollInterval: "2m" } },
        });
    });

    it("merges into someone else's cluster args, keeping other addons and replacing a mis-cased copy", async () => {
        const merged = withKeyVaultAddon(
            { resourceGroupName: "rg", addonProfiles: { omsagent: { enabled: true }, AzureKeyVaultSecretsProvider: { enabled: false } } },
            { enabled: true },
        );
        expect(merged.resourceGroupName).to.equal("rg");
        expect(await valueOf(merged.addonProfiles!)).to.deep.equal({
            omsagent: { enabled: true },
            azureKeyvaultSecretsProvider: { enabled: true, config: { enableSecretRotation: "true", rotationPollInterval: "2m" } },
        });
    });

    it("parses Go durations and rejects bad poll intervals", () => {
        expect(goDurationSeconds("1h30m")).to.equal(5400);
        expect(goDurationSeconds("2 minutes")).to.equal(undefined);
        expect(secretRotationProblems({ enabled: true, pollInterval: "2 minutes" }).map(formatProblem)).to.deep.equal([
            'secretRotation.pollInterval: "2 minutes" is not a positive Go duration. Fix: use a value like "2m", "30s" or "1h".',
        ]);
        expect(secretRotationProblems({ enabled: true, pollInterval: "1s" }).map(formatProblem)[0]).to.contain('use at least "10s"');
    });
});

describe("AksCluster", () => {
    beforeEach(resetRegistrations);

    it("creates a ManagedCluster with the addon, rotation, OIDC issuer and workload identity, and exposes the addon identity", async () => {
        const cluster = new AksCluster("cluster", {
            resourceGroupName: "rg-dev",
            location: "westeurope",
            clusterName: "aks-dev",
            systemNodePool: { vmSize: "Standard_D4ds_v5", count: 2 },
            secretRotation: { enabled: true, pollInterval: "2m" },
        });
        expect(await valueOf(cluster.addonIdentity)).to.deep.equal(addonIdentityOf("aks-dev"));
        expect(await valueOf(cluster.oidcIssuerUrl)).to.match(/^https:\/\/westeurope\.oic\.prod-aks\.azure\.com\//);
        expect(await valueOf(cluster.kubeconfig)).to.contain("kind: Config");
        expect(pulumi.isSecret).to.be.a("function");
        await settle();
        const aks = registered("azure-native:containerservice:ManagedCluster", "cluster-aks").inputs;
        expect(aks.addonProfiles).to.deep.equal({ azureKeyvaultSecretsProvider: { enabled: true, config: { enableSecretRotation: "true", rotationPollInterval: "2m" } } });
        expect(aks.oidcIssuerProfile).to.deep.equal({ enabled: true });
        expect(aks.securityProfile).to.deep.equal({ workloadIdentity: { enabled: true } });
        expect(aks).to.include({ resourceName: "aks-dev", enableRBAC: true, location: "westeurope" });
    });

    it("rejects bad node pools, names and poll intervals at construction", () => {
        const error = errorFrom(
            () =>
                new AksCluster("bad", {
                    resourceGroupName: "rg",
                    location: "westeurope",
                    clusterName: "-bad-",
                    systemNodePool: { vmSize: "", count: 0 },
                    secretRotation: { enabled: true, pollInterval: "soon" },
                    adoptExistingResourceId: "aks-dev",
                }),
        );
        expect(error).to.be.instanceOf(ValidationError);
        expect(error.message).to.contain('secretRotation.pollInterval: "soon" is not a positive Go duration');
        expect(error.message).to.contain("systemNodePool.count: 0 is not a node count. Fix: use an integer from 1 to 1000 (3 for production).");
        expect(error.message).to.contain('systemNodePool.vmSize: is missing. Fix: set a VM size such as "Standard_D4ds_v5".');
        expect(error.message).to.contain('clusterName: "-bad-" is not a valid AKS name');
        expect(error.message).to.contain('adoptExistingResourceId: "aks-dev" is not a managed cluster resource ID. Fix: use the output of `az aks show -g <rg> -n <name> --query id -o tsv`.');
    });
});

describe("ExistingAksCluster", () => {
    beforeEach(resetRegistrations);

    it("reads the addon identity and OIDC issuer of a cluster managed elsewhere", async () => {
        azureState.managedClusters["aks-shared"] = {
            name: "aks-shared",
            addonProfiles: { azureKeyvaultSecretsProvider: { enabled: true, config: {}, identity: addonIdentityOf("aks-shared") } },
            oidcIssuerProfile: { enabled: true, issuerURL: "https://issuer.example/aks-shared/" },
            securityProfile: { workloadIdentity: { enabled: true } },
        };
        const cluster = new ExistingAksCluster("shared", { resourceGroupName: "rg-shared", clusterName: "aks-shared", requireWorkloadIdentity: true });
        expect(await valueOf(cluster.addonIdentity)).to.deep.equal(addonIdentityOf("aks-shared"));
        expect(await valueOf(cluster.oidcIssuerUrl)).to.equal("https://issuer.example/aks-shared/");
    });

    it("fails at preview with the command to run when the addon is not enabled", async () => {
        azureState.managedClusters["aks-legacy"] = { name: "aks-legacy", addonProfiles: { omsagent: { enabled: true } } };
        const cluster = new ExistingAksCluster("legacy", { resourceGroupName: "rg-legacy", clusterName: "aks-legacy" });
        const error = await outputError(cluster.addonIdentity);
        expect(error.message).to.contain('AKS cluster "aks-legacy" in resource group "rg-legacy" does not have the azure-keyvault-secrets-provider addon enabled.');
        expect(error.message).to.contain("az aks enable-addons --addons azure-keyvault-secrets-provider --name aks-legacy --resource-group rg-legacy");
    });

    it("fails with the command to run when workload identity is required but off", async () => {
        azureState.managedClusters["aks-nowi"] = { name: "aks-nowi", addonProfiles: { azureKeyvaultSecretsProvider: { enabled: true, identity: addonIdentityOf("aks-nowi") } } };
        const cluster = new ExistingAksCluster("nowi", { resourceGroupName: "rg", clusterName: "aks-nowi", requireWorkloadIdentity: true });
        const error = await outputError(cluster.oidcIssuerUrl);
        expect(error.message).to.contain("az aks update --name aks-nowi --resource-group rg --enable-oidc-issuer --enable-workload-identity");
    });
});

describe("KeyVault", () => {
    beforeEach(resetRegistrations);

    it("creates a vault with RBAC, soft delete and purge protection on", async () => {
        const vault = new KeyVault("kv", { mode: "create", vaultName: "kv-dev", resourceGroupName: "rg-dev", location: "westeurope", tenantId: TENANT_ID, publicNetworkAccess: "Disabled" });
        expect(await valueOf(vault.vaultId)).to.equal(VAULT_ID);
        await settle();
        const properties = registered("azure-native:keyvault:Vault", "kv-vault").inputs.properties;
        expect(properties).to.deep.include({
            tenantId: TENANT_ID,
            enableRbacAuthorization: true,
            enableSoftDelete: true,
            enablePurgeProtection: true,
            softDeleteRetentionInDays: 90,
            publicNetworkAccess: "Disabled",
        });
        expect(properties.sku).to.deep.equal({ family: "A", name: "standard" });
    });

    it("leaves purge protection unset (never false) when turned off, since Azure cannot turn it off", async () => {
        new KeyVault("kv", { mode: "create", vaultName: "kv-dev", resourceGroupName: "rg-dev", location: "westeurope", tenantId: TENANT_ID, enablePurgeProtection: false });
        await settle();
        expect(registered("azure-native:keyvault:Vault", "kv-vault").inputs.properties).to.not.have.property("enablePurgeProtection");
    });

    it("fails at preview when an existing vault is still in access-policy mode, with the command to fix it", async () => {
        azureState.vaults["kv-legacy"] = { id: VAULT_ID, name: "kv-legacy", properties: { tenantId: TENANT_ID, enableRbacAuthorization: false } };
        const vault = new KeyVault("legacy", { mode: "existing", vaultName: "kv-legacy", resourceGroupName: "rg-dev" });
        const error = await outputError(vault.vaultId);
        expect(error.message).to.contain('Key Vault "kv-legacy" uses access policies, not Azure RBAC');
        expect(error.message).to.contain("az keyvault update --name kv-legacy --resource-group rg-dev --enable-rbac-authorization true");
    });

    it("reads an existing RBAC vault", async () => {
        azureState.vaults["kv-shared"] = { id: VAULT_ID, name: "kv-shared", properties: { tenantId: TENANT_ID, enableRbacAuthorization: true, vaultUri: "https://kv-shared.vault.azure.net/" } };
        const vault = new KeyVault("shared", { mode: "existing", vaultName: "kv-shared", resourceGroupName: "rg-dev" });
        expect(await valueOf(vault.tenantId)).to.equal(TENANT_ID);
        expect(await valueOf(vault.vaultUri)).to.equal("https://kv-shared.vault.azure.net/");
    });

    it("names every wrong input", () => {
        const error = errorFrom(() => new KeyVault("kv", { mode: "create", vaultName: "kv--dev", resourceGroupName: "rg", softDeleteRetentionInDays: 3 }));
        expect(error.message).to.contain('vaultName: "kv--dev" is not a valid Key Vault name');
        expect(error.message).to.contain('location: is required to create a vault. Fix: set a region such as "westeurope".');
        expect(error.message).to.contain("tenantId: is required to create a vault. Fix: set the Entra tenant ID.");
        expect(error.message).to.contain("softDeleteRetentionInDays: 3 is outside 7-90. Fix: use a whole number of days from 7 to 90.");
    });
});

describe("Key Vault access", () => {
    beforeEach(resetRegistrations);

    it("picks the least-privileged role per object type", () => {
        expect(planAssignments([{ objectName: "a", objectType: "secret" }], "vault")).to.deep.equal([{ nameSuffix: "secretsuser", scopeSuffix: "", role: "secretsUser" }]);
        expect(planAssignments([{ objectName: "a", objectType: "secret" }, { objectName: "b", objectType: "cert" }], "vault").map((a) => a.role)).to.deep.equal(["certificateUser"]);
        expect(planAssignments([{ objectName: "k", objectType: "key" }, { objectName: "a", objectType: "secret" }, { objectName: "a", objectType: "secret" }], "object")).to.deep.equal([
            { nameSuffix: "keys-k", scopeSuffix: "/keys/k", role: "certificateUser" },
            { nameSuffix: "secrets-a", scopeSuffix: "/secrets/a", role: "secretsUser" },
        ]);
    });

    it("derives assignment names from scope, principal and role only", () => {
        const name = roleAssignmentName(VAULT_ID, PRINCIPAL, "secretsUser");
        expect(name).to.match(/^[0-9a-f-]{36}$/);
        expect(roleAssignmentName(VAULT_ID.toUpperCase(), PRINCIPAL, "secretsUser")).to.equal(name);
        expect(roleAssignmentName(VAULT_ID, PRINCIPAL, "certificateUser")).to.not.equal(name);
    });

    it("registers vault-scoped assignments with ServicePrincipal type, the role GUID and a deterministic name", async () => {
        new KeyVaultAccess("addon", { vaultId: VAULT_ID, principalId: PRINCIPAL, objects: [{ objectName: "db", objectType: "secret" }] });
        await settle();
        const assignment = registered("azure-native:authorization:RoleAssignment", "addon-secretsuser").inputs;
        expect(assignment).to.deep.include({
            scope: VAULT_ID,
            principalId: PRINCIPAL,
            principalType: "ServicePrincipal",
            roleDefinitionId: `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_ROLES.secretsUser.guid}`,
            roleAssignmentName: roleAssignmentName(VAULT_ID, PRINCIPAL, "secretsUser"),
        });
    });

    it("registers per-object scopes, identical for re-ordered input", async () => {
        const objects = [
            { objectName: "tls", objectType: "secret" as const },
            { objectName: "signing", objectType: "key" as const },
            { objectName: "root", objectType: "cert" as const },
        ];
        new KeyVaultAccess("app", { vaultId: VAULT_ID, principalId: PRINCIPAL, objects, scope: "object" });
        await settle();
        const first = ofType("azure-native:authorization:RoleAssignment").map((r) => [r.name, r.inputs.scope, r.inputs.roleAssignmentName]);
        resetRegistrations();
        new KeyVaultAccess("app", { vaultId: VAULT_ID, principalId: PRINCIPAL, objects: [...objects].reverse(), scope: "object" });
        await settle();
        const second = ofType("azure-native:authorization:RoleAssignment").map((r) => [r.name, r.inputs.scope, r.inputs.roleAssignmentName]);
        expect(second).to.deep.equal(first);
        expect(first.map(([name, scope]) => [name, scope])).to.deep.equal([
            ["app-certificates-root", `${VAULT_ID}/certificates/root`],
            ["app-keys-signing", `${VAULT_ID}/keys/signing`],
            ["app-secrets-tls", `${VAULT_ID}/secrets/tls`],
        ]);
    });

    it("never grants an officer or administrator role to a workload or addon identity", () => {
        const error = errorFrom(() => new KeyVaultAccess("wl", { vaultId: VAULT_ID, principalId: PRINCIPAL, roles: ["administrator"] }));
        expect(error.message).to.contain(
            'roles: "Key Vault Administrator" would let a workload or addon identity change or delete vault content. Fix: omit roles so the least-privileged reader role is chosen from the object types (Secrets User / Certificate User).',
        );
        expect(accessPlan({ vaultId: VAULT_ID, principalId: PRINCIPAL, principalType: "Group", roles: ["secretsOfficer"] })).to.deep.equal([
            { nameSuffix: "secretsofficer", scopeSuffix: "", role: "secretsOfficer" },
        ]);
    });

    it("rejects client IDs used as principal IDs and empty object lists", () => {
        const error = errorFrom(() => new KeyVaultAccess("wl", { vaultId: VAULT_ID, principalId: "my-app", objects: [] }));
        expect(error.message).to.contain('principalId: "my-app" is not a GUID. Fix: use the principal\'s object ID, not its client ID or name.');
        expect(error.message).to.contain("objects: is empty, so there is no role to choose.");
    });

    it("grants an admin group found by display name", async () => {
        azureState.groups["kv-admins"] = fakeGuid("kv-admins");
        const { groupObjectId } = await import("../../components");
        new KeyVaultAccess("admins", { vaultId: VAULT_ID, principalId: groupObjectId({ displayName: "kv-admins" }), principalType: "Group", roles: ["secretsOfficer"] });
        await settle();
        expect(registered("azure-native:authorization:RoleAssignment", "admins-secretsofficer").inputs).to.deep.include({ principalId: fakeGuid("kv-admins"), principalType: "Group" });
    });
});
