/** program/change-check.ts: the files and synced keys running pods read that a change takes away. */
import { expect } from "chai";
import { checkAgainstCluster } from "../../program/cluster-checks";
import { RunningPod, changeCheck, changeWarnings, moveProblem } from "../../program/change-check";
import { StackConfigError } from "../../program/problems";
import { rejection } from "../mocks";
import { parseStackConfig } from "../../program/config";
import { renderObjectsParameter } from "../../components/secret-provider-class/render";
import { capturedWarnings, fakeKubeApi } from "../mocks";
import { formatConfigProblem } from "../../program/problems";

const APP = {
    name: "orders-api",
    namespace: "orders",
    objects: [
        { objectName: "orders-db-password", objectType: "secret" as const },
        { objectName: "orders-api-key", objectType: "secret" as const, objectAlias: "api-key-v2" },
    ],
    syncedSecrets: [
        { secretName: "orders-api-keyvault", type: "Opaque" as const, data: [{ key: "db-password", objectName: "orders-db-password" }] },
    ],
};

const LIVE = {
    files: ["orders-db-password", "api-key"],
    syncedKeys: { "orders-api-keyvault": ["db-password", "api-key"] },
};

function pod(name: string, extra: Partial<RunningPod> = {}): RunningPod {
    return { name, classes: ["orders-api"], envKeys: [], envFromSecrets: [], ...extra };
}

