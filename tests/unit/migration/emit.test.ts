import { expect } from "chai";
import * as fc from "fast-check";
import { keyVaultNameProblems } from "../../../components/key-vault/names";
import { vaultFileName } from "../../../migration/emit";

/** The text the command writes (migration/emit.ts); the golden files of tests/unit/cli/main.test.ts hold the rest. */
describe("migration: emitted files", () => {
    it("names a vault's files as before the slug had one home (files are only written for valid vault names)", () => {
        const vaultName = fc
            .stringMatching(/^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/)
            .filter((name) => keyVaultNameProblems(name).length === 0);
        fc.assert(
            fc.property(vaultName, (vault) => {
                expect(vaultFileName(vault)).to.equal(vault.toLowerCase().replace(/[^a-z0-9-]+/g, "-"));
            }),
        );
    });
});
