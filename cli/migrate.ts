import * as fs from "fs";
import * as path from "path";
import { isGuid } from "../components/shared/validation";
import { migrate } from "../migration/convert/migrate";
import { MigrateOptions } from "../migration/convert/types";
import {
    appsByVault,
    reportText,
    sourcesByApp,
    stackConfigDocuments,
    stackConfigYaml,
    typescriptFor,
    vaultFileName,
    workloadFileName,
    workloadYaml,
} from "../migration/emit";
import { EXIT_CODES, exitCodeFor } from "../migration/findings";
import { DEFAULT_SECRET_SUFFIX } from "../program/secret-names";
import { ParsedArgs, UsageError, one, pairs } from "./args";
import { readExistingSecrets } from "./existing-secrets";
import { readManifestInputs } from "./inputs";
import { CliIo, display } from "./io";

/** `aks-keyvault-secrets migrate`: akv2k8s manifests, workloads and hand-written SecretProviderClasses -> stack config + patches. */

function parseIdentity(value: string | undefined): MigrateOptions["identity"] {
    if (value === undefined || value === "addon") {
        return { mode: "addon" };
    }
    if (value === "workloadIdentity") {
        return { mode: "workloadIdentity" };
    }
    const match = /^workloadIdentity:(.+)$/.exec(value);
    if (match && isGuid(match[1])) {
        return { mode: "workloadIdentity", clientId: match[1] };
    }
    throw new UsageError(`--identity must be addon, workloadIdentity or workloadIdentity:<client-id GUID>, got "${value}"`);
}

function migrateOptions(args: ParsedArgs, io: CliIo): MigrateOptions {
    const addonClientId = one(args, "addon-client-id");
    if (addonClientId !== undefined && !isGuid(addonClientId)) {
        throw new UsageError(`--addon-client-id must be a GUID, got "${addonClientId}"`);
    }
    const suffix = one(args, "secret-suffix") ?? DEFAULT_SECRET_SUFFIX;
    if (suffix === "") {
        throw new UsageError("--secret-suffix can't be empty: synced Secrets must not reuse akv2k8s names");
    }
    return {
        defaultNamespace: one(args, "namespace") ?? "default",
        identity: parseIdentity(one(args, "identity")),
        secretSuffix: suffix,
        appNames: pairs(args.flags.get("app-name"), "app-name"),
        secretNames: pairs(args.flags.get("secret-name"), "secret-name"),
        existingSecrets: readExistingSecrets(one(args, "existing-secrets"), io.cwd),
        ...(addonClientId ? { addonClientId } : {}),
    };
}

/** Removes what an earlier run wrote into the output directory, so no stale file survives. */
function clearOutput(dir: string): void {
    if (!fs.existsSync(dir)) {
        return;
    }
    for (const name of fs.readdirSync(dir)) {
        if (/^stack-config\..+\.yaml$|^apps\..+\.ts$|^report\.txt$/.test(name)) {
            fs.rmSync(path.join(dir, name));
        }
    }
    const workloads = path.join(dir, "workloads");
    if (fs.existsSync(workloads)) {
        for (const name of fs.readdirSync(workloads).filter((n) => n.endsWith(".yaml"))) {
            fs.rmSync(path.join(workloads, name));
        }
    }
}

export async function runMigrate(args: ParsedArgs, io: CliIo): Promise<number> {
    if (args.inputs.length === 0) {
        throw new UsageError("migrate needs at least one file, directory or '-'");
    }
    if (args.flags.has("stack-config")) {
        throw new UsageError("--stack-config belongs to check-names");
    }
    const out = one(args, "out");
    const typescript = args.flags.has("typescript");
    if (typescript && !out) {
        throw new UsageError("--typescript needs --out <dir>");
    }
    const options = migrateOptions(args, io);
    const input = await readManifestInputs(args.inputs, io);
    const result = migrate(input.manifests, options);
    result.findings.unshift(...input.findings);
    const report = reportText(result);
    const code = exitCodeFor(result.findings);
    if (code === EXIT_CODES.error) {
        io.stderr(report);
        return code;
    }
    if (!out) {
        io.stdout(
            result.applications.length > 0
                ? stackConfigDocuments(result.applications, sourcesByApp(result.cutover))
                : "# No app to write: see the report.\n",
        );
        io.stderr(report);
        if (result.workloads.length > 0) {
            io.stderr(`${result.workloads.length} patched workload manifest(s) are written only with --out <dir>.\n`);
        }
        return code;
    }
    const dir = path.resolve(io.cwd, out);
    clearOutput(dir);
    fs.mkdirSync(dir, { recursive: true });
    const written: string[] = [];
    const write = (relative: string, text: string) => {
        const file = path.join(dir, relative);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
        written.push(display(file, io.cwd));
    };
    for (const [vault, apps] of appsByVault(result.applications)) {
        write(`stack-config.${vaultFileName(vault)}.yaml`, stackConfigYaml(vault, apps, sourcesByApp(result.cutover)));
        if (typescript) {
            write(`apps.${vaultFileName(vault)}.ts`, typescriptFor(vault, apps, one(args, "ts-import")));
        }
    }
    for (const workload of result.workloads) {
        write(path.join("workloads", workloadFileName(workload)), workloadYaml(workload));
    }
    write("report.txt", report);
    io.stdout(`Wrote:\n${written.map((file) => `  ${file}\n`).join("")}`);
    io.stderr(report);
    return code;
}