describe("change check: what running pods lose", () => {
    it("warns when a renamed alias takes a file from running pods of the class, naming the file and the pods", () => {
        const warnings = changeWarnings({ ...APP, syncedSecrets: [] }, 0, { ...LIVE, syncedKeys: {} }, [
            pod("orders-api-1"),
            pod("other", { classes: ["payments"] }),
        ]);
        expect(warnings.map(formatConfigProblem)).to.deep.equal([
            'aks-keyvault-secrets:applications[0].objects (app "orders-api"): removes or renames "api-key", which 1 running pod(s) mount from class orders/orders-api (orders-api-1); the files disappear from their mounts at the next rotation, and the pods are not restarted. Fix: keep the old objectAlias (or object) until no pod reads it, or roll the pods out once the change is applied.',
        ]);
    });

    it("says nothing when no running pod mounts the class, or no file goes", () => {
        expect(changeWarnings(APP, 0, { ...LIVE, syncedKeys: {} }, [pod("other", { classes: ["payments"] })])).to.deep.equal([]);
        expect(
            changeWarnings(APP, 0, { files: ["orders-db-password", "api-key-v2"], syncedKeys: {} }, [pod("orders-api-1")]),
        ).to.deep.equal([]);
    });

    it("warns when a synced Secret loses a key that a running pod's env reads, by key or whole", () => {
        const pods = [
            pod("worker-1", { classes: [], envKeys: [{ secret: "orders-api-keyvault", key: "api-key", env: "API_KEY" }] }),
            pod("batch-1", { classes: [], envFromSecrets: ["orders-api-keyvault"] }),
            pod("reader-1", { classes: [], envKeys: [{ secret: "orders-api-keyvault", key: "db-password", env: "DB" }] }),
        ];
        expect(changeWarnings(APP, 2, { files: [], syncedKeys: LIVE.syncedKeys }, pods).map(formatConfigProblem)).to.deep.equal([
            'aks-keyvault-secrets:applications[2].syncedSecrets (app "orders-api"): drops key "api-key" of Secret orders/orders-api-keyvault, which running pods read: worker-1 (env API_KEY), batch-1 (envFrom); their next start fails (CreateContainerConfigError). Fix: keep the key until those pods no longer read it, or change them first.',
        ]);
        const onlyWhole = changeWarnings(APP, 0, { files: [], syncedKeys: LIVE.syncedKeys }, [pods[1]]).map(formatConfigProblem);
        expect(onlyWhole[0]).to.include("batch-1 (envFrom); their next start lacks the variable");
    });

    it("a whole synced Secret removed counts as each of its keys dropped", () => {
        const pods = [pod("worker-1", { classes: [], envKeys: [{ secret: "orders-api-keyvault", key: "db-password", env: "DB" }] })];
        expect(changeWarnings({ ...APP, syncedSecrets: [] }, 0, { files: [], syncedKeys: LIVE.syncedKeys }, pods)).to.have.length(1);
    });

    it("reads the live class and the running pods from the cluster", async () => {
        const config = parseStackConfig({
            cluster: { mode: "external", addonIdentityClientId: "3b1d7f0e-5a2c-4e8b-9d6f-1a2b3c4d5e6f" },
            keyVault: { mode: "external", name: "kv-orders", tenantId: "6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", checkContents: false },
            applications: [{ ...APP, identity: { mode: "addon" } }],
        });
        const server = await fakeKubeApi({
            "/apis/secrets-store.csi.x-k8s.io/v1/namespaces/orders/secretproviderclasses/orders-api": {
                spec: {
                    parameters: {
                        objects: renderObjectsParameter([
                            APP.objects[0],
                            { objectName: "orders-api-key", objectType: "secret", objectAlias: "api-key" },
                        ]),
                    },
                    secretObjects: [{ secretName: "orders-api-keyvault", data: [{ key: "db-password" }, { key: "api-key" }] }],
                },
            },
            "/api/v1/namespaces/orders/pods?fieldSelector=status.phase%3DRunning": {
                items: [
                    {
                        metadata: { name: "orders-api-1" },
                        spec: {
                            volumes: [
                                {
                                    name: "keyvault-secrets",
                                    csi: { driver: "secrets-store.csi.k8s.io", volumeAttributes: { secretProviderClass: "orders-api" } },
                                },
                            ],
                            containers: [
                                {
                                    name: "app",
                                    env: [
                                        { name: "API_KEY", valueFrom: { secretKeyRef: { name: "orders-api-keyvault", key: "api-key" } } },
                                    ],
                                },
                            ],
                        },
                    },
                ],
            },
        });
        try {
            const warnings = await capturedWarnings(() =>
                checkAgainstCluster([changeCheck(config, "organization/aks-keyvault-secrets/dev")], async () => ({
                    kubeconfig: server.kubeconfig,
                })),
            );
            expect(warnings.map((line) => line.split(": ")[0] + ": " + line.split(": ")[1].split(",")[0])).to.deep.equal([
                'aks-keyvault-secrets:applications[0].objects (app "orders-api"): removes or renames "api-key"',
                'aks-keyvault-secrets:applications[0].syncedSecrets (app "orders-api"): drops key "api-key" of Secret orders/orders-api-keyvault',
            ]);
        } finally {
            server.close();
        }
    });

    it("refuses moving an app this stack runs in another namespace, with the safe path", async () => {
        expect(formatConfigProblem(moveProblem(APP, 1, "shop"))).to.equal(
            'aks-keyvault-secrets:applications[1].namespace (app "orders-api"): moves the app from namespace "shop" to "orders", which replaces its Deployment, SecretProviderClass and ServiceAccount by deleting them first: its pods stop before the new ones can mount. Fix: add the app under a new name in "orders", apply, move the traffic, then remove "orders-api" from "shop"; or keep namespace "shop".',
        );
        const config = parseStackConfig({
            cluster: { mode: "external", addonIdentityClientId: "3b1d7f0e-5a2c-4e8b-9d6f-1a2b3c4d5e6f" },
            keyVault: { mode: "external", name: "kv-orders", tenantId: "6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", checkContents: false },
            applications: [{ ...APP, identity: { mode: "addon" } }],
        });
        const owned = (owner: string) => ({
            items: [{ metadata: { name: "orders-api", namespace: "shop", annotations: { "aks-keyvault-secrets/owner-stack": owner } } }],
        });
        const LIST = "/apis/secrets-store.csi.x-k8s.io/v1/secretproviderclasses?fieldSelector=metadata.name%3Dorders-api";
        const mine = await fakeKubeApi({ [LIST]: owned("organization/aks-keyvault-secrets/dev") });
        const theirs = await fakeKubeApi({ [LIST]: owned("organization/aks-keyvault-secrets/other") });
        try {
            const error = await rejection(
                checkAgainstCluster([changeCheck(config, "organization/aks-keyvault-secrets/dev")], async () => ({
                    kubeconfig: mine.kubeconfig,
                })),
            );
            expect(error).to.be.instanceOf(StackConfigError);
            expect((error as StackConfigError).problems).to.deep.equal([formatConfigProblem(moveProblem(APP, 0, "shop"))]);
            // another stack's app of the same name is the ownership check's business, not a move
            await checkAgainstCluster([changeCheck(config, "organization/aks-keyvault-secrets/dev")], async () => ({
                kubeconfig: theirs.kubeconfig,
            }));
        } finally {
            mine.close();
            theirs.close();
        }
    });
});
