import * as YAML from "yaml";
import { Problem } from "../shared/validation";
import { secretProviderClassProblems } from "./validate";
import {
    KeyVaultObject,
    OBJECT_STRING_FIELDS,
    SecretProviderClassSpec,
    SecretProviderIdentity,
    SyncedSecret,
    SyncedSecretType,
} from "./types";

/**
 * Reading SecretProviderClass parameters the way the Azure provider does (two-stage YAML, exact-case keys,
 * unknown keys ignored, values trimmed), to adopt hand-written manifests and to prove that what we render
 * means the same to the provider.
 */

const OBJECT_FIELDS: readonly string[] = [...OBJECT_STRING_FIELDS, "objectVersionHistory"];

/** Parameter keys the Azure provider reads (plus the deprecated `tenantId`). */
export const PROVIDER_PARAMETER_KEYS = [
    "keyvaultName",
    "tenantID",
    "tenantId",
    "cloudName",
    "cloudEnvFileName",
    "objects",
    "usePodIdentity",
    "useVMManagedIdentity",
    "userAssignedIdentityID",
    "clientID",
    "useAzureTokenProxy",
] as const;

function ignoredKeyProblem(where: string, key: string, known: readonly string[]): Problem {
    const sameButCase = known.find((candidate) => candidate.toLowerCase() === key.toLowerCase());
    return {
        where: `${where}.${key}`,
        message: "is not a key the provider reads, so it is silently ignored",
        fix: sameButCase ? `spell it "${sameButCase}" (keys are case-sensitive)` : `remove it; known keys are ${known.join(", ")}`,
    };
}

/** Result of reading provider input: the typed value and what the provider would ignore or reject. */
export interface Parsed<T> {
    /** The typed value, as far as it could be read. */
    value: T;
    /** Everything the provider would ignore or reject, and every validation problem of the value; empty when none. */
    problems: Problem[];
}

/** Plain scalars go-yaml v3 reads as null. */
const YAML_NULLS = ["", "~", "null", "Null", "NULL"];
const GO_INTEGER = /^[+-]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const YAML_SPECIAL_FLOATS = [".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN"];
const INT32_RANGE = { min: -2147483648, max: 2147483647 };

/**
 * What go-yaml v3 decodes into an int32 field (the provider's objectVersionHistory): the number, or why it
 * fails. Plain integers in Go syntax (decimal, 0x, 0o, 0b, leading-0 octal, `_` separators) decode; so do
 * floats, truncated toward zero; quoted values, booleans and out-of-range numbers do not.
 */
export function decodeInt32(text: string, plain: boolean): number | string {
    if (!plain) {
        return "is quoted (a string), not a number";
    }
    const digits = /^[-+.0-9]/.test(text) ? text.replace(/_/g, "") : "";
    let value: number | undefined;
    if (GO_INTEGER.test(digits)) {
        const negative = digits.startsWith("-");
        const body = digits.replace(/^[+-]/, "");
        const magnitude = BigInt(/^0[0-7]+$/.test(body) ? `0o${body.slice(1)}` : body);
        value = Number(negative ? -magnitude : magnitude);
    } else if (YAML_FLOAT.test(digits) && !YAML_SPECIAL_FLOATS.includes(text)) {
        value = Math.trunc(Number(digits)) || 0;
    }
    if (value === undefined) {
        return "is not a number";
    }
    if (value < INT32_RANGE.min || value > INT32_RANGE.max) {
        return "does not fit the provider's 32-bit field";
    }
    return value;
}

