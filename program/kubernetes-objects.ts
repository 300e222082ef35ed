import { ApplicationConfig } from "./schema";
import { ConfigProblem, KeyPath } from "./problems";

/**
 * The Kubernetes objects a stack declares, decided from plain config before any resource exists: each object
 * (kind, namespace, name) is declared by exactly one app, so two apps sharing a namespace or a ServiceAccount never
 * declare it twice. The declaring app is the first by name, so re-ordering apps changes nothing, and the object's
 * URN does not depend on which app declares it (see `namespaceResourceName` in components/workload).
 */

/** An app with its index in `applications`, for key paths. */
export interface IndexedApp {
    index: number;
    app: ApplicationConfig;
}

/** What one app declares of the objects it uses, and which apps declare the rest. */
export interface AppObjectPlan {
    createNamespace: boolean;
    createServiceAccount: boolean;
    /** The app that declares its namespace, when another app does. */
    namespaceFrom?: string;
    /** The app that declares its ServiceAccount, when another app does. */
    serviceAccountFrom?: string;
}

/** One object and the key that makes an app declare it. */
export interface Declaration {
    /** `Kind/namespace/name`, or `Namespace/name`. */
    object: string;
    path: KeyPath;
    app: string;
}

export interface KubernetesObjectPlan {
    /** Per app name. */
    apps: Map<string, AppObjectPlan>;
    /** What each app declares (shared objects once, by the app that declares them). */
    declarations: Declaration[];
    /** Every object the stack declares or makes the driver write, as `Kind/namespace/name` (namespaces `Namespace/name`), sorted. */
    objects: string[];
    /** Sharing that cannot work (a ServiceAccount carries one workload identity). */
    problems: ConfigProblem[];
}

/** The plan of one app of the plan's config (every app has one). */
export function appObjectPlan(plan: KubernetesObjectPlan, app: string): AppObjectPlan {
    const found = plan.apps.get(app);
    if (!found) {
        throw new Error(`no Kubernetes object plan for app "${app}": the plan was made from another config`);
    }
    return found;
}

export function serviceAccountOf(app: ApplicationConfig): string {
    return app.serviceAccountName ?? app.name;
}

/** What a ServiceAccount of this app would carry: none, an existing identity, or an identity the app creates. */
function serviceAccountIdentity(app: ApplicationConfig): string {
    if (app.identity.mode !== "workloadIdentity" && app.identity.mode !== "identityBinding") {
        return "none";
    }
    return app.identity.clientId ? `client ${app.identity.clientId.toLowerCase()}` : `managed ${app.name}`;
}

function byName(a: IndexedApp, b: IndexedApp): number {
    return a.app.name < b.app.name ? -1 : a.app.name > b.app.name ? 1 : 0;
}

function describeIdentity(app: ApplicationConfig): string {
    const identity = app.identity;
    if (identity.mode === "workloadIdentity") {
        return identity.clientId ? `workload identity ${identity.clientId}` : "a workload identity it creates";
    }
    if (identity.mode === "identityBinding") {
        return identity.clientId ? `bound identity ${identity.clientId}` : "an identity it creates and binds";
    }
    return `the ${identity.mode} identity`;
}

