import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as authorization from "@pulumi/azure-native/authorization";
import { AksCluster, ExistingAksCluster } from "../components/cluster/component";
import { KeyVault } from "../components/key-vault/component";
import { KeyVaultAccess, groupObjectId } from "../components/key-vault-access/component";
import { AppWorkload } from "../components/workload/component";
import { AppIdentity, DEFAULT_REPLICAS, ManagedIdentityBinding } from "../components/workload/types";
import {
    StackConfig,
    addonReadObjects,
    addonReadObjectsOfOtherVaults,
    bindsIdentity,
    clusterArgsOf,
    createdVaultArgsOf,
    createsIdentity,
    existingVaultArgsOf,
    federatesIdentity,
    identityBindingProviderProblem,
    plannedRoleAssignmentCount,
    toAppWorkloadArgs,
} from "./config";
import { addonIdentityWarning, identityBindingWarning, requestBudgetWarning, roleAssignmentWarning } from "./warnings";
import { AppRequestLoad, requestsPerMount } from "../components/key-vault/request-budget";
import { VaultListing } from "../components/key-vault/contents";
import { managedNetworkPrivateEndpointWarning } from "../components/key-vault/network";
import { DEFAULT_ROTATION_POLL_INTERVAL, goDurationSeconds } from "../components/cluster/addon";
import { TopLevelKey } from "./schema";
import { CONFIG_NAMESPACE, ConfigProblem, StackConfigError } from "./problems";
import { AzureConfig, ClusterPlan, VaultPlan, stackPlan } from "./stack-plan";
import { KubernetesObjectPlan, appObjectPlan, kubernetesObjectPlan, objectsOwnedElsewhereProblems } from "./kubernetes-objects";
import { OWNER_STACK_ANNOTATION, ownerStack } from "./ownership";
import { kubernetesClientSettings } from "../components/shared/kubernetes-client";
import { declareAlerts } from "./alerts";

/** What a platform stack exports and an app stack (or a team) needs. */
export interface PlatformExports {
    keyVaultName: string;
    keyVaultId?: string;
    tenantId: string;
    /** The addon identity: `clientId` for SecretProviderClasses; `objectId` and `resourceId` when the stack reads them from AKS. */
    addonIdentity?: { clientId: string; objectId?: string; resourceId?: string };
    /** Issuer of federated credentials; only when the cluster has the OIDC issuer and workload identity on. */
    oidcIssuerUrl?: string;
    kubeconfig?: string;
    /** The Azure Key Vault provider its cluster runs when it is not the AKS addon's (`cluster.keyVaultProvider`). */
    keyVaultProvider?: { version: string };
    /** Kubernetes objects this stack declares (`Kind/namespace/name`); app stacks refuse to declare them again. */
    kubernetesObjects: string[];
}

/** What the program exports per application. */
export interface ApplicationExports {
    namespace: string;
    secretProviderClass: string;
    /** The classes of the app's `additionalVaults`, when it has any. */
    additionalSecretProviderClasses?: string[];
    serviceAccount: string;
    clientId: string | undefined;
    deployment: string | undefined;
    syncedSecrets: string[];
}

/** Stack outputs of the program. */
export interface ProgramOutputs {
    platform: pulumi.Output<PlatformExports>;
    applications: pulumi.Output<Record<string, ApplicationExports>>;
    /** With the `alerts` key: the rule group, its alerts and the scrape config (program/alerts.ts). */
    alerts?: pulumi.Output<{ ruleGroupId: string; alertNames: string[]; scrapeConfig: string }>;
}

interface Platform {
    keyVaultName: pulumi.Output<string>;
    /** The vault's name as text, where it is known before any resource and not secret (PlatformFacts.keyVaultNameText). */
    keyVaultNameText?: string;
    tenantId: pulumi.Output<string>;
    keyVaultId?: pulumi.Output<string>;
    /** With an object ID, for the addon identity's roles: only where this stack reads it from AKS. */
    addonIdentity?: pulumi.Output<{ clientId: string; objectId: string; resourceId: string }>;
    addonClientId?: pulumi.Output<string>;
    oidcIssuerUrl?: pulumi.Output<string | undefined>;
    kubeconfig?: pulumi.Output<string>;
    /** The AKS cluster identity bindings are children of: only where this stack creates or reads the cluster. */
    cluster?: ManagedIdentityBinding["cluster"];
}

