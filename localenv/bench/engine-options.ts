/**
 * What a user can set, measured one by one in one run: `pulumi preview` and `pulumi up` of the local stack with N
 * apps under each engine, Kubernetes-provider and Node.js option, next to the API floor of the same objects, with
 * the CPU time of every process in each run, the engine's gRPC calls per resource (PULUMI_DEBUG_GRPC) and the API
 * server's requests for the defaults, and the phases of the CLI's own trace (`--otel-traces`) for the defaults and
 * the fastest settings.
 *
 *   node -r ts-node/register/transpile-only localenv/bench/engine-options.ts 200
 *   node -r ts-node/register/transpile-only localenv/bench/engine-options.ts 500 --variants 1,5
 *   node -r ts-node/register/transpile-only localenv/bench/engine-options.ts 200 --cli-profile DIR
 *
 * `--variants` runs the defaults and the variants of those indexes in ENGINE_VARIANTS only (a 500-app run of all of
 * them takes most of an hour on 2 cores).
 *
 * With `--cli-profile DIR`, the defaults' preview and up also write the CLI's own CPU profiles and execution traces
 * (`pulumi --profiling`) to DIR/cli-preview.<pid>.cpu and DIR/cli-up.<pid>.cpu (read with `go tool pprof -top`);
 * only the defaults run then, as profiling slows the CLI.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumiLog from "@pulumi/pulumi/log";
import { openLocalStack } from "../harness/stack";
import { startLocalEnvironment } from "../harness/environment";
import { toolchainPaths } from "../harness/localenv";
import { benchLocalConfig } from "./generate";
import { ApiFloor, kubernetesObjects } from "./api-floor";
import { recordedFromState } from "./real-engine";
import { ProcessCpuSampler } from "./process-cpu";
import { TracePhases, parseOtlpJsonLines, tracePhases } from "./otel-trace";

/** One setting a user can choose (or, marked `experiment`, what a change upstream would give), as CLI environment and options. */
export interface EngineVariant {
    name: string;
    envVars?: Record<string, string>;
    parallel?: number;
    /**
     * `Error.stackTraceLimit` in the program's process: the SDK formats a stack trace for every promise it makes
     * (`debuggablePromise`), and the Node.js host's source-map-support maps every frame of it.
     */
    stackTraceLimit?: number;
    /** Run index.ts through the CLI's Node.js language host, as `pulumi up` in a clone does, instead of inline. */
    throughLanguageHost?: boolean;
    /**
     * Not a setting: the SDK's debug-level log messages (several per resource) are dropped instead of sent to the
     * engine one at a time, to measure what that costs.
     */
    dropSdkDebugLogs?: boolean;
    /** The providers' stack config instead of Pulumi.local.yaml's (e.g. another `kubernetes:kubeClientSettings`). */
    providerConfig?: Record<string, unknown>;
    /**
     * Also record the CLI's OpenTelemetry trace and the engine's gRPC calls (PULUMI_DEBUG_GRPC) and report the trace's
     * phases; traced runs are compared with each other, as recording costs time.
     */
    traced?: boolean;
}

/** The local stack's provider config with another client rate (Pulumi.local.yaml sets the program's). */
function clientRate(settings?: { qps: number; burst?: number }): Record<string, unknown> {
    return settings ? { "kubernetes:kubeClientSettings": settings } : {};
}

export const ENGINE_VARIANTS: EngineVariant[] = [
    { name: "defaults", traced: true },
    { name: "the provider's own client rate (QPS 50, burst 100)", providerConfig: clientRate(), traced: true },
    // client-go makes no rate limiter for a negative QPS.
    { name: "client rate limit off", providerConfig: clientRate({ qps: -1 }) },
    { name: "Error.stackTraceLimit 0", stackTraceLimit: 0 },
    { name: "SDK debug logs dropped (experiment)", dropSdkDebugLogs: true },
    { name: "Error.stackTraceLimit 0, SDK debug logs dropped (experiment)", stackTraceLimit: 0, dropSdkDebugLogs: true },
    {
        name: "CLI and language host, PULUMI_NODEJS_TRANSPILE_ONLY=true",
        throughLanguageHost: true,
        envVars: { PULUMI_NODEJS_TRANSPILE_ONLY: "true" },
    },
];

