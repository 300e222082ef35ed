import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { DELIBERATE_RULES } from "./deliberate";

describe("docs/conformance.md", () => {
    it("lists every deliberate rule with its reason, and no other", () => {
        const text = fs.readFileSync(path.resolve(__dirname, "../../docs/conformance.md"), "utf8");
        const table = text.slice(text.indexOf("## Deliberate false rejects"));
        const rows = table.split("\n").filter((line) => /^\| `[a-z-]+` \|/.test(line));
        expect(rows).to.deep.equal(DELIBERATE_RULES.map((rule) => `| \`${rule.id}\` | ${rule.reason} |`));
    });
});
