import * as YAML from "yaml";
import { Finding } from "./findings";
import { INPUT_LIMITS, InputBudget, LIMIT_ERRORS, QUOTE_LIMIT, quote, shortPath } from "./input-limits";
import { isObject } from "../components/shared/manifests";

/** A Kubernetes manifest read from input, with where it came from. */
export interface SourcedManifest {
    /** `file#n` (n = 1-based document number; `file#n.items[i]` inside a List). */
    source: string;
    manifest: Record<string, unknown>;
}

/** Result of reading input text: the manifests, and errors for what could not be read. */
export interface ReadManifests {
    manifests: SourcedManifest[];
    findings: Finding[];
}

/** Characters YAML and JSON both refuse unescaped (C0 controls but tab, LF, CR; DEL): the mark of binary input. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

/** Lexer tokens that each start at least one node: scalars, aliases, flow collections, and the indicators of block ones. */
const NODE_TOKENS = new Set([
    "scalar",
    "single-quoted-scalar",
    "double-quoted-scalar",
    "alias",
    "flow-map-start",
    "flow-seq-start",
    "seq-item-ind",
    "map-value-ind",
    "explicit-key-ind",
]);

/**
 * Counts the nodes of a text against the budget before anything is parsed: the YAML library's parser holds about
 * 700 bytes a node of a whole document and its composer 1 KB more, while its lexer streams strings. So a text over
 * the limit is refused in a fraction of a second, before it takes memory.
 */
function countNodes(text: string, file: string, budget: InputBudget): void {
    let nodes = 0;
    for (const token of new YAML.Lexer().lex(text)) {
        const type = YAML.CST.tokenType(token);
        if (type !== null && NODE_TOKENS.has(type)) {
            nodes++;
        }
    }
    budget.addNodes(file, nodes);
}

/**
 * Checks the depth of one parsed (CST) document before the YAML library builds it, since building recurses once
 * per level. A loop with its own stack, so no input can overflow it.
 */
function checkDepth(document: YAML.CST.Document, source: string): void {
    const stack: Array<{ token: YAML.CST.Token; depth: number }> = document.value ? [{ token: document.value, depth: 1 }] : [];
    for (let next = stack.pop(); next; next = stack.pop()) {
        const { token, depth } = next;
        if (depth > INPUT_LIMITS.depth) {
            throw LIMIT_ERRORS.depth(source, "");
        }
        if (token.type === "block-map" || token.type === "block-seq" || token.type === "flow-collection") {
            for (const item of token.items) {
                if (item.key) {
                    stack.push({ token: item.key, depth: depth + 1 });
                }
                if (item.value) {
                    stack.push({ token: item.value, depth: depth + 1 });
                }
            }
        }
    }
}

/** YAML text inside a value, which the converter parses again: the same node count (into the budget) and depth. */
function checkNestedYaml(text: string, source: string, budget: InputBudget): void {
    countNodes(text, source, budget);
    for (const token of new YAML.Parser().parse(text)) {
        if (token.type === "document") {
            checkDepth(token, source);
        }
    }
}

/**
 * A SecretProviderClass's `objects` parameter is YAML in a string, and each of its items YAML again, which the
 * adoption parses (components/secret-provider-class/parse.ts): checked as documents are, before that.
 */
function checkClassObjects(manifest: Record<string, unknown>, source: string, budget: InputBudget): void {
    const spec = manifest.kind === "SecretProviderClass" && isObject(manifest.spec) ? manifest.spec : {};
    const objects = isObject(spec.parameters) ? spec.parameters.objects : undefined;
    if (typeof objects !== "string") {
        return;
    }
    const where = `${source} spec.parameters.objects`;
    checkNestedYaml(objects, where, budget);
    let root: unknown;
    try {
        root = YAML.parseDocument(objects).toJS({ maxAliasCount: INPUT_LIMITS.aliasExpansions });
    } catch {
        return; // the adoption reports it as invalid YAML
    }
    const items = isObject(root) && Array.isArray(root.array) ? (root.array as unknown[]) : [];
    items.forEach((item, index) => {
        if (typeof item === "string") {
            checkNestedYaml(item, `${where} array[${index}]`, budget);
        }
    });
}

/**
 * Refuses a value built from aliases that contains itself (`&a [*a]`), or nests deeper than the limit once aliases
 * are expanded: the converter walks manifests recursively. A loop with its own stack and the set of the objects
 * on the current path. Flattens the strings on the way (see below).
 */
function checkValue(value: unknown, source: string): void {
    type Frame = { value: unknown; keys: Array<string | number>; leave: boolean };
    const stack: Frame[] = [{ value, keys: [], leave: false }];
    const onPath = new Set<unknown>();
    for (let frame = stack.pop(); frame; frame = stack.pop()) {
        if (frame.leave) {
            onPath.delete(frame.value);
            continue;
        }
        if (typeof frame.value === "string") {
            // The YAML library builds a double-quoted value a character at a time, and V8 keeps such a string as a
            // rope of about 30 bytes a character until something reads it; reading one character flattens it in
            // place. Without this, 16 MB of quoted annotations held 500 MB.
            frame.value.charCodeAt(0);
            continue;
        }
        if (typeof frame.value !== "object" || frame.value === null) {
            continue;
        }
        if (onPath.has(frame.value)) {
            throw LIMIT_ERRORS.recursiveAlias(source, shortPath(frame.keys));
        }
        if (frame.keys.length >= INPUT_LIMITS.depth) {
            throw LIMIT_ERRORS.depth(source, shortPath(frame.keys));
        }
        onPath.add(frame.value);
        stack.push({ value: frame.value, keys: frame.keys, leave: true });
        const entries: Array<[string | number, unknown]> = Array.isArray(frame.value)
            ? frame.value.map((item, index) => [index, item])
            : Object.entries(frame.value);
        for (const [key, child] of entries) {
            stack.push({ value: child, keys: [...frame.keys, key], leave: false });
        }
    }
}

