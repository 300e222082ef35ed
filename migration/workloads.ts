import * as k8s from "@pulumi/kubernetes";
import { DEFAULT_MOUNT_PATH, DEFAULT_VOLUME_NAME, attachKeyVaultSecrets, secretEnvProblems } from "../components/workload/pod";
import { MigratedApplication } from "./application";
import { AppBuilder, BuilderSecret } from "./app-builder";
import { Finding } from "./findings";
import { SourcedManifest } from "./manifests";
import { clonePlain, isObject } from "../components/shared/manifests";
import { uniqueName } from "../components/shared/naming";
import { PodTemplate, podTemplateOf, withPodTemplate } from "../components/workload/pod-templates";

/* Rewriting a workload manifest found by the converter (internal to the migration module). */

export const WORKLOAD_IDENTITY_USE_LABEL = "azure.workload.identity/use";

/** `reference`: the variable read an akv2k8s Secret (else it was an env-injector value). */
export type EnvEdit = { containerIndex: number; envIndex: number; builder: AppBuilder; secret: BuilderSecret; key: string; reference: boolean };
export type EnvFromEdit = { containerIndex: number; envFromIndex: number; targets: Array<{ builder: AppBuilder; secret: BuilderSecret }> };
export type VolumeEdit = { volumeIndex: number; builder: AppBuilder; secret: BuilderSecret };

export interface PendingWorkload {
    sourced: SourcedManifest;
    kind: string;
    namespace: string;
    name: string;
    subject: string;
    envEdits: EnvEdit[];
    envFromEdits: EnvFromEdit[];
    volumeEdits: VolumeEdit[];
    /** Containers that read each app's Secrets (they get its volume mounted). */
    containers: Map<AppBuilder, Set<string>>;
    injected: boolean;
    /** Locations that still use akv2k8s after the patch. */
    remaining: string[];
}

type Container = k8s.types.input.core.v1.Container;

/** Fields `kubectl get -o yaml` adds that must not be applied back. */
function cleanForApply(manifest: Record<string, unknown>): Record<string, unknown> {
    const copy = { ...manifest };
    delete copy.status;
    if (isObject(copy.metadata)) {
        const metadata = { ...copy.metadata };
        for (const field of ["uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink"]) {
            delete metadata[field];
        }
        if (isObject(metadata.annotations)) {
            const annotations = { ...metadata.annotations };
            delete annotations["kubectl.kubernetes.io/last-applied-configuration"];
            delete annotations["deployment.kubernetes.io/revision"];
            if (Object.keys(annotations).length > 0) {
                metadata.annotations = annotations;
            } else {
                delete metadata.annotations;
            }
        }
        copy.metadata = metadata;
    }
    return copy;
}

