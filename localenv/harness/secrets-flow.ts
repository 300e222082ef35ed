/**
 * What reached the local stack's pods: for each app, its pods and how long they took to be Ready, the files its
 * CSI volume holds and the secret env vars its container sees (as the probe image reports them: names and
 * hashes, never values), and the Secrets the driver synced (key names; their values only hashed, in memory, to
 * check that files, Secrets and env vars agree).
 */
import { createHash } from "crypto";
import * as fs from "fs";
import { ApplicationConfig, StackConfig } from "../../program/entry";
import { LocalEnvironment, LocalNode } from "./environment";
import { credentialSecretObject, keyVaultSeedPlan, seedKeyVault } from "./key-vault-seed";
import { KubeClient, KubeObject } from "./kube";

/** What the probe image prints: `akv-probe {"files":{...},"env":{...}}`, hashes as `sha256:<16 hex>`. */
export interface ProbeReport {
    files: Record<string, string> | null;
    env: Record<string, string>;
}

const PROBE_PREFIX = "akv-probe ";

/** The probe's hash of some bytes: the same as it prints. */
export function probeHash(bytes: Buffer | string): string {
    return `sha256:${createHash("sha256").update(bytes).digest("hex").slice(0, 16)}`;
}

/** The last report in a probe's log (it prints one at start and one whenever something changed). */
export function lastProbeReport(log: string): ProbeReport | undefined {
    const line = log
        .split("\n")
        .filter((entry) => entry.startsWith(PROBE_PREFIX))
        .pop();
    if (!line) {
        return undefined;
    }
    const parsed = JSON.parse(line.slice(PROBE_PREFIX.length));
    return { files: parsed.files ?? null, env: parsed.env ?? {} };
}

export interface PodState {
    name: string;
    ready: boolean;
    /** Seconds from the pod's creation to its Ready condition (API timestamps, 1 s resolution). */
    secondsToReady?: number;
    /** Why a container is not running (`CreateContainerConfigError: secret "x" not found`), or the last warning event. */
    waiting?: string;
}

export interface SyncedSecretState {
    name: string;
    /** Key names, or undefined when the Secret does not exist. */
    keys?: string[];
    /** Hashes of the values by key (never printed; compared with the probe's file hashes). */
    hashes?: Record<string, string>;
}

export interface AppDelivery {
    app: string;
    namespace: string;
    identity: string;
    syncMechanism: string;
    pods: PodState[];
    report?: ProbeReport;
    secrets: SyncedSecretState[];
    /** The Mounts the stand-in saw for this app's objects, first (pod start) to last (rotation polls). */
    mounts?: MountRequests[];
    /** Disagreements between files, synced Secrets and env vars (empty when everything matches). */
    problems: string[];
}

/**
 * Where files, synced Secrets and env vars disagree. Opaque Secret keys must hash like the file they name (a synced
 * Secret's `objectName` is a file name: `objectAlias` or `objectName`, `name/N` for version history);
 * TLS keys are parts of their file, so only their presence is checked. An env var must hash like the Secret key it
 * names. A SecretSync app's Secrets come from the sync controller (on the local node, its stand-in) like any other.
 */
