import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { AksClusterArgs, aksClusterProblems } from "../components/cluster/component";
import { CreateKeyVaultArgs, ExistingKeyVaultArgs, KeyVaultArgs, keyVaultProblems } from "../components/key-vault/component";
import { groupReferenceProblems } from "../components/key-vault-access/component";
import { AdditionalVault, AppWorkloadArgs } from "../components/workload/types";
import { appWorkloadProblems } from "../components/workload/validate";
import { isEmptyObjectsProblem } from "../components/secret-provider-class/objects";
import { isUnwrittenFileProblem } from "../components/secret-provider-class/synced-secrets";
import { KeyVaultObjectSelection, expandObjectSelections } from "../components/key-vault/selection";
import { VaultListing } from "../components/key-vault/contents";
import { ReadObject, planAssignments } from "../components/key-vault-access/roles";
import { secretNameCollisionProblems } from "./secret-names";
import { keyVaultNameProblems } from "../components/key-vault/names";
import { ConfigProblem, StackConfigError, atPath, keyPathOf } from "./problems";
import { Problem } from "../components/shared/validation";
import { isUnion, schemaAt, schemaProblems } from "./schema-problems";
import { ApplicationConfig, CONFIG_KEYS, StackConfig, TopLevelKey, applicationSchema, stackConfigSchema } from "./schema";
import { AppObjectPlan, IndexedApp, kubernetesObjectPlan } from "./kubernetes-objects";
import { secretKeyProblems, secretPlainTexts } from "./secrets";
import {
    AKS_ADDON_PROVIDER,
    IDENTITY_BINDING_PROVIDER_VERSION,
    providerReadsIdentityBinding,
} from "../components/secret-provider-class/provider-version";

/**
 * The stack configuration's checks: the schema of every key and the rules between keys, run at start-up so a
 * wrong config fails `pulumi preview` before any resource is declared, with every problem at once, each at its key
 * path and with its fix.
 */

export { CONFIG_NAMESPACE, StackConfigError } from "./problems";
export { AZURE_ROLE_ASSIGNMENT_LIMIT, CONFIG_KEYS, StackConfig, ApplicationConfig, stackConfigSchema } from "./schema";

/** The keys that parse on their own (each app on its own), so rules between keys run even when others are wrong. */
interface PartialConfig {
    config: Partial<StackConfig>;
    apps: IndexedApp[];
}

/** A copy of `value` without the parts at `path`: an unknown key, or an optional value that is wrong. */
function without(value: unknown, path: ReadonlyArray<PropertyKey>, keys?: readonly string[]): unknown {
    if (path.length === 0) {
        return keys && value && typeof value === "object" && !Array.isArray(value)
            ? Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key)))
            : undefined;
    }
    const [head, ...rest] = path;
    if (Array.isArray(value) && typeof head === "number") {
        return value.map((item, index) => (index === head ? without(item, rest, keys) : item));
    }
    if (value && typeof value === "object" && typeof head === "string") {
        const { [head]: current, ...others } = value as Record<string, unknown>;
        const child = without(current, rest, keys);
        return child === undefined ? others : { ...value, [head]: child };
    }
    return value;
}

/**
 * True when the wrong value at `path` can be left out without changing what the rest means: a plain value (not an
 * object or list) that may be absent, outside a mode's union (where an absent `clientId` means "create one").
 */
function isOptionalLeaf(root: z.core.$ZodType, path: Array<string | number>, data: unknown): boolean {
    if (path.length === 0 || path.some((_, depth) => isUnion(schemaAt(root, path.slice(0, depth), data)))) {
        return false;
    }
    const value = path.reduce<unknown>(
        (current, part) => (current && typeof current === "object" ? (current as Record<string | number, unknown>)[part] : undefined),
        data,
    );
    const schema = schemaAt(root, path, data);
    return (value === null || typeof value !== "object") && schema !== undefined && z.safeParse(schema, undefined).success;
}