/** A config error found once a value is known (the platform stack's outputs, a cluster's issuer): no stack frames either. */
function failAtPreview(problems: ConfigProblem[]): never {
    throw new StackConfigError(problems);
}

/** Problems with what a platform stack exports, for this stack's plain config: missing facts, objects it already declares. */
export function platformStackProblems(
    config: StackConfig,
    stackName: string,
    plan: KubernetesObjectPlan,
    platform: Partial<PlatformExports> | undefined,
): ConfigProblem[] {
    const missing = (what: string, fix: string): ConfigProblem => ({
        path: ["platformStack"],
        message: `stack ${stackName} exports no ${what} in its \`platform\` output`,
        fix,
    });
    if (!platform) {
        return [missing("value", "point platformStack at a stack of this program and run `pulumi up` there first")];
    }
    const problems: ConfigProblem[] = [];
    if (!platform.keyVaultName || !platform.tenantId) {
        problems.push(
            missing("keyVaultName or tenantId", "point platformStack at a stack of this program and run `pulumi up` there first"),
        );
    }
    if (config.applications.some((app) => app.identity.mode === "addon") && !platform.addonIdentity?.clientId) {
        problems.push(
            missing(
                "addon identity",
                "set cluster.addonIdentityClientId (mode external) in the platform stack, or use another identity mode for the addon-mode apps",
            ),
        );
    }
    if (config.applications.some(federatesIdentity) && !platform.oidcIssuerUrl) {
        problems.push(
            missing(
                "OIDC issuer",
                "turn on the OIDC issuer and workload identity of the platform's cluster (cluster.workloadIdentity: true, or cluster.oidcIssuerUrl in mode external), or give these apps identity.clientId",
            ),
        );
    }
    if (config.applications.some(createsIdentity) && !platform.keyVaultId) {
        problems.push(missing("keyVaultId", "set keyVault.id (mode external) in the platform stack, or give these apps identity.clientId"));
    }
    problems.push(
        ...config.applications
            .map((app, index) => identityBindingProviderProblem({ index, app }, platform.keyVaultProvider?.version, stackName))
            .filter((problem): problem is ConfigProblem => problem !== undefined),
    );
    return [...problems, ...objectsOwnedElsewhereProblems(plan.declarations, platform.kubernetesObjects ?? [], stackName)];
}

/**
 * Facts from the platform stack's `platform` output. What this stack needs of it is decided from its own plain
 * config (addon apps need the addon identity, apps with their own identity the OIDC issuer and vault ID); the
 * output is read and checked before anything is declared, so a missing fact, or a Kubernetes object the platform
 * already declares, fails the preview with the key to change.
 */
async function platformFromStack(config: StackConfig, stackName: string, plan: KubernetesObjectPlan): Promise<Platform> {
    const reference = new pulumi.StackReference("platform", { name: stackName });
    const details = await reference.getOutputDetails("platform");
    const problems = platformStackProblems(
        config,
        stackName,
        plan,
        (details.value ?? details.secretValue) as Partial<PlatformExports> | undefined,
    );
    if (problems.length > 0) {
        failAtPreview(problems);
    }
    // Facts come from the Output, so whatever is secret in the platform stays secret here.
    const exported = reference.requireOutput("platform") as pulumi.Output<PlatformExports>;
    return {
        keyVaultName: exported.keyVaultName,
        keyVaultNameText: details.value ? (details.value as Partial<PlatformExports>).keyVaultName : undefined,
        tenantId: exported.tenantId,
        keyVaultId: config.applications.some(createsIdentity) ? exported.apply((platform) => platform.keyVaultId ?? "") : undefined,
        addonClientId: config.applications.some((app) => app.identity.mode === "addon")
            ? exported.apply((platform) => platform.addonIdentity?.clientId ?? "")
            : undefined,
        oidcIssuerUrl: config.applications.some(federatesIdentity) ? exported.oidcIssuerUrl : undefined,
        // Empty when the platform talks to Kubernetes through the ambient kubeconfig; the provider then does too.
        kubeconfig: pulumi.secret(exported.apply((platform) => platform.kubeconfig ?? "")),
    };
}

