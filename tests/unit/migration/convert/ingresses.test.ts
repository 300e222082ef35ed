import { expect } from "chai";
import { convert, withCode } from "../helpers";

/** Ingress TLS Secrets akv2k8s writes (migration/convert/ingresses.ts). */
describe("migration: Ingresses", () => {
    const result = convert(["akv2k8s/mappings.yaml", "workloads/shop.yaml"]);

    describe("references to akv2k8s Secrets are rewritten to the synced Secrets", () => {
        it("reports an Ingress TLS Secret written by akv2k8s", () => {
            expect(withCode(result, "INGRESS_TLS_REFERENCE").map((f) => [f.subject, f.where])).to.deep.equal([
                ["Ingress shop/storefront", 'tls secretName "shop-tls"'],
            ]);
        });
    });
});
