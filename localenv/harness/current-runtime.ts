/**
 * `npm run test:current-runtime`: the runtime lane `current`. The repository's lock holds the lowest SDK versions the
 * peer ranges allow and runs on the machine's Node.js; this lane proves the other end, what a team starting today
 * gets: Node.js 24 and the newest SDKs (versions.json's `currentRuntime`). It copies the checkout into a scratch
 * folder, sets the copy's devDependencies to those versions, `npm install`s them with Node.js 24 (the copy's lock
 * only) and runs there the type checks, `npm test` and the consumer end-to-end test (the toolchain's CLI and
 * language host, on Node.js 24).
 *
 *   npm run test:current-runtime                  # the checks above; the scratch copy is removed at the end
 *   npm run test:current-runtime -- --keep        # ... and left in place (its path is printed)
 *   npm run test:current-runtime -- --bench 500   # then the real-engine bench at 500 apps on both runtimes: this
 *                                                 # checkout (the machine's node, the lock's SDKs), then the copy
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { RealEngineMeasurement } from "../bench/real-engine";
import { buildTools, versionsFile, toolchainPaths } from "./localenv";
import { REPO_ROOT } from "./stack";

export interface CurrentRuntime {
    /** The Node.js version the toolchain fetches when the machine's node is another major. */
    node: string;
    /** npm package name -> version, the copy's devDependencies. */
    packages: Record<string, string>;
}

/** versions.json's `currentRuntime` entry, as the `versions` command prints it. */
export function parseCurrentRuntime(versionsJson: string): CurrentRuntime {
    const { node, source: _source, ...packages } = (JSON.parse(versionsJson) as { currentRuntime: Record<string, string> }).currentRuntime;
    return { node, packages };
}

/**
 * A package.json with the lane's versions wherever it names those packages (dependencies, devDependencies; never
 * the peer ranges), and the lane's packages it does not name.
 */
export function withLaneVersions(packageJson: string, packages: Record<string, string>): { manifest: string; unnamed: string[] } {
    const manifest = JSON.parse(packageJson) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    const unnamed: string[] = [];
    for (const [name, version] of Object.entries(packages)) {
        const section = [manifest.dependencies, manifest.devDependencies].find((pins) => pins && name in pins);
        if (section) section[name] = version;
        else unnamed.push(name);
    }
    return { manifest: `${JSON.stringify(manifest, undefined, 2)}\n`, unnamed };
}

/** Whether a `node --version` answer is of the wanted version's major. */
export function sameMajor(nodeVersion: string, wanted: string): boolean {
    return nodeVersion.replace(/^v/, "").split(".")[0] === wanted.split(".")[0];
}

/** The folder of the Node.js 24 to run: the machine's node when it is of that major, else the toolchain's. */
function nodeBinDir(runtime: CurrentRuntime): string {
    if (sameMajor(process.version, runtime.node)) {
        console.error(`[current-runtime] node: the machine's ${process.version} (${process.execPath})`);
        return path.dirname(process.execPath);
    }
    buildTools([], ["nodejs"]);
    const node = toolchainPaths()["node"];
    console.error(`[current-runtime] node: the toolchain's v${runtime.node} (${node}; the machine's is ${process.version})`);
    return path.dirname(node);
}

/**
 * The checkout's files as the work tree has them (tracked, and new files not ignored), copied into a fresh folder:
 * what is being changed gets tested, and no node_modules, build output or cluster state comes along.
 */
function scratchCopy(): string {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "akv-current-runtime-"));
    const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
        cwd: REPO_ROOT,
        encoding: "utf8",
    });
    for (const file of new Set(listed.split("\0").filter(Boolean))) {
        const from = path.join(REPO_ROOT, file);
        if (!fs.existsSync(from)) continue; // deleted in the work tree, not yet in the index
        fs.mkdirSync(path.dirname(path.join(scratch, file)), { recursive: true });
        fs.copyFileSync(from, path.join(scratch, file));
        fs.chmodSync(path.join(scratch, file), fs.statSync(from).mode);
    }
    return scratch;
}

