/**
 * Real-engine part of the benchmark: `pulumi preview` and `pulumi up` of the local stack with N apps, against a
 * floor stack of the same number of plain Kubernetes resources (ConfigMaps) with no component logic, on one local
 * kube-apiserver. Needs the toolchain (scripts/toolchain.sh build).
 */
import * as k8s from "@pulumi/kubernetes";
import { Stack } from "@pulumi/pulumi/automation";
import { openLocalStack } from "../local-stack/stack";
import { startLocalEnvironment } from "../local-stack/environment";
import { benchLocalConfig } from "./generate";

export interface RealEngineMeasurement {
    apps: number;
    resources: number;
    programPreview: number;
    programUp: number;
    floorPreview: number;
    floorUp: number;
}

async function seconds(work: () => Promise<unknown>): Promise<number> {
    const started = process.hrtime.bigint();
    await work();
    return Number(process.hrtime.bigint() - started) / 1e9;
}

async function measure(stack: Stack): Promise<{ preview: number; up: number; resources: number }> {
    const preview = await seconds(() => stack.preview());
    let resources = 0;
    const up = await seconds(async () => {
        const result = await stack.up();
        resources = result.summary.resourceChanges?.create ?? 0;
    });
    await stack.destroy();
    return { preview, up, resources };
}

/** Measures each size once per side, program first, on one local API server. */
export async function realEngineMeasurements(sizes: number[]): Promise<RealEngineMeasurement[]> {
    const environment = await startLocalEnvironment("akv-bench", [...Array.from({ length: 10 }, (_, team) => `team-${team}`), "bench"]);
    try {
        const common = environment.stackOptions;
        const results: RealEngineMeasurement[] = [];
        for (const apps of sizes) {
            const program = await openLocalStack({ ...common, stackName: `bench-${apps}`, stackConfig: benchLocalConfig(apps) });
            const measuredProgram = await measure(program);
            // The floor registers as many resources as the program did, minus the stack resource both have.
            const count = measuredProgram.resources - 1;
            const floor = await openLocalStack({
                ...common,
                stackName: `floor-${apps}`,
                program: async () => {
                    for (let index = 0; index < count; index++) {
                        new k8s.core.v1.ConfigMap(`floor-${index}`, { metadata: { name: `floor-${index}`, namespace: "bench" }, data: { key: "value" } });
                    }
                },
            });
            const measuredFloor = await measure(floor);
            results.push({
                apps,
                resources: measuredProgram.resources,
                programPreview: measuredProgram.preview,
                programUp: measuredProgram.up,
                floorPreview: measuredFloor.preview,
                floorUp: measuredFloor.up,
            });
            console.error(`real engine ${apps} apps: ${JSON.stringify(results[results.length - 1])}`);
        }
        return results;
    } finally {
        environment.stop();
    }
}

/** Markdown rows of the real-engine table. */
export function realEngineRows(measurements: RealEngineMeasurement[]): string[] {
    const f = (value: number, digits = 1) => value.toFixed(digits);
    return [
        "`pulumi preview` and `pulumi up` (create) of the local stack with N apps (app side only: ServiceAccount,",
        "SecretProviderClass, Deployment per app, mixed identities) against a floor stack of the same number of",
        "ConfigMaps, both through the Automation API on one local kube-apiserver. One run per size and side.",
        "",
        "| apps | resources | program preview (s) | floor preview (s) | ratio | program up (s) | floor up (s) | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        ...measurements.map(
            (m) =>
                `| ${m.apps} | ${m.resources} | ${f(m.programPreview)} | ${f(m.floorPreview)} | ${f(m.programPreview / m.floorPreview, 2)}x | ${f(m.programUp)} | ${f(m.floorUp)} | ${f(m.programUp / m.floorUp, 2)}x |`,
        ),
    ];
}
