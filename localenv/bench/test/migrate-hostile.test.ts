import { expect } from "chai";
import * as YAML from "yaml";
import { hostileInputs } from "../migrate-hostile";

/**
 * The refused inputs of localenv/bench/migrate-hostile.ts are what its table says they are, so its numbers measure
 * that; tests/unit/migration/hostile-inputs.test.ts checks the accepted ones against the reader's limits.
 */
describe("bench: migrate's hostile inputs", () => {
    const inputs = new Map(hostileInputs().map((input) => [input.name, input]));
    const text = (name: string) => String(inputs.get(name)?.content());

    it("a 60 MB file of 24,000 documents, a List of 200,000 items, 1 MB that is not UTF-8", () => {
        const big = text("big.yaml");
        expect(Buffer.byteLength(big)).to.be.within(60e6, 61e6);
        expect(big.match(/^---$/gm)).to.have.length(24_000);
        expect(JSON.parse(text("list.json")).items).to.have.length(200_000);
        const junk = inputs.get("junk.yaml")?.content() as Buffer;
        expect(junk.length).to.equal(1 << 20);
        expect(() => new TextDecoder("utf-8", { fatal: true }).decode(junk)).to.throw(TypeError);
    });

    it("an alias bomb the YAML library refuses to expand, and a List whose item is itself", () => {
        expect(() => YAML.parseDocument(text("alias-bomb.yaml")).toJS()).to.throw(ReferenceError, /resource exhaustion/);
        const loop = YAML.parse(text("recursive-alias.yaml"));
        expect(loop.items[0]).to.equal(loop);
    });
});
