import { expect } from "chai";
import { exitCodeFor } from "../../../../migration/findings";
import { convert, withCode } from "../helpers";

/** The env-injection label of each namespace (migration/convert/namespace-labels.ts). */
describe("migration: env-injection namespace labels", () => {
    const result = convert(["akv2k8s/mappings.yaml", "workloads/shop.yaml"]);

    it("names the namespace label to remove once every injected workload is moved", () => {
        expect(result.namespaceLabels).to.deep.equal([
            {
                namespace: "shop",
                action: "remove",
                command: "kubectl label namespace shop azure-key-vault-env-injection-",
                reason: "every workload given that used @azurekeyvault is converted (Deployment shop/storefront)",
            },
        ]);
    });

    describe("what has no equivalent keeps the label and is reported", () => {
        const legacy = convert(["akv2k8s/unsupported.yaml", "workloads/legacy.yaml"]);
        it("keeps the namespace label while any value is not converted", () => {
            expect(legacy.namespaceLabels.map((l) => [l.namespace, l.action])).to.deep.equal([["legacy", "keep"]]);
            expect(withCode(legacy, "NAMESPACE_LABEL_KEEP")[0].message).to.contain(
                "CronJob legacy/nightly-report, Deployment legacy/login",
            );
            expect(exitCodeFor(legacy.findings)).to.equal(2);
        });
    });
});
