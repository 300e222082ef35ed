/**
 * The diagnosis of `aks-keyvault-secrets doctor`: from what it read of a cluster (facts.ts) and, when given, the
 * stack's outputs, per app one state (pods mounted, last rotation, synced Secrets and their owners) and each failure
 * with its cause and its fix. Pure: no I/O, no clock (the facts carry the time they were read).
 */
import {
    ApplicationOutput,
    ClassFact,
    ClusterFacts,
    CSI_DRIVER_NAME,
    EventFact,
    PodFact,
    PodStatusFact,
    SecretFact,
    StackOutputs,
} from "./facts";
import { MessageCause, ObjectRef, recogniseMessage, shortMessage } from "./messages";

/** The causes doctor recognises. */
export const CAUSE_IDS = [
    "addon-not-enabled",
    "role-missing",
    "object-not-found",
    "federated-credential-mismatch",
    "class-missing",
    "env-without-mount",
    "secret-sync-pending",
    "akv2k8s-secret-name",
    "throttled",
    "keyvault-unanswered",
    "pod-not-ready",
    "mount-error",
] as const;
export type CauseId = (typeof CAUSE_IDS)[number];

/** One failure: what went wrong (with the message it was read from), and what to do. */
export interface Cause {
    id: CauseId;
    /** The pods it was seen on (empty for a cause of the cluster or a Secret). */
    pods: string[];
    /** One line: which identity, object, class or Secret, and what happened. */
    cause: string;
    /** What to do, commands included. */
    fix: string;
    /** The provider's or kubelet's words it was read from (first line, wrapping removed). */
    message?: string;
}

export interface SyncedSecretState {
    name: string;
    present: boolean;
    keys: string[];
    /** `Kind/name` of each owner reference. */
    owners: string[];
    /**
     * `driver` when the CSI driver wrote it (its `secrets-store.csi.k8s.io/managed` label), `sync-controller` when the
     * secrets-store-sync-controller did (its label and a SecretSync owner), `akv2k8s` when akv2k8s owns it.
     */
    writtenBy: string[];
}

export interface AppReport {
    app: string;
    namespace: string;
    classes: string[];
    status: "healthy" | "failing";
    pods: Array<{ name: string; ready: boolean; mounted: boolean }>;
    /** The first mount among the app's pods (their pod statuses' creation). */
    mountedSince?: string;
    /** The newest time the driver wrote a new version (a pod status written after its creation), if any. */
    lastRotated?: string;
    /** The versions the driver last wrote, by object id (`secret/name`); several when pods disagree. */
    versions: Record<string, string[]>;
    syncedSecrets: SyncedSecretState[];
    causes: Cause[];
}

export interface DoctorReport {
    context: string;
    checkedAt: string;
    healthy: boolean;
    csiDriver: boolean;
    /** Causes of the cluster as a whole (the addon). */
    clusterCauses: Cause[];
    apps: AppReport[];
}

export interface DiagnoseOptions {
    /** The stack's outputs: which app owns which classes, the vault's ID, the OIDC issuer. */
    outputs?: StackOutputs;
    /** Only this namespace's apps. */
    namespace?: string;
    /** How old a warning of a Ready pod may be and still count (its mount or rotation failing now): 300 s by default. */
    recentSeconds?: number;
}

/** Kubelet's mount retry backs off to 2m2s, and a failing rotation warns every poll: 5 minutes sees both. */
export const DEFAULT_RECENT_SECONDS = 300;

const WARNING_REASONS = new Set(["FailedMount", "MountRotationFailed", "SecretRotationFailed"]);

/** The least-privileged role for a Key Vault data action (as the library grants it, components/key-vault-access/roles.ts). */
function roleFor(action: string | undefined, objectType: string | undefined): string {
    if (action ? /\/secrets\//.test(action) : objectType === "secret") {
        return "Key Vault Secrets User";
    }
    return "Key Vault Certificate User";
}

const COLLECTIONS: Record<string, string> = { secret: "secrets", key: "keys", cert: "certificates" };

interface AppGroup {
    app: string;
    namespace: string;
    classes: string[];
    deployment?: string;
    syncedSecrets: string[];
    clientId?: string;
}

