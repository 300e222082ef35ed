/** program/ownership.ts: the owner annotation, which objects the preview reads, and what it refuses or takes over. */
import { expect } from "chai";
import { parseStackConfig } from "../../program/config";
import { kubernetesObjectPlan } from "../../program/kubernetes-objects";
import { checkAgainstCluster } from "../../program/cluster-checks";
import { OWNER_STACK_ANNOTATION, ownedObjects, ownershipCheck, ownershipFindings } from "../../program/ownership";
import { StackConfigError, formatConfigProblem } from "../../program/problems";
import { capturedWarnings, fakeKubeApi, rejection } from "../mocks";

const TENANT = "6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const ME = "organization/aks-keyvault-secrets/dev";
const OTHER = "organization/aks-keyvault-secrets/other";

function stack(applications: unknown[]) {
    const config = parseStackConfig({
        cluster: { mode: "external", addonIdentityClientId: TENANT },
        keyVault: { mode: "external", name: "kv-orders", tenantId: TENANT, checkContents: false },
        applications,
    });
    return { config, plan: kubernetesObjectPlan(config.applications.map((app, index) => ({ index, app }))) };
}

const ORDERS = {
    name: "orders-api",
    namespace: "orders",
    createNamespace: true,
    identity: { mode: "addon" },
    objects: [{ objectName: "db-password", objectType: "secret" }],
    syncedSecrets: [{ secretName: "orders-api-keyvault", type: "Opaque", data: [{ key: "db-password", objectName: "db-password" }] }],
    deployment: { image: "registry.example/orders-api:1" },
};

function object(kind: string, name: string, metadata: { annotations?: Record<string, string>; labels?: Record<string, string> }) {
    return { kind, metadata: { name, ...metadata } };
}

