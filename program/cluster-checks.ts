import * as pulumi from "@pulumi/pulumi";
import type { KubeConfig } from "@kubernetes/client-node";
import { loadKubeConfig } from "./cluster-api";
import { ConfigProblem, StackConfigError, formatConfigProblem } from "./problems";
import { StackConfig } from "./schema";

/**
 * The preview's reads of the stack's cluster, in one pass: the kubeconfig is loaded once, the checks (namespaces,
 * owners, what running pods lose) read side by side, and every refusal of every check fails the preview at once.
 * Only an external cluster is read: a cluster this stack creates or reads from Azure, and the platform's cluster of
 * an app stack, are reached through Outputs the preview may not know.
 */

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

/** Whether the program can read the stack's cluster before declaring anything: an external one, of a platform stack. */
export function clusterIsReadable(config: StackConfig): boolean {
    return config.cluster?.mode === "external" && !config.platformStack;
}

/** What one check found: refusals fail the preview, warnings are printed. */
export interface ClusterFindings {
    problems: ConfigProblem[];
    warnings: ConfigProblem[];
}

/** One check against the cluster. */
export interface ClusterCheck {
    /** Reads what it needs through `kubeconfig`; throws when the cluster can't be read. */
    run(kubeconfig: KubeConfig): Promise<ClusterFindings>;
    /** What the user is told when the cluster can't be read (`reason`): the check is skipped, the preview goes on. */
    unread(reason: string): ConfigProblem[];
}

const HINTS = {
    file: "set KUBECONFIG or kubernetes:kubeconfig",
    context: "set kubernetes:context to one of those",
    cluster: "fix the kubeconfig",
};

/** The first line of an error, for a warning that says why a read failed. */
function reasonOf(error: unknown): string {
    return (error instanceof Error ? error.message : String(error)).split("\n")[0];
}

/** Runs the checks through one kubeconfig; prints every warning, then throws StackConfigError with every refusal. */
export async function checkAgainstCluster(checks: readonly ClusterCheck[], provider: KubernetesProviderConfig): Promise<void> {
    let findings: ClusterFindings[];
    try {
        const kubeconfig = await loadKubeConfig(provider, HINTS);
        findings = await Promise.all(
            checks.map((check) =>
                check.run(kubeconfig).catch((error: unknown) => ({ problems: [], warnings: check.unread(reasonOf(error)) })),
            ),
        );
    } catch (error) {
        findings = checks.map((check) => ({ problems: [], warnings: check.unread(reasonOf(error)) }));
    }
    for (const warning of findings.flatMap((found) => found.warnings)) {
        pulumi.log.warn(formatConfigProblem(warning));
    }
    const problems = findings.flatMap((found) => found.problems);
    if (problems.length > 0) {
        throw new StackConfigError(problems);
    }
}

/**
 * `work` on each item, at most `width` at a time (an API server throttles a client that opens hundreds of requests
 * at once); the results in the items' order. The first failure rejects.
 */
export async function inParallel<T, R>(items: readonly T[], work: (item: T) => Promise<R>, width = 8): Promise<R[]> {
    const results: R[] = new Array<R>(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const index = next++;
            results[index] = await work(items[index]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
    return results;
}
