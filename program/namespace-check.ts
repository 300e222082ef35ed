import { ClusterReadError, getJson } from "./cluster-api";
import { ClusterCheck, inParallel } from "./cluster-checks";
import { ConfigProblem } from "./problems";
import { StackConfig } from "./schema";

/**
 * The preview's namespace check: an app whose namespace no app of the stack creates must find it in the cluster, or
 * `up` would delete the running objects of a moved app first (the Kubernetes provider deletes a fixed-name object
 * before it creates its replacement) and then fail on the missing namespace. Run by program/cluster-checks.ts.
 */

/** A namespace the stack uses but does not create, and the apps in it. */
export interface UncreatedNamespace {
    namespace: string;
    apps: Array<{ index: number; name: string }>;
}

/** The namespaces to look up: those of the apps that no app of the stack creates. Pure. */
export function namespacesToCheck(config: StackConfig): UncreatedNamespace[] {
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
 * The namespace check: one GET per namespace the stack uses and does not create; one problem per app in a missing
 * namespace.
 */
export function namespaceCheck(config: StackConfig): ClusterCheck {
    const checked = namespacesToCheck(config);
    return {
        async run(kubeconfig) {
            const answers = await inParallel(checked, async ({ namespace }) => {
                const answer = await getJson(kubeconfig, `/api/v1/namespaces/${encodeURIComponent(namespace)}`);
                if (answer.status !== 200 && answer.status !== 404) {
                    throw new ClusterReadError(`GET namespace ${namespace}: ${answer.status} ${answer.body?.message ?? ""}`.trim());
                }
                return answer.status === 404;
            });
            const missing = new Set(checked.filter((_, index) => answers[index]).map((entry) => entry.namespace));
            const where = `the cluster of context "${kubeconfig.getCurrentContext()}"`;
            return { problems: missingNamespaceProblems(checked, missing, where), warnings: [] };
        },
        unread: (reason) => (checked.length > 0 ? [unreadNamespacesWarning(checked, reason)] : []),
    };
}