/**
 * The value as the schema reads it once unknown keys and wrong optional values are left out, so the rules between
 * keys still see everything that can be read (a wrong required value leaves the whole value out). The schema
 * problems themselves are reported from the value as written.
 */
function readableParts<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
    let current = value;
    for (let attempt = 0; attempt < 20; attempt++) {
        const parsed = schema.safeParse(current);
        if (parsed.success) {
            return parsed.data;
        }
        let next = current;
        for (const issue of parsed.error.issues) {
            if (issue.code === "unrecognized_keys") {
                next = without(next, issue.path, issue.keys);
            } else if (isOptionalLeaf(schema, issue.path as Array<string | number>, current)) {
                next = without(next, issue.path);
            }
        }
        if (JSON.stringify(next) === JSON.stringify(current)) {
            return undefined;
        }
        current = next;
    }
    return undefined;
}

function parsePartially(raw: Record<string, unknown>): PartialConfig {
    const config: Partial<Record<TopLevelKey, unknown>> = {};
    const apps: IndexedApp[] = [];
    for (const key of CONFIG_KEYS) {
        if (key === "applications" && Array.isArray(raw.applications)) {
            raw.applications.forEach((value, index) => {
                const app = readableParts(applicationSchema, value);
                if (app) {
                    apps.push({ index, app });
                }
            });
            config.applications = apps.map(({ app }) => app);
            continue;
        }
        // A mis-cased key is reported as such; its value is still checked, as the key it was meant to be.
        const written =
            raw[key] !== undefined ? raw[key] : raw[Object.keys(raw).find((other) => other.toLowerCase() === key.toLowerCase()) ?? key];
        const parsed = readableParts(stackConfigSchema.shape[key] as z.ZodType<unknown>, written);
        if (parsed !== undefined) {
            config[key] = parsed;
        }
    }
    return { config: config as Partial<StackConfig>, apps };
}

/** True when `key`, or the same letters in another case (reported as a mis-cased key), is set. */
function given(raw: Record<string, unknown>, key: string): boolean {
    return Object.keys(raw).some((other) => other.toLowerCase() === key.toLowerCase());
}

/** Facts about the platform an app needs. */
export interface PlatformFacts {
    keyVaultName: pulumi.Input<string>;
    /** The vault's name as text, where the program knows it and it is not secret: an app of several vaults names a folder with it. */
    keyVaultNameText?: string;
    tenantId: pulumi.Input<string>;
    addonClientId?: pulumi.Input<string>;
}

/** Valid stand-ins for facts known only later, so an app's own inputs can be checked at start-up (here and by the migration tool). */
export const placeholderPlatform: PlatformFacts = {
    keyVaultName: "placeholder",
    tenantId: "00000000-0000-0000-0000-000000000000",
    addonClientId: "00000000-0000-0000-0000-000000000000",
};

/**
 * Maps one app's config to component args (the managed identity and the shared-object plan come from the program).
 * Every key but `name` (the component's name), `identity` and `selectObjects` (expanded into `objects` by the program,
 * program/object-selection.ts) is an AppWorkloadArgs field of the same name and type: `satisfies` fails the type check
 * when either side renames or retypes one.
 */
