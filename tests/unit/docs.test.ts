/**
 * The user-facing docs stay short and true: the README's size, its consumer example equal to
 * docs/examples/consumer-stack.ts (which has its own tsconfig: `npx tsc -p docs/examples`), links that resolve (files
 * and headings), and commands that exist (npm scripts, localenv commands).
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { STACK_VARIABLE } from "../../cli/unexpected";
import { INPUT_LIMITS, LINE_LIMIT, QUOTE_LIMIT } from "../../migration/input-limits";

const ROOT = path.resolve(__dirname, "../..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

/** README, docs/*.md and localenv/README.md: the prose a user reads. */
const DOCS = [
    "README.md",
    "localenv/README.md",
    ...fs
        .readdirSync(path.join(ROOT, "docs"))
        .filter((name) => name.endsWith(".md"))
        .map((name) => `docs/${name}`),
];

/** GitHub's anchor for a heading: lower case, punctuation but `-` and `_` dropped, spaces to `-`. */
function anchorOf(heading: string): string {
    return heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-");
}

function anchorsOf(file: string): Set<string> {
    const text = read(file).replace(/^```[\s\S]*?^```/gm, "");
    return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchorOf(match[1])));
}

/** Markdown links outside code blocks and code spans, `[text](target)`. */
function linksOf(file: string): string[] {
    const text = read(file)
        .replace(/^```[\s\S]*?^```/gm, "")
        .replace(/`[^`\n]*`/g, "");
    return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]);
}

describe("the docs", () => {
    it("README.md is at most 12 KiB: details live in docs/", () => {
        expect(fs.statSync(path.join(ROOT, "README.md")).size).to.be.at.most(12 * 1024);
    });

    it("the README's TypeScript example is docs/examples/consumer-stack.ts, word for word", () => {
        const blocks = [...read("README.md").matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
        expect(blocks, "one ```ts block in README.md").to.have.length(1);
        expect(blocks[0]).to.equal(read("docs/examples/consumer-stack.ts"));
    });

    for (const doc of DOCS) {
        it(`${doc}: every relative link names a file that exists, and a heading that exists`, () => {
            const broken: string[] = [];
            for (const link of linksOf(doc)) {
                if (/^[a-z]+:/i.test(link)) {
                    continue; // https:, mailto:
                }
                const [target, anchor] = link.split("#", 2);
                const file = target === "" ? doc : path.posix.normalize(path.posix.join(path.posix.dirname(doc), target));
                if (!fs.existsSync(path.join(ROOT, file))) {
                    broken.push(`${link} (no file ${file})`);
                    continue;
                }
                if (anchor !== undefined && file.endsWith(".md") && !anchorsOf(file).has(anchor)) {
                    broken.push(`${link} (no heading #${anchor} in ${file})`);
                }
            }
            expect(broken).to.deep.equal([]);
        });
    }

    it("every `npm run <script>` the docs name is a script of package.json", () => {
        const scripts = Object.keys((JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts);
        const missing = DOCS.flatMap((doc) =>
            [...read(doc).matchAll(/npm run ([a-z][\w:-]*)/g)]
                .map((match) => match[1])
                .filter((name) => !scripts.includes(name))
                .map((name) => `${doc}: npm run ${name}`),
        );
        expect(missing).to.deep.equal([]);
    });

    it("every `localenv/localenv <command>` the docs name is a command the tool registers", () => {
        const tool = path.join(ROOT, "localenv/tool");
        const source = fs
            .readdirSync(tool)
            .filter((name) => name.endsWith(".go"))
            .map((name) => fs.readFileSync(path.join(tool, name), "utf8"))
            .join("\n");
        const commands = [...source.matchAll(/^\s*register(?:Hidden)?\("([a-z-]+)"/gm)].map((match) => match[1]);
        expect(commands).to.include.members(["build", "up", "versions", "lint"]);
        const missing = DOCS.flatMap((doc) =>
            [...read(doc).matchAll(/localenv\/localenv ([a-z][a-z-]*)/g)]
                .map((match) => match[1])
                .filter((name) => !commands.includes(name))
                .map((name) => `${doc}: localenv/localenv ${name}`),
        );
        expect(missing).to.deep.equal([]);
    });

    it("docs/migration.md states migrate's input limits, quote and line caps and stack variable as the code has them", () => {
        const text = read("docs/migration.md");
        const count = (n: number) => n.toLocaleString("en-US");
        expect(text).to.include(`| bytes | ${INPUT_LIMITS.bytes / 1024 / 1024} MiB |`);
        expect(text).to.include(`| manifests | ${count(INPUT_LIMITS.manifests)} (documents plus List items) |`);
        expect(text).to.include(`| YAML nodes | ${count(INPUT_LIMITS.nodes)} (`);
        expect(text).to.include(`| depth | ${INPUT_LIMITS.depth} levels`);
        expect(text).to.include(`| alias expansions | ${INPUT_LIMITS.aliasExpansions} copies per document`);
        expect(text).to.include(`with at most ${QUOTE_LIMIT} characters`);
        expect(text).to.include(`no report line is longer than ${count(LINE_LIMIT)} characters`);
        expect(text).to.include(`\`${STACK_VARIABLE}=1\``);
    });
});
