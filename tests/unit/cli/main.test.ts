import { expect } from "chai";
import * as childProcess from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CliIo } from "../../../cli/io";
import { main } from "../../../cli/main";
import { INPUT_LIMITS } from "../../../migration/input-limits";
import { FIXTURES } from "../migration/helpers";

/**
 * Golden-file tests of the `aks-keyvault-secrets` command. Refresh the golden files after an intended change
 * with `UPDATE_GOLDEN=1 TS_NODE_TRANSPILE_ONLY=true npx mocha` (run it twice: the first run rewrites them), then
 * review the diff.
 */

const GOLDEN = path.join(FIXTURES, "golden");
const ROOT = path.resolve(__dirname, "../../..");
const UPDATE = !!process.env.UPDATE_GOLDEN;

interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

async function run(argv: string[], cwd = FIXTURES, stdin = ""): Promise<Run> {
    let stdout = "";
    let stderr = "";
    const io: CliIo = { cwd, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), readStdin: async () => stdin };
    const code = await main(argv, io);
    return { code, stdout, stderr };
}

/** Compares text with a golden file (or writes it with UPDATE_GOLDEN). */
function golden(relative: string, actual: string): void {
    const file = path.join(GOLDEN, relative);
    if (UPDATE) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, actual);
    }
    expect(actual, relative).to.equal(fs.readFileSync(file, "utf8"));
}

/** Every file under a directory, relative, sorted. */
function tree(dir: string): string[] {
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((entry) => (entry.isDirectory() ? tree(path.join(dir, entry.name)).map((f) => `${entry.name}/${f}`) : [entry.name]))
        .sort();
}

function tempDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "akv-migrate-"));
}

