/**
 * A minimal Kubernetes REST client for the local API server (as written by `localenv/localenv up`) or a cluster
 * the user names (kind, k3d, ...): enough to create namespaces, install CRDs and read objects back.
 * It reads the kubeconfig's current context: CA (data or file, or insecure-skip-tls-verify), bearer token (or token
 * file) or client certificate (data or file). Exec and auth-provider plugins are not supported.
 */
import * as fs from "fs";
import * as https from "https";
import * as path from "path";
import * as YAML from "yaml";

/**
 * A Kubernetes object or list as the API server sends it: JSON that the lab and the tests read by path and check by
 * what they assert; a type for every path they read would repeat the API's schema and catch nothing more.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one name for the API server's untyped JSON
export type KubeObject = any;

export interface KubeResponse {
    status: number;
    body: KubeObject;
}

/** The current context of a kubeconfig: its name, server and credentials, file references resolved. */
export interface KubeContext {
    name: string;
    server: string;
    ca?: Buffer;
    insecure: boolean;
    token?: string;
    cert?: Buffer;
    key?: Buffer;
}

/** A kubeconfig's cluster entry: the fields read here. */
interface KubeconfigCluster {
    server: string;
    "certificate-authority-data"?: unknown;
    "certificate-authority"?: unknown;
    "insecure-skip-tls-verify"?: unknown;
}

/** A kubeconfig's user entry: the fields read here. */
interface KubeconfigUser {
    token?: string;
    tokenFile?: unknown;
    exec?: unknown;
    "auth-provider"?: unknown;
    "client-certificate-data"?: unknown;
    "client-certificate"?: unknown;
    "client-key-data"?: unknown;
    "client-key"?: unknown;
}

function named<T>(list: Array<{ name: string } & T> | undefined, name: string, what: string): T {
    const found = (list ?? []).find((entry) => entry.name === name);
    if (!found) {
        throw new Error(`kubeconfig: no ${what} named "${name}"`);
    }
    return found;
}

/** Reads the current context of a kubeconfig file. */
export function readKubeContext(kubeconfigPath: string): KubeContext {
    const config = YAML.parse(fs.readFileSync(kubeconfigPath, "utf8"));
    const base = path.dirname(kubeconfigPath);
    const contextName: string = config["current-context"] ?? config.contexts?.[0]?.name;
    if (!contextName) {
        throw new Error(`${kubeconfigPath}: no current-context`);
    }
    const context = named<{ context: { cluster: string; user: string } }>(config.contexts, contextName, "context").context;
    const cluster = named<{ cluster: KubeconfigCluster }>(config.clusters, context.cluster, "cluster").cluster;
    const user: KubeconfigUser = named<{ user?: KubeconfigUser }>(config.users, context.user, "user").user ?? {};
    if (user.exec || user["auth-provider"]) {
        throw new Error(
            `${kubeconfigPath}: context "${contextName}" authenticates through a plugin; use a kubeconfig with a token or a client certificate`,
        );
    }
    const bytes = (data: unknown, file: unknown) =>
        typeof data === "string"
            ? Buffer.from(data, "base64")
            : typeof file === "string"
              ? fs.readFileSync(path.resolve(base, file))
              : undefined;
    return {
        name: contextName,
        server: cluster.server,
        ca: bytes(cluster["certificate-authority-data"], cluster["certificate-authority"]),
        insecure: cluster["insecure-skip-tls-verify"] === true,
        token:
            user.token ??
            (typeof user.tokenFile === "string" ? fs.readFileSync(path.resolve(base, user.tokenFile), "utf8").trim() : undefined),
        cert: bytes(user["client-certificate-data"], user["client-certificate"]),
        key: bytes(user["client-key-data"], user["client-key"]),
    };
}

export class KubeClient {
    private readonly server: URL;
    private readonly context: KubeContext;

    /** `agent`: the connection pool to use (the benchmark's API floor sets its own); default Node's global agent. */
    constructor(
        kubeconfigPath: string,
        private readonly agent?: https.Agent,
    ) {
        this.context = readKubeContext(kubeconfigPath);
        this.server = new URL(this.context.server);
    }

    request(method: string, apiPath: string, body?: unknown): Promise<KubeResponse> {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        return new Promise((resolve, reject) => {
            const request = https.request(
                {
                    hostname: this.server.hostname,
                    port: this.server.port,
                    path: apiPath,
                    method,
                    agent: this.agent,
                    ca: this.context.ca,
                    cert: this.context.cert,
                    key: this.context.key,
                    rejectUnauthorized: !this.context.insecure,
                    timeout: 10_000,
                    headers: {
                        ...(this.context.token ? { authorization: `Bearer ${this.context.token}` } : {}),
                        accept: "application/json",
                        ...(payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {}),
                    },
                },
                (response) => {
                    let text = "";
                    response.on("data", (chunk) => (text += chunk));
                    response.on("end", () => {
                        const json = String(response.headers["content-type"] ?? "").includes("json");
                        resolve({ status: response.statusCode ?? 0, body: json && text ? JSON.parse(text) : text || undefined });
                    });
                },
            );
            request.on("timeout", () => request.destroy(new Error(`${method} ${apiPath}: timed out`)));
            request.on("error", reject);
            if (payload) {
                request.write(payload);
            }
            request.end();
        });
    }

    async get(apiPath: string): Promise<KubeObject> {
        const response = await this.request("GET", apiPath);
        if (response.status !== 200) {
            throw new Error(`GET ${apiPath}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
        }
        return response.body;
    }

    /** The object, or undefined when it does not exist. */
    async find(apiPath: string): Promise<KubeObject | undefined> {
        const response = await this.request("GET", apiPath);
        if (response.status === 404) {
            return undefined;
        }
        if (response.status !== 200) {
            throw new Error(`GET ${apiPath}: HTTP ${response.status}`);
        }
        return response.body;
    }

    /** Creates the namespace unless it exists; true when this call created it. */
    async ensureNamespace(name: string): Promise<boolean> {
        return this.create("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name } });
    }

    /** Creates an object unless one of that name exists; true when this call created it. */
    async create(
        collectionPath: string,
        object: { apiVersion: string; kind: string; metadata: { name: string }; [field: string]: unknown },
    ): Promise<boolean> {
        const response = await this.request("POST", collectionPath, object);
        if (response.status !== 201 && response.status !== 409) {
            throw new Error(`creating ${collectionPath}/${object.metadata.name}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
        }
        return response.status === 201;
    }

    /** Deletes an object (background propagation); a missing one is fine. */
    async delete(objectPath: string): Promise<void> {
        const response = await this.request("DELETE", objectPath);
        if (response.status !== 200 && response.status !== 202 && response.status !== 404) {
            throw new Error(`DELETE ${objectPath}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
        }
    }

    /** Names of the objects of a namespaced collection, e.g. ("apps/v1", "deployments", "orders"), optionally by label. */
    async names(groupVersion: string, plural: string, namespace: string, labelSelector?: string): Promise<string[]> {
        const prefix = groupVersion === "v1" ? "/api/v1" : `/apis/${groupVersion}`;
        const query = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : "";
        const list = await this.get(`${prefix}/namespaces/${namespace}/${plural}${query}`);
        return (list.items as Array<{ metadata: { name: string } }>).map((item) => item.metadata.name).sort();
    }
}
