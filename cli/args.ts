/** The command line of `aks-keyvault-secrets`: a command, inputs and `--flag value` options. */

/** A wrong command line; the command prints it with the usage text and exits 1. */
export class UsageError extends Error {}

export interface ParsedArgs {
    command: string;
    inputs: string[];
    flags: Map<string, string[]>;
}

const FLAGS_WITH_VALUE = new Set([
    "out",
    "ts-import",
    "app-name",
    "identity",
    "secret-suffix",
    "secret-name",
    "existing-secrets",
    "namespace",
    "addon-client-id",
    "stack-config",
    "kubeconfig",
    "context",
    "stack-outputs",
    "output",
    "recent",
]);
const BOOLEAN_FLAGS = new Set(["typescript", "help"]);
const SHORT: Record<string, string> = { o: "out", h: "help" };

export function parseArgs(argv: readonly string[]): ParsedArgs {
    const [command = "", ...rest] = argv;
    const inputs: string[] = [];
    const flags = new Map<string, string[]>();
    for (let i = 0; i < rest.length; i++) {
        const arg = rest[i];
        if (arg === "-" || !arg.startsWith("-")) {
            inputs.push(arg);
            continue;
        }
        const [rawName, inline] = arg.startsWith("--")
            ? [arg.slice(2).split("=")[0], arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : undefined]
            : [SHORT[arg.slice(1)] ?? arg.slice(1), undefined];
        if (BOOLEAN_FLAGS.has(rawName)) {
            flags.set(rawName, ["true"]);
        } else if (FLAGS_WITH_VALUE.has(rawName)) {
            const value = inline ?? rest[++i];
            if (value === undefined) {
                throw new UsageError(`--${rawName} needs a value`);
            }
            flags.set(rawName, [...(flags.get(rawName) ?? []), value]);
        } else {
            throw new UsageError(`unknown option ${arg}`);
        }
    }
    return { command, inputs, flags };
}

/** The value of a flag given at most once. */
export function one(args: ParsedArgs, name: string): string | undefined {
    const values = args.flags.get(name);
    if (values && values.length > 1) {
        throw new UsageError(`--${name} is given more than once`);
    }
    return values?.[0];
}

/** `<selector>=<name>` values of a repeatable flag, by selector. */
export function pairs(values: readonly string[] | undefined, flag: string): Record<string, string> {
    const result: Record<string, string> = {};
    for (const value of values ?? []) {
        const at = value.lastIndexOf("=");
        if (at <= 0 || at === value.length - 1) {
            throw new UsageError(`--${flag} takes <selector>=<name>, got "${value}"`);
        }
        result[value.slice(0, at)] = value.slice(at + 1);
    }
    return result;
}
