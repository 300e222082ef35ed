import { expect } from "chai";
import { stackFileConfig as stackFile } from "../stack-files";
import { CONFIG_NAMESPACE, StackConfigError, parseStackConfig, plannedRoleAssignmentCount } from "../../program/config";
import { runProgram } from "../../program/main";
import { kubernetesObjectPlan, objectsOwnedElsewhereProblems } from "../../program/kubernetes-objects";
import { formatConfigProblem } from "../../program/problems";
import {
    errorFrom,
    ofType,
    platformStackOutput,
    rejection,
    registered,
    registrations,
    resetPlatformStackOutput,
    resetRegistrations,
    settle,
    valueOf,
} from "../mocks";

const CLIENT_A = "6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const CLIENT_B = "7d2f3e4a-5b6c-4d7e-9f8a-0b1c2d3e4f5a";

/** An addon-mode app with one secret, in `namespace`. */
function app(name: string, namespace: string, extra: Record<string, unknown> = {}): Record<string, any> {
    return {
        name,
        namespace,
        identity: { mode: "addon" },
        objects: [{ objectName: `${name}-password`, objectType: "secret" }],
        deployment: { image: `registry.example/${name}:1`, skipAwait: true },
        ...extra,
    };
}

function localWith(applications: unknown[]): Record<string, any> {
    return { ...stackFile("local"), applications };
}

async function run(raw: Record<string, any>) {
    resetRegistrations();
    const outputs = await runProgram(parseStackConfig(raw));
    await valueOf(outputs.applications);
    await settle();
    return outputs;
}

function configError(raw: Record<string, any>): string {
    const error = errorFrom(() => parseStackConfig(raw));
    expect(error).to.be.instanceOf(StackConfigError);
    return error.message;
}

/** Each registered Kubernetes object as `Kind/namespace/name`. */
function kubernetesObjects(): string[] {
    return registrations
        .filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:"))
        .map(
            (r) =>
                `${r.type.split(":")[2]}/${r.inputs.metadata.namespace ? `${r.inputs.metadata.namespace}/` : ""}${r.inputs.metadata.name}`,
        );
}

