import { z } from "zod";
import { editDistance } from "../components/shared/validation";
import { ConfigProblem, KeyPath, closestKey, renderKeyPath, unknownKeyProblem } from "./problems";
import { isObject } from "../components/shared/manifests";

/**
 * Schema problems in the config's words: an unknown key names the closest valid one (and a case mistake as such),
 * a value of the wrong shape says which shape is expected with a one-line example from the schema.
 */

type Schema = z.core.$ZodType;

/** What a schema is under its optional/default wrappers, and the example found on the way. */
function unwrap(schema: Schema): { core: Schema; example?: string } {
    let current = schema;
    let found: string | undefined;
    for (;;) {
        const meta = z.globalRegistry.get(current) as { example?: string } | undefined;
        found = found ?? meta?.example;
        const def = current._zod.def as { type: string; innerType?: Schema; in?: Schema };
        if (def.innerType && ["optional", "default", "prefault", "nullable", "readonly", "catch", "nonoptional"].includes(def.type)) {
            current = def.innerType;
        } else if (def.type === "pipe" && def.in) {
            current = def.in;
        } else {
            return { core: current, example: found };
        }
    }
}

/** True for a union (a mode switch), under its optional/default wrappers. */
export function isUnion(schema: Schema | undefined): boolean {
    return schema !== undefined && unwrap(schema).core._zod.def.type === "union";
}

/** The object schema a union resolves to for `data` (by its discriminator), or the schema itself. */
function resolveUnion(schema: Schema, data: unknown): Schema | undefined {
    const def = schema._zod.def as { type: string; options?: Schema[]; discriminator?: string };
    if (def.type !== "union" || !def.options) {
        return schema;
    }
    const discriminator = def.discriminator;
    if (!discriminator || !isObject(data)) {
        return undefined;
    }
    const wanted = data[discriminator];
    return def.options.find((option) => {
        const shape = (unwrap(option).core._zod.def as { shape?: Record<string, Schema> }).shape;
        const literal = shape?.[discriminator]?._zod.def as { values?: unknown[] } | undefined;
        return literal?.values?.includes(wanted);
    });
}

/** The schema at `path` inside `root`, following the data through lists, maps and unions. */
export function schemaAt(root: Schema, path: KeyPath, data: unknown): Schema | undefined {
    let schema: Schema | undefined = root;
    let value = data;
    for (const part of path) {
        if (!schema) {
            return undefined;
        }
        const core = resolveUnion(unwrap(schema).core, value);
        const def = core?._zod.def as { type: string; shape?: Record<string, Schema>; element?: Schema; valueType?: Schema } | undefined;
        schema =
            def?.type === "object"
                ? def.shape?.[String(part)]
                : def?.type === "array"
                  ? def.element
                  : def?.type === "record"
                    ? def.valueType
                    : undefined;
        value = isObject(value) || Array.isArray(value) ? (value as Record<string | number, unknown>)[part] : undefined;
    }
    return schema;
}

/** Keys of the object schema at `path`, for "did you mean". */
function keysAt(root: Schema, path: KeyPath, data: unknown): string[] {
    const schema = schemaAt(root, path, data);
    const core = schema && resolveUnion(unwrap(schema).core, valueAt(data, path));
    const shape = (core?._zod.def as { shape?: Record<string, Schema> } | undefined)?.shape;
    return shape ? Object.keys(shape) : [];
}

function valueAt(data: unknown, path: KeyPath): unknown {
    return path.reduce<unknown>(
        (value, part) => (isObject(value) || Array.isArray(value) ? (value as Record<string | number, unknown>)[part] : undefined),
        data,
    );
}

/** "an object", "a list", "one of a, b", ... */
function expectedShape(schema: Schema | undefined, fallback: string): string {
    if (!schema) {
        return fallback;
    }
    const def = unwrap(schema).core._zod.def as {
        type: string;
        entries?: Record<string, unknown>;
        values?: unknown[];
        format?: string;
        checks?: unknown[];
    };
    switch (def.type) {
        case "object":
        case "union":
            return "an object";
        case "array":
            return "a list";
        case "record":
            return "a map of names to strings";
        case "string":
            return "a string";
        case "number":
            return def.format === "safeint" ? "a whole number" : "a number";
        case "boolean":
            return "true or false";
        case "enum":
            return `one of ${Object.values(def.entries ?? {}).join(", ")}`;
        case "literal":
            return `${(def.values ?? []).join(", ")}`;
        default:
            return fallback;
    }
}

/** How a config value reads to a person: `the string "abc"`, `a list`, ... */
export function describeValue(value: unknown): string {
    if (value === undefined) {
        return "nothing";
    }
    if (typeof value === "string") {
        return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
    }
    if (Array.isArray(value)) {
        return "a list";
    }
    if (value === null) {
        return "null";
    }
    return typeof value === "object" ? "an object" : `${typeof value === "number" ? "the number " : ""}${String(value)}`;
}

