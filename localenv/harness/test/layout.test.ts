import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../stack";

/** The product's folders: what users install and import. */
const PRODUCT = ["index.ts", "components/", "program/", "policy/", "migration/", "cli/"];
/** The product's public entry points: the package and the program. */
const ENTRY_POINTS = ["components/index.ts", "program/entry.ts"];

const tracked = (): string[] => execFileSync("git", ["ls-files"], { cwd: REPO_ROOT, encoding: "utf8" }).trim().split("\n");
const isProduct = (file: string) => PRODUCT.some((prefix) => file === prefix || file.startsWith(prefix));

/** Repository-relative files a TypeScript file imports by relative path, resolved as Node.js does. */
function relativeImports(file: string): string[] {
    const source = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
    const specifiers = [...source.matchAll(/(?:from|import|require\()\s*["'](\.{1,2}\/[^"']+)["']/g)].map((match) => match[1]);
    return specifiers.map((specifier) => {
        const target = path.relative(REPO_ROOT, path.resolve(path.dirname(path.join(REPO_ROOT, file)), specifier));
        const candidates = [`${target}.ts`, path.join(target, "index.ts"), target];
        return candidates.find((candidate) => fs.existsSync(path.join(REPO_ROOT, candidate))) ?? target;
    });
}

describe("the lab and the product live apart", () => {
    const typescript = tracked().filter((file) => file.endsWith(".ts") && fs.existsSync(path.join(REPO_ROOT, file)));

    it("the product imports nothing from the lab, the tests or the CI material", () => {
        const crossings = typescript.filter(isProduct).flatMap((file) =>
            relativeImports(file)
                .filter((target) => !isProduct(target) && !target.startsWith("node_modules"))
                .map((target) => `${file} -> ${target}`),
        );
        expect(crossings).to.deep.equal([]);
    });

    it("the lab and the preview gate reach the product only through its entry points", () => {
        const lab = typescript.filter((file) => file.startsWith("localenv/") || file.startsWith(".github/"));
        expect(lab.length).to.be.greaterThan(10);
        const crossings = lab.flatMap((file) =>
            relativeImports(file)
                .filter((target) => isProduct(target) && !ENTRY_POINTS.includes(target))
                .map((target) => `${file} -> ${target}`),
        );
        expect(crossings).to.deep.equal([]);
    });
});
