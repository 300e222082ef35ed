/**
 * Program start-up: from node start to the first resource registered, running the real entry point (index.ts)
 * with a committed stack config (default dev; `startup.ts prod` for the stack with a private vault) under the Pulumi
 * mocks. Prints milliseconds since process start.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { settle } from "../../tests/mocks";
import { startRegistrationClock } from "./registration-clock";

async function main(): Promise<void> {
    const stack = process.argv[2] ?? "dev";
    const file = YAML.parse(fs.readFileSync(path.resolve(__dirname, `../../Pulumi.${stack}.yaml`), "utf8"));
    pulumi.runtime.setAllConfig(
        Object.fromEntries(
            Object.entries(file.config).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]),
        ),
    );
    const clock = startRegistrationClock();
    const { default: program } = await import("../../index");
    await program();
    await settle();
    process.stdout.write(`${JSON.stringify({ firstRegistrationMs: clock.first ?? null })}\n`);
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
