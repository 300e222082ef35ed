import * as pulumi from "@pulumi/pulumi";
import type { TokenCredential } from "@azure/identity";
import type { KubeConfig } from "@kubernetes/client-node";
import { ClusterReadError, loadKubeConfig } from "./cluster-api";
import { AmbientSubscription, resourceManagerEndpoint } from "./identity-check";
import { ConfigProblem, StackConfigError, formatConfigProblem } from "./problems";
import { StackConfig } from "./schema";

/**
 * The preview's reads of the stack's cluster, in one pass: the kubeconfig is found once, the checks (namespaces,
 * owners, what running pods lose) read side by side, and every refusal of every check fails the preview at once.
 * An external cluster is read through the kubeconfig the Kubernetes provider uses; a cluster the stack creates or
 * reads through the user kubeconfig Resource Manager hands out for it (the program's own provider's, which is an
 * Output the preview cannot wait for), once the cluster exists. The platform's cluster of an app stack is not read.
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

/** An AKS cluster as Resource Manager knows it. */
export interface AzureCluster {
    subscriptionId: string;
    resourceGroupName: string;
    name: string;
    /** Resource Manager's endpoint. */
    endpoint: string;
}

/** Where the preview finds the stack's cluster: the Kubernetes provider's kubeconfig, or Resource Manager. */
export type ClusterSource = { kind: "kubeconfig"; provider: KubernetesProviderConfig } | ({ kind: "azure" } & AzureCluster);

/**
 * Where the program reads the stack's cluster before declaring anything, if it can. Pure. A created or existing
 * cluster needs a subscription (`azure.subscriptionId` or the provider's) and a resource group; an app stack's
 * platform cluster is never read.
 */
export function clusterSource(
    config: StackConfig,
    ambient: AmbientSubscription,
    provider: KubernetesProviderConfig = {},
): ClusterSource | undefined {
    const cluster = config.cluster;
    if (!cluster || config.platformStack) {
        return undefined;
    }
    if (cluster.mode === "external") {
        return { kind: "kubeconfig", provider };
    }
    const subscriptionId = config.azure?.subscriptionId ?? ambient.subscriptionId;
    const resourceGroupName = (cluster.mode === "existing" ? cluster.resourceGroupName : undefined) ?? config.azure?.resourceGroupName;
    if (!subscriptionId || !resourceGroupName) {
        return undefined;
    }
    return { kind: "azure", subscriptionId, resourceGroupName, name: cluster.name, endpoint: resourceManagerEndpoint(config) };
}

/**
 * The cluster's user kubeconfig from Resource Manager (`listClusterUserCredential`), as `credential`
 * (DefaultAzureCredential: the identity that runs the preview); undefined when the cluster does not exist yet (404).
 * Held in memory only. `clientOptions`: the SDK's HTTP options (tests). On an Entra ID cluster it runs kubelogin as
 * the Kubernetes provider does with the same kubeconfig, device-code login included (docs/vault-check.md).
 */
export async function azureClusterKubeconfig(
    cluster: AzureCluster,
    credential?: TokenCredential,
    clientOptions: Record<string, unknown> = {},
): Promise<string | undefined> {
    const [{ DefaultAzureCredential }, { ContainerServiceClient }, { refusalOf }] = await Promise.all([
        import("@azure/identity"),
        import("@azure/arm-containerservice"),
        import("../components/key-vault/read-identities"),
    ]);
    const endpoint = cluster.endpoint.replace(/\/+$/, "");
    const client = new ContainerServiceClient(credential ?? new DefaultAzureCredential(), cluster.subscriptionId, {
        ...clientOptions,
        endpoint,
        $host: endpoint,
        credentialScopes: [`${endpoint}/.default`],
    });
    let found: Awaited<ReturnType<typeof client.managedClusters.listClusterUserCredentials>>;
    try {
        found = await client.managedClusters.listClusterUserCredentials(cluster.resourceGroupName, cluster.name);
    } catch (error) {
        const refusal = refusalOf(error);
        if (refusal.status === 404) {
            return undefined;
        }
        const status = refusal.status === undefined ? "" : `${refusal.status} `;
        throw new ClusterReadError(
            `Resource Manager's user kubeconfig of cluster ${cluster.name} in ${cluster.resourceGroupName}: ${status}${refusal.reason}`,
        );
    }
    const value = found.kubeconfigs?.[0]?.value;
    if (!value) {
        throw new ClusterReadError(
            `Resource Manager returned no user kubeconfig for cluster ${cluster.name} in ${cluster.resourceGroupName}`,
        );
    }
    return Buffer.from(value).toString("utf8");
}

/** The Kubernetes provider config that reaches the source's cluster; undefined when the cluster does not exist yet. */
export async function reachCluster(
    source: ClusterSource,
    credential?: TokenCredential,
    clientOptions: Record<string, unknown> = {},
): Promise<KubernetesProviderConfig | undefined> {
    if (source.kind === "kubeconfig") {
        return source.provider;
    }
    const kubeconfig = await azureClusterKubeconfig(source, credential, clientOptions);
    return kubeconfig === undefined ? undefined : { kubeconfig };
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

/**
 * Runs the checks through one kubeconfig, which `reach` finds (undefined: no cluster yet, nothing to check); prints
 * every warning, then throws StackConfigError with every refusal. Returns how the cluster was reached, for the mount
 * watch; undefined when it was not.
 */
export async function checkAgainstCluster(
    checks: readonly ClusterCheck[],
    reach: () => Promise<KubernetesProviderConfig | undefined>,
): Promise<KubernetesProviderConfig | undefined> {
    let findings: ClusterFindings[];
    let reached: KubernetesProviderConfig | undefined;
    try {
        reached = await reach();
        if (!reached) {
            return undefined;
        }
        const kubeconfig = await loadKubeConfig(reached, HINTS);
        findings = await Promise.all(
            checks.map((check) =>
                check.run(kubeconfig).catch((error: unknown) => ({ problems: [], warnings: check.unread(reasonOf(error)) })),
            ),
        );
    } catch (error) {
        reached = undefined;
        findings = checks.map((check) => ({ problems: [], warnings: check.unread(reasonOf(error)) }));
    }
    for (const warning of findings.flatMap((found) => found.warnings)) {
        pulumi.log.warn(formatConfigProblem(warning));
    }
    const problems = findings.flatMap((found) => found.problems);
    if (problems.length > 0) {
        throw new StackConfigError(problems);
    }
    return reached;
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