export function deliveryProblems(app: ApplicationConfig, report: ProbeReport | undefined, secrets: SyncedSecretState[]): string[] {
    const problems: string[] = [];
    // a SecretSync app's pods mount the volume only with mountFiles: true; the driver's need it to sync
    const mounts = app.mountFiles ?? app.syncMechanism !== "secretSync";
    if (!report) {
        return ["the probe printed no report"];
    }
    if (mounts) {
        for (const object of app.objects) {
            const file = object.objectAlias ?? object.objectName;
            const present = Object.keys(report.files ?? {}).some((name) => name === file || name.startsWith(`${file}/`));
            if (!present) {
                problems.push(`file ${file} is not in the volume`);
            }
        }
    } else if (report.files !== null) {
        problems.push("the pod mounts a secrets volume although mountFiles is false");
    }
    for (const synced of app.syncedSecrets) {
        const state = secrets.find((secret) => secret.name === synced.secretName);
        if (!state?.keys) {
            problems.push(`Secret ${synced.secretName} was not synced`);
            continue;
        }
        for (const entry of synced.data) {
            if (!state.keys.includes(entry.key)) {
                problems.push(`Secret ${synced.secretName} has no key ${entry.key}`);
            } else if (synced.type === "Opaque" && mounts && report.files && report.files[entry.objectName] !== state.hashes?.[entry.key]) {
                problems.push(`Secret ${synced.secretName} key ${entry.key} differs from file ${entry.objectName}`);
            }
        }
    }
    for (const env of app.env) {
        const state = secrets.find((secret) => secret.name === env.secretName);
        if (!(env.name in report.env)) {
            problems.push(`env ${env.name} is not set`);
        } else if (state?.hashes && report.env[env.name] !== state.hashes[env.key]) {
            problems.push(`env ${env.name} differs from Secret ${env.secretName} key ${env.key}`);
        }
    }
    return problems;
}

/** One line of the stand-in's request log (no values, no tokens in it). */
export interface StandInRequest {
    time: string;
    service: string;
    method: string;
    host: string;
    path?: string;
    /** The query's parameter names (never their values). */
    query?: string[];
    vault?: string;
    object?: string;
    clientId?: string;
    status: number;
}

/** The stand-in's request log. */
export function readRequestLog(file: string): StandInRequest[] {
    if (!fs.existsSync(file)) {
        return [];
    }
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line));
}

/** What one provider Mount sent: Key Vault reads (what the request budget counts), 401 challenges, token requests. */
export interface MountRequests {
    keyVault: number;
    challenges: number;
    tokens: number;
}

/** Requests closer than this belong to one Mount: a Mount takes tens of ms, the kubelet republishes every ~10 s. */
const MOUNT_GAP_MS = 2000;

/** What tells two requests of one Mount apart: one Mount sends each request once (its 401 challenge, then the read). */
function requestKey(entry: StandInRequest): string {
    return [entry.method, entry.path ?? entry.object, (entry.query ?? []).join("&"), entry.status].join(" ");
}

/**
 * The Mounts of one app, from the log: bursts of requests for its objects in its vault, each with the token
 * requests (Entra ID token endpoint or IMDS) its identity made during the burst. Object names must be the app's alone;
 * with a client ID, only that identity's reads count (a 401 challenge names no identity). A request the burst already
 * holds starts the next Mount: under load the kubelet's retry or a rotation poll can follow a Mount within the gap.
 */
export function mountRequests(
    log: readonly StandInRequest[],
    vault: string,
    objectNames: ReadonlySet<string>,
    clientId?: string,
): MountRequests[] {
    const bursts: StandInRequest[][] = [];
    const ours = (entry: StandInRequest) =>
        entry.service === "keyvault" &&
        entry.vault === vault &&
        entry.object !== undefined &&
        objectNames.has(entry.object) &&
        (entry.status === 401 || clientId === undefined || entry.clientId === clientId);
    for (const entry of log.filter(ours)) {
        const last = bursts[bursts.length - 1];
        const sameMount =
            last &&
            Date.parse(entry.time) - Date.parse(last[last.length - 1].time) < MOUNT_GAP_MS &&
            !last.some((earlier) => requestKey(earlier) === requestKey(entry));
        if (sameMount) {
            last.push(entry);
        } else {
            bursts.push([entry]);
        }
    }
    return bursts.map((burst) => {
        const [start, end] = [Date.parse(burst[0].time) - MOUNT_GAP_MS, Date.parse(burst[burst.length - 1].time)];
        const tokens = log.filter(
            (entry) =>
                (entry.service === "entra" || entry.service === "imds") &&
                entry.clientId !== undefined &&
                entry.clientId === clientId &&
                Date.parse(entry.time) >= start &&
                Date.parse(entry.time) <= end,
        );
        return {
            keyVault: burst.filter((entry) => entry.status !== 401).length,
            challenges: burst.filter((entry) => entry.status === 401).length,
            tokens: tokens.length,
        };
    });
}