/** Apps from the stack outputs, or one per class (and per class that pods name but that does not exist). */
function appGroups(facts: ClusterFacts, outputs: StackOutputs | undefined): AppGroup[] {
    if (outputs?.applications) {
        return Object.entries(outputs.applications).map(([app, out]: [string, ApplicationOutput]) => ({
            app,
            namespace: out.namespace,
            classes: [out.secretProviderClass, ...(out.additionalSecretProviderClasses ?? [])],
            ...(out.deployment ? { deployment: out.deployment } : {}),
            syncedSecrets: out.syncedSecrets ?? [],
            ...(out.clientId ? { clientId: out.clientId } : {}),
        }));
    }
    const groups = facts.classes.map((spc) => ({
        app: spc.name,
        namespace: spc.namespace,
        classes: [spc.name],
        syncedSecrets: [
            ...spc.syncedSecrets,
            ...facts.secretSyncs.filter((sync) => sync.namespace === spc.namespace && sync.className === spc.name).map((sync) => sync.name),
        ],
    }));
    for (const pod of facts.pods) {
        for (const name of pod.csiClasses) {
            if (!groups.some((group) => group.namespace === pod.namespace && group.classes.includes(name))) {
                groups.push({ app: name, namespace: pod.namespace, classes: [name], syncedSecrets: [] });
            }
        }
    }
    return groups;
}

function podsOf(group: AppGroup, facts: ClusterFacts): PodFact[] {
    return facts.pods.filter(
        (pod) =>
            pod.namespace === group.namespace &&
            (pod.csiClasses.some((name) => group.classes.includes(name)) ||
                (group.deployment !== undefined && pod.owner?.startsWith(`ReplicaSet/${group.deployment}-`) === true) ||
                pod.envSecrets.some((secret) => group.syncedSecrets.includes(secret))),
    );
}

function eventsOf(pod: PodFact, facts: ClusterFacts, recentSeconds: number): EventFact[] {
    const now = Date.parse(facts.now);
    return facts.events
        .filter((event) => event.namespace === pod.namespace && event.podName === pod.name && (!event.podUid || event.podUid === pod.uid))
        .filter((event) => WARNING_REASONS.has(event.reason))
        .filter((event) => {
            const volume = /for volume "([^"]+)"/.exec(event.message)?.[1];
            return volume === undefined || pod.csiVolumes.includes(volume);
        })
        .filter((event) => !pod.ready || now - Date.parse(event.lastSeen) <= recentSeconds * 1000)
        .sort((a, b) => Date.parse(b.lastSeen) - Date.parse(a.lastSeen));
}

function objectText(object: ObjectRef | undefined, vault: string | undefined): string {
    if (!object) {
        return vault ? `vault ${vault}` : "the vault";
    }
    return `${object.type} "${object.name}"${object.version ? ` version ${object.version}` : ""}${vault ? ` of vault ${vault}` : ""}`;
}

function vaultScope(vault: string | undefined, outputs: StackOutputs | undefined): string {
    const id = outputs?.platform?.keyVaultId;
    if (id && (!vault || id.toLowerCase().endsWith(`/${vault.toLowerCase()}`))) {
        return id;
    }
    return `$(az keyvault show --name ${vault ?? "<vault>"} --query id --output tsv)`;
}

