/** program/namespace-check.ts: which namespaces the preview looks up, what it reports, and the run against an API server. */
import { expect } from "chai";
import { parseStackConfig } from "../../program/config";
import { checkAgainstCluster, clusterSource } from "../../program/cluster-checks";
import { missingNamespaceProblems, namespaceCheck, namespacesToCheck } from "../../program/namespace-check";
import { StackConfigError, formatConfigProblem } from "../../program/problems";
import { capturedWarnings, fakeKubeApi, rejection } from "../mocks";

const TENANT = "6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";

function app(name: string, namespace: string, extra: Record<string, unknown> = {}) {
    return { name, namespace, identity: { mode: "addon" }, objects: [{ objectName: "db-password", objectType: "secret" }], ...extra };
}

function stack(
    applications: unknown[],
    cluster: Record<string, unknown> = { mode: "external", addonIdentityClientId: TENANT },
    more: Record<string, unknown> = {},
) {
    return parseStackConfig({
        ...more,
        cluster,
        keyVault: { mode: "external", name: "kv-orders", tenantId: TENANT, checkContents: false },
        applications,
    });
}

function namespaces(...names: string[]): Record<string, unknown> {
    return Object.fromEntries(names.map((name) => [`/api/v1/namespaces/${name}`, { kind: "Namespace", metadata: { name } }]));
}

describe("namespace check", () => {
    describe("namespacesToCheck", () => {
        it("looks up each namespace of an external cluster's apps that no app creates, once, with its apps", () => {
            const config = stack([
                app("orders-api", "orders"),
                app("orders-worker", "orders"),
                app("payments", "payments", { createNamespace: true }),
                app("signing", "payments"),
                app("reports", "reports"),
            ]);
            expect(namespacesToCheck(config)).to.deep.equal([
                {
                    namespace: "orders",
                    apps: [
                        { index: 0, name: "orders-api" },
                        { index: 1, name: "orders-worker" },
                    ],
                },
                { namespace: "reports", apps: [{ index: 4, name: "reports" }] },
            ]);
        });

        it("the preview reads no cluster it cannot locate in Resource Manager (no subscription known)", () => {
            const config = stack(
                [app("orders-api", "orders")],
                { mode: "existing", name: "aks-prod" },
                {
                    azure: { location: "westeurope", resourceGroupName: "rg" },
                },
            );
            expect(clusterSource(config, {})).to.equal(undefined);
            expect(clusterSource(stack([app("orders-api", "orders")]), {})).to.deep.equal({ kind: "kubeconfig", provider: {} });
        });
    });

    it("one problem per app of a missing namespace, at its namespace key, with the fix", () => {
        const checked = [{ namespace: "shop-typo", apps: [{ index: 2, name: "shop" }] }];
        expect(
            missingNamespaceProblems(checked, new Set(["shop-typo"]), 'the cluster of context "local"').map(formatConfigProblem),
        ).to.deep.equal([
            'aks-keyvault-secrets:applications[2].namespace (app "shop"): namespace "shop-typo" does not exist in the cluster of context "local" and no app of this stack creates it, so up would fail after deleting the app\'s running objects. Fix: correct the name, create the namespace first, or set createNamespace: true on an app in it.',
        ]);
        expect(missingNamespaceProblems(checked, new Set(), "x")).to.deep.equal([]);
    });

    describe("against an API server", () => {
        it("fails the preview for every app in a namespace the cluster lacks, and reads each namespace once", async () => {
            const server = await fakeKubeApi(namespaces("orders"));
            try {
                const config = stack([app("orders-api", "orders"), app("shop", "shop-typo"), app("shop-worker", "shop-typo")]);
                const error = await rejection(
                    checkAgainstCluster([namespaceCheck(config)], async () => ({ kubeconfig: server.kubeconfig })),
                );
                expect(error).to.be.instanceOf(StackConfigError);
                expect((error as StackConfigError).problems).to.have.length(2);
                expect((error as StackConfigError).problems[0]).to.match(
                    /^aks-keyvault-secrets:applications\[1\]\.namespace \(app "shop"\): namespace "shop-typo" does not exist in the cluster of context "local"/,
                );
                expect(server.requests.sort()).to.deep.equal(["GET /api/v1/namespaces/orders", "GET /api/v1/namespaces/shop-typo"]);
            } finally {
                server.close();
            }
        });

        it("passes silently when every namespace exists", async () => {
            const server = await fakeKubeApi(namespaces("orders"));
            try {
                const warnings = await capturedWarnings(() =>
                    checkAgainstCluster([namespaceCheck(stack([app("orders-api", "orders")]))], async () => ({
                        kubeconfig: server.kubeconfig,
                    })),
                );
                expect(warnings).to.deep.equal([]);
            } finally {
                server.close();
            }
        });

        it("warns and goes on when the cluster refuses the read (403) or does not answer", async () => {
            const server = await fakeKubeApi({}, 403);
            const config = stack([app("orders-api", "orders")]);
            try {
                const warnings = await capturedWarnings(() =>
                    checkAgainstCluster([namespaceCheck(config)], async () => ({ kubeconfig: server.kubeconfig })),
                );
                expect(warnings).to.deep.equal([
                    'aks-keyvault-secrets:cluster: the cluster could not be read (GET namespace orders: 403 status 403), so the namespaces "orders" were not checked to exist. Fix: give the preview a kubeconfig that reaches the cluster (KUBECONFIG, or kubernetes:kubeconfig and kubernetes:context) with get on namespaces.',
                ]);
            } finally {
                server.close();
            }
            const unanswered = await capturedWarnings(() =>
                checkAgainstCluster([namespaceCheck(config)], async () => ({ kubeconfig: server.kubeconfig })),
            );
            expect(unanswered).to.have.length(1);
            expect(unanswered[0]).to.match(/^aks-keyvault-secrets:cluster: the cluster could not be read \(.*ECONNREFUSED/);
            const noFile = await capturedWarnings(() =>
                checkAgainstCluster([namespaceCheck(config)], async () => ({ kubeconfig: "/nonexistent/kubeconfig" })),
            );
            expect(noFile[0]).to.match(
                /could not be read \(can't load the kubeconfig \/nonexistent\/kubeconfig: .*; set KUBECONFIG or kubernetes:kubeconfig\)/,
            );
        });
    });
});
