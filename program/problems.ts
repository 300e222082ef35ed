import * as pulumi from "@pulumi/pulumi";
import { Problem, editDistance } from "../components/shared/validation";

/**
 * Problems with the stack configuration, each at a key path in the config's own words
 * (`applications[0].syncedSecrets[1].secretName`, never the provider's `secretObjects[1]`).
 */

/** Config namespace: the Pulumi project name. */
export const CONFIG_NAMESPACE = "aks-keyvault-secrets";

/** A key path: top-level key, then object keys and list indexes. */
export type KeyPath = ReadonlyArray<string | number>;

/** One problem with the stack config. */
export interface ConfigProblem {
    /** Where, from the top-level key down; empty for the namespace as a whole. */
    path: KeyPath;
    /** Who it is about, for people reading the message (e.g. `app "orders-api"`). */
    context?: string;
    /** What is wrong. */
    message: string;
    /** How to fix it. */
    fix: string;
}

/** `applications[0].objects[1].objectAlias` */
export function renderKeyPath(path: KeyPath): string {
    return path.map((part, index) => (typeof part === "number" ? `[${part}]` : index === 0 ? part : `.${part}`)).join("");
}

/** The key path a component problem's `where` names, read as written: `env[2].key` is `["env", 2, "key"]`, `labels["a/b"]` is `["labels", "a/b"]`. */
export function keyPathOf(where: string): Array<string | number> {
    return [...where.matchAll(/([^.[\]]+)|\[(\d+)\]|\["([^"]*)"\]/g)].map((match) =>
        match[2] !== undefined ? Number(match[2]) : (match[3] ?? match[1]),
    );
}

/** One line: `aks-keyvault-secrets:<path> (<context>): <message>. Fix: <fix>.` */
export function formatConfigProblem(problem: ConfigProblem): string {
    const context = problem.context ? ` (${problem.context})` : "";
    return `${CONFIG_NAMESPACE}:${renderKeyPath(problem.path)}${context}: ${problem.message}. Fix: ${problem.fix}.`;
}

/** A component's problem (its `where` in the component's words) at a config path. */
export function atPath(path: KeyPath, problem: Problem, context?: string): ConfigProblem {
    return { path, context, message: problem.message, fix: problem.fix };
}

/** The order problems are reported in: by key path, so the same config always prints the same message. */
function compareProblems(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Thrown when the stack config is invalid; lists every problem at once. A `pulumi.RunError`, so `pulumi preview`
 * prints the message alone, without Node stack frames (the stack of a config error says nothing to its reader).
 */
export class StackConfigError extends pulumi.RunError {
    /** Each problem as one line, without the secret values the config holds. */
    public readonly problems: string[];

    /** `secretValues`: plain texts of `secure:` values, replaced by `[secret]` wherever a message would show them. */
    constructor(problems: ConfigProblem[], secretValues: readonly string[] = []) {
        const lines = [...new Set(problems.map((problem) => redact(formatConfigProblem(problem), secretValues)))].sort(compareProblems);
        super(
            `Stack configuration is invalid (${lines.length} problem${lines.length === 1 ? "" : "s"}):\n${lines.map((line) => `  - ${line}`).join("\n")}`,
        );
        this.name = "StackConfigError";
        this.problems = lines;
    }
}

/**
 * `text` with secret values replaced by `[secret]`: quoted occurrences of any of them, and bare occurrences of
 * those long enough to be told from the words of a message (8 characters or more: IDs, tokens, URLs).
 */
export function redact(text: string, secretValues: readonly string[]): string {
    const escape = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return [...new Set(secretValues)]
        .filter((value) => value.length > 0)
        .sort((a, b) => b.length - a.length)
        .reduce((redacted, value) => {
            const quoted = redacted.split(JSON.stringify(value)).join('"[secret]"').split(`\`${value}\``).join("`[secret]`");
            return value.length < 8 ? quoted : quoted.replace(new RegExp(`(?<![\\w-])${escape(value)}(?![\\w-])`, "g"), "[secret]");
        }, text);
}

/** The valid key a mistyped one most likely means: same letters in another case first, then the nearest by edit distance. */
export function closestKey(unknown: string, valid: readonly string[]): { key: string; caseOnly: boolean } | undefined {
    const sameLetters = valid.find((key) => key.toLowerCase() === unknown.toLowerCase());
    if (sameLetters) {
        return { key: sameLetters, caseOnly: true };
    }
    const ranked = valid
        .map((key) => ({ key, distance: editDistance(unknown.toLowerCase(), key.toLowerCase()) }))
        .sort((a, b) => a.distance - b.distance || compareProblems(a.key, b.key));
    const best = ranked[0];
    const tolerance = Math.max(2, Math.floor(unknown.length / 3));
    return best && best.distance <= tolerance ? { key: best.key, caseOnly: false } : undefined;
}

/** The problem of an unknown key among `valid` ones. */
export function unknownKeyProblem(parent: KeyPath, key: string, valid: readonly string[], context?: string): ConfigProblem {
    const head = /^([^.[]+)[.[]/.exec(key)?.[1];
    if (parent.length === 0 && head && valid.includes(head)) {
        return {
            path: [key],
            message: `is not a key: \`pulumi config set\` without --path made one key of the path ${key}`,
            fix: `remove it (\`pulumi config rm '${CONFIG_NAMESPACE}:${key}'\`) and set the value with \`pulumi config set --path '${CONFIG_NAMESPACE}:${key}' <value>\``,
        };
    }
    const closest = closestKey(key, valid);
    const known = `valid keys here: ${valid.join(", ")}`;
    if (closest?.caseOnly) {
        return {
            path: [...parent, key],
            context,
            message: `is not a key: keys are case-sensitive, and this one is \`${closest.key}\` written in another case`,
            fix: `rename \`${key}\` to \`${closest.key}\``,
        };
    }
    return {
        path: [...parent, key],
        context,
        message: `is not a key of ${parent.length === 0 ? `the ${CONFIG_NAMESPACE} namespace` : `\`${renderKeyPath(parent)}\``}${closest ? ` (did you mean \`${closest.key}\`?)` : ""}`,
        fix: closest ? `rename it to \`${closest.key}\`, or remove it (${known})` : `remove it (${known})`,
    };
}
