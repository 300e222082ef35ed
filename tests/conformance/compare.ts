/**
 * Comparison of our verdicts with upstream's: the agreement table, false accepts, and false rejects that no
 * deliberate rule explains.
 */
import { DELIBERATE_RULES, DeliberateRule } from "./deliberate";
import { OracleVerdict } from "./oracle";
import { OurVerdict } from "./our-validator";

/** accept/reject (ours) x pass/fail (upstream). */
export interface AgreementTable {
    acceptPass: number;
    acceptFail: number;
    rejectPass: number;
    rejectFail: number;
}

export interface Disagreement {
    id: string;
    kind: "false accept" | "undeclared false reject" | "over the time bound";
    ours: string[];
    upstream: string[];
}

export interface Comparison {
    table: AgreementTable;
    disagreements: Disagreement[];
    /** Deliberate rules that explained at least one false reject, with counts. */
    deliberateHits: Map<string, number>;
}

/** The deliberate rule that explains one of our problems, if any. */
export function deliberateRuleOf(problem: string): DeliberateRule | undefined {
    return DELIBERATE_RULES.find((rule) => rule.matches.test(problem));
}

function upstreamErrors(verdict: OracleVerdict): string[] {
    return (verdict.failures ?? []).map((failure) => `${failure.stage}: ${failure.error}`);
}

/** Compares every case; `millisPerCase` bounds our validator's time on one case. */
export function compare(
    ids: string[],
    ours: Map<string, OurVerdict>,
    upstream: Map<string, OracleVerdict>,
    millisPerCase: number,
): Comparison {
    const table: AgreementTable = { acceptPass: 0, acceptFail: 0, rejectPass: 0, rejectFail: 0 };
    const disagreements: Disagreement[] = [];
    const deliberateHits = new Map<string, number>();
    for (const id of ids) {
        const our = ours.get(id)!;
        const their = upstream.get(id)!;
        const accepted = our.problems.length === 0;
        const passed = their.verdict === "PASS";
        if (our.millis > millisPerCase) {
            disagreements.push({ id, kind: "over the time bound", ours: [`${our.millis.toFixed(1)} ms`], upstream: [] });
        }
        if (accepted && passed) {
            table.acceptPass++;
        } else if (accepted) {
            table.acceptFail++;
            disagreements.push({ id, kind: "false accept", ours: [], upstream: upstreamErrors(their) });
        } else if (passed) {
            table.rejectPass++;
            const rules = our.problems.map(deliberateRuleOf);
            if (rules.some((rule) => rule === undefined)) {
                disagreements.push({
                    id,
                    kind: "undeclared false reject",
                    ours: our.problems.filter((_, index) => !rules[index]),
                    upstream: [],
                });
            }
            for (const rule of new Set(rules)) {
                if (rule) {
                    deliberateHits.set(rule.id, (deliberateHits.get(rule.id) ?? 0) + 1);
                }
            }
        } else {
            table.rejectFail++;
        }
    }
    return { table, disagreements, deliberateHits };
}

/** The table as Markdown, for docs/conformance.md. */
export function tableMarkdown(title: string, table: AgreementTable): string {
    return [
        `| ${title} | upstream PASS | upstream FAIL |`,
        "|---|---:|---:|",
        `| we accept | ${table.acceptPass} | ${table.acceptFail} |`,
        `| we reject | ${table.rejectPass} | ${table.rejectFail} |`,
    ].join("\n");
}
