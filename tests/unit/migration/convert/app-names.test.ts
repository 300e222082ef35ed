import { expect } from "chai";
import { exitCodeFor } from "../../../../migration/findings";
import { convert, expectAcceptedByProgram } from "../helpers";

/** Phase 6: the apps' names and identities (migration/convert/app-names.ts). */
describe("migration: app names", () => {
    describe("grouping and names", () => {
        const result = convert(["akv2k8s/kubectl-list.yaml"]);

        it("one app per namespace and vault: the namespace name when it has one vault, else namespace-vault", () => {
            expect(result.applications.map(({ vault, app }) => `${vault}:${app.name}`)).to.deep.equal([
                "kv-orders:billing",
                "kv-orders:orders-kv-orders",
                "kv-partners:orders-kv-partners",
            ]);
            expectAcceptedByProgram(result.applications);
        });

        it("flags override app names (NAMESPACE or NAMESPACE/VAULT) and Secret names", () => {
            const renamed = convert(["akv2k8s/kubectl-list.yaml"], {
                appNames: { billing: "billing-api", "orders/kv-partners": "orders-partners" },
                secretNames: { "orders/orders-csi": "orders-api-key" },
                secretSuffix: "-kv",
            });
            expect(renamed.applications.map(({ app }) => app.name)).to.deep.equal(["billing-api", "orders-kv-orders", "orders-partners"]);
            expect(renamed.secretRenames.map((r) => r.csiSecret)).to.deep.equal([
                "billing-kv",
                "orders-kv",
                "orders-api-key",
                "orders-kv-2",
            ]);
            expect(exitCodeFor(renamed.findings)).to.equal(2);
        });

        it('never names an app "default" (its ServiceAccount would be the namespace\'s own): the namespace default takes the vault too', () => {
            const basic = convert(["basic/akv2k8s/mount-only-no-secret-name-v1alpha1.yaml"]);
            expect(basic.applications.map(({ app }) => `${app.namespace}/${app.name}`)).to.deep.equal(["default/default-kv-legacy-dev"]);
            expectAcceptedByProgram(basic.applications);
            const overridden = convert(["basic/akv2k8s/mount-only-no-secret-name-v1alpha1.yaml"], { appNames: { default: "default" } });
            const [problem] = overridden.findings.filter((finding) => finding.code === "APP_NAME_INVALID");
            expect(problem.message).to.equal('"default" would name the app\'s ServiceAccount after the one every namespace already has');
            expect(problem.fix).to.equal("pick another app name");
            expect(exitCodeFor(overridden.findings)).to.equal(1);
        });

        it("--identity workloadIdentity applies to every converted app", () => {
            const wi = convert(["akv2k8s/kubectl-list.yaml"], {
                identity: { mode: "workloadIdentity", clientId: "6f1f6a52-3f0b-4d1e-8c53-0d9f0f7b2a11" },
            });
            expect(wi.applications.map(({ app }) => app.identity)).to.deep.equal(
                Array(3).fill({ mode: "workloadIdentity", clientId: "6f1f6a52-3f0b-4d1e-8c53-0d9f0f7b2a11" }),
            );
            expectAcceptedByProgram(wi.applications);
        });
    });
});
