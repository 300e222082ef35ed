import * as pulumi from "@pulumi/pulumi";
import type { TokenCredential } from "@azure/identity";
import { IdentityFacts, IdentityUse, identityFindings } from "../components/key-vault/identity-checks";
import type { ClusterIdentityFacts, IdentityRead, IdentityReadOptions, IdentityReadRequest } from "../components/key-vault/read-identities";
import { DEFAULT_RESOURCE_MANAGER_ENDPOINT } from "../components/key-vault/read-identities";
import { AzureCloudName } from "../components/secret-provider-class/types";
import { ConfigProblem, KeyPath, StackConfigError, formatConfigProblem } from "./problems";
import { serviceAccountOf } from "./kubernetes-objects";
import { StackConfig } from "./schema";

/**
 * The preview's identity check, beside the vault check: each app that names an existing identity (workload identity
 * or identity binding with `clientId`, and addon-mode apps of an external cluster with `addonIdentityClientId`) is
 * held against what Resource Manager says: the identity exists, a workload identity trusts the app's ServiceAccount
 * on the cluster's issuer, and it holds a role that reads the app's objects on the vault. Identities the program
 * creates, and the addon identity of a cluster it creates or reads (it grants their roles), are not checked.
 */

/** Resource Manager's endpoint in each Azure cloud, as the apps' cloudName names them. */
export const RESOURCE_MANAGER_ENDPOINTS: Readonly<Record<AzureCloudName, string>> = {
    AzurePublicCloud: DEFAULT_RESOURCE_MANAGER_ENDPOINT,
    AzureUSGovernmentCloud: "https://management.usgovcloudapi.net",
    AzureChinaCloud: "https://management.chinacloudapi.cn",
    AzureGermanCloud: "https://management.microsoftazure.de",
};

/** The subscription the azure-native provider is given (its config, then its environment variable), if any. */
export interface AmbientSubscription {
    /** `azure-native:subscriptionId` or `ARM_SUBSCRIPTION_ID`. */
    subscriptionId?: string;
}

/** One app the check holds against Resource Manager, and where its findings go. */
export interface CheckedApp {
    /** Index in `applications`. */
    index: number;
    /** Its name. */
    name: string;
    /** The config key of the client ID. */
    path: KeyPath;
    /** What it uses. */
    use: IdentityUse;
}

/** What the identity check reads and holds each app against. */
export interface IdentityCheckPlan {
    /** What to read. */
    request: IdentityReadRequest;
    /** Resource Manager's endpoint. */
    endpoint: string;
    /** The cluster's OIDC issuer, when the config gives it (mode external). */
    oidcIssuerUrl?: string;
    /** The apps to check. */
    apps: CheckedApp[];
}

/** The provider's subscription, as `pulumi` hands it to the program. */
export function ambientSubscription(): AmbientSubscription {
    return { subscriptionId: new pulumi.Config("azure-native").get("subscriptionId") ?? process.env.ARM_SUBSCRIPTION_ID };
}

/** Resource Manager's endpoint for the stack: `azure.resourceManagerEndpoint`, else the apps' cloud's. */
export function resourceManagerEndpoint(config: StackConfig): string {
    const cloud = config.applications.find((app) => app.cloudName)?.cloudName ?? "AzurePublicCloud";
    return config.azure?.resourceManagerEndpoint ?? RESOURCE_MANAGER_ENDPOINTS[cloud];
}

/** The subscription ID of an ARM ID. */
function subscriptionOf(id: string | undefined): string | undefined {
    return id ? /^\/subscriptions\/([^/]+)\//i.exec(id)?.[1] : undefined;
}

/**
 * Whether and what the identity check reads: with `keyVault.checkContents` and `azure.checkIdentities` on, not in an
 * app stack, with a known subscription and vault ID, and an app that names an existing identity.
 */
export function identityCheckPlan(config: StackConfig, ambient: AmbientSubscription = {}): IdentityCheckPlan | undefined {
    const vault = config.keyVault;
    const azure = config.azure;
    if (!vault || !vault.checkContents || config.platformStack || azure?.checkIdentities === false) {
        return undefined;
    }
    const subscriptionId =
        azure?.subscriptionId ?? ambient.subscriptionId ?? subscriptionOf(vault.mode === "external" ? vault.id : undefined);
    const vaultGroup = vault.mode === "existing" ? (vault.resourceGroupName ?? azure?.resourceGroupName) : azure?.resourceGroupName;
    const vaultId =
        vault.mode === "external"
            ? vault.id
            : subscriptionId && vaultGroup
              ? `/subscriptions/${subscriptionId}/resourceGroups/${vaultGroup}/providers/Microsoft.KeyVault/vaults/${vault.name}`
              : undefined;
    if (!subscriptionId || !vaultId) {
        return undefined;
    }
    const cluster = config.cluster;
    const apps: CheckedApp[] = [];
    config.applications.forEach((app, index) => {
        const objects = app.objects.map(({ objectName, objectType }) => ({ objectName, objectType }));
        const identity = app.identity;
        if ((identity.mode === "workloadIdentity" || identity.mode === "identityBinding") && identity.clientId) {
            apps.push({
                index,
                name: app.name,
                path: ["applications", index, "identity", "clientId"],
                use: {
                    mode: identity.mode,
                    clientId: identity.clientId,
                    serviceAccount: { namespace: app.namespace, name: serviceAccountOf(app) },
                    objects,
                },
            });
        } else if (identity.mode === "addon" && cluster?.mode === "external" && cluster.addonIdentityClientId) {
            apps.push({
                index,
                name: app.name,
                path: ["cluster", "addonIdentityClientId"],
                use: { mode: "addon", clientId: cluster.addonIdentityClientId, objects },
            });
        }
    });
    if (apps.length === 0) {
        return undefined;
    }
    const federated = apps.filter((app) => app.use.mode === "workloadIdentity");
    const clusterGroup =
        cluster && cluster.mode !== "external"
            ? ((cluster.mode === "existing" ? cluster.resourceGroupName : undefined) ?? azure?.resourceGroupName)
            : undefined;
    return {
        request: {
            subscriptionId,
            resourceGroupName: azure?.resourceGroupName,
            vaultId,
            federatedCredentialsOf: federated.map((app) => app.use.clientId),
            roleAssignmentsOf: apps.map((app) => app.use.clientId),
            // The issuer of a cluster this stack creates or reads: read when a workload identity's credential needs it.
            cluster:
                cluster && cluster.mode !== "external" && clusterGroup && federated.length > 0
                    ? { resourceGroupName: clusterGroup, name: cluster.name }
                    : undefined,
        },
        endpoint: resourceManagerEndpoint(config),
        oidcIssuerUrl: cluster?.mode === "external" ? cluster.oidcIssuerUrl : undefined,
        apps,
    };
}

