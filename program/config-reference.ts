import { writeFileSync } from "fs";
import * as path from "path";
import { z } from "zod";
import { CONFIG_NAMESPACE } from "./problems";
import { stackConfigSchema } from "./schema";
import { SECRET_RULES, SecretRule } from "./secrets";

/**
 * docs/configuration.md, generated from the one definition of the config: the schema (types, modes, enums,
 * defaults, required keys, the examples and descriptions in its metadata) and the secure-value rules. `npm run
 * docs:config` writes it; a unit test fails while the committed file differs from what this renders.
 */

/** Where the generated reference is committed, from the repository root. */
export const CONFIG_REFERENCE_PATH = "docs/configuration.md";

/** The part of a JSON Schema (as `z.toJSONSchema` writes it) the reference reads. */
interface JsonSchema {
    type?: string;
    const?: unknown;
    enum?: unknown[];
    default?: unknown;
    description?: string;
    example?: string;
    properties?: Record<string, JsonSchema>;
    required?: string[];
    items?: JsonSchema;
    additionalProperties?: boolean | JsonSchema;
    oneOf?: JsonSchema[];
    anyOf?: JsonSchema[];
}

/** One table of the reference: the keys of an object, or of one mode of a key that has modes. */
interface KeyTable {
    /** The key path the table is about, e.g. `keyVault.privateEndpoint`. */
    keyPath: string;
    /** Its heading. */
    title: string;
    /** The object (or mode) whose keys it lists. */
    schema: JsonSchema;
    /** One Markdown row per key. */
    rows: string[];
}

function code(value: unknown): string {
    return `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;
}

/** Text that stays in one table cell. */
function cell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function variants(schema: JsonSchema): JsonSchema[] | undefined {
    return schema.oneOf ?? schema.anyOf;
}

function modeOf(schema: JsonSchema): unknown {
    return schema.properties?.mode?.const;
}

/** The type of a key as a reader writes it: `string`, `` `a` | `b` ``, `list of string`, `` by `mode`: `create`, `external` ``. */
function typeOf(schema: JsonSchema): string {
    const options = variants(schema);
    if (options) {
        return options.every((option) => modeOf(option) !== undefined)
            ? `by \`mode\`: ${options.map((option) => code(modeOf(option))).join(", ")}`
            : options.map(typeOf).join(" or ");
    }
    if (schema.const !== undefined) {
        return code(schema.const);
    }
    if (schema.enum) {
        return schema.enum.map(code).join(" | ");
    }
    if (schema.type === "array") {
        return `list of ${schema.items ? typeOf(schema.items) : "values"}`;
    }
    if (schema.type === "object" && !schema.properties && typeof schema.additionalProperties === "object") {
        return `map of ${typeOf(schema.additionalProperties)}`;
    }
    return schema.type ?? "any";
}

function row(key: string, schema: JsonSchema, required: boolean): string {
    const meaning = [schema.description, schema.example ? `Example: ${code(schema.example)}.` : undefined]
        .filter((part) => part !== undefined)
        .join(" ");
    const fallback = schema.default === undefined ? "" : code(schema.default);
    return `| ${code(key)} | ${cell(typeOf(schema))} | ${required ? "yes" : "no"} | ${cell(fallback)} | ${cell(meaning)} |`;
}

/** The rows of an object's keys into `table`, nested objects and lists of objects inline; keys with modes get tables of their own. */
function addRows(table: KeyTable, schema: JsonSchema, prefix: string, tables: KeyTable[]): void {
    const required = new Set(schema.required ?? []);
    for (const [key, child] of Object.entries(schema.properties ?? {})) {
        const keyPath = `${prefix}${key}`;
        table.rows.push(row(keyPath, child, required.has(key)));
        addChildren(keyPath, child, tables, table);
    }
}

/** What a key holds beyond its own row: the keys of an object or of a list's objects, or one table per mode. */
function addChildren(keyPath: string, schema: JsonSchema, tables: KeyTable[], table: KeyTable): void {
    const options = variants(schema);
    if (options) {
        for (const option of options) {
            const mode = modeOf(option);
            const modeTable: KeyTable = {
                keyPath,
                title: `${code(keyPath)}${mode === undefined ? "" : ` with mode ${code(mode)}`}`,
                schema: option,
                rows: [],
            };
            tables.push(modeTable);
            addRows(modeTable, option, `${keyPath}.`, tables);
        }
    } else if (schema.type === "object" && schema.properties) {
        addRows(table, schema, `${keyPath}.`, tables);
    } else if (schema.type === "array" && schema.items) {
        addChildren(`${keyPath}[]`, schema.items, tables, table);
    }
}

/** The tables of one top-level key: its own, then one per mode of it or of a key inside it. */
function keyTables(key: string, schema: JsonSchema): KeyTable[] {
    const own: KeyTable = { keyPath: key, title: code(key), schema, rows: [] };
    const tables = [own];
    addChildren(key, schema, tables, own);
    // A key's modes first, then the modes of keys inside them (a stable sort keeps each group in schema order).
    const depth = (table: KeyTable) => table.keyPath.split(/[.[]/).length;
    return tables.filter((table) => table.rows.length > 0 || table === own).sort((a, b) => depth(a) - depth(b));
}

const TABLE_HEAD = ["| key | type | required | default | meaning |", "|---|---|---|---|---|"];

function renderTable(table: KeyTable, level: string): string[] {
    const about = [table.schema.description, table.schema.example ? `Example: ${code(table.schema.example)}.` : undefined].filter(
        (part) => part !== undefined,
    );
    return [
        `${level} ${table.title}`,
        "",
        ...(about.length > 0 ? [about.join(" "), ""] : []),
        ...(table.rows.length > 0 ? [...TABLE_HEAD, ...table.rows, ""] : []),
    ];
}

/** The secure-value table, from the rules that decide it. */
function secretTable(rules: Record<string, Pick<SecretRule, "allowed" | "why">>): string[] {
    return [
        "| key | `secure:` | why |",
        "|---|---|---|",
        ...Object.entries(rules).map(([key, rule]) => `| ${code(key)} | ${cell(rule.allowed)} | ${cell(rule.why)} |`),
    ];
}

/** The configuration reference of `schema` and the secure-value `rules`, as Markdown. */
export function renderConfigReference(schema: z.ZodType, rules: Record<string, Pick<SecretRule, "allowed" | "why">>): string {
    const root = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
    const required = new Set(root.required ?? []);
    const keys = Object.entries(root.properties ?? {});
    const lines = [
        "# Configuration reference",
        "",
        "<!-- Generated by `npm run docs:config` from program/schema.ts and program/secrets.ts; edit those, not this file. -->",
        "",
        `Every key lives in the project namespace \`${CONFIG_NAMESPACE}:\`. A key marked "no" under required may be left out; its default, if any, applies.`,
        "",
        "## Top-level keys",
        "",
        ...TABLE_HEAD,
        ...keys.map(([key, child]) => row(key, child, required.has(key))),
        "",
        ...keys.flatMap(([key, child]) => keyTables(key, child).flatMap((table) => renderTable(table, "###"))),
        "## Secure values (`secure:`)",
        "",
        "Pulumi marks a whole top-level key secret when any value in it is `secure:`, so the rule is per top-level key.",
        "",
        ...secretTable(rules),
    ];
    return `${lines.join("\n")}\n`;
}

/** The reference of this program's config. */
export function configReference(): string {
    return renderConfigReference(stackConfigSchema, SECRET_RULES);
}

if (require.main === module) {
    writeFileSync(path.join(__dirname, "..", CONFIG_REFERENCE_PATH), configReference());
}