/**
 * Expands `kind: List` (what `kubectl get ... -o yaml` prints) and `<Kind>List` documents into their items, counting
 * each against the budget. `checkValue` ran first, so nested Lists are finite.
 */
function flatten(manifest: Record<string, unknown>, source: string, budget: InputBudget): SourcedManifest[] {
    const result: SourcedManifest[] = [];
    const stack: SourcedManifest[] = [{ source, manifest }];
    for (let current = stack.pop(); current; current = stack.pop()) {
        const kind = typeof current.manifest.kind === "string" ? current.manifest.kind : "";
        const items = current.manifest.items;
        if (Array.isArray(items) && (kind === "List" || kind.endsWith("List"))) {
            budget.addManifests(current.source, items.length);
            // Pushed last to first, so items come out in their order.
            for (let index = items.length - 1; index >= 0; index--) {
                const item: unknown = items[index];
                if (isObject(item)) {
                    stack.push({ source: `${current.source}.items[${index}]`, manifest: item });
                }
            }
        } else {
            result.push(current);
        }
    }
    return result;
}

/** The first error of a document as one short line: the library's message (its first line, capped) and where. */
function errorLine(error: YAML.YAMLError, lines: YAML.LineCounter): string {
    const message = error.message.split("\n")[0].replace(/:$/, "");
    const at = lines.linePos(error.pos[0]);
    const short = message.length > 2 * QUOTE_LIMIT ? `${message.slice(0, 2 * QUOTE_LIMIT)}...` : message;
    return `${short.replace(/ at line \d+, column \d+$/, "")} at line ${at.line}, column ${at.col}`;
}

/**
 * Every manifest in a YAML (or JSON) text: multi-document files and List documents are expanded. Secret values
 * are never needed; a document that fails to parse is reported, the others are still read. Input over a limit of
 * {@link INPUT_LIMITS} (counted in `budget`, shared by the inputs of one run) throws an `InputError`, and so does
 * text that is not text.
 */
export function manifestsFromText(text: string, file: string, budget: InputBudget = new InputBudget()): ReadManifests {
    const manifests: SourcedManifest[] = [];
    const findings: Finding[] = [];
    const control = CONTROL.exec(text);
    if (control) {
        const before = text.slice(0, control.index);
        const line = before.split("\n").length;
        const column = control.index - before.lastIndexOf("\n");
        const code = control[0].charCodeAt(0).toString(16).padStart(2, "0");
        throw LIMIT_ERRORS.notText(file, `control character 0x${code} at line ${line}, column ${column}`);
    }
    countNodes(text, file, budget);
    const lines = new YAML.LineCounter();
    // The library warns on stderr (a collection as a map key, stringified): a line outside the report.
    const composer = new YAML.Composer({ logLevel: "error" });
    let parsed = 0; // documents the parser has given, counted before the library builds them
    let index = 0; // documents built (the library gives each once the next one starts)
    const read = (document: YAML.Document.Parsed) => {
        index++;
        const source = `${file}#${index}`;
        if (document.errors.length > 0) {
            findings.push({
                severity: "error",
                code: "INPUT_INVALID_YAML",
                subject: source,
                where: "",
                message: `is not valid YAML: ${errorLine(document.errors[0], lines)}`,
                fix: "fix the document (kubectl apply --dry-run=client -f FILE shows the same error)",
                source,
            });
            return;
        }
        let value: unknown;
        try {
            value = document.toJS({ maxAliasCount: INPUT_LIMITS.aliasExpansions });
        } catch (error) {
            // The library's only words for "over maxAliasCount"; other failures (an alias before its anchor) are the document's.
            if (error instanceof ReferenceError && /resource exhaustion/.test(error.message)) {
                throw LIMIT_ERRORS.aliasExpansions(source);
            }
            findings.push({
                severity: "error",
                code: "INPUT_INVALID_YAML",
                subject: source,
                where: "",
                message: `is not valid YAML: ${quote((error as Error).message)}`,
                fix: "fix the document (kubectl apply --dry-run=client -f FILE shows the same error)",
                source,
            });
            return;
        }
        checkValue(value, source);
        if (isObject(value)) {
            for (const sourced of flatten(value, source, budget)) {
                checkClassObjects(sourced.manifest, sourced.source, budget);
                manifests.push(sourced);
            }
        }
    };
    for (const token of new YAML.Parser(lines.addNewLine).parse(text)) {
        if (token.type === "document") {
            parsed++;
            budget.addManifests(`${file}#${parsed}`, 1);
            checkDepth(token, `${file}#${parsed}`);
        }
        for (const document of composer.next(token)) {
            read(document);
        }
    }
    for (const document of composer.end()) {
        read(document);
    }
    return { manifests, findings };
}

/** The API group of an `apiVersion` (`""` for the core group). */
export function groupOf(apiVersion: unknown): string {
    const text = typeof apiVersion === "string" ? apiVersion : "";
    return text.includes("/") ? text.split("/")[0] : "";
}
