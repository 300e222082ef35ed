/**
 * `npm run bench`: how the program's cost grows from 10 to 500 apps, against the engine's own floor, measured
 * in one run on this machine. Prints a table and writes docs/performance.md.
 *
 *   npm run bench                      # sizes 10,50,100,500; 5 repetitions under mocks (median)
 *   npm run bench -- --sizes 10,50 --repeat 1 --no-write
 *   npm run bench -- --real            # also the real engine on the local stack (needs `localenv/localenv build --for main`)
 *   npm run bench -- --real --checkpoints   # ... keeping the file backend's checkpoint after every step
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AZURE_ROLE_ASSIGNMENT_LIMIT, parseStackConfig, plannedRoleAssignmentCount } from "../../program/entry";
import { benchPlatformConfig } from "./generate";
import { apiFloorRows, realEngineMeasurements, realEngineRows } from "./real-engine";

const ROOT = path.resolve(__dirname, "../..");
const NODE_TS = ["-r", "ts-node/register/transpile-only"];

function argValue(name: string): string | undefined {
    const index = process.argv.indexOf(name);
    return index >= 0 ? process.argv[index + 1] : undefined;
}

const sizes = (argValue("--sizes") ?? "10,50,100,500").split(",").map(Number);
const repeat = Number(argValue("--repeat") ?? 5);
const write = !process.argv.includes("--no-write");
const real = process.argv.includes("--real");
const checkpoints = process.argv.includes("--checkpoints");

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

function runJson(args: string[]): Record<string, number> {
    const result = spawnSync(process.execPath, [...NODE_TS, ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== 0) {
        throw new Error(`${args.join(" ")} failed:\n${result.stderr}`);
    }
    return JSON.parse(result.stdout.trim().split("\n").pop() ?? "");
}

/** Wall time (s) and peak RSS (MiB) of a command, from GNU time. */
function timed(command: string, args: string[], env: NodeJS.ProcessEnv = {}): { seconds: number; maxRssMiB: number; status: number } {
    const result = spawnSync("/usr/bin/time", ["-f", "__time %e %M", command, ...args], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, ...env },
        maxBuffer: 64 * 1024 * 1024,
    });
    const match = /__time ([\d.]+) (\d+)/.exec(result.stderr);
    if (!match) {
        throw new Error(`no timing for ${command} ${args.join(" ")}:\n${result.stderr}`);
    }
    return { seconds: Number(match[1]), maxRssMiB: Number(match[2]) / 1024, status: result.status ?? 1 };
}

const fmt = (value: number, digits = 0) => value.toFixed(digits);
const ANALYSIS_MARKER = "<!-- analysis: kept by npm run bench -->";

/** Resource types of the per-type table: the floor's ConfigMap, then every type the program registers per app. */
const PER_TYPE = [
    "kubernetes:core/v1:ConfigMap",
    "kubernetes:core/v1:ServiceAccount",
    "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass",
    "kubernetes:apps/v1:Deployment",
    "azure-native:managedidentity:UserAssignedIdentity",
    "azure-native:managedidentity:FederatedIdentityCredential",
    "azure-native:authorization:RoleAssignment",
];
const PER_TYPE_COUNT = 300;

