import * as pulumi from "@pulumi/pulumi";
import * as containerservice from "@pulumi/azure-native/containerservice";
import { TOKEN_PREFIX } from "../shared/token";
import { Problem, throwIfProblems } from "../shared/validation";
import { armIdProblems } from "../shared/arm-ids";
import { AddonIdentity, SecretRotation, addonIdentityOrError, keyVaultAddonProfile, secretRotationProblems } from "./addon";

/** The OIDC issuer and workload identity are on unless `workloadIdentity: false`: per-app workload identities need them. */
export const DEFAULT_WORKLOAD_IDENTITY = true;

/** Node pool of a new cluster. Plain values: checked at construction. */
export interface SystemNodePool {
    /** VM size, e.g. "Standard_D4ds_v5". Plain: checked at construction. */
    vmSize: string;
    /** Number of nodes (1-1000). Plain: checked at construction. */
    count: number;
    /** Availability zones, e.g. ["1", "2", "3"]. */
    availabilityZones?: string[];
    /**
     * ARM ID of an existing subnet for the nodes (your own VNet); default: an AKS-managed VNet. Needed for a private
     * vault: its private endpoint and DNS link go in a VNet you name. The cluster's identity then needs Network
     * Contributor on the subnet, which this component does not grant (docs/private-vaults.md). Plain: checked as a
     * subnet ID at construction.
     */
    vnetSubnetId?: string;
}

/**
 * Inputs of an AKS cluster with the Key Vault secrets provider addon. The cluster's name and the ID of a cluster to
 * adopt are plain: the name is checked at construction and named in the addon's errors, the ID is an import option.
 */
export interface AksClusterArgs {
    /** Existing resource group of the cluster. */
    resourceGroupName: pulumi.Input<string>;
    /** Azure region, e.g. "westeurope". */
    location: pulumi.Input<string>;
    /** Physical cluster name; defaults to the component name. */
    name?: string;
    /** Kubernetes version; omit for the AKS default. */
    kubernetesVersion?: pulumi.Input<string>;
    /** DNS prefix of the API server; defaults to the cluster name. */
    dnsPrefix?: pulumi.Input<string>;
    /** The system node pool. Plain: checked at construction. */
    systemNodePool: SystemNodePool;
    /** Secret rotation of the addon (per environment). Plain: checked at construction. */
    secretRotation: SecretRotation;
    /**
     * Enable the OIDC issuer and workload identity (needed for per-app workload identities). Default
     * `DEFAULT_WORKLOAD_IDENTITY` (true). Plain: a structural switch of the cluster.
     */
    workloadIdentity?: boolean;
    /**
     * Adopt a cluster that already exists outside Pulumi: its resource ID is imported on the first `pulumi up`.
     * Every input must then match the live cluster, or the import fails at preview with the differing fields.
     */
    adoptResourceId?: string;
    /** Tags on the cluster. */
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Problems with the arguments of a new cluster. */
export function aksClusterProblems(args: AksClusterArgs): Problem[] {
    const problems = secretRotationProblems(args.secretRotation);
    const pool = args.systemNodePool;
    if (!pool || !Number.isInteger(pool.count) || pool.count < 1 || pool.count > 1000) {
        problems.push({
            where: "systemNodePool.count",
            message: `${pool?.count} is not a node count`,
            fix: "use an integer from 1 to 1000 (3 for production)",
        });
    }
    if (pool?.vnetSubnetId !== undefined) {
        problems.push(...armIdProblems(pool.vnetSubnetId, "subnet", "systemNodePool.vnetSubnetId"));
    }
    if (!pool?.vmSize) {
        problems.push({ where: "systemNodePool.vmSize", message: "is missing", fix: 'set a VM size such as "Standard_D4ds_v5"' });
    }
    if (args.name !== undefined && !/^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$/.test(args.name)) {
        problems.push({
            where: "name",
            message: `"${args.name}" is not a valid AKS name`,
            fix: "use 1-63 letters, digits, '-' and '_', starting and ending with a letter or digit",
        });
    }
    if (
        args.adoptResourceId !== undefined &&
        !/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerService\/managedClusters\/[^/]+$/i.test(
            args.adoptResourceId,
        )
    ) {
        problems.push({
            where: "adoptResourceId",
            message: `"${args.adoptResourceId}" is not a managed cluster resource ID`,
            fix: "use the output of `az aks show -g <rg> -n <name> --query id -o tsv`",
        });
    }
    return problems;
}

/** What consumers of a cluster need and cannot rebuild themselves. */
export interface ClusterFacts {
    /** The addon's managed identity: clientId for SecretProviderClasses, objectId for role assignments. */
    addonIdentity: pulumi.Output<AddonIdentity>;
    /** OIDC issuer URL for federated credentials; undefined when the issuer is off. */
    oidcIssuerUrl: pulumi.Output<string | undefined>;
    /** Admin-free user kubeconfig (secret). */
    kubeconfig: pulumi.Output<string>;
    /** Cluster name. */
    clusterName: pulumi.Output<string>;
}

function identityFrom(
    profilesAndNames: pulumi.Output<[Parameters<typeof addonIdentityOrError>[0], string, string]>,
    cluster: pulumi.Resource,
): pulumi.Output<AddonIdentity> {
    return profilesAndNames.apply(([profiles, resourceGroupName, clusterName]) => {
        const result = addonIdentityOrError(profiles, clusterName, resourceGroupName);
        if ("error" in result) {
            throw new pulumi.ResourceError(result.error, cluster, true);
        }
        return result.identity;
    });
}

function userKubeconfig(
    resourceGroupName: pulumi.Input<string>,
    resourceName: pulumi.Input<string>,
    parent: pulumi.Resource,
): pulumi.Output<string> {
    const credentials = containerservice.listManagedClusterUserCredentialsOutput({ resourceGroupName, resourceName }, { parent });
    return pulumi.secret(credentials.kubeconfigs.apply((configs) => Buffer.from(configs[0].value, "base64").toString("utf8")));
}

/**
 * A new (or adopted) AKS cluster with the `azure-keyvault-secrets-provider` addon. Enabling the addon or changing
 * rotation on a cluster this component already manages is an in-place update of `addonProfiles`.
 */
export class AksCluster extends pulumi.ComponentResource implements ClusterFacts {
    /** The addon's managed identity: clientId for SecretProviderClasses, objectId for role assignments. */
    public readonly addonIdentity: pulumi.Output<AddonIdentity>;
    /** OIDC issuer URL for federated credentials; undefined when the issuer is off. */
    public readonly oidcIssuerUrl: pulumi.Output<string | undefined>;
    /** Admin-free user kubeconfig (secret). */
    public readonly kubeconfig: pulumi.Output<string>;
    /** Cluster name. */
    public readonly clusterName: pulumi.Output<string>;
    /** ARM resource ID, e.g. for scoping role assignments. */
    public readonly resourceId: pulumi.Output<string>;
    /** The node subnet when given (systemNodePool.vnetSubnetId); undefined for an AKS-managed VNet. */
    public readonly nodeSubnetIds: pulumi.Output<string[] | undefined>;

    constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${TOKEN_PREFIX}:index:AksCluster`, name, {}, opts);
        throwIfProblems(`AksCluster "${name}"`, aksClusterProblems(args), this);
        const clusterName = args.name ?? name;
        const workloadIdentity = args.workloadIdentity ?? DEFAULT_WORKLOAD_IDENTITY;
        const cluster = new containerservice.ManagedCluster(
            `${name}-aks`,
            {
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                resourceName: clusterName,
                dnsPrefix: args.dnsPrefix ?? clusterName,
                kubernetesVersion: args.kubernetesVersion,
                enableRBAC: true,
                identity: { type: "SystemAssigned" },
                agentPoolProfiles: [
                    {
                        name: "system",
                        mode: "System",
                        type: "VirtualMachineScaleSets",
                        osType: "Linux",
                        vmSize: args.systemNodePool.vmSize,
                        count: args.systemNodePool.count,
                        availabilityZones: args.systemNodePool.availabilityZones,
                        vnetSubnetID: args.systemNodePool.vnetSubnetId,
                    },
                ],
                addonProfiles: keyVaultAddonProfile(args.secretRotation),
                oidcIssuerProfile: { enabled: workloadIdentity },
                securityProfile: { workloadIdentity: { enabled: workloadIdentity } },
                tags: args.tags,
            },
            { parent: this, import: args.adoptResourceId },
        );
        this.clusterName = cluster.name;
        this.resourceId = cluster.id;
        this.nodeSubnetIds = pulumi.output(args.systemNodePool.vnetSubnetId ? [args.systemNodePool.vnetSubnetId] : undefined);
        this.addonIdentity = identityFrom(pulumi.all([cluster.addonProfiles, args.resourceGroupName, clusterName]), this);
        this.oidcIssuerUrl = cluster.oidcIssuerProfile.apply((profile) => profile?.issuerURL);
        this.kubeconfig = userKubeconfig(args.resourceGroupName, cluster.name, this);
        this.registerOutputs({
            addonIdentity: this.addonIdentity,
            oidcIssuerUrl: this.oidcIssuerUrl,
            kubeconfig: this.kubeconfig,
            clusterName: this.clusterName,
            resourceId: this.resourceId,
        });
    }
}

/** Inputs of a read-only reference to a cluster managed elsewhere. */
export interface ExistingAksClusterArgs {
    /** Resource group of the cluster; may come from another stack or resource. */
    resourceGroupName: pulumi.Input<string>;
    /** Cluster name; may come from another stack or resource. */
    name: pulumi.Input<string>;
    /** Fail at preview unless the OIDC issuer and workload identity are enabled. Plain: decides what is checked. */
    requireWorkloadIdentity?: boolean;
    /**
     * Fail at preview when the cluster cannot take AKS identity bindings (see `identityBindingSupportError`). Plain:
     * decides what is checked.
     */
    requireIdentityBindingSupport?: boolean;
}

/**
 * Why a cluster cannot take AKS identity bindings, or undefined: the AKS documentation (identity-bindings-concepts,
 * "What limitations exist for identity bindings?") names API server VNet integration as not supported yet.
 */
export function identityBindingSupportError(
    cluster: { apiServerAccessProfile?: { enableVnetIntegration?: boolean } },
    clusterName: string,
): string | undefined {
    return cluster.apiServerAccessProfile?.enableVnetIntegration
        ? `AKS cluster "${clusterName}" has API server VNet integration, and AKS does not support identity bindings on such clusters yet. ` +
              `Use identity mode workloadIdentity for its apps instead.`
        : undefined;
}

/** The OIDC issuer URL of a cluster, or an error that says how to turn it on. */
export function oidcIssuerOrError(
    cluster: {
        oidcIssuerProfile?: { enabled?: boolean; issuerURL?: string };
        securityProfile?: { workloadIdentity?: { enabled?: boolean } };
    },
    clusterName: string,
    resourceGroupName: string,
): { issuerUrl: string } | { error: string } {
    if (cluster.oidcIssuerProfile?.enabled && cluster.oidcIssuerProfile.issuerURL && cluster.securityProfile?.workloadIdentity?.enabled) {
        return { issuerUrl: cluster.oidcIssuerProfile.issuerURL };
    }
    return {
        error:
            `AKS cluster "${clusterName}" does not have the OIDC issuer and workload identity enabled, which workload-identity apps need. Enable them with:\n` +
            `    az aks update --name ${clusterName} --resource-group ${resourceGroupName} --enable-oidc-issuer --enable-workload-identity`,
    };
}

/**
 * The subnets of a cluster's node pools (`vnetSubnetID`), or undefined when they are not named: a cluster in an
 * AKS-managed VNet has none, so nothing can be matched against a vault's virtual network rules.
 */
export function nodeSubnetIds(cluster: { agentPoolProfiles?: ReadonlyArray<{ vnetSubnetID?: string }> }): string[] | undefined {
    const subnets = [...new Set((cluster.agentPoolProfiles ?? []).map((pool) => pool.vnetSubnetID).filter((id): id is string => !!id))];
    return subnets.length > 0 ? subnets : undefined;
}

/**
 * A cluster that exists outside this program, read only: its addon identity, OIDC issuer and kubeconfig.
 * Fails at preview, with the command to run, when the addon (or workload identity, if required) is off, and, when
 * identity-binding support is required, on a cluster with API server VNet integration.
 */
export class ExistingAksCluster extends pulumi.ComponentResource implements ClusterFacts {
    /** The addon's managed identity: clientId for SecretProviderClasses, objectId for role assignments. */
    public readonly addonIdentity: pulumi.Output<AddonIdentity>;
    /** OIDC issuer URL for federated credentials; undefined when the issuer is off. */
    public readonly oidcIssuerUrl: pulumi.Output<string | undefined>;
    /** Admin-free user kubeconfig (secret). */
    public readonly kubeconfig: pulumi.Output<string>;
    /** Cluster name. */
    public readonly clusterName: pulumi.Output<string>;
    /** Subnets of its node pools; undefined for an AKS-managed VNet (see nodeSubnetIds). */
    public readonly nodeSubnetIds: pulumi.Output<string[] | undefined>;

    constructor(name: string, args: ExistingAksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${TOKEN_PREFIX}:index:ExistingAksCluster`, name, {}, opts);
        const { resourceGroupName, name: clusterName } = args;
        const cluster = containerservice.getManagedClusterOutput({ resourceGroupName, resourceName: clusterName }, { parent: this });
        // The names, resolved with the cluster: the errors name them in the `az` commands that fix the cluster.
        const names = pulumi.all([resourceGroupName, clusterName]);
        this.addonIdentity = identityFrom(pulumi.all([cluster.addonProfiles, resourceGroupName, clusterName]), this);
        this.oidcIssuerUrl = pulumi.all([cluster, names]).apply(([live, [group, resourceName]]) => {
            const result = oidcIssuerOrError(live, resourceName, group);
            if ("error" in result) {
                if (args.requireWorkloadIdentity) {
                    throw new pulumi.ResourceError(result.error, this, true);
                }
                return undefined;
            }
            return result.issuerUrl;
        });
        // Apps that bind their identity to the cluster use its name, so they wait for (and fail with) this check.
        this.clusterName = pulumi.all([cluster, names]).apply(([live, [, resourceName]]) => {
            const unsupported = args.requireIdentityBindingSupport ? identityBindingSupportError(live, resourceName) : undefined;
            if (unsupported) {
                throw new pulumi.ResourceError(unsupported, this, true);
            }
            return live.name;
        });
        this.nodeSubnetIds = cluster.apply(nodeSubnetIds);
        this.kubeconfig = userKubeconfig(resourceGroupName, clusterName, this);
        this.registerOutputs({
            addonIdentity: this.addonIdentity,
            oidcIssuerUrl: this.oidcIssuerUrl,
            kubeconfig: this.kubeconfig,
            clusterName: this.clusterName,
            nodeSubnetIds: this.nodeSubnetIds,
        });
    }
}
