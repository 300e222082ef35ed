/**
 * The Kubernetes API server's own rules for names, keys, labels and annotations (k8s.io/apimachinery
 * `pkg/util/validation` and `pkg/api/validation`, v0.34), so a value the API server would refuse fails at preview.
 * Each `...Errors` function returns what is wrong (empty when valid); lengths are in bytes, as the Go code counts.
 */
import { Problem } from "./validation";

export const DNS1123_LABEL_MAX_LENGTH = 63;
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
export const QUALIFIED_NAME_MAX_LENGTH = 63;
export const LABEL_VALUE_MAX_LENGTH = 63;
/** Keys plus values of all annotations of one object, in bytes. */
export const ANNOTATIONS_TOTAL_SIZE_LIMIT = 256 * 1024;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;

function byteLength(value: string): number {
    return Buffer.byteLength(value, "utf8");
}

function tooLong(value: string, limit: number): string[] {
    return byteLength(value) > limit ? [`must be no more than ${limit} characters`] : [];
}

/** RFC 1123 label: namespaces, container names, port names' cousins. */
export function dns1123LabelErrors(value: string): string[] {
    const errors = tooLong(value, DNS1123_LABEL_MAX_LENGTH);
    if (!DNS1123_LABEL.test(value)) {
        errors.push(
            DNS1123_SUBDOMAIN.test(value)
                ? "must not contain dots"
                : "must consist of lower-case letters, digits and '-', and start and end with a letter or digit",
        );
    }
    return errors;
}

/** RFC 1123 subdomain: the names of most objects (Secrets, ServiceAccounts, Deployments, custom resources). */
export function dns1123SubdomainErrors(value: string): string[] {
    const errors = tooLong(value, DNS1123_SUBDOMAIN_MAX_LENGTH);
    if (!DNS1123_SUBDOMAIN.test(value)) {
        errors.push("must consist of lower-case letters, digits, '-' and '.', and start and end with a letter or digit");
    }
    return errors;
}

/** A "qualified name": label keys and (lower-cased) annotation keys, `[prefix/]name`. */
export function qualifiedNameErrors(value: string): string[] {
    const parts = value.split("/");
    if (parts.length > 2) {
        return ["must be a name with at most one DNS subdomain prefix and '/', e.g. 'example.com/my-name'"];
    }
    const errors: string[] = [];
    const name = parts[parts.length - 1];
    if (parts.length === 2) {
        const prefix = parts[0];
        if (prefix === "") {
            errors.push("prefix part must not be empty");
        } else {
            errors.push(...dns1123SubdomainErrors(prefix).map((error) => `prefix part ${error}`));
        }
    }
    if (name === "") {
        errors.push("name part must not be empty");
    } else if (byteLength(name) > QUALIFIED_NAME_MAX_LENGTH) {
        errors.push(`name part must be no more than ${QUALIFIED_NAME_MAX_LENGTH} characters`);
    }
    if (!QUALIFIED_NAME.test(name)) {
        errors.push("name part must consist of letters, digits, '-', '_' and '.', and start and end with a letter or digit");
    }
    return errors;
}

/** A label value: empty, or a qualified name's name part. */
export function labelValueErrors(value: string): string[] {
    const errors = tooLong(value, LABEL_VALUE_MAX_LENGTH);
    if (value !== "" && !QUALIFIED_NAME.test(value)) {
        errors.push("must be empty or consist of letters, digits, '-', '_' and '.', and start and end with a letter or digit");
    }
    return errors;
}

function chdirPrefixErrors(value: string): string[] {
    if (value === ".") {
        return ["must not be '.'"];
    }
    if (value === "..") {
        return ["must not be '..'"];
    }
    return value.startsWith("..") ? ["must not start with '..'"] : [];
}