function mocksSection(): { rows: string[]; summary: Record<number, { program: number; floor: number }>; perType: string[] } {
    const rows = [
        "| apps | resources | program (ms) | floor: ConfigMaps (ms) | ratio | floor: same resources, flat (ms) | ratio | program peak RSS (MiB) | ConfigMap floor peak RSS (MiB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ];
    const summary: Record<number, { program: number; floor: number }> = {};
    let perType: string[] = [];
    for (const apps of sizes) {
        const program: Array<Record<string, number>> = [];
        const floor: Array<Record<string, number>> = [];
        const replay: Array<Record<string, number>> = [];
        const recorded = path.join(os.tmpdir(), `akv-bench-${process.pid}-${apps}.json`);
        for (let run = 0; run < repeat; run++) {
            // Alternate so drift on a shared machine hits all sides alike.
            const measured = runJson(["localenv/bench/mocks-run.ts", "program", String(apps), recorded]);
            program.push(measured);
            floor.push(runJson(["localenv/bench/mocks-run.ts", "floor", String(apps), String(measured.resources)]));
            replay.push(runJson(["localenv/bench/mocks-run.ts", "replay", String(apps), recorded]));
        }
        if (apps === Math.max(...sizes)) {
            perType = perTypeRows(recorded);
        }
        fs.rmSync(recorded, { force: true });
        const p = median(program.map((r) => r.wallMs));
        const f = median(floor.map((r) => r.wallMs));
        const r = median(replay.map((m) => m.wallMs));
        summary[apps] = { program: p, floor: f };
        rows.push(
            `| ${apps} | ${program[0].resources} | ${fmt(p)} | ${fmt(f)} | ${fmt(p / f, 2)}x | ${fmt(r)} (${replay[0].resources} resources) | ${fmt(p / r, 2)}x | ${fmt(median(program.map((m) => m.maxRssMiB)))} | ${fmt(median(floor.map((m) => m.maxRssMiB)))} |`,
        );
        console.error(rows[rows.length - 1]);
    }
    return { rows, summary, perType };
}

/** Cost of one registration per resource type: PER_TYPE_COUNT copies of the program's own resource, flat. */
function perTypeRows(recorded: string): string[] {
    const rows = ["| resource type | ms per registration | vs. ConfigMap |", "|---|---:|---:|"];
    let configMap = 0;
    for (const type of PER_TYPE) {
        const each =
            median(
                Array.from(
                    { length: repeat },
                    () => runJson(["localenv/bench/mocks-run.ts", "type", String(PER_TYPE_COUNT), recorded, type]).wallMs,
                ),
            ) / PER_TYPE_COUNT;
        configMap ||= each;
        rows.push(`| \`${type}\` | ${fmt(each, 2)} | ${fmt(each / configMap, 2)}x |`);
    }
    return rows;
}

function roleAssignmentSection(): string[] {
    const rows = [
        `| apps | vault scope | object scope | share of the ${AZURE_ROLE_ASSIGNMENT_LIMIT} limit (object scope) |`,
        "|---:|---:|---:|---:|",
    ];
    const platform = { hasVaultId: true, hasAddonIdentity: true };
    for (const apps of sizes) {
        const vault = plannedRoleAssignmentCount(parseStackConfig(benchPlatformConfig(apps, "vault")), platform);
        const object = plannedRoleAssignmentCount(parseStackConfig(benchPlatformConfig(apps, "object")), platform);
        rows.push(`| ${apps} | ${vault} | ${object} | ${fmt((100 * object) / AZURE_ROLE_ASSIGNMENT_LIMIT, 1)}% |`);
    }
    return rows;
}

function machine(): string {
    const cpu = os.cpus()[0]?.model ?? "unknown CPU";
    return `${os.cpus().length} × ${cpu}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, Node.js ${process.version}, ${os.type()} ${os.release()}`;
}

async function main(): Promise<void> {
    const started = new Date().toISOString();
    console.error(`benchmark on ${machine()}`);
    const mocks = mocksSection();
    const startup = median(Array.from({ length: repeat }, () => runJson(["localenv/bench/startup.ts"]).firstRegistrationMs));
    const tsc = timed("npx", ["tsc", "--noEmit"]);
    const tests = timed("npx", ["mocha"], { TS_NODE_TRANSPILE_ONLY: "true" });
    const growth = sizes.includes(50) && sizes.includes(500) ? mocks.summary[500].program / mocks.summary[50].program : undefined;
    const realMeasurements = real ? await realEngineMeasurements(sizes, checkpoints) : undefined;
    const realRows = realMeasurements ? realEngineRows(realMeasurements, checkpoints) : undefined;
    const floorRows = realMeasurements ? apiFloorRows(realMeasurements) : undefined;

    const lines = [
        "# Performance",
        "",
        `Measured ${started} on ${machine()} with:`,
        "",
        "```",
        `npm run bench -- ${process.argv.slice(2).join(" ")}`.trimEnd(),
        "```",
        "",
        `Numbers under mocks are medians of ${repeat} repetitions, each in a fresh Node.js process; the real engine runs once per size and side.`,
        "",
        "## Program under Pulumi mocks vs. the floor",
        "",
        "The program (`program/main.ts` with a new cluster and vault, N apps with 5 secrets each, identity modes mixed:",
        "addon, own workload identity, existing workload identity) against two floors with no component logic:",
        "",
        "- **ConfigMaps**: as many plain ConfigMaps as the program makes registrations (components included);",
        "- **same resources, flat**: the program's own custom resources (types and inputs recorded from the program run)",
        "  registered through their SDK classes with no components, no validation and no Outputs between resources:",
        "  what the engine and SDK cost for exactly this set of resources.",
        "",
        "Time is from the first line of the program to the last registration the mock monitor receives.",
        "",
        ...mocks.rows,
        "",
        growth !== undefined ? `Growth: time(500 apps) / time(50 apps) = ${fmt(growth, 2)} (target: at most 11).` : "",
        "",
        `### What one registration costs, by resource type (${PER_TYPE_COUNT} copies of the program's own resource, flat, same mocks)`,
        "",
        "The SDK turns every output property of a class into pending promises, each with a captured stack trace, and",
        "every older API version into an alias; so a type's cost depends on its schema, not on this library.",
        "",
        ...mocks.perType,
        "",
        ...(realRows && floorRows
            ? [
                  "## Real engine on the local stack",
                  "",
                  ...realRows,
                  "",
                  "### Against the API server's own time (API floor)",
                  "",
                  ...floorRows,
                  "",
              ]
            : ["## Real engine", "", "Not measured in this run (add `--real`; needs the toolchain, see docs/toolchain.md).", ""]),
        "## Start-up, type check, tests",
        "",
        "| what | value | target |",
        "|---|---:|---|",
        `| program start-up: node start to first resource registered (index.ts, dev config, mocks, ts-node transpile-only) | ${fmt(startup)} ms | < 1500 ms |`,
        `| \`tsc --noEmit\` wall time | ${fmt(tsc.seconds, 1)} s | < 20 s |`,
        `| \`tsc --noEmit\` peak memory | ${fmt(tsc.maxRssMiB)} MiB | < 1536 MiB |`,
        `| unit test suite (\`npx mocha\`, exit ${tests.status}) | ${fmt(tests.seconds, 1)} s | |`,
        "",
        "## Role assignments per size",
        "",
        "What the bench configuration would create (addon identity once, each own workload identity per app; no admin",
        `group). Azure allows ${AZURE_ROLE_ASSIGNMENT_LIMIT} role assignments per subscription, shared with everything else there; the`,
        "program warns at 80% of `access.roleAssignmentLimit`.",
        "",
        ...roleAssignmentSection(),
        "",
    ];
    const text = lines.join("\n");
    console.log(text);
    if (write) {
        // Keep the hand-written analysis below the marker across runs.
        const file = path.join(ROOT, "docs/performance.md");
        const previous = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
        const marker = previous.indexOf(ANALYSIS_MARKER);
        fs.writeFileSync(file, marker >= 0 ? `${text}\n${previous.slice(marker)}` : text);
        console.error("wrote docs/performance.md");
    }
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
