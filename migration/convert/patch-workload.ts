import * as k8s from "@pulumi/kubernetes";
import { DEFAULT_MOUNT_PATH, DEFAULT_VOLUME_NAME, attachKeyVaultSecrets, secretEnvProblems } from "../../components/workload/pod";
import { Finding } from "../findings";
import { clonePlain, isObject } from "../../components/shared/manifests";
import { uniqueName } from "../../components/shared/naming";
import { PodTemplate, withPodTemplate } from "../../components/workload/pod-templates";
import { NAMESPACE_SERVICE_ACCOUNT, WORKLOAD_IDENTITY_USE_LABEL } from "../../components/workload/types";
import { BuilderSecret } from "./app-builder";
import { AssembledApp } from "./assemble";
import { PendingWorkload } from "./pending";

/* Rewriting a workload manifest found by the converter. */

type Container = k8s.types.input.core.v1.Container;

/** What the edits rewrite in a scanned pod spec, at the indices the scan found (a plain copy of the manifest's JSON). */
interface ScannedPodSpec {
    containers: Array<{ env: Array<{ name: string; valueFrom?: unknown }>; envFrom: Array<{ secretRef?: Record<string, unknown> }> }>;
    volumes: Array<{ secret: { secretName: string } }>;
}

/** Fields `kubectl get -o yaml` adds to metadata that must not be applied back. */
const SERVER_METADATA = ["uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink"];