function platformFromConfig(cluster: ClusterPlan, vault: VaultPlan, config: StackConfig, secretKeys: ReadonlySet<TopLevelKey>): Platform {
    // Values of a key that holds a secure value become Pulumi secrets, and so does every input built from them.
    const fromConfig = (key: TopLevelKey, value: string) => (secretKeys.has(key) ? pulumi.secret(value) : pulumi.output(value));
    const identityBinding = config.applications.some((app) => app.identity.mode === "identityBinding");
    let clusterFacts: Pick<Platform, "addonIdentity" | "addonClientId" | "oidcIssuerUrl" | "kubeconfig" | "cluster">;
    // Known for a cluster in a VNet of its own (a created one with systemNodePool.vnetSubnetId, an existing one read from Azure).
    let clusterSubnetIds: pulumi.Output<string[] | undefined> | undefined;
    if (cluster.mode === "create") {
        const aks = new AksCluster(
            "cluster",
            { resourceGroupName: cluster.azure.resourceGroupName, location: cluster.azure.location, ...clusterArgsOf(cluster.config) },
            { protect: cluster.config.protect },
        );
        clusterFacts = {
            addonIdentity: aks.addonIdentity,
            oidcIssuerUrl: cluster.config.workloadIdentity ? aks.oidcIssuerUrl : undefined,
            kubeconfig: aks.kubeconfig,
            cluster: { clusterName: aks.clusterName, resourceGroupName: cluster.azure.resourceGroupName },
        };
        clusterSubnetIds = aks.nodeSubnetIds;
    } else if (cluster.mode === "existing") {
        const resourceGroupName = cluster.config.resourceGroupName ?? cluster.azure.resourceGroupName;
        const existing = new ExistingAksCluster("cluster", {
            resourceGroupName,
            name: cluster.config.name,
            // AKS documents identity bindings on clusters with the OIDC issuer and workload identity on.
            requireWorkloadIdentity: config.applications.some(federatesIdentity) || identityBinding,
            requireIdentityBindingSupport: identityBinding,
        });
        clusterFacts = {
            addonIdentity: existing.addonIdentity,
            oidcIssuerUrl: existing.oidcIssuerUrl,
            kubeconfig: existing.kubeconfig,
            cluster: { clusterName: existing.clusterName, resourceGroupName },
        };
        clusterSubnetIds = existing.nodeSubnetIds;
    } else {
        clusterFacts = {
            addonClientId: cluster.config.addonIdentityClientId ? fromConfig("cluster", cluster.config.addonIdentityClientId) : undefined,
            oidcIssuerUrl: cluster.config.oidcIssuerUrl ? fromConfig("cluster", cluster.config.oidcIssuerUrl) : undefined,
        };
    }
    let vaultFacts: Pick<Platform, "keyVaultName" | "tenantId" | "keyVaultId">;
    if (vault.mode === "external") {
        vaultFacts = {
            keyVaultName: fromConfig("keyVault", vault.config.name),
            tenantId: fromConfig("keyVault", vault.config.tenantId),
            keyVaultId: vault.config.id ? fromConfig("keyVault", vault.config.id) : undefined,
        };
    } else {
        const keyVault = new KeyVault(
            "keyvault",
            vault.mode === "create"
                ? {
                      ...createdVaultArgsOf(vault.config),
                      resourceGroupName: vault.azure.resourceGroupName,
                      location: vault.azure.location,
                      tenantId: vault.azure.tenantId ?? authorization.getClientConfigOutput().tenantId,
                      clusterSubnetIds,
                  }
                : {
                      ...existingVaultArgsOf(vault.config),
                      resourceGroupName: vault.config.resourceGroupName ?? vault.azure.resourceGroupName,
                      clusterSubnetIds,
                  },
            { protect: vault.mode === "create" && vault.config.protect },
        );
        vaultFacts = { keyVaultName: keyVault.vaultName, tenantId: keyVault.tenantId, keyVaultId: keyVault.vaultId };
    }
    return {
        ...clusterFacts,
        ...vaultFacts,
        keyVaultNameText: secretKeys.has("keyVault") ? undefined : vault.config.name,
        addonClientId: clusterFacts.addonIdentity ? clusterFacts.addonIdentity.clientId : clusterFacts.addonClientId,
    };
}

