/**
 * The limits on what the migration tools read, and the one-line error that names a limit. Input comes from
 * `kubectl get -o yaml` or hand-written files and may be anything: without these a big export or a YAML alias bomb
 * took gigabytes and ended in a stack trace. Each limit is far above what one namespace's export needs, and each
 * message says how to get under it. The numbers are measured in docs/migration.md (hostile input).
 */
export const INPUT_LIMITS = {
    /** Bytes of all inputs of one run, files and stdin together: read whole, so this bounds memory first. */
    bytes: 16 * 1024 * 1024,
    /**
     * Manifests of one run: documents plus the items of List documents. Each becomes work and findings for the
     * converter; a flood of empty documents (`---` lines) is refused here before it is parsed.
     */
    manifests: 10_000,
    /**
     * YAML nodes (scalars, maps, sequences, aliases) of one run. The YAML library holds about 1.7 KB per node of a
     * document while it builds it, and `[a,a,a,...]` is 2 bytes a node, so bytes alone do not bound memory; counted
     * in the lexer's tokens, before anything is built.
     */
    nodes: 200_000,
    /** Nesting levels of a document (a Deployment has about 12); deeper input would overflow recursive code. */
    depth: 100,
    /**
     * Copies YAML aliases (`*name`) may expand to in one document (the YAML library's maxAliasCount, weighted by the
     * aliases inside what an alias refers to): the bound on "billion laughs". kubectl never writes aliases.
     */
    aliasExpansions: 100,
} as const;

/** Characters of input quoted in a message at most. */
export const QUOTE_LIMIT = 60;

/**
 * Characters of one line of a report at most. Names and paths from the input appear unquoted in report lines, and
 * only the API server bounds them (a name has at most 253 characters), so a line longer than this, which no valid
 * manifest makes, loses its middle: the start says what, the end says the fix.
 */
export const LINE_LIMIT = 1_000;

/** What to do when an input is over a size limit: the converter needs one namespace's apps and workloads at a time. */
const SPLIT_HINT =
    "split the input and convert one namespace (or a few) at a time: kubectl get akvs,deploy,sts,ds,cronjob,job -n NAMESPACE -o yaml";

/** Input the migration tools refuse to read further: the command prints the message as one line and exits 1. */
export class InputError extends Error {}

/** `value` quoted for a message: JSON-escaped (so it stays on one line) and cut to {@link QUOTE_LIMIT} characters. */
export function quote(value: string): string {
    if (value.length <= QUOTE_LIMIT) {
        return JSON.stringify(value);
    }
    return `${JSON.stringify(value.slice(0, QUOTE_LIMIT))}... (${value.length - QUOTE_LIMIT} more characters)`;
}

/**
 * `text` with every double-quoted run longer than {@link QUOTE_LIMIT} cut as {@link quote} cuts it. Messages quote the
 * value they are about (`"..."`), from the converter and from the components' checks it reuses; cutting them here
 * caps every one of them in one place.
 */
export function capQuotes(text: string): string {
    // Quotes pair left to right, short ones included, so the text between two quoted values is never taken for
    // one; a quoted value runs to its closing quote (past escaped ones and line breaks: the report splits lines
    // after this) or to the end. A value holding a bare quote ends there: its rest is text, capped by the line.
    return text.replace(/"((?:[^"\\]|\\[^])*)("?)/g, (whole: string, inner: string) =>
        inner.length <= QUOTE_LIMIT ? whole : `"${inner.slice(0, QUOTE_LIMIT)}"... (${inner.length - QUOTE_LIMIT} more characters)`,
    );
}

/** `line` cut to {@link LINE_LIMIT} characters, keeping its start and end. */
export function capLine(line: string): string {
    if (line.length <= LINE_LIMIT) {
        return line;
    }
    // 60% head, 30% tail, and the note between them fit in the limit.
    const head = Math.floor(LINE_LIMIT * 0.6);
    const tail = Math.floor(LINE_LIMIT * 0.3);
    return `${line.slice(0, head)} ... (${line.length - head - tail} characters cut) ... ${line.slice(-tail)}`;
}

/** A path inside a document for messages (`items[0].spec`), shortened from the middle when long. */
export function shortPath(keys: readonly (string | number)[]): string {
    const parts = keys.map((key, index) => (typeof key === "number" ? `[${key}]` : `${index === 0 ? "" : "."}${key}`));
    const text = parts.join("");
    return text.length <= QUOTE_LIMIT * 2 ? text : `${text.slice(0, QUOTE_LIMIT)}...${text.slice(-QUOTE_LIMIT)}`;
}

function count(n: number): string {
    return n.toLocaleString("en-US");
}

/** The messages of the limits, one home each. */
export const LIMIT_ERRORS = {
    bytes: (source: string, bytes: number) =>
        new InputError(
            `${source}: the input is ${count(bytes)} bytes so far, over the limit of ${count(INPUT_LIMITS.bytes)} bytes (${INPUT_LIMITS.bytes / 1024 / 1024} MiB) for one run; ${SPLIT_HINT}`,
        ),
    manifests: (source: string) =>
        new InputError(
            `${source}: more than ${count(INPUT_LIMITS.manifests)} manifests (documents and List items) in one run, the limit; ${SPLIT_HINT}`,
        ),
    nodes: (source: string) =>
        new InputError(
            `${source}: more than ${count(INPUT_LIMITS.nodes)} YAML nodes (values, keys, lists and maps) in one run, the limit; ${SPLIT_HINT}`,
        ),
    depth: (source: string, where: string) =>
        new InputError(
            `${source}: nested more than ${INPUT_LIMITS.depth} levels deep${where ? ` at ${where}` : ""}, the limit; no Kubernetes manifest nests that deep: check this is the file you meant`,
        ),
    aliasExpansions: (source: string) =>
        new InputError(
            `${source}: YAML aliases (*name) expand to more than ${INPUT_LIMITS.aliasExpansions} copies, the limit (an alias bomb?); write the repeated values out or use fewer aliases (kubectl output has none)`,
        ),
    recursiveAlias: (source: string, where: string) =>
        new InputError(
            `${source}: a YAML alias at ${where || "the top"} refers to a node that contains it (a manifest can't contain itself); remove the alias`,
        ),
    notText: (source: string, what: string) =>
        new InputError(`${source}: is not YAML or JSON text (${what}); pass manifests as kubectl get -o yaml or -o json writes them`),
};

/**
 * What one run has read so far, against {@link INPUT_LIMITS}. One budget is shared by all inputs of a run, since
 * everything read is held until the conversion.
 */
export class InputBudget {
    bytes = 0;
    manifests = 0;
    nodes = 0;

    addBytes(source: string, bytes: number): void {
        this.bytes += bytes;
        if (this.bytes > INPUT_LIMITS.bytes) {
            throw LIMIT_ERRORS.bytes(source, this.bytes);
        }
    }

    addManifests(source: string, manifests: number): void {
        this.manifests += manifests;
        if (this.manifests > INPUT_LIMITS.manifests) {
            throw LIMIT_ERRORS.manifests(source);
        }
    }

    addNodes(source: string, nodes: number): void {
        this.nodes += nodes;
        if (this.nodes > INPUT_LIMITS.nodes) {
            throw LIMIT_ERRORS.nodes(source);
        }
    }
}
