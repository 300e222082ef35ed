import * as pulumi from "@pulumi/pulumi";
import { diagnose, DoctorReport } from "./diagnosis/diagnose";
import { ClusterFacts } from "./diagnosis/facts";
import { ReadClusterOptions, readCluster } from "./diagnosis/read-cluster";
import { KubernetesProviderConfig, kubernetesProviderConfig } from "./cluster-checks";
import { StackConfig } from "./schema";

/**
 * `up` says why a pod waits. The Kubernetes provider awaits a Deployment for up to 10 minutes and prints only
 * `containers with unready status`; the cause (a 403, a missing object, a federated credential's subject) is in a
 * FailedMount event. So during `up` of an external cluster's stack the program reads its apps' namespaces every
 * `MOUNT_WATCH_INTERVAL_MS`, diagnoses them as `doctor` does, and prints each failing pod's cause and fix once, as a
 * warning on the app, when two reads in a row found it (a pod that is merely starting is not reported).
 */

/** How often the watch reads the cluster: a cause shows within two reads, well under a minute. */
export const MOUNT_WATCH_INTERVAL_MS = 15_000;

/** Causes of a pod that is still starting, or that doctor reads without a mount failure; not printed during `up`. */
const NOT_A_MOUNT_FAILURE = new Set(["pod-not-ready"]);

/** One line to print: the app it is about and the text. */
export interface MountWaitMessage {
    app: string;
    text: string;
}

/**
 * The causes of the stack's apps in one report, each as `key` (pod and cause, to print once) and its message.
 * Pure.
 */
export function mountWaitCauses(report: DoctorReport, apps: ReadonlySet<string>): Map<string, MountWaitMessage> {
    const found = new Map<string, MountWaitMessage>();
    for (const app of report.apps.filter((entry) => apps.has(entry.app) && entry.status === "failing")) {
        for (const cause of app.causes.filter((candidate) => !NOT_A_MOUNT_FAILURE.has(candidate.id))) {
            const pods = cause.pods.length > 0 ? cause.pods : [""];
            for (const pod of pods) {
                found.set(`${app.namespace}/${pod}/${cause.id}`, {
                    app: app.app,
                    text:
                        `app "${app.app}"${pod ? ` pod ${pod}` : ""} waits: ${cause.cause}. Fix: ${cause.fix}. ` +
                        `(aks-keyvault-secrets doctor --namespace ${app.namespace} shows every app)`,
                });
            }
        }
    }
    return found;
}

/**
 * Watches while the program runs: timers are unref'd, so the watch never keeps the program alive after its
 * resources are done. Returns a stop function. `read` is the cluster reader (tests pass their own).
 */
export function watchMounts(
    config: StackConfig,
    provider: KubernetesProviderConfig = kubernetesProviderConfig(),
    print: (message: MountWaitMessage) => void = (message) => pulumi.log.warn(message.text),
    read: (options: ReadClusterOptions) => Promise<ClusterFacts> = readCluster,
    intervalMs = MOUNT_WATCH_INTERVAL_MS,
): () => void {
    const apps = new Set(config.applications.map((app) => app.name));
    const namespaces = [...new Set(config.applications.map((app) => app.namespace))];
    let previous = new Map<string, MountWaitMessage>();
    const printed = new Set<string>();
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const poll = async () => {
        const current = new Map<string, MountWaitMessage>();
        for (const namespace of namespaces) {
            try {
                const facts = await read({ ...provider, namespace });
                for (const [key, message] of mountWaitCauses(diagnose(facts, { namespace }), apps)) {
                    current.set(key, message);
                }
            } catch {
                // The watch only explains; a cluster it cannot read leaves `up` as it would be without it.
            }
        }
        for (const [key, message] of current) {
            if (!stopped && previous.has(key) && !printed.has(key)) {
                printed.add(key);
                print(message);
            }
        }
        previous = current;
        if (!stopped) {
            timer = setTimeout(() => void poll(), intervalMs);
            timer.unref();
        }
    };
    timer = setTimeout(() => void poll(), intervalMs);
    timer.unref();
    return () => {
        stopped = true;
        clearTimeout(timer);
    };
}

/**
 * Starts the watch for `up` (never in a preview) of a stack whose cluster the program reached before declaring
 * anything (`reached`: program/cluster-checks.ts), until `done` resolves: the apps' outputs, known once every
 * Deployment was awaited. A program that runs in a longer-lived process (the Automation API's inline programs) then
 * stops reading.
 */
export function watchMountsDuringUp(
    config: StackConfig,
    done: pulumi.Output<unknown>,
    reached: KubernetesProviderConfig | undefined,
): void {
    if (!pulumi.runtime.isDryRun() && reached) {
        const stop = watchMounts(config, reached);
        done.apply(() => stop());
    }
}
