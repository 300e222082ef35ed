/**
 * Preview gate: reads `pulumi preview --json` on stdin, prints a Markdown summary (steps per resource type and
 * operation) and fails when a guarded resource would be replaced or deleted on a guarded stack.
 *
 *   pulumi preview --stack prod --json > preview.json
 *   npx ts-node scripts/preview-gate.ts --stack prod < preview.json >> "$GITHUB_STEP_SUMMARY"
 *
 * Guarded resources: the types in `--guard-types` (default: AKS ManagedCluster, Key Vault Vault, RoleAssignment),
 * and any resource whose old or new state has `protect: true`.
 *
 * Options:
 *   --stack <name>            stack of the preview (required); `org/stack` and `org/project/stack` are accepted
 *   --guard-stacks <a,b>      stacks where destructive steps on guarded resources fail the gate (default: prod)
 *   --guard-types <t1,t2>     resource types to guard, replacing the default list
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
import { isObject } from "../components/shared/manifests";

/** A resource state as serialized in a preview step (`apitype.ResourceV3`, fields this gate reads). */
export interface PreviewResourceState {
    urn?: string;
    type?: string;
    custom?: boolean;
    id?: string;
    protect?: boolean;
    retainOnDelete?: boolean;
    parent?: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
}

/** One step of the preview (`display.PreviewStep`). */
export interface PreviewStep {
    op: string;
    urn: string;
    provider?: string;
    oldState?: PreviewResourceState;
    newState?: PreviewResourceState;
    diffReasons?: string[];
    replaceReasons?: string[];
    detailedDiff?: Record<string, { kind: string; inputDiff?: boolean }> | null;
}

/** A diagnostic recorded during the preview (`display.PreviewDiagnostic`). */
export interface PreviewDiagnostic {
    urn?: string;
    prefix?: string;
    message?: string;
    severity?: string;
}

/** The whole `pulumi preview --json` document (`display.PreviewDigest`). */
export interface PreviewDigest {
    config?: Record<string, string>;
    steps?: PreviewStep[];
    diagnostics?: PreviewDiagnostic[];
    duration?: number;
    changeSummary?: Record<string, number>;
    maybeCorrupt?: boolean;
}

/** Types guarded by default: losing or recreating one of these loses data, access, or the cluster. */
export const DEFAULT_GUARDED_TYPES: readonly string[] = [
    "azure-native:containerservice:ManagedCluster",
    "azure-native:keyvault:Vault",
    "azure-native:authorization:RoleAssignment",
];

/** Stacks guarded by default. */
export const DEFAULT_GUARD_STACKS: readonly string[] = ["prod"];

/** Steps that delete the live resource (or its old copy after a replacement). */
export const DELETE_OPS: readonly string[] = ["delete", "delete-replaced"];
/** Steps that replace a resource; the old copy is deleted before or after the new one exists. */
export const REPLACE_OPS: readonly string[] = ["replace", "create-replacement", "import-replacement", "read-replacement"];

/** Display order of operations in the summary table; anything else is appended alphabetically. */
const OP_ORDER = [
    "create",
    "update",
    "replace",
    "create-replacement",
    "delete-replaced",
    "import-replacement",
    "read-replacement",
    "delete",
    "import",
    "read",
    "refresh",
    "discard",
    "discard-replaced",
    "remove-pending-replace",
    "same",
];

/** The preview input is not a `pulumi preview --json` document. */
export class PreviewInputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PreviewInputError";
    }
}

/** Command-line options are unusable. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/**
 * Parses and checks the JSON text. Tolerates lines printed before the document (e.g. a CLI notice captured
 * together with stdout) by retrying from the first line that starts with `{`.
 */
