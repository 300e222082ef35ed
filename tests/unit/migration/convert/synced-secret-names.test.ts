import { expect } from "chai";
import { secretNameCollisionProblems } from "../../../../program/secret-names";
import { exitCodeFor } from "../../../../migration/findings";
import { convert, withCode } from "../helpers";

/** Phase 7: synced Secret names, never an akv2k8s one (migration/convert/synced-secret-names.ts). */
describe("migration: synced Secret names", () => {
    describe("grouping and names", () => {
        const result = convert(["akv2k8s/kubectl-list.yaml"]);

        it("never picks a synced Secret name that akv2k8s writes (status.secretName and output names)", () => {
            expect(result.secretRenames.map((r) => `${r.namespace}/${r.akv2k8sSecret} -> ${r.csiSecret}`)).to.deep.equal([
                "billing/billing -> billing-csi",
                "orders/orders -> orders-csi-2",
                "orders/orders-csi -> orders-csi-csi",
                "orders/orders -> orders-csi-3",
            ]);
            const synced = result.applications.flatMap(({ app }) =>
                app.syncedSecrets.map((s) => ({ namespace: app.namespace, secretName: s.secretName, app: app.name })),
            );
            expect(secretNameCollisionProblems(synced, new Set(["orders/orders", "orders/orders-csi", "billing/billing"]))).to.deep.equal(
                [],
            );
        });

        it("a Secret filled from two vaults becomes two synced Secrets, for review", () => {
            const [split] = withCode(result, "AKVS_SECRET_SPLIT_ACROSS_APPS");
            expect(split.subject).to.equal("Secret orders/orders");
            expect(split.message).to.contain('"orders-csi-2" (app orders-kv-orders) and "orders-csi-3" (app orders-kv-partners)');
        });
    });

    describe("side-by-side safety", () => {
        it("refuses a --secret-name that akv2k8s writes, suggesting the default", () => {
            const result = convert(["akv2k8s/kubectl-list.yaml"], { secretNames: { "billing/billing": "billing" } });
            const [collision] = withCode(result, "SECRET_NAME_COLLISION");
            expect(collision.severity).to.equal("error");
            expect(collision.message).to.contain('"billing" is a Secret akv2k8s writes in billing');
            expect(collision.fix).to.equal('use a free name such as "billing-csi" (the default)');
            expect(exitCodeFor(result.findings)).to.equal(1);
        });

        it("refuses a --secret-name listed in --existing-secrets", () => {
            const result = convert(["akv2k8s/kubectl-list.yaml"], {
                secretNames: { "billing/billing": "billing-db" },
                existingSecrets: ["billing/billing-db"],
            });
            expect(withCode(result, "SECRET_NAME_COLLISION")[0].message).to.contain("--existing-secrets lists");
        });

        it("default names avoid --existing-secrets too", () => {
            const result = convert(["akv2k8s/kubectl-list.yaml"], { existingSecrets: ["billing/billing-csi"] });
            expect(result.secretRenames[0].csiSecret).to.equal("billing-csi-2");
        });
    });
});
