import * as fs from "fs";
import * as path from "path";
import { isObject } from "../components/shared/manifests";
import { ParsedArgs, UsageError, one } from "./args";
import { DEFAULT_RECENT_SECONDS, diagnose } from "../program/diagnosis/diagnose";
import { ClusterFacts, StackOutputs } from "../program/diagnosis/facts";
import { ClusterReadError } from "../program/cluster-api";
import { ReadClusterOptions, readCluster } from "../program/diagnosis/read-cluster";
import { DOCTOR_EXIT_CODES, formatJson, formatText } from "./doctor/render";
import { CliIo } from "./io";

/** `aks-keyvault-secrets doctor`: per app, whether its secrets arrive; for each failure the cause and the fix (docs/doctor.md). */

const OWN_FLAGS = ["kubeconfig", "context", "namespace", "stack-outputs", "output", "recent"];

/** The stack's outputs as `pulumi stack output --json` prints them (the program's `applications` and `platform`). */
export function readStackOutputs(file: string, cwd: string): StackOutputs {
    let parsed: unknown;
    try {
        parsed = JSON.parse(fs.readFileSync(path.resolve(cwd, file), "utf8"));
    } catch (error) {
        throw new UsageError(
            `--stack-outputs ${file} can't be read as JSON: ${(error as Error).message.split("\n")[0]}; write it with pulumi stack output --json > ${file}`,
        );
    }
    if (!isObject(parsed) || !isObject(parsed.applications)) {
        throw new UsageError(
            `--stack-outputs ${file} has no "applications" object: give the output of pulumi stack output --json of a stack of this program`,
        );
    }
    const outputs: StackOutputs = parsed;
    return outputs;
}

/** Runs doctor; `read` is the cluster reader (tests pass facts of their own). */
export async function runDoctor(
    args: ParsedArgs,
    io: CliIo,
    read: (options: ReadClusterOptions) => Promise<ClusterFacts> = readCluster,
): Promise<number> {
    const foreign = [...args.flags.keys()].filter((flag) => !OWN_FLAGS.includes(flag));
    if (foreign.length > 0) {
        throw new UsageError(`doctor does not take --${foreign.join(", --")}`);
    }
    if (args.inputs.length > 0) {
        throw new UsageError(`doctor takes no arguments (got ${args.inputs.join(" ")}); name the cluster with --kubeconfig and --context`);
    }
    const output = one(args, "output") ?? "text";
    if (output !== "text" && output !== "json") {
        throw new UsageError(`--output takes text or json, got "${output}"`);
    }
    const recentText = one(args, "recent");
    const recentSeconds = recentText === undefined ? DEFAULT_RECENT_SECONDS : Number(recentText);
    if (!Number.isInteger(recentSeconds) || recentSeconds < 0) {
        throw new UsageError(`--recent takes whole seconds, got "${recentText}"`);
    }
    const outputsFile = one(args, "stack-outputs");
    const outputs = outputsFile ? readStackOutputs(outputsFile, io.cwd) : undefined;
    const kubeconfig = one(args, "kubeconfig");
    const context = one(args, "context");
    const namespace = one(args, "namespace");
    let facts: ClusterFacts;
    try {
        facts = await read({
            ...(kubeconfig ? { kubeconfig: path.resolve(io.cwd, kubeconfig) } : {}),
            ...(context ? { context } : {}),
            ...(namespace ? { namespace } : {}),
        });
    } catch (error) {
        if (error instanceof ClusterReadError) {
            io.stderr(`aks-keyvault-secrets doctor: ${error.message} (exit code ${DOCTOR_EXIT_CODES.unreadable})\n`);
            return DOCTOR_EXIT_CODES.unreadable;
        }
        throw error;
    }
    const report = diagnose(facts, { ...(outputs ? { outputs } : {}), ...(namespace ? { namespace } : {}), recentSeconds });
    io.stdout(output === "json" ? formatJson(report) : formatText(report));
    return report.healthy ? DOCTOR_EXIT_CODES.healthy : DOCTOR_EXIT_CODES.failing;
}