/** Which app declares each shared object, every object the stack makes, and the sharing that is refused. */
export function kubernetesObjectPlan(apps: readonly IndexedApp[]): KubernetesObjectPlan {
    const sorted = [...apps].sort(byName);
    const plan = new Map<string, AppObjectPlan>();
    // Two apps of one name (a problem reported elsewhere) share one entry, so the plan has one per name.
    const entryOf = (name: string): AppObjectPlan => {
        const entry = plan.get(name) ?? { createNamespace: false, createServiceAccount: false };
        plan.set(name, entry);
        return entry;
    };
    const declarations: Declaration[] = [];
    const problems: ConfigProblem[] = [];
    const declare = (object: string, { index, app }: IndexedApp, ...key: Array<string | number>) =>
        declarations.push({ object, path: ["applications", index, ...key], app: app.name });

    const namespaceOwner = new Map<string, string>();
    for (const indexed of sorted.filter(({ app }) => app.createNamespace)) {
        if (!namespaceOwner.has(indexed.app.namespace)) {
            namespaceOwner.set(indexed.app.namespace, indexed.app.name);
            declare(`Namespace/${indexed.app.namespace}`, indexed, "createNamespace");
        }
    }
    const accountOwner = new Map<string, IndexedApp>();
    for (const indexed of sorted) {
        const { app } = indexed;
        const account = `${app.namespace}/${serviceAccountOf(app)}`;
        const owner = accountOwner.get(account);
        const entry = entryOf(app.name);
        const declaresNamespace = namespaceOwner.get(app.namespace);
        entry.createNamespace = declaresNamespace === app.name;
        entry.namespaceFrom = declaresNamespace && declaresNamespace !== app.name ? declaresNamespace : undefined;
        if (!owner) {
            accountOwner.set(account, indexed);
            entry.createServiceAccount = true;
            declare(`ServiceAccount/${account}`, indexed, app.serviceAccountName === undefined ? "name" : "serviceAccountName");
        } else {
            entry.serviceAccountFrom = owner.app.name;
            const mine = serviceAccountIdentity(app);
            const theirs = serviceAccountIdentity(owner.app);
            if (mine.startsWith("managed") || theirs.startsWith("managed")) {
                problems.push({
                    path: ["applications", indexed.index, "serviceAccountName"],
                    context: `app "${app.name}"`,
                    message: `ServiceAccount ${account} is also used by app "${owner.app.name}", and ${mine.startsWith("managed") ? "this app" : `"${owner.app.name}"`} creates its own workload identity for it: the other app's pods would get that identity's Key Vault roles`,
                    fix: "give each app its own serviceAccountName, or let the apps share one existing identity (the same identity.clientId)",
                });
            } else if (mine !== theirs) {
                problems.push({
                    path: ["applications", indexed.index, "identity"],
                    context: `app "${app.name}"`,
                    message: `shares ServiceAccount ${account} with app "${owner.app.name}" but uses ${describeIdentity(app)} where "${owner.app.name}" uses ${describeIdentity(owner.app)}; a ServiceAccount carries one workload identity`,
                    fix: `use the same identity as "${owner.app.name}", or give this app its own serviceAccountName`,
                });
            }
        }
        declare(`SecretProviderClass/${app.namespace}/${app.name}`, indexed, "name");
        if (app.deployment) {
            declare(`Deployment/${app.namespace}/${app.name}`, indexed, "name");
        }
        app.syncedSecrets.forEach((secret, secretIndex) =>
            declare(`Secret/${app.namespace}/${secret.secretName}`, indexed, "syncedSecrets", secretIndex, "secretName"),
        );
        (app.additionalVaults ?? []).forEach((vault, vaultIndex) => {
            declare(
                `SecretProviderClass/${app.namespace}/${app.name}-${vault.name.toLowerCase()}`,
                indexed,
                "additionalVaults",
                vaultIndex,
                "name",
            );
            vault.syncedSecrets.forEach((secret, secretIndex) =>
                declare(
                    `Secret/${app.namespace}/${secret.secretName}`,
                    indexed,
                    "additionalVaults",
                    vaultIndex,
                    "syncedSecrets",
                    secretIndex,
                    "secretName",
                ),
            );
        });
    }
    return { apps: plan, declarations, objects: [...new Set(declarations.map((declaration) => declaration.object))].sort(), problems };
}

/** Problems for the objects this stack would declare that another stack (`owner`) already declares. */
export function objectsOwnedElsewhereProblems(
    declarations: readonly Declaration[],
    theirs: readonly string[],
    owner: string,
): ConfigProblem[] {
    const owned = new Set(theirs);
    return declarations
        .filter((declaration) => owned.has(declaration.object))
        .map((declaration) => ({
            path: declaration.path,
            context: `app "${declaration.app}"`,
            message: `${declaration.object.replace(/\//, " ")} is already declared by stack ${owner}; two stacks declaring one object would overwrite each other, and destroying either would delete it`,
            fix: declaration.object.startsWith("Namespace/")
                ? "set createNamespace: false (the platform stack owns the namespace)"
                : "use another name, or leave this object to the platform stack",
        }));
}
