/**
 * What every policy of the pack is built from: its type, `forType` (which resources a check sees), its config and
 * the name it gives an Azure resource in messages.
 *
 * Checks read properties through `read()` (./props): a value that is unknown during preview (an Output of a
 * resource not created yet) is skipped, the rest of the resource is still checked, and the update re-checks it
 * with the real value.
 */
import {
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidation,
    StackValidationPolicy,
} from "@pulumi/policy";
import { isUnknownValueError, read, str } from "./props";

/** A resource policy whose `validateResource` is a single function (callable from tests). */
export type ResourcePolicy = ResourceValidationPolicy & { validateResource: ResourceValidation };
/** A stack policy. */
export type StackPolicy = StackValidationPolicy & { validateStack: StackValidation };

/** A check of one resource; policies are synchronous. */
export type ResourceCheck = (args: ResourceValidationArgs, reportViolation: ReportViolation) => void;

/**
 * Runs `check` on the resources whose type token matches `pattern` and on no other. A check that touches a value
 * unknown during preview without going through `read()` skips the rest of that resource, as `read()` skips the
 * value, instead of turning the whole policy into an advisory "can't run during preview".
 */
export function forType(pattern: RegExp, check: ResourceCheck): ResourceCheck {
    return (args, reportViolation) => {
        if (!pattern.test(args.type)) {
            return;
        }
        try {
            check(args, reportViolation);
        } catch (error) {
            if (!isUnknownValueError(error)) {
                throw error;
            }
        }
    };
}

/** The policy's config over its defaults; `enforcementLevel` is the engine's, not the check's. */
export function policyConfig<T extends object>(args: { getConfig<C extends object>(): C }, defaults: T): T {
    const given: Partial<T> = args.getConfig<Partial<T>>() ?? {};
    const merged: T = { ...defaults };
    for (const key of Object.keys(given) as Array<keyof T>) {
        const value = given[key];
        if (value !== undefined && key !== "enforcementLevel") {
            merged[key] = value;
        }
    }
    return merged;
}

/** The Azure name of a resource (`nameProp`, e.g. `vaultName`), or its Pulumi name when that is autonamed or unknown. */
export function displayName(args: { props: Record<string, unknown>; name: string }, nameProp: string): string {
    const value = str(read(args.props, nameProp));
    return typeof value === "string" && value !== "" ? value : args.name;
}
