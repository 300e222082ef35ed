/**
 * `npm run bench`: how the program's cost grows from 10 to 500 apps, against the engine's own floor, measured
 * in one run on this machine. Prints a table and writes docs/performance.md.
 *
 *   npm run bench                      # sizes 10,50,100,500; 3 repetitions (median)
 *   npm run bench -- --sizes 10,50 --repeat 1 --no-write
 *   npm run bench -- --real            # also the real engine on the local stack (needs scripts/toolchain.sh)
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AZURE_ROLE_ASSIGNMENT_LIMIT, parseStackConfig, plannedRoleAssignmentCount } from "../program/config";
import { benchPlatformConfig } from "./bench/generate";
import { realEngineMeasurements, realEngineRows } from "./bench/real-engine";

const ROOT = path.resolve(__dirname, "..");
const NODE_TS = ["-r", "ts-node/register/transpile-only"];

function argValue(name: string): string | undefined {
    const index = process.argv.indexOf(name);
    return index >= 0 ? process.argv[index + 1] : undefined;
}

const sizes = (argValue("--sizes") ?? "10,50,100,500").split(",").map(Number);
const repeat = Number(argValue("--repeat") ?? 3);
const write = !process.argv.includes("--no-write");
const real = process.argv.includes("--real");

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

function runJson(args: string[]): Record<string, number> {
    const result = spawnSync(process.execPath, [...NODE_TS, ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== 0) {
        throw new Error(`${args.join(" ")} failed:\n${result.stderr}`);
    }
    return JSON.parse(result.stdout.trim().split("\n").pop()!);
}

/** Wall time (s) and peak RSS (MiB) of a command, from GNU time. */
function timed(command: string, args: string[], env: NodeJS.ProcessEnv = {}): { seconds: number; maxRssMiB: number; status: number } {
    const result = spawnSync("/usr/bin/time", ["-f", "__time %e %M", command, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
    const match = /__time ([\d.]+) (\d+)/.exec(result.stderr);
    if (!match) {
        throw new Error(`no timing for ${command} ${args.join(" ")}:\n${result.stderr}`);
    }
    return { seconds: Number(match[1]), maxRssMiB: Number(match[2]) / 1024, status: result.status ?? 1 };
}

const fmt = (value: number, digits = 0) => value.toFixed(digits);
const ANALYSIS_MARKER = "<!-- analysis: kept by npm run bench -->";

function mocksSection(): { rows: string[]; summary: Record<number, { program: number; floor: number }> } {
    const rows = [
        "| apps | resources | program (ms) | floor: ConfigMaps (ms) | ratio | floor: same resources, flat (ms) | ratio | program peak RSS (MiB) | floor peak RSS (MiB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ];
    const summary: Record<number, { program: number; floor: number }> = {};
    for (const apps of sizes) {
        const program: Array<Record<string, number>> = [];
        const floor: Array<Record<string, number>> = [];
        const replay: Array<Record<string, number>> = [];
        const recorded = path.join(os.tmpdir(), `akv-bench-${process.pid}-${apps}.json`);
        for (let run = 0; run < repeat; run++) {
            // Alternate so drift on a shared machine hits all sides alike.
            const measured = runJson(["scripts/bench/mocks-run.ts", "program", String(apps), recorded]);
            program.push(measured);
            floor.push(runJson(["scripts/bench/mocks-run.ts", "floor", String(apps), String(measured.resources)]));
            replay.push(runJson(["scripts/bench/mocks-run.ts", "replay", String(apps), recorded]));
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
    return { rows, summary };
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
    const startup = median(Array.from({ length: repeat }, () => runJson(["scripts/bench/startup.ts"]).firstRegistrationMs));
    const tsc = timed("npx", ["tsc", "--noEmit"]);
    const tests = timed("npx", ["mocha"], { TS_NODE_TRANSPILE_ONLY: "true" });
    const growth = sizes.includes(50) && sizes.includes(500) ? mocks.summary[500].program / mocks.summary[50].program : undefined;
    const realRows = real ? realEngineRows(await realEngineMeasurements(sizes)) : undefined;

    const lines = [
        "# Performance",
        "",
        `Measured ${started} on ${machine()} with:`,
        "",
        "```",
        `npm run bench -- ${process.argv.slice(2).join(" ")}`.trimEnd(),
        "```",
        "",
        "Numbers are medians of the repetitions; each measurement runs in a fresh Node.js process.",
        "",
        "## Program under Pulumi mocks vs. the floor",
        "",
        "The program (`program/main.ts` with a new cluster and vault, N apps with 5 secrets each, identity modes mixed:",
        "addon, own workload identity, existing workload identity) against a floor program that registers the same",
        "number of plain resources (ConfigMaps) with no component logic, and against a second floor that registers the",
        "program's own custom resources (same types and inputs, recorded from the program run) flat: no components,",
        "no validation, no Outputs between resources. Time is from the first line of the program to the last",
        "registration the mock monitor receives.",
        "",
        ...mocks.rows,
        "",
        growth !== undefined ? `Growth: time(500 apps) / time(50 apps) = ${fmt(growth, 2)} (target: at most 11).` : "",
        "",
        ...(realRows ? ["## Real engine on the local stack", "", ...realRows, ""] : ["## Real engine", "", "Not measured in this run (add `--real`; needs the toolchain, see docs/toolchain.md).", ""]),
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
