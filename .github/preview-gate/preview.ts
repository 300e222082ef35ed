/** `pulumi preview --json` read into a digest: steps, resource states, diagnostics, URNs and type tokens. */

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A resource state as serialized in a preview step (`apitype.ResourceV3`, fields this gate reads). */
export interface PreviewResourceState {
    urn?: string;
    type?: string;
    custom?: boolean;
    id?: string;
    protect?: boolean;
    retainOnDelete?: boolean;
    parent?: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
}

/** One step of the preview (`display.PreviewStep`). */
export interface PreviewStep {
    op: string;
    urn: string;
    provider?: string;
    oldState?: PreviewResourceState;
    newState?: PreviewResourceState;
    diffReasons?: string[];
    replaceReasons?: string[];
    detailedDiff?: Record<string, { kind: string; inputDiff?: boolean }> | null;
}

/** A diagnostic recorded during the preview (`display.PreviewDiagnostic`). */
export interface PreviewDiagnostic {
    urn?: string;
    prefix?: string;
    message?: string;
    severity?: string;
}

/** The whole `pulumi preview --json` document (`display.PreviewDigest`). */
export interface PreviewDigest {
    config?: Record<string, string>;
    steps?: PreviewStep[];
    diagnostics?: PreviewDiagnostic[];
    duration?: number;
    changeSummary?: Record<string, number>;
    maybeCorrupt?: boolean;
}

/** Types guarded by default: losing or recreating one of these loses data, access, or the cluster. */
export const DEFAULT_GUARDED_TYPES: readonly string[] = [
    "azure-native:containerservice:ManagedCluster",
    "azure-native:keyvault:Vault",
    "azure-native:authorization:RoleAssignment",
    // Deleting or replacing these stops pods reading their secrets (the Kubernetes provider deletes a named object
    // before it creates its replacement): a running app goes down until the new one mounts.
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass",
    "kubernetes:core/v1:ServiceAccount",
    "kubernetes:core/v1:Namespace",
];

/** Stacks guarded by default. */
export const DEFAULT_GUARD_STACKS: readonly string[] = ["prod"];

/** Steps that delete the live resource (or its old copy after a replacement). */
export const DELETE_OPS: readonly string[] = ["delete", "delete-replaced"];
/** Steps that replace a resource; the old copy is deleted before or after the new one exists. */
export const REPLACE_OPS: readonly string[] = ["replace", "create-replacement", "import-replacement", "read-replacement"];

/** Display order of operations in the summary table; anything else is appended alphabetically. */
export const OP_ORDER = [
    "create",
    "update",
    "replace",
    "create-replacement",
    "delete-replaced",
    "import-replacement",
    "read-replacement",
    "delete",
    "import",
    "read",
    "refresh",
    "discard",
    "discard-replaced",
    "remove-pending-replace",
    "same",
];

/** The preview input is not a `pulumi preview --json` document. */
export class PreviewInputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PreviewInputError";
    }
}

/**
 * Parses and checks the JSON text. Tolerates lines printed before the document (e.g. a CLI notice captured
 * together with stdout) by retrying from the first line that starts with `{`.
 */
