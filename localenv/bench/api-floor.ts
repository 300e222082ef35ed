/**
 * The benchmark's physical floor: the program's own Kubernetes objects created straight through the API server
 * (one keep-alive HTTPS agent, a fixed number of requests in flight), with no engine, provider or SDK between.
 * `pulumi up` cannot be faster than creating its objects; `pulumi preview` cannot be faster than asking the API
 * server to check them (server-side dry run, which the Kubernetes provider also does in preview).
 */
import * as https from "https";
import { KubeClient } from "../harness/kube";
import { RecordedResource } from "./flat-replay";

/** A Kubernetes object as the API server takes it. */
export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string };
    [field: string]: unknown;
}

/** Where to POST objects of one kind, from the API server's discovery. */
interface Collection {
    plural: string;
    namespaced: boolean;
}

const KUBERNETES_TYPE = /^kubernetes:/;
/** Pulumi marks a secret value in state with this key (the engine's secret signature). */
const SECRET_SIGNATURE_KEY = "4dabf18193072939515e22adb298388d";

/** A state value with Pulumi's secret wrappers replaced by the values they wrap. */
export function unwrapSecrets(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(unwrapSecrets);
    }
    if (typeof value === "object" && value !== null) {
        const record = value as Record<string, unknown>;
        if (SECRET_SIGNATURE_KEY in record) {
            return unwrapSecrets(record.value);
        }
        return Object.fromEntries(Object.entries(record).map(([key, inner]) => [key, unwrapSecrets(inner)]));
    }
    return value;
}

/** The Kubernetes objects among a stack's recorded resources, namespaces first (the others may live in them). */
export function kubernetesObjects(recorded: RecordedResource[]): KubeObject[] {
    const objects = recorded
        .filter((resource) => KUBERNETES_TYPE.test(resource.type))
        .map((resource) => unwrapSecrets(resource.inputs) as KubeObject);
    return [...objects.filter((object) => object.kind === "Namespace"), ...objects.filter((object) => object.kind !== "Namespace")];
}

function apiPrefix(apiVersion: string): string {
    return apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** The collection path of an object, e.g. `/apis/apps/v1/namespaces/orders/deployments`. */
export function collectionPath(object: KubeObject, collection: Collection): string {
    const namespace = collection.namespaced ? `/namespaces/${object.metadata.namespace ?? "default"}` : "";
    return `${apiPrefix(object.apiVersion)}${namespace}/${collection.plural}`;
}

/** Runs `work` on every item with at most `inFlight` running at once; rejects on the first failure. */
export async function inParallel<T>(items: T[], inFlight: number, work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            await work(items[next++]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, items.length) }, worker));
}

/** Requests in flight the floor is measured with: one at a time, and as many as the engine keeps busy. */
export const API_FLOOR_IN_FLIGHT = [1, 4, 16];

export interface ApiFloorMeasurement {
    /** Objects created (or checked). */
    objects: number;
    /** Requests in flight. */
    inFlight: number;
    /** Seconds to create every object (`up` floor). */
    create: number;
    /** Seconds for a server-side dry run of every create (`preview` floor). */
    dryRun: number;
}

/** Creates, dry-runs and deletes objects straight through one API server, timing the creates and the dry runs. */
export class ApiFloor {
    private readonly kube: KubeClient;
    private readonly agent: https.Agent;
    private readonly discovered = new Map<string, Promise<Map<string, Collection>>>();

    constructor(kubeconfigPath: string) {
        this.agent = new https.Agent({ keepAlive: true, maxSockets: 64 });
        this.kube = new KubeClient(kubeconfigPath, this.agent);
    }

    /** The collections of a group version by kind (asked once per group version). */
    private collections(apiVersion: string): Promise<Map<string, Collection>> {
        let found = this.discovered.get(apiVersion);
        if (!found) {
            found = this.kube
                .get(apiPrefix(apiVersion))
                .then(
                    (list: { resources: Array<{ name: string; kind: string; namespaced: boolean }> }) =>
                        new Map(
                            list.resources
                                .filter((resource) => !resource.name.includes("/"))
                                .map((resource) => [resource.kind, { plural: resource.name, namespaced: resource.namespaced }]),
                        ),
                );
            this.discovered.set(apiVersion, found);
        }
        return found;
    }

    private async pathOf(object: KubeObject): Promise<string> {
        const collection = (await this.collections(object.apiVersion)).get(object.kind);
        if (!collection) {
            throw new Error(`the API server serves no ${object.kind} in ${object.apiVersion}`);
        }
        return collectionPath(object, collection);
    }

    private async post(object: KubeObject, dryRun: boolean): Promise<void> {
        const where = `${await this.pathOf(object)}${dryRun ? "?dryRun=All" : ""}`;
        const response = await this.kube.request("POST", where, object);
        if (response.status !== 201 && response.status !== 200) {
            throw new Error(`POST ${where} ${object.metadata.name}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
        }
    }

    private objectPaths(objects: KubeObject[]): Promise<string[]> {
        return Promise.all(objects.map(async (object) => `${await this.pathOf(object)}/${object.metadata.name}`));
    }

    /** Waits until the API server no longer has any of the objects (a stack's destroy may still be collecting them). */
    private async waitGone(objects: KubeObject[], inFlight: number): Promise<void> {
        const deadline = Date.now() + 120_000;
        await inParallel(await this.objectPaths(objects), inFlight, async (objectPath) => {
            while ((await this.kube.find(objectPath)) !== undefined) {
                if (Date.now() > deadline) {
                    throw new Error(`${objectPath} still exists after 120 s`);
                }
                await new Promise((resolve) => setTimeout(resolve, 200));
            }
        });
    }

    /** Deletes the objects (others before namespaces) and waits until they are gone. */
    private async remove(objects: KubeObject[], inFlight: number): Promise<void> {
        const reversed = [...objects].reverse();
        await inParallel(await this.objectPaths(reversed), inFlight, (objectPath) =>
            this.kube.delete(`${objectPath}?propagationPolicy=Background`),
        );
        await this.waitGone(reversed, inFlight);
    }

    /**
     * Waits until none of the objects exists, times a dry run of every create, then the creates (namespaces first), then
     * deletes everything again.
     */
    async measure(objects: KubeObject[], inFlight: number): Promise<ApiFloorMeasurement> {
        await this.waitGone(objects, inFlight);
        const namespaces = objects.filter((object) => object.kind === "Namespace");
        const others = objects.filter((object) => object.kind !== "Namespace");
        const timed = async (work: () => Promise<void>) => {
            const started = process.hrtime.bigint();
            await work();
            return Number(process.hrtime.bigint() - started) / 1e9;
        };
        // Objects in a namespace that does not exist yet fail even in a dry run, so the namespaces are created before
        // the other objects' dry run; each phase counts toward the floor it belongs to.
        const namespacesDryRun = await timed(() => inParallel(namespaces, inFlight, (object) => this.post(object, true)));
        const namespacesCreate = await timed(() => inParallel(namespaces, inFlight, (object) => this.post(object, false)));
        const othersDryRun = await timed(() => inParallel(others, inFlight, (object) => this.post(object, true)));
        const othersCreate = await timed(() => inParallel(others, inFlight, (object) => this.post(object, false)));
        const dryRun = namespacesDryRun + othersDryRun;
        const create = namespacesCreate + othersCreate;
        await this.remove(objects, inFlight);
        return { objects: objects.length, inFlight, create, dryRun };
    }

    close(): void {
        this.agent.destroy();
    }
}
