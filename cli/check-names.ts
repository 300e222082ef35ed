import * as fs from "fs";
import * as path from "path";
import { isObject } from "../components/shared/manifests";
import { CONFIG_NAMESPACE } from "../program/problems";
import { DEFAULT_SECRET_SUFFIX, SyncedSecretName, secretNameCollisionProblems } from "../program/secret-names";
import { akv2k8sSecretNames, isAzureKeyVaultSecret, readAzureKeyVaultSecret } from "../migration/akv2k8s";
import { EXIT_CODES, Finding, formatFinding } from "../migration/findings";
import { InputBudget, InputError } from "../migration/input-limits";
import { ReadManifests, manifestsFromText } from "../migration/manifests";
import { ParsedArgs, UsageError, one } from "./args";
import { readExistingSecrets } from "./existing-secrets";
import { readManifestInputs } from "./inputs";
import { CliIo, display } from "./io";

/** `aks-keyvault-secrets check-names`: refuse stack config whose synced Secrets would overwrite akv2k8s Secrets. */

const OWN_FLAGS = ["stack-config", "existing-secrets", "namespace", "secret-suffix"];

/** The synced Secrets of a stack config file's apps, read as loosely as the file allows (the program checks the rest). */
function syncedSecretsOf(file: string, cwd: string): SyncedSecretName[] {
    const absolute = path.resolve(cwd, file);
    let read: ReadManifests;
    try {
        // Within the limits of manifests: it is YAML from outside too. Over one, main prints the InputError's line.
        const budget = new InputBudget();
        budget.addBytes(`--stack-config ${file}`, fs.statSync(absolute).size);
        read = manifestsFromText(fs.readFileSync(absolute, "utf8"), `--stack-config ${file}`, budget);
    } catch (error) {
        if (error instanceof InputError) {
            throw error;
        }
        throw new UsageError(`--stack-config ${file} can't be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    if (read.findings.length > 0) {
        throw new UsageError(`--stack-config ${file} can't be read: ${read.findings[0].message}`);
    }
    const parsed = read.manifests[0]?.manifest;
    const config = parsed && isObject(parsed.config) ? parsed.config : {};
    const applications = config[`${CONFIG_NAMESPACE}:applications`] ?? [];
    return (Array.isArray(applications) ? applications : []).flatMap((app: unknown) => {
        const fields = isObject(app) ? app : {};
        return (Array.isArray(fields.syncedSecrets) ? fields.syncedSecrets : []).map((secret: unknown) => ({
            namespace: String(fields.namespace),
            secretName: String(isObject(secret) ? secret.secretName : undefined),
            app: String(fields.name),
        }));
    });
}

export async function runCheckNames(args: ParsedArgs, io: CliIo): Promise<number> {
    const foreign = [...args.flags.keys()].filter((flag) => !OWN_FLAGS.includes(flag));
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
        const synced = syncedSecretsOf(config, io.cwd);
        checked += synced.length;
        for (const problem of secretNameCollisionProblems(synced, protectedSecrets, one(args, "secret-suffix") ?? DEFAULT_SECRET_SUFFIX)) {
            findings.push({
                severity: "error",
                code: "SECRET_NAME_COLLISION",
                subject: display(path.resolve(io.cwd, config), io.cwd),
                ...problem,
            });
        }
    }
    const errors = findings.filter((finding) => finding.severity === "error");
    if (errors.length > 0) {
        io.stderr(`${errors.map((finding) => formatFinding(finding)).join("\n")}\n${errors.length} problem(s); refusing (exit code 1).\n`);
        return EXIT_CODES.error;
    }
    io.stdout(
        `No synced Secret of ${configs.join(", ")} (${checked} checked) has the name of one of ${protectedSecrets.size} akv2k8s or existing Secret(s).\n`,
    );
    return EXIT_CODES.converted;
}
