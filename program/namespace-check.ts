import * as pulumi from "@pulumi/pulumi";
import { ClusterReadError, getJson, loadKubeConfig } from "./cluster-api";
import { ConfigProblem, StackConfigError, formatConfigProblem } from "./problems";
import { StackConfig } from "./schema";

/**
 * The preview's namespace check: an app whose namespace no app of the stack creates must find it in the cluster, or
 * `up` would delete the running objects of a moved app first (the Kubernetes provider deletes a fixed-name object
 * before it creates its replacement) and then fail on the missing namespace. Read for an external cluster (the
 * ambient kubeconfig, the one the Kubernetes provider uses); a cluster this stack creates or reads from Azure, and the
 * platform's cluster of an app stack, are reached only through Outputs the preview may not know, so they are not read.
 */

/** A namespace the stack uses but does not create, and the apps in it. */
export interface UncreatedNamespace {
    namespace: string;
    apps: Array<{ index: number; name: string }>;
}

/** How the Kubernetes provider reaches the cluster: its `kubernetes:kubeconfig` and `kubernetes:context` config. */
export interface KubernetesProviderConfig {
    kubeconfig?: string;
    context?: string;
}

/** The default provider's config, as `pulumi` hands it to the program. */
export function kubernetesProviderConfig(): KubernetesProviderConfig {
    const config = new pulumi.Config("kubernetes");
    return { kubeconfig: config.get("kubeconfig"), context: config.get("context") };
}

/** The namespaces to look up: those of an external cluster's apps that no app of the stack creates. Pure. */
export function namespacesToCheck(config: StackConfig): UncreatedNamespace[] {
    if (config.cluster?.mode !== "external" || config.platformStack) {
        return [];
    }
    const created = new Set(config.applications.filter((app) => app.createNamespace).map((app) => app.namespace));
    const byNamespace = new Map<string, UncreatedNamespace>();
    config.applications.forEach((app, index) => {
        if (created.has(app.namespace)) {
            return;
        }
        const entry = byNamespace.get(app.namespace) ?? { namespace: app.namespace, apps: [] };
        entry.apps.push({ index, name: app.name });
        byNamespace.set(app.namespace, entry);
    });
    return [...byNamespace.values()];
}

/** One problem per app whose namespace the cluster lacks. Pure. */
export function missingNamespaceProblems(
    checked: readonly UncreatedNamespace[],
    missing: ReadonlySet<string>,
    where: string,
): ConfigProblem[] {
    return checked
        .filter((entry) => missing.has(entry.namespace))
        .flatMap((entry) =>
            entry.apps.map((app): ConfigProblem => ({
                path: ["applications", app.index, "namespace"],
                context: `app "${app.name}"`,
                message: `namespace "${entry.namespace}" does not exist in ${where} and no app of this stack creates it, so up would fail after deleting the app's running objects`,
                fix: `correct the name, create the namespace first, or set createNamespace: true on an app in it`,
            })),
        );
}

/** The warning when the cluster could not be read: the check is skipped, the preview goes on. */
export function unreadNamespacesWarning(checked: readonly UncreatedNamespace[], reason: string): ConfigProblem {
    return {
        path: ["cluster"],
        message: `the cluster could not be read (${reason}), so the namespaces ${checked.map((entry) => `"${entry.namespace}"`).join(", ")} were not checked to exist`,
        fix: "give the preview a kubeconfig that reaches the cluster (KUBECONFIG, or kubernetes:kubeconfig and kubernetes:context) with get on namespaces",
    };
}

/**
 * Runs the namespace check: one GET per namespace the stack uses and does not create; throws StackConfigError with
 * one problem per app in a missing namespace; an unreadable cluster is a warning.
 */
export async function checkNamespaces(config: StackConfig, provider: KubernetesProviderConfig = kubernetesProviderConfig()): Promise<void> {
    const checked = namespacesToCheck(config);
    if (checked.length === 0) {
        return;
    }
    const missing = new Set<string>();
    let where: string;
    try {
        const kubeconfig = await loadKubeConfig(provider, {
            file: "set KUBECONFIG or kubernetes:kubeconfig",
            context: "set kubernetes:context to one of those",
            cluster: "fix the kubeconfig",
        });
        where = `the cluster of context "${kubeconfig.getCurrentContext()}"`;
        for (const { namespace } of checked) {
            const answer = await getJson(kubeconfig, `/api/v1/namespaces/${encodeURIComponent(namespace)}`);
            if (answer.status === 404) {
                missing.add(namespace);
            } else if (answer.status !== 200) {
                throw new ClusterReadError(`GET namespace ${namespace}: ${answer.status} ${answer.body?.message ?? ""}`.trim());
            }
        }
    } catch (error) {
        pulumi.log.warn(formatConfigProblem(unreadNamespacesWarning(checked, (error as Error).message.split("\n")[0])));
        return;
    }
    const problems = missingNamespaceProblems(checked, missing, where);
    if (problems.length > 0) {
        throw new StackConfigError(problems);
    }
}