export function toAppWorkloadArgs(
    app: ApplicationConfig,
    platform: PlatformFacts,
    managed?: AppWorkloadArgs["identity"],
    objects?: AppObjectPlan,
): AppWorkloadArgs {
    const {
        name,
        identity: configIdentity,
        namespace,
        createNamespace,
        serviceAccountName,
        selectObjects,
        adoptExisting,
        additionalVaults,
        ...sameAsArgs
    } = app;
    const identity: AppWorkloadArgs["identity"] =
        configIdentity.mode === "addon"
            ? { mode: "addon", clientId: platform.addonClientId ?? "" }
            : configIdentity.mode === "servicePrincipal"
              ? { mode: "servicePrincipal", nodePublishSecretRef: configIdentity.nodePublishSecretRef }
              : configIdentity.clientId
                ? { mode: configIdentity.mode, clientId: configIdentity.clientId }
                : (managed ?? { mode: configIdentity.mode, clientId: "00000000-0000-0000-0000-000000000000" });
    // In this order, which the migration tool writes into the TypeScript it generates.
    return {
        namespace,
        createNamespace: objects ? objects.createNamespace : createNamespace,
        serviceAccountName,
        createServiceAccount: objects?.createServiceAccount,
        keyVault: {
            name: (app.additionalVaults ?? []).length > 0 ? (platform.keyVaultNameText ?? platform.keyVaultName) : platform.keyVaultName,
            tenantId: platform.tenantId,
        },
        identity,
        ...(sameAsArgs satisfies Pick<AppWorkloadArgs, keyof typeof sameAsArgs>),
        ...(additionalVaults ? { additionalVaults: additionalVaults.map(additionalVaultArgsOf) } : {}),
    };
}

/**
 * The AdditionalVault args of another vault's config: every key but `selectObjects` (expanded into `objects` by the
 * program), checked as toAppWorkloadArgs's are.
 */
export function additionalVaultArgsOf(config: NonNullable<ApplicationConfig["additionalVaults"]>[number]): AdditionalVault {
    const { selectObjects, ...sameAsArgs } = config;
    return sameAsArgs satisfies Pick<AdditionalVault, keyof typeof sameAsArgs>;
}

/** The config of a cluster this stack creates (mode create). */
type CreatedClusterConfig = Extract<StackConfig["cluster"] & {}, { mode: "create" }>;
/** The config of a vault this stack creates (mode create). */
type CreatedVaultConfig = Extract<StackConfig["keyVault"] & {}, { mode: "create" }>;
/** The config of a vault this stack reads (mode existing). */
type ExistingVaultConfig = Extract<StackConfig["keyVault"] & {}, { mode: "existing" }>;

/**
 * The AksCluster args a created cluster's config holds: every key but `mode`, `protect` (a resource option) and
 * `keyVaultProvider` (a statement about the cluster) is an AksClusterArgs field of the same name and type, which
 * `satisfies` checks, so renaming either side fails the type check.
 */
export function clusterArgsOf(config: CreatedClusterConfig) {
    const { mode, protect, keyVaultProvider, ...sameAsArgs } = config;
    return sameAsArgs satisfies Pick<AksClusterArgs, keyof typeof sameAsArgs>;
}

/**
 * The KeyVault args a created vault's config holds (all but `protect`, a resource option, and the program's vault
 * check), checked as clusterArgsOf's are.
 */
export function createdVaultArgsOf(config: CreatedVaultConfig) {
    const { protect, checkContents, expiryWarningDays, ...sameAsArgs } = config;
    return sameAsArgs satisfies Pick<CreateKeyVaultArgs, keyof typeof sameAsArgs>;
}

/**
 * The KeyVault args a read vault's config holds (its resource group defaults to the stack's; the vault check is the
 * program's), checked as clusterArgsOf's are.
 */
export function existingVaultArgsOf(config: ExistingVaultConfig) {
    const { resourceGroupName, checkContents, expiryWarningDays, ...sameAsArgs } = config;
    return sameAsArgs satisfies Pick<ExistingKeyVaultArgs, keyof typeof sameAsArgs>;
}

/**
 * True for an app that creates its own identity and roles: a workload identity (with its federated credential) or
 * an identity binding (AKS makes the federated credential) without `clientId`.
 */
export function createsIdentity(app: ApplicationConfig): boolean {
    return (app.identity.mode === "workloadIdentity" || app.identity.mode === "identityBinding") && !app.identity.clientId;
}

