/** The program's identity mode identityBinding: config checks (every message) and what a stack registers. */
import { expect } from "chai";
import { CONFIG_NAMESPACE, StackConfigError, parseStackConfig, plannedRoleAssignmentCount } from "../../program/config";
import { runProgram } from "../../program/main";
import { identityBindingWarning } from "../../program/warnings";
import { stackFileConfig } from "../stack-files";
import { ExistingAksCluster } from "../../components";
import {
    SUBSCRIPTION_ID,
    TENANT_ID,
    addonIdentityOf,
    azureState,
    errorFrom,
    fakeGuid,
    ofType,
    outputError,
    platformStackOutput,
    registered,
    rejection,
    resetPlatformStackOutput,
    resetRegistrations,
    settle,
    valueOf,
} from "../mocks";

const CLIENT_ID = "0f4c8b1e-3c2a-4a55-9d1e-6b7a8c9d0e1f";
const N = CONFIG_NAMESPACE;

function app(identity: Record<string, unknown>) {
    return { name: "fleet-agent", namespace: "fleet", identity, objects: [{ objectName: "fleet-token", objectType: "secret" }] };
}

/** A provider that reads identity binding: on created and read clusters, an addon that ships it (not today's, v1.7.2). */
const provider = { keyVaultProvider: { version: "1.8.2" } };
const created = {
    azure: { location: "westeurope", resourceGroupName: "rg-dev" },
    cluster: {
        mode: "create",
        name: "aks-dev",
        systemNodePool: { vmSize: "Standard_D4ds_v5", count: 2 },
        secretRotation: { enabled: true },
        ...provider,
    },
    keyVault: { mode: "create", name: "kv-dev-1" },
};
const external = {
    cluster: { mode: "external", ...provider },
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
        const message = configError({
            platformStack: "organization/aks-keyvault-secrets/dev",
            applications: [app({ mode: "identityBinding" })],
        });
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
        const raw = {
            ...created,
            cluster: { ...created.cluster, workloadIdentity: false },
            applications: [app({ mode: "identityBinding", clientId: CLIENT_ID })],
        };
        expect(configError(raw)).to.contain(
            `${N}:applications[0].identity (app "fleet-agent"): uses identity binding, but cluster.workloadIdentity is false; AKS documents identity bindings on clusters with the ` +
                "OIDC issuer and workload identity on. Fix: set cluster.workloadIdentity: true (it turns on both), or use identity mode addon.",
        );
    });

    it("needs the vault's resource ID for the roles of the identity it creates", () => {
        const raw = {
            azure: created.azure,
            cluster: { mode: "existing", name: "aks-shared", ...provider },
            keyVault: external.keyVault,
            applications: [app({ mode: "identityBinding" })],
        };
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
        expect(() =>
            parseStackConfig({ ...external, applications: [app({ mode: "identityBinding", clientId: CLIENT_ID })] }),
        ).to.not.throw();
        expect(() => parseStackConfig({ ...created, applications: [app({ mode: "identityBinding" })] })).to.not.throw();
    });

    it("counts the roles of an identity it creates in the role-assignment budget", () => {
        const config = parseStackConfig({
            ...created,
            applications: [app({ mode: "identityBinding" }), { ...app({ mode: "identityBinding", clientId: CLIENT_ID }), name: "other" }],
        });
        expect(plannedRoleAssignmentCount(config, { hasVaultId: true, hasAddonIdentity: true })).to.equal(1);
    });
});

