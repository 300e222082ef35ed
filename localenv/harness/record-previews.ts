/**
 * Records `pulumi preview --json` documents of the local stack with the real engine, as fixtures for the preview
 * gate's tests (.github/preview-gate/test/fixtures/local-*.json). A maintainer action, run after changing the program:
 *
 *   localenv/localenv build --for main && node -r ts-node/register/transpile-only localenv/harness/record-previews.ts
 *
 * The expectations (`*.expected.json`) are written by hand, from what each change means, not from the gate.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Stack } from "@pulumi/pulumi/automation";
import { CONFIG_NAMESPACE } from "../../program/entry";
import { startLocalEnvironment } from "./environment";
import { REPO_ROOT, localStackConfig, openLocalStack } from "./stack";

const FIXTURES = path.join(REPO_ROOT, ".github/preview-gate/test/fixtures");

/** Protects the `signing` app and everything in it (protect is inherited by children). */
const protectSigning: pulumi.ResourceTransform = (args) =>
    args.type === "akvsecrets:index:AppWorkload" && args.name === "signing"
        ? { props: args.props, opts: { ...args.opts, protect: true } }
        : undefined;

async function record(stack: Stack, name: string): Promise<void> {
    const result = await stack.preview().then(
        (preview) => preview.stdout,
        (error: { commandResult?: { stdout?: string; err?: { stdout?: string } } }) => {
            // A failed preview (e.g. a protected resource would be deleted) still prints its JSON document.
            const stdout = error.commandResult?.stdout || error.commandResult?.err?.stdout;
            if (!stdout) {
                throw error;
            }
            return stdout;
        },
    );
    JSON.parse(result);
    fs.writeFileSync(path.join(FIXTURES, `${name}.json`), `${result.trim()}\n`);
    console.error(`recorded ${name}.json`);
}

async function main(): Promise<void> {
    const environment = await startLocalEnvironment("akv-record");
    try {
        const stack = await openLocalStack({ ...environment.stackOptions, transforms: [protectSigning], jsonPreview: true });
        const config = localStackConfig();
        const setApps = (apps: unknown[]) => stack.setConfig(`${CONFIG_NAMESPACE}:applications`, { value: JSON.stringify(apps) });
        await stack.up();
        await record(stack, "local-no-changes");

        const withSecret = JSON.parse(JSON.stringify(config.applications));
        withSecret[0].objects.push({ objectName: "orders-smtp-password", objectType: "secret" });
        withSecret[0].syncedSecrets[0].data.push({ key: "smtp-password", objectName: "orders-smtp-password" });
        await setApps(withSecret);
        await record(stack, "local-add-secret");

        // local-move-namespace.json is kept from an earlier recording: the program now refuses a move when it reads
        // the cluster (program/change-check.ts), so the replacements it shows come only from a stack that cannot.

        await setApps(config.applications.filter((app: { name: string }) => app.name !== "signing"));
        await record(stack, "local-remove-protected-app");
    } finally {
        await environment.stop();
    }
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