/** True for an app that creates a federated credential of its own, which trusts the cluster's OIDC issuer. */
export function federatesIdentity(app: ApplicationConfig): boolean {
    return app.identity.mode === "workloadIdentity" && !app.identity.clientId;
}

/** True for an app whose identity binding this stack creates, as a child resource of the AKS cluster. */
export function bindsIdentity(app: ApplicationConfig): boolean {
    return app.identity.mode === "identityBinding" && !app.identity.clientId;
}

/** The AKS addon's provider, as messages name it. */
const ADDON_PROVIDER = `the AKS addon's provider, v${AKS_ADDON_PROVIDER.version} (node images ${AKS_ADDON_PROVIDER.nodeImages})`;

/**
 * The problem of an identity-binding app on a cluster whose provider does not read identity binding (before v1.8.1):
 * it ignores `useAzureTokenProxy`, so the mount falls back to workload identity with the cluster's token, which
 * Entra refuses. `providerVersion`: the cluster's `keyVaultProvider.version`, undefined for the AKS addon's provider;
 * `platformStack`: in an app stack, the stack whose cluster it is.
 */
export function identityBindingProviderProblem(
    { index, app }: IndexedApp,
    providerVersion: string | undefined,
    platformStack?: string,
): ConfigProblem | undefined {
    if (app.identity.mode !== "identityBinding" || providerReadsIdentityBinding(providerVersion)) {
        return undefined;
    }
    const cluster = platformStack ? `the cluster of platform stack ${platformStack}` : "the cluster";
    const runs = providerVersion
        ? `${platformStack ? `platform stack ${platformStack} says its cluster runs` : "cluster.keyVaultProvider.version says the cluster runs"} v${providerVersion.replace(/^v/, "")}`
        : `${cluster} runs ${ADDON_PROVIDER}`;
    const where = platformStack ? " in the platform stack" : "";
    const workloadIdentity = "use identity mode workloadIdentity (`identity: { mode: workloadIdentity }`)";
    return {
        path: ["applications", index, "identity"],
        context: `app "${app.name}"`,
        message:
            `uses identity binding (useAzureTokenProxy), which the Azure Key Vault provider reads from v${IDENTITY_BINDING_PROVIDER_VERSION} on, but ${runs}, which ignores it: ` +
            "the mount would fall back to workload identity with the cluster's token, and Entra would refuse it",
        fix: providerVersion
            ? `${workloadIdentity}, which that provider supports, or upgrade the provider to v${IDENTITY_BINDING_PROVIDER_VERSION} or later and set cluster.keyVaultProvider.version${where} to its version`
            : `${workloadIdentity}, which the addon supports, or, once the cluster's provider is v${IDENTITY_BINDING_PROVIDER_VERSION} or later (an addon that ships it, or one ` +
              `installed with its Helm chart with the addon off and cluster mode external), declare it${where}: \`cluster.keyVaultProvider: { version: <version> }\``,
    };
}

/** Objects as far as roles are concerned. */
export function readObjects(objects: readonly ReadObject[]): ReadObject[] {
    return objects.map((object) => ({ objectName: object.objectName, objectType: object.objectType }));
}

/**
 * What the addon identity reads in each other vault (`additionalVaults`) of this stack's addon-mode apps that names
 * its resource ID, by that ID: the roles the stack grants there.
 */
export function addonReadObjectsOfOtherVaults(
    config: Pick<StackConfig, "applications">,
): Map<string, { name: string; objects: ReadObject[] }> {
    const byVault = new Map<string, { name: string; objects: ReadObject[] }>();
    for (const app of config.applications.filter((candidate) => candidate.identity.mode === "addon")) {
        for (const vault of app.additionalVaults ?? []) {
            if (vault.id !== undefined) {
                const entry = byVault.get(vault.id) ?? { name: vault.name.toLowerCase(), objects: [] };
                entry.objects.push(...readObjects(vault.objects));
                byVault.set(vault.id, entry);
            }
        }
    }
    return byVault;
}

