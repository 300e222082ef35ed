/**
 * Preview gate: reads `pulumi preview --json` on stdin, prints a Markdown summary (steps per resource type and
 * operation) and fails when a guarded resource would be replaced or deleted on a guarded stack.
 *
 *   pulumi preview --stack prod --json > preview.json
 *   npx ts-node .github/preview-gate/preview-gate.ts --stack prod < preview.json >> "$GITHUB_STEP_SUMMARY"
 *
 * Guarded resources: the types in `--guard-types` (default: AKS ManagedCluster, Key Vault Vault, RoleAssignment, and
 * the Kubernetes Deployments, StatefulSets, DaemonSets, SecretProviderClasses, ServiceAccounts and Namespaces pods
 * depend on), and any resource whose old or new state has `protect: true`. With `--state`, a stack whose state holds
 * pending operations (an update was interrupted) is blocked on every stack, with the commands that clear them.
 *
 * Options:
 *   --stack <name>            stack of the preview (required); `org/stack` and `org/project/stack` are accepted
 *   --guard-stacks <a,b>      stacks where destructive steps on guarded resources fail the gate (default: prod)
 *   --guard-types <t1,t2>     resource types to guard, replacing the default list
 *   --state <file>            the stack's `pulumi stack export`: pending operations in it block the gate
 *   --report-only             print the summary, but exit 0 even when the gate would block
 *   --title <text>            heading of the summary
 *
 * Exit status: 0 pass, 1 blocked, 2 unusable input or arguments.
 *
 * Input shape (pulumi/pulumi `sdk/go/common/display/json.go` PreviewDigest, filled by
 * `pkg/backend/display/json.go` ShowPreviewDigest): `{ config?, steps?: [{ op, urn, provider?, oldState?,
 * newState?, diffReasons?, replaceReasons?, detailedDiff }], diagnostics?: [{ urn?, prefix?, message?,
 * severity? }], duration?, changeSummary?: { <op>: count }, maybeCorrupt? }`; `oldState`/`newState` are
 * `apitype.ResourceV3` (`urn`, `custom`, `type`, `protect`, `retainOnDelete`, `inputs`, `outputs`, ...).
 * By default the engine leaves `same` steps out (unless `--show-sames`) and shows one logical `replace` step
 * instead of `create-replacement` + `delete-replaced` (unless `--show-replacement-steps`); all of them are handled.
 */
import * as fs from "fs";
import { GateOptions, GateResult, evaluatePreview } from "./gate";
import { renderMarkdown } from "./markdown";
import {
    DEFAULT_GUARDED_TYPES,
    DEFAULT_GUARD_STACKS,
    PendingOperation,
    PreviewDigest,
    PreviewInputError,
    parsePendingOperations,
    parsePreviewJson,
} from "./preview";

/** Command-line options are unusable. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

function splitList(value: string): string[] {
    return value
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item !== "");
}

/** Parses command-line arguments (without `node` and the script path). */
export function parseArgs(argv: string[]): GateOptions {
    const options: Partial<GateOptions> = { reportOnly: false };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const eq = arg.indexOf("=");
        const flag = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
        const takeValue = (): string => {
            if (eq > 0 && arg.startsWith("--")) {
                return arg.slice(eq + 1);
            }
            const value = argv[++i];
            if (value === undefined || value.startsWith("--")) {
                throw new UsageError(`${flag} needs a value`);
            }
            return value;
        };
        switch (flag) {
            case "--stack":
                options.stack = takeValue();
                break;
            case "--guard-stacks":
                options.guardStacks = splitList(takeValue());
                break;
            case "--guard-types":
                options.guardedTypes = splitList(takeValue());
                break;
            case "--title":
                options.title = takeValue();
                break;
            case "--state":
                options.stateFile = takeValue();
                break;
            case "--report-only":
                options.reportOnly = true;
                break;
            default:
                throw new UsageError(`unknown argument ${arg}`);
        }
    }
    if (!options.stack) {
        throw new UsageError("--stack <name> is required");
    }
    return {
        stack: options.stack,
        guardStacks: options.guardStacks ?? [...DEFAULT_GUARD_STACKS],
        guardedTypes: options.guardedTypes && options.guardedTypes.length > 0 ? options.guardedTypes : [...DEFAULT_GUARDED_TYPES],
        reportOnly: options.reportOnly ?? false,
        ...(options.title ? { title: options.title } : {}),
        ...(options.stateFile ? { stateFile: options.stateFile } : {}),
    };
}

const USAGE =
    "usage: preview-gate --stack <name> [--guard-stacks prod,...] [--guard-types t1,t2] [--state export.json] [--report-only] [--title text] < preview.json";

/** What a run printed and its exit status. */
export interface GateRun {
    exitCode: number;
    stdout: string;
    stderr: string;
    result?: GateResult;
}

/** The whole command, without process I/O: arguments, stdin text and a file reader in, output and exit status out. */
export function runGate(
    argv: string[],
    input: string,
    readFile: (file: string) => string = (file) => fs.readFileSync(file, "utf8"),
): GateRun {
    let options: GateOptions;
    try {
        options = parseArgs(argv);
    } catch (error) {
        return { exitCode: 2, stdout: "", stderr: `preview-gate: ${(error as Error).message}\n${USAGE}\n` };
    }
    let digest: PreviewDigest;
    try {
        digest = parsePreviewJson(input);
    } catch (error) {
        return { exitCode: 2, stdout: "", stderr: `preview-gate: ${(error as Error).message}\n` };
    }
    let pending: PendingOperation[] = [];
    if (options.stateFile) {
        try {
            pending = parsePendingOperations(readFile(options.stateFile));
        } catch (error) {
            const message =
                error instanceof PreviewInputError ? error.message : `cannot read ${options.stateFile}: ${(error as Error).message}`;
            return { exitCode: 2, stdout: "", stderr: `preview-gate: ${message}\n` };
        }
    }
    const result = evaluatePreview(digest, options, pending);
    const stdout = renderMarkdown(result, options);
    let stderr = "";
    if (result.blocked) {
        const blockers = [
            ...result.pendingOperations.map((operation) => `pending ${operation.op} ${operation.urn}`),
            ...(result.stackGuarded ? result.findings.map((f) => `${f.kind} ${f.type} ${f.name}`) : []),
        ];
        stderr = `preview-gate: BLOCKED: ${blockers.join("; ")}\n`;
    } else if (result.stackGuarded && result.findings.length > 0) {
        stderr = `preview-gate: report only: would block ${result.findings.length} guarded resource(s)\n`;
    }
    return { exitCode: result.blocked ? 1 : 0, stdout, stderr, result };
}

function main(): void {
    if (process.stdin.isTTY) {
        process.stderr.write(`preview-gate: no input on stdin\n${USAGE}\n`);
        process.exitCode = 2;
        return;
    }
    const input = fs.readFileSync(0, "utf8");
    const run = runGate(process.argv.slice(2), input);
    process.stdout.write(run.stdout);
    process.stderr.write(run.stderr);
    process.exitCode = run.exitCode;
}

if (require.main === module) {
    main();
}