describe("ownership", () => {
    it("reads each object the stack declares, not the Secrets the driver writes, and each SecretSync", () => {
        const { config, plan } = stack([
            ORDERS,
            {
                ...ORDERS,
                name: "notifier",
                createNamespace: false,
                syncMechanism: "secretSync",
                syncedSecrets: [{ ...ORDERS.syncedSecrets[0], secretName: "notifier-smtp" }],
            },
        ]);
        expect(ownedObjects(config, plan).map((entry) => `${entry.object} ${entry.apiPath} ${entry.path.join(".")}`)).to.deep.equal([
            "Namespace/orders /api/v1/namespaces/orders applications.0.createNamespace",
            "ServiceAccount/orders/notifier /api/v1/namespaces/orders/serviceaccounts/notifier applications.1.name",
            "SecretProviderClass/orders/notifier /apis/secrets-store.csi.x-k8s.io/v1/namespaces/orders/secretproviderclasses/notifier applications.1.name",
            "Deployment/orders/notifier /apis/apps/v1/namespaces/orders/deployments/notifier applications.1.name",
            "ServiceAccount/orders/orders-api /api/v1/namespaces/orders/serviceaccounts/orders-api applications.0.name",
            "SecretProviderClass/orders/orders-api /apis/secrets-store.csi.x-k8s.io/v1/namespaces/orders/secretproviderclasses/orders-api applications.0.name",
            "Deployment/orders/orders-api /apis/apps/v1/namespaces/orders/deployments/orders-api applications.0.name",
            "SecretSync/orders/notifier-smtp /apis/secret-sync.x-k8s.io/v1alpha1/namespaces/orders/secretsyncs/notifier-smtp applications.1.syncedSecrets",
        ]);
    });

    describe("ownershipFindings", () => {
        const { config, plan } = stack([ORDERS]);
        const objects = ownedObjects(config, plan);
        const at = (entries: Record<string, { exists: true; owner?: string; labels: Record<string, string> }>) =>
            new Map(Object.entries(entries));

        it("passes objects that are absent or this stack's own", () => {
            const mine = at({ "Deployment/orders/orders-api": { exists: true, owner: ME, labels: {} } });
            expect(ownershipFindings(objects, mine, ME, new Set())).to.deep.equal({ problems: [], warnings: [] });
        });

        it("refuses another stack's objects, even when the app adopts, and says how to share a namespace", () => {
            const theirs = at({
                "Namespace/orders": { exists: true, owner: OTHER, labels: {} },
                "Deployment/orders/orders-api": { exists: true, owner: OTHER, labels: {} },
            });
            const found = ownershipFindings(objects, theirs, ME, new Set(["orders-api"]));
            expect(found.problems.map(formatConfigProblem)).to.deep.equal([
                `aks-keyvault-secrets:applications[0].createNamespace (app "orders-api"): Namespace orders exists and stack ${OTHER} owns it; taking it over would make the two stacks overwrite each other, and destroying either would delete it. Fix: set createNamespace: false and let stack ${OTHER} keep the namespace.`,
                `aks-keyvault-secrets:applications[0].name (app "orders-api"): Deployment orders/orders-api exists and stack ${OTHER} owns it; taking it over would make the two stacks overwrite each other, and destroying either would delete it. Fix: use another name, or remove the object from stack ${OTHER} first.`,
            ]);
        });

        it("refuses an object no stack made unless the app adopts it", () => {
            const handWritten = at({ "SecretProviderClass/orders/orders-api": { exists: true, labels: { team: "orders" } } });
            expect(ownershipFindings(objects, handWritten, ME, new Set()).problems.map(formatConfigProblem)).to.deep.equal([
                `aks-keyvault-secrets:applications[0].name (app "orders-api"): SecretProviderClass orders/orders-api exists and no stack of this program made it (written by hand or by another tool); up would take it over silently. Fix: set adoptExisting: true on app "orders-api" to take it over, or use another name.`,
            ]);
            expect(ownershipFindings(objects, handWritten, ME, new Set(["orders-api"]))).to.deep.equal({ problems: [], warnings: [] });
        });

        it("takes over, with a warning, what this program made before it recorded its stack", () => {
            const older = at({
                "ServiceAccount/orders/orders-api": {
                    exists: true,
                    labels: { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/name": "orders-api" },
                },
            });
            const found = ownershipFindings(objects, older, ME, new Set());
            expect(found.problems).to.deep.equal([]);
            expect(found.warnings.map(formatConfigProblem)).to.deep.equal([
                `aks-keyvault-secrets:applications[0].name (app "orders-api"): ServiceAccount orders/orders-api was made by this program before it recorded the owning stack; this stack takes it over and records itself. Fix: nothing, unless another stack also declares it: then remove it from one of them.`,
            ]);
        });
    });

    describe("against an API server", () => {
        it("fails the preview for every refused object at once", async () => {
            const { config, plan } = stack([ORDERS]);
            const server = await fakeKubeApi({
                "/api/v1/namespaces/orders": object("Namespace", "orders", { annotations: { [OWNER_STACK_ANNOTATION]: OTHER } }),
                "/apis/apps/v1/namespaces/orders/deployments/orders-api": object("Deployment", "orders-api", {}),
                "/api/v1/namespaces/orders/serviceaccounts/orders-api": object("ServiceAccount", "orders-api", {
                    annotations: { [OWNER_STACK_ANNOTATION]: ME },
                }),
            });
            try {
                const error = await rejection(
                    checkAgainstCluster([ownershipCheck(config, plan, ME)], async () => ({ kubeconfig: server.kubeconfig })),
                );
                expect(error).to.be.instanceOf(StackConfigError);
                expect((error as StackConfigError).problems.map((line) => line.split(":")[1].split(" ")[0])).to.deep.equal([
                    "applications[0].createNamespace",
                    "applications[0].name",
                ]);
                expect(server.requests).to.have.length(ownedObjects(config, plan).length);
            } finally {
                server.close();
            }
        });

        it("warns and goes on when the cluster refuses the reads", async () => {
            const { config, plan } = stack([ORDERS]);
            const server = await fakeKubeApi({}, 403);
            try {
                const warnings = await capturedWarnings(() =>
                    checkAgainstCluster([ownershipCheck(config, plan, ME)], async () => ({ kubeconfig: server.kubeconfig })),
                );
                expect(warnings).to.deep.equal([
                    "aks-keyvault-secrets:cluster: the cluster could not be read (GET /api/v1/namespaces/orders: 403 status 403), so no object was checked for another owner. Fix: give the preview a kubeconfig that reaches the cluster with get on the objects it declares.",
                ]);
            } finally {
                server.close();
            }
        });
    });
});
