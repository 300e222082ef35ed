/** program/cluster-checks.ts: the preview's checks against the cluster run in one pass and report together. */
import { expect } from "chai";
import * as fc from "fast-check";
import { parseStackConfig } from "../../program/config";
import { changeCheck } from "../../program/change-check";
import {
    AzureCluster,
    azureClusterKubeconfig,
    checkAgainstCluster,
    clusterSource,
    inParallel,
    reachCluster,
} from "../../program/cluster-checks";
import { kubernetesObjectPlan } from "../../program/kubernetes-objects";
import { namespaceCheck } from "../../program/namespace-check";
import { OWNER_STACK_ANNOTATION, ownershipCheck } from "../../program/ownership";
import { StackConfigError } from "../../program/problems";
import { capturedWarnings, fakeArm, fakeCredential, fakeKubeApi, rejection } from "../mocks";
import * as fs from "fs";

const TENANT = "6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const ME = "organization/aks-keyvault-secrets/dev";

const config = parseStackConfig({
    cluster: { mode: "external", addonIdentityClientId: TENANT },
    keyVault: { mode: "external", name: "kv-orders", tenantId: TENANT, checkContents: false },
    applications: [
        { name: "orders-api", namespace: "orders", identity: { mode: "addon" }, objects: [{ objectName: "db", objectType: "secret" }] },
        { name: "shop", namespace: "shop-typo", identity: { mode: "addon" }, objects: [{ objectName: "db", objectType: "secret" }] },
    ],
});
const checks = () => [
    namespaceCheck(config),
    ownershipCheck(config, kubernetesObjectPlan(config.applications.map((app, index) => ({ index, app }))), ME),
    changeCheck(config, ME),
];