describe("one Kubernetes object per kind/namespace/name", () => {
    it("declares a namespace two apps ask to create once, and keeps its URN whichever app declares it", async () => {
        await run(
            localWith([app("orders-api", "orders", { createNamespace: true }), app("orders-worker", "orders", { createNamespace: true })]),
        );
        expect(ofType("kubernetes:core/v1:Namespace").map((r) => r.name)).to.deep.equal(["namespace/orders"]);
        const objects = kubernetesObjects();
        expect(objects).to.deep.equal([...new Set(objects)]);
        await run(localWith([app("orders-worker", "orders", { createNamespace: true })]));
        expect(ofType("kubernetes:core/v1:Namespace").map((r) => r.name)).to.deep.equal(["namespace/orders"]);
    });

    it("declares a ServiceAccount apps share once; every app's pods run as it", async () => {
        await run(
            localWith([
                app("orders-api", "orders"),
                app("orders-worker", "orders", { serviceAccountName: "orders-api" }),
                app("orders-cron", "orders", { serviceAccountName: "orders-api" }),
            ]),
        );
        expect(ofType("kubernetes:core/v1:ServiceAccount").map((r) => r.name)).to.deep.equal(["serviceaccount/orders/orders-api"]);
        for (const deployment of ofType("kubernetes:apps/v1:Deployment")) {
            expect(deployment.inputs.spec.template.spec.serviceAccountName, deployment.name).to.equal("orders-api");
        }
    });

    it("refuses an app that would create the namespace's own ServiceAccount, at the key that names it", () => {
        const message = configError(localWith([app("default", "default"), app("orders-api", "orders", { serviceAccountName: "default" })]));
        expect(message).to.contain(
            `${CONFIG_NAMESPACE}:applications[0].name (app "default"): would create ServiceAccount "default" (the app name is its ServiceAccount's name), which the API server already keeps in every namespace`,
        );
        expect(message).to.contain(
            `${CONFIG_NAMESPACE}:applications[1].serviceAccountName (app "orders-api"): would create ServiceAccount "default"`,
        );
        expect(message).to.contain("Fix: set serviceAccountName to a name of the app's own.");
    });

    it("lets apps share a ServiceAccount of one existing workload identity, annotated once", async () => {
        const wi = { identity: { mode: "workloadIdentity", clientId: CLIENT_A }, serviceAccountName: "orders" };
        await run(localWith([app("orders-api", "orders", wi), app("orders-worker", "orders", wi)]));
        const [account] = ofType("kubernetes:core/v1:ServiceAccount");
        expect(ofType("kubernetes:core/v1:ServiceAccount")).to.have.length(1);
        expect(account.inputs.metadata.annotations["azure.workload.identity/client-id"]).to.equal(CLIENT_A);
    });

    it("refuses a shared ServiceAccount with two identities, or with an identity one app creates for itself", () => {
        const shared = (identity: unknown) => app("orders-worker", "orders", { serviceAccountName: "orders-api", identity });
        expect(
            configError(
                localWith([
                    app("orders-api", "orders", { identity: { mode: "workloadIdentity", clientId: CLIENT_A } }),
                    shared({ mode: "workloadIdentity", clientId: CLIENT_B }),
                ]),
            ),
        ).to.contain(
            `${CONFIG_NAMESPACE}:applications[1].identity (app "orders-worker"): shares ServiceAccount orders/orders-api with app "orders-api" but uses workload identity ${CLIENT_B} where "orders-api" uses workload identity ${CLIENT_A}; a ServiceAccount carries one workload identity.`,
        );
        expect(configError(localWith([app("orders-api", "orders"), shared({ mode: "workloadIdentity", clientId: CLIENT_A })]))).to.contain(
            "uses workload identity",
        );
        const managed = {
            ...stackFile("dev"),
            applications: [app("orders-api", "orders", { identity: { mode: "workloadIdentity" } }), shared({ mode: "addon" })],
        };
        expect(configError(managed)).to.contain(
            `${CONFIG_NAMESPACE}:applications[1].serviceAccountName (app "orders-worker"): ServiceAccount orders/orders-api is also used by app "orders-api", and "orders-api" creates its own workload identity for it`,
        );
    });

    it("decides who declares what by app name, so re-ordered apps declare the same objects", () => {
        const apps = [
            app("b", "shared", { createNamespace: true, serviceAccountName: "sa" }),
            app("a", "shared", { createNamespace: true, serviceAccountName: "sa" }),
            app("c", "other"),
        ];
        const indexed = (list: any[]) =>
            parseStackConfig(localWith(list)).applications.map((application, index) => ({ index, app: application }));
        const forward = kubernetesObjectPlan(indexed(apps));
        const backward = kubernetesObjectPlan(indexed([...apps].reverse()));
        expect(forward.objects).to.deep.equal(backward.objects);
        expect(Object.fromEntries(forward.apps)).to.deep.equal(Object.fromEntries(backward.apps));
        expect(forward.apps.get("a")).to.deep.equal({ createNamespace: true, createServiceAccount: true, namespaceFrom: undefined });
        expect(forward.apps.get("b")).to.deep.include({
            createNamespace: false,
            createServiceAccount: false,
            namespaceFrom: "a",
            serviceAccountFrom: "a",
        });
    });
});

describe("Key Vault names compared as Azure compares them", () => {
    it("gives object names that differ only in case one role assignment, whatever the order", async () => {
        const config = stackFile("dev");
        config.access.scope = "object";
        const objects = [
            { objectName: "Db-Password", objectType: "secret", objectAlias: "db-a" },
            { objectName: "db-password", objectType: "secret", objectAlias: "db-b" },
        ];
        config.applications = [app("orders-api", "orders", { identity: { mode: "workloadIdentity" }, objects })];
        await run(config);
        const names = ofType("azure-native:authorization:RoleAssignment").map((r) => r.name);
        expect(names).to.deep.equal([...new Set(names)]);
        expect(names.filter((name) => name.startsWith("orders-api-access"))).to.deep.equal(["orders-api-access-secrets-db-password"]);
        const scope = registered("azure-native:authorization:RoleAssignment", "orders-api-access-secrets-db-password").inputs.scope;
        config.applications[0].objects = [...objects].reverse();
        await run(config);
        expect(registered("azure-native:authorization:RoleAssignment", "orders-api-access-secrets-db-password").inputs.scope).to.equal(
            scope,
        );
    });
});

