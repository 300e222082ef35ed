/**
 * The Kubernetes provider's client-side rate limit. pulumi-kubernetes paces its API client at 50 requests/s with a
 * burst of 100 unless told otherwise, and every object costs at least one request in `preview` (a server-side dry
 * run) and in `up`: past about 100 objects each one waits for the limiter, which spread the 1500 objects of the
 * 500-app local stack over 28 s of a 30 s `preview` (docs/performance.md). The engine already bounds the requests in flight
 * (`--parallel`), and the API server protects itself with priority and fairness (429 and Retry-After, which the
 * client obeys), so a provider made with these settings allows far more than the engine sends. The program's own
 * provider uses them; give them to yours: `new k8s.Provider(name, { kubeconfig, kubeClientSettings: kubernetesClientSettings(process.env) })`.
 */
import * as k8s from "@pulumi/kubernetes";

/** Requests per second and burst for the provider's client, unless the environment sets them. */
export const KUBERNETES_CLIENT_RATE = { qps: 500, burst: 1000 } as const;

/** The environment variables pulumi-kubernetes (provider and SDK) reads for the same two settings. */
export const KUBERNETES_CLIENT_RATE_ENV = { qps: "PULUMI_K8S_CLIENT_QPS", burst: "PULUMI_K8S_CLIENT_BURST" } as const;

/**
 * The `kubeClientSettings` for a Kubernetes provider: KUBERNETES_CLIENT_RATE, except where the environment
 * sets `PULUMI_K8S_CLIENT_QPS` or `PULUMI_K8S_CLIENT_BURST`; those fields are left out, so the SDK fills them from
 * the environment as it does for any provider (a negative QPS turns the client's limiter off).
 */
export function kubernetesClientSettings(env: Readonly<Record<string, string | undefined>>): k8s.types.input.KubeClientSettings {
    const fromEnvironment = (setting: keyof typeof KUBERNETES_CLIENT_RATE) => (env[KUBERNETES_CLIENT_RATE_ENV[setting]] ?? "") !== "";
    return {
        ...(fromEnvironment("qps") ? {} : { qps: KUBERNETES_CLIENT_RATE.qps }),
        ...(fromEnvironment("burst") ? {} : { burst: KUBERNETES_CLIENT_RATE.burst }),
    };
}
