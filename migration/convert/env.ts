import { isObject } from "../../components/shared/manifests";
import { ENV_INJECTOR_MARKER } from "../akv2k8s";

/** The one reading of a pod spec's containers and their env, for init and regular containers alike. */

export type ContainerList = "initContainers" | "containers";

/** One env var of a container, as the converter sees it. */
export interface EnvVarUse {
    envIndex: number;
    /** `<list>[i] "<container>" env "<name>"`, as findings name it. */
    where: string;
    /** The value, when it holds an env-injector reference (contains `@azurekeyvault`). */
    injected?: string;
    /** The Secret key it reads (`valueFrom.secretKeyRef`). */
    secretKeyRef?: { name: string; key: string };
}

/** One container: its env vars and the Secrets its `envFrom` reads. */
export interface ContainerUse {
    containerIndex: number;
    containerName: string;
    env: EnvVarUse[];
    envFrom: Array<{ envFromIndex: number; where: string; secretName: string }>;
}

/** The items of a list that are objects, each with its index in the list (what patches address). */
export function indexedObjects(value: unknown): Array<{ item: Record<string, unknown>; index: number }> {
    return (Array.isArray(value) ? value : []).flatMap((item: unknown, index) => (isObject(item) ? [{ item, index }] : []));
}

/** The containers of a list of a pod spec, in order. */
export function containerUses(spec: Record<string, unknown>, list: ContainerList): ContainerUse[] {
    return indexedObjects(spec[list]).map(({ item: container, index: containerIndex }) => {
        const containerName = String(container.name);
        const prefix = `${list}[${containerIndex}] "${containerName}"`;
        return {
            containerIndex,
            containerName,
            env: indexedObjects(container.env).map(({ item: variable, index: envIndex }) => {
                const ref =
                    isObject(variable.valueFrom) && isObject(variable.valueFrom.secretKeyRef) ? variable.valueFrom.secretKeyRef : undefined;
                return {
                    envIndex,
                    where: `${prefix} env "${String(variable.name)}"`,
                    ...(typeof variable.value === "string" && variable.value.includes(ENV_INJECTOR_MARKER)
                        ? { injected: variable.value }
                        : {}),
                    ...(ref ? { secretKeyRef: { name: String(ref.name), key: String(ref.key) } } : {}),
                };
            }),
            envFrom: indexedObjects(container.envFrom).flatMap(({ item: source, index: envFromIndex }) =>
                isObject(source.secretRef)
                    ? [{ envFromIndex, where: `${prefix} envFrom[${envFromIndex}]`, secretName: String(source.secretRef.name) }]
                    : [],
            ),
        };
    });
}
