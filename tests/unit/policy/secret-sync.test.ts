/** policy/secret-sync.ts: SecretSync objects as the CRD and the sync controller need them. */
import { expect } from "chai";
import { secretSyncWellFormed } from "../../../policy/secret-sync";
import { U, violations } from "./fixtures";

const TYPE = "kubernetes:secret-sync.x-k8s.io/v1alpha1:SecretSync";

function secretSync(spec: Record<string, unknown>, preview = false) {
    return { type: TYPE, props: { metadata: { name: "orders-smtp", namespace: "orders" }, spec }, preview };
}

const valid = {
    secretProviderClassName: "orders",
    serviceAccountName: "orders",
    secretObject: { type: "Opaque", data: [{ sourcePath: "smtp-password", targetKey: "smtp-password" }], labels: { team: "orders" } },
};

describe("secret-sync-well-formed", () => {
    it("passes a SecretSync as the AppWorkload renders it, and ignores other types", () => {
        expect(violations(secretSyncWellFormed, secretSync(valid))).to.deep.equal([]);
        expect(violations(secretSyncWellFormed, { type: "kubernetes:core/v1:Secret", props: { spec: {} } })).to.deep.equal([]);
    });

    it("flags a missing ServiceAccount or class, and the controller's reserved prefix, each with its fix", () => {
        const spec = {
            secretProviderClassName: "Orders",
            secretObject: {
                ...valid.secretObject,
                labels: { "secrets-store.sync.x-k8s.io/secretsync": "x" },
                annotations: { "secrets-store.sync.x-k8s.io/hash": "y" },
            },
        };
        expect(violations(secretSyncWellFormed, secretSync(spec))).to.deep.equal([
            `SecretSync "orders/orders-smtp": spec.secretProviderClassName: "Orders" is not a valid Kubernetes name. Fix: use lower-case letters, digits, '-' and '.'.`,
            `SecretSync "orders/orders-smtp": spec.serviceAccountName: is missing; the CRD requires it: it names the ServiceAccount whose token the controller requests for the provider (workload identity authenticates as it). Fix: set serviceAccountName.`,
            `SecretSync "orders/orders-smtp": spec.secretObject.labels["secrets-store.sync.x-k8s.io/secretsync"]: starts with secrets-store.sync.x-k8s.io, which the SecretSync CRD reserves for the sync controller (it labels each Secret it writes secrets-store.sync.x-k8s.io, an empty value); the API server refuses the SecretSync. Fix: remove it, or use a key with a prefix of your own (e.g. example.com/secretsync).`,
            `SecretSync "orders/orders-smtp": spec.secretObject.annotations["secrets-store.sync.x-k8s.io/hash"]: starts with secrets-store.sync.x-k8s.io, which the SecretSync CRD reserves for the sync controller (it labels each Secret it writes secrets-store.sync.x-k8s.io, an empty value); the API server refuses the SecretSync. Fix: remove it, or use a key with a prefix of your own (e.g. example.com/hash).`,
        ]);
    });

    it("skips values unknown during preview", () => {
        expect(
            violations(secretSyncWellFormed, secretSync({ ...valid, serviceAccountName: U, secretProviderClassName: U }, true)),
        ).to.deep.equal([]);
    });
});