describe("checks against the cluster", () => {
    it("report the refusals of every check in one error, in key order: a missing namespace and another stack's object", async () => {
        const server = await fakeKubeApi({
            "/api/v1/namespaces/orders": { kind: "Namespace", metadata: { name: "orders" } },
            "/api/v1/namespaces/orders/serviceaccounts/orders-api": {
                kind: "ServiceAccount",
                metadata: { name: "orders-api", annotations: { [OWNER_STACK_ANNOTATION]: "organization/aks-keyvault-secrets/other" } },
            },
        });
        try {
            const error = await rejection(checkAgainstCluster(checks(), async () => ({ kubeconfig: server.kubeconfig })));
            expect(error).to.be.instanceOf(StackConfigError);
            expect((error as StackConfigError).problems.map((line) => line.split(" ")[0])).to.deep.equal([
                "aks-keyvault-secrets:applications[0].name",
                "aks-keyvault-secrets:applications[1].namespace",
            ]);
        } finally {
            server.close();
        }
    });

    it("an unloadable kubeconfig: each check says once what it did not check, and the preview goes on", async () => {
        const warnings = await capturedWarnings(() =>
            checkAgainstCluster(checks(), async () => ({ kubeconfig: "/nonexistent/kubeconfig" })),
        );
        expect(warnings).to.have.length(2);
        expect(warnings[0]).to.match(
            /^aks-keyvault-secrets:cluster: the cluster could not be read \(can't load the kubeconfig \/nonexistent\/kubeconfig: .*\), so the namespaces "orders", "shop-typo" were not checked to exist/,
        );
        expect(warnings[1]).to.match(/could not be read \(can't load the kubeconfig .*\), so no object was checked for another owner/);
    });

    it("inParallel keeps the items' order and never runs more than `width` at once", async () => {
        await fc.assert(
            fc.asyncProperty(fc.array(fc.nat(5), { maxLength: 40 }), fc.integer({ min: 1, max: 10 }), async (delays, width) => {
                let running = 0;
                let most = 0;
                const results = await inParallel(
                    delays,
                    async (delay) => {
                        running++;
                        most = Math.max(most, running);
                        await new Promise((resolve) => setTimeout(resolve, delay));
                        running--;
                        return delay * 2;
                    },
                    width,
                );
                expect(results).to.deep.equal(delays.map((delay) => delay * 2));
                expect(most).to.be.at.most(width);
                expect(most).to.equal(Math.min(width, delays.length));
            }),
            { numRuns: 50 },
        );
    });

    describe("a cluster the stack creates or reads: its user kubeconfig from Resource Manager", () => {
        const SUBSCRIPTION = "11111111-2222-3333-4444-555555555555";
        const azureStack = (cluster: Record<string, unknown>, azure: Record<string, unknown> = {}, more: Record<string, unknown> = {}) =>
            parseStackConfig({
                azure: { location: "westeurope", resourceGroupName: "rg-platform", ...azure },
                cluster,
                keyVault: { mode: "external", name: "kv-orders", tenantId: TENANT, checkContents: false },
                applications: [
                    {
                        name: "shop",
                        namespace: "shop-typo",
                        identity: { mode: "addon" },
                        objects: [{ objectName: "db", objectType: "secret" }],
                    },
                ],
                ...more,
            });
        const CLUSTER: AzureCluster = {
            subscriptionId: SUBSCRIPTION,
            resourceGroupName: "rg-platform",
            name: "aks-orders",
            endpoint: "https://management.azure.com",
        };
        const CREDENTIAL = `POST /subscriptions/${SUBSCRIPTION}/resourceGroups/rg-platform/providers/Microsoft.ContainerService/managedClusters/aks-orders/listClusterUserCredential`;

        it("clusterSource: the provider's kubeconfig for an external cluster, Resource Manager for a created or existing one", () => {
            expect(clusterSource(config, {}, { context: "prod" })).to.deep.equal({ kind: "kubeconfig", provider: { context: "prod" } });
            expect(clusterSource(azureStack({ mode: "existing", name: "aks-orders" }), { subscriptionId: SUBSCRIPTION })).to.deep.equal({
                kind: "azure",
                ...CLUSTER,
            });
            expect(
                clusterSource(
                    azureStack({ mode: "existing", name: "aks-orders", resourceGroupName: "rg-aks" }, { subscriptionId: SUBSCRIPTION }),
                    {},
                ),
            ).to.deep.include({ kind: "azure", resourceGroupName: "rg-aks", subscriptionId: SUBSCRIPTION });
            // no subscription known: Resource Manager can't be asked
            expect(clusterSource(azureStack({ mode: "existing", name: "aks-orders" }), {})).to.equal(undefined);
        });

        it("reaches the cluster through the user kubeconfig Resource Manager hands out, and refuses the missing namespace", async () => {
            const server = await fakeKubeApi({});
            const arm = fakeArm("management.azure.com", {
                [CREDENTIAL]: { kubeconfigs: [{ name: "clusterUser", value: fs.readFileSync(server.kubeconfig).toString("base64") }] },
            });
            try {
                const reach = () => reachCluster({ kind: "azure", ...CLUSTER }, fakeCredential(), { httpClient: arm.httpClient });
                const error = await rejection(
                    checkAgainstCluster([namespaceCheck(azureStack({ mode: "existing", name: "aks-orders" }))], reach),
                );
                expect((error as StackConfigError).problems[0]).to.match(
                    /^aks-keyvault-secrets:applications\[0\]\.namespace \(app "shop"\): namespace "shop-typo" does not exist/,
                );
                expect(arm.seen).to.deep.equal([CREDENTIAL]);
                expect(server.requests).to.deep.equal(["GET /api/v1/namespaces/shop-typo"]);
            } finally {
                server.close();
            }
        });

        it("a cluster that does not exist yet (404) is not read and says nothing; a refusal is a warning", async () => {
            const missing = fakeArm("management.azure.com", {}, { [CREDENTIAL.slice("POST ".length)]: 404 });
            expect(await azureClusterKubeconfig(CLUSTER, fakeCredential(), { httpClient: missing.httpClient })).to.equal(undefined);
            const config404 = azureStack({ mode: "existing", name: "aks-orders" });
            const none = await capturedWarnings(() => checkAgainstCluster([namespaceCheck(config404)], async () => undefined));
            expect(none).to.deep.equal([]);
            const refused = fakeArm("management.azure.com", {}, { [CREDENTIAL.slice("POST ".length)]: 403 });
            const warnings = await capturedWarnings(() =>
                checkAgainstCluster([namespaceCheck(config404)], async () => {
                    await azureClusterKubeconfig(CLUSTER, fakeCredential(), { httpClient: refused.httpClient });
                    return undefined;
                }),
            );
            expect(warnings).to.have.length(1);
            expect(warnings[0]).to.match(
                /^aks-keyvault-secrets:cluster: the cluster could not be read \(Resource Manager's user kubeconfig of cluster aks-orders in rg-platform: 403 AuthorizationFailed: The client does not have authorization\), so the namespaces "shop-typo" were not checked to exist/,
            );
        });
    });
});
