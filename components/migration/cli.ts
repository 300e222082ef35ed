import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { isGuid } from "../shared/validation";
import { isDnsSubdomain } from "../shared/kubernetes";
import { MigratedIdentity } from "./application";
import { akv2k8sSecretNames, isAzureKeyVaultSecret, readAzureKeyVaultSecret } from "./akv2k8s";
import { MigrateOptions, migrate } from "./convert";
import { CONFIG_NAMESPACE, appsByVault, reportText, stackConfigDocuments, stackConfigYaml, typescriptFor, vaultFileName, workloadFileName, workloadYaml } from "./emit";
import { EXIT_CODES, Finding, exitCodeFor, formatFinding } from "./findings";
import { display, readManifestInputs } from "./inputs";
import { DEFAULT_SECRET_SUFFIX, secretNameCollisionProblems } from "./names";

/**
 * The `aks-keyvault-secrets` command (entry point: cli/aks-keyvault-secrets.js). Commands:
 * - `migrate`: akv2k8s manifests, workloads and hand-written SecretProviderClasses -> stack config + patches.
 * - `check-names`: refuse stack config whose synced Secrets would overwrite akv2k8s Secrets.
 */

export const USAGE = `Usage:
  aks-keyvault-secrets migrate [options] <file|directory|->...
  aks-keyvault-secrets check-names --stack-config <Pulumi.<stack>.yaml> [--existing-secrets <file>] <file|directory|->...

migrate reads AzureKeyVaultSecret manifests (spv.no/v1alpha1, v1, v2alpha1, v2beta1), workloads
(Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob), SecretProviderClasses, Namespaces and
Ingresses from YAML or JSON files, directories (*.yaml, *.yml, *.json, recursively) or stdin ("-"),
including multi-document files and List output such as \`kubectl get akvs,deploy,sts -A -o yaml\`.
It writes the stack config of the apps (aks-keyvault-secrets:applications, one document per Key Vault),
patched workload manifests and a report. It never needs or reads secret values.

migrate options:
  -o, --out <dir>                 write stack-config.<vault>.yaml, workloads/*.yaml, report.txt (and
                                  apps.<vault>.ts) into <dir>; without it the stack config goes to stdout
      --typescript                also write apps.<vault>.ts (AppWorkload components); needs --out
      --ts-import <module>        module the TypeScript imports from (default "aks-keyvault-secrets")
      --app-name <sel>=<name>     name the app of <sel> = NAMESPACE (one app there) or NAMESPACE/VAULT;
                                  repeatable (default: the namespace, or namespace-vault)
      --identity <mode>           identity of converted apps: addon (default), workloadIdentity (the
                                  program creates one) or workloadIdentity:<client-id>
      --secret-suffix <suffix>    suffix of synced Secrets replacing akv2k8s Secrets (default "-csi")
      --secret-name <ns>/<old>=<new>  name of the synced Secret replacing akv2k8s Secret <old>; refused
                                  when it collides; repeatable
      --existing-secrets <file>   more Secrets synced Secrets must not overwrite: one "namespace/name" or
                                  "namespace name" per line (e.g. kubectl get secrets -A --no-headers
                                  -o custom-columns=NS:.metadata.namespace,NAME:.metadata.name)
      --namespace <ns>            namespace of manifests without one (default "default")
      --addon-client-id <guid>    client ID of the cluster's addon identity (adopted classes using it)
  -h, --help                      show this help

Exit codes: 0 everything converted; 2 converted what has an equivalent, manual work remains (see
the report); 1 error (unreadable input, unsafe names, bad options): nothing written.
`;

/** What the command needs from its environment (tests pass their own). */
export interface CliIo {
    cwd: string;
    stdout: (text: string) => void;
    stderr: (text: string) => void;
    readStdin: () => Promise<string>;
}

class UsageError extends Error {}

interface ParsedArgs {
    command: string;
    inputs: string[];
    flags: Map<string, string[]>;
}

const FLAGS_WITH_VALUE = new Set(["out", "ts-import", "app-name", "identity", "secret-suffix", "secret-name", "existing-secrets", "namespace", "addon-client-id", "stack-config"]);
const BOOLEAN_FLAGS = new Set(["typescript", "help"]);
const SHORT: Record<string, string> = { o: "out", h: "help" };