type Condition = { type: string; status: string; lastTransitionTime?: string };

/** A pod's state from its object (pure). */
export function podState(pod: KubeObject): PodState {
    const conditions: Condition[] = pod.status?.conditions ?? [];
    const ready = conditions.find((condition) => condition.type === "Ready");
    const created = Date.parse(pod.metadata?.creationTimestamp ?? "");
    const readyAt = ready?.status === "True" && ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
    const waiting = (pod.status?.containerStatuses ?? [])
        .map((status: KubeObject) => status.state?.waiting)
        .filter(Boolean)
        .map((state: { reason?: string; message?: string }) => [state.reason, state.message].filter(Boolean).join(": "))[0];
    return {
        name: pod.metadata?.name,
        ready: ready?.status === "True",
        ...(Number.isFinite(readyAt) && Number.isFinite(created) ? { secondsToReady: Math.max(0, (readyAt - created) / 1000) } : {}),
        ...(waiting ? { waiting } : {}),
    };
}

/** The pods of an app's Deployment (by its selector). */
export async function appPods(kube: KubeClient, namespace: string, deployment: string): Promise<KubeObject[]> {
    const object = await kube.get(`/apis/apps/v1/namespaces/${namespace}/deployments/${deployment}`);
    const selector = Object.entries(object.spec.selector.matchLabels as Record<string, string>)
        .map(([key, value]) => `${key}=${value}`)
        .join(",");
    const list = await kube.get(`/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(selector)}`);
    return (list.items as KubeObject[])
        .filter((pod) => !pod.metadata.deletionTimestamp)
        .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
}

