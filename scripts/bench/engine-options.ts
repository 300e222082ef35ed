/**
 * What a user can set, measured one by one in one run: `pulumi preview` and `pulumi up` of the local stack with N
 * apps under each engine and Kubernetes-provider option, next to the API floor of the same objects, plus the
 * engine's gRPC calls per resource (PULUMI_DEBUG_GRPC) for the default settings.
 *
 *   node -r ts-node/register/transpile-only scripts/bench/engine-options.ts 200
 *   node -r ts-node/register/transpile-only scripts/bench/engine-options.ts 200 --cli-profile DIR
 *
 * With `--cli-profile DIR`, the defaults' preview and up also write the CLI's own CPU profiles and execution traces
 * (`pulumi --profiling`) to DIR/cli-preview.<pid>.cpu and DIR/cli-up.<pid>.cpu (read with `go tool pprof -top`);
 * only the defaults run then, as profiling slows the CLI.
 */
import * as fs from "fs";
import * as path from "path";
import { openLocalStack } from "../local-stack/stack";
import { startLocalEnvironment } from "../local-stack/environment";
import { benchLocalConfig } from "./generate";
import { ApiFloor, kubernetesObjects } from "./api-floor";
import { recordedFromState } from "./real-engine";

/** One setting a user can choose, as CLI environment and `up`/`preview` options. */
export interface EngineVariant {
    name: string;
    envVars?: Record<string, string>;
    parallel?: number;
    /**
     * `Error.stackTraceLimit` in the program's process: the SDK formats a stack trace for every promise it makes
     * (`debuggablePromise`), and the Node.js host's source-map-support maps every frame of it.
     */
    stackTraceLimit?: number;
}

export const ENGINE_VARIANTS: EngineVariant[] = [
    { name: "defaults" },
    { name: "--parallel 4", parallel: 4 },
    { name: "--parallel 64", parallel: 64 },
    { name: "server-side apply off", envVars: { PULUMI_K8S_ENABLE_SERVER_SIDE_APPLY: "false" } },
    { name: "Error.stackTraceLimit 3", stackTraceLimit: 3 },
    { name: "Error.stackTraceLimit 0", stackTraceLimit: 0 },
];

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

/** A `pulumi` that adds `--profiling <dir>/cli-<command>` to `preview` and `up`, for the Automation API to run. */
export function profilingLauncher(realBinary: string, profileDir: string, launcherDir: string): string {
    const launcher = path.join(launcherDir, "bin", "pulumi");
    fs.mkdirSync(path.dirname(launcher), { recursive: true });
    fs.mkdirSync(profileDir, { recursive: true });
    const real = JSON.stringify(realBinary);
    const prefix = JSON.stringify(path.resolve(profileDir));
    fs.writeFileSync(
        launcher,
        `#!/bin/sh\ncase "$1" in preview|up) command="$1"; shift; exec ${real} "$command" --profiling ${prefix}/cli-"$command" "$@";; esac\nexec ${real} "$@"\n`,
        { mode: 0o755 },
    );
    return launcher;
}

/** Wall time and this process's CPU time (the inline program, the SDK and the Automation API), in seconds. */
async function seconds(work: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    await work();
    const used = process.cpuUsage(cpu);
    return { wall: Number(process.hrtime.bigint() - started) / 1e9, cpu: (used.user + used.system) / 1e6 };
}

async function main(): Promise<void> {
    const apps = Number(process.argv[2] ?? 200);
    const profileFlag = process.argv.indexOf("--cli-profile");
    const profileDir = profileFlag >= 0 ? process.argv[profileFlag + 1] : undefined;
    const environment = await startLocalEnvironment("akv-engine-options", Array.from({ length: 10 }, (_, team) => `team-${team}`));
    const floor = new ApiFloor(environment.stackOptions.kubeconfig);
    try {
        const base = { ...environment.stackOptions, stackConfig: benchLocalConfig(apps) };
        const skip = { PULUMI_SKIP_CHECKPOINTS: "true" };
        const warmUp = await openLocalStack({ ...base, stackName: "warm-up", stackConfig: benchLocalConfig(10), envVars: skip });
        await warmUp.up();
        await warmUp.destroy();

        const grpcLog = path.join(environment.stackOptions.stateDir, "grpc.json");
        const rows: string[] = [];
        let objects: ReturnType<typeof kubernetesObjects> = [];
        let resources = 0;
        let grpc: Record<string, number> = {};
        const requests: Record<string, Array<[string, number]>> = {};
        const metrics = async () => apiRequestCounts(String((await environment.kube.request("GET", "/metrics")).body));
        // Profiling slows the CLI down, so a profiled run measures the defaults only.
        const variants = profileDir ? ENGINE_VARIANTS.filter((variant) => variant.name === "defaults") : ENGINE_VARIANTS;
        for (const variant of variants) {
            const counting = variant.name === "defaults";
            const cli = base.pulumiBinary;
            const launcher = counting && profileDir && cli ? profilingLauncher(cli, profileDir, path.join(environment.stackOptions.stateDir, "profiling")) : undefined;
            const stack = await openLocalStack({
                ...base,
                pulumiBinary: launcher ?? cli,
                stackName: `options-${ENGINE_VARIANTS.indexOf(variant)}`,
                envVars: { ...skip, ...variant.envVars, ...(counting ? { PULUMI_DEBUG_GRPC: grpcLog } : {}) },
            });
            const defaultLimit = Error.stackTraceLimit;
            Error.stackTraceLimit = variant.stackTraceLimit ?? defaultLimit;
            const beforePreview = await metrics();
            const preview = await seconds(() => stack.preview({ parallel: variant.parallel }));
            const beforeUp = await metrics();
            const up = await seconds(() => stack.up({ parallel: variant.parallel }));
            const afterUp = await metrics();
            Error.stackTraceLimit = defaultLimit;
            if (counting) {
                requests.preview = requestCountDelta(beforePreview, beforeUp);
                requests.up = requestCountDelta(beforeUp, afterUp);
                const inState = (await stack.exportStack()).deployment.resources ?? [];
                const state = recordedFromState(inState);
                objects = kubernetesObjects(state);
                resources = inState.length;
                grpc = grpcCallCounts(fs.readFileSync(grpcLog, "utf8"));
            }
            await stack.destroy();
            rows.push(`| ${variant.name} | ${preview.wall.toFixed(1)} | ${preview.cpu.toFixed(1)} | ${up.wall.toFixed(1)} | ${up.cpu.toFixed(1)} |`);
            console.error(`${variant.name}: preview ${preview.wall.toFixed(2)} s (program CPU ${preview.cpu.toFixed(2)} s), up ${up.wall.toFixed(2)} s (program CPU ${up.cpu.toFixed(2)} s)`);
        }
        const measured = await floor.measure(objects, 16);
        console.log(
            [
                `${apps} apps, ${resources} resources in state, ${objects.length} Kubernetes objects; API floor (16 in flight): ` +
                    `dry run ${measured.dryRun.toFixed(2)} s, create ${measured.create.toFixed(2)} s.`,
                "",
                "Program CPU: this process's CPU time during the run (the inline program, the SDK and the Automation API; the CLI and",
                "the provider are other processes).",
                "",
                "| setting | preview (s) | program CPU in preview (s) | up (s) | program CPU in up (s) |",
                "|---|---:|---:|---:|---:|",
                ...rows,
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
