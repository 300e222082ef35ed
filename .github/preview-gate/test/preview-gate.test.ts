import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseArgs, runGate } from "../preview-gate";
import { GuardFinding, destructiveKind, evaluatePreview } from "../gate";
import { DEFAULT_GUARDED_TYPES, normalizeType, parsePreviewJson, parseUrn, shortStackName } from "../preview";

/**
 * Fixtures in fixtures/ (beside this file) are data-driven: every `<name>.json` is a `pulumi preview --json` document
 * and states what the gate must do with it, either
 *   - in `<name>.expected.json`: `{ description, cases: [{ name?, args, exitCode, findings?, counts?,
 *     stdoutIncludes?, stderrIncludes? }] }` (findings and counts are compared exactly; each finding lists only
 *     the fields it wants checked), or
 *   - by its name: `<name>.pass.json` / `<name>.fail.json` = exit 0 / exit 1 for `--stack prod`.
 * Recorded previews from the real engine can be dropped in the folder the same way.
 */
const FIXTURE_DIR = path.join(__dirname, "fixtures");
const REPO_ROOT = path.join(__dirname, "..", "..", "..");

interface ExpectedCase {
    name?: string;
    args: string[];
    exitCode: number;
    findings?: Array<Partial<GuardFinding>>;
    counts?: Record<string, Record<string, number>>;
    stdoutIncludes?: string[];
    stderrIncludes?: string[];
}

interface Fixture {
    file: string;
    input: string;
    description?: string;
    cases: ExpectedCase[];
    /** Set when the fixture does not say what to expect. */
    problem?: string;
}

function loadFixtures(): Fixture[] {
    const files = fs.readdirSync(FIXTURE_DIR).filter((file) => file.endsWith(".json"));
    const fixtures: Fixture[] = [];
    for (const file of files.filter((f) => !f.endsWith(".expected.json")).sort()) {
        const input = fs.readFileSync(path.join(FIXTURE_DIR, file), "utf8");
        const expectedFile = file.replace(/\.json$/, ".expected.json");
        if (files.includes(expectedFile)) {
            const expected = JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, expectedFile), "utf8")) as {
                description?: string;
                cases?: ExpectedCase[];
            };
            fixtures.push({
                file,
                input,
                description: expected.description,
                cases: expected.cases ?? [],
                problem: expected.cases && expected.cases.length > 0 ? undefined : `${expectedFile} has no cases`,
            });
        } else if (file.endsWith(".pass.json")) {
            fixtures.push({ file, input, cases: [{ name: "passes on prod (by file name)", args: ["--stack", "prod"], exitCode: 0 }] });
        } else if (file.endsWith(".fail.json")) {
            fixtures.push({ file, input, cases: [{ name: "is blocked on prod (by file name)", args: ["--stack", "prod"], exitCode: 1 }] });
        } else {
            fixtures.push({
                file,
                input,
                cases: [],
                problem: `${file} states no expectation: add ${expectedFile}, or rename it to *.pass.json or *.fail.json`,
            });
        }
    }
    for (const orphan of files.filter((f) => f.endsWith(".expected.json"))) {
        if (!files.includes(orphan.replace(/\.expected\.json$/, ".json"))) {
            fixtures.push({ file: orphan, input: "", cases: [], problem: `${orphan} has no preview document next to it` });
        }
    }
    return fixtures;
}

function findingKey(finding: Partial<GuardFinding>): string {
    return `${finding.type} ${finding.name}`;
}

