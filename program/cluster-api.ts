/**
 * Reading a cluster's API as kubectl does: the kubeconfig loaded by @kubernetes/client-node (KUBECONFIG or
 * ~/.kube/config, a named context, tokens, client certificates and exec plugins such as kubelogin on AKS), then plain
 * GETs. Used by the preview's namespace check and by doctor.
 */
import * as http from "http";
import * as https from "https";
import type { KubeConfig } from "@kubernetes/client-node";

/** The cluster could not be read: the kubeconfig, the context, the connection or a permission. */
export class ClusterReadError extends Error {}

/** The API server's untyped JSON, read field by field below. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one name for the API server's untyped JSON
export type Json = any;

/** How the caller's user fixes each kind of kubeconfig problem: they end its messages. */
export interface KubeConfigHints {
    /** The file can't be loaded. */
    file: string;
    /** The named context is not in it. */
    context: string;
    /** The context names no cluster. */
    cluster: string;
}

/**
 * The kubeconfig as kubectl reads it: `kubeconfig` (a file), else KUBECONFIG or ~/.kube/config; `context`, else the
 * current one. Throws ClusterReadError with the caller's hint.
 */
export async function loadKubeConfig(options: { kubeconfig?: string; context?: string }, hints: KubeConfigHints): Promise<KubeConfig> {
    // Loaded here, not at start: the other commands never need it (an ES module, required from CommonJS).
    const { KubeConfig: Loader } = await import("@kubernetes/client-node");
    const config = new Loader();
    // The Kubernetes provider's `kubernetes:kubeconfig` holds a file's path or its contents (YAML, or JSON on one line).
    const given = options.kubeconfig;
    const isText = given !== undefined && (given.includes("\n") || given.trimStart().startsWith("{"));
    try {
        if (isText) {
            config.loadFromString(given);
        } else if (given) {
            config.loadFromFile(given);
        } else {
            config.loadFromDefault();
        }
    } catch (error) {
        throw new ClusterReadError(
            `can't load the kubeconfig ${isText ? "given as text" : (given ?? process.env.KUBECONFIG ?? "~/.kube/config")}: ${(error as Error).message}; ${hints.file}`,
        );
    }
    if (options.context) {
        if (!config.getContexts().some((context) => context.name === options.context)) {
            throw new ClusterReadError(
                `the kubeconfig has no context "${options.context}" (it has ${
                    config
                        .getContexts()
                        .map((context) => context.name)
                        .join(", ") || "none"
                }); ${hints.context}`,
            );
        }
        config.setCurrentContext(options.context);
    }
    if (!config.getCurrentCluster()) {
        throw new ClusterReadError(`the kubeconfig's context "${config.getCurrentContext()}" names no cluster; ${hints.cluster}`);
    }
    return config;
}

/** One GET of the API server's JSON (http for a plain local server, https otherwise), with the kubeconfig's credentials. */
export async function getJson(config: KubeConfig, path: string, accept = "application/json"): Promise<{ status: number; body: Json }> {
    const cluster = config.getCurrentCluster() as { server: string };
    const url = new URL(cluster.server.replace(/\/$/, "") + path);
    const options: https.RequestOptions = { method: "GET", headers: { Accept: accept } };
    await config.applyToHTTPSOptions(options);
    return await new Promise((resolve, reject) => {
        const request = (url.protocol === "http:" ? http.request : https.request)(url, options, (response) => {
            let text = "";
            response.setEncoding("utf8");
            response.on("data", (chunk) => (text += chunk));
            response.on("end", () => {
                try {
                    resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : {} });
                } catch {
                    resolve({ status: response.statusCode ?? 0, body: { message: text.slice(0, 200) } });
                }
            });
        });
        request.setTimeout(30_000, () => request.destroy(new Error(`no answer from ${cluster.server} within 30 s`)));
        request.on("error", reject);
        request.end();
    });
}