/** Where an app's own workload identity lives and what it trusts; the config checks make sure each part exists. */
function managedWorkloadIdentity(
    home: AzureConfig | undefined,
    platform: Platform,
    config: StackConfig,
    app: string,
    index: number,
): AppIdentity {
    const at = (message: string, fix: string): ConfigProblem => ({
        path: ["applications", index, "identity"],
        context: `app "${app}"`,
        message,
        fix,
    });
    if (!home || !platform.keyVaultId) {
        failAtPreview([
            at(
                "creates a workload identity, which needs azure.resourceGroupName, azure.location and the vault's resource ID",
                "set azure (and keyVault.id in mode external), or give identity.clientId of an existing identity",
            ),
        ]);
    }
    return {
        mode: "workloadIdentity",
        managed: {
            resourceGroupName: home.resourceGroupName,
            location: home.location,
            oidcIssuerUrl: requiredIssuer(platform.oidcIssuerUrl, app, index),
            vaultId: platform.keyVaultId,
            accessScope: config.access.scope,
        },
    };
}

/** Where an app's own bound identity lives, the vault it reads and the cluster it is bound to; the config checks make sure each part exists. */
function managedIdentityBinding(
    home: AzureConfig | undefined,
    platform: Platform,
    config: StackConfig,
    app: string,
    index: number,
): AppIdentity {
    if (!home || !platform.keyVaultId || !platform.cluster) {
        failAtPreview([
            {
                path: ["applications", index, "identity"],
                context: `app "${app}"`,
                message:
                    "creates an identity and binds it to the cluster, which needs azure.resourceGroupName, azure.location, the vault's resource ID and a cluster this stack creates or reads",
                fix: "set azure (and keyVault.id in mode external) and cluster mode create or existing, or give identity.clientId of an identity already bound to the cluster",
            },
        ]);
    }
    return {
        mode: "identityBinding",
        managed: {
            resourceGroupName: home.resourceGroupName,
            location: home.location,
            vaultId: platform.keyVaultId,
            accessScope: config.access.scope,
            cluster: platform.cluster,
        },
    };
}

/** The issuer a managed identity's federated credential trusts; a cluster without one fails the preview. */
function requiredIssuer(issuer: pulumi.Output<string | undefined> | undefined, app: string, index: number): pulumi.Output<string> {
    return pulumi.output(issuer).apply((url) =>
        url
            ? url
            : failAtPreview([
                  {
                      path: ["applications", index, "identity"],
                      context: `app "${app}"`,
                      message: "creates a workload identity, but the cluster has no OIDC issuer for its federated credential",
                      fix: "turn on the cluster's OIDC issuer and workload identity (cluster.workloadIdentity: true), or give identity.clientId of an existing identity",
                  },
              ]),
    );
}

/**
 * Wires the stack: cluster and vault (created, read, external or from a platform stack), least-privilege access for
 * the addon identity and an admin group (never in an app stack: the platform stack owns them), and one AppWorkload
 * per application, each Kubernetes object declared once. `secretKeys`: top-level keys that hold secure values;
 * `vaultListing`: what the vault check read, so the request budget counts the versions the vault really holds.
 */
