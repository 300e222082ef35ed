/**
 * Reads the facts doctor diagnoses from a cluster, as kubectl would: the kubeconfig is loaded by
 * @kubernetes/client-node (KUBECONFIG or ~/.kube/config, the current or a named context, tokens, client
 * certificates and exec plugins such as kubelogin on AKS). Only GETs; Secrets are listed as metadata only
 * (PartialObjectMetadataList: the API server sends no `data`), and their key names are read from managedFields.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { ClusterReadError, Json, getJson, loadKubeConfig } from "../cluster-api";
import { ClassFact, ClusterFacts, CSI_DRIVER_NAME, EventFact, PodFact, PodStatusFact, SecretFact, SecretSyncFact } from "./facts";

export interface ReadClusterOptions {
    kubeconfig?: string;
    context?: string;
    namespace?: string;
}

const METADATA_ONLY = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";

/** Every item of a list, page by page; undefined when the resource type is not served (a CRD not installed). */
async function list(config: KubeConfig, path: string, accept?: string): Promise<Json[] | undefined> {
    const items: Json[] = [];
    let next = "";
    do {
        const separator = path.includes("?") ? "&" : "?";
        const response = await getJson(
            config,
            `${path}${separator}limit=500${next ? `&continue=${encodeURIComponent(next)}` : ""}`,
            accept,
        );
        if (response.status === 404) {
            return undefined;
        }
        if (response.status !== 200) {
            throw new ClusterReadError(
                `GET ${path}: ${response.status} ${response.body?.message ?? ""}${response.status === 401 || response.status === 403 ? " (doctor needs get/list on the resources docs/doctor.md lists)" : ""}`,
            );
        }
        items.push(...(response.body.items ?? []));
        next = response.body.metadata?.continue ?? "";
    } while (next);
    return items;
}

function where(namespace: string | undefined, group: string, resource: string): string {
    return `${group === "" ? "/api/v1" : `/apis/${group}`}${namespace ? `/namespaces/${namespace}` : ""}/${resource}`;
}

function newestManagedTime(metadata: Json): string {
    const times: string[] = (metadata.managedFields ?? [])
        .map((entry: Json) => entry.time)
        .filter((time: unknown) => typeof time === "string");
    return times.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b), metadata.creationTimestamp);
}

function dataKeys(metadata: Json): string[] {
    const keys = new Set<string>();
    for (const entry of metadata.managedFields ?? []) {
        for (const field of Object.keys(entry.fieldsV1?.["f:data"] ?? {})) {
            if (field.startsWith("f:")) {
                keys.add(field.slice(2));
            }
        }
    }
    return [...keys].sort();
}

