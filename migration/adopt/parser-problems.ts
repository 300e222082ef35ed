import { Problem } from "../../components/shared/validation";
import { AdoptEmit } from "./emit";

/**
 * What the provider-faithful parser says about a hand-written class, sorted by what adoption does with it: keys the
 * provider ignores and non-string values are reported right away; the rest is kept per object, per synced Secret,
 * for the tenant and identity, or for the class as a whole.
 */

/** Where a problem from the parser belongs. */
type ProblemClass =
    | { kind: "object"; index: number }
    | { kind: "secret"; index?: number; name?: string }
    | { kind: "ignoredKey"; misspelled: boolean }
    | { kind: "notString" }
    | { kind: "tenant" }
    | { kind: "identityId" }
    | { kind: "servicePrincipalFallback" }
    | { kind: "class" };

const IGNORED_KEY_MESSAGE = "is not a key the provider reads, so it is silently ignored";

function classify(problem: Problem): ProblemClass {
    if (problem.message === IGNORED_KEY_MESSAGE) {
        return { kind: "ignoredKey", misspelled: problem.fix.startsWith("spell it") };
    }
    if (problem.message.includes("but the CRD takes strings only")) {
        return { kind: "notString" };
    }
    if (problem.where === "spec.parameters.tenantId" || problem.where === "tenantID") {
        return { kind: "tenant" };
    }
    if (problem.where === "identity.userAssignedIdentityID") {
        return { kind: "identityId" };
    }
    if (problem.where === "spec.parameters" && problem.message.startsWith("sets no identity mode")) {
        return { kind: "servicePrincipalFallback" };
    }
    const object = /^objects\[(\d+)\]/.exec(problem.where);
    if (object) {
        return { kind: "object", index: Number(object[1]) };
    }
    const secret = /^secretObjects\[(\d+)\]/.exec(problem.where);
    if (secret) {
        return { kind: "secret", index: Number(secret[1]) };
    }
    const named = /^secretObjects "(.*)"$/.exec(problem.where);
    if (named) {
        return { kind: "secret", name: named[1] };
    }
    return { kind: "class" };
}

/** The parser's problems adoption still has to decide on. */
export interface SortedProblems {
    /** By object index. */
    objects: Map<number, Problem[]>;
    /** By synced Secret (see `syncedSecretKey`). */
    secrets: Map<string, Problem[]>;
    tenant: Problem[];
    identityId?: Problem;
    /** Problems of the class as a whole: it can't be adopted. */
    class: Problem[];
}

/** Key of a synced Secret's problems: by index, or by name when the parser names it. */
export function syncedSecretKey(index: number | undefined, name: string | undefined): string {
    return index !== undefined ? `#${index}` : `"${name}"`;
}

export function sortParserProblems(problems: readonly Problem[], emit: AdoptEmit): SortedProblems {
    const sorted: SortedProblems = { objects: new Map(), secrets: new Map(), tenant: [], class: [] };
    for (const problem of problems) {
        const kind = classify(problem);
        switch (kind.kind) {
            case "ignoredKey":
                emit(
                    kind.misspelled ? "review" : "info",
                    kind.misspelled ? "SPC_MISSPELLED_KEY" : "SPC_IGNORED_KEY",
                    problem.where,
                    kind.misspelled
                        ? `${problem.message}; it is dropped, which keeps today's behaviour (the provider never used it)`
                        : `${problem.message}; dropped, no behaviour change`,
                    kind.misspelled
                        ? `if the value is meant to apply, ${problem.fix} in the config and check what changes`
                        : "nothing to do",
                );
                break;
            case "notString":
                emit(
                    "review",
                    "SPC_NOT_A_STRING",
                    problem.where,
                    `${problem.message}, so the API server rejects the manifest as written; adopted as the string`,
                    problem.fix,
                );
                break;
            case "tenant":
                sorted.tenant.push(problem);
                break;
            case "identityId":
                sorted.identityId = problem;
                break;
            case "servicePrincipalFallback":
                break;
            case "object":
                sorted.objects.set(kind.index, [...(sorted.objects.get(kind.index) ?? []), problem]);
                break;
            case "secret": {
                const key = syncedSecretKey(kind.index, kind.name);
                sorted.secrets.set(key, [...(sorted.secrets.get(key) ?? []), problem]);
                break;
            }
            default:
                sorted.class.push(problem);
        }
    }
    return sorted;
}