export async function runProgram(
    config: StackConfig,
    secretKeys: ReadonlySet<TopLevelKey> = new Set(),
    vaultListing?: VaultListing,
): Promise<ProgramOutputs> {
    const plan = kubernetesObjectPlan(config.applications.map((app, index) => ({ index, app })));
    const stack = stackPlan(config);
    const platformStack = stack.kind === "app" ? stack.platformStack : undefined;
    for (const key of platformStack ? (["cluster", "keyVault"] as const).filter((key) => config[key]) : []) {
        pulumi.log.warn(
            `${CONFIG_NAMESPACE}:${key} is ignored: with platformStack, the ${key === "cluster" ? "cluster" : "vault"} and its facts come from stack ${platformStack}. Remove ${key} from this stack's config.`,
        );
    }
    const platform =
        stack.kind === "app"
            ? await platformFromStack(config, stack.platformStack, plan)
            : platformFromConfig(stack.cluster, stack.vault, config, secretKeys);
    // External clusters use the ambient kubeconfig (KUBECONFIG / current context) through the default provider, which
    // also takes the stack's `kubernetes:*` config (an explicit provider would ignore it); docs/azure.md says how to raise its rate.
    const kubernetes = platform.kubeconfig
        ? new k8s.Provider("cluster", { kubeconfig: platform.kubeconfig, kubeClientSettings: kubernetesClientSettings(process.env) })
        : undefined;

    const alerts = declareAlerts(config, platform.cluster?.clusterName, kubernetes);

    const platformNetwork = stack.kind === "platform" ? { cluster: stack.cluster, vault: stack.vault } : undefined;
    const warnings = [
        platformNetwork &&
            managedNetworkPrivateEndpointWarning(
                platformNetwork.vault.config.name,
                platformNetwork.cluster.mode === "create" && !platformNetwork.cluster.config.systemNodePool.vnetSubnetId,
                platformNetwork.vault.mode !== "external" && platformNetwork.vault.config.privateEndpoint !== undefined,
            ),
        roleAssignmentWarning(
            plannedRoleAssignmentCount(config, { hasVaultId: !!platform.keyVaultId, hasAddonIdentity: !!platform.addonIdentity }),
            config.access.roleAssignmentLimit,
        ),
        addonIdentityWarning(config.applications.filter((app) => app.identity.mode === "addon").map((app) => app.name)),
        identityBindingWarning(config.applications.filter((app) => app.identity.mode === "identityBinding").map((app) => app.name)),
        requestBudgetWarning(
            config.keyVault ? `Key Vault "${config.keyVault.name}"` : `The Key Vault of platform stack ${platformStack}`,
            config.applications.map((app) => ({
                app: app.name,
                pods: app.deployment?.replicas ?? DEFAULT_REPLICAS,
                requestsPerMount: requestsPerMount(app.objects, vaultListing),
                syncMechanism: app.syncMechanism,
                mountFiles: app.mountFiles,
                syncedSecrets: app.syncedSecrets.length,
            })),
            rotationPoll(config),
        ),
        // Key Vault throttles per vault: each other vault gets its own budget, from the objects apps declare there.
        ...otherVaultLoads(config).map(({ vault, loads }) => requestBudgetWarning(`Key Vault "${vault}"`, loads, rotationPoll(config))),
    ];
    for (const warning of warnings) {
        if (warning) {
            pulumi.log.warn(warning);
        }
    }

    const addonObjects = addonReadObjects(config);
    const addonAccess =
        !platformStack && platform.keyVaultId && platform.addonIdentity && addonObjects.length > 0
            ? new KeyVaultAccess("addon-keyvault-access", {
                  vaultId: platform.keyVaultId,
                  principalId: platform.addonIdentity.objectId,
                  principalType: "ServicePrincipal",
                  objects: addonObjects,
                  scope: config.access.scope,
                  description: "Key Vault read access for the AKS azure-keyvault-secrets-provider addon identity (managed by Pulumi)",
              })
            : undefined;
    // The addon identity's roles on the other vaults addon-mode apps read, where the stack knows the identity and the vault.
    const addonIdentity = platform.addonIdentity;
    const addonAccessOfOtherVaults =
        !platformStack && addonIdentity
            ? [...addonReadObjectsOfOtherVaults(config)].map(
                  ([vaultId, vault]) =>
                      new KeyVaultAccess(`addon-keyvault-access-${vault.name}`, {
                          vaultId,
                          principalId: addonIdentity.objectId,
                          principalType: "ServicePrincipal",
                          objects: vault.objects,
                          scope: config.access.scope,
                          description:
                              "Key Vault read access for the AKS azure-keyvault-secrets-provider addon identity (managed by Pulumi)",
                      }),
              )
            : [];
    const adminGroup = config.access.adminGroup;
    if (!platformStack && platform.keyVaultId && adminGroup) {
        const principalId = groupObjectId(adminGroup);
        new KeyVaultAccess("keyvault-admins", {
            vaultId: platform.keyVaultId,
            principalId: secretKeys.has("access") ? pulumi.secret(principalId) : principalId,
            principalType: "Group",
            roles: [adminGroup.role],
            description: "Key Vault content management for the platform admin group (managed by Pulumi)",
        });
    }

    const applications: Record<string, pulumi.Output<ApplicationExports>> = {};
    const workloads = new Map<string, AppWorkload>();
    // By name, so an app that declares a shared namespace or ServiceAccount exists before the apps that use it.
    const byName = config.applications.map((app, index) => ({ app, index })).sort((a, b) => (a.app.name < b.app.name ? -1 : 1));
    for (const { app, index } of byName) {
        const objects = appObjectPlan(plan, app.name);
        const managedIdentity = federatesIdentity(app)
            ? managedWorkloadIdentity(stack.identityHome, platform, config, app.name, index)
            : bindsIdentity(app)
              ? managedIdentityBinding(stack.identityHome, platform, config, app.name, index)
              : undefined;
        const waitFor = [
            objects.namespaceFrom ? workloads.get(objects.namespaceFrom)?.namespaceResource : undefined,
            objects.serviceAccountFrom ? workloads.get(objects.serviceAccountFrom)?.serviceAccountResource : undefined,
            // An addon app's pods start (or restart, when it moves back from workload identity) once the addon identity holds its roles.
            app.identity.mode === "addon" ? addonAccess : undefined,
            ...(app.identity.mode === "addon" && (app.additionalVaults ?? []).length > 0 ? addonAccessOfOtherVaults : []),
        ].filter((resource): resource is NonNullable<typeof resource> => resource !== undefined);
        const workload = new AppWorkload(
            app.name,
            // Checked with the whole config (stackConfigProblems) already; the component checks again, as for any
            // user, and finds nothing: at most 0.6 ms per app (500 apps under the unit-test mocks), within the
            // run's noise.
            {
                ...toAppWorkloadArgs(
                    app,
                    {
                        keyVaultName: platform.keyVaultName,
                        keyVaultNameText: platform.keyVaultNameText,
                        tenantId: platform.tenantId,
                        addonClientId: platform.addonClientId,
                    },
                    managedIdentity,
                    objects,
                ),
                annotations: { [OWNER_STACK_ANNOTATION]: ownerStack() },
            },
            { ...(kubernetes ? { providers: { kubernetes } } : {}), ...(waitFor.length > 0 ? { dependsOn: waitFor } : {}) },
        );
        workloads.set(app.name, workload);
        applications[app.name] = pulumi.output({
            namespace: app.namespace,
            secretProviderClass: workload.secretProviderClassName,
            ...((app.additionalVaults ?? []).length > 0
                ? { additionalSecretProviderClasses: workload.additionalSecretProviderClassNames }
                : {}),
            serviceAccount: workload.serviceAccountName,
            clientId: workload.clientId,
            deployment: workload.deploymentName,
            syncedSecrets: workload.syncedSecretNames,
        });
    }

    return {
        platform: pulumi.output({
            keyVaultName: platform.keyVaultName,
            keyVaultId: platform.keyVaultId,
            tenantId: platform.tenantId,
            addonIdentity: platform.addonIdentity ?? (platform.addonClientId ? { clientId: platform.addonClientId } : undefined),
            oidcIssuerUrl: platform.oidcIssuerUrl,
            kubeconfig: platform.kubeconfig,
            keyVaultProvider: platformStack ? undefined : config.cluster?.keyVaultProvider,
            kubernetesObjects: plan.objects,
        }),
        applications: pulumi.output(applications),
        ...(alerts
            ? {
                  alerts: pulumi.output({
                      ruleGroupId: alerts.ruleGroupId,
                      alertNames: alerts.alertNames,
                      scrapeConfig: alerts.scrapeConfig,
                  }),
              }
            : {}),
    };
}