describe("workload identity needs it on the cluster", () => {
    it("refuses a workload-identity app on a new cluster with workloadIdentity false, naming both keys", () => {
        const config = stackFile("dev");
        config.cluster.workloadIdentity = false;
        expect(configError(config)).to.contain(
            `${CONFIG_NAMESPACE}:applications[1].identity (app "payments"): uses workload identity, but cluster.workloadIdentity is false, so the cluster has neither the OIDC issuer nor the workload identity webhook its pods need. Fix: set cluster.workloadIdentity: true`,
        );
    });
});

describe("split stacks: an app stack from a platform stack", () => {
    afterEach(resetPlatformStackOutput);
    const appStack = (applications: unknown[], extra: Record<string, unknown> = {}) => ({
        platformStack: "organization/aks-keyvault-secrets/dev",
        applications,
        ...extra,
    });

    it("creates no role of the platform's (addon identity, admins) and only its own apps' objects", async () => {
        await run(appStack([app("orders-api", "orders")]));
        expect(registrations.filter((r) => r.type.startsWith("azure-native:") || r.type.startsWith("azuread:"))).to.deep.equal([]);
        expect(registered("pulumi:pulumi:StackReference", "platform").inputs.name).to.equal("organization/aks-keyvault-secrets/dev");
        expect(kubernetesObjects().sort()).to.deep.equal([
            "Deployment/orders/orders-api",
            "SecretProviderClass/orders/orders-api",
            "ServiceAccount/orders/orders-api",
        ]);
    });

    it("creates an app's own workload identity, federated to the platform's issuer, with its role on the platform's vault", async () => {
        await run(
            appStack([app("payments", "payments", { identity: { mode: "workloadIdentity" } })], {
                azure: { location: "westeurope", resourceGroupName: "rg-payments" },
            }),
        );
        expect(registered("azure-native:managedidentity:FederatedIdentityCredential", "payments-federation").inputs.issuer).to.equal(
            platformStackOutput.oidcIssuerUrl,
        );
        expect(registered("azure-native:authorization:RoleAssignment", "payments-access-secretsuser").inputs.scope).to.equal(
            platformStackOutput.keyVaultId,
        );
    });

    it("lets a platform stack without addon apps grant the addon identity what app stacks' addon apps read", async () => {
        const platform = stackFile("dev");
        platform.applications = [];
        platform.access = {
            scope: "object",
            addonIdentityObjects: [
                { objectName: "orders-db-password", objectType: "secret" },
                { objectName: "orders-tls", objectType: "cert" },
            ],
        };
        await run(platform);
        const addon = ofType("azure-native:authorization:RoleAssignment").filter((r) => r.name.startsWith("addon-keyvault-access"));
        expect(addon.map((r) => r.name).sort()).to.deep.equal([
            "addon-keyvault-access-certificates-orders-tls",
            "addon-keyvault-access-secrets-orders-db-password",
        ]);
        expect(plannedRoleAssignmentCount(parseStackConfig(platform), { hasVaultId: true, hasAddonIdentity: true })).to.equal(2);
        expect(
            plannedRoleAssignmentCount(parseStackConfig(appStack([app("orders-api", "orders")])), {
                hasVaultId: true,
                hasAddonIdentity: true,
            }),
        ).to.equal(0);
    });

    it("ignores, with a warning, external cluster and vault keys an app stack still carries; the platform's values win", async () => {
        await run(
            appStack([app("orders-api", "orders")], {
                cluster: { mode: "external" },
                keyVault: { mode: "external", name: "kv-other", tenantId: CLIENT_A },
            }),
        );
        const spc = registered("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass", "orders-api-spc").inputs.spec.parameters;
        expect(spc).to.include({ keyvaultName: platformStackOutput.keyVaultName, tenantID: platformStackOutput.tenantId });
        expect(registrations.filter((r) => r.name.startsWith("addon-keyvault-access"))).to.deep.equal([]);
    });

    it("refuses the keys the platform stack owns", () => {
        const message = configError(
            appStack([app("orders-api", "orders")], {
                cluster: { mode: "existing", name: "aks" },
                keyVault: { mode: "create", name: "kv-a1" },
                access: { adminGroup: { objectId: CLIENT_A } },
            }),
        );
        expect(message).to.contain(
            `${CONFIG_NAMESPACE}:cluster: is set to mode existing, but with platformStack the platform stack owns the cluster`,
        );
        expect(message).to.contain(
            `${CONFIG_NAMESPACE}:keyVault: is set to mode create, but with platformStack the platform stack owns the vault`,
        );
        expect(message).to.contain(
            `${CONFIG_NAMESPACE}:access.adminGroup: is set, but with platformStack the platform stack grants the vault's admin access`,
        );
    });

    it("fails the preview on an object the platform stack already declares, at the key that declares it", async () => {
        platformStackOutput.kubernetesObjects = ["Namespace/orders", "ServiceAccount/orders/orders-api"];
        resetRegistrations();
        const error = await rejection(runProgram(parseStackConfig(appStack([app("orders-api", "orders", { createNamespace: true })]))));
        expect(error).to.be.instanceOf(StackConfigError);
        expect(error.message).to.contain(
            `${CONFIG_NAMESPACE}:applications[0].createNamespace (app "orders-api"): Namespace orders is already declared by stack organization/aks-keyvault-secrets/dev; two stacks declaring one object would overwrite each other, and destroying either would delete it. Fix: set createNamespace: false`,
        );
        expect(error.message).to.contain(
            `${CONFIG_NAMESPACE}:applications[0].name (app "orders-api"): ServiceAccount orders/orders-api is already declared by stack`,
        );
        await settle();
    });

    it("fails the preview when the platform has no OIDC issuer for an app that creates its identity", async () => {
        delete platformStackOutput.oidcIssuerUrl;
        resetRegistrations();
        const program = runProgram(
            parseStackConfig(
                appStack([app("payments", "payments", { identity: { mode: "workloadIdentity" } })], {
                    azure: { location: "westeurope", resourceGroupName: "rg" },
                }),
            ),
        );
        expect((await rejection(program)).message).to.contain(
            `${CONFIG_NAMESPACE}:platformStack: stack organization/aks-keyvault-secrets/dev exports no OIDC issuer in its \`platform\` output`,
        );
        await settle();
    });

    it("exports what it declares, so stacks that build on it can refuse duplicates", async () => {
        const outputs = await run(localWith([app("orders-api", "orders", { createNamespace: true })]));
        expect((await valueOf(outputs.platform)).kubernetesObjects).to.deep.equal([
            "Deployment/orders/orders-api",
            "Namespace/orders",
            "SecretProviderClass/orders/orders-api",
            "ServiceAccount/orders/orders-api",
        ]);
        const problems = objectsOwnedElsewhereProblems(
            [{ object: "Secret/orders/x", path: ["applications", 0, "syncedSecrets", 0, "secretName"], app: "orders-api" }],
            ["Secret/orders/x"],
            "o/p/s",
        );
        expect(problems.map(formatConfigProblem)).to.deep.equal([
            `${CONFIG_NAMESPACE}:applications[0].syncedSecrets[0].secretName (app "orders-api"): Secret orders/x is already declared by stack o/p/s; two stacks declaring one object would overwrite each other, and destroying either would delete it. Fix: use another name, or leave this object to the platform stack.`,
        ]);
    });
});
