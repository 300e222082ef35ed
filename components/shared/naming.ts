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

/** A stable, readable Pulumi resource-name suffix from free text (object names, role names). */
export function nameSuffix(text: string): string {
    return text
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "");
}