/** What the addon identity reads: the objects of this stack's addon-mode apps and `access.addonIdentityObjects`. */
export function addonReadObjects(config: Pick<StackConfig, "applications" | "access">): ReadObject[] {
    return readObjects([
        ...config.applications.filter((app) => app.identity.mode === "addon").flatMap((app) => app.objects),
        ...config.access.addonIdentityObjects,
    ]);
}

function platformKeyProblems(raw: Record<string, unknown>, config: Partial<StackConfig>): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    if (raw.platformStack !== undefined) {
        // Mode external only describes the platform's cluster or vault (and is ignored, with a warning); the
        // other modes would make this stack create or read what the platform stack owns.
        for (const key of ["cluster", "keyVault"] as const) {
            const mode = config[key]?.mode;
            if (raw[key] !== undefined && mode !== "external") {
                problems.push({
                    path: [key],
                    message: `is set${mode ? ` to mode ${mode}` : ""}, but with platformStack the platform stack owns the ${key === "cluster" ? "cluster" : "vault"} and this stack takes it from the platform's \`platform\` output`,
                    fix: `remove ${key} from this stack's config`,
                });
            }
        }
        if (config.access?.adminGroup) {
            problems.push({
                path: ["access", "adminGroup"],
                message: "is set, but with platformStack the platform stack grants the vault's admin access",
                fix: "set it in the platform stack",
            });
        }
        if ((config.access?.addonIdentityObjects ?? []).length > 0) {
            problems.push({
                path: ["access", "addonIdentityObjects"],
                message:
                    "is set, but with platformStack the platform stack grants the addon identity its roles (it is shared by every stack)",
                fix: "list these objects in the platform stack's access.addonIdentityObjects",
            });
        }
        return problems;
    }
    for (const key of ["cluster", "keyVault"] as const) {
        if (!given(raw, key)) {
            problems.push({
                path: [key],
                message: "is required",
                fix: `set it, e.g. \`${key}: ${key === "cluster" ? "{ mode: external, addonIdentityClientId: <guid> }" : "{ mode: external, name: kv-platform-dev, tenantId: <guid> }"}\`, or set platformStack to take it from a platform stack`,
            });
        }
    }
    const needsAzure = (config.cluster && config.cluster.mode !== "external") || (config.keyVault && config.keyVault.mode !== "external");
    if (needsAzure && !given(raw, "azure")) {
        problems.push({
            path: ["azure"],
            message: "is required when cluster or keyVault mode is create or existing",
            fix: "set azure.location and azure.resourceGroupName",
        });
    }
    return problems;
}

function platformComponentProblems(config: Partial<StackConfig>): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const cluster = config.cluster;
    if (cluster?.mode === "create") {
        const args = { resourceGroupName: "", location: "", ...clusterArgsOf(cluster) };
        problems.push(...aksClusterProblems(args).map((problem) => atPath(["cluster", ...keyPathOf(problem.where)], problem)));
    }
    const vault = config.keyVault;
    if (vault && vault.mode !== "external") {
        // Placeholders for what is known only in Azure; the vault's own settings are checked as written.
        const args: KeyVaultArgs =
            vault.mode === "create"
                ? {
                      ...createdVaultArgsOf(vault),
                      resourceGroupName: "",
                      location: "checked-with-azure",
                      tenantId: "00000000-0000-0000-0000-000000000000",
                  }
                : { ...existingVaultArgsOf(vault), resourceGroupName: "" };
        problems.push(...keyVaultProblems(args).map((problem) => atPath(["keyVault", ...keyPathOf(problem.where)], problem)));
    } else if (vault) {
        problems.push(...keyVaultNameProblems(vault.name).map((problem) => atPath(["keyVault", "name"], problem)));
    }
    if (config.access?.adminGroup) {
        problems.push(
            ...groupReferenceProblems(config.access.adminGroup, "adminGroup").map((problem) =>
                atPath(["access", ...keyPathOf(problem.where)], problem),
            ),
        );
    }
    return problems;
}