export function parsePreviewJson(text: string): PreviewDigest {
    if (text.trim() === "") {
        throw new PreviewInputError("no input: pipe the output of `pulumi preview --json` to this script");
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (error) {
        const start = text.search(/^\{/m);
        if (start <= 0) {
            throw new PreviewInputError(`input is not JSON: ${(error as Error).message}`);
        }
        try {
            parsed = JSON.parse(text.slice(start));
        } catch (inner) {
            throw new PreviewInputError(`input is not JSON: ${(inner as Error).message}`);
        }
    }
    if (!isObject(parsed)) {
        throw new PreviewInputError("input is not a JSON object; expected the document `pulumi preview --json` prints");
    }
    if (parsed.steps !== undefined && !Array.isArray(parsed.steps)) {
        throw new PreviewInputError("`steps` is not an array");
    }
    if (parsed.steps === undefined && parsed.changeSummary === undefined && parsed.diagnostics === undefined) {
        throw new PreviewInputError("input has none of `steps`, `changeSummary`, `diagnostics`; is it `pulumi preview --json` output?");
    }
    const steps = (parsed.steps ?? []) as unknown[];
    steps.forEach((step, index) => {
        if (!isObject(step) || typeof step.op !== "string" || typeof step.urn !== "string") {
            throw new PreviewInputError(`steps[${index}] has no string \`op\` and \`urn\``);
        }
    });
    if (parsed.diagnostics !== undefined && !Array.isArray(parsed.diagnostics)) {
        throw new PreviewInputError("`diagnostics` is not an array");
    }
    if (parsed.changeSummary !== undefined && !isObject(parsed.changeSummary)) {
        throw new PreviewInputError("`changeSummary` is not an object");
    }
    return parsed as PreviewDigest;
}

/** Parts of a URN `urn:pulumi:<stack>::<project>::<parent$...$type>::<name>`. */
export interface ParsedUrn {
    stack: string;
    project: string;
    /** The resource's own type (last element of the qualified type). */
    type: string;
    name: string;
}

/** Splits a URN; the name may itself contain `::`. */
export function parseUrn(urn: string): ParsedUrn | undefined {
    const match = /^urn:pulumi:([^:]*)::([^:]*)::(.+?)::(.*)$/.exec(urn);
    if (!match) {
        return undefined;
    }
    const qualifiedType = match[3];
    return { stack: match[1], project: match[2], type: qualifiedType.split("$").pop() ?? qualifiedType, name: match[4] };
}

/** Resource type of a step: from the new or old state, else from the URN. */
export function stepType(step: PreviewStep): string {
    return step.newState?.type ?? step.oldState?.type ?? parseUrn(step.urn)?.type ?? "(unknown type)";
}

/** Logical name of a step's resource. */
export function stepName(step: PreviewStep): string {
    return parseUrn(step.urn)?.name ?? step.urn;
}

/**
 * `azure-native:keyvault/v20230701:Vault` and `azure-native:keyvault:Vault` are the same resource kind: explicit
 * API-version modules are folded into their module so the guard list needs only the default tokens.
 */
export function normalizeType(type: string): string {
    const parts = type.split(":");
    if (parts.length !== 3) {
        return type;
    }
    const [pkg, module, name] = parts;
    return `${pkg}:${module.replace(/\/v\d[0-9a-z]*$/i, "")}:${name}`;
}

/** Short stack name: `prod` from `prod`, `org/prod` or `org/project/prod`. */
export function shortStackName(stack: string): string {
    const parts = stack.split("/");
    return parts[parts.length - 1];
}

/** What the gate does for one run. */
export interface GateOptions {
    stack: string;
    guardStacks: string[];
    guardedTypes: string[];
    reportOnly: boolean;
    title?: string;
}

/** A destructive step on a guarded resource. */
export interface GuardFinding {
    urn: string;
    type: string;
    name: string;
    /** Every destructive op seen for this URN, e.g. ["create-replacement", "delete-replaced"]. */
    ops: string[];
    kind: "replace" | "delete";
    /** Why the resource is guarded. */
    reasons: Array<"guarded type" | "protected">;
    replaceReasons: string[];
    retainOnDelete: boolean;
}

/** Outcome of the gate. */
export interface GateResult {
    stack: string;
    /** True when the stack is one of the guarded stacks. */
    stackGuarded: boolean;
    /** Steps per resource type per op (root stack `same` steps left out). */
    counts: Record<string, Record<string, number>>;
    changeSummary: Record<string, number>;
    findings: GuardFinding[];
    /** True when the gate fails the run (guarded stack, findings, not report-only). */
    blocked: boolean;
    reportOnly: boolean;
    errors: PreviewDiagnostic[];
    warnings: PreviewDiagnostic[];
    maybeCorrupt: boolean;
    stepCount: number;
}

/** True when a step removes or recreates its resource. */
export function destructiveKind(op: string): "replace" | "delete" | undefined {
    if (REPLACE_OPS.includes(op)) {
        return "replace";
    }
    if (DELETE_OPS.includes(op)) {
        return "delete";
    }
    return undefined;
}

/** Applies the guard rules to a parsed preview. Pure. */
export function evaluatePreview(digest: PreviewDigest, options: GateOptions): GateResult {
    const stack = shortStackName(options.stack);
    const stackGuarded = options.guardStacks.map(shortStackName).includes(stack);
    const guarded = new Set(options.guardedTypes.map(normalizeType));
    const counts: Record<string, Record<string, number>> = {};
    const findings = new Map<string, GuardFinding>();
    const steps = digest.steps ?? [];
    for (const step of steps) {
        const type = stepType(step);
        if (type === "pulumi:pulumi:Stack" && step.op === "same") {
            continue;
        }
        counts[type] = counts[type] ?? {};
        counts[type][step.op] = (counts[type][step.op] ?? 0) + 1;
        const kind = destructiveKind(step.op);
        if (!kind) {
            continue;
        }
        const reasons: GuardFinding["reasons"] = [];
        if (guarded.has(normalizeType(type))) {
            reasons.push("guarded type");
        }
        if (step.oldState?.protect === true || step.newState?.protect === true) {
            reasons.push("protected");
        }
        if (reasons.length === 0) {
            continue;
        }
        const existing = findings.get(step.urn);
        if (existing) {
            existing.ops.push(step.op);
            existing.kind = existing.kind === "replace" || kind === "replace" ? "replace" : "delete";
            existing.reasons = [...new Set([...existing.reasons, ...reasons])];
            existing.replaceReasons = [...new Set([...existing.replaceReasons, ...(step.replaceReasons ?? [])])];
            continue;
        }
        findings.set(step.urn, {
            urn: step.urn,
            type,
            name: stepName(step),
            ops: [step.op],
            kind,
            reasons,
            replaceReasons: [...(step.replaceReasons ?? [])],
            retainOnDelete: step.oldState?.retainOnDelete === true || step.newState?.retainOnDelete === true,
        });
    }
    const diagnostics = digest.diagnostics ?? [];
    const result: GateResult = {
        stack,
        stackGuarded,
        counts,
        changeSummary: { ...(digest.changeSummary ?? {}) },
        findings: [...findings.values()],
        blocked: false,
        reportOnly: options.reportOnly,
        errors: diagnostics.filter((d) => d.severity === "error"),
        warnings: diagnostics.filter((d) => d.severity === "warning"),
        maybeCorrupt: digest.maybeCorrupt === true,
        stepCount: steps.length,
    };
    result.blocked = stackGuarded && result.findings.length > 0 && !options.reportOnly;
    return result;
}

function sortOps(ops: Iterable<string>): string[] {
    return [...new Set(ops)].sort((a, b) => {
        const ia = OP_ORDER.indexOf(a);
        const ib = OP_ORDER.indexOf(b);
        if (ia === -1 && ib === -1) {
            return a.localeCompare(b);
        }
        return (ia === -1 ? OP_ORDER.length : ia) - (ib === -1 ? OP_ORDER.length : ib);
    });
}

/** Escapes text for a Markdown table cell or inline code. */
function cell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

function firstLine(text: string | undefined, max = 300): string {
    const line = (text ?? "").trim().split(/\r?\n/)[0] ?? "";
    return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The Markdown summary: verdict, table of steps per type and op, guarded findings, diagnostics. */
export function renderMarkdown(result: GateResult, options: Pick<GateOptions, "guardStacks" | "title">): string {
    const lines: string[] = [];
    lines.push(`### ${options.title ?? `Preview gate: \`${result.stack}\``}`);
    lines.push("");
    const guardedList = options.guardStacks.map((s) => `\`${shortStackName(s)}\``).join(", ") || "none";
    if (result.findings.length === 0) {
        lines.push(`**PASS**: no guarded resource would be replaced or deleted (guarded stacks: ${guardedList}).`);
    } else if (!result.stackGuarded) {
        lines.push(
            `**PASS** (stack \`${result.stack}\` is not guarded; guarded stacks: ${guardedList}): ` +
                `${result.findings.length} guarded resource(s) would be replaced or deleted, listed below.`,
        );
    } else if (result.reportOnly) {
        lines.push(
            `**WOULD BLOCK (report only)**: ${result.findings.length} guarded resource(s) would be replaced or deleted on ` +
                `\`${result.stack}\`; the gate was told to report only.`,
        );
    } else {
        lines.push(
            `**BLOCKED**: ${result.findings.length} guarded resource(s) would be replaced or deleted on \`${result.stack}\`. ` +
                "Change the program so they are updated in place; if the change is intended, get it approved and rerun the gate with " +
                "`--report-only` (in CI: the PR label described in docs/ci.md).",
        );
    }
    lines.push("");
    const summaryOps = sortOps(Object.keys(result.changeSummary));
    if (summaryOps.length > 0) {
        lines.push(`Change summary: ${summaryOps.map((op) => `${op} ${result.changeSummary[op]}`).join(", ")}.`);
        lines.push("");
    }
    const types = Object.keys(result.counts).sort();
    if (types.length === 0) {
        lines.push("No resource steps in the preview.");
    } else {
        const ops = sortOps(types.flatMap((type) => Object.keys(result.counts[type])));
        lines.push(`| Resource type | ${ops.join(" | ")} |`);
        lines.push(`| --- | ${ops.map(() => "---:").join(" | ")} |`);
        for (const type of types) {
            lines.push(`| \`${cell(type)}\` | ${ops.map((op) => String(result.counts[type][op] ?? "")).join(" | ")} |`);
        }
    }
    if (result.findings.length > 0) {
        lines.push("");
        lines.push("Guarded resources that would be replaced or deleted:");
        lines.push("");
        for (const finding of result.findings) {
            const details = [finding.reasons.join(", ")];
            if (finding.replaceReasons.length > 0) {
                details.push(`replace reasons: ${finding.replaceReasons.map((r) => `\`${cell(r)}\``).join(", ")}`);
            }
            if (finding.retainOnDelete) {
                details.push("retainOnDelete: the cloud resource is kept, but Pulumi stops managing it");
            }
            lines.push(
                `- **${finding.kind}**${finding.ops.join(",") === finding.kind ? "" : ` (${finding.ops.join(" + ")})`} ` +
                    `\`${cell(finding.type)}\` **${cell(finding.name)}**: ${details.join("; ")}  `,
            );
            lines.push(`  \`${cell(finding.urn)}\``);
        }
    }
    if (result.maybeCorrupt) {
        lines.push("");
        lines.push("**Warning**: the engine reports that one or more resources may be corrupt (`maybeCorrupt`).");
    }
    if (result.errors.length > 0 || result.warnings.length > 0) {
        lines.push("");
        lines.push(`Diagnostics: ${result.errors.length} error(s), ${result.warnings.length} warning(s).`);
        for (const diagnostic of [...result.errors, ...result.warnings].slice(0, 10)) {
            const where = diagnostic.urn ? ` (${parseUrn(diagnostic.urn)?.name ?? diagnostic.urn})` : "";
            lines.push(`- ${diagnostic.severity}${where}: ${cell(firstLine(diagnostic.message))}`);
        }
    }
    lines.push("");
    return lines.join("\n");
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
    };
}

const USAGE =
    "usage: preview-gate --stack <name> [--guard-stacks prod,...] [--guard-types t1,t2] [--report-only] [--title text] < preview.json";

/** What a run printed and its exit status. */
export interface GateRun {
    exitCode: number;
    stdout: string;
    stderr: string;
    result?: GateResult;
}

/** The whole command, without process I/O: arguments and stdin text in, output and exit status out. */
export function runGate(argv: string[], input: string): GateRun {
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
    const result = evaluatePreview(digest, options);
    const stdout = renderMarkdown(result, options);
    let stderr = "";
    if (result.blocked) {
        stderr = `preview-gate: BLOCKED: ${result.findings.map((f) => `${f.kind} ${f.type} ${f.name}`).join("; ")}\n`;
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