/** Runs one step in a folder of the scratch copy with Node.js 24 first on PATH; throws naming the step when it fails. */
function step(title: string, dir: string, nodeDir: string, command: string, args: string[]): void {
    console.error(`\n== [current-runtime] ${title}: ${command} ${args.join(" ")}`);
    const result = spawnSync(command, args, {
        cwd: dir,
        // the steps' output goes to stderr: stdout is for the bench's table alone
        stdio: ["ignore", 2, "inherit"],
        env: { ...process.env, PATH: [nodeDir, process.env.PATH].join(path.delimiter) },
    });
    if (result.status !== 0) {
        throw new Error(`[current-runtime] ${title} failed (exit ${result.status ?? result.signal}) in ${dir}`);
    }
}

/** The versions the copy installed, checked against the lane's: npm must not have resolved anything else. */
function checkInstalled(scratch: string, runtime: CurrentRuntime): void {
    const wrong = Object.entries(runtime.packages).flatMap(([name, version]) => {
        const installed = (
            JSON.parse(fs.readFileSync(path.join(scratch, "node_modules", name, "package.json"), "utf8")) as { version: string }
        ).version;
        // @pulumi/policy's own package.json writes its version with a leading v, which npm drops
        return installed.replace(/^v/, "") === version ? [] : [`${name} ${installed} (wanted ${version})`];
    });
    if (wrong.length > 0) {
        throw new Error(`[current-runtime] the scratch copy installed ${wrong.join(", ")}`);
    }
    console.error(
        `[current-runtime] installed: ${Object.entries(runtime.packages)
            .map(([name, version]) => `${name} ${version}`)
            .join(", ")}`,
    );
}

/** One side of the bench comparison: where it ran, with which node, and what it measured. */
export interface BenchSide {
    label: string;
    measurements: RealEngineMeasurement[];
}

/** Markdown rows: each size's times on both sides and current / lower, measured in one run. */
export function benchComparisonRows(lower: BenchSide, current: BenchSide): string[] {
    const f = (value: number) => value.toFixed(1);
    const rows = [`| apps | what | ${lower.label} (s) | ${current.label} (s) | ratio |`, "|---:|---|---:|---:|---:|"];
    for (const before of lower.measurements) {
        const after = current.measurements.find((m) => m.apps === before.apps);
        if (!after) continue;
        const sides: Array<[string, (m: RealEngineMeasurement) => number]> = [
            ["program preview", (m) => m.program.preview],
            ["program up", (m) => m.program.up],
            ["ConfigMaps preview", (m) => m.configMaps.preview],
            ["ConfigMaps up", (m) => m.configMaps.up],
            ["same resources flat, preview", (m) => m.replay.preview],
            ["same resources flat, up", (m) => m.replay.up],
        ];
        for (const [what, time] of sides) {
            rows.push(
                `| ${before.apps} | ${what} | ${f(time(before))} | ${f(time(after))} | ${(time(after) / time(before)).toFixed(2)}x |`,
            );
        }
    }
    return rows;
}

/** The real-engine measurements of localenv/bench/real-engine.ts run in dir with the node of nodeDir. */
function realEngineIn(dir: string, nodeDir: string, sizes: string): RealEngineMeasurement[] {
    console.error(`\n== [current-runtime] real-engine bench (${sizes} apps) in ${dir} with ${path.join(nodeDir, "node")}`);
    const result = spawnSync(
        path.join(nodeDir, "node"),
        ["-r", "ts-node/register/transpile-only", "localenv/bench/real-engine.ts", sizes],
        {
            cwd: dir,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "inherit"],
            env: { ...process.env, PATH: [nodeDir, process.env.PATH].join(path.delimiter) },
            maxBuffer: 64 * 1024 * 1024,
        },
    );
    if (result.status !== 0) {
        throw new Error(`[current-runtime] the real-engine bench failed (exit ${result.status ?? result.signal}) in ${dir}`);
    }
    return JSON.parse(result.stdout.trim().split("\n").pop() ?? "") as RealEngineMeasurement[];
}

