/** components/cluster: the addon profile, AksCluster and ExistingAksCluster. */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { AksCluster, ExistingAksCluster, ValidationError, withKeyVaultAddon } from "../../components";
import { goDurationSeconds, keyVaultAddonProfile, secretRotationProblems } from "../../components/cluster/addon";
import { nodeSubnetIds } from "../../components/cluster/component";
import { formatProblem } from "../../components/shared/validation";
import { addonIdentityOf, azureState, errorFrom, outputError, registered, resetRegistrations, settle, valueOf } from "../mocks";

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
        expect(await valueOf(merged.addonProfiles)).to.deep.equal({
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
            name: "aks-dev",
            systemNodePool: { vmSize: "Standard_D4ds_v5", count: 2 },
            secretRotation: { enabled: true, pollInterval: "2m" },
        });
        expect(await valueOf(cluster.addonIdentity)).to.deep.equal(addonIdentityOf("aks-dev"));
        expect(await valueOf(cluster.oidcIssuerUrl)).to.match(/^https:\/\/westeurope\.oic\.prod-aks\.azure\.com\//);
        expect(await valueOf(cluster.kubeconfig)).to.contain("kind: Config");
        expect(pulumi.isSecret).to.be.a("function");
        await settle();
        const aks = registered("azure-native:containerservice:ManagedCluster", "cluster-aks").inputs;
        expect(aks.addonProfiles).to.deep.equal({
            azureKeyvaultSecretsProvider: { enabled: true, config: { enableSecretRotation: "true", rotationPollInterval: "2m" } },
        });
        expect(aks.oidcIssuerProfile).to.deep.equal({ enabled: true });
        expect(aks.securityProfile).to.deep.equal({ workloadIdentity: { enabled: true } });
        expect(aks).to.include({ resourceName: "aks-dev", enableRBAC: true, location: "westeurope" });
        expect(aks.agentPoolProfiles[0]).to.not.have.property("vnetSubnetID");
        expect(await valueOf(cluster.nodeSubnetIds)).to.equal(undefined);
    });

    it("puts the nodes in a subnet of your VNet when given, and names it for the vault's firewall check", async () => {
        const subnet =
            "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-aks/subnets/snet-aks-nodes";
        const cluster = new AksCluster("byo", {
            resourceGroupName: "rg-dev",
            location: "westeurope",
            systemNodePool: { vmSize: "Standard_D4ds_v5", count: 2, vnetSubnetId: subnet },
            secretRotation: { enabled: true },
        });
        expect(await valueOf(cluster.nodeSubnetIds)).to.deep.equal([subnet]);
        await settle();
        expect(registered("azure-native:containerservice:ManagedCluster", "byo-aks").inputs.agentPoolProfiles[0]).to.include({
            vnetSubnetID: subnet,
        });
    });

    it("rejects bad node pools, names and poll intervals at construction", () => {
        const error = errorFrom(
            () =>
                new AksCluster("bad", {
                    resourceGroupName: "rg",
                    location: "westeurope",
                    name: "-bad-",
                    systemNodePool: { vmSize: "", count: 0, vnetSubnetId: "snet-aks-nodes" },
                    secretRotation: { enabled: true, pollInterval: "soon" },
                    adoptResourceId: "aks-dev",
                }),
        );
        expect(error).to.be.instanceOf(ValidationError);
        expect(error.message).to.contain('secretRotation.pollInterval: "soon" is not a positive Go duration');
        expect(error.message).to.contain(
            "systemNodePool.count: 0 is not a node count. Fix: use an integer from 1 to 1000 (3 for production).",
        );
        expect(error.message).to.contain('systemNodePool.vmSize: is missing. Fix: set a VM size such as "Standard_D4ds_v5".');
        expect(error.message).to.contain(
            'systemNodePool.vnetSubnetId: "snet-aks-nodes" is not the resource ID of a subnet. Fix: use the full ID,',
        );
        expect(error.message).to.contain('name: "-bad-" is not a valid AKS name');
        expect(error.message).to.contain(
            'adoptResourceId: "aks-dev" is not a managed cluster resource ID. Fix: use the output of `az aks show -g <rg> -n <name> --query id -o tsv`.',
        );
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
        const cluster = new ExistingAksCluster("shared", {
            resourceGroupName: "rg-shared",
            name: "aks-shared",
            requireWorkloadIdentity: true,
        });
        expect(await valueOf(cluster.addonIdentity)).to.deep.equal(addonIdentityOf("aks-shared"));
        expect(await valueOf(cluster.oidcIssuerUrl)).to.equal("https://issuer.example/aks-shared/");
        expect(await valueOf(cluster.nodeSubnetIds), "an AKS-managed VNet names no subnet").to.equal(undefined);
    });

    it("names its node pools' subnets once each, for the vault's firewall check", () => {
        const subnet = (name: string) =>
            `/subscriptions/x/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/${name}`;
        expect(
            nodeSubnetIds({
                agentPoolProfiles: [
                    { vnetSubnetID: subnet("system") },
                    { vnetSubnetID: subnet("user") },
                    { vnetSubnetID: subnet("system") },
                ],
            }),
        ).to.deep.equal([subnet("system"), subnet("user")]);
        expect(nodeSubnetIds({ agentPoolProfiles: [{}] })).to.equal(undefined);
        expect(nodeSubnetIds({})).to.equal(undefined);
    });

    it("fails at preview with the command to run when the addon is not enabled", async () => {
        azureState.managedClusters["aks-legacy"] = { name: "aks-legacy", addonProfiles: { omsagent: { enabled: true } } };
        const cluster = new ExistingAksCluster("legacy", { resourceGroupName: "rg-legacy", name: "aks-legacy" });
        const error = await outputError(cluster.addonIdentity);
        expect(error.message).to.contain(
            'AKS cluster "aks-legacy" in resource group "rg-legacy" does not have the azure-keyvault-secrets-provider addon enabled.',
        );
        expect(error.message).to.contain(
            "az aks enable-addons --addons azure-keyvault-secrets-provider --name aks-legacy --resource-group rg-legacy",
        );
    });

    it("fails with the command to run when workload identity is required but off", async () => {
        azureState.managedClusters["aks-nowi"] = {
            name: "aks-nowi",
            addonProfiles: { azureKeyvaultSecretsProvider: { enabled: true, identity: addonIdentityOf("aks-nowi") } },
        };
        const cluster = new ExistingAksCluster("nowi", { resourceGroupName: "rg", name: "aks-nowi", requireWorkloadIdentity: true });
        const error = await outputError(cluster.oidcIssuerUrl);
        expect(error.message).to.contain(
            "az aks update --name aks-nowi --resource-group rg --enable-oidc-issuer --enable-workload-identity",
        );
    });

    it("takes its names from another stack or resource (pulumi.Input), and names them in its errors", async () => {
        azureState.managedClusters["aks-elsewhere"] = { name: "aks-elsewhere", addonProfiles: {} };
        const cluster = new ExistingAksCluster("elsewhere", {
            resourceGroupName: pulumi.output("rg-elsewhere"),
            name: pulumi.output("aks-elsewhere"),
            requireWorkloadIdentity: true,
        });
        expect((await outputError(cluster.addonIdentity)).message).to.contain("--name aks-elsewhere --resource-group rg-elsewhere");
        expect((await outputError(cluster.oidcIssuerUrl)).message).to.contain(
            "az aks update --name aks-elsewhere --resource-group rg-elsewhere",
        );
        expect(await valueOf(cluster.clusterName)).to.equal("aks-elsewhere");
    });
});