/** A key of a Secret's or ConfigMap's data. */
export function configMapKeyErrors(value: string): string[] {
    const errors = tooLong(value, DNS1123_SUBDOMAIN_MAX_LENGTH);
    if (!CONFIG_MAP_KEY.test(value)) {
        errors.push("must consist of letters, digits, '-', '_' and '.'");
    }
    return [...errors, ...chdirPrefixErrors(value)];
}

function joined(errors: string[]): string {
    return errors.join("; ");
}

/** Problems with an object's labels, one per bad key or value. */
export function labelsProblems(labels: Record<string, string> | undefined, where: string): Problem[] {
    return Object.entries(labels ?? {}).flatMap(([key, value]) => {
        const problems: Problem[] = [];
        const keyErrors = qualifiedNameErrors(key);
        if (keyErrors.length > 0) {
            problems.push({
                where: `${where}["${key}"]`,
                message: `label key "${key}" ${joined(keyErrors)}`,
                fix: "use a key like 'team' or 'example.com/team'",
            });
        }
        const valueErrors = typeof value === "string" ? labelValueErrors(value) : ["must be a string"];
        if (valueErrors.length > 0) {
            problems.push({
                where: `${where}["${key}"]`,
                message: `label value "${value}" ${joined(valueErrors)}`,
                fix: "use at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit (or an empty value); put longer text in an annotation",
            });
        }
        return problems;
    });
}

/** Problems with an object's annotations: bad keys (checked case-insensitively, as the API server does) and total size. */
export function annotationsProblems(annotations: Record<string, string> | undefined, where: string): Problem[] {
    const entries = Object.entries(annotations ?? {});
    const problems: Problem[] = entries.flatMap(([key]) => {
        const keyErrors = qualifiedNameErrors(key.toLowerCase());
        return keyErrors.length === 0
            ? []
            : [
                  {
                      where: `${where}["${key}"]`,
                      message: `annotation key "${key}" ${joined(keyErrors)}`,
                      fix: "use a key like 'owner' or 'example.com/owner'",
                  },
              ];
    });
    const size = entries.reduce((total, [key, value]) => total + byteLength(key) + byteLength(String(value)), 0);
    if (size > ANNOTATIONS_TOTAL_SIZE_LIMIT) {
        problems.push({
            where,
            message: `annotations take ${size} bytes, more than the API server's limit of ${ANNOTATIONS_TOTAL_SIZE_LIMIT}`,
            fix: "keep large data out of annotations (e.g. in a ConfigMap)",
        });
    }
    return problems;
}

/** True for an RFC 1123 label (namespaces, container names). */
export function isDnsLabel(value: string): boolean {
    return dns1123LabelErrors(value).length === 0;
}

/** True for an RFC 1123 subdomain (most object names). */
export function isDnsSubdomain(value: string): boolean {
    return dns1123SubdomainErrors(value).length === 0;
}

/** True for a valid Secret or ConfigMap data key. */
export function isSecretDataKey(value: string): boolean {
    return configMapKeyErrors(value).length === 0;
}

/**
 * A POSIX-portable environment variable name. Stricter than the API server (which takes any printable ASCII but
 * '='): shells and most runtimes can only read these.
 */
export function isEnvVarName(value: string): boolean {
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(value);
}

/** A container port (`containerPort`): 1-65535, as `IsValidPortNum`. */
export function portNumberErrors(port: number): string[] {
    return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : ["must be between 1 and 65535, inclusive"];
}

/**
 * A volume mount's `mountPath`, as the API server checks it (`ValidateVolumeMounts`): required, and no `..`
 * element (backslashes count as separators, as `filepath.ToSlash` makes them on the server's side for Windows
 * nodes). Uniqueness among a container's mounts is checked where the mounts are known.
 */
export function mountPathErrors(mountPath: string): string[] {
    if (mountPath.length === 0) {
        return ["is required"];
    }
    return mountPath.replace(/\\/g, "/").split("/").includes("..") ? ["must not contain '..'"] : [];
}
