/** The gate's verdict on a preview: destructive steps on guarded resources of guarded stacks. */
import {
    DELETE_OPS,
    PendingOperation,
    PreviewDiagnostic,
    PreviewDigest,
    REPLACE_OPS,
    normalizeType,
    shortStackName,
    stepName,
    stepType,
} from "./preview";

/** What the gate does for one run. */
export interface GateOptions {
    stack: string;
    guardStacks: string[];
    guardedTypes: string[];
    reportOnly: boolean;
    title?: string;
    /** A `pulumi stack export` of the stack: its pending operations block the gate. */
    stateFile?: string;
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
    /** What an interrupted update left in the stack's state (when the gate was given its export). */
    pendingOperations: PendingOperation[];
    /** True when the gate fails the run (guarded stack with findings, or pending operations; not report-only). */
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

/**
 * Applies the guard rules to a parsed preview and the stack's pending operations. Pure. Pending operations block
 * every stack: the state no longer says what exists, so the preview's verdict cannot be trusted either.
 */
export function evaluatePreview(digest: PreviewDigest, options: GateOptions, pendingOperations: PendingOperation[] = []): GateResult {
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
        pendingOperations,
        blocked: false,
        reportOnly: options.reportOnly,
        errors: diagnostics.filter((d) => d.severity === "error"),
        warnings: diagnostics.filter((d) => d.severity === "warning"),
        maybeCorrupt: digest.maybeCorrupt === true,
        stepCount: steps.length,
    };
    result.blocked = ((stackGuarded && result.findings.length > 0) || pendingOperations.length > 0) && !options.reportOnly;
    return result;
}