export function parsePreviewJson(text: string): PreviewDigest {
    if (text.trim() === "") {
        throw new PreviewInputError("no input: pipe the output of `pulumi preview --json` to this script");
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (error) {
        const start = text.search(/^\{/m);
        if (start <= 0) {
            throw new PreviewInputError(`input is not JSON: ${(error as Error).message}`);
        }
        try {
            parsed = JSON.parse(text.slice(start));
        } catch (inner) {
            throw new PreviewInputError(`input is not JSON: ${(inner as Error).message}`);
        }
    }
    if (!isObject(parsed)) {
        throw new PreviewInputError("input is not a JSON object; expected the document `pulumi preview --json` prints");
    }
    if (parsed.steps !== undefined && !Array.isArray(parsed.steps)) {
        throw new PreviewInputError("`steps` is not an array");
    }
    if (parsed.steps === undefined && parsed.changeSummary === undefined && parsed.diagnostics === undefined) {
        throw new PreviewInputError("input has none of `steps`, `changeSummary`, `diagnostics`; is it `pulumi preview --json` output?");
    }
    const steps = (parsed.steps ?? []) as unknown[];
    steps.forEach((step, index) => {
        if (!isObject(step) || typeof step.op !== "string" || typeof step.urn !== "string") {
            throw new PreviewInputError(`steps[${index}] has no string \`op\` and \`urn\``);
        }
    });
    if (parsed.diagnostics !== undefined && !Array.isArray(parsed.diagnostics)) {
        throw new PreviewInputError("`diagnostics` is not an array");
    }
    if (parsed.changeSummary !== undefined && !isObject(parsed.changeSummary)) {
        throw new PreviewInputError("`changeSummary` is not an object");
    }
    return parsed;
}

/** An operation an interrupted update left in the state (`pulumi stack export`'s `deployment.pending_operations`). */
export interface PendingOperation {
    urn: string;
    /** `creating`, `updating`, `deleting`, `reading` or `importing`. */
    op: string;
}

/**
 * The pending operations of a `pulumi stack export` document (apitype.UntypedDeployment: `{ version, deployment:
 * { resources, pending_operations?: [{ resource: { urn, ... }, type }] } }`).
 */
export function parsePendingOperations(text: string): PendingOperation[] {
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (error) {
        throw new PreviewInputError(`the stack export is not JSON: ${(error as Error).message}`);
    }
    if (!isObject(parsed) || !isObject(parsed.deployment)) {
        throw new PreviewInputError("the stack export has no `deployment` object; is it `pulumi stack export` output?");
    }
    const pending = parsed.deployment.pending_operations ?? [];
    if (!Array.isArray(pending)) {
        throw new PreviewInputError("the stack export's `deployment.pending_operations` is not an array");
    }
    return pending.map((operation: unknown, index) => {
        if (
            !isObject(operation) ||
            !isObject(operation.resource) ||
            typeof operation.resource.urn !== "string" ||
            typeof operation.type !== "string"
        ) {
            throw new PreviewInputError(`deployment.pending_operations[${index}] has no \`resource.urn\` and \`type\``);
        }
        return { urn: operation.resource.urn, op: operation.type };
    });
}

/** Parts of a URN `urn:pulumi:<stack>::<project>::<parent$...$type>::<name>`. */
export interface ParsedUrn {
    stack: string;
    project: string;
    /** The resource's own type (last element of the qualified type). */
    type: string;
    name: string;
}

/** Splits a URN; the name may itself contain `::`. */
export function parseUrn(urn: string): ParsedUrn | undefined {
    const match = /^urn:pulumi:([^:]*)::([^:]*)::(.+?)::(.*)$/.exec(urn);
    if (!match) {
        return undefined;
    }
    const qualifiedType = match[3];
    return { stack: match[1], project: match[2], type: qualifiedType.split("$").pop() ?? qualifiedType, name: match[4] };
}

/** Resource type of a step: from the new or old state, else from the URN. */
export function stepType(step: PreviewStep): string {
    return step.newState?.type ?? step.oldState?.type ?? parseUrn(step.urn)?.type ?? "(unknown type)";
}

/** Logical name of a step's resource. */
export function stepName(step: PreviewStep): string {
    return parseUrn(step.urn)?.name ?? step.urn;
}

/**
 * `azure-native:keyvault/v20230701:Vault` and `azure-native:keyvault:Vault` are the same resource kind: explicit
 * API-version modules are folded into their module so the guard list needs only the default tokens.
 */
export function normalizeType(type: string): string {
    const parts = type.split(":");
    if (parts.length !== 3) {
        return type;
    }
    const [pkg, module, name] = parts;
    return `${pkg}:${module.replace(/\/v\d[0-9a-z]*$/i, "")}:${name}`;
}

/** Short stack name: `prod` from `prod`, `org/prod` or `org/project/prod`. */
export function shortStackName(stack: string): string {
    const parts = stack.split("/");
    return parts[parts.length - 1];
}
