import { v5 as uuidv5 } from "uuid";

/** UUID namespace of this library; changing it would rename every role assignment. */
const NAMESPACE = "5b0c7f0e-4d0a-5a8e-9f3c-2a6d1e7b4c91";

/**
 * Deterministic GUID from its parts (UUID v5), like ARM's `guid()`: the same parts always give the same
 * name, so re-runs and re-ordered configuration cause no diff.
 */
export function deterministicGuid(...parts: string[]): string {
    return uuidv5(parts.map((part) => part.toLowerCase()).join("|"), NAMESPACE);
}

/** Lower case, every run of characters other than a-z and 0-9 as one "-": the one slug of free text. */
function slug(text: string): string {
    return text.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}

function trimHyphens(text: string): string {
    return text.replace(/^-+|-+$/g, "");
}

/** A stable, readable Pulumi resource-name suffix from free text (object names, role names). */
export function nameSuffix(text: string): string {
    return trimHyphens(slug(text));
}

/** A DNS label (at most 63 characters) made from free text; "app" when nothing is left. */
export function toDnsLabel(text: string): string {
    return trimHyphens(slug(text).slice(0, 63)) || "app";
}

/** `base`, or `base-2`, `base-3`, ... : the first that `taken` doesn't contain. Keeps within `maxLength`. */
export function uniqueName(base: string, taken: (name: string) => boolean, maxLength = 253): string {
    if (!taken(base) && base.length <= maxLength) {
        return base;
    }
    for (let n = 2; ; n++) {
        const suffix = `-${n}`;
        const candidate = `${base.slice(0, maxLength - suffix.length).replace(/-+$/, "")}${suffix}`;
        if (!taken(candidate)) {
            return candidate;
        }
    }
}
