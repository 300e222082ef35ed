/** Plain Kubernetes manifests (as read from YAML or seen by a resource transform): type guard and metadata. */

export function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `metadata.name` of a manifest, or "". */
export function nameOf(manifest: Record<string, unknown>): string {
    const metadata = manifest.metadata;
    return isObject(metadata) && typeof metadata.name === "string" ? metadata.name : "";
}

/** `metadata.namespace` of a manifest, or undefined. */
export function namespaceOf(manifest: Record<string, unknown>): string | undefined {
    const metadata = manifest.metadata;
    return isObject(metadata) && typeof metadata.namespace === "string" && metadata.namespace !== "" ? metadata.namespace : undefined;
}

/** `metadata.labels` of a manifest. */
export function labelsOf(manifest: Record<string, unknown>): Record<string, string> {
    const metadata = manifest.metadata;
    return isObject(metadata) && isObject(metadata.labels) ? (metadata.labels as Record<string, string>) : {};
}

/** Deep copy of plain data (manifests read from YAML). */
export function clonePlain<T>(value: T): T {
    return JSON.parse(JSON.stringify(value)) as T;
}
