/**
 * Real-engine part of the benchmark: `pulumi preview` and `pulumi up` of the local stack with N apps on one local
 * kube-apiserver, against two floor stacks with no component logic: as many plain ConfigMaps, and the program's
 * own Kubernetes resources (read back from the program's state) registered flat through their SDK classes.
 * Needs the toolchain (`localenv/localenv build --for main`).
 */
import { Stack } from "@pulumi/pulumi/automation";
import { openLocalStack } from "../harness/stack";
import { startLocalEnvironment } from "../harness/environment";
import { benchLocalConfig } from "./generate";
import { RecordedResource, floorConfigMaps, registerFlat } from "./flat-replay";
import { API_FLOOR_IN_FLIGHT, ApiFloor, ApiFloorMeasurement, kubernetesObjects } from "./api-floor";

export interface SideMeasurement {
    preview: number;
    up: number;
}

export interface RealEngineMeasurement {
    apps: number;
    resources: number;
    program: SideMeasurement;
    configMaps: SideMeasurement;
    replay: SideMeasurement & { resources: number };
    /** The program's Kubernetes objects straight through the API server, per number of requests in flight. */
    apiFloor: ApiFloorMeasurement[];
    /** `up` of the program with the file backend's checkpoints, when the run skipped them (small sizes only). */
    programUpWithCheckpoints?: number;
}

/** Largest size whose program also runs with checkpoints, for comparison (larger ones take many minutes). */
export const CHECKPOINT_COMPARISON_MAX_APPS = 100;

async function seconds(work: () => Promise<unknown>): Promise<number> {
    const started = process.hrtime.bigint();
    await work();
    return Number(process.hrtime.bigint() - started) / 1e9;
}

interface StateResource {
    urn: string;
    type: string;
    custom?: boolean;
    inputs?: Record<string, unknown>;
}

/** The custom resources of a stack's state, as the engine received them (providers left out). */
export function recordedFromState(resources: StateResource[]): RecordedResource[] {
    return resources
        .filter((resource) => resource.custom && !resource.type.startsWith("pulumi:providers:"))
        .map((resource) => ({ type: resource.type, name: resource.urn.split("::").pop() ?? resource.urn, inputs: resource.inputs ?? {} }));
}

/** Preview, up (create), optionally read the state back, destroy. */
async function measure(stack: Stack, readState = false): Promise<SideMeasurement & { created: number; recorded: RecordedResource[] }> {
    const preview = await seconds(() => stack.preview());
    let created = 0;
    const up = await seconds(async () => {
        const result = await stack.up();
        created = result.summary.resourceChanges?.create ?? 0;
    });
    const recorded = readState ? recordedFromState((await stack.exportStack()).deployment.resources ?? []) : [];
    await stack.destroy();
    return { preview, up, created, recorded };
}

/**
 * Measures each size once per side (program, then the floors) on one local API server. Unless `checkpoints` is set,
 * the CLI runs with PULUMI_SKIP_CHECKPOINTS=true: the file backend otherwise rewrites the whole state file after
 * every step, a cost of that backend (quadratic in the stack's size) that hides the program's own.
 */