describe("preview gate: fixtures", () => {
    const fixtures = loadFixtures();

    it("finds fixtures", () => {
        expect(fixtures.length).to.be.greaterThan(5);
    });

    for (const fixture of fixtures) {
        describe(fixture.file + (fixture.description ? ` (${fixture.description})` : ""), () => {
            if (fixture.problem) {
                it("states what the gate must do", () => {
                    expect.fail(fixture.problem);
                });
                return;
            }
            for (const testCase of fixture.cases) {
                it(`${testCase.name ?? testCase.args.join(" ")} -> exit ${testCase.exitCode}`, () => {
                    const run = runGate(testCase.args, fixture.input);
                    expect(run.exitCode, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).to.equal(testCase.exitCode);
                    if (testCase.exitCode === 1) {
                        expect(run.result?.findings.length, "a blocked run names what blocks it").to.be.greaterThan(0);
                    }
                    if (testCase.findings) {
                        const actual = run.result?.findings ?? [];
                        expect(actual.map(findingKey).sort()).to.deep.equal(testCase.findings.map(findingKey).sort());
                        for (const expected of testCase.findings) {
                            const match = actual.find((finding) => findingKey(finding) === findingKey(expected));
                            expect(match).to.deep.include(expected);
                        }
                    }
                    if (testCase.counts) {
                        expect(run.result?.counts).to.deep.equal(testCase.counts);
                    }
                    for (const text of testCase.stdoutIncludes ?? []) {
                        expect(run.stdout).to.include(text);
                    }
                    for (const text of testCase.stderrIncludes ?? []) {
                        expect(run.stderr).to.include(text);
                    }
                    if (testCase.exitCode !== 2) {
                        expect(run.stdout, "every readable preview gets a summary heading").to.match(/^### /);
                    }
                });
            }
        });
    }
});

describe("preview gate: pure functions", () => {
    it("parses URNs, including parent types and names containing '::'", () => {
        expect(
            parseUrn("urn:pulumi:prod::aks-keyvault-secrets::akvsecrets:index:KeyVault$azure-native:keyvault:Vault::platform-kv"),
        ).to.deep.equal({
            stack: "prod",
            project: "aks-keyvault-secrets",
            type: "azure-native:keyvault:Vault",
            name: "platform-kv",
        });
        expect(parseUrn("urn:pulumi:dev::p::kubernetes:core/v1:ConfigMap::ns::name")?.name).to.equal("ns::name");
        expect(parseUrn("not-a-urn")).to.equal(undefined);
    });

    it("folds explicit API-version modules into the default type token", () => {
        expect(normalizeType("azure-native:keyvault/v20230701:Vault")).to.equal("azure-native:keyvault:Vault");
        expect(normalizeType("azure-native:keyvault/v20240401preview:Vault")).to.equal("azure-native:keyvault:Vault");
        expect(normalizeType("kubernetes:apps/v1:Deployment")).to.equal("kubernetes:apps:Deployment");
        expect(normalizeType("pulumi:pulumi:Stack")).to.equal("pulumi:pulumi:Stack");
        expect(normalizeType("odd")).to.equal("odd");
    });

    describe("a stack with pending operations (--state, a `pulumi stack export`)", () => {
        const noChanges = fs.readFileSync(path.join(FIXTURE_DIR, "no-changes.pass.json"), "utf8");
        const deploymentUrn =
            "urn:pulumi:dev::aks-keyvault-secrets::akvsecrets:index:AppWorkload$kubernetes:apps/v1:Deployment::orders-api";
        const exportWith = (pending: unknown) =>
            JSON.stringify({
                version: 3,
                deployment: { manifest: {}, resources: [], ...(pending === undefined ? {} : { pending_operations: pending }) },
            });
        const files: Record<string, string> = {
            "crashed.json": exportWith([{ resource: { urn: deploymentUrn, type: "kubernetes:apps/v1:Deployment" }, type: "creating" }]),
            "clean.json": exportWith(undefined),
            "not-an-export.json": JSON.stringify({ steps: [] }),
            "bad-entry.json": exportWith([{ type: "creating" }]),
        };
        const gate = (...args: string[]) => runGate(args, noChanges, (file) => files[file] ?? fs.readFileSync(file, "utf8"));

        it("blocks every stack, names each operation and says what to run", () => {
            for (const stack of ["prod", "dev"]) {
                const run = gate("--stack", stack, "--state", "crashed.json");
                expect(run.exitCode, run.stderr).to.equal(1);
                expect(run.result?.pendingOperations).to.deep.equal([{ urn: deploymentUrn, op: "creating" }]);
                expect(run.stderr).to.equal(`preview-gate: BLOCKED: pending creating ${deploymentUrn}\n`);
                expect(run.stdout).to.include(`holds 1 pending operation(s) from an interrupted update`);
                expect(run.stdout).to.include("`pulumi refresh --clear-pending-creates --yes`");
                expect(run.stdout).to.include(`- pending **creating** \`${deploymentUrn}\``);
            }
        });

        it("passes a clean export, and reports only with --report-only", () => {
            expect(gate("--stack", "prod", "--state", "clean.json").exitCode).to.equal(0);
            const reported = gate("--stack", "prod", "--state", "crashed.json", "--report-only");
            expect(reported.exitCode).to.equal(0);
            expect(reported.stdout).to.match(/^\*\*WOULD BLOCK \(report only\)\*\*: the state of `prod` holds 1 pending/m);
        });

        it("exits 2 for a file that is not a stack export, a malformed entry or a missing file", () => {
            expect(gate("--stack", "prod", "--state", "not-an-export.json").stderr).to.equal(
                "preview-gate: the stack export has no `deployment` object; is it `pulumi stack export` output?\n",
            );
            expect(gate("--stack", "prod", "--state", "bad-entry.json").stderr).to.equal(
                "preview-gate: deployment.pending_operations[0] has no `resource.urn` and `type`\n",
            );
            const missing = gate("--stack", "prod", "--state", "/nonexistent/export.json");
            expect(missing.exitCode).to.equal(2);
            expect(missing.stderr).to.match(/^preview-gate: cannot read \/nonexistent\/export.json: ENOENT/);
        });
    });

    it("reads the short stack name from qualified names", () => {
        expect(shortStackName("prod")).to.equal("prod");
        expect(shortStackName("acme/prod")).to.equal("prod");
        expect(shortStackName("organization/aks-keyvault-secrets/prod")).to.equal("prod");
    });

    it("classifies every destructive op the engine can emit", () => {
        for (const op of ["replace", "create-replacement", "import-replacement", "read-replacement"]) {
            expect(destructiveKind(op), op).to.equal("replace");
        }
        for (const op of ["delete", "delete-replaced"]) {
            expect(destructiveKind(op), op).to.equal("delete");
        }
        for (const op of [
            "create",
            "update",
            "same",
            "read",
            "refresh",
            "import",
            "discard",
            "discard-replaced",
            "remove-pending-replace",
        ]) {
            expect(destructiveKind(op), op).to.equal(undefined);
        }
    });

    it("parses arguments with defaults, --flag=value and lists", () => {
        expect(parseArgs(["--stack", "prod"])).to.deep.equal({
            stack: "prod",
            guardStacks: ["prod"],
            guardedTypes: [...DEFAULT_GUARDED_TYPES],
            reportOnly: false,
        });
        expect(parseArgs(["--stack=dev", "--guard-stacks=dev, prod", "--report-only", "--title", "Gate"])).to.deep.equal({
            stack: "dev",
            guardStacks: ["dev", "prod"],
            guardedTypes: [...DEFAULT_GUARDED_TYPES],
            reportOnly: true,
            title: "Gate",
        });
        expect(parseArgs(["--stack", "prod", "--guard-types", "a:b:C"]).guardedTypes).to.deep.equal(["a:b:C"]);
        expect(parseArgs(["--stack", "prod", "--guard-stacks", ""]).guardStacks).to.deep.equal([]);
    });

    it("rejects unusable arguments with exit 2 and usage", () => {
        for (const [argv, message] of [
            [[], "--stack <name> is required"],
            [["--stack"], "--stack needs a value"],
            [["--stack", "--report-only"], "--stack needs a value"],
            [["--stack", "prod", "--verbose"], "unknown argument --verbose"],
        ] as Array<[string[], string]>) {
            const run = runGate(argv, "{}");
            expect(run.exitCode, argv.join(" ")).to.equal(2);
            expect(run.stderr).to.include(message);
            expect(run.stderr).to.include("usage: preview-gate --stack <name>");
        }
    });

    it("rejects input that is not a preview document", () => {
        expect(() => parsePreviewJson("")).to.throw("no input: pipe the output of `pulumi preview --json`");
        expect(() => parsePreviewJson("error: no stack named 'prod' found")).to.throw("input is not JSON");
        expect(() => parsePreviewJson("[1,2]")).to.throw("input is not a JSON object");
        expect(() => parsePreviewJson('{"hello": 1}')).to.throw("input has none of `steps`, `changeSummary`, `diagnostics`");
        expect(() => parsePreviewJson('{"steps": {}}')).to.throw("`steps` is not an array");
        expect(() => parsePreviewJson('{"steps": [], "diagnostics": "x"}')).to.throw("`diagnostics` is not an array");
        expect(() => parsePreviewJson('{"steps": [], "changeSummary": 3}')).to.throw("`changeSummary` is not an object");
    });

    it("skips a notice printed before the JSON document", () => {
        const digest = parsePreviewJson('warning: A new version of Pulumi is available.\n{\n    "changeSummary": {"same": 2}\n}\n');
        expect(digest.changeSummary).to.deep.equal({ same: 2 });
    });

    it("reports retainOnDelete and leaves the root stack's same step out of the counts", () => {
        const result = evaluatePreview(
            {
                steps: [
                    { op: "same", urn: "urn:pulumi:prod::p::pulumi:pulumi:Stack::p-prod" },
                    {
                        op: "delete",
                        urn: "urn:pulumi:prod::p::azure-native:keyvault:Vault::kv",
                        oldState: { type: "azure-native:keyvault:Vault", retainOnDelete: true },
                    },
                ],
            },
            { stack: "prod", guardStacks: ["prod"], guardedTypes: [...DEFAULT_GUARDED_TYPES], reportOnly: false },
        );
        expect(result.counts).to.deep.equal({ "azure-native:keyvault:Vault": { delete: 1 } });
        expect(result.findings[0]).to.deep.include({ kind: "delete", retainOnDelete: true });
        expect(result.blocked).to.equal(true);
    });

    it("falls back to the URN's type when a step has no state", () => {
        const run = runGate(
            ["--stack", "prod"],
            JSON.stringify({ steps: [{ op: "delete", urn: "urn:pulumi:prod::p::azure-native:authorization:RoleAssignment::ra" }] }),
        );
        expect(run.exitCode).to.equal(1);
        expect(run.result?.findings[0]).to.deep.include({
            type: "azure-native:authorization:RoleAssignment",
            name: "ra",
            reasons: ["guarded type"],
        });
    });
});

describe("preview gate: command line", function () {
    this.timeout(60000);

    const script = path.join(__dirname, "..", "preview-gate.ts");
    const run = (args: string[], input: string) =>
        spawnSync(process.execPath, ["-r", "ts-node/register", script, ...args], {
            cwd: REPO_ROOT,
            input,
            encoding: "utf8",
            env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
        });

    it("reads stdin, prints Markdown to stdout and exits 1 when blocked", () => {
        const input = fs.readFileSync(path.join(FIXTURE_DIR, "vault-replace.json"), "utf8");
        const blocked = run(["--stack", "prod"], input);
        expect(blocked.status, blocked.stderr).to.equal(1);
        expect(blocked.stdout).to.include("### Preview gate: `prod`");
        expect(blocked.stderr).to.include("preview-gate: BLOCKED");
        const dev = run(["--stack", "dev"], input);
        expect(dev.status, dev.stderr).to.equal(0);
    });

    it("exits 2 on empty input", () => {
        const empty = run(["--stack", "prod"], "");
        expect(empty.status).to.equal(2);
        expect(empty.stderr).to.include("no input");
    });
});
