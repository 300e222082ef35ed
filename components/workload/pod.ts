import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CSI_DRIVER_NAME } from "../secret-provider-class/render";
import { Problem, duplicates, throwIfProblems } from "../shared/validation";
import { isEnvVarName } from "../shared/kubernetes";
import { SyncedSecret } from "../secret-provider-class/types";

/** An environment variable filled from a key of a synced Kubernetes Secret. */
export interface SecretEnvVar {
    /** Variable name in the container. */
    name: string;
    /** The synced Secret (a `secretObjects[].secretName`). */
    secretName: string;
    /** The key in that Secret. */
    key: string;
}

/** How Key Vault secrets reach a pod: the CSI volume (unless a SecretSync keeps the Secrets) and env vars from synced Secrets. */
export interface KeyVaultPodWiring {
    /** Name of the SecretProviderClass in the pod's namespace. */
    secretProviderClassName: pulumi.Input<string>;
    /** Volume name; default "keyvault-secrets". Plain: checked against the pod's volumes when wired. */
    volumeName?: string;
    /**
     * Where files appear in the containers; default "/mnt/secrets-store". Plain: checked against the containers'
     * mounts when wired.
     */
    mountPath?: string;
    /** Env vars from synced Secrets. Plain: checked against the containers' env when wired. */
    env?: SecretEnvVar[];
    /** Names of the containers to wire; default all. Init containers are never wired. Plain: they select containers. */
    containers?: string[];
    /**
     * Secret with `clientid`/`clientsecret` for service-principal mode, passed as `nodePublishSecretRef`; may be a
     * Secret resource's name.
     */
    nodePublishSecretRef?: pulumi.Input<string>;
    /**
     * Mount the CSI volume; default true. False only when SecretSync objects keep the Secrets the env vars read: with
     * the class's `secretObjects` the driver syncs a Secret only while a pod mounts the volume. Plain: decides the
     * pod's volumes.
     */
    mountVolume?: boolean;
}

export const DEFAULT_VOLUME_NAME = "keyvault-secrets";
export const DEFAULT_MOUNT_PATH = "/mnt/secrets-store";

type Container = k8s.types.input.core.v1.Container;

/** Problems with env wiring against the Secrets the SecretProviderClass syncs, each at its place in `env`. */
export function secretEnvProblems(env: SecretEnvVar[], syncedSecrets: SyncedSecret[]): Problem[] {
    const problems: Problem[] = [];
    for (const name of duplicates(env.map((variable) => variable.name))) {
        problems.push({
            where: `env[${env.findIndex((variable) => variable.name === name)}]`,
            message: "is declared more than once",
            fix: "keep one entry per variable",
        });
    }
    env.forEach((variable, index) => {
        const where = `env[${index}]`;
        if (!isEnvVarName(variable.name ?? "")) {
            problems.push({
                where,
                message: "is not a valid variable name",
                fix: "use letters, digits and '_', not starting with a digit",
            });
        }
        const secret = syncedSecrets.find((candidate) => candidate.secretName === variable.secretName);
        if (!secret) {
            problems.push({
                where: `${where}.secretName`,
                message: `"${variable.secretName}" is not a synced Secret of this app, so the pod would fail with CreateContainerConfigError`,
                fix: `use one of: ${syncedSecrets.map((s) => s.secretName).join(", ") || "(none: add a syncedSecrets entry first)"}`,
            });
        } else if (!secret.data.some((entry) => entry.key === variable.key)) {
            problems.push({
                where: `${where}.key`,
                message: `"${variable.key}" is not a key of synced Secret "${secret.secretName}"`,
                fix: `use one of: ${secret.data.map((entry) => entry.key).join(", ")}`,
            });
        }
    });
    return problems;
}