function crossAppProblems(config: Partial<StackConfig>, apps: readonly IndexedApp[]): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const firstWithName = new Map<string, number>();
    for (const { index, app } of apps) {
        const first = firstWithName.get(app.name);
        if (first === undefined) {
            firstWithName.set(app.name, index);
        } else {
            problems.push({
                path: ["applications", index, "name"],
                message: `"${app.name}" is also the name of applications[${first}]`,
                fix: "give each app a unique name",
            });
        }
    }
    const synced = apps.flatMap(({ index, app }) =>
        [
            { path: [] as Array<string | number>, syncedSecrets: app.syncedSecrets },
            ...(app.additionalVaults ?? []).map((vault, vaultIndex) => ({
                path: ["additionalVaults", vaultIndex],
                syncedSecrets: vault.syncedSecrets,
            })),
        ].flatMap(({ path, syncedSecrets }) =>
            syncedSecrets.map((secret, secretIndex) => ({
                index,
                path: [...path, "syncedSecrets", secretIndex, "secretName"],
                namespace: app.namespace,
                secretName: secret.secretName,
                app: app.name,
                syncMechanism: app.syncMechanism,
            })),
        ),
    );
    const firstSyncing = new Map<string, string>();
    for (const secret of synced) {
        const key = `${secret.namespace}/${secret.secretName}`;
        const other = firstSyncing.get(key);
        if (other === undefined) {
            firstSyncing.set(key, secret.app);
        } else if (other !== secret.app) {
            problems.push({
                path: ["applications", secret.index, ...secret.path],
                context: `app "${secret.app}"`,
                message: `Secret ${key} is also synced by app "${other}"; ${secret.syncMechanism === "secretSync" ? "both apps would write it, and the sync controller updates only a Secret its own SecretSync owns" : "each app's pods would overwrite it"}`,
                fix: "give each app its own secretName",
            });
        }
    }
    const protectedSecrets = new Set(config.akv2k8sSecrets ?? []);
    const colliding = synced.filter((secret) => protectedSecrets.has(`${secret.namespace}/${secret.secretName}`));
    secretNameCollisionProblems(synced, protectedSecrets).forEach((problem, position) => {
        const secret = colliding[position];
        problems.push(atPath(["applications", secret.index, ...secret.path], problem, `app "${secret.app}"`));
    });
    problems.push(...kubernetesObjectPlan(apps).problems);
    return problems;
}

/** An app's selections as the entries expandObjectSelections reads. */
export function selectionEntries(app: ApplicationConfig): KeyVaultObjectSelection[] {
    return (app.selectObjects ?? []).map((select) => ({ select }));
}

/** A selection's finding (`selectObjects[k].select…`) at its config key: the key holds the criteria without the `select` wrapper. */
export function selectionProblemAt(index: number, app: ApplicationConfig, problem: Problem): ConfigProblem {
    const where = problem.where.replace(/^((?:additionalVaults\[\d+\]\.)?selectObjects\[\d+\])\.select/, "$1");
    return atPath(["applications", index, ...keyPathOf(where)], problem, `app "${app.name}"`);
}

/** A listing of nothing, against which a selection finds only the problems of its own criteria. */
const EMPTY_LISTING: VaultListing = { vaultName: "", objects: [], unreadable: [] };

/**
 * The problems of an app's selections that need no vault (no criterion, a namePattern that is no regular
 * expression), found before the preview reads the vault.
 */
