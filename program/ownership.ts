import * as pulumi from "@pulumi/pulumi";
import type { KubeConfig } from "@kubernetes/client-node";
import { getJson } from "./cluster-api";
import { ClusterCheck, ClusterFindings, inParallel } from "./cluster-checks";
import { KubernetesObjectPlan } from "./kubernetes-objects";
import { ConfigProblem, KeyPath } from "./problems";
import { StackConfig } from "./schema";

/**
 * One owner per Kubernetes object. Every object the program creates carries the annotation below, naming its stack.
 * Before declaring anything, the preview reads each object the stack would declare (program/cluster-checks.ts) and
 * refuses to take over one that another stack owns, or that no stack made, unless the app adopts it (`adoptExisting`). Server-side apply would otherwise take such an object over without a word, and the
 * other stack's `destroy` would then delete it from under this one.
 */

/** The annotation naming the stack (`organization/project/stack`) that owns an object. */
export const OWNER_STACK_ANNOTATION = "aks-keyvault-secrets/owner-stack";

/** This run's stack as the annotation names it. */
export function ownerStack(): string {
    return `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
}

/** One object the stack would declare: where it is read and which app's key it answers to. */
export interface OwnedObject {
    /** `Kind/namespace/name`, or `Namespace/name`. */
    object: string;
    /** The API path of the object. */
    apiPath: string;
    app: string;
    /** Index of the app in `applications`. */
    index: number;
    path: KeyPath;
}

const API_PATHS: Readonly<Record<string, (namespace: string, name: string) => string>> = {
    Namespace: (name) => `/api/v1/namespaces/${name}`,
    ServiceAccount: (namespace, name) => `/api/v1/namespaces/${namespace}/serviceaccounts/${name}`,
    Deployment: (namespace, name) => `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`,
    SecretProviderClass: (namespace, name) => `/apis/secrets-store.csi.x-k8s.io/v1/namespaces/${namespace}/secretproviderclasses/${name}`,
    SecretSync: (namespace, name) => `/apis/secret-sync.x-k8s.io/v1alpha1/namespaces/${namespace}/secretsyncs/${name}`,
};

/**
 * The objects the stack declares itself (not the Secrets the driver or a sync controller writes), from the object
 * plan, plus the SecretSyncs of `secretSync` apps. Pure.
 */
export function ownedObjects(config: StackConfig, plan: KubernetesObjectPlan): OwnedObject[] {
    const indexOf = new Map(config.applications.map((app, index) => [app.name, index]));
    const declared = plan.declarations.filter((declaration) => !declaration.object.startsWith("Secret/"));
    const syncs = config.applications.flatMap((app, index) =>
        app.syncMechanism === "secretSync"
            ? [...app.syncedSecrets, ...(app.additionalVaults ?? []).flatMap((vault) => vault.syncedSecrets)].map((secret) => ({
                  object: `SecretSync/${app.namespace}/${secret.secretName}`,
                  app: app.name,
                  path: ["applications", index, "syncedSecrets"] as KeyPath,
              }))
            : [],
    );
    return [...declared, ...syncs].map((entry) => {
        const [kind, ...rest] = entry.object.split("/");
        const apiPath = rest.length === 1 ? API_PATHS[kind](rest[0], rest[0]) : API_PATHS[kind](rest[0], rest[1]);
        return { ...entry, apiPath, index: indexOf.get(entry.app) ?? 0 };
    });
}

/** What the cluster holds of one object: absent, or its owner annotation and labels. */
export type ExistingObject = { exists: false } | { exists: true; owner?: string; labels: Record<string, string> };

/**
 * Holds each object against what the cluster has (pure): another stack's is refused; one no stack made is refused
 * unless its app adopts it; one this program made before it wrote the annotation (our labels, the same app) is taken
 * over with a warning.
 */
export function ownershipFindings(
    objects: readonly OwnedObject[],
    existing: ReadonlyMap<string, ExistingObject>,
    me: string,
    adopting: ReadonlySet<string>,
): ClusterFindings {
    const findings: ClusterFindings = { problems: [], warnings: [] };
    for (const object of objects) {
        const found = existing.get(object.object);
        if (!found?.exists || found.owner === me) {
            continue;
        }
        const what = object.object.replace("/", " ");
        const at = (message: string, fix: string): ConfigProblem => ({ path: object.path, context: `app "${object.app}"`, message, fix });
        if (found.owner) {
            findings.problems.push(
                at(
                    `${what} exists and stack ${found.owner} owns it; taking it over would make the two stacks overwrite each other, and destroying either would delete it`,
                    object.object.startsWith("Namespace/")
                        ? `set createNamespace: false and let stack ${found.owner} keep the namespace`
                        : `use another name, or remove the object from stack ${found.owner} first`,
                ),
            );
        } else if (found.labels["app.kubernetes.io/managed-by"] === "pulumi" && found.labels["app.kubernetes.io/name"] === object.app) {
            findings.warnings.push(
                at(
                    `${what} was made by this program before it recorded the owning stack; this stack takes it over and records itself`,
                    "nothing, unless another stack also declares it: then remove it from one of them",
                ),
            );
        } else if (!adopting.has(object.app)) {
            findings.problems.push(
                at(
                    `${what} exists and no stack of this program made it (written by hand or by another tool); up would take it over silently`,
                    `set adoptExisting: true on app "${object.app}" to take it over, or use another name`,
                ),
            );
        }
    }
    return findings;
}

/** The objects' state in the cluster, one GET each; throws when the cluster can't be read. */
async function readExisting(objects: readonly OwnedObject[], kubeconfig: KubeConfig): Promise<Map<string, ExistingObject>> {
    const answers = await inParallel(objects, async (object): Promise<ExistingObject> => {
        const answer = await getJson(kubeconfig, object.apiPath);
        if (answer.status === 404) {
            return { exists: false };
        }
        if (answer.status !== 200) {
            throw new Error(`GET ${object.apiPath}: ${answer.status} ${answer.body?.message ?? ""}`.trim());
        }
        const metadata = answer.body?.metadata ?? {};
        return { exists: true, owner: metadata.annotations?.[OWNER_STACK_ANNOTATION], labels: metadata.labels ?? {} };
    });
    return new Map(objects.map((object, index) => [object.object, answers[index]]));
}

/** The ownership check: refuses every object the stack would take over from another stack or from no stack. */
export function ownershipCheck(config: StackConfig, plan: KubernetesObjectPlan, me: string = ownerStack()): ClusterCheck {
    const objects = ownedObjects(config, plan);
    const adopting = new Set(config.applications.filter((app) => app.adoptExisting).map((app) => app.name));
    return {
        run: async (kubeconfig) => ownershipFindings(objects, await readExisting(objects, kubeconfig), me, adopting),
        unread: (reason) => [
            {
                path: ["cluster"],
                message: `the cluster could not be read (${reason}), so no object was checked for another owner`,
                fix: "give the preview a kubeconfig that reaches the cluster with get on the objects it declares",
            },
        ],
    };
}
