/**
 * One measurement in a fresh process (so peak memory is this run's own): the program, or the floor (the same
 * number of plain resources, no component logic), under the unit tests' Pulumi mocks.
 * Usage: node -r ts-node/register/transpile-only scripts/bench/mocks-run.ts program|floor|startup APPS [COUNT]
 */
import { performance } from "perf_hooks";
import { registrations, settle } from "../../tests/mocks";
import * as k8s from "@pulumi/kubernetes";
import { benchPlatformConfig } from "./generate";
import { parseStackConfig } from "../../program/config";
import { runProgram } from "../../program/main";

async function main(): Promise<void> {
    const [kind, appsArg, countArg] = process.argv.slice(2);
    const apps = Number(appsArg);
    const start = performance.now();
    if (kind === "program") {
        runProgram(parseStackConfig(benchPlatformConfig(apps)));
    } else if (kind === "floor") {
        const count = Number(countArg);
        for (let index = 0; index < count; index++) {
            new k8s.core.v1.ConfigMap(`floor-${index}`, { metadata: { name: `floor-${index}`, namespace: "bench" }, data: { key: "value" } });
        }
    } else {
        throw new Error(`unknown kind ${kind}`);
    }
    await settle();
    const last = Math.max(...registrations.map((r) => r.at));
    const result = {
        kind,
        apps,
        resources: registrations.length,
        wallMs: last - start,
        maxRssMiB: process.resourceUsage().maxRSS / 1024,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