export function selectionCriteriaProblems({ index, app }: IndexedApp): ConfigProblem[] {
    const vaults = [
        { prefix: "", selectObjects: app.selectObjects },
        ...(app.additionalVaults ?? []).map((vault, position) => ({
            prefix: `additionalVaults[${position}].`,
            selectObjects: vault.selectObjects,
        })),
    ];
    return vaults.flatMap(({ prefix, selectObjects }) =>
        expandObjectSelections(
            (selectObjects ?? []).map((select) => ({ select })),
            EMPTY_LISTING,
            { now: new Date(0), describeEntry: (position) => `${prefix}selectObjects[${position}]` },
        ).problems.map((problem) => selectionProblemAt(index, app, problem)),
    );
}

/**
 * True for a problem the app's selections may still settle: an empty `objects`, or a synced Secret that names a file
 * only a selected object writes, of a vault (the stack's or another) whose `selectObjects` add objects at preview time,
 * where the expanded objects are checked again.
 */
export function waitsForSelection(app: ApplicationConfig, problem: Problem): boolean {
    const other = /^additionalVaults\[(\d+)\]\./.exec(problem.where);
    const selections = other ? app.additionalVaults?.[Number(other[1])]?.selectObjects : app.selectObjects;
    const ofVault = other ? { ...problem, where: problem.where.slice(other[0].length) } : problem;
    return (selections ?? []).length > 0 && (isEmptyObjectsProblem(ofVault) || isUnwrittenFileProblem(problem));
}

function appProblems(raw: Record<string, unknown>, config: Partial<StackConfig>, { index, app }: IndexedApp): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const where = `app "${app.name}"`;
    const split = raw.platformStack !== undefined;
    // In an app stack the cluster and vault facts come from the platform stack, and are checked when read.
    const cluster = split ? undefined : config.cluster;
    const keyVault = split ? undefined : config.keyVault;
    const identityPath = ["applications", index, "identity"];
    if (app.identity.mode === "addon" && cluster?.mode === "external" && !cluster.addonIdentityClientId) {
        problems.push({
            path: identityPath,
            context: where,
            message: "addon mode needs the addon identity's client ID",
            fix: "set cluster.addonIdentityClientId, or use cluster mode create/existing",
        });
    }
    if (app.identity.mode === "workloadIdentity" && cluster?.mode === "create" && !cluster.workloadIdentity) {
        problems.push({
            path: identityPath,
            context: where,
            message:
                "uses workload identity, but cluster.workloadIdentity is false, so the cluster has neither the OIDC issuer nor the workload identity webhook its pods need",
            fix: "set cluster.workloadIdentity: true (it turns on both), or use identity mode addon",
        });
    }
    if (app.identity.mode === "identityBinding" && cluster?.mode === "create" && !cluster.workloadIdentity) {
        problems.push({
            path: identityPath,
            context: where,
            message:
                "uses identity binding, but cluster.workloadIdentity is false; AKS documents identity bindings on clusters with the OIDC issuer and workload identity on",
            fix: "set cluster.workloadIdentity: true (it turns on both), or use identity mode addon",
        });
    }
    // In an app stack the platform stack's `platform` output says which provider its cluster runs (platformStackProblems).
    const unread = split ? undefined : identityBindingProviderProblem({ index, app }, cluster?.keyVaultProvider?.version);
    if (unread) {
        problems.push(unread);
    }
    if (bindsIdentity(app) && (split || cluster?.mode === "external")) {
        problems.push({
            path: identityPath,
            context: where,
            message: `creates its identity and binds it to the cluster with an AKS identity binding, a child resource of the managed cluster, which needs the cluster's name and resource group; ${split ? "an app stack does not take them from its platform stack" : "cluster mode external gives neither"}`,
            fix: `${split ? "" : "use cluster mode create or existing, or "}give identity.clientId of an identity already bound to the cluster (az aks identity-binding create --cluster-name <cluster> --resource-group <group> --name <binding> --managed-identity-resource-id <identity ID>)`,
        });
    }
    if (createsIdentity(app)) {
        const own = federatesIdentity(app) ? "a managed workload identity" : "an identity the app creates for its identity binding";
        if (federatesIdentity(app) && cluster?.mode === "external" && !cluster.oidcIssuerUrl) {
            problems.push({
                path: identityPath,
                context: where,
                message: "a managed workload identity needs the cluster's OIDC issuer for its federated credential",
                fix: "set cluster.oidcIssuerUrl, or give identity.clientId of an existing identity",
            });
        }
        if (keyVault?.mode === "external" && !keyVault.id) {
            problems.push({
                path: identityPath,
                context: where,
                message: `${own} needs the vault's resource ID for its role`,
                fix: "set keyVault.id, or give identity.clientId of an existing identity",
            });
        }
        if (!given(raw, "azure")) {
            problems.push({
                path: identityPath,
                context: where,
                message: `${own} is an Azure resource${split ? " this stack creates" : ""}`,
                fix: "set azure.location and azure.resourceGroupName, or give identity.clientId of an existing identity",
            });
        }
    }
    const args = toAppWorkloadArgs(app, placeholderPlatform);
    problems.push(
        ...appWorkloadProblems(app.name, args)
            .filter((problem) => !waitsForSelection(app, problem))
            .map((problem) => atPath(["applications", index, ...keyPathOf(problem.where)], problem, where)),
        ...selectionCriteriaProblems({ index, app }),
    );
    return problems;
}

