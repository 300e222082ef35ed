/**
 * Reading resource properties inside policies without tripping over values that are unknown during preview.
 *
 * @pulumi/policy hands policies a proxy that throws `UnknownValueError` on any access to a value that is not
 * known yet (e.g. a vault name computed from another resource's output on the first preview). Left alone, one such
 * access aborts the whole policy for that resource with an advisory "can't run during preview". These helpers
 * turn an unknown into the `UNKNOWN` marker instead, so each check skips exactly the values it cannot see and still
 * runs on the rest. The error class is internal to @pulumi/policy, so it is recognised by shape, which also works
 * when the policy pack and the tests resolve different copies of the package.
 */
import { isObject } from "../components/shared/manifests";

/** Marker for a value that is not known during preview. */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");
export type Unknown = typeof UNKNOWN;

/** True for the error @pulumi/policy throws when a policy reads an unknown value. */
export function isUnknownValueError(error: unknown): boolean {
    return (
        error instanceof Error &&
        (error.constructor?.name === "UnknownValueError" ||
            ("unknownTypeSentinel" in error && Array.isArray((error as { props?: unknown }).props)))
    );
}

/** Reads `root[path[0]][path[1]]...`; `undefined` when a step is missing or not an object, `UNKNOWN` when unknown. */
export function read(root: unknown, ...path: Array<string | number>): unknown {
    try {
        let current: unknown = root;
        for (const key of path) {
            if (current === null || current === undefined || typeof current !== "object") {
                return undefined;
            }
            current = (current as Record<string | number, unknown>)[key];
        }
        return current;
    } catch (error) {
        if (isUnknownValueError(error)) {
            return UNKNOWN;
        }
        throw error;
    }
}

/** A plain object (map) value, as opposed to an array, a scalar or an unknown. */
export const isMap = isObject;

/** Own keys of a map (enumerating keys never touches values, so it cannot throw). */
export function keysOf(value: unknown): string[] {
    return isMap(value) ? Object.keys(value) : [];
}

/** Elements of an array, each read safely; `[]` for anything that is not an array. */
export function itemsOf(value: unknown): unknown[] {
    if (!Array.isArray(value)) {
        return [];
    }
    const items: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
        items.push(read(value, i));
    }
    return items;
}

/** A string value, `UNKNOWN`, or `undefined` for anything else. */
export function str(value: unknown): string | Unknown | undefined {
    if (value === UNKNOWN || typeof value === "string") {
        return value;
    }
    return undefined;
}

/** Stack name from a URN `urn:pulumi:<stack>::<project>::...`. */
export function stackOfUrn(urn: string): string {
    const match = /^urn:pulumi:([^:]*)::/.exec(urn);
    return match ? match[1] : "";
}

/** True when `list` names the stack, or contains `*`. */
export function stackSelected(list: readonly string[], stack: string): boolean {
    return list.includes("*") || list.includes(stack);
}