/** One object string of the `objects` array, read as the provider's `KeyVaultObject` struct. */
export function parseKeyVaultObject(text: string, index: number): Parsed<KeyVaultObject> {
    const where = `objects[${index}]`;
    const problems: Problem[] = [];
    const document = YAML.parseDocument(text, { schema: "failsafe" });
    if (document.errors.length > 0 || !YAML.isMap(document.contents)) {
        return {
            value: { objectName: "", objectType: "" as KeyVaultObject["objectType"] },
            problems: [
                {
                    where,
                    message: `is not a YAML mapping (${document.errors[0]?.message ?? "wrong shape"})`,
                    fix: "write one `key: value` per line",
                },
            ],
        };
    }
    const fields: Record<string, string | number> = {};
    for (const item of document.contents.items) {
        const key = YAML.isScalar(item.key) ? String(item.key.value) : String(item.key);
        if (!OBJECT_FIELDS.includes(key)) {
            problems.push(ignoredKeyProblem(where, key, OBJECT_FIELDS));
            continue;
        }
        const node = item.value;
        if (node !== null && !YAML.isScalar(node)) {
            problems.push({ where: `${where}.${key}`, message: "is not a scalar", fix: "give a single value" });
            continue;
        }
        const plain = node === null || node.type === "PLAIN";
        const text = node === null || node.value === null ? "" : String(node.value);
        if (plain && YAML_NULLS.includes(text.trim())) {
            // go-yaml decodes a null to the field's zero value: the provider's default.
            continue;
        }
        if (key === "objectVersionHistory") {
            const decoded = decodeInt32(text.trim(), plain);
            if (typeof decoded === "string") {
                problems.push({
                    where: `${where}.objectVersionHistory`,
                    message: `"${text.trim()}" ${decoded}; the provider fails to decode the object`,
                    fix: "write a plain number, e.g. objectVersionHistory: 2",
                });
                continue;
            }
            if (String(decoded) !== text.trim()) {
                problems.push({
                    where: `${where}.objectVersionHistory`,
                    message: `"${text.trim()}" is read by the provider as ${decoded}`,
                    fix: `write ${decoded}`,
                });
            }
            fields[key] = decoded;
        } else if (text.trim() !== "") {
            // The provider trims every string field; an empty one is its default.
            fields[key] = text.trim();
        }
    }
    // Values are kept as written (only trimmed, as the provider does): `PFX` stays `PFX`, which the provider
    // reads as pfx for a secret but not in its check of other object types.
    const object = { objectName: "", objectType: "" as KeyVaultObject["objectType"], ...fields } as KeyVaultObject;
    return { value: object, problems };
}

/** The `objects` parameter: a map with key `array` whose items must be strings (block scalars). */
export function parseObjectsParameter(objects: string): Parsed<KeyVaultObject[]> {
    const document = YAML.parseDocument(objects);
    if (document.errors.length > 0) {
        return {
            value: [],
            problems: [
                {
                    where: "objects",
                    message: `is not valid YAML: ${document.errors[0].message}`,
                    fix: "use `array:` followed by `- |` items",
                },
            ],
        };
    }
    let root: unknown;
    try {
        root = document.toJS();
    } catch (error) {
        // An alias before its anchor, or aliases past the library's expansion bound: the provider fails on it too.
        return {
            value: [],
            problems: [
                {
                    where: "objects",
                    message: `is not valid YAML: ${(error as Error).message}`,
                    fix: "write the objects out, without aliases",
                },
            ],
        };
    }
    const array = root && typeof root === "object" ? (root as Record<string, unknown>).array : undefined;
    if (!Array.isArray(array)) {
        return {
            value: [],
            problems: [
                {
                    where: "objects",
                    message: "has no `array:` list",
                    fix: "start the value with `array:` and list each object as a `- |` block string",
                },
            ],
        };
    }
    const problems: Problem[] = [];
    const values: KeyVaultObject[] = [];
    array.forEach((item, index) => {
        if (typeof item !== "string") {
            problems.push({
                where: `objects[${index}]`,
                message: "is a YAML mapping, not a string; the provider fails to unmarshal it",
                fix: "write the item as a block string: `- |` then the fields indented below",
            });
            return;
        }
        const parsed = parseKeyVaultObject(item, index);
        values.push(parsed.value);
        problems.push(...parsed.problems);
    });
    return { value: values, problems };
}

function parseBool(value: string | undefined): boolean | undefined {
    if (value === undefined || value.trim() === "") {
        return false;
    }
    const normalized = value.trim();
    if (["1", "t", "T", "TRUE", "true", "True"].includes(normalized)) {
        return true;
    }
    if (["0", "f", "F", "FALSE", "false", "False"].includes(normalized)) {
        return false;
    }
    return undefined;
}

/** The parameters that switch the provider's identity mode on; none set means service principal. */
export const IDENTITY_MODE_FLAGS = ["usePodIdentity", "useVMManagedIdentity", "useAzureTokenProxy"] as const;

