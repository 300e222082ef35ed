/** The Markdown summary of a verdict: steps per resource type and operation, then what blocks. */
import { GateOptions, GateResult } from "./gate";
import { OP_ORDER, parseUrn, shortStackName } from "./preview";

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
    if (result.pendingOperations.length > 0) {
        lines.push(
            `**${result.reportOnly ? "WOULD BLOCK (report only)" : "BLOCKED"}**: the state of \`${result.stack}\` holds ` +
                `${result.pendingOperations.length} pending operation(s) from an interrupted update, so it may lack objects that ` +
                "exist. Run `pulumi cancel` (only if no update is running), then `pulumi refresh --clear-pending-creates --yes`, " +
                "then preview again (docs/crash-recovery.md).",
        );
        for (const operation of result.pendingOperations) {
            lines.push(`- pending **${cell(operation.op)}** \`${cell(operation.urn)}\``);
        }
        lines.push("");
    }
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
