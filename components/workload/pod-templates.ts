import * as k8s from "@pulumi/kubernetes";
import { isObject } from "../shared/manifests";

/** Workload kinds with a pod template. */
export const POD_TEMPLATE_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"] as const;
/** A workload kind with a pod template (what `PodTemplateSelector.kinds` takes). */
export type PodTemplateKind = (typeof POD_TEMPLATE_KINDS)[number];

/** Where the pod template is in each workload kind. */
export const POD_TEMPLATE_PATHS: Record<PodTemplateKind, readonly string[]> = {
    Deployment: ["spec", "template"],
    StatefulSet: ["spec", "template"],
    DaemonSet: ["spec", "template"],
    ReplicaSet: ["spec", "template"],
    Job: ["spec", "template"],
    CronJob: ["spec", "jobTemplate", "spec", "template"],
};

/** Pulumi type tokens of the workload kinds (what a resource transform sees as `type`). */
export const POD_TEMPLATE_TYPE_TOKENS: Record<string, PodTemplateKind> = {
    "kubernetes:apps/v1:Deployment": "Deployment",
    "kubernetes:apps/v1:StatefulSet": "StatefulSet",
    "kubernetes:apps/v1:DaemonSet": "DaemonSet",
    "kubernetes:apps/v1:ReplicaSet": "ReplicaSet",
    "kubernetes:batch/v1:Job": "Job",
    "kubernetes:batch/v1:CronJob": "CronJob",
};

export type PodTemplate = k8s.types.input.core.v1.PodTemplateSpec;

/**
 * Where the pod spec sits in every Kubernetes resource type that carries one, by Pulumi type token: the pod
 * template kinds above (their template's `spec`), a bare Pod and the legacy ReplicationController. The library
 * builds and rewrites only the template kinds; checks of pod specs (the policy pack) must see the other two as well.
 */
export const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
    "kubernetes:core/v1:Pod": ["spec"],
    "kubernetes:core/v1:ReplicationController": ["spec", "template", "spec"],
    ...Object.fromEntries(Object.entries(POD_TEMPLATE_TYPE_TOKENS).map(([token, kind]) => [token, [...POD_TEMPLATE_PATHS[kind], "spec"]])),
};

/** The workload kind of a manifest, when it has a pod template. */
export function podTemplateKind(manifest: Record<string, unknown>): PodTemplateKind | undefined {
    const kind = manifest.kind;
    return typeof kind === "string" && kind in POD_TEMPLATE_PATHS ? (kind as PodTemplateKind) : undefined;
}

/** The pod template of a workload manifest, if it has one. */
export function podTemplateOf(manifest: Record<string, unknown>): PodTemplate | undefined {
    const kind = podTemplateKind(manifest);
    if (!kind) {
        return undefined;
    }
    let current: unknown = manifest;
    for (const part of POD_TEMPLATE_PATHS[kind]) {
        current = isObject(current) ? current[part] : undefined;
    }
    return isObject(current) ? current : undefined;
}

/** A copy of the manifest with its pod template replaced (the objects on the path are copied, not shared). */
export function withPodTemplate<T extends Record<string, unknown>>(manifest: T, template: PodTemplate): T {
    const kind = podTemplateKind(manifest);
    if (!kind) {
        throw new Error(`withPodTemplate: kind "${String(manifest.kind)}" has no pod template`);
    }
    const path = POD_TEMPLATE_PATHS[kind];
    const replace = (node: unknown, depth: number): unknown => {
        if (depth === path.length) {
            return template;
        }
        const object = isObject(node) ? node : {};
        return { ...object, [path[depth]]: replace(object[path[depth]], depth + 1) };
    };
    return replace(manifest, 0) as T;
}
