/**
 * A minimal Kubernetes REST client for the local API server (CA + bearer token kubeconfig, as written by
 * scripts/local-cluster.sh): enough to create namespaces and read objects back in the end-to-end test.
 */
import * as fs from "fs";
import * as https from "https";
import * as YAML from "yaml";

export interface KubeResponse {
    status: number;
    body: any;
}

export class KubeClient {
    private readonly server: URL;
    private readonly ca: Buffer;
    private readonly token: string;

    constructor(kubeconfigPath: string) {
        const config = YAML.parse(fs.readFileSync(kubeconfigPath, "utf8"));
        const cluster = config.clusters[0].cluster;
        this.server = new URL(cluster.server);
        this.ca = Buffer.from(cluster["certificate-authority-data"], "base64");
        this.token = config.users[0].user.token;
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
                    ca: this.ca,
                    timeout: 10_000,
                    headers: {
                        authorization: `Bearer ${this.token}`,
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

    async get(apiPath: string): Promise<any> {
        const response = await this.request("GET", apiPath);
        if (response.status !== 200) {
            throw new Error(`GET ${apiPath}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
        }
        return response.body;
    }

    /** The object, or undefined when it does not exist. */
    async find(apiPath: string): Promise<any | undefined> {
        const response = await this.request("GET", apiPath);
        if (response.status === 404) {
            return undefined;
        }
        if (response.status !== 200) {
            throw new Error(`GET ${apiPath}: HTTP ${response.status}`);
        }
        return response.body;
    }

    async ensureNamespace(name: string): Promise<void> {
        const response = await this.request("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name } });
        if (response.status !== 201 && response.status !== 409) {
            throw new Error(`creating namespace ${name}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
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
