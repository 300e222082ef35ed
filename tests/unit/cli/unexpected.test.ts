import { expect } from "chai";
import { STACK_VARIABLE, unexpectedErrorText } from "../../../cli/unexpected";

/** What the command prints for an error it did not expect (cli/unexpected.ts). */
describe("cli: an unexpected error", () => {
    function thrown(): Error {
        try {
            JSON.parse(`{"key": "${"v".repeat(10_000)}`);
        } catch (error) {
            return error as Error;
        }
        throw new Error("JSON.parse accepted broken JSON");
    }

    it("is one line: its type, its first line capped, and how to see the stack", () => {
        const text = unexpectedErrorText(thrown(), {});
        expect(text).to.match(
            /^aks-keyvault-secrets: unexpected error: SyntaxError "[^\n]*; rerun with AKS_KEYVAULT_SECRETS_STACK=1 for the stack trace[^\n]*\n$/,
        );
        expect(text.length).to.be.below(300);
        expect(text).not.to.match(/^\s+at /m);
    });

    it("is the stack trace with the variable set", () => {
        const error = thrown();
        expect(unexpectedErrorText(error, { [STACK_VARIABLE]: "1" })).to.equal(`aks-keyvault-secrets: ${error.stack}\n`);
        expect(error.stack).to.match(/^\s+at /m);
    });

    it("takes a thrown non-Error too", () => {
        expect(unexpectedErrorText("a string", {})).to.match(/^aks-keyvault-secrets: unexpected error: string "a string"; rerun/);
    });
});