/** Fields `kubectl get -o yaml` adds that must not be applied back. */
function cleanForApply(manifest: Record<string, unknown>): Record<string, unknown> {
    const copy = { ...manifest };
    delete copy.status;
    if (isObject(copy.metadata)) {
        const metadata = Object.fromEntries(Object.entries(copy.metadata).filter(([field]) => !SERVER_METADATA.includes(field)));
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

type PatchResult = { manifest: Record<string, unknown>; apps: string[]; findings: Finding[] } | { error: string; fix: string };

const INTERNAL_FIX = "report this as a bug";

/** Rewrites one workload: env values and Secret references in place, then the CSI volume of each app. */
export function patchWorkload(work: PendingWorkload, apps: readonly AssembledApp[]): PatchResult {
    const names = new Map(apps.flatMap(({ secretNames }) => [...secretNames]));
    const unnamed = [
        ...work.envEdits.map((e) => e.secret),
        ...work.envFromEdits.flatMap((e) => e.targets.map((t) => t.secret)),
        ...work.volumeEdits.map((e) => e.secret),
    ].filter((secret) => !names.has(secret));
    if (unnamed.length > 0) {
        return {
            error: `internal: the patch reads synced Secret(s) ${unnamed.map((secret) => secret.id).join(", ")} that no app syncs`,
            fix: INTERNAL_FIX,
        };
    }
    const nameOf = (secret: BuilderSecret) => names.get(secret) ?? secret.id;
    const template = clonePlain(work.template);
    const spec = template.spec as ScannedPodSpec;
    const findings: Finding[] = [];
    for (const edit of work.envEdits) {
        const env = spec.containers[edit.containerIndex].env;
        env[edit.envIndex] = { name: env[edit.envIndex].name, valueFrom: { secretKeyRef: { name: nameOf(edit.secret), key: edit.key } } };
    }
    for (const edit of [...work.envFromEdits].sort((a, b) => b.envFromIndex - a.envFromIndex || b.containerIndex - a.containerIndex)) {
        const envFrom = spec.containers[edit.containerIndex].envFrom;
        const original = envFrom[edit.envFromIndex];
        envFrom.splice(
            edit.envFromIndex,
            1,
            ...edit.targets.map(({ secret }) => ({ ...original, secretRef: { ...original.secretRef, name: nameOf(secret) } })),
        );
    }
    for (const edit of work.volumeEdits) {
        spec.volumes[edit.volumeIndex].secret.secretName = nameOf(edit.secret);
    }
    const rewritten = [
        ...work.envEdits.filter((e) => e.reference).map((e) => e.secret),
        ...work.envFromEdits.flatMap((e) => e.targets.map((t) => t.secret)),
        ...work.volumeEdits.map((e) => e.secret),
    ];
    for (const secret of rewritten.filter((s, i) => rewritten.indexOf(s) === i)) {
        if (secret.kind !== "akv2k8s") {
            continue;
        }
        findings.push({
            severity: "info",
            code: "WORKLOAD_REFERENCE_REWRITTEN",
            subject: work.subject,
            where: "",
            message: `reads synced Secret "${nameOf(secret)}" instead of akv2k8s Secret "${secret.origin}"`,
            fix: "apply the patched manifest when this workload cuts over",
        });
    }

    let wired: PodTemplate = template;
    const appNames: string[] = [];
    const serviceAccounts = new Set<string>();
    const allContainers = (spec.containers as Container[]).map((c) => String(c.name));
    let index = 0;
    for (const [builder, containers] of work.containers) {
        const app = apps.find((candidate) => candidate.builder === builder)?.app;
        if (!app) {
            return { error: `internal: the workload reads an app of vault ${builder.vault} that was not assembled`, fix: INTERNAL_FIX };
        }
        appNames.push(app.name);
        // Every edit must point at a Secret this app syncs, with the key it has.
        const env = work.envEdits
            .filter((e) => e.builder === builder)
            .map((e, i) => ({ name: `V${i}`, secretName: nameOf(e.secret), key: e.key }));
        const problems = secretEnvProblems(env, app.syncedSecrets);
        if (problems.length > 0) {
            return {
                error: `internal: the rewritten env does not match app "${app.name}": ${problems.map((p) => p.message).join("; ")}`,
                fix: INTERNAL_FIX,
            };
        }
        const currentSpec = wired.spec as k8s.types.input.core.v1.PodSpec;
        const volumes = (currentSpec.volumes ?? []) as Array<{ name: string }>;
        const mounts = (currentSpec.containers as Container[]).flatMap((c) =>
            ((c.volumeMounts ?? []) as Array<{ mountPath: string }>).map((m) => m.mountPath),
        );
        const volumeName = uniqueName(
            index === 0 ? DEFAULT_VOLUME_NAME : `${DEFAULT_VOLUME_NAME}-${app.name}`,
            (name) => volumes.some((v) => v.name === name),
            63,
        );
        const mountPath = uniqueName(index === 0 ? DEFAULT_MOUNT_PATH : `${DEFAULT_MOUNT_PATH}-${app.name}`, (path) =>
            mounts.includes(path),
        );
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
            return {
                error: (error as Error).message.replace(/\n\s*/g, " "),
                fix: "wire this workload by hand (attachKeyVaultSecrets or the Helm transform)",
            };
        }
        if (app.identity.mode === "workloadIdentity") {
            serviceAccounts.add(app.serviceAccountName ?? app.name);
        }
        index++;
    }
    if (serviceAccounts.size > 1) {
        return {
            error: `reads apps with different workload identities (${[...serviceAccounts].join(", ")}); a pod has one ServiceAccount`,
            fix: "put those objects into one app, or wire the workload by hand",
        };
    }
    if (serviceAccounts.size === 1) {
        const account = [...serviceAccounts][0];
        const wiredSpec = wired.spec as k8s.types.input.core.v1.PodSpec;
        const before = wiredSpec.serviceAccountName ?? NAMESPACE_SERVICE_ACCOUNT;
        wired = {
            ...wired,
            metadata: {
                ...(wired.metadata as Record<string, unknown>),
                labels: {
                    ...(wired.metadata as { labels?: Record<string, string> } | undefined)?.labels,
                    [WORKLOAD_IDENTITY_USE_LABEL]: "true",
                },
            },
            spec: { ...wiredSpec, serviceAccountName: account },
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