describe("identity mode identityBinding: the cluster's provider must read it (v1.8.1 or later)", () => {
    const withoutProvider = (cluster: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(cluster).filter(([key]) => key !== "keyVaultProvider"));
    const onAddon =
        `${N}:applications[0].identity (app "fleet-agent"): uses identity binding (useAzureTokenProxy), which the Azure Key Vault provider reads from v1.8.1 on, ` +
        "but the cluster runs the AKS addon's provider, v1.7.2 (node images 202604.24 to 202607.09), which ignores it: the mount would fall back to workload identity " +
        "with the cluster's token, and Entra would refuse it. Fix: use identity mode workloadIdentity (`identity: { mode: workloadIdentity }`), which the addon supports, " +
        "or, once the cluster's provider is v1.8.1 or later (an addon that ships it, or one installed with its Helm chart with the addon off and cluster mode external), " +
        "declare it: `cluster.keyVaultProvider: { version: <version> }`.";

    it("fails without cluster.keyVaultProvider (the AKS addon's provider), in each cluster mode, with or without clientId", () => {
        const clusters = [withoutProvider(created.cluster), { mode: "existing", name: "aks-shared" }, { mode: "external" }];
        for (const cluster of clusters) {
            for (const identity of [{ mode: "identityBinding" }, { mode: "identityBinding", clientId: CLIENT_ID }]) {
                const raw = {
                    ...created,
                    cluster,
                    keyVault: {
                        ...external.keyVault,
                        id: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-local",
                    },
                };
                const problems = (errorFrom(() => parseStackConfig({ ...raw, applications: [app(identity)] })) as StackConfigError)
                    .problems;
                expect(
                    problems.filter((line) => line.includes("useAzureTokenProxy")),
                    `${cluster.mode} ${JSON.stringify(identity)}`,
                ).to.deep.equal([onAddon]);
            }
        }
    });

    it("fails when cluster.keyVaultProvider names a release before v1.8.1, saying which", () => {
        for (const version of ["1.8.0", "v1.7.2"]) {
            expect(
                configError({
                    ...external,
                    cluster: { mode: "external", keyVaultProvider: { version } },
                    applications: [app({ mode: "identityBinding", clientId: CLIENT_ID })],
                }),
            ).to.contain(
                `${N}:applications[0].identity (app "fleet-agent"): uses identity binding (useAzureTokenProxy), which the Azure Key Vault provider reads from v1.8.1 on, ` +
                    `but cluster.keyVaultProvider.version says the cluster runs v${version.replace("v", "")}, which ignores it: the mount would fall back to workload identity ` +
                    "with the cluster's token, and Entra would refuse it. Fix: use identity mode workloadIdentity (`identity: { mode: workloadIdentity }`), which that provider " +
                    "supports, or upgrade the provider to v1.8.1 or later and set cluster.keyVaultProvider.version to its version.",
            );
        }
    });

    it("takes v1.8.1 and later in each cluster mode, and asks nothing of the other identity modes", () => {
        for (const version of ["1.8.1", "v1.8.1", "1.8.2", "1.10.0", "2.0.0"]) {
            const keyVaultProvider = { version };
            expect(
                () =>
                    parseStackConfig({
                        ...external,
                        cluster: { mode: "external", keyVaultProvider },
                        applications: [app({ mode: "identityBinding", clientId: CLIENT_ID })],
                    }),
                version,
            ).to.not.throw();
            expect(
                () =>
                    parseStackConfig({
                        ...created,
                        cluster: { ...created.cluster, keyVaultProvider },
                        applications: [app({ mode: "identityBinding" })],
                    }),
                version,
            ).to.not.throw();
        }
        const others = [{ mode: "addon" }, { mode: "workloadIdentity" }].map((identity, index) => ({
            ...app(identity),
            name: `app-${index}`,
        }));
        expect(() => parseStackConfig({ ...created, cluster: withoutProvider(created.cluster), applications: others })).to.not.throw();
    });

    it("refuses a version that is not a release, by the schema", () => {
        const at = (version: unknown) => configError({ ...external, cluster: { mode: "external", keyVaultProvider: { version } } });
        expect(at("1.8")).to.contain(
            `${N}:cluster.keyVaultProvider.version: the string "1.8" must be a provider release (major.minor.patch). Fix: write a value like 1.8.2.`,
        );
        expect(at(1.8)).to.contain(
            `${N}:cluster.keyVaultProvider.version: expected a string, got the number 1.8. Fix: write it as a string, e.g. \`version: 1.8.2\`.`,
        );
    });

    describe("in an app stack: the provider the platform stack exports", () => {
        afterEach(resetPlatformStackOutput);
        const appStack = {
            platformStack: "organization/aks-keyvault-secrets/dev",
            applications: [app({ mode: "identityBinding", clientId: CLIENT_ID })],
        };

        it("fails the preview when the platform's cluster runs the addon's provider", async () => {
            resetRegistrations();
            const error = await rejection(runProgram(parseStackConfig(appStack)));
            expect(error).to.be.instanceOf(StackConfigError);
            expect(error.message).to.contain(
                `${N}:applications[0].identity (app "fleet-agent"): uses identity binding (useAzureTokenProxy), which the Azure Key Vault provider reads from v1.8.1 on, ` +
                    "but the cluster of platform stack organization/aks-keyvault-secrets/dev runs the AKS addon's provider, v1.7.2 (node images 202604.24 to 202607.09), which " +
                    "ignores it: the mount would fall back to workload identity with the cluster's token, and Entra would refuse it. Fix: use identity mode workloadIdentity " +
                    "(`identity: { mode: workloadIdentity }`), which the addon supports, or, once the cluster's provider is v1.8.1 or later (an addon that ships it, or one " +
                    "installed with its Helm chart with the addon off and cluster mode external), declare it in the platform stack: `cluster.keyVaultProvider: { version: <version> }`.",
            );
            await settle();
        });

        it("fails the preview when the platform names a release before v1.8.1, and takes v1.8.1 and later", async () => {
            platformStackOutput.keyVaultProvider = { version: "1.7.2" };
            resetRegistrations();
            expect((await rejection(runProgram(parseStackConfig(appStack)))).message).to.contain(
                `${N}:applications[0].identity (app "fleet-agent"): uses identity binding (useAzureTokenProxy), which the Azure Key Vault provider reads from v1.8.1 on, ` +
                    "but platform stack organization/aks-keyvault-secrets/dev says its cluster runs v1.7.2, which ignores it: the mount would fall back to workload identity " +
                    "with the cluster's token, and Entra would refuse it. Fix: use identity mode workloadIdentity (`identity: { mode: workloadIdentity }`), which that provider " +
                    "supports, or upgrade the provider to v1.8.1 or later and set cluster.keyVaultProvider.version in the platform stack to its version.",
            );
            await settle();
            platformStackOutput.keyVaultProvider = { version: "1.8.1" };
            resetRegistrations();
            await valueOf((await runProgram(parseStackConfig(appStack))).applications);
            await settle();
            expect(
                registered("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass", "fleet-agent-spc").inputs.spec.parameters,
            ).to.deep.include({ useAzureTokenProxy: "true" });
        });

        it("is exported by a platform stack that declares it, in any cluster mode", async () => {
            for (const raw of [external, created]) {
                resetRegistrations();
                const outputs = await runProgram(
                    parseStackConfig({ ...raw, applications: [app({ mode: "identityBinding", clientId: CLIENT_ID })] }),
                );
                expect((await valueOf(outputs.platform)).keyVaultProvider, raw.cluster.mode).to.deep.equal({ version: "1.8.2" });
                await settle();
            }
        });
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
                managedIdentity: {
                    resourceId: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-dev/providers/Microsoft.ManagedIdentity/userAssignedIdentities/fleet-agent-identity`,
                },
            },
        });
        expect(ofType("azure-native:managedidentity:FederatedIdentityCredential")).to.deep.equal([]);
        expect(ofType("azure-native:authorization:RoleAssignment").map((r) => r.name)).to.deep.equal(["fleet-agent-access-secretsuser"]);
        expect(
            registered("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass", "fleet-agent-spc").inputs.spec.parameters,
        ).to.deep.include({
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
        azureState.vaults["kv-shared"] = {
            id: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv-shared`,
            name: "kv-shared",
            properties: { tenantId: TENANT_ID, enableRbacAuthorization: true },
        };
        const raw = {
            azure: created.azure,
            cluster: { mode: "existing", name: "aks-shared", resourceGroupName: "rg-aks", ...provider },
            keyVault: { mode: "existing", name: "kv-shared" },
            applications: [app({ mode: "identityBinding" })],
        };
        await valueOf((await runProgram(parseStackConfig(raw))).applications);
        await settle();
        expect(registered("azure-native:containerservice:IdentityBinding", "fleet-agent-identity-binding-binding").inputs).to.deep.include({
            resourceGroupName: "rg-aks",
            resourceName: "aks-shared",
        });
    });

    it("fails at preview on a cluster with API server VNet integration, which AKS does not support identity bindings on", async () => {
        azureState.managedClusters["aks-vnet"] = {
            name: "aks-vnet",
            addonProfiles: { azureKeyvaultSecretsProvider: { enabled: true, identity: addonIdentityOf("aks-vnet") } },
            apiServerAccessProfile: { enableVnetIntegration: true },
        };
        const cluster = new ExistingAksCluster("vnet", { resourceGroupName: "rg", name: "aks-vnet", requireIdentityBindingSupport: true });
        expect((await outputError(cluster.clusterName)).message).to.contain(
            'AKS cluster "aks-vnet" has API server VNet integration, and AKS does not support identity bindings on such clusters yet. Use identity mode workloadIdentity for its apps instead.',
        );
        const other = new ExistingAksCluster("vnet-other", { resourceGroupName: "rg", name: "aks-vnet" });
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
        expect(identityBindingWarning(["a", "b", "c", "d", "e", "f"])).to.match(
            /^6 apps use identity mode identityBinding \(a, b, c, d, e and 1 more\), /,
        );

        const warned: string[] = [];
        const consoleWarn = console.warn;
        console.warn = (message: string) => warned.push(message);
        try {
            resetRegistrations();
            const apps = [
                app({ mode: "identityBinding" }),
                { ...app({ mode: "identityBinding", clientId: CLIENT_ID }), name: "inventory-sync", namespace: "inventory" },
            ];
            await valueOf((await runProgram(parseStackConfig({ ...created, applications: apps }))).applications);
            await settle();
            for (const stack of ["dev", "prod"]) {
                resetRegistrations();
                await valueOf((await runProgram(parseStackConfig(stackFileConfig(stack)))).applications);
                await settle();
            }
        } finally {
            console.warn = consoleWarn;
        }
        expect(warned.filter((message) => message.includes("identity mode identityBinding"))).to.deep.equal([
            `warning: [runtime] ${identityBindingWarning(["fleet-agent", "inventory-sync"])}`,
        ]);
    });
});
