import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as authorization from "@pulumi/azure-native/authorization";
import { AksCluster, ExistingAksCluster } from "../components/cluster/component";
import { AddonIdentity } from "../components/cluster/addon";
import { KeyVault } from "../components/key-vault/component";
import { KeyVaultAccess, groupObjectId } from "../components/key-vault-access/component";
import { AppWorkload } from "../components/workload/component";
import { StackConfig, plannedRoleAssignmentCount, roleAssignmentWarning, toAppWorkloadArgs } from "./config";

/** What a platform stack exports and an app stack (or a team) needs. */
export interface PlatformExports {
    keyVaultName: string;
    keyVaultId?: string;
    tenantId: string;
    addonIdentity?: AddonIdentity;
    oidcIssuerUrl?: string;
    kubeconfig?: string;
}

/** Stack outputs of the program. */
export interface ProgramOutputs {
    platform: pulumi.Output<PlatformExports>;
    applications: pulumi.Output<Record<string, unknown>>;
}

interface Platform {
    keyVaultName: pulumi.Output<string>;
    keyVaultId?: pulumi.Output<string>;
    tenantId: pulumi.Output<string>;
    addonIdentity?: pulumi.Output<AddonIdentity>;
    addonClientId?: pulumi.Output<string>;
    oidcIssuerUrl?: pulumi.Output<string | undefined>;
    kubeconfig?: pulumi.Output<string>;
}

function platformFromStack(stackName: string): Platform {
    const reference = new pulumi.StackReference("platform", { name: stackName });
    const exported = reference.requireOutput("platform") as pulumi.Output<PlatformExports>;
    const addonIdentity = exported.apply((p) => p.addonIdentity as AddonIdentity);
    return {
        keyVaultName: exported.apply((p) => p.keyVaultName),
        keyVaultId: exported.apply((p) => p.keyVaultId ?? ""),
        tenantId: exported.apply((p) => p.tenantId),
        addonIdentity,
        addonClientId: addonIdentity.apply((identity) => identity?.clientId),
        oidcIssuerUrl: exported.apply((p) => p.oidcIssuerUrl),
        kubeconfig: pulumi.secret(exported.apply((p) => p.kubeconfig ?? "")),
    };
}

function platformFromConfig(config: StackConfig): Platform {
    const azure = config.azure;
    const facts: Partial<Platform> = {};
    const cluster = config.cluster;
    if (cluster.mode === "create") {
        const aks = new AksCluster(
            "cluster",
            {
                resourceGroupName: azure!.resourceGroupName,
                location: azure!.location,
                clusterName: cluster.name,
                kubernetesVersion: cluster.kubernetesVersion,
                systemNodePool: cluster.systemNodePool,
                secretRotation: cluster.secretRotation,
                workloadIdentity: cluster.workloadIdentity,
                adoptExistingResourceId: cluster.adoptResourceId,
            },
            { protect: cluster.protect },
        );
        Object.assign(facts, { addonIdentity: aks.addonIdentity, oidcIssuerUrl: aks.oidcIssuerUrl, kubeconfig: aks.kubeconfig });
    } else if (cluster.mode === "existing") {
        const existing = new ExistingAksCluster("cluster", {
            resourceGroupName: cluster.resourceGroupName ?? azure!.resourceGroupName,
            clusterName: cluster.name,
            requireWorkloadIdentity: config.applications.some((app) => app.identity.mode === "workloadIdentity" && !app.identity.clientId),
        });
        Object.assign(facts, { addonIdentity: existing.addonIdentity, oidcIssuerUrl: existing.oidcIssuerUrl, kubeconfig: existing.kubeconfig });
    } else {
        Object.assign(facts, {
            addonClientId: cluster.addonIdentityClientId ? pulumi.output(cluster.addonIdentityClientId) : undefined,
            oidcIssuerUrl: cluster.oidcIssuerUrl ? pulumi.output(cluster.oidcIssuerUrl) : undefined,
        });
    }
    const vaultConfig = config.keyVault;
    if (vaultConfig.mode === "external") {
        Object.assign(facts, {
            keyVaultName: pulumi.output(vaultConfig.name),
            tenantId: pulumi.output(vaultConfig.tenantId),
            keyVaultId: vaultConfig.id ? pulumi.output(vaultConfig.id) : undefined,
        });
    } else {
        const vault = new KeyVault(
            "keyvault",
            vaultConfig.mode === "create"
                ? {
                      mode: "create",
                      vaultName: vaultConfig.name,
                      resourceGroupName: azure!.resourceGroupName,
                      location: azure!.location,
                      tenantId: azure!.tenantId ?? authorization.getClientConfigOutput().tenantId,
                      publicNetworkAccess: vaultConfig.publicNetworkAccess,
                      enablePurgeProtection: vaultConfig.enablePurgeProtection,
                      softDeleteRetentionInDays: vaultConfig.softDeleteRetentionInDays,
                      skuName: vaultConfig.skuName,
                  }
                : { mode: "existing", vaultName: vaultConfig.name, resourceGroupName: vaultConfig.resourceGroupName ?? azure!.resourceGroupName },
            { protect: vaultConfig.mode === "create" && vaultConfig.protect },
        );
        Object.assign(facts, { keyVaultName: vault.vaultName, tenantId: vault.tenantId, keyVaultId: vault.vaultId });
    }
    if (facts.addonIdentity) {
        facts.addonClientId = facts.addonIdentity.apply((identity) => identity.clientId);
    }
    return facts as Platform;
}