/** Identity mode as the provider resolves it from parameters. */
export function parseIdentity(parameters: Record<string, string>): Parsed<SecretProviderIdentity> {
    const problems: Problem[] = [];
    const flags = IDENTITY_MODE_FLAGS.filter((flag) => {
        const parsed = parseBool(parameters[flag]);
        if (parsed === undefined) {
            problems.push({ where: `parameters.${flag}`, message: `"${parameters[flag]}" is not a boolean`, fix: 'use "true" or "false"' });
        }
        return parsed === true;
    });
    const clientID = parameters.clientID?.trim() || undefined;
    const userAssignedIdentityID = parameters.userAssignedIdentityID?.trim() || undefined;
    if (flags.length > 1) {
        problems.push({
            where: "parameters",
            message: `enables more than one identity mode (${flags.join(", ")})`,
            fix: "enable exactly one",
        });
    }
    if (flags.includes("usePodIdentity")) {
        problems.push({
            where: "parameters.usePodIdentity",
            message: "aad-pod-identity is deprecated and not supported by this library",
            fix: "move to workload identity (clientID) or the addon identity (useVMManagedIdentity)",
        });
    }
    if (flags.includes("useVMManagedIdentity")) {
        if (clientID) {
            problems.push({
                where: "parameters",
                message: "sets both useVMManagedIdentity and clientID (more than one identity mode)",
                fix: "keep userAssignedIdentityID for the addon identity, or clientID for workload identity",
            });
        }
        return { value: { mode: "managedIdentity", ...(userAssignedIdentityID ? { userAssignedIdentityID } : {}) }, problems };
    }
    if (flags.includes("useAzureTokenProxy")) {
        if (userAssignedIdentityID) {
            problems.push({
                where: "parameters.userAssignedIdentityID",
                message: "is ignored in identity-binding mode (useAzureTokenProxy), which uses clientID",
                fix: "remove it",
            });
        }
        // A missing clientID is the typed model's problem (identity.clientID), as for a class written in code.
        return { value: { mode: "identityBinding", clientID: clientID ?? "" }, problems };
    }
    if (userAssignedIdentityID) {
        problems.push({
            where: "parameters.userAssignedIdentityID",
            message: "is ignored because useVMManagedIdentity is not true",
            fix: 'set useVMManagedIdentity: "true", or remove it',
        });
    }
    if (clientID) {
        return { value: { mode: "workloadIdentity", clientID }, problems };
    }
    return { value: { mode: "servicePrincipal", nodePublishSecretRef: "" }, problems };
}

/** What the provider will actually do with a parameters map: the basis for "means the same" comparisons. */
export interface ProviderView {
    keyvaultName: string;
    tenantID: string;
    cloudName: string;
    identity: { mode: SecretProviderIdentity["mode"]; id: string };
    objects: KeyVaultObject[];
}

/** Reads a parameters map into what the provider acts on, with defaults applied. */
export function providerView(parameters: Record<string, string>): ProviderView {
    const identity = parseIdentity(parameters).value;
    return {
        keyvaultName: (parameters.keyvaultName ?? "").trim(),
        tenantID: (parameters.tenantID?.trim() || parameters.tenantId?.trim()) ?? "",
        cloudName: parameters.cloudName?.trim() || "AzurePublicCloud",
        identity: {
            mode: identity.mode,
            id:
                identity.mode === "managedIdentity"
                    ? String(identity.userAssignedIdentityID ?? "")
                    : identity.mode === "workloadIdentity" || identity.mode === "identityBinding"
                      ? String(identity.clientID)
                      : "",
        },
        objects: parseObjectsParameter(parameters.objects ?? "").value,
    };
}

/** A SecretProviderClass manifest read into the typed model. */
export interface AdoptedSecretProviderClass {
    /** `metadata.name`. */
    name: string;
    /** `metadata.namespace`, when the manifest has one. */
    namespace?: string;
    /** The spec, typed: what the SecretProviderClass component takes. */
    spec: SecretProviderClassSpec;
}

function asStringMap(value: unknown, where: string, problems: Problem[]): Record<string, string> {
    const result: Record<string, string> = {};
    if (value === undefined || value === null) {
        return result;
    }
    if (typeof value !== "object" || Array.isArray(value)) {
        problems.push({ where, message: "is not a map", fix: "give key: value pairs" });
        return result;
    }
    for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
        if (typeof entry !== "string") {
            problems.push({
                where: `${where}.${key}`,
                message: `is a ${typeof entry}, but the CRD takes strings only`,
                fix: `quote the value: "${String(entry)}"`,
            });
        }
        result[key] = entry === null || entry === undefined ? "" : String(entry);
    }
    return result;
}

/**
 * Reads a SecretProviderClass manifest (object form) into the typed model. `problems` lists everything the
 * provider would ignore or reject plus every validation problem of the typed model.
 */