/** What the identity check found, at the config's key paths: problems fail the preview, warnings are printed. */
export interface IdentityCheckFindings {
    problems: ConfigProblem[];
    warnings: ConfigProblem[];
}

/** Each app held against what was read (pure). */
export function identityCheckFindings(
    plan: IdentityCheckPlan,
    facts: IdentityFacts,
    cluster?: IdentityRead["cluster"],
): IdentityCheckFindings {
    const findings: IdentityCheckFindings = { problems: [], warnings: [] };
    const clusterFacts: ClusterIdentityFacts = cluster && "value" in cluster ? cluster.value : {};
    if (cluster && !("value" in cluster)) {
        findings.warnings.push({
            path: ["cluster"],
            context: plan.request.cluster ? `cluster "${plan.request.cluster.name}"` : undefined,
            message: `could not be read (${cluster.status !== undefined ? `${cluster.status}: ` : ""}${cluster.reason}), so workload identities' federated credentials were checked for their subject, not for its issuer`,
            fix: `give the identity that runs the preview the Reader role on the cluster's resource group`,
        });
    }
    for (const app of plan.apps) {
        const found = identityFindings(
            app.use,
            { vaultId: plan.request.vaultId, oidcIssuerUrl: plan.oidcIssuerUrl ?? clusterFacts.oidcIssuerUrl },
            facts,
        );
        const at = (finding: { message: string; fix: string }): ConfigProblem => ({
            path: app.path,
            context: `app "${app.name}"`,
            message: finding.message,
            fix: finding.fix,
        });
        findings.problems.push(...found.problems.map(at));
        findings.warnings.push(...found.warnings.map(at));
    }
    return findings;
}

/** The warning when Resource Manager could not be reached at all: the check is skipped, the deploy goes on. */
export function unreadIdentitiesWarning(plan: IdentityCheckPlan, error: unknown): ConfigProblem {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return {
        path: ["azure"],
        context: `subscription ${plan.request.subscriptionId}`,
        message: `Resource Manager could not be read at ${plan.endpoint} (${reason}), so no app's identity was checked`,
        fix: "give the identity that runs the preview the Reader role on the subscription (or the resource groups of the vault and the identities) and a route to Resource Manager, set azure.resourceManagerEndpoint for another cloud, or set azure.checkIdentities: false",
    };
}

/**
 * Runs the identity check for the stack (a config whose selections the vault check expanded): reads Resource Manager
 * as the identity that runs the preview, prints every warning, and throws StackConfigError with every problem.
 * `ambient`: the provider's subscription; `credential` and `readOptions` (the SDK's HTTP client): for tests.
 */
export async function checkAppIdentities(
    config: StackConfig,
    ambient: AmbientSubscription = ambientSubscription(),
    credential?: TokenCredential,
    readOptions: Omit<IdentityReadOptions, "endpoint"> = {},
): Promise<void> {
    const plan = identityCheckPlan(config, ambient);
    if (!plan) {
        return;
    }
    let read: IdentityRead;
    try {
        const [{ DefaultAzureCredential }, { readIdentityFacts }] = await Promise.all([
            import("@azure/identity"),
            import("../components/key-vault/read-identities"),
        ]);
        read = await readIdentityFacts(plan.request, credential ?? new DefaultAzureCredential(), {
            ...readOptions,
            endpoint: plan.endpoint,
        });
    } catch (error) {
        pulumi.log.warn(formatConfigProblem(unreadIdentitiesWarning(plan, error)));
        return;
    }
    const findings = identityCheckFindings(plan, read.facts, read.cluster);
    for (const warning of findings.warnings) {
        pulumi.log.warn(formatConfigProblem(warning));
    }
    if (findings.problems.length > 0) {
        throw new StackConfigError(findings.problems);
    }
    pulumi.log.info(
        `Identities of ${plan.apps.length} apps checked in ${read.facts.identityScope} against Key Vault ${plan.request.vaultId}`,
    );
}