/** Both runtimes, one after the other in one run, and the table of their ratios on stdout. */
function benchBothRuntimes(scratch: string, nodeDir: string, runtime: CurrentRuntime, sizes: string): void {
    buildTools(["main"]);
    const installed = (dir: string, name: string) =>
        (JSON.parse(fs.readFileSync(path.join(dir, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
    const label = (dir: string, node: string) =>
        `Node.js ${node}, @pulumi/pulumi ${installed(dir, "@pulumi/pulumi")}, @pulumi/kubernetes ${installed(dir, "@pulumi/kubernetes")}`;
    const lower = {
        label: label(REPO_ROOT, process.version),
        measurements: realEngineIn(REPO_ROOT, path.dirname(process.execPath), sizes),
    };
    const current = { label: label(scratch, `v${runtime.node}`), measurements: realEngineIn(scratch, nodeDir, sizes) };
    console.log(
        [
            `Measured ${new Date().toISOString()} with \`npm run test:current-runtime -- --bench ${sizes}\` (Pulumi CLI: the toolchain's, both sides):`,
            "",
            ...benchComparisonRows(lower, current),
        ].join("\n"),
    );
}

function main(): void {
    const keep = process.argv.includes("--keep");
    const benchFlag = process.argv.indexOf("--bench");
    const sizesAfterFlag = process.argv[benchFlag + 1];
    const benchSizes = benchFlag < 0 ? undefined : sizesAfterFlag && !sizesAfterFlag.startsWith("--") ? sizesAfterFlag : "500";
    const runtime = parseCurrentRuntime(versionsFile());
    const nodeDir = nodeBinDir(runtime);
    const scratch = scratchCopy();
    console.error(`[current-runtime] scratch copy: ${scratch}`);
    let passed = false;
    try {
        const root = withLaneVersions(fs.readFileSync(path.join(scratch, "package.json"), "utf8"), runtime.packages);
        if (root.unnamed.length > 0) {
            throw new Error(`versions.json's currentRuntime names packages package.json does not: ${root.unnamed.join(", ")}`);
        }
        fs.writeFileSync(path.join(scratch, "package.json"), root.manifest);
        // The policy pack pins what it shares with the root to the same versions (tests/unit/policy/package.test.ts).
        const policy = path.join(scratch, "policy");
        fs.writeFileSync(
            path.join(policy, "package.json"),
            withLaneVersions(fs.readFileSync(path.join(policy, "package.json"), "utf8"), runtime.packages).manifest,
        );
        step("install the newest SDKs", scratch, nodeDir, "npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"]);
        step("the policy pack's lock", policy, nodeDir, "npm", [
            "install",
            "--package-lock-only",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ]);
        checkInstalled(scratch, runtime);
        step("type check", scratch, nodeDir, "npx", ["tsc", "--noEmit"]);
        step("type check: policy pack", scratch, nodeDir, "npx", ["tsc", "--noEmit", "-p", "policy/tsconfig.json"]);
        step("unit tests", scratch, nodeDir, "npm", ["test"]);
        buildTools(["main", "consumer"]);
        // --no-config: the e2e config's spec would add every other end-to-end file to the one named here
        step("consumer end to end", scratch, nodeDir, "npx", [
            "mocha",
            "--no-config",
            "--require",
            "ts-node/register/transpile-only",
            "--timeout",
            "900000",
            "tests/e2e/consumer.test.ts",
        ]);
        if (benchSizes) {
            benchBothRuntimes(scratch, nodeDir, runtime, benchSizes);
        }
        passed = true;
    } finally {
        if (keep || !passed) {
            console.error(`[current-runtime] the scratch copy stays: ${scratch}`);
        } else {
            fs.rmSync(scratch, { recursive: true, force: true });
        }
    }
    console.error(`[current-runtime] passed: Node.js ${runtime.node.split(".")[0]} with the newest SDKs`);
}

if (require.main === module) {
    try {
        main();
    } catch (error) {
        console.error(error instanceof Error ? error.message : error);
        process.exit(1);
    }
}