/** Rewrites one workload: env values and Secret references in place, then the CSI volume of each app. */
export function patchWorkload(
    work: PendingWorkload,
    apps: Map<AppBuilder, MigratedApplication>,
): { manifest: Record<string, unknown>; apps: string[]; findings: Finding[] } | { error: string; fix: string } {
    const template = clonePlain(podTemplateOf(work.sourced.manifest)!) as PodTemplate & { spec: Record<string, any> };
    const spec = template.spec;
    const findings: Finding[] = [];
    for (const edit of work.envEdits) {
        const env = spec.containers[edit.containerIndex].env;
        env[edit.envIndex] = { name: env[edit.envIndex].name, valueFrom: { secretKeyRef: { name: edit.secret.name, key: edit.key } } };
    }
    for (const edit of [...work.envFromEdits].sort((a, b) => b.envFromIndex - a.envFromIndex || b.containerIndex - a.containerIndex)) {
        const envFrom = spec.containers[edit.containerIndex].envFrom;
        const original = envFrom[edit.envFromIndex];
        envFrom.splice(edit.envFromIndex, 1, ...edit.targets.map(({ secret }) => ({ ...original, secretRef: { ...original.secretRef, name: secret.name } })));
    }
    for (const edit of work.volumeEdits) {
        spec.volumes[edit.volumeIndex].secret.secretName = edit.secret.name;
    }
    const rewritten = [...work.envEdits.filter((e) => e.reference).map((e) => e.secret), ...work.envFromEdits.flatMap((e) => e.targets.map((t) => t.secret)), ...work.volumeEdits.map((e) => e.secret)];
    for (const secret of rewritten.filter((s, i) => s.kind === "akv2k8s" && rewritten.indexOf(s) === i)) {
        findings.push({
            severity: "info",
            code: "WORKLOAD_REFERENCE_REWRITTEN",
            subject: work.subject,
            where: "",
            message: `reads synced Secret "${secret.name}" instead of akv2k8s Secret "${secret.origin}"`,
            fix: "apply the patched manifest when this workload cuts over",
        });
    }

    let wired: PodTemplate = template;
    const appNames: string[] = [];
    const serviceAccounts = new Set<string>();
    const allContainers = (spec.containers as Container[]).map((c) => String(c.name));
    let index = 0;
    for (const [builder, containers] of work.containers) {
        const app = apps.get(builder)!;
        appNames.push(app.name);
        // Every edit must point at a Secret this app syncs, with the key it has.
        const env = work.envEdits.filter((e) => e.builder === builder).map((e, i) => ({ name: `V${i}`, secretName: e.secret.name!, key: e.key }));
        const problems = secretEnvProblems(env, app.syncedSecrets);
        if (problems.length > 0) {
            return { error: `internal: the rewritten env does not match app "${app.name}": ${problems.map((p) => p.message).join("; ")}`, fix: "report this as a bug" };
        }
        const currentSpec = wired.spec as Record<string, any>;
        const volumes = (currentSpec.volumes ?? []) as Array<{ name: string }>;
        const mounts = (currentSpec.containers as Container[]).flatMap((c) => ((c.volumeMounts ?? []) as Array<{ mountPath: string }>).map((m) => m.mountPath));
        const volumeName = uniqueName(index === 0 ? DEFAULT_VOLUME_NAME : `${DEFAULT_VOLUME_NAME}-${app.name}`, (name) => volumes.some((v) => v.name === name), 63);
        const mountPath = uniqueName(index === 0 ? DEFAULT_MOUNT_PATH : `${DEFAULT_MOUNT_PATH}-${app.name}`, (path) => mounts.includes(path));
        try {
            wired = attachKeyVaultSecrets(wired, {
                secretProviderClassName: app.name,
                volumeName,
                mountPath,
                // The kubelet mounts a volume only if a container mounts it, and the driver syncs only then.
                containers: containers.size > 0 ? [...containers] : allContainers,
                ...(app.identity.mode === "servicePrincipal" ? { nodePublishSecretRef: app.identity.nodePublishSecretRef } : {}),
            });
        } catch (error) {
            return { error: (error as Error).message.replace(/\n\s*/g, " "), fix: "wire this workload by hand (attachKeyVaultSecrets or the Helm transform)" };
        }
        if (app.identity.mode === "workloadIdentity") {
            serviceAccounts.add(app.serviceAccountName ?? app.name);
        }
        index++;
    }
    if (serviceAccounts.size > 1) {
        return { error: `reads apps with different workload identities (${[...serviceAccounts].join(", ")}); a pod has one ServiceAccount`, fix: "put those objects into one app, or wire the workload by hand" };
    }
    if (serviceAccounts.size === 1) {
        const account = [...serviceAccounts][0];
        const wiredSpec = wired.spec as Record<string, any>;
        const before = wiredSpec.serviceAccountName ?? "default";
        wired = {
            ...wired,
            metadata: { ...(wired.metadata as Record<string, unknown>), labels: { ...((wired.metadata as any)?.labels ?? {}), [WORKLOAD_IDENTITY_USE_LABEL]: "true" } },
            spec: { ...wiredSpec, serviceAccountName: account } as k8s.types.input.core.v1.PodSpec,
        };
        if (before !== account) {
            findings.push({
                severity: "review",
                code: "WORKLOAD_SERVICE_ACCOUNT",
                subject: work.subject,
                where: "spec.template.spec.serviceAccountName",
                message: `changes from "${before}" to "${account}": with workload identity the provider authenticates as the pod's ServiceAccount, which must be the one federated with the app's identity`,
                fix: `check what "${before}" was used for (RBAC, other identities) before applying`,
            });
        }
    }
    return { manifest: cleanForApply(withPodTemplate(work.sourced.manifest, wired)), apps: appNames, findings };
}