/** The variants `--variants 0,1,5` names by their index in ENGINE_VARIANTS (the first is always run: it is counted); all without it. */
export function chosenVariants(argv: readonly string[]): EngineVariant[] {
    const flag = argv.indexOf("--variants");
    if (flag < 0) {
        return ENGINE_VARIANTS;
    }
    const named = (argv[flag + 1] ?? "").split(",");
    const unknown = named.filter((text) => !/^\d+$/.test(text) || !ENGINE_VARIANTS[Number(text)]);
    if (unknown.length > 0) {
        throw new Error(
            `--variants: no variant ${unknown.map((text) => JSON.stringify(text)).join(", ")}; there are 0 to ${ENGINE_VARIANTS.length - 1}`,
        );
    }
    const indexes = new Set([0, ...named.map(Number)]);
    return ENGINE_VARIANTS.filter((_, index) => indexes.has(index));
}

/** Calls per gRPC method in a PULUMI_DEBUG_GRPC log (one JSON object per line). */
export function grpcCallCounts(log: string): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const line of log.split("\n")) {
        if (!line.trim()) {
            continue;
        }
        const method = (JSON.parse(line) as { method?: string }).method ?? "unknown";
        counts[method] = (counts[method] ?? 0) + 1;
    }
    return counts;
}

/** `apiserver_request_total` of an API server's /metrics, summed by verb, resource and dry run, e.g. "POST deployments". */
export function apiRequestCounts(metrics: string): Map<string, number> {
    const counts = new Map<string, number>();
    for (const line of metrics.split("\n")) {
        const match = /^apiserver_request_total\{(?<labels>[^}]*)\} (?<value>[\d.e+]+)$/.exec(line);
        if (!match?.groups) {
            continue;
        }
        const labels = Object.fromEntries([...match.groups.labels.matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]));
        const key = `${labels.verb} ${labels.resource || labels.subresource || "(no resource)"}${labels.dry_run ? " (dry run)" : ""}`;
        counts.set(key, (counts.get(key) ?? 0) + Number(match.groups.value));
    }
    return counts;
}

/** What changed between two request counts, largest first. */
export function requestCountDelta(before: Map<string, number>, after: Map<string, number>): Array<[string, number]> {
    return [...after]
        .map(([key, count]): [string, number] => [key, count - (before.get(key) ?? 0)])
        .filter(([, delta]) => delta > 0)
        .sort(([, a], [, b]) => b - a);
}

/**
 * A `pulumi` for the Automation API to run that adds flags to `preview` and `up`; `$command` in them is the
 * command's name, e.g. `--profiling DIR/cli-$command`.
 */
export function flagLauncher(realBinary: string, launcherDir: string, flags: string): string {
    const launcher = path.join(launcherDir, "bin", "pulumi");
    fs.mkdirSync(path.dirname(launcher), { recursive: true });
    const real = JSON.stringify(realBinary);
    fs.writeFileSync(
        launcher,
        `#!/bin/sh\ncase "$1" in preview|up) command="$1"; shift; exec ${real} "$command" ${flags} "$@";; esac\nexec ${real} "$@"\n`,
        {
            mode: 0o755,
        },
    );
    return launcher;
}

/** Replaces the SDK's `log.debug` with a no-op until the returned function is called. */
function dropSdkDebugLogs(): () => void {
    const log = pulumiLog as { debug: typeof pulumiLog.debug };
    const original = log.debug;
    log.debug = () => Promise.resolve();
    return () => {
        log.debug = original;
    };
}

/** The processes of a run, by the command name the kernel keeps (at most 15 characters). */
const PROCESS_COLUMNS: Array<{ title: string; commands: string[] }> = [
    { title: "CLI", commands: ["pulumi"] },
    { title: "provider", commands: ["pulumi-resource"] },
    { title: "API server + etcd", commands: ["kube-apiserver", "etcd"] },
];

export interface RunCpu {
    wall: number;
    /** The program's process: this one when inline, the language host's Node.js child otherwise. */
    program: number;
    /** CPU seconds per PROCESS_COLUMNS entry. */
    processes: number[];
}

/** Times one run and the CPU time of every process during it. */
async function measured(work: () => Promise<unknown>, throughLanguageHost: boolean): Promise<RunCpu> {
    const sampler = new ProcessCpuSampler();
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    await work();
    const used = process.cpuUsage(cpu);
    const wall = Number(process.hrtime.bigint() - started) / 1e9;
    const byCommand = sampler.stop();
    const sum = (commands: string[]) => commands.reduce((total, command) => total + (byCommand.get(command) ?? 0), 0);
    const inline = (used.user + used.system) / 1e6;
    return {
        wall,
        program: throughLanguageHost ? sum(["node"]) : inline,
        processes: PROCESS_COLUMNS.map((column) => sum(column.commands)),
    };
}

