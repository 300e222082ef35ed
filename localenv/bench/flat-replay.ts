/**
 * The benchmark's "same resources" floor: the program's own custom resources, registered flat through their
 * SDK classes (the classes carry per-type engine cost: every output property becomes a set of pending promises,
 * older API versions become aliases), with no components, no validation and no Outputs between resources.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** A custom resource as the program registered it: type token, name and plain inputs. */
export interface RecordedResource {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}

type ResourceClass = new (name: string, args: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

const KUBERNETES_TYPE = /^kubernetes:(?<group>[^/]+)\/(?<version>[^:]+):(?<kind>.+)$/;
const AZURE_NATIVE_TYPE = /^azure-native:(?<module>[^:]+):(?<kind>.+)$/;

/** `value[key]` of a module namespace or object, when there is one. */
function member(value: unknown, key: string): unknown {
    return typeof value === "object" && value !== null && key in value ? (value as Record<string, unknown>)[key] : undefined;
}

/** A custom resource registered from recorded inputs (which carry apiVersion and kind). */
class FlatCustomResource extends k8s.apiextensions.CustomResource {
    constructor(name: string, args: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) {
        super(name, { ...args, apiVersion: String(args.apiVersion), kind: String(args.kind) }, opts);
    }
}

/** The SDK class that registers resources of a type token; custom resource definitions go through `CustomResource`. */
export function sdkClassOf(type: string): ResourceClass {
    const kubernetes = KUBERNETES_TYPE.exec(type)?.groups;
    if (kubernetes) {
        const found = [kubernetes.group, kubernetes.version, kubernetes.kind].reduce<unknown>((node, key) => member(node, key), k8s);
        return typeof found === "function" ? (found as ResourceClass) : FlatCustomResource;
    }
    const azure = AZURE_NATIVE_TYPE.exec(type)?.groups;
    if (azure) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module the type names, loaded when first needed (an import would load every azure-native module)
        const module = require(`@pulumi/azure-native/${azure.module}`) as Record<string, ResourceClass | undefined>;
        const resourceClass = module[azure.kind];
        if (resourceClass) {
            return resourceClass;
        }
    }
    throw new Error(`no SDK class for resource type ${type}`);
}

/** The plain resource of the ConfigMap floor. */
export const FLOOR_CONFIG_MAP: RecordedResource = {
    type: "kubernetes:core/v1:ConfigMap",
    name: "floor",
    inputs: { metadata: { name: "floor", namespace: "bench" }, data: { key: "value" } },
};

/** `count` ConfigMaps with distinct names: the floor of plain resources. */
export function floorConfigMaps(count: number): RecordedResource[] {
    return Array.from({ length: count }, (_, index) => ({
        ...FLOOR_CONFIG_MAP,
        name: `floor-${index}`,
        inputs: { ...FLOOR_CONFIG_MAP.inputs, metadata: { name: `floor-${index}`, namespace: "bench" } },
    }));
}

/** Registers every recorded resource through its SDK class, flat (no parent, no options). */
export function registerFlat(resources: RecordedResource[]): void {
    for (const resource of resources) {
        const resourceClass = sdkClassOf(resource.type);
        new resourceClass(resource.name, resource.inputs);
    }
}