export async function realEngineMeasurements(sizes: number[], checkpoints: boolean): Promise<RealEngineMeasurement[]> {
    const environment = await startLocalEnvironment("akv-bench", [...Array.from({ length: 10 }, (_, team) => `team-${team}`), "bench"]);
    const apiFloor = new ApiFloor(environment.stackOptions.kubeconfig);
    try {
        const common = { ...environment.stackOptions, envVars: checkpoints ? undefined : { PULUMI_SKIP_CHECKPOINTS: "true" } };
        // The first run on a fresh API server and CLI pays one-time costs (discovery, file caches); keep them out.
        await measure(await openLocalStack({ ...common, stackName: "warm-up", stackConfig: benchLocalConfig(10) }));
        const results: RealEngineMeasurement[] = [];
        for (const apps of sizes) {
            const program = await measure(
                await openLocalStack({ ...common, stackName: `bench-${apps}`, stackConfig: benchLocalConfig(apps) }),
                true,
            );
            // The ConfigMap floor makes as many registrations as the program, minus the stack resource both have.
            const configMaps = await measure(
                await openLocalStack({
                    ...common,
                    stackName: `floor-${apps}`,
                    program: async () => registerFlat(floorConfigMaps(program.created - 1)),
                }),
            );
            const replay = await measure(
                await openLocalStack({ ...common, stackName: `replay-${apps}`, program: async () => registerFlat(program.recorded) }),
            );
            const floors: ApiFloorMeasurement[] = [];
            const objects = kubernetesObjects(program.recorded);
            for (const inFlight of API_FLOOR_IN_FLIGHT) {
                floors.push(await apiFloor.measure(objects, inFlight));
            }
            const withCheckpoints =
                !checkpoints && apps <= CHECKPOINT_COMPARISON_MAX_APPS
                    ? await measure(
                          await openLocalStack({
                              ...environment.stackOptions,
                              stackName: `checkpoints-${apps}`,
                              stackConfig: benchLocalConfig(apps),
                          }),
                      )
                    : undefined;
            results.push({
                apps,
                programUpWithCheckpoints: withCheckpoints?.up,
                resources: program.created,
                program: { preview: program.preview, up: program.up },
                configMaps: { preview: configMaps.preview, up: configMaps.up },
                replay: { preview: replay.preview, up: replay.up, resources: replay.created },
                apiFloor: floors,
            });
            console.error(`real engine ${apps} apps: ${JSON.stringify(results[results.length - 1])}`);
        }
        return results;
    } finally {
        apiFloor.close();
        await environment.stop();
    }
}

/** time(500 apps) / time(50 apps) of one side, when both sizes were measured. */
function growthRatio(measurements: RealEngineMeasurement[], side: (m: RealEngineMeasurement) => number): string | undefined {
    const small = measurements.find((m) => m.apps === 50);
    const large = measurements.find((m) => m.apps === 500);
    return small && large ? (side(large) / side(small)).toFixed(2) : undefined;
}

/** The growth of `up` of the program and its engine floors. */
function growthLine(measurements: RealEngineMeasurement[]): string[] {
    const program = growthRatio(measurements, (m) => m.program.up);
    if (program === undefined) {
        return [];
    }
    return [
        "",
        `Growth of \`up\`, time(500 apps) / time(50 apps): program ${program}, ConfigMaps ${growthRatio(measurements, (m) => m.configMaps.up)}, ` +
            `same resources ${growthRatio(measurements, (m) => m.replay.up)} (target: at most 11).`,
    ];
}

/** The fastest floor of one kind over the numbers of requests in flight measured. */
function fastest(floors: ApiFloorMeasurement[], side: "create" | "dryRun"): ApiFloorMeasurement {
    return floors.reduce((best, floor) => (floor[side] < best[side] ? floor : best));
}

/** Markdown rows of the program against the API server's own time for the same objects. */
export function apiFloorRows(measurements: RealEngineMeasurement[]): string[] {
    const f = (value: number, digits = 1) => value.toFixed(digits);
    const inFlight = measurements[0]?.apiFloor.map((floor) => floor.inFlight) ?? [];
    const upGrowth = growthRatio(measurements, (m) => m.program.up);
    const growth =
        upGrowth === undefined
            ? []
            : [
                  "",
                  `Growth, time(500 apps) / time(50 apps): program up ${upGrowth}, API floor create ${growthRatio(measurements, (m) => fastest(m.apiFloor, "create").create)}; ` +
                      `program preview ${growthRatio(measurements, (m) => m.program.preview)}, API floor dry run ${growthRatio(measurements, (m) => fastest(m.apiFloor, "dryRun").dryRun)} (goal: at most 11).`,
              ];
    return [
        "The program's own Kubernetes objects (read back from its state) sent straight to the same API server: one keep-alive",
        `HTTPS connection pool, ${inFlight.join(", ")} requests in flight; \`up\` against creating them, \`preview\` against a server-side dry run`,
        "(`?dryRun=All`) of each create. The floor is the fastest of those. Goal: program within 4x of the floor.",
        "",
        `| apps | objects | ${inFlight.map((n) => `create, ${n} in flight (s)`).join(" | ")} | ${inFlight.map((n) => `dry run, ${n} in flight (s)`).join(" | ")} | program up (s) | up / floor | program preview (s) | preview / floor |`,
        `|---:|---:|${inFlight.map(() => "---:|").join("")}${inFlight.map(() => "---:|").join("")}---:|---:|---:|---:|`,
        ...measurements.map((m) => {
            const create = fastest(m.apiFloor, "create").create;
            const dryRun = fastest(m.apiFloor, "dryRun").dryRun;
            return (
                `| ${m.apps} | ${m.apiFloor[0]?.objects ?? 0} | ${m.apiFloor.map((floor) => f(floor.create, 2)).join(" | ")} | ${m.apiFloor.map((floor) => f(floor.dryRun, 2)).join(" | ")} | ` +
                `${f(m.program.up)} | ${f(m.program.up / create, 1)}x | ${f(m.program.preview)} | ${f(m.program.preview / dryRun, 1)}x |`
            );
        }),
        ...growth,
    ];
}

