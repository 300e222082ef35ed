/**
 * What the program registers for the committed stacks (dev, prod, local), compared with a recorded snapshot: type,
 * name, parent, options and every input (secrets as "[secret]"). A refactor that changes a URN or an input fails here
 * before it changes a preview. Re-record on purpose with AKV_RECORD_REGISTRATIONS=1 and review the diff.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parseStackConfig } from "../../program/config";
import { runProgram } from "../../program/main";
import { stackFileConfig } from "../stack-files";
import { plainPart, protectedResources, registeredOptions, registrations, resetRegistrations, settle, valueOf } from "../mocks";

const SNAPSHOTS = path.resolve(__dirname, "../fixtures/registrations");

async function registeredBy(stack: string): Promise<unknown[]> {
    resetRegistrations();
    const outputs = await runProgram(parseStackConfig(stackFileConfig(stack)));
    await valueOf(outputs.applications);
    await settle();
    return registrations
        .map((registration) => {
            const key = `${registration.type}::${registration.name}`;
            return {
                type: registration.type,
                name: registration.name,
                custom: registration.custom,
                provider: registration.provider,
                protect: protectedResources.get(key) ?? false,
                ...registeredOptions.get(key),
                inputs: plainPart(registration.inputs),
            };
        })
        .sort((a, b) => `${a.type}::${a.name}`.localeCompare(`${b.type}::${b.name}`));
}

describe("registered resources of the committed stacks (snapshot)", () => {
    for (const stack of ["dev", "prod", "local"]) {
        it(`${stack}: same URNs, options and inputs as recorded`, async () => {
            const actual = await registeredBy(stack);
            const file = path.join(SNAPSHOTS, `${stack}.json`);
            if (process.env.AKV_RECORD_REGISTRATIONS === "1") {
                fs.mkdirSync(SNAPSHOTS, { recursive: true });
                fs.writeFileSync(file, `${JSON.stringify(actual, undefined, 1)}\n`);
            }
            expect(actual).to.deep.equal(JSON.parse(fs.readFileSync(file, "utf8")));
        });
    }
});