function plain<T>(value: pulumi.Input<T> | undefined, where: string): T | undefined {
    if (pulumi.Output.isInstance(value) || value instanceof Promise) {
        throw new Error(
            `attachKeyVaultSecrets: ${where} is an Output or Promise; pass the pod template as plain values (apply the function inside .apply())`,
        );
    }
    return value;
}

/**
 * Returns a copy of `template` whose pods mount the CSI volume read-only in every wired container (the volume
 * is what makes the driver sync Secrets at all; not with `mountVolume: false`) and get `env` through
 * `secretKeyRef`. Throws when a name it would add is already taken, rather than silently shadowing it.
 */
export function attachKeyVaultSecrets(
    template: k8s.types.input.core.v1.PodTemplateSpec,
    wiring: KeyVaultPodWiring,
): k8s.types.input.core.v1.PodTemplateSpec {
    const spec = plain(template.spec, "template.spec");
    if (!spec) {
        throw new Error("attachKeyVaultSecrets: template.spec is missing");
    }
    const mountVolume = wiring.mountVolume !== false;
    const volumeName = wiring.volumeName ?? DEFAULT_VOLUME_NAME;
    const mountPath = wiring.mountPath ?? DEFAULT_MOUNT_PATH;
    const containers = (plain(spec.containers, "spec.containers") ?? []) as Container[];
    const volumes = (plain(spec.volumes, "spec.volumes") ?? []) as k8s.types.input.core.v1.Volume[];
    const problems: Problem[] = [];
    if (mountVolume && volumes.some((volume) => volume.name === volumeName)) {
        problems.push({ where: `volumes "${volumeName}"`, message: "already exists in the pod", fix: "pass another volumeName" });
    }
    const wanted = wiring.containers ?? containers.map((container) => container.name as string);
    for (const name of wanted) {
        if (!containers.some((container) => container.name === name)) {
            problems.push({
                where: `containers "${name}"`,
                message: "is not a container of the pod",
                fix: `use one of: ${containers.map((c) => c.name).join(", ")}`,
            });
        }
    }
    const wired = containers.map((container) => {
        if (!wanted.includes(container.name as string)) {
            return container;
        }
        const mounts = (plain(container.volumeMounts, `container ${container.name} volumeMounts`) ??
            []) as k8s.types.input.core.v1.VolumeMount[];
        const env = (plain(container.env, `container ${container.name} env`) ?? []) as k8s.types.input.core.v1.EnvVar[];
        if (mountVolume && mounts.some((mount) => mount.mountPath === mountPath)) {
            problems.push({
                where: `container "${container.name}"`,
                message: `already mounts something at ${mountPath}`,
                fix: "pass another mountPath",
            });
        }
        for (const variable of wiring.env ?? []) {
            if (env.some((existing) => existing.name === variable.name)) {
                problems.push({
                    where: `container "${container.name}" env "${variable.name}"`,
                    message: "is already set",
                    fix: "remove the existing value or rename the variable",
                });
            }
        }
        return {
            ...container,
            volumeMounts: mountVolume ? [...mounts, { name: volumeName, mountPath, readOnly: true }] : container.volumeMounts,
            env: [
                ...env,
                ...(wiring.env ?? []).map((variable) => ({
                    name: variable.name,
                    valueFrom: { secretKeyRef: { name: variable.secretName, key: variable.key } },
                })),
            ],
        };
    });
    throwIfProblems("Key Vault pod wiring", problems);
    if (!mountVolume) {
        return { ...template, spec: { ...spec, containers: wired } };
    }
    const volume: k8s.types.input.core.v1.Volume = {
        name: volumeName,
        csi: {
            driver: CSI_DRIVER_NAME,
            readOnly: true,
            volumeAttributes: { secretProviderClass: wiring.secretProviderClassName },
            ...(wiring.nodePublishSecretRef ? { nodePublishSecretRef: { name: wiring.nodePublishSecretRef } } : {}),
        },
    };
    return { ...template, spec: { ...spec, containers: wired, volumes: [...volumes, volume] } };
}
