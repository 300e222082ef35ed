/**
 * One measurement in a fresh process (so peak memory is this run's own): the program, or the floor (the same
 * number of plain resources, no component logic), under the unit tests' Pulumi mocks.
 * Usage: node -r ts-node/register/transpile-only scripts/bench/mocks-run.ts program|floor|replay APPS [COUNT|FILE]
 *   program APPS [FILE]  the program; with FILE, also writes its custom resources (type, name, inputs) there
 *   floor APPS COUNT     COUNT ConfigMaps
 *   replay APPS FILE     the program's own custom resources from FILE, registered flat: no components, no
 *                        validation, no Outputs between resources (what the resources alone cost)
 */
import * as fs from "fs";
import { performance } from "perf_hooks";
import * as pulumi from "@pulumi/pulumi";
import { registrations, settle } from "../../tests/mocks";
import * as k8s from "@pulumi/kubernetes";
import { benchPlatformConfig } from "./generate";
import { parseStackConfig } from "../../program/config";
import { runProgram } from "../../program/main";

/** A custom resource of any type, registered as is. */
class FlatResource extends pulumi.CustomResource {
    constructor(type: string, name: string, inputs: Record<string, unknown>) {
        super(type, name, inputs);
    }
}

async function main(): Promise<void> {
    const [kind, appsArg, countArg] = process.argv.slice(2);
    const apps = Number(appsArg);
    const start = performance.now();
    if (kind === "program") {
        runProgram(parseStackConfig(benchPlatformConfig(apps)));
    } else if (kind === "replay") {
        const recorded = JSON.parse(fs.readFileSync(countArg, "utf8")) as Array<{ type: string; name: string; inputs: Record<string, unknown> }>;
        for (const resource of recorded) {
            new FlatResource(resource.type, resource.name, resource.inputs);
        }
    } else if (kind === "floor") {
        const count = Number(countArg);
        for (let index = 0; index < count; index++) {
            new k8s.core.v1.ConfigMap(`floor-${index}`, { metadata: { name: `floor-${index}`, namespace: "bench" }, data: { key: "value" } });
        }
    } else {
        throw new Error(`unknown kind ${kind}`);
    }
    await settle();
    if (kind === "program" && countArg) {
        const custom = registrations.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
        fs.writeFileSync(countArg, JSON.stringify(custom.map(({ type, name, inputs }) => ({ type, name, inputs }))));
    }
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