/** Markdown row of a trace's phases. */
function phaseRow(name: string, run: string, phases: TracePhases): string {
    const f = (value: number, digits = 1) => value.toFixed(digits);
    return (
        `| ${name} | ${run} | ${phases.registrations} | ${f(phases.lastRegistration)} | ${f(phases.providerConfigured)} | ${f(phases.firstCheck)} | ` +
        `${f(phases.lastCreateEnd)} | ${f(phases.programEnd)} | ${f(phases.providerCreateMedian * 1000, 0)} / ${f(phases.providerCreateP90 * 1000, 0)} | ` +
        `${phases.logCalls} | ${phases.logCallsAfterLastCreate} |`
    );
}

async function main(): Promise<void> {
    const apps = Number(process.argv[2] ?? 200);
    const profileFlag = process.argv.indexOf("--cli-profile");
    const profileDir = profileFlag >= 0 ? path.resolve(process.argv[profileFlag + 1]) : undefined;
    const environment = await startLocalEnvironment(
        "akv-engine-options",
        Array.from({ length: 10 }, (_, team) => `team-${team}`),
    );
    const floor = new ApiFloor(environment.stackOptions.kubeconfig);
    try {
        const base = { ...environment.stackOptions, stackConfig: benchLocalConfig(apps) };
        const skip = { PULUMI_SKIP_CHECKPOINTS: "true" };
        const warmUp = await openLocalStack({ ...base, stackName: "warm-up", stackConfig: benchLocalConfig(10), envVars: skip });
        await warmUp.up();
        await warmUp.destroy();

        const traceDir = path.join(environment.stackOptions.stateDir, "otel");
        fs.mkdirSync(traceDir, { recursive: true });
        const timed: Array<{ variant: EngineVariant; preview: RunCpu; up: RunCpu }> = [];
        const cpuRows: string[] = [];
        const phaseRows: string[] = [];
        let objects: ReturnType<typeof kubernetesObjects> = [];
        let resources = 0;
        let grpc: Record<string, number> = {};
        const requests: Record<string, Array<[string, number]>> = {};
        const metrics = async () => apiRequestCounts(String((await environment.kube.request("GET", "/metrics")).body));
        // Profiling slows the CLI down, so a profiled run measures the defaults only.
        const variants = profileDir ? ENGINE_VARIANTS.filter((variant) => variant.name === "defaults") : chosenVariants(process.argv);
        const cli = base.pulumiBinary ?? toolchainPaths().pulumi;
        for (const variant of variants) {
            const index = ENGINE_VARIANTS.indexOf(variant);
            const counting = variant.name === "defaults";
            const grpcLog = path.join(environment.stackOptions.stateDir, `grpc-${index}.json`);
            const flags = [
                ...(counting && profileDir ? [`--profiling ${JSON.stringify(profileDir)}/cli-$command`] : []),
                ...(variant.traced && !profileDir ? [`--otel-traces file://${traceDir}/${index}-$command.json`] : []),
            ];
            const launcher = flags.length
                ? flagLauncher(cli, path.join(environment.stackOptions.stateDir, `launcher-${index}`), flags.join(" "))
                : cli;
            const stack = await openLocalStack({
                ...base,
                pulumiBinary: launcher,
                stackName: `options-${index}`,
                throughLanguageHost: variant.throughLanguageHost,
                providerConfig: variant.providerConfig,
                envVars: { ...skip, ...variant.envVars, ...(variant.traced ? { PULUMI_DEBUG_GRPC: grpcLog } : {}) },
            });
            const defaultLimit = Error.stackTraceLimit;
            Error.stackTraceLimit = variant.stackTraceLimit ?? defaultLimit;
            const restoreDebugLogs = variant.dropSdkDebugLogs ? dropSdkDebugLogs() : () => undefined;
            const beforePreview = await metrics();
            const preview = await measured(() => stack.preview({ parallel: variant.parallel }), variant.throughLanguageHost ?? false);
            const beforeUp = await metrics();
            const up = await measured(() => stack.up({ parallel: variant.parallel }), variant.throughLanguageHost ?? false);
            const afterUp = await metrics();
            restoreDebugLogs();
            Error.stackTraceLimit = defaultLimit;
            if (counting) {
                requests.preview = requestCountDelta(beforePreview, beforeUp);
                requests.up = requestCountDelta(beforeUp, afterUp);
                const inState = (await stack.exportStack()).deployment.resources ?? [];
                objects = kubernetesObjects(recordedFromState(inState));
                resources = inState.length;
                grpc = grpcCallCounts(fs.readFileSync(grpcLog, "utf8"));
            }
            await stack.destroy();
            timed.push({ variant, preview, up });
            cpuRows.push(
                ...(
                    [
                        ["preview", preview],
                        ["up", up],
                    ] as const
                ).map(
                    ([run, cpu]) =>
                        `| ${variant.name} | ${run} | ${cpu.wall.toFixed(1)} | ${cpu.program.toFixed(1)} | ${cpu.processes.map((seconds) => seconds.toFixed(1)).join(" | ")} | ` +
                        `${((cpu.program + cpu.processes.reduce((a, b) => a + b, 0)) / cpu.wall).toFixed(2)} |`,
                ),
            );
            if (variant.traced && !profileDir) {
                for (const run of ["preview", "up"]) {
                    phaseRows.push(
                        phaseRow(
                            variant.name,
                            run,
                            tracePhases(parseOtlpJsonLines(fs.readFileSync(path.join(traceDir, `${index}-${run}.json`), "utf8"))),
                        ),
                    );
                }
            }
            console.error(
                `${variant.name}: preview ${preview.wall.toFixed(2)} s (program CPU ${preview.program.toFixed(2)} s), up ${up.wall.toFixed(2)} s (program CPU ${up.program.toFixed(2)} s)`,
            );
        }
        const measuredFloor = await floor.measure(objects, 16);
        console.log(
            [
                `${apps} apps, ${resources} resources in state, ${objects.length} Kubernetes objects; API floor (16 in flight): ` +
                    `dry run ${measuredFloor.dryRun.toFixed(2)} s, create ${measuredFloor.create.toFixed(2)} s.`,
                "",
                "| setting | preview (s) | preview / floor | up (s) | up / floor |",
                "|---|---:|---:|---:|---:|",
                ...timed.map(
                    ({ variant, preview, up }) =>
                        `| ${variant.name} | ${preview.wall.toFixed(1)} | ${(preview.wall / measuredFloor.dryRun).toFixed(0)}x | ${up.wall.toFixed(1)} | ${(up.wall / measuredFloor.create).toFixed(0)}x |`,
                ),
                "",
                "CPU seconds per process in each run (read from /proc; the program's process is this one when inline, the language",
                "host's Node.js child otherwise); busy cores = all of them / wall time, on a machine with 2:",
                "",
                `| setting | run | wall (s) | program | ${PROCESS_COLUMNS.map((column) => column.title).join(" | ")} | busy cores |`,
                `|---|---|---:|---:|${PROCESS_COLUMNS.map(() => "---:|").join("")}---:|`,
                ...cpuRows,
                "",
                "Phases of the CLI's trace (`--otel-traces`), seconds from its start: the program's registrations, the provider's",
                "steps, and the end of the program's run; the provider's own time per Create; the engine's Log calls, in all and",
                "after the last Create had ended:",
                "",
                "| setting | run | registrations | last registration | provider configured | first Check | last Create ended | program ended | provider Create median / p90 (ms) | Log calls | Log calls after the last Create |",
                "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
                ...phaseRows,
                "",
                `gRPC calls of one preview and one up with the defaults (PULUMI_DEBUG_GRPC), per method and per resource in state (${resources}):`,
                "",
                "| method | calls | per resource |",
                "|---|---:|---:|",
                ...Object.entries(grpc)
                    .sort(([, a], [, b]) => b - a)
                    .map(([method, calls]) => `| ${method} | ${calls} | ${(calls / resources).toFixed(2)} |`),
                "",
                `API server requests (apiserver_request_total) during the defaults' preview and up, per Kubernetes object (${objects.length}):`,
                "",
                "| run | verb and resource | requests | per object |",
                "|---|---|---:|---:|",
                ...Object.entries(requests).flatMap(([run, deltas]) =>
                    deltas.map(([key, count]) => `| ${run} | ${key} | ${count} | ${(count / Math.max(objects.length, 1)).toFixed(2)} |`),
                ),
            ].join("\n"),
        );
    } finally {
        floor.close();
        await environment.stop();
    }
}

if (require.main === module) {
    main().catch((error) => {
        console.error(error);
        process.exit(1);
    });
}
