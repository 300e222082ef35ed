import { SourcedManifest } from "../manifests";
import { isObject, nameOf, namespaceOf } from "../../components/shared/manifests";
import { podTemplateOf } from "../../components/workload/pod-templates";
import { ContainerUse, containerUses, indexedObjects } from "./env";
import { convertInjectedValue } from "./injected-env";
import { PendingWorkload, ScanContext, WorkloadScan } from "./pending";

/**
 * Phase 5 of a conversion: the workloads' env-injector values and references to akv2k8s Secrets, as the edits of
 * each workload's patch. Returns the workloads with something to patch.
 */
export function scanWorkloads(context: ScanContext, workloads: readonly SourcedManifest[]): PendingWorkload[] {
    const pending: PendingWorkload[] = [];
    for (const sourced of workloads) {
        const work = scanWorkload(context, sourced);
        if (work && work.envEdits.length + work.envFromEdits.length + work.volumeEdits.length > 0) {
            pending.push(work);
        }
    }
    return pending;
}

function scanWorkload(context: ScanContext, sourced: SourcedManifest): PendingWorkload | undefined {
    const manifest = sourced.manifest;
    const template = podTemplateOf(manifest);
    const spec = template?.spec;
    if (!template || !isObject(spec)) {
        return undefined;
    }
    const kind = String(manifest.kind);
    const namespace = namespaceOf(manifest) ?? context.state.defaultNamespace;
    const name = nameOf(manifest);
    const work: PendingWorkload = {
        sourced,
        template: { ...template, spec },
        kind,
        namespace,
        name,
        subject: `${kind} ${namespace}/${name}`,
        envEdits: [],
        envFromEdits: [],
        volumeEdits: [],
        containers: new Map(),
        injected: false,
        remaining: [],
    };
    const scan = new WorkloadScan(context, work);
    containerUses(spec, "initContainers").forEach((container) => scanInitContainer(scan, container));
    containerUses(spec, "containers").forEach((container) => scanContainer(scan, container));
    scanVolumes(scan, spec);
    scanPullSecrets(scan, spec);
    return work;
}

/** Init containers are reported, not rewritten: the Secret exists only once a regular container mounts the volume. */
function scanInitContainer(scan: WorkloadScan, container: ContainerUse): void {
    for (const variable of container.env) {
        if (variable.injected !== undefined) {
            scan.work.injected = true;
            scan.injection(false);
            scan.note(
                "unsupported",
                "ENV_INJECTOR_INIT_CONTAINER",
                variable.where,
                `"${variable.injected}" is in an init container; init containers are not wired automatically`,
                "move the value to a synced Secret by hand (secretKeyRef; the Secret exists once a container of the pod mounts the volume), or read it in the main container",
            );
        }
        if (variable.secretKeyRef && scan.isAkv2k8sSecret(variable.secretKeyRef.name)) {
            scan.note(
                "review",
                "WORKLOAD_REFERENCE_NOT_CONVERTED",
                `${variable.where}.valueFrom.secretKeyRef`,
                `still reads akv2k8s Secret "${variable.secretKeyRef.name}" (init containers are not rewritten)`,
                "point it at the synced Secret by hand when the workload cuts over",
            );
        }
    }
}

function scanContainer(scan: WorkloadScan, container: ContainerUse): void {
    const { work, context } = scan;
    for (const variable of container.env) {
        if (variable.injected !== undefined) {
            convertInjectedValue(scan, container, variable, variable.injected);
            continue;
        }
        const ref = variable.secretKeyRef;
        if (!ref || !scan.isAkv2k8sSecret(ref.name)) {
            continue;
        }
        const target = context.apps
            .replacing(work.namespace, ref.name)
            .find(({ secret }) => secret.data.some((entry) => entry.key === ref.key));
        if (!target) {
            scan.note(
                "review",
                "WORKLOAD_REFERENCE_NOT_CONVERTED",
                `${variable.where}.valueFrom.secretKeyRef`,
                `reads key "${ref.key}" of akv2k8s Secret "${ref.name}", which no converted AKVS writes`,
                "keep the AKVS that writes it until it is converted by hand; the reference is left as it is",
            );
            continue;
        }
        work.envEdits.push({
            containerIndex: container.containerIndex,
            envIndex: variable.envIndex,
            builder: target.builder,
            secret: target.secret,
            key: ref.key,
            reference: true,
        });
        scan.use(target.builder, container.containerName);
    }
    for (const source of container.envFrom) {
        const origin = source.secretName;
        if (!scan.isAkv2k8sSecret(origin)) {
            continue;
        }
        const targets = context.apps.replacing(work.namespace, origin);
        const missing = context.inventory.resources
            .filter(
                (resource) =>
                    resource.namespace === work.namespace && resource.secretOutput?.name === origin && !context.converted.has(resource),
            )
            .map((resource) => resource.name);
        if (targets.length === 0) {
            scan.note(
                "review",
                "WORKLOAD_REFERENCE_NOT_CONVERTED",
                source.where,
                `reads akv2k8s Secret "${origin}", which no converted AKVS writes`,
                "keep its AKVS until it is converted by hand; the reference is left as it is",
            );
            continue;
        }
        if (missing.length > 0) {
            scan.note(
                "review",
                "WORKLOAD_REFERENCE_NOT_CONVERTED",
                source.where,
                `reads all keys of akv2k8s Secret "${origin}", but AKVS ${missing.join(", ")} writing some of them were not converted`,
                "add those keys by hand before cutting over, or the variables will be missing",
            );
        }
        work.envFromEdits.push({ containerIndex: container.containerIndex, envFromIndex: source.envFromIndex, targets });
        for (const { builder } of targets) {
            scan.use(builder, container.containerName);
        }
    }
}

function scanVolumes(scan: WorkloadScan, spec: Record<string, unknown>): void {
    for (const { item: volume, index: volumeIndex } of indexedObjects(spec.volumes)) {
        const secret = isObject(volume.secret) ? volume.secret : undefined;
        if (!secret || !scan.isAkv2k8sSecret(String(secret.secretName))) {
            continue;
        }
        const origin = String(secret.secretName);
        const where = `volumes "${String(volume.name)}"`;
        const targets = scan.context.apps.replacing(scan.work.namespace, origin);
        if (targets.length !== 1) {
            scan.note(
                "review",
                "WORKLOAD_REFERENCE_NOT_CONVERTED",
                where,
                targets.length === 0
                    ? `mounts akv2k8s Secret "${origin}", which no converted AKVS writes`
                    : `mounts akv2k8s Secret "${origin}", whose keys now come from ${targets.length} synced Secrets (one per vault)`,
                targets.length === 0
                    ? "keep its AKVS until it is converted by hand"
                    : "mount the CSI volume's files instead, or a projected volume of the synced Secrets",
            );
            continue;
        }
        scan.work.volumeEdits.push({ volumeIndex, builder: targets[0].builder, secret: targets[0].secret });
        scan.use(targets[0].builder);
    }
}

function scanPullSecrets(scan: WorkloadScan, spec: Record<string, unknown>): void {
    for (const { item: pull } of indexedObjects(spec.imagePullSecrets)) {
        if (scan.isAkv2k8sSecret(String(pull.name))) {
            scan.note(
                "review",
                "WORKLOAD_IMAGE_PULL_SECRET",
                `imagePullSecrets "${String(pull.name)}"`,
                "is written by akv2k8s and left as it is: a synced Secret exists only after a pod mounts the volume, so pulling images with it fails for the first pod",
                "keep this AKVS (or another way to create the pull Secret) until last; remove akv2k8s only when pull Secrets no longer depend on it",
            );
        }
    }
}