function context(data: unknown, path: KeyPath): string | undefined {
    if (path[0] === "applications" && typeof path[1] === "number") {
        const name = valueAt(data, ["applications", path[1], "name"]);
        return typeof name === "string" ? `app "${name}"` : undefined;
    }
    return undefined;
}

function shapeFix(schema: Schema | undefined, path: KeyPath, expected: string): string {
    const sample = schema && unwrap(schema).example;
    const key = String(path[path.length - 1] ?? "");
    return sample
        ? `write it as ${expected}, e.g. \`${typeof path[path.length - 1] === "number" ? "- " : `${key}: `}${sample}\``
        : `use ${expected}`;
}

/** The problems of one zod error, for the value `data` checked against `root`, with paths under `prefix`. */
export function schemaProblems(error: z.ZodError, root: Schema, data: unknown, prefix: KeyPath = []): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    for (const issue of error.issues) {
        const path = [...prefix, ...(issue.path as Array<string | number>)];
        const local = issue.path as Array<string | number>;
        const where = context(data, local);
        const input = valueAt(data, local);
        const schema = schemaAt(root, local, data);
        switch (issue.code) {
            case "unrecognized_keys": {
                const valid = keysAt(root, local, data);
                problems.push(...issue.keys.map((key) => unknownKeyProblem(path, key, valid, where)));
                break;
            }
            case "invalid_type": {
                const expected = expectedShape(schema, `a ${issue.expected}`);
                if (input === undefined) {
                    const parent = valueAt(data, local.slice(0, -1));
                    const key = String(local[local.length - 1]);
                    // A mis-cased key is reported once, as the unknown key it is, not also as this one missing.
                    if (
                        isObject(parent) &&
                        Object.keys(parent).some((other) => other !== key && other.toLowerCase() === key.toLowerCase())
                    ) {
                        break;
                    }
                    problems.push({
                        path,
                        context: where,
                        message: "is required",
                        fix: shapeFix(schema, local, expected).replace(/^write it as/, "set it to"),
                    });
                } else {
                    problems.push({
                        path,
                        context: where,
                        message: `expected ${expected}, got ${describeValue(input)}`,
                        fix: shapeFix(schema, local, expected),
                    });
                }
                break;
            }
            case "invalid_union": {
                const discriminator = (issue as { discriminator?: string }).discriminator;
                const options = ((issue as { options?: unknown[] }).options ?? []).map(String);
                if (discriminator) {
                    const given = isObject(input) ? input[discriminator] : valueAt(data, local);
                    const suggestion = typeof given === "string" ? closestKey(given, options) : undefined;
                    problems.push({
                        path,
                        context: where,
                        message:
                            given === undefined
                                ? "is required"
                                : `${describeValue(given)} is not one of ${options.join(", ")}${suggestion ? ` (values are case-sensitive; did you mean ${suggestion.key}?)` : ""}`,
                        fix: `set ${renderKeyPath([String(path[path.length - 1])])} to one of ${options.join(", ")}`,
                    });
                } else {
                    problems.push({ path, context: where, message: issue.message, fix: "see docs/configuration.md" });
                }
                break;
            }
            case "invalid_value": {
                const values = issue.values.map(String);
                // A value is suggested only when it is nearly what was written (unlike keys, values are often just other choices).
                const closest = typeof input === "string" ? closestKey(input, values) : undefined;
                const suggestion =
                    closest && (closest.caseOnly || editDistance(String(input).toLowerCase(), closest.key.toLowerCase()) <= 2)
                        ? closest
                        : undefined;
                problems.push({
                    path,
                    context: where,
                    message: `${describeValue(input)} is not one of ${values.join(", ")}${suggestion?.caseOnly ? " (values are case-sensitive)" : ""}`,
                    fix: suggestion ? `use ${suggestion.key}` : `use one of ${values.join(", ")}`,
                });
                break;
            }
            case "too_small":
            case "too_big": {
                const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
                const what = issue.origin === "string" ? "characters" : issue.origin === "array" ? "entries" : "";
                problems.push({
                    path,
                    context: where,
                    message: `${describeValue(input)} is ${issue.code === "too_small" ? "below" : "above"} the ${issue.code === "too_small" ? "minimum" : "maximum"} of ${String(bound)}${what ? ` ${what}` : ""}`,
                    fix: `use a value ${issue.code === "too_small" ? "of at least" : "of at most"} ${String(bound)}`,
                });
                break;
            }
            case "invalid_format":
                problems.push({
                    path,
                    context: where,
                    message: `${describeValue(input)} ${issue.format === "url" ? "is not a URL" : issue.message}`,
                    fix: issue.format === "url" ? "use an https:// URL" : shapeFix(schema, local, "a value of that form"),
                });
                break;
            default: {
                const sample = schema && unwrap(schema).example;
                problems.push({
                    path,
                    context: where,
                    message: `${describeValue(input)} ${issue.message}`,
                    fix: sample ? `write a value like ${sample}` : "see docs/configuration.md",
                });
            }
        }
    }
    return problems;
}
