/** The accepted inputs of localenv/bench/migrate-hostile.ts sit just under the migration reader's limits. */
import { expect } from "chai";
import { INPUT_LIMITS, InputBudget } from "../../../migration/input-limits";
import { manifestsFromText } from "../../../migration/manifests";
import { hostileInputs } from "../../../localenv/bench/migrate-hostile";

describe("migrate's benchmark inputs against the reader's limits", () => {
    const inputs = new Map(hostileInputs().map((input) => [input.name, input]));
    const text = (name: string) => String(inputs.get(name)?.content());

    it("the accepted inputs are just under the limits, and read", () => {
        for (const name of ["limit-akvs.yaml", "limit-nodes.yaml", "limit-bytes.yaml"]) {
            const budget = new InputBudget();
            manifestsFromText(text(name), name, budget);
            expect(budget.nodes, name).to.be.within(INPUT_LIMITS.nodes * 0.95, INPUT_LIMITS.nodes);
        }
        const akvs = text("limit-akvs.yaml");
        expect(akvs.match(/^---$/gm)).to.have.length(5_000);
        expect(Buffer.byteLength(text("limit-bytes.yaml"))).to.be.within(INPUT_LIMITS.bytes - 200_000, INPUT_LIMITS.bytes);
        expect(text("limit-nodes.yaml").split(",")).to.have.length(199_000);
        expect([...inputs.values()].filter((input) => !input.refused).map((input) => input.name)).to.deep.equal([
            "limit-akvs.yaml",
            "limit-nodes.yaml",
            "limit-bytes.yaml",
        ]);
    });
});
