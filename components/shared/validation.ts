/**
 * Validation shared by every component: one error type that carries every problem found at once, so a
 * `pulumi preview` shows the whole list instead of one fix per run.
 */
import * as pulumi from "@pulumi/pulumi";

/** One problem: where it is (an input path a user can find), what is wrong, and how to fix it. */
export interface Problem {
    /** Path of the offending input, e.g. `app "orders": object "db-password": objectAlias`. */
    where: string;
    /** What is wrong. */
    message: string;
    /** How to fix it. */
    fix: string;
}

/** Formats one problem as a single line. */
export function formatProblem(problem: Problem): string {
    return `${problem.where}: ${problem.message}. Fix: ${problem.fix}.`;
}

/**
 * Thrown at construction (so at preview) when inputs are invalid; lists every problem found. A ResourceError (of
 * the component, when there is one yet), so `pulumi preview` prints it at the resource without stack frames.
 */
export class ValidationError extends pulumi.ResourceError {
    /** What was validated, e.g. `app "orders"`. */
    public readonly subject: string;
    /** Every problem found, in input order. */
    public readonly problems: Problem[];

    constructor(subject: string, problems: Problem[], resource?: pulumi.Resource) {
        super(
            `${subject} is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${formatProblem(p)}`).join("\n"),
            resource,
            true,
        );
        this.subject = subject;
        this.problems = problems;
        this.name = "ValidationError";
    }
}

/** Throws a ValidationError when `problems` is not empty; `resource`: the component whose inputs they are. */
export function throwIfProblems(subject: string, problems: Problem[], resource?: pulumi.Resource): void {
    if (problems.length > 0) {
        throw new ValidationError(subject, problems, resource);
    }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a GUID in the 8-4-4-4-12 form Azure uses for tenant, client and object IDs. */
export function isGuid(value: string): boolean {
    return GUID.test(value);
}

/** Values that appear more than once, in first-seen order. */
export function duplicates<T>(values: readonly T[]): T[] {
    const seen = new Set<T>();
    const repeated = new Set<T>();
    for (const value of values) {
        if (seen.has(value)) {
            repeated.add(value);
        }
        seen.add(value);
    }
    return [...repeated];
}

/** Edit distance with transpositions (optimal string alignment), for "did you mean". */
export function editDistance(a: string, b: string): number {
    const rows = a.length + 1;
    const columns = b.length + 1;
    const distance: number[][] = Array.from({ length: rows }, (_, i) =>
        Array.from({ length: columns }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
    );
    for (let i = 1; i < rows; i++) {
        for (let j = 1; j < columns; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            distance[i][j] = Math.min(distance[i - 1][j] + 1, distance[i][j - 1] + 1, distance[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
                distance[i][j] = Math.min(distance[i][j], distance[i - 2][j - 2] + 1);
            }
        }
    }
    return distance[a.length][b.length];
}