/** The latest warning event about a pod (e.g. FailedMount with the provider's error). */
export async function lastWarning(kube: KubeClient, namespace: string, pod: string): Promise<string | undefined> {
    const list = await kube.get(`/api/v1/namespaces/${namespace}/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${pod}`)}`);
    const warnings = (list.items as KubeObject[])
        .filter((event) => event.type === "Warning")
        .sort((a, b) => String(a.lastTimestamp ?? a.eventTime).localeCompare(String(b.lastTimestamp ?? b.eventTime)));
    const last = warnings.pop();
    return last ? `${last.reason}: ${last.message}` : undefined;
}

/** A synced Secret's key names and value hashes (values never leave this function). */
export async function syncedSecretState(kube: KubeClient, namespace: string, name: string): Promise<SyncedSecretState> {
    const secret = await kube.find(`/api/v1/namespaces/${namespace}/secrets/${name}`);
    if (!secret) {
        return { name };
    }
    const data: Record<string, string> = secret.data ?? {};
    return {
        name,
        keys: Object.keys(data).sort(),
        hashes: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, probeHash(Buffer.from(value, "base64"))])),
    };
}

/** Waits until every app that can start has all its pods Ready (or the deadline passes); never throws for a slow app. */
export async function waitForApps(
    kube: KubeClient,
    apps: Array<{ app: ApplicationConfig; deployment: string }>,
    timeoutMs: number,
): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        let waiting = false;
        for (const { app, deployment } of apps) {
            const object = await kube.find(`/apis/apps/v1/namespaces/${app.namespace}/deployments/${deployment}`);
            const wanted = object?.spec?.replicas ?? 1;
            if ((object?.status?.readyReplicas ?? 0) < wanted || (object?.status?.updatedReplicas ?? 0) < wanted) {
                waiting = true;
            }
        }
        if (!waiting || Date.now() > deadline) {
            return;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
    }
}

/** What reached one app's pods. */
export async function appDelivery(kube: KubeClient, app: ApplicationConfig, deployment: string): Promise<AppDelivery> {
    const pods = await appPods(kube, app.namespace, deployment);
    const states: PodState[] = [];
    let report: ProbeReport | undefined;
    for (const pod of pods) {
        const state = podState(pod);
        if (!state.ready && !state.waiting) {
            const warning = await lastWarning(kube, app.namespace, state.name);
            if (warning) {
                state.waiting = warning;
            }
        }
        states.push(state);
        if (state.ready && !report) {
            const log = await kube.request("GET", `/api/v1/namespaces/${app.namespace}/pods/${state.name}/log`);
            report = log.status === 200 && typeof log.body === "string" ? lastProbeReport(log.body) : undefined;
        }
    }
    const secrets = await Promise.all(app.syncedSecrets.map((secret) => syncedSecretState(kube, app.namespace, secret.secretName)));
    const ready = states.length > 0 && states.every((state) => state.ready);
    return {
        app: app.name,
        namespace: app.namespace,
        identity: app.identity.mode,
        syncMechanism: app.syncMechanism,
        pods: states,
        report,
        secrets,
        problems: ready ? deliveryProblems(app, report, secrets) : ["not all pods are Ready"],
    };
}

/** The printed evidence: per app, pods, files, synced Secrets and env vars (names and hashes only). */
export function formatDeliveries(deliveries: AppDelivery[]): string {
    const lines: string[] = ["== secrets delivered to the pods (names and hashes only, never values)"];
    for (const delivery of deliveries) {
        const ready = delivery.pods.filter((pod) => pod.ready);
        const times = ready.map((pod) => pod.secondsToReady).filter((value): value is number => value !== undefined);
        const [fastest, slowest] = [Math.min(...times).toFixed(0), Math.max(...times).toFixed(0)];
        const timing = times.length === 0 ? "" : `, Ready ${fastest === slowest ? fastest : `${fastest}-${slowest}`} s after creation`;
        lines.push(
            `${delivery.app} (namespace ${delivery.namespace}, identity ${delivery.identity}, sync ${delivery.syncMechanism}): ${ready.length}/${delivery.pods.length} pods Ready${timing}`,
        );
        for (const pod of delivery.pods.filter((entry) => !entry.ready)) {
            lines.push(`  pod ${pod.name} not Ready: ${pod.waiting ?? "no reason reported yet"}`);
        }
        if (delivery.report) {
            const files = delivery.report.files;
            lines.push(
                `  files: ${
                    files === null
                        ? "no secrets volume"
                        : Object.entries(files)
                              .map(([name, hash]) => `${name} ${hash}`)
                              .join(", ") || "none"
                }`,
            );
            const env = Object.entries(delivery.report.env);
            lines.push(`  env: ${env.length > 0 ? env.map(([name, hash]) => `${name} set ${hash}`).join(", ") : "no secret env vars"}`);
        }
        for (const secret of delivery.secrets) {
            lines.push(`  synced Secret ${secret.name}: ${secret.keys ? `keys ${secret.keys.join(", ")}` : "absent"}`);
        }
        if (delivery.mounts && delivery.mounts.length > 0) {
            const [first, ...later] = delivery.mounts;
            const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
            const describe = (mount: MountRequests) =>
                `${count(mount.keyVault, "Key Vault read")} + ${count(mount.challenges, "401 challenge")} + ${count(mount.tokens, "token request")}`;
            const rest =
                later.length === 0 ? "" : `; ${later.length} later (rotation polls): ${[...new Set(later.map(describe))].join(" / ")}`;
            lines.push(`  stand-in: first mount ${describe(first)}${rest}`);
        }
        lines.push(...delivery.problems.map((problem) => `  PROBLEM: ${problem}`));
    }
    return lines.join("\n");
}

/** The service-account issuer of the cluster (what federated credentials name). */
export async function serviceAccountIssuer(kube: KubeClient): Promise<string> {
    const discovery = await kube.get("/.well-known/openid-configuration");
    return discovery.issuer;
}

/** What the harness put into the stand-in: the vault, and the client ID each app reads with. */
export interface NodeSeed {
    vault: string;
    clientIds: Map<string, string>;
    requestLog: string;
}

/** Before `up`: the stand-in holds the apps' objects and identities, the credentials Secrets exist, the images are imported. */
export async function prepareNode(kube: KubeClient, node: LocalNode, config: StackConfig, log: (line: string) => void): Promise<NodeSeed> {
    const plan = keyVaultSeedPlan(config, await serviceAccountIssuer(kube));
    log(
        `Key Vault stand-in: vault ${plan.vault} with ${plan.objects.length} objects, ${plan.identities.length} identities (${plan.identities.map((identity) => identity.mode).join(", ")})`,
    );
    for (const skipped of plan.skipped) {
        log(`not served locally: app ${skipped.app}: ${skipped.reason}`);
    }
    const clientIds = new Map<string, string>();
    for (const identity of plan.identities) {
        if (identity.mode !== "servicePrincipal") {
            identity.apps.forEach((app) => clientIds.set(app, identity.clientId));
        }
    }
    for (const credential of seedKeyVault(node.standIn, plan)) {
        await kube.create(`/api/v1/namespaces/${credential.namespace}/secrets`, credentialSecretObject(credential));
        credential.apps.forEach((app) => clientIds.set(app, credential.clientId));
    }
    const images = [...new Set(config.applications.flatMap((app) => (app.deployment ? [app.deployment.image] : [])))].sort();
    log(`importing the probe image as ${images.join(", ")}`);
    node.importImages(images);
    return { vault: plan.vault, clientIds, requestLog: node.requestLog };
}

/** How long the main job waits for pods to be Ready: a first mount goes through the kubelet, driver, provider and stand-in. */
const READY_TIMEOUT_MS = 180_000;

/** After `up`: waits for the pods, then reads what reached them. `exported`: the stack's `applications` output. */
export async function awaitDeliveries(
    kube: KubeClient,
    config: StackConfig,
    exported: Record<string, { deployment?: string }>,
    seed: NodeSeed,
    log: (line: string) => void,
): Promise<AppDelivery[]> {
    const apps = config.applications.flatMap((app) => {
        const deployment = exported[app.name]?.deployment;
        return deployment ? [{ app, deployment }] : [];
    });
    log(`waiting for the pods of ${apps.length} apps to be Ready`);
    await waitForApps(kube, apps, READY_TIMEOUT_MS);
    const deliveries = await Promise.all(apps.map(({ app, deployment }) => appDelivery(kube, app, deployment)));
    const requests = readRequestLog(seed.requestLog);
    return deliveries.map((delivery) => {
        const app = apps.find((entry) => entry.app.name === delivery.app)?.app as ApplicationConfig;
        const objects = new Set(app.objects.map((object) => object.objectName));
        return { ...delivery, mounts: mountRequests(requests, seed.vault, objects, seed.clientIds.get(app.name)) };
    });
}

/** What `--keep` prints: how to rotate a secret in the stand-in and watch it arrive. */
export function rotationHelp(environment: Pick<LocalEnvironment, "node" | "stackOptions">, vault: string): string {
    const standIn = environment.node?.standIn;
    if (!standIn) {
        return "";
    }
    return [
        "== rotate a secret and watch it arrive",
        `  ${standIn.binary} add --content ${standIn.content} --vault ${vault} --kind secret --name orders-db-password`,
        "  (prints only the new version ID). Within the driver's rotation interval plus the kubelet's remount, the file",
        "  and the synced Secret change; env vars keep their value until the pod restarts:",
        `  KUBECONFIG=${environment.stackOptions.kubeconfig} kubectl -n orders logs deploy/orders-api -f`,
    ].join("\n");
}