export function podFact(pod: Json): PodFact {
    const containers: Json[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
    const envSecrets = containers.flatMap((container) => [
        ...(container.env ?? []).map((env: Json) => env.valueFrom?.secretKeyRef?.name).filter(Boolean),
        ...(container.envFrom ?? []).map((from: Json) => from.secretRef?.name).filter(Boolean),
    ]);
    const statuses: Json[] = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    const owner = pod.metadata.ownerReferences?.[0];
    return {
        namespace: pod.metadata.namespace,
        name: pod.metadata.name,
        uid: pod.metadata.uid,
        ...(owner ? { owner: `${owner.kind}/${owner.name}` } : {}),
        serviceAccount: pod.spec?.serviceAccountName ?? "default",
        ready: (pod.status?.conditions ?? []).some((condition: Json) => condition.type === "Ready" && condition.status === "True"),
        csiClasses: (pod.spec?.volumes ?? [])
            .filter((volume: Json) => volume.csi?.driver === CSI_DRIVER_NAME)
            .map((volume: Json) => volume.csi.volumeAttributes?.secretProviderClass)
            .filter(Boolean),
        csiVolumes: (pod.spec?.volumes ?? [])
            .filter((volume: Json) => volume.csi?.driver === CSI_DRIVER_NAME)
            .map((volume: Json) => volume.name),
        envSecrets: [...new Set<string>(envSecrets)],
        waiting: statuses
            .filter((status) => status.state?.waiting)
            .map((status) => ({ reason: status.state.waiting.reason ?? "", message: status.state.waiting.message ?? "" })),
        ...(pod.metadata.creationTimestamp ? { created: pod.metadata.creationTimestamp } : {}),
    };
}

/** Reads the facts; throws ClusterReadError when the cluster can't be read. */
export async function readCluster(options: ReadClusterOptions = {}): Promise<ClusterFacts> {
    const config = await loadKubeConfig(options, {
        file: "pass --kubeconfig PATH or set KUBECONFIG",
        context: "pass one of those to --context",
        cluster: "pass --context NAME or fix the kubeconfig",
    });
    const ns = options.namespace;
    const spcGroup = "secrets-store.csi.x-k8s.io/v1";
    try {
        const driver = await getJson(config, `/apis/storage.k8s.io/v1/csidrivers/${CSI_DRIVER_NAME}`);
        if (driver.status !== 200 && driver.status !== 404) {
            throw new ClusterReadError(`GET the CSIDriver ${CSI_DRIVER_NAME}: ${driver.status} ${driver.body?.message ?? ""}`);
        }
        const [classes, pods, events, statuses, secrets, syncs] = await Promise.all([
            list(config, where(ns, spcGroup, "secretproviderclasses")),
            list(config, where(ns, "", "pods")),
            list(config, `${where(ns, "", "events")}?fieldSelector=${encodeURIComponent("involvedObject.kind=Pod,type=Warning")}`),
            list(config, where(ns, spcGroup, "secretproviderclasspodstatuses")),
            // Metadata only: the API server leaves out every Secret's data (and doctor never asks for it).
            list(config, where(ns, "", "secrets"), METADATA_ONLY),
            list(config, where(ns, "secret-sync.x-k8s.io/v1alpha1", "secretsyncs")),
        ]);
        return {
            now: new Date().toISOString(),
            context: config.getCurrentContext(),
            csiDriver: driver.status === 200,
            classes: (classes ?? []).map((spc: Json): ClassFact => ({
                namespace: spc.metadata.namespace,
                name: spc.metadata.name,
                provider: spc.spec?.provider ?? "",
                parameters: Object.fromEntries(Object.entries(spc.spec?.parameters ?? {}).filter(([key]) => key !== "objects")) as Record<
                    string,
                    string
                >,
                syncedSecrets: (spc.spec?.secretObjects ?? []).map((secret: Json) => secret.secretName),
            })),
            // A pod being deleted is on its way out; its replacement (if any) is what the app has.
            pods: (pods ?? []).filter((pod: Json) => !pod.metadata.deletionTimestamp).map(podFact),
            events: (events ?? []).map((event: Json): EventFact => ({
                namespace: event.involvedObject.namespace ?? event.metadata.namespace,
                podName: event.involvedObject.name,
                ...(event.involvedObject.uid ? { podUid: event.involvedObject.uid } : {}),
                reason: event.reason ?? "",
                message: event.message ?? "",
                lastSeen: event.lastTimestamp ?? event.eventTime ?? event.series?.lastObservedTime ?? event.metadata.creationTimestamp,
                count: event.count ?? event.series?.count ?? 1,
            })),
            podStatuses: (statuses ?? []).map((status: Json): PodStatusFact => ({
                namespace: status.metadata.namespace,
                podName: status.status?.podName ?? "",
                className: status.status?.secretProviderClassName ?? "",
                mounted: status.status?.mounted === true,
                objects: (status.status?.objects ?? []).map((object: Json) => ({
                    id: String(object.id),
                    version: String(object.version ?? ""),
                })),
                created: status.metadata.creationTimestamp,
                updated: newestManagedTime(status.metadata),
            })),
            secrets: (secrets ?? []).map((secret: Json): SecretFact => {
                const metadata = secret.metadata ?? {};
                return {
                    namespace: metadata.namespace,
                    name: metadata.name,
                    keys: dataKeys(metadata),
                    labels: metadata.labels ?? {},
                    owners: (metadata.ownerReferences ?? []).map((owner: Json) => ({
                        apiVersion: owner.apiVersion,
                        kind: owner.kind,
                        name: owner.name,
                    })),
                    managers: [...new Set<string>((metadata.managedFields ?? []).map((entry: Json) => entry.manager).filter(Boolean))],
                };
            }),
            secretSyncs: (syncs ?? []).map((sync: Json): SecretSyncFact => {
                const failed = (sync.status?.conditions ?? []).find((condition: Json) => condition.status === "False");
                return {
                    namespace: sync.metadata.namespace,
                    name: sync.metadata.name,
                    className: sync.spec?.secretProviderClassName ?? "",
                    ...(sync.status?.lastSuccessfulSyncTime ? { lastSynced: sync.status.lastSuccessfulSyncTime } : {}),
                    ...(failed ? { failure: { type: failed.type ?? "", reason: failed.reason ?? "", message: failed.message ?? "" } } : {}),
                };
            }),
        };
    } catch (error) {
        if (error instanceof ClusterReadError) {
            throw error;
        }
        throw new ClusterReadError(`can't read the cluster of context "${config.getCurrentContext()}": ${(error as Error).message}`);
    }
}