function parseArgs(argv: readonly string[]): ParsedArgs {
    const [command = "", ...rest] = argv;
    const inputs: string[] = [];
    const flags = new Map<string, string[]>();
    for (let i = 0; i < rest.length; i++) {
        const arg = rest[i];
        if (arg === "-" || !arg.startsWith("-")) {
            inputs.push(arg);
            continue;
        }
        const [rawName, inline] = arg.startsWith("--") ? [arg.slice(2).split("=")[0], arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : undefined] : [SHORT[arg.slice(1)] ?? arg.slice(1), undefined];
        if (BOOLEAN_FLAGS.has(rawName)) {
            flags.set(rawName, ["true"]);
        } else if (FLAGS_WITH_VALUE.has(rawName)) {
            const value = inline ?? rest[++i];
            if (value === undefined) {
                throw new UsageError(`--${rawName} needs a value`);
            }
            flags.set(rawName, [...(flags.get(rawName) ?? []), value]);
        } else {
            throw new UsageError(`unknown option ${arg}`);
        }
    }
    return { command, inputs, flags };
}

function one(args: ParsedArgs, name: string): string | undefined {
    const values = args.flags.get(name);
    if (values && values.length > 1) {
        throw new UsageError(`--${name} is given more than once`);
    }
    return values?.[0];
}

function pairs(values: readonly string[] | undefined, flag: string): Record<string, string> {
    const result: Record<string, string> = {};
    for (const value of values ?? []) {
        const at = value.lastIndexOf("=");
        if (at <= 0 || at === value.length - 1) {
            throw new UsageError(`--${flag} takes <selector>=<name>, got "${value}"`);
        }
        result[value.slice(0, at)] = value.slice(at + 1);
    }
    return result;
}

function parseIdentity(value: string | undefined): MigrateOptions["identity"] {
    if (value === undefined || value === "addon") {
        return { mode: "addon" };
    }
    if (value === "workloadIdentity") {
        return { mode: "workloadIdentity" };
    }
    const match = /^workloadIdentity:(.+)$/.exec(value);
    if (match && isGuid(match[1])) {
        return { mode: "workloadIdentity", clientId: match[1] } as Extract<MigratedIdentity, { mode: "workloadIdentity" }>;
    }
    throw new UsageError(`--identity must be addon, workloadIdentity or workloadIdentity:<client-id GUID>, got "${value}"`);
}