/** The cause and fix of one recognised message, for a pod of a class. */
function causeOf(
    found: MessageCause,
    pod: PodFact,
    spc: ClassFact | undefined,
    facts: ClusterFacts,
    outputs: StackOutputs | undefined,
    raw: string,
): Omit<Cause, "pods"> {
    const message = shortMessage(raw);
    const vault =
        (found.kind === "forbidden" || found.kind === "not-found" || found.kind === "throttled" || found.kind === "unanswered"
            ? found.vault
            : undefined) ?? spc?.parameters.keyvaultName;
    switch (found.kind) {
        case "forbidden": {
            const identity = found.appId ?? spc?.parameters.clientID ?? spc?.parameters.userAssignedIdentityID ?? "the class's identity";
            const role = roleFor(found.action, found.object?.type);
            const [, collection, name] = /\/(secrets|keys|certificates)\/([^/']+)$/.exec(found.resource ?? "") ?? [];
            const objectScope = found.object
                ? `${COLLECTIONS[found.object.type] ?? "secrets"}/${found.object.name}`
                : collection
                  ? `${collection}/${name}`
                  : "";
            const scope = found.resource?.startsWith("/subscriptions/")
                ? found.resource
                : `${vaultScope(vault, outputs)}${objectScope ? `/${objectScope}` : ""}`;
            const assignee = found.objectId
                ? `--assignee-object-id ${found.objectId} --assignee-principal-type ServicePrincipal`
                : `--assignee ${identity}`;
            if (found.accessPolicy) {
                return {
                    id: "role-missing",
                    cause: `Key Vault ${vault ?? ""} refused identity ${identity}: the vault uses access policies, and none lets it read ${objectText(found.object, undefined)}`,
                    fix: `switch the vault to RBAC (az keyvault update --name ${vault ?? "<vault>"} --enable-rbac-authorization true) and grant ${role}: az role assignment create --role "${role}" ${assignee} --scope ${scope}`,
                    message,
                };
            }
            return {
                id: "role-missing",
                cause: `Key Vault refused identity ${identity} (403${found.action ? ` on ${found.action.replace(/^Microsoft\.KeyVault\/vaults\//, "")}` : ""}) reading ${objectText(found.object, vault)}: it has no role on ${objectScope || "the vault"}`,
                fix: `az role assignment create --role "${role}" ${assignee} --scope ${scope} (a new role assignment can take up to 10 minutes to reach Key Vault; the kubelet retries the mount meanwhile)`,
                message,
            };
        }
        case "not-found": {
            const type = found.object?.type ?? "secret";
            const azType = type === "cert" ? "certificate" : type;
            const name = found.object?.name ?? "<name>";
            return {
                id: "object-not-found",
                cause: `Key Vault ${vault ?? ""} holds no ${objectText(found.object, undefined)}${found.code ? ` (${found.code})` : ""}${spc ? `, which class ${spc.namespace}/${spc.name} names` : ""}`,
                fix: `create it (az keyvault ${azType} ${azType === "secret" ? "set" : "create"} --vault-name ${vault ?? "<vault>"} --name ${name} ...), recover it if it was deleted (az keyvault ${azType} recover --vault-name ${vault ?? "<vault>"} --name ${name}), or remove it from the app's objects and pulumi up`,
                message,
            };
        }
        case "federated-credential": {
            const clientId = spc?.parameters.clientID ?? "<client ID>";
            const expectedSubject = `system:serviceaccount:${pod.namespace}:${pod.serviceAccount}`;
            const issuer = outputs?.platform?.oidcIssuerUrl;
            const presented = [
                found.subject ? `subject ${found.subject}` : undefined,
                found.issuer ? `issuer ${found.issuer}` : undefined,
                found.audience ? `audience ${found.audience}` : undefined,
            ].filter((part) => part !== undefined);
            const expected = [
                `subject ${expectedSubject}`,
                `issuer ${issuer ?? "the cluster's OIDC issuer"}`,
                "audience api://AzureADTokenExchange",
            ];
            return {
                id: "federated-credential-mismatch",
                cause: `Entra ID refused the pod's token for identity ${clientId} (${found.code}): no federated credential of that identity matches; the pod presented ${presented.length > 0 ? presented.join(", ") : "its ServiceAccount token"}; a credential must have ${expected.join(", ")}`,
                fix: `compare with az identity federated-credential list --identity-name <name of identity ${clientId}> --resource-group <its group>, then az identity federated-credential create --name ${pod.namespace}-${pod.serviceAccount} --identity-name <name> --resource-group <its group> --issuer ${issuer ?? `"$(az aks show --name <cluster> --resource-group <group> --query oidcIssuerProfile.issuerUrl --output tsv)"`} --subject ${expectedSubject} --audiences api://AzureADTokenExchange (or set the app's serviceAccountName to the one the credential names)`,
                message,
            };
        }
        case "throttled":
            return {
                id: "throttled",
                cause: `Key Vault ${vault ?? ""} throttled the provider (429 Too Many Requests) reading ${objectText(found.object, undefined)}: the vault's request limit is shared by every pod, rotation poll and other reader`,
                fix: `lower the reads: a longer rotation poll (az aks addon update --addon azure-keyvault-secrets-provider --name <cluster> --resource-group <group> --enable-secret-rotation --rotation-poll-interval 5m), fewer objects per class, or spread apps over several vaults (the preview warns when a vault nears its limit); the kubelet retries the mount`,
                message,
            };
        case "class-missing":
            return classMissingCause(pod, found.className, facts, message);
        case "driver-missing":
            return addonCause(message);
        case "secret-not-found":
        case "unanswered":
            return { ...unansweredCause(vault, "the mount timed out"), message };
        case "other":
            return {
                id: "mount-error",
                cause: `the mount of ${spc ? `class ${spc.namespace}/${spc.name}` : "the CSI volume"} fails: ${message}`,
                fix: "read the pod's events (kubectl describe pod) and the provider's log",
                message,
            };
    }
}

/**
 * A vault (or Entra ID) that takes the request and never answers: the provider waits, the kubelet's CSI call gives up
 * after 2 minutes with DeadlineExceeded, and only then is there an event. `what` says what was seen.
 */
function unansweredCause(vault: string | undefined, what: string): Omit<Cause, "pods"> {
    const host = vault ? `${vault}.vault.azure.net` : "<vault>.vault.azure.net";
    return {
        id: "keyvault-unanswered",
        cause: `${what}: Key Vault${vault ? ` ${vault}` : ""} or Entra ID did not answer the Azure provider (a broken network path: DNS, a firewall, a private endpoint, a proxy)`,
        fix: `check the nodes' route to https://${host} and https://login.microsoftonline.com (kubectl debug node/<node> -it --image=busybox -- nslookup ${host}; any HTTP answer from the vault, even 401, means the path works); the provider's log (kubectl logs -n kube-system -l app=secrets-store-provider-azure) names the request; the kubelet retries the mount`,
    };
}

/** How long a pod may wait for its CSI volume, with nothing reported, before doctor says the vault does not answer. */
export const MOUNT_UNANSWERED_SECONDS = 45;

function addonCause(message?: string): Omit<Cause, "pods"> {
    return {
        id: "addon-not-enabled",
        cause: `the cluster has no CSIDriver ${CSI_DRIVER_NAME}: the azure-keyvault-secrets-provider addon (or the Secrets Store CSI driver) is not installed, so no pod can mount a class`,
        fix: "az aks enable-addons --addons azure-keyvault-secrets-provider --name <cluster> --resource-group <group> (or set the cluster's keyVaultSecretsProvider addon in the stack and pulumi up)",
        ...(message ? { message } : {}),
    };
}

function classMissingCause(pod: PodFact, className: string, facts: ClusterFacts, message?: string): Omit<Cause, "pods"> {
    const elsewhere = facts.classes.filter((spc) => spc.name === className && spc.namespace !== pod.namespace).map((spc) => spc.namespace);
    return {
        id: "class-missing",
        cause: `pod ${pod.namespace}/${pod.name} mounts class "${className}", which namespace ${pod.namespace} does not hold${elsewhere.length > 0 ? ` (namespace${elsewhere.length > 1 ? "s" : ""} ${elsewhere.join(", ")} ${elsewhere.length > 1 ? "hold" : "holds"} one of that name; a pod reads only its own namespace's classes)` : ""}`,
        fix: `declare the class in namespace ${pod.namespace} (the app's namespace in the stack config) and pulumi up, or run the pod in ${elsewhere[0] ?? "the class's namespace"}`,
        ...(message ? { message } : {}),
    };
}

function isAkv2k8s(secret: SecretFact): boolean {
    return (
        secret.owners.some((owner) => owner.kind === "AzureKeyVaultSecret" || owner.apiVersion.startsWith("spv.no/")) ||
        secret.managers.some((manager) => /akv2k8s|azurekeyvaultcontroller|azure-keyvault-controller/i.test(manager)) ||
        Object.keys(secret.labels).some((label) => label.startsWith("spv.no/"))
    );
}

/**
 * The secrets-store-sync-controller labels every Secret it applies `secrets-store.sync.x-k8s.io` (empty value) and
 * makes its SecretSync the owner (its `serverSidePatchSecret`); the label alone could be copied by hand.
 */
function isSyncController(secret: SecretFact): boolean {
    return (
        "secrets-store.sync.x-k8s.io" in secret.labels &&
        secret.owners.some((owner) => owner.kind === "SecretSync" && owner.apiVersion.startsWith("secret-sync.x-k8s.io/"))
    );
}

function syncedSecretStates(group: AppGroup, classes: ClassFact[], facts: ClusterFacts): SyncedSecretState[] {
    const names = [...new Set([...group.syncedSecrets, ...classes.flatMap((spc) => spc.syncedSecrets)])];
    return names.map((name) => {
        const secret = facts.secrets.find((candidate) => candidate.namespace === group.namespace && candidate.name === name);
        if (!secret) {
            return { name, present: false, keys: [], owners: [], writtenBy: [] };
        }
        const writtenBy = [
            ...(secret.labels["secrets-store.csi.k8s.io/managed"] === "true" ? ["driver"] : []),
            ...(isSyncController(secret) ? ["sync-controller"] : []),
            ...(isAkv2k8s(secret) ? ["akv2k8s"] : []),
        ];
        return { name, present: true, keys: secret.keys, owners: secret.owners.map((owner) => `${owner.kind}/${owner.name}`), writtenBy };
    });
}

function latest(times: string[]): string | undefined {
    return times.length > 0 ? times.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b)) : undefined;
}

function earliest(times: string[]): string | undefined {
    return times.length > 0 ? times.reduce((a, b) => (Date.parse(a) <= Date.parse(b) ? a : b)) : undefined;
}

/** Merges causes that read the same (one line for all the pods of a Deployment). */
function merged(causes: Cause[]): Cause[] {
    const byText = new Map<string, Cause>();
    for (const cause of causes) {
        const key = `${cause.id}\n${cause.cause.replace(/pod [^/\s]+\/\S+ /, "pod ")}`;
        const known = byText.get(key);
        if (known) {
            known.pods = [...new Set([...known.pods, ...cause.pods])];
        } else {
            byText.set(key, { ...cause, pods: [...cause.pods] });
        }
    }
    return [...byText.values()];
}

function diagnoseApp(group: AppGroup, facts: ClusterFacts, options: DiagnoseOptions): AppReport {
    const classes = facts.classes.filter((spc) => spc.namespace === group.namespace && group.classes.includes(spc.name));
    const pods = podsOf(group, facts);
    const statuses: PodStatusFact[] = facts.podStatuses.filter(
        (status) =>
            status.namespace === group.namespace &&
            group.classes.includes(status.className) &&
            pods.some((pod) => pod.name === status.podName),
    );
    const syncedSecrets = syncedSecretStates(group, classes, facts);
    const causes: Cause[] = [];
    const recent = options.recentSeconds ?? DEFAULT_RECENT_SECONDS;

    for (const pod of pods) {
        const podCauses: Cause[] = [];
        const add = (cause: Omit<Cause, "pods">) => podCauses.push({ ...cause, pods: [pod.name] });
        for (const name of pod.csiClasses.filter((candidate) => group.classes.includes(candidate))) {
            if (!facts.classes.some((spc) => spc.namespace === pod.namespace && spc.name === name)) {
                add(classMissingCause(pod, name, facts));
            }
        }
        const events = eventsOf(pod, facts, recent);
        const newestByReason = new Map<string, EventFact>();
        for (const event of events) {
            if (!newestByReason.has(event.reason)) {
                newestByReason.set(event.reason, event);
            }
        }
        for (const event of newestByReason.values()) {
            const found = recogniseMessage(event.message);
            const known = podCauses.find((cause) => cause.id === "class-missing");
            if (found.kind === "class-missing" && known) {
                known.message = shortMessage(event.message);
                continue;
            }
            const spc = classes.find((candidate) => pod.csiClasses.includes(candidate.name));
            const cause = causeOf(found, pod, spc, facts, options.outputs, event.message);
            add(event.reason === "FailedMount" ? cause : { ...cause, cause: `${event.reason}: ${cause.cause}` });
        }
        for (const waiting of pod.waiting) {
            const found = recogniseMessage(waiting.message);
            if (found.kind === "secret-not-found") {
                add(missingSecretCause(pod, found.secretName, group, facts));
            } else if (podCauses.length === 0 && waiting.reason !== "ContainerCreating") {
                add({
                    id: "pod-not-ready",
                    cause: `container waits: ${waiting.reason}: ${waiting.message}`,
                    fix: "kubectl describe pod; this is not a Key Vault cause",
                });
            }
        }
        const waitingFor = secondsBetween(pod.created, facts.now);
        const unmounted = pod.csiClasses.filter(
            (name) =>
                group.classes.includes(name) &&
                !statuses.some((status) => status.podName === pod.name && status.className === name && status.mounted),
        );
        if (
            !pod.ready &&
            podCauses.length === 0 &&
            unmounted.length > 0 &&
            waitingFor !== undefined &&
            waitingFor >= MOUNT_UNANSWERED_SECONDS &&
            pod.waiting.every((waiting) => waiting.reason === "ContainerCreating")
        ) {
            const spc = classes.find((candidate) => candidate.name === unmounted[0]);
            add(
                unansweredCause(
                    spc?.parameters.keyvaultName,
                    `the pod has waited ${waitingFor} s for class ${unmounted[0]}'s volume with no mount and no error`,
                ),
            );
        }
        if (!pod.ready && podCauses.length === 0) {
            const mounting = pod.csiClasses.some((name) => group.classes.includes(name));
            add({
                id: "pod-not-ready",
                cause: `pod not Ready${mounting ? " and no mount error reported yet" : ""}${pod.waiting[0] ? ` (${pod.waiting[0].reason})` : ""}`,
                fix: "run doctor again in a minute; if it stays, kubectl describe pod",
            });
        }
        causes.push(...podCauses);
    }
    for (const secret of syncedSecrets.filter((state) => state.writtenBy.includes("akv2k8s"))) {
        causes.push({
            id: "akv2k8s-secret-name",
            pods: [],
            cause: `synced Secret ${group.namespace}/${secret.name} is also written by akv2k8s (owner ${secret.owners.join(", ")}): the two overwrite each other's values`,
            fix: `give the synced Secret another name (syncedSecrets[].secretName, e.g. ${secret.name}-csi) and point the app's env at it, or delete the AzureKeyVaultSecret that writes it once no workload reads it; aks-keyvault-secrets check-names refuses such names before pulumi up`,
        });
    }
    const all = merged(causes);
    const created = statuses.map((status) => status.created);
    const rotated = statuses
        .filter((status) => Date.parse(status.updated) - Date.parse(status.created) >= 1000)
        .map((status) => status.updated);
    const versions: Record<string, string[]> = {};
    for (const status of statuses) {
        for (const object of status.objects) {
            versions[object.id] = [...new Set([...(versions[object.id] ?? []), object.version])];
        }
    }
    const mountedSince = earliest(created);
    const lastRotated = latest(rotated);
    return {
        app: group.app,
        namespace: group.namespace,
        classes: group.classes,
        status: all.length === 0 && pods.length > 0 ? "healthy" : "failing",
        pods: pods.map((pod) => ({
            name: pod.name,
            ready: pod.ready,
            mounted: statuses.some((status) => status.podName === pod.name && status.mounted),
        })),
        ...(mountedSince ? { mountedSince } : {}),
        ...(lastRotated ? { lastRotated } : {}),
        versions,
        syncedSecrets,
        causes: pods.length === 0 ? [...all, noPodsCause(group)] : all,
    };
}

/** Whole seconds from `from` to `to` (ISO times); undefined without `from`. */
function secondsBetween(from: string | undefined, to: string): number | undefined {
    return from === undefined ? undefined : Math.floor((Date.parse(to) - Date.parse(from)) / 1000);
}

function noPodsCause(group: AppGroup): Cause {
    return {
        id: "pod-not-ready",
        pods: [],
        cause: `no pod ${group.deployment ? `of Deployment ${group.namespace}/${group.deployment} ` : ""}mounts class ${group.classes.join(", ")} in namespace ${group.namespace}`,
        fix: "a class does nothing until a pod mounts it: check the Deployment (kubectl get deploy,rs,pods) and its volumes",
    };
}

function missingSecretCause(pod: PodFact, secretName: string, group: AppGroup, facts: ClusterFacts): Omit<Cause, "pods"> {
    const sync = facts.secretSyncs.find((candidate) => candidate.namespace === pod.namespace && candidate.name === secretName);
    if (sync) {
        const waits = `pod waits for Secret ${secretName}, which SecretSync ${pod.namespace}/${sync.name} (class ${sync.className})`;
        const conditions = `kubectl get secretsync -n ${pod.namespace} ${sync.name} -o yaml shows its status conditions`;
        const message = `secret "${secretName}" not found`;
        if (sync.failure) {
            return {
                id: "secret-sync-pending",
                cause: `${waits} should write; the sync controller's last attempt failed (${sync.failure.type} ${sync.failure.reason}: ${sync.failure.message})`,
                fix: `repair what the condition names (${conditions}); the controller retries with backoff and at every poll, see docs/secret-sync.md`,
                message,
            };
        }
        if (sync.lastSynced) {
            // The controller compares a hash of the data, the class and the SecretSync with the one it last wrote, not
            // the Secret itself: a Secret deleted since stays absent until one of those changes.
            return {
                id: "secret-sync-pending",
                cause: `${waits} last wrote at ${sync.lastSynced}; the Secret is gone since, and the sync controller writes it again only when a value, the class or the SecretSync changes`,
                fix: `kubectl patch secretsync -n ${pod.namespace} ${sync.name} --type merge -p "{\\"spec\\":{\\"forceSynchronization\\":\\"$(date +%s)\\"}}" (a new forceSynchronization makes it sync again), see docs/secret-sync.md`,
                message,
            };
        }
        return {
            id: "secret-sync-pending",
            cause: `${waits} should write; no sync controller has written it`,
            fix: `install and run the secrets-store-sync-controller (${conditions}), see docs/secret-sync.md`,
            message,
        };
    }
    const owner = facts.classes.find((spc) => spc.namespace === pod.namespace && spc.syncedSecrets.includes(secretName));
    const mounts = owner ? pod.csiClasses.includes(owner.name) : pod.csiClasses.length > 0;
    if (owner && !mounts) {
        return {
            id: "env-without-mount",
            cause: `pod reads env from synced Secret ${secretName} of class ${owner.name} but mounts no CSI volume of that class: the driver writes a synced Secret only while a pod mounts the volume, so it never appears`,
            fix: `mount the class in this pod (a csi volume, driver ${CSI_DRIVER_NAME}, volumeAttributes.secretProviderClass: ${owner.name}, and a volumeMount), as AppWorkload does; for your own pod template use attachKeyVaultSecrets`,
            message: `secret "${secretName}" not found`,
        };
    }
    return {
        id: "env-without-mount",
        cause: `pod reads env from Secret ${secretName}, which does not exist${group.syncedSecrets.includes(secretName) || owner ? " yet: it appears once the pod's CSI volume mounts (see the mount's cause)" : " and no class in the namespace syncs it"}`,
        fix: owner
            ? "fix the mount first; the Secret follows within seconds"
            : `name a Secret a class of namespace ${pod.namespace} syncs (secretObjects), and mount that class in the pod`,
        message: `secret "${secretName}" not found`,
    };
}

/** The whole diagnosis. */
export function diagnose(facts: ClusterFacts, options: DiagnoseOptions = {}): DoctorReport {
    const groups = appGroups(facts, options.outputs).filter((group) => !options.namespace || group.namespace === options.namespace);
    const apps = groups
        .map((group) => diagnoseApp(group, facts, options))
        .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.app.localeCompare(b.app));
    const clusterCauses: Cause[] = facts.csiDriver ? [] : [{ ...addonCause(), pods: [] }];
    if (!facts.csiDriver) {
        for (const app of apps) {
            app.causes = app.causes.filter(
                (cause) => cause.id !== "mount-error" && cause.id !== "addon-not-enabled" && cause.id !== "pod-not-ready",
            );
            app.causes.push({
                id: "addon-not-enabled",
                pods: app.pods.map((pod) => pod.name),
                cause: "no CSI driver on the cluster (see above)",
                fix: "enable the addon (see above)",
            });
            app.status = "failing";
        }
    }
    return {
        context: facts.context,
        checkedAt: facts.now,
        healthy: clusterCauses.length === 0 && apps.every((app) => app.status === "healthy"),
        csiDriver: facts.csiDriver,
        clusterCauses,
        apps,
    };
}
