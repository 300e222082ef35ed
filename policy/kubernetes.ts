/** How the pack names a Kubernetes object in its messages, and matches objects across a stack. */
import { UNKNOWN, Unknown, read, str } from "./props";

/** `namespace/name` of a Kubernetes object, each part possibly unknown during preview. */
export interface KubernetesRef {
    namespace: string | Unknown;
    name: string | Unknown;
}

/** `namespace/name` of a Kubernetes object; the namespace falls back to the provider's, then `default`. */
export function kubernetesName(resource: {
    props: Record<string, unknown>;
    name: string;
    provider?: { props: Record<string, unknown> };
}): KubernetesRef {
    const name = str(read(resource.props, "metadata", "name")) ?? resource.name;
    let namespace = str(read(resource.props, "metadata", "namespace"));
    if (namespace === undefined || namespace === "") {
        const fromProvider = resource.provider ? str(read(resource.provider.props, "namespace")) : undefined;
        namespace = fromProvider === undefined || fromProvider === "" ? "default" : fromProvider;
    }
    return { namespace, name };
}

/** `namespace/name` for a message, `(unknown)` for a part not known yet. */
export function qualified(ref: KubernetesRef): string {
    const part = (value: string | Unknown) => (value === UNKNOWN ? "(unknown)" : value);
    return `${part(ref.namespace)}/${part(ref.name)}`;
}