/** `namespace/name` entries of an --existing-secrets file. */
function readExistingSecrets(file: string | undefined, cwd: string): string[] {
    if (!file) {
        return [];
    }
    let text: string;
    try {
        text = fs.readFileSync(path.resolve(cwd, file), "utf8");
    } catch (error) {
        throw new UsageError(`--existing-secrets ${file} can't be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    return text
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== "" && !line.startsWith("#"))
        .map((line) => {
            const parts = line.replace(/^secret\//, "").split(/[\s/]+/);
            if (parts.length !== 2 || !isDnsSubdomain(parts[0]) || !isDnsSubdomain(parts[1])) {
                throw new UsageError(`--existing-secrets ${file}: "${line}" is not "namespace/name" or "namespace name"`);
            }
            return `${parts[0]}/${parts[1]}`;
        });
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

async function runMigrate(args: ParsedArgs, io: CliIo): Promise<number> {
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
    const addonClientId = one(args, "addon-client-id");
    if (addonClientId !== undefined && !isGuid(addonClientId)) {
        throw new UsageError(`--addon-client-id must be a GUID, got "${addonClientId}"`);
    }
    const suffix = one(args, "secret-suffix") ?? DEFAULT_SECRET_SUFFIX;
    if (suffix === "") {
        throw new UsageError("--secret-suffix can't be empty: synced Secrets must not reuse akv2k8s names");
    }
    const options: MigrateOptions = {
        defaultNamespace: one(args, "namespace") ?? "default",
        identity: parseIdentity(one(args, "identity")),
        secretSuffix: suffix,
        appNames: pairs(args.flags.get("app-name"), "app-name"),
        secretNames: pairs(args.flags.get("secret-name"), "secret-name"),
        existingSecrets: readExistingSecrets(one(args, "existing-secrets"), io.cwd),
        ...(addonClientId ? { addonClientId } : {}),
    };
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
        io.stdout(result.applications.length > 0 ? stackConfigDocuments(result.applications) : "# No app to write: see the report.\n");
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
        write(`stack-config.${vaultFileName(vault)}.yaml`, stackConfigYaml(vault, apps));
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

async function runCheckNames(args: ParsedArgs, io: CliIo): Promise<number> {
    const foreign = [...args.flags.keys()].filter((flag) => !["stack-config", "existing-secrets", "namespace", "secret-suffix"].includes(flag));
    if (foreign.length > 0) {
        throw new UsageError(`check-names does not take --${foreign.join(", --")}`);
    }
    const configs = args.flags.get("stack-config") ?? [];
    if (configs.length === 0) {
        throw new UsageError("check-names needs --stack-config <Pulumi.<stack>.yaml>");
    }
    const input = await readManifestInputs(args.inputs, io);
    const findings: Finding[] = [...input.findings];
    const resources = input.manifests
        .filter(({ manifest }) => isAzureKeyVaultSecret(manifest))
        .flatMap((sourced) => readAzureKeyVaultSecret(sourced, one(args, "namespace") ?? "default").resource ?? []);
    const protectedSecrets = new Set([...akv2k8sSecretNames(resources), ...readExistingSecrets(one(args, "existing-secrets"), io.cwd)]);
    let checked = 0;
    for (const config of configs) {
        let applications: unknown;
        try {
            const parsed = YAML.parse(fs.readFileSync(path.resolve(io.cwd, config), "utf8")) as { config?: Record<string, unknown> } | null;
            applications = parsed?.config?.[`${CONFIG_NAMESPACE}:applications`] ?? [];
        } catch (error) {
            throw new UsageError(`--stack-config ${config} can't be read: ${(error as Error).message.split("\n")[0]}`);
        }
        const synced = (Array.isArray(applications) ? applications : []).flatMap((app: Record<string, any>) =>
            (Array.isArray(app?.syncedSecrets) ? app.syncedSecrets : []).map((secret: Record<string, any>) => ({ namespace: String(app.namespace), secretName: String(secret.secretName), app: String(app.name) })),
        );
        checked += synced.length;
        for (const problem of secretNameCollisionProblems(synced, protectedSecrets, one(args, "secret-suffix") ?? DEFAULT_SECRET_SUFFIX)) {
            findings.push({ severity: "error", code: "SECRET_NAME_COLLISION", subject: display(path.resolve(io.cwd, config), io.cwd), ...problem });
        }
    }
    const errors = findings.filter((finding) => finding.severity === "error");
    if (errors.length > 0) {
        io.stderr(`${errors.map((finding) => formatFinding(finding)).join("\n")}\n${errors.length} problem(s); refusing (exit code 1).\n`);
        return EXIT_CODES.error;
    }
    io.stdout(`No synced Secret of ${configs.join(", ")} (${checked} checked) has the name of one of ${protectedSecrets.size} akv2k8s or existing Secret(s).\n`);
    return EXIT_CODES.converted;
}

/** Runs the command; resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
    try {
        const args = parseArgs(argv);
        if (args.command === "" || args.command === "help" || args.command === "--help" || args.command === "-h" || args.flags.has("help")) {
            io.stdout(USAGE);
            return args.command === "" ? EXIT_CODES.error : EXIT_CODES.converted;
        }
        if (args.command === "migrate") {
            return await runMigrate(args, io);
        }
        if (args.command === "check-names") {
            return await runCheckNames(args, io);
        }
        throw new UsageError(`unknown command "${args.command}"`);
    } catch (error) {
        if (error instanceof UsageError) {
            io.stderr(`aks-keyvault-secrets: ${error.message}\n\n${USAGE}`);
            return EXIT_CODES.error;
        }
        throw error;
    }
}

/** The real process environment. */
export function processIo(): CliIo {
    return {
        cwd: process.cwd(),
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
        readStdin: () =>
            new Promise((resolve, reject) => {
                let text = "";
                process.stdin.setEncoding("utf8");
                process.stdin.on("data", (chunk) => (text += chunk));
                process.stdin.on("end", () => resolve(text));
                process.stdin.on("error", reject);
            }),
    };
}