describe("migration: the aks-keyvault-secrets command", () => {
    describe("migrate on the basic AKVS (stack config on stdout, report on stderr)", () => {
        const basic = path.join(FIXTURES, "basic");
        let result: Run;
        before(async () => {
            result = await run(["migrate", "akv2k8s"], basic);
        });

        it("exits 2: converted, one AKVS left for manual work", () => {
            expect(result.code).to.equal(2);
        });

        it("prints the stack config of each vault (golden)", () => {
            golden("basic/stdout.yaml", result.stdout);
        });

        it("prints the report (golden)", () => {
            golden("basic/stderr.txt", result.stderr);
        });

        it("reads the same manifests from stdin, and names each finding's document", async () => {
            const files = fs.readdirSync(path.join(basic, "akv2k8s")).sort();
            const text = files.map((f) => fs.readFileSync(path.join(basic, "akv2k8s", f), "utf8")).join("\n---\n");
            const fromStdin = await run(["migrate", "-"], basic, text);
            expect(fromStdin.code).to.equal(2);
            expect(fromStdin.stdout).to.equal(result.stdout);
            const sourcesAsStdin = files.reduce(
                (report, file, index) => report.split(`(akv2k8s/${file}#1)`).join(`(stdin#${index + 1})`),
                result.stderr,
            );
            expect(fromStdin.stderr).to.equal(sourcesAsStdin);
            expect(fromStdin.stderr).to.contain("(stdin#1)").and.to.contain("(stdin#2)");
        });
    });

    describe("migrate --out with everything: AKVS of all versions, workloads, hand-written classes, TypeScript", () => {
        const out = tempDir();
        let result: Run;
        before(async () => {
            fs.mkdirSync(path.join(out, "workloads"), { recursive: true });
            fs.writeFileSync(path.join(out, "stack-config.stale-vault.yaml"), "stale");
            fs.writeFileSync(path.join(out, "workloads", "stale.yaml"), "stale");
            fs.writeFileSync(path.join(out, "notes.md"), "kept");
            result = await run([
                "migrate",
                "akv2k8s",
                "workloads",
                "spc/hand-written.yaml",
                "spc/sp-workload.yaml",
                "--out",
                out,
                "--typescript",
                "--ts-import",
                "../../../../../components",
            ]);
        });
        after(() => fs.rmSync(out, { recursive: true, force: true }));

        it("exits 2 and lists what it wrote", () => {
            expect(result.code).to.equal(2);
            expect(result.stdout.split("\n")[0]).to.equal("Wrote:");
            expect(result.stderr).to.equal(fs.readFileSync(path.join(out, "report.txt"), "utf8"));
        });

        it("removes what an earlier run wrote, and nothing else", () => {
            expect(fs.existsSync(path.join(out, "stack-config.stale-vault.yaml"))).to.equal(false);
            expect(fs.existsSync(path.join(out, "workloads", "stale.yaml"))).to.equal(false);
            expect(fs.readFileSync(path.join(out, "notes.md"), "utf8")).to.equal("kept");
        });

        it("writes the golden tree (stack config per vault, TypeScript per vault, patched workloads, report)", () => {
            const files = tree(out).filter((f) => f !== "notes.md");
            if (UPDATE) {
                fs.rmSync(path.join(GOLDEN, "all"), { recursive: true, force: true });
            }
            for (const file of files) {
                golden(`all/${file}`, fs.readFileSync(path.join(out, file), "utf8"));
            }
            expect(files).to.deep.equal(tree(path.join(GOLDEN, "all")));
        });
    });

    describe("the example of docs/migration.md (tests/fixtures/migration/example)", () => {
        const out = tempDir();
        let result: Run;
        before(async () => {
            result = await run(["migrate", "example", "--out", out]);
        });
        after(() => fs.rmSync(out, { recursive: true, force: true }));

        it("writes the golden files", () => {
            expect(result.code).to.equal(2);
            for (const file of tree(out)) {
                golden(`example/${file}`, fs.readFileSync(path.join(out, file), "utf8"));
            }
            expect(tree(out)).to.deep.equal(tree(path.join(GOLDEN, "example")));
        });

        it("docs/migration.md shows exactly this output", () => {
            const docs = fs.readFileSync(path.join(ROOT, "docs/migration.md"), "utf8");
            for (const file of tree(out)) {
                expect(docs, `docs/migration.md quotes ${file}`).to.contain(fs.readFileSync(path.join(out, file), "utf8").trimEnd());
            }
        });
    });

    describe("refusals (exit 1, nothing written)", () => {
        it("a hand-written class whose synced Secret akv2k8s writes", async () => {
            const out = tempDir();
            const result = await run(["migrate", "spc/collision.yaml", "--out", path.join(out, "result")]);
            expect(result.code).to.equal(1);
            expect(result.stdout).to.equal("");
            expect(fs.existsSync(path.join(out, "result"))).to.equal(false);
            golden("collision.stderr.txt", result.stderr);
            fs.rmSync(out, { recursive: true, force: true });
        });

        it("a --secret-name that akv2k8s writes", async () => {
            const result = await run(["migrate", "akv2k8s/kubectl-list.yaml", "--secret-name", "billing/billing=billing"]);
            expect(result.code).to.equal(1);
            expect(result.stderr).to.contain(
                '[error] command line --secret-name billing/billing=billing: "billing" is a Secret akv2k8s writes in billing',
            );
        });

        it("an unreadable input and a broken YAML document", async () => {
            const missing = await run(["migrate", "no/such/file.yaml"]);
            expect(missing.code).to.equal(1);
            expect(missing.stderr).to.contain("[error] no/such/file.yaml: can't be read (ENOENT). Fix: check the path.");
            const dir = tempDir();
            fs.writeFileSync(path.join(dir, "bad.yaml"), "kind: [broken\n");
            const broken = await run(["migrate", dir], dir);
            expect(broken.code).to.equal(1);
            expect(broken.stderr).to.contain("[error] bad.yaml#1: is not valid YAML");
            fs.rmSync(dir, { recursive: true, force: true });
        });

        it("input without anything to convert", async () => {
            const result = await run(["migrate", "stack-config"]);
            expect(result.code).to.equal(1);
            expect(result.stderr).to.contain("contains no AzureKeyVaultSecret, SecretProviderClass or workload to convert");
        });
    });

    describe("options", () => {
        it("--app-name, --secret-name, --secret-suffix, --identity, --namespace", async () => {
            const result = await run([
                "migrate",
                "akv2k8s/kubectl-list.yaml",
                "akv2k8s/nested",
                "--app-name",
                "billing=billing-api",
                "--app-name=orders/kv-partners=orders-partners",
                "--secret-name",
                "orders/orders-csi=orders-api-key",
                "--secret-suffix",
                "-kv",
                "--identity",
                "workloadIdentity:6f1f6a52-3f0b-4d1e-8c53-0d9f0f7b2a11",
                "--namespace",
                "team-a",
            ]);
            expect(result.code).to.equal(2);
            expect(result.stdout).to.contain("- name: billing-api");
            expect(result.stdout).to.contain("- name: orders-partners");
            expect(result.stdout).to.contain("secretName: orders-api-key");
            expect(result.stdout).to.contain("secretName: billing-kv");
            expect(result.stdout).to.contain("clientId: 6f1f6a52-3f0b-4d1e-8c53-0d9f0f7b2a11");
            expect(result.stdout).to.contain("namespace: team-a");
        });

        it("--existing-secrets keeps synced Secrets off other Secrets too", async () => {
            const dir = tempDir();
            fs.writeFileSync(
                path.join(dir, "secrets.txt"),
                "# kubectl get secrets -A --no-headers -o custom-columns=...\nbilling   billing-csi\norders/orders-csi-2\n",
            );
            const result = await run(["migrate", "akv2k8s/kubectl-list.yaml", "--existing-secrets", path.join(dir, "secrets.txt")]);
            expect(result.stderr).to.contain("billing/billing -> billing-csi-2");
            expect(result.stderr).to.contain("orders/orders -> orders-csi-3");
            fs.rmSync(dir, { recursive: true, force: true });
        });

        it("usage errors exit 1 with the usage text", async () => {
            for (const argv of [
                ["migrate"],
                ["migrate", "x.yaml", "--bogus"],
                ["migrate", "x.yaml", "--typescript"],
                ["migrate", "x.yaml", "--identity", "pod"],
                ["migrate", "x.yaml", "--app-name", "oops"],
                ["migrate", "x.yaml", "--secret-suffix", ""],
                ["migrate", "x.yaml", "--addon-client-id", "nope"],
                ["migrate", "x.yaml", "--out"],
                ["frobnicate"],
                [],
            ]) {
                const result = await run(argv);
                expect(result.code, argv.join(" ")).to.equal(1);
                expect(result.stderr + result.stdout, argv.join(" ")).to.contain("Usage:");
            }
        });

        it("--help prints the usage and exits 0", async () => {
            const result = await run(["migrate", "--help"]);
            expect(result.code).to.equal(0);
            golden("usage.txt", result.stdout);
        });
    });

    describe("check-names: refuse stack config that would overwrite akv2k8s Secrets", () => {
        it("exits 1 and names a free Secret", async () => {
            const result = await run(["check-names", "--stack-config", "stack-config/Pulumi.collides.yaml", "akv2k8s/kubectl-list.yaml"]);
            expect(result.code).to.equal(1);
            golden("check-names.collides.stderr.txt", result.stderr);
        });

        it("exits 0 when no name collides", async () => {
            const result = await run(["check-names", "--stack-config", "stack-config/Pulumi.safe.yaml", "akv2k8s/kubectl-list.yaml"]);
            expect(result.code).to.equal(0);
            expect(result.stdout).to.equal(
                "No synced Secret of stack-config/Pulumi.safe.yaml (1 checked) has the name of one of 3 akv2k8s or existing Secret(s).\n",
            );
        });
    });

    describe("input it refuses to read (exit 1, one line naming the limit, no report)", () => {
        const oneLine = (result: Run, pattern: RegExp) => {
            expect(result.code).to.equal(1);
            expect(result.stdout).to.equal("");
            expect(result.stderr).to.match(/^aks-keyvault-secrets: [^\n]*\n$/);
            expect(result.stderr).to.match(pattern);
        };

        it("a file that is not UTF-8 text, quoting none of it", async () => {
            const dir = tempDir();
            fs.writeFileSync(path.join(dir, "junk.yaml"), Buffer.from([0x6b, 0x3a, 0x20, 0xff, 0xfe, 0x80, 0x0a]));
            oneLine(await run(["migrate", "junk.yaml"], dir), /: junk\.yaml: is not YAML or JSON text \(it is not UTF-8\)/);
        });

        it("a file over the byte limit, by its size before reading it", async () => {
            const dir = tempDir();
            // Sparse: the size is what is checked, so the test writes nothing.
            fs.writeFileSync(path.join(dir, "big.yaml"), "");
            fs.truncateSync(path.join(dir, "big.yaml"), INPUT_LIMITS.bytes + 1);
            oneLine(
                await run(["migrate", dir], dir),
                /: big\.yaml: the input is 16,777,217 bytes so far, over the limit of 16,777,216 bytes \(16 MiB\)/,
            );
        });

        it("stdin over the byte limit, asking for no more than one byte over it", async () => {
            let asked = 0;
            const io: CliIo = {
                cwd: FIXTURES,
                stdout: () => undefined,
                stderr: () => undefined,
                readStdin: async (maxBytes) => {
                    asked = maxBytes;
                    return Buffer.alloc(maxBytes, 0x20);
                },
            };
            let stderr = "";
            const code = await main(["migrate", "-"], { ...io, stderr: (t) => (stderr += t) });
            expect(asked).to.equal(INPUT_LIMITS.bytes + 1);
            oneLine({ code, stdout: "", stderr }, /: stdin: the input is 16,777,217 bytes so far/);
        });

        it("check-names refuses the same way", async () => {
            const dir = tempDir();
            fs.writeFileSync(path.join(dir, "bomb.yaml"), "&a {kind: List, items: [*a]}\n");
            fs.writeFileSync(path.join(dir, "Pulumi.x.yaml"), "config: {}\n");
            oneLine(
                await run(["check-names", "--stack-config", "Pulumi.x.yaml", "bomb.yaml"], dir),
                /bomb\.yaml#1: a YAML alias at items\[0\]/,
            );
        });

        it("check-names reads its --stack-config within the same limits, and names a broken one in a short line", async () => {
            const dir = tempDir();
            fs.writeFileSync(path.join(dir, "akvs.yaml"), "kind: List\nitems: []\n");
            fs.writeFileSync(path.join(dir, "Pulumi.deep.yaml"), `config: ${"[".repeat(5_000)}${"]".repeat(5_000)}\n`);
            oneLine(
                await run(["check-names", "--stack-config", "Pulumi.deep.yaml", "akvs.yaml"], dir),
                /: --stack-config Pulumi\.deep\.yaml#1: nested more than 100 levels deep/,
            );
            fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), `config: "${"x".repeat(50_000)}\n`);
            const broken = await run(["check-names", "--stack-config", "Pulumi.broken.yaml", "akvs.yaml"], dir);
            expect(broken.code).to.equal(1);
            expect(broken.stderr.split("\n")[0]).to.match(
                /^aks-keyvault-secrets: --stack-config Pulumi\.broken\.yaml can't be read: is not valid YAML: .* at line \d+, column \d+$/,
            );
            expect(broken.stderr.split("\n")[0].length).to.be.below(300);
        });
    });

    describe("the entry point (cli/aks-keyvault-secrets.ts; installed, its build)", () => {
        it("runs the command in a real process with the same output and exit code, as npm run migrate does", () => {
            const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
            expect(pkg.scripts.migrate).to.equal("node -r ts-node/register/transpile-only cli/aks-keyvault-secrets.ts migrate");
            const child = childProcess.spawnSync(
                process.execPath,
                ["-r", "ts-node/register/transpile-only", path.join(ROOT, "cli/aks-keyvault-secrets.ts"), "migrate", "akv2k8s"],
                {
                    cwd: path.join(FIXTURES, "basic"),
                    encoding: "utf8",
                },
            );
            expect(child.status, child.stderr).to.equal(2);
            expect(child.stdout).to.equal(fs.readFileSync(path.join(GOLDEN, "basic/stdout.yaml"), "utf8"));
            expect(child.stderr).to.equal(fs.readFileSync(path.join(GOLDEN, "basic/stderr.txt"), "utf8"));
        });

        it("turns an error outside the command's promise into one line: stdout's reader gone (EPIPE)", async () => {
            const child = childProcess.spawn(
                process.execPath,
                ["-r", "ts-node/register/transpile-only", path.join(ROOT, "cli/aks-keyvault-secrets.ts"), "--help"],
                {
                    stdio: ["ignore", "pipe", "pipe"],
                },
            );
            // Closed before the process has started, so its write of the usage text fails.
            child.stdout.destroy();
            let stderr = "";
            child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
            const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
            expect(code).to.equal(1);
            expect(stderr).to.match(
                /^aks-keyvault-secrets: unexpected error: Error "write EPIPE"; rerun with AKS_KEYVAULT_SECRETS_STACK=1 [^\n]*\n$/,
            );
        });

        it("is the package's bin, built by prepare into the published files", () => {
            const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
            expect(pkg.bin).to.deep.equal({ "aks-keyvault-secrets": "bin/cli/aks-keyvault-secrets.js" });
            expect(pkg.scripts.prepare).to.equal("tsc -p tsconfig.build.json");
            expect(pkg.files).to.include.members(["bin/cli", "bin/migration", "bin/program", "bin/components"]);
            const build = JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.build.json"), "utf8"));
            expect(build.include).to.include("cli/**/*.ts");
            expect(fs.readFileSync(path.join(ROOT, "cli/aks-keyvault-secrets.ts"), "utf8").split("\n")[0]).to.equal("#!/usr/bin/env node");
        });
    });
});
