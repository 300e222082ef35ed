/** policy/props.ts: reading properties that may be unknown during preview. */
import { expect } from "chai";
import { UNKNOWN, read } from "../../../policy/props";
import { U, policyProxy } from "./fixtures";

describe("policy pack", () => {
    it("reads unknown values as UNKNOWN instead of throwing", () => {
        const props = policyProxy.unknownCheckingProxy({ a: { b: U }, c: "x" });
        expect(read(props, "a", "b")).to.equal(UNKNOWN);
        expect(read(props, "c")).to.equal("x");
        expect(read(props, "missing", "deeper")).to.equal(undefined);
        expect(() =>
            read(
                {
                    get boom(): string {
                        throw new Error("other");
                    },
                },
                "boom",
            ),
        ).to.throw("other");
    });
});