/** Every problem of a raw config (schema and rules together), each at its key path. */
export function stackConfigProblems(raw: Record<string, unknown>, secretKeys: ReadonlySet<string> = new Set()): ConfigProblem[] {
    const whole = stackConfigSchema.safeParse(raw);
    const { config, apps } = parsePartially(raw);
    return [
        ...(whole.success ? [] : schemaProblems(whole.error, stackConfigSchema, raw)),
        ...platformKeyProblems(raw, config),
        ...platformComponentProblems(config),
        ...crossAppProblems(config, apps),
        ...apps.flatMap((app) => appProblems(raw, config, app)),
        ...secretKeyProblems(config, secretKeys),
    ];
}

/**
 * Parses and checks raw config values (as read from the stack); throws StackConfigError listing every problem,
 * with the plain text of secure values (`secretKeys`) redacted.
 */
export function parseStackConfig(raw: Record<string, unknown>, secretKeys: ReadonlySet<string> = new Set()): StackConfig {
    const problems = stackConfigProblems(raw, secretKeys);
    const parsed = stackConfigSchema.safeParse(raw);
    if (problems.length > 0 || !parsed.success) {
        throw new StackConfigError(
            problems.length > 0 ? problems : [{ path: [], message: "does not match the schema", fix: "see docs/configuration.md" }],
            secretPlainTexts(raw, secretKeys),
        );
    }
    return parsed.data;
}

/** Role assignments this configuration creates: addon identity, admin group, and each app's own identity. */
export function plannedRoleAssignmentCount(config: StackConfig, platform: { hasVaultId: boolean; hasAddonIdentity: boolean }): number {
    if (!platform.hasVaultId) {
        return 0;
    }
    const scope = config.access.scope;
    const owned = config.platformStack === undefined;
    const addon = addonReadObjects(config);
    const ownIdentities = config.applications.filter(createsIdentity);
    return (
        (owned && addon.length > 0 && platform.hasAddonIdentity ? planAssignments(addon, scope).length : 0) +
        (owned && config.access.adminGroup ? 1 : 0) +
        ownIdentities.reduce(
            (total, app) =>
                total +
                [app.objects, ...(app.additionalVaults ?? []).map((vault) => vault.objects)].reduce(
                    (sum, objects) => sum + planAssignments(readObjects(objects), scope).length,
                    0,
                ),
            0,
        ) +
        (owned && platform.hasAddonIdentity
            ? [...addonReadObjectsOfOtherVaults(config).values()].reduce(
                  (total, vault) => total + planAssignments(vault.objects, scope).length,
                  0,
              )
            : 0)
    );
}