/** The request load of each other vault (`additionalVaults`, once per name in any case) from the apps that read it. */
export function otherVaultLoads(config: StackConfig): Array<{ vault: string; loads: AppRequestLoad[] }> {
    const byVault = new Map<string, { vault: string; loads: AppRequestLoad[] }>();
    for (const app of config.applications) {
        for (const vault of app.additionalVaults ?? []) {
            const entry = byVault.get(vault.name.toLowerCase()) ?? { vault: vault.name, loads: [] };
            entry.loads.push({
                app: app.name,
                pods: app.deployment?.replicas ?? DEFAULT_REPLICAS,
                requestsPerMount: requestsPerMount(vault.objects),
                syncMechanism: app.syncMechanism,
                mountFiles: app.mountFiles,
                syncedSecrets: vault.syncedSecrets.length,
            });
            byVault.set(vault.name.toLowerCase(), entry);
        }
    }
    return [...byVault.values()];
}

/** The addon's rotation poll interval, when this stack creates the cluster with rotation on. */
function rotationPoll(config: StackConfig): { interval: string; seconds: number } | undefined {
    const cluster = config.cluster;
    if (cluster?.mode !== "create" || !cluster.secretRotation.enabled) {
        return undefined;
    }
    const interval = cluster.secretRotation.pollInterval ?? DEFAULT_ROTATION_POLL_INTERVAL;
    const seconds = goDurationSeconds(interval);
    return seconds ? { interval, seconds } : undefined;
}
