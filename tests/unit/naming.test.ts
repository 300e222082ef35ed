import { expect } from "chai";
import * as fc from "fast-check";
import { isDnsLabel } from "../../components/shared/kubernetes";
import { nameSuffix, toDnsLabel, uniqueName } from "../../components/shared/naming";

/** The one slug of free text and the names made from it (components/shared/naming.ts). */
describe("naming: slugs and unique names", () => {
    it("toDnsLabel always gives a DNS label, the slug of the text when it is short enough", () => {
        fc.assert(
            fc.property(fc.string({ maxLength: 80 }), (text) => {
                const label = toDnsLabel(text);
                expect(isDnsLabel(label), JSON.stringify(text)).to.equal(true);
                if (nameSuffix(text) !== "" && nameSuffix(text).length <= 63 && !/^[^a-z0-9]/.test(text.toLowerCase())) {
                    expect(label).to.equal(nameSuffix(text));
                }
            }),
        );
        expect(toDnsLabel("Payments.V2")).to.equal("payments-v2");
        expect(toDnsLabel("--")).to.equal("app");
    });

    it("keeps the rules it had (runs of other characters -> one '-', cut at 63 before trimming)", () => {
        expect(toDnsLabel("a-_-b")).to.equal("a-b");
        expect(toDnsLabel(`-${"a".repeat(63)}`)).to.equal("a".repeat(62));
        expect(nameSuffix("Key Vault Secrets User")).to.equal("key-vault-secrets-user");
    });

    it("uniqueName: the base when free, else the first free -N, within the length", () => {
        fc.assert(
            fc.property(fc.stringMatching(/^[a-z][a-z0-9-]{0,70}$/), fc.array(fc.nat(5), { maxLength: 5 }), (base, takenSuffixes) => {
                const taken = new Set([base, ...takenSuffixes.map((n) => `${base.slice(0, 63 - `-${n}`.length).replace(/-+$/, "")}-${n}`)]);
                const name = uniqueName(base, (candidate) => taken.has(candidate), 63);
                expect(taken.has(name)).to.equal(false);
                expect(name.length).to.be.at.most(63);
            }),
        );
        expect(uniqueName("orders-csi", (name) => name === "orders-csi")).to.equal("orders-csi-2");
    });
});