/** Markdown rows of the real-engine table. */
export function realEngineRows(measurements: RealEngineMeasurement[], checkpoints: boolean): string[] {
    const f = (value: number, digits = 1) => value.toFixed(digits);
    const ratio = (program: number, floor: number) => `${f(program / floor, 2)}x`;
    return [
        "`pulumi preview` and `pulumi up` (create) of the local stack with N apps (app side only: an AppWorkload with",
        "ServiceAccount, SecretProviderClass and Deployment per app, mixed identities) against two floor stacks: as many",
        "ConfigMaps as the program's resources, and the program's own Kubernetes resources read back from its state and",
        "registered flat through their SDK classes. All through the Automation API on one local kube-apiserver, one run",
        "per size and side, " +
            (checkpoints
                ? "with the file backend's checkpoints (the state file is rewritten after every step)."
                : "with `PULUMI_SKIP_CHECKPOINTS=true` (the file backend writes the state once at the end instead of after every step; " +
                  "`--checkpoints` keeps them; see the analysis)."),
        "",
        "| apps | resources | program preview (s) | ConfigMaps preview (s) | ratio | same resources preview (s) | ratio | program up (s) | ConfigMaps up (s) | ratio | same resources up (s) | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ...measurements.map(
            (m) =>
                `| ${m.apps} | ${m.resources} | ${f(m.program.preview)} | ${f(m.configMaps.preview)} | ${ratio(m.program.preview, m.configMaps.preview)} | ` +
                `${f(m.replay.preview)} | ${ratio(m.program.preview, m.replay.preview)} | ${f(m.program.up)} | ${f(m.configMaps.up)} | ` +
                `${ratio(m.program.up, m.configMaps.up)} | ${f(m.replay.up)} | ${ratio(m.program.up, m.replay.up)} |`,
        ),
        ...growthLine(measurements),
        ...(checkpoints
            ? []
            : [
                  "",
                  `The cost of the file backend's checkpoints (sizes up to ${CHECKPOINT_COMPARISON_MAX_APPS} apps, same run):`,
                  "",
                  "| apps | program up, checkpoints skipped (s) | program up, checkpoint after every step (s) | ratio |",
                  "|---:|---:|---:|---:|",
                  ...measurements.flatMap(({ apps, program, programUpWithCheckpoints: checkpointed }) =>
                      checkpointed === undefined
                          ? []
                          : [`| ${apps} | ${f(program.up)} | ${f(checkpointed)} | ${ratio(checkpointed, program.up)} |`],
                  ),
              ]),
    ];
}

/**
 * `node -r ts-node/register/transpile-only localenv/bench/real-engine.ts SIZES`: the measurements alone, as JSON on
 * stdout, for a caller that runs them under another Node.js or other SDKs (npm run test:current-runtime -- --bench).
 */
if (require.main === module) {
    const sizes = (process.argv[2] ?? "500").split(",").map(Number);
    realEngineMeasurements(sizes, false).then(
        (measurements) => console.log(JSON.stringify(measurements)),
        (error) => {
            console.error(error);
            process.exit(1);
        },
    );
}
