/**
 * One measurement in a fresh process (so peak memory is this run's own): the program, or the floor (the same
 * number of plain resources, no component logic), under the unit tests' Pulumi mocks.
 * Usage: node -r ts-node/register/transpile-only localenv/bench/mocks-run.ts program|floor|replay|type ...
 *   program APPS [FILE]        the program; with FILE, also writes its custom resources (type, name, inputs) there
 *   floor APPS COUNT           COUNT ConfigMaps
 *   replay APPS FILE           the program's own custom resources from FILE, registered flat through their SDK
 *                              classes (see flat-replay.ts)
 *   type COUNT FILE TYPE       COUNT copies of the first resource of TYPE in FILE, flat: one type's own cost
 */
import * as fs from "fs";
import { performance } from "perf_hooks";
import { registrations, settle } from "../../tests/mocks";
import { startRegistrationClock } from "./registration-clock";
import { benchPlatformConfig } from "./generate";
import { parseStackConfig, runProgram } from "../../program/entry";
import { FLOOR_CONFIG_MAP, RecordedResource, floorConfigMaps, registerFlat } from "./flat-replay";

async function main(): Promise<void> {
    const [kind, appsArg, countArg, typeArg] = process.argv.slice(2);
    const apps = Number(appsArg);
    const clock = startRegistrationClock();
    const start = performance.now();
    if (kind === "program") {
        await runProgram(parseStackConfig(benchPlatformConfig(apps)));
    } else if (kind === "replay") {
        const recorded = JSON.parse(fs.readFileSync(countArg, "utf8")) as RecordedResource[];
        registerFlat(recorded);
    } else if (kind === "type") {
        const recorded = JSON.parse(fs.readFileSync(countArg, "utf8")) as RecordedResource[];
        const model = [...recorded, FLOOR_CONFIG_MAP].find((resource) => resource.type === typeArg);
        if (!model) {
            throw new Error(`no ${typeArg} in ${countArg}`);
        }
        registerFlat(Array.from({ length: apps }, (_, index) => ({ ...model, name: `${model.name}-${index}` })));
    } else if (kind === "floor") {
        registerFlat(floorConfigMaps(Number(countArg)));
    } else {
        throw new Error(`unknown kind ${kind}`);
    }
    await settle();
    if (kind === "program" && countArg) {
        const custom = registrations.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
        fs.writeFileSync(countArg, JSON.stringify(custom.map(({ type, name, inputs }) => ({ type, name, inputs }))));
    }
    const last = clock.last ?? start;
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
