import type { KubeConfig } from "@kubernetes/client-node";
import { parseObjectsParameter } from "../components/secret-provider-class/parse";
import { fileNameOf } from "../components/secret-provider-class/paths";
import { KeyVaultObject } from "../components/secret-provider-class/types";
import { Json, getJson } from "./cluster-api";
import { ClusterCheck, ClusterFindings, inParallel } from "./cluster-checks";
import { OWNER_STACK_ANNOTATION, ownerStack } from "./ownership";
import { ConfigProblem } from "./problems";
import { ApplicationConfig, StackConfig } from "./schema";

/**
 * What a change takes from running pods. Renaming an `objectAlias` or removing an object updates the class in place
 * (`~ update`), and at the next rotation the old file is gone from every running pod's mount, with no restart; a
 * synced Secret that loses a key breaks the next start of any pod whose env reads it. Before declaring anything,
 * the preview reads each app's live class and its namespace's running pods (program/cluster-checks.ts) and warns, per app, naming the files or keys and the pods.
 */

/** What the cluster has of one app: its live class (first vault) and the Secrets' keys that class syncs. */
export interface LiveApp {
    /** The files the live class writes (alias or name of each object). */
    files: string[];
    /** Keys of each Secret the live class or its SecretSyncs fill. */
    syncedKeys: Record<string, string[]>;
}

/** What one running pod reads. */
export interface RunningPod {
    name: string;
    /** Classes its CSI volumes mount. */
    classes: string[];
    /** `secret/key` of each env var it takes from a Secret key. */
    envKeys: Array<{ secret: string; key: string; env: string }>;
    /** Secrets it takes whole (`envFrom`). */
    envFromSecrets: string[];
}

/** The files an app's config has its class write. Pure. */
export function configuredFiles(objects: readonly KeyVaultObject[]): string[] {
    return objects.map(fileNameOf);
}

/** The Secrets' keys an app's config syncs. Pure. */
export function configuredKeys(app: Pick<ApplicationConfig, "syncedSecrets">): Record<string, string[]> {
    return Object.fromEntries(app.syncedSecrets.map((secret) => [secret.secretName, secret.data.map((entry) => entry.key)]));
}

/** The warnings for one app: files running pods mount that the change removes, and synced keys their env reads. Pure. */
export function changeWarnings(
    app: Pick<ApplicationConfig, "name" | "namespace" | "objects" | "syncedSecrets">,
    index: number,
    live: LiveApp,
    pods: readonly RunningPod[],
): ConfigProblem[] {
    const warnings: ConfigProblem[] = [];
    const next = new Set(configuredFiles(app.objects));
    const gone = live.files.filter((file) => !next.has(file));
    const mounting = pods.filter((pod) => pod.classes.includes(app.name)).map((pod) => pod.name);
    if (gone.length > 0 && mounting.length > 0) {
        warnings.push({
            path: ["applications", index, "objects"],
            context: `app "${app.name}"`,
            message: `removes or renames ${gone.map((file) => `"${file}"`).join(", ")}, which ${mounting.length} running pod(s) mount from class ${app.namespace}/${app.name} (${mounting.join(", ")}); the files disappear from their mounts at the next rotation, and the pods are not restarted`,
            fix: "keep the old objectAlias (or object) until no pod reads it, or roll the pods out once the change is applied",
        });
    }
    const nextKeys = configuredKeys(app);
    for (const [secret, keys] of Object.entries(live.syncedKeys)) {
        const kept = new Set(nextKeys[secret] ?? []);
        for (const key of keys.filter((candidate) => !kept.has(candidate))) {
            const readers = pods.flatMap((pod) =>
                pod.envKeys.filter((use) => use.secret === secret && use.key === key).map((use) => `${pod.name} (env ${use.env})`),
            );
            const whole = pods.filter((pod) => pod.envFromSecrets.includes(secret)).map((pod) => `${pod.name} (envFrom)`);
            if (readers.length + whole.length > 0) {
                warnings.push({
                    path: ["applications", index, "syncedSecrets"],
                    context: `app "${app.name}"`,
                    message: `drops key "${key}" of Secret ${app.namespace}/${secret}, which running pods read: ${[...readers, ...whole].join(", ")}; ${readers.length > 0 ? "their next start fails (CreateContainerConfigError)" : "their next start lacks the variable"}`,
                    fix: `keep the key until those pods no longer read it, or change them first`,
                });
            }
        }
    }
    return warnings;
}

/**
 * The refusal for an app this stack runs in another namespace: the move replaces its Deployment, class and
 * ServiceAccount, and the Kubernetes provider deletes an object with a fixed name before it creates the replacement,
 * so the app would have no pods until the new ones mount. Pure.
 */
export function moveProblem(app: Pick<ApplicationConfig, "name" | "namespace">, index: number, from: string): ConfigProblem {
    return {
        path: ["applications", index, "namespace"],
        context: `app "${app.name}"`,
        message: `moves the app from namespace "${from}" to "${app.namespace}", which replaces its Deployment, SecretProviderClass and ServiceAccount by deleting them first: its pods stop before the new ones can mount`,
        fix: `add the app under a new name in "${app.namespace}", apply, move the traffic, then remove "${app.name}" from "${from}"; or keep namespace "${from}"`,
    };
}