/**
 * Wires the stack: cluster and vault (created, read, external or from a platform stack), least-privilege
 * access for the addon identity and an admin group, and one AppWorkload per application.
 */
export function runProgram(config: StackConfig): ProgramOutputs {
    const platform = config.platformStack ? platformFromStack(config.platformStack) : platformFromConfig(config);
    // External clusters use the ambient kubeconfig (KUBECONFIG / current context) through the default provider.
    const kubernetes = platform.kubeconfig ? new k8s.Provider("cluster", { kubeconfig: platform.kubeconfig }) : undefined;

    const warning = roleAssignmentWarning(plannedRoleAssignmentCount(config, { hasVaultId: !!platform.keyVaultId, hasAddonIdentity: !!platform.addonIdentity }), config.access.roleAssignmentLimit);
    if (warning) {
        pulumi.log.warn(warning);
    }

    const addonApps = config.applications.filter((app) => app.identity.mode === "addon");
    if (platform.keyVaultId && platform.addonIdentity && addonApps.length > 0) {
        new KeyVaultAccess("addon-keyvault-access", {
            vaultId: platform.keyVaultId,
            principalId: platform.addonIdentity.apply((identity) => identity.objectId),
            principalType: "ServicePrincipal",
            objects: addonApps.flatMap((app) => app.objects.map((object) => ({ objectName: object.objectName, objectType: object.objectType as "secret" | "key" | "cert" }))),
            scope: config.access.scope,
            description: "Key Vault read access for the AKS azure-keyvault-secrets-provider addon identity (managed by Pulumi)",
        });
    }
    const adminGroup = config.access.adminGroup;
    if (platform.keyVaultId && adminGroup) {
        new KeyVaultAccess("keyvault-admins", {
            vaultId: platform.keyVaultId,
            principalId: groupObjectId(adminGroup),
            principalType: "Group",
            roles: [adminGroup.role],
            description: "Key Vault content management for the platform admin group (managed by Pulumi)",
        });
    }

    const applications: Record<string, pulumi.Output<unknown>> = {};
    for (const app of config.applications) {
        const managedIdentity =
            app.identity.mode === "workloadIdentity" && !app.identity.clientId
                ? {
                      mode: "workloadIdentity" as const,
                      managed: {
                          resourceGroupName: config.azure!.resourceGroupName,
                          location: config.azure!.location,
                          oidcIssuerUrl: platform.oidcIssuerUrl!.apply((url) => url ?? ""),
                          vaultId: platform.keyVaultId!,
                          accessScope: config.access.scope,
                      },
                  }
                : undefined;
        const workload = new AppWorkload(
            app.name,
            toAppWorkloadArgs(app, { keyVaultName: platform.keyVaultName, tenantId: platform.tenantId, addonClientId: platform.addonClientId }, managedIdentity),
            kubernetes ? { providers: { kubernetes } } : undefined,
        );
        applications[app.name] = pulumi.output({
            namespace: app.namespace,
            secretProviderClass: workload.secretProviderClassName,
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
            addonIdentity: platform.addonIdentity,
            oidcIssuerUrl: platform.oidcIssuerUrl,
            kubeconfig: platform.kubeconfig,
        }) as pulumi.Output<PlatformExports>,
        applications: pulumi.output(applications) as unknown as pulumi.Output<Record<string, unknown>>,
    };
}