export function parseSecretProviderClassManifest(manifest: Record<string, unknown>): Parsed<AdoptedSecretProviderClass> {
    const problems: Problem[] = [];
    const metadata = (manifest.metadata ?? {}) as Record<string, unknown>;
    const spec = (manifest.spec ?? {}) as Record<string, unknown>;
    if (manifest.kind !== "SecretProviderClass") {
        problems.push({ where: "kind", message: `is "${String(manifest.kind)}"`, fix: "pass a SecretProviderClass manifest" });
    }
    if (spec.provider !== "azure") {
        problems.push({
            where: "spec.provider",
            message: `is "${String(spec.provider)}", not "azure"`,
            fix: "only Azure Key Vault provider classes can be adopted",
        });
    }
    const parameters = asStringMap(spec.parameters, "spec.parameters", problems);
    for (const key of Object.keys(parameters)) {
        if (!(PROVIDER_PARAMETER_KEYS as readonly string[]).includes(key)) {
            problems.push(ignoredKeyProblem("spec.parameters", key, PROVIDER_PARAMETER_KEYS));
        }
    }
    if (parameters.tenantId !== undefined && parameters.tenantID === undefined) {
        problems.push({
            where: "spec.parameters.tenantId",
            message: "is deprecated (the provider logs a warning)",
            fix: "the typed model renders it as tenantID",
        });
    }
    if (parameters.cloudEnvFileName) {
        problems.push({
            where: "spec.parameters.cloudEnvFileName",
            message: "custom cloud environment files are not modelled",
            fix: "use a named cloudName, or keep this class as YAML",
        });
    }
    const identity = parseIdentity(parameters);
    const objects = parseObjectsParameter(parameters.objects ?? "");
    problems.push(...identity.problems, ...objects.problems);
    // Read as loosely as the rest: a list that is not one reads as empty, an entry that is not a map as {} (the
    // model's checks then name what is missing).
    const listOf = (value: unknown): Array<Record<string, unknown>> =>
        (Array.isArray(value) ? value : []).map((entry: unknown) =>
            entry && typeof entry === "object" ? (entry as Record<string, unknown>) : {},
        );
    const secretObjects = listOf(spec.secretObjects).map((secret, index): SyncedSecret => {
        const data = listOf(secret.data).map((entry) => ({
            key: String(entry.key ?? ""),
            objectName: String(entry.objectName ?? ""),
        }));
        const labels = asStringMap(secret.labels, `spec.secretObjects[${index}].labels`, problems);
        const annotations = asStringMap(secret.annotations, `spec.secretObjects[${index}].annotations`, problems);
        return {
            secretName: String(secret.secretName ?? ""),
            type: (secret.type ?? "") as SyncedSecretType,
            data,
            ...(Object.keys(labels).length > 0 ? { labels } : {}),
            ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
        };
    });
    const cloudName = parameters.cloudName?.trim();
    const typed: SecretProviderClassSpec = {
        keyvaultName: (parameters.keyvaultName ?? "").trim(),
        tenantID: (parameters.tenantID?.trim() || parameters.tenantId?.trim()) ?? "",
        identity: identity.value,
        objects: objects.value,
        ...(secretObjects.length > 0 ? { secretObjects } : {}),
        ...(cloudName ? { cloudName: cloudName as SecretProviderClassSpec["cloudName"] } : {}),
    };
    const modelProblems = secretProviderClassProblems(typed).filter(
        // A service-principal class found in YAML has its secret reference on the pod volume, not in the class.
        (problem) => !(identity.value.mode === "servicePrincipal" && problem.where === "identity.nodePublishSecretRef"),
    );
    if (identity.value.mode === "servicePrincipal") {
        problems.push({
            where: "spec.parameters",
            message: "sets no identity mode, so the provider falls back to a service principal from the pod volume's nodePublishSecretRef",
            fix: "set nodePublishSecretRef on the workload, or move to workload identity (clientID) or the addon identity (useVMManagedIdentity)",
        });
    }
    return {
        value: { name: String(metadata.name ?? ""), ...(metadata.namespace ? { namespace: String(metadata.namespace) } : {}), spec: typed },
        problems: [...problems, ...modelProblems],
    };
}

/** Reads every SecretProviderClass in a (multi-document) YAML text. */
export function parseSecretProviderClassYaml(text: string): Array<Parsed<AdoptedSecretProviderClass>> {
    return YAML.parseAllDocuments(text)
        .map((document) => document.toJS() as Record<string, unknown> | null)
        .filter((manifest): manifest is Record<string, unknown> => !!manifest && manifest.kind === "SecretProviderClass")
        .map(parseSecretProviderClassManifest);
}