/** A pod's reads, from its spec. */
function runningPod(pod: Json): RunningPod {
    const containers: Json[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
    return {
        name: pod.metadata?.name ?? "",
        classes: (pod.spec?.volumes ?? [])
            .map((volume: Json) => volume.csi?.volumeAttributes?.secretProviderClass)
            .filter((name: unknown): name is string => typeof name === "string"),
        envKeys: containers.flatMap((container) =>
            (container.env ?? [])
                .filter((env: Json) => env.valueFrom?.secretKeyRef?.name)
                .map((env: Json) => ({ secret: env.valueFrom.secretKeyRef.name, key: env.valueFrom.secretKeyRef.key, env: env.name })),
        ),
        envFromSecrets: containers.flatMap((container) =>
            (container.envFrom ?? [])
                .map((from: Json) => from.secretRef?.name)
                .filter((name: unknown): name is string => typeof name === "string"),
        ),
    };
}

/** The live class of an app (undefined when absent) and the keys it, or the app's SecretSyncs, sync. */
function liveApp(spc: Json, syncs: Json[]): LiveApp {
    const objects = typeof spc.spec?.parameters?.objects === "string" ? parseObjectsParameter(spc.spec.parameters.objects).value : [];
    const syncedKeys: Record<string, string[]> = {};
    for (const secret of spc.spec?.secretObjects ?? []) {
        syncedKeys[secret.secretName] = (secret.data ?? []).map((entry: Json) => entry.key);
    }
    for (const sync of syncs) {
        syncedKeys[sync.metadata?.name] = (sync.spec?.secretObject?.data ?? []).map((entry: Json) => entry.targetKey);
    }
    return { files: objects.map(fileNameOf), syncedKeys };
}

/** One app's part of the check: a move refused, or the warnings of what its running pods lose. */
async function appFindings(
    kubeconfig: KubeConfig,
    app: ApplicationConfig,
    index: number,
    me: string,
    pods: RunningPods,
): Promise<ClusterFindings> {
    const sameName = await getJson(
        kubeconfig,
        `/apis/secrets-store.csi.x-k8s.io/v1/secretproviderclasses?fieldSelector=${encodeURIComponent(`metadata.name=${app.name}`)}`,
    );
    const elsewhere = (sameName.status === 200 ? (sameName.body.items ?? []) : []).find(
        (item: Json) => item.metadata?.namespace !== app.namespace && item.metadata?.annotations?.[OWNER_STACK_ANNOTATION] === me,
    );
    if (elsewhere) {
        return { problems: [moveProblem(app, index, elsewhere.metadata.namespace)], warnings: [] };
    }
    const spc = await getJson(
        kubeconfig,
        `/apis/secrets-store.csi.x-k8s.io/v1/namespaces/${app.namespace}/secretproviderclasses/${app.name}`,
    );
    if (spc.status !== 200) {
        return { problems: [], warnings: [] };
    }
    const syncs = await inParallel(app.syncMechanism === "secretSync" ? app.syncedSecrets : [], (secret) =>
        getJson(kubeconfig, `/apis/secret-sync.x-k8s.io/v1alpha1/namespaces/${app.namespace}/secretsyncs/${secret.secretName}`),
    );
    const live = liveApp(
        spc.body,
        syncs.filter((sync) => sync.status === 200).map((sync) => sync.body),
    );
    return { problems: [], warnings: changeWarnings(app, index, live, await pods(app.namespace)) };
}

/** The running pods of a namespace, read once however many apps ask. */
type RunningPods = (namespace: string) => Promise<RunningPod[]>;

function runningPodsOnce(kubeconfig: KubeConfig): RunningPods {
    const read = new Map<string, Promise<RunningPod[]>>();
    return (namespace) => {
        if (!read.has(namespace)) {
            read.set(
                namespace,
                getJson(kubeconfig, `/api/v1/namespaces/${namespace}/pods?fieldSelector=status.phase%3DRunning`).then((list) =>
                    list.status === 200 ? (list.body.items ?? []).map(runningPod) : [],
                ),
            );
        }
        return read.get(namespace) as Promise<RunningPod[]>;
    };
}

/**
 * The change check: refuses an app this stack runs in another namespace (its class is found there, annotated with
 * this stack); reads each app's live class (and SecretSyncs) and its namespace's running pods and warns of what they
 * lose. A cluster it cannot read adds nothing: the namespace and ownership checks already say so.
 */
export function changeCheck(config: StackConfig, me: string = ownerStack()): ClusterCheck {
    return {
        async run(kubeconfig) {
            const pods = runningPodsOnce(kubeconfig);
            const found = await inParallel([...config.applications.entries()], ([index, app]) =>
                appFindings(kubeconfig, app, index, me, pods),
            );
            return { problems: found.flatMap((entry) => entry.problems), warnings: found.flatMap((entry) => entry.warnings) };
        },
        unread: () => [],
    };
}
