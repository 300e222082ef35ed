import * as pulumi from "@pulumi/pulumi";
import * as keyvault from "@pulumi/azure-native/keyvault";
import { TOKEN_PREFIX } from "../shared/token";
import { Problem, duplicates, isGuid, throwIfProblems } from "../shared/validation";
import { keyVaultNameProblems } from "./names";
import { armIdProblems, parseArmId } from "../shared/arm-ids";
import { createPrivateEndpoint, linkedVirtualNetworks } from "./private-endpoint";
import {
    DEFAULT_FIREWALL_BYPASS,
    KEY_VAULT_PRIVATE_DNS_ZONE,
    KEY_VAULT_PRIVATE_DNS_ZONES,
    KeyVaultNetworkAclsArgs,
    KeyVaultPrivateEndpointArgs,
    VaultNetworkState,
    VaultReference,
    isIpv4Rule,
    privateDnsLinkWarning,
    vaultReachability,
    vaultReachabilityError,
    vaultReachabilityWarning,
} from "./network";

/** AKS nodes reach a vault over its public endpoint unless it is closed (then through a private endpoint). */
export const DEFAULT_PUBLIC_NETWORK_ACCESS = "Enabled";
/** Purge protection is on unless turned off: a deleted vault or secret can then be recovered. */
export const DEFAULT_PURGE_PROTECTION = true;
/** The soft-delete retention Azure accepts, in days. */
export const SOFT_DELETE_RETENTION_DAYS = { min: 7, max: 90 } as const;
/** Azure's longest soft-delete retention, in days. */
export const DEFAULT_SOFT_DELETE_RETENTION_DAYS = SOFT_DELETE_RETENTION_DAYS.max;
/** Key Vault's SKU without HSM-backed keys, enough for secrets and certificates. */
export const DEFAULT_SKU_NAME = "standard";

/** Inputs every vault takes, created or read. */
export interface KeyVaultCommonArgs {
    /**
     * Vault name (globally unique, 3-24 characters). Plain: checked at construction, named in the reachability errors,
     * and it names the private endpoint's resources.
     */
    name: string;
    /** Resource group of the vault (existing for both modes). */
    resourceGroupName: pulumi.Input<string>;
    /**
     * A private endpoint to the vault: `{ mode: "create", subnetId, ... }` for this component to create one (with
     * its DNS zone, VNet links and zone group), or, for a vault it creates, `{ mode: "external", id }` for one
     * managed elsewhere. An existing vault's own connections are read from Azure. Plain: decides which resources
     * exist, and the reachability check at construction counts it.
     */
    privateEndpoint?: KeyVaultPrivateEndpointArgs;
    /**
     * Subnets of the cluster's node pools, when known (an ExistingAksCluster's `nodeSubnetIds`): the firewall check
     * matches the vault's virtual network rules against them, and warns when it cannot.
     */
    clusterSubnetIds?: pulumi.Input<string[] | undefined>;
    /** Tags on what this component creates. */
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Inputs of a Key Vault this component creates. */
export interface CreateKeyVaultArgs extends KeyVaultCommonArgs {
    /** Create a new vault in RBAC mode. */
    mode: "create";
    /** Region of the vault. */
    location: pulumi.Input<string>;
    /** Entra tenant of the vault. */
    tenantId: pulumi.Input<string>;
    /**
     * Public network access; default "Enabled" (AKS nodes reach it over its public endpoint). "Disabled" needs a
     * private endpoint (`privateEndpoint`), else the cluster cannot reach the vault and construction fails. Plain:
     * the reachability check at construction reads it.
     */
    publicNetworkAccess?: "Enabled" | "Disabled";
    /**
     * The vault's firewall; default none (every network, subject to RBAC). A Deny needs a rule or private endpoint
     * that reaches the cluster. Plain where the reachability check at construction reads it.
     */
    networkAcls?: KeyVaultNetworkAclsArgs;
    /**
     * Purge protection; default true. Azure cannot turn it off once on, so `false` only leaves it unset on a vault
     * that never had it. Plain: decides whether the property is sent at all.
     */
    enablePurgeProtection?: boolean;
    /** Soft-delete retention in days (7-90); default 90. Plain: checked at construction. */
    softDeleteRetentionInDays?: number;
    /** SKU; default "standard". Plain: a choice between two constants. */
    skuName?: "standard" | "premium";
}

/** Inputs of an existing Key Vault, read and checked (RBAC mode, network reachability), never changed. */
export interface ExistingKeyVaultArgs extends KeyVaultCommonArgs {
    /** Use a vault that exists. */
    mode: "existing";
}

/** Inputs of a Key Vault this program creates, or one it only reads. */
export type KeyVaultArgs = CreateKeyVaultArgs | ExistingKeyVaultArgs;

/** Problems with the network inputs; for a vault this component creates, whether the cluster can reach it. */
function networkProblems(args: KeyVaultArgs): Problem[] {
    const problems: Problem[] = [];
    const endpoint = args.privateEndpoint;
    const plain = (value: pulumi.Input<string> | undefined): value is string => typeof value === "string";
    if (endpoint?.mode === "create") {
        if (plain(endpoint.subnetId)) {
            problems.push(...armIdProblems(endpoint.subnetId, "subnet", "privateEndpoint.subnetId"));
        }
        if (plain(endpoint.privateDnsZoneId)) {
            const zone = parseArmId(endpoint.privateDnsZoneId, "privateDnsZone");
            problems.push(...armIdProblems(endpoint.privateDnsZoneId, "privateDnsZone", "privateEndpoint.privateDnsZoneId"));
            if (zone && !KEY_VAULT_PRIVATE_DNS_ZONES.includes(zone.names[0].toLowerCase())) {
                problems.push({
                    where: "privateEndpoint.privateDnsZoneId",
                    message: `is the zone "${zone.names[0]}", where Key Vault's private endpoint names do not resolve`,
                    fix: `use the ${KEY_VAULT_PRIVATE_DNS_ZONE} zone (${KEY_VAULT_PRIVATE_DNS_ZONES.slice(1).join(" or ")} in the US Government and China clouds), or leave privateDnsZoneId out for this program to create it`,
                });
            }
        }
        const links = endpoint.linkVirtualNetworkIds ?? [];
        links.forEach((id, index) => {
            if (plain(id)) {
                problems.push(...armIdProblems(id, "virtualNetwork", `privateEndpoint.linkVirtualNetworkIds[${index}]`));
            }
        });
        for (const repeated of duplicates(links.filter(plain).map((id) => id.toLowerCase()))) {
            problems.push({
                where: "privateEndpoint.linkVirtualNetworkIds",
                message: `links the VNet ${repeated} more than once (Azure links a VNet to a zone once)`,
                fix: "list each VNet once",
            });
        }
    } else if (endpoint?.mode === "external") {
        if (args.mode === "existing") {
            problems.push({
                where: "privateEndpoint",
                message: "declares a private endpoint of an existing vault, whose private endpoint connections are read from Azure",
                fix: 'remove it, or use { mode: "create", subnetId } for this program to create one',
            });
        }
        problems.push(...armIdProblems(endpoint.id, "privateEndpoint", "privateEndpoint.id"));
    } else if (endpoint !== undefined) {
        problems.push({
            where: "privateEndpoint.mode",
            message: `"${String((endpoint as { mode?: unknown }).mode)}" is not a private endpoint mode`,
            fix: 'use "create" or "external"',
        });
    }
    if (args.mode !== "create") {
        const settings = args as Partial<Pick<CreateKeyVaultArgs, "publicNetworkAccess" | "networkAcls">>;
        for (const key of ["publicNetworkAccess", "networkAcls"] as const) {
            if (settings[key] !== undefined) {
                problems.push({
                    where: key,
                    message: "is set for an existing vault, whose network settings this program reads and checks but does not change",
                    fix: `remove it, and change the vault itself (az keyvault update --name ${args.name} ..., az keyvault network-rule add ...)`,
                });
            }
        }
        return problems;
    }
    const acls = args.networkAcls;
    if (acls) {
        if (acls.defaultAction !== "Allow" && acls.defaultAction !== "Deny") {
            problems.push({
                where: "networkAcls.defaultAction",
                message: `"${String(acls.defaultAction)}" is not a firewall action`,
                fix: 'use "Deny" (firewall on) or "Allow"',
            });
        }
        if (acls.bypass !== undefined && acls.bypass !== "AzureServices" && acls.bypass !== "None") {
            problems.push({
                where: "networkAcls.bypass",
                message: `"${String(acls.bypass)}" is not a bypass option`,
                fix: 'use "None" or "AzureServices"',
            });
        }
        (acls.virtualNetworkSubnetIds ?? []).forEach((id, index) => {
            if (plain(id)) {
                problems.push(...armIdProblems(id, "subnet", `networkAcls.virtualNetworkSubnetIds[${index}]`));
            }
        });
        (acls.ipRules ?? []).forEach((rule, index) => {
            if (!isIpv4Rule(rule)) {
                problems.push({
                    where: `networkAcls.ipRules[${index}]`,
                    message: `"${rule}" is not an IPv4 address or CIDR range`,
                    fix: 'use a form such as "203.0.113.7" or "203.0.113.0/24" (Key Vault\'s firewall takes IPv4 only)',
                });
            }
        });
    }
    // A rule's subnet ID that is still an Output counts as a rule; it is matched to the cluster once known (KeyVault.checkedNetwork).
    const ruleSubnetIds = (acls?.virtualNetworkSubnetIds ?? []).map((id) => (plain(id) ? id : "(output)"));
    const reachability = vaultReachability(plannedNetworkState(args, ruleSubnetIds), {
        plannedPrivateEndpoints: endpoint ? [describePrivateEndpoint(endpoint)] : [],
    });
    if (reachability.verdict === "unreachable" && reachability.reason === "public access disabled") {
        problems.push({
            where: "publicNetworkAccess",
            message:
                '"Disabled" with no private endpoint leaves the cluster no way to reach the vault (pods would fail to mount with 403)' +
                (reachability.ignoredFirewallRules > 0 ? "; networkAcls do not apply while public access is disabled" : ""),
            fix: 'set privateEndpoint: { mode: "create", subnetId: <subnet ID> } for this program to create one, or { mode: "external", id: <private endpoint ID> } for one managed elsewhere; or set publicNetworkAccess "Enabled" with networkAcls that let the cluster in',
        });
    } else if (reachability.verdict === "unreachable") {
        problems.push({
            where: "networkAcls.defaultAction",
            message:
                '"Deny" with no virtualNetworkSubnetIds, no ipRules and no private endpoint leaves the cluster no way to reach the vault (pods would fail to mount with 403); ' +
                "bypass AzureServices does not let AKS pods through, AKS is not one of Key Vault's trusted services",
            fix: "add the cluster's node subnet to networkAcls.virtualNetworkSubnetIds (with the Microsoft.KeyVault service endpoint on the subnet) or its egress IP to networkAcls.ipRules, or set privateEndpoint",
        });
    }
    return problems;
}

/** The network state a vault this component creates will have, in Azure's shape, with its rules' subnet IDs as given. */
function plannedNetworkState(args: CreateKeyVaultArgs, ruleSubnetIds: readonly string[]): VaultNetworkState {
    const acls = args.networkAcls;
    return {
        publicNetworkAccess: args.publicNetworkAccess ?? DEFAULT_PUBLIC_NETWORK_ACCESS,
        networkAcls: acls && {
            defaultAction: acls.defaultAction,
            bypass: acls.bypass,
            ipRules: (acls.ipRules ?? []).map((value) => ({ value })),
            virtualNetworkRules: ruleSubnetIds.map((id) => ({ id })),
        },
    };
}

function describePrivateEndpoint(endpoint: KeyVaultPrivateEndpointArgs): string {
    return endpoint.mode === "external" ? `private endpoint ${endpoint.id}` : "the private endpoint this stack creates";
}

/** Problems with vault arguments. */
export function keyVaultProblems(args: KeyVaultArgs): Problem[] {
    const problems = keyVaultNameProblems(args.name, "name");
    if (args.mode !== "create" && args.mode !== "existing") {
        problems.push({
            where: "mode",
            message: `"${String((args as { mode?: unknown }).mode)}" is not a vault mode`,
            fix: 'use "create" or "existing"',
        });
        return problems;
    }
    if (args.mode === "create") {
        if (args.location === undefined) {
            problems.push({ where: "location", message: "is required to create a vault", fix: 'set a region such as "westeurope"' });
        }
        if (args.tenantId === undefined) {
            problems.push({ where: "tenantId", message: "is required to create a vault", fix: "set the Entra tenant ID" });
        } else if (typeof args.tenantId === "string" && !isGuid(args.tenantId)) {
            problems.push({ where: "tenantId", message: `"${args.tenantId}" is not a GUID`, fix: "use the Entra tenant ID" });
        }
        const retention = args.softDeleteRetentionInDays;
        const { min, max } = SOFT_DELETE_RETENTION_DAYS;
        if (retention !== undefined && (!Number.isInteger(retention) || retention < min || retention > max)) {
            problems.push({
                where: "softDeleteRetentionInDays",
                message: `${retention} is outside ${min}-${max}`,
                fix: `use a whole number of days from ${min} to ${max}`,
            });
        }
    }
    problems.push(...networkProblems(args));
    return problems;
}

/**
 * Error for a vault whose data plane is not governed by Azure RBAC: role assignments would have no effect and
 * pods would fail with 403 at start, so this fails the preview instead.
 */
export function accessPolicyModeError(
    properties: { enableRbacAuthorization?: boolean },
    vaultName: string,
    resourceGroupName: string,
): string | undefined {
    if (properties.enableRbacAuthorization === true) {
        return undefined;
    }
    return (
        `Key Vault "${vaultName}" uses access policies, not Azure RBAC, so the role assignments this program makes would have no effect ` +
        `and pods would get 403 when they mount secrets. Migrate it (after granting RBAC roles to everyone who uses its access policies) with:\n` +
        `    az keyvault update --name ${vaultName} --resource-group ${resourceGroupName} --enable-rbac-authorization true`
    );
}

/**
 * A Key Vault in RBAC mode with soft delete and purge protection, created or read, optionally with a private endpoint.
 * Construction fails when the cluster could not reach a vault it creates; an existing vault's RBAC mode and network
 * rules are checked when it is read (at preview).
 */
export class KeyVault extends pulumi.ComponentResource {
    /** ARM resource ID: the scope of role assignments. */
    public readonly vaultId: pulumi.Output<string>;
    /** Vault name, for SecretProviderClass `keyvaultName`. */
    public readonly vaultName: pulumi.Output<string>;
    /** Tenant ID of the vault, for SecretProviderClass `tenantID`. */
    public readonly tenantId: pulumi.Output<string>;
    /** Vault URI. */
    public readonly vaultUri: pulumi.Output<string>;
    /** ARM ID of the private endpoint this component creates, when it creates one. */
    public readonly privateEndpointId?: pulumi.Output<string>;

    constructor(name: string, args: KeyVaultArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${TOKEN_PREFIX}:index:KeyVault`, name, {}, opts);
        throwIfProblems(`KeyVault "${name}"`, keyVaultProblems(args), this);
        const endpoint = args.privateEndpoint;
        const plannedEndpoints = endpoint ? [describePrivateEndpoint(endpoint)] : [];
        // The VNets a zone this component creates is linked to; an existing zone's links are its owner's.
        const zoneLinks =
            endpoint?.mode === "create" && endpoint.privateDnsZoneId === undefined
                ? pulumi.output(linkedVirtualNetworks(endpoint))
                : undefined;
        const vaultReference = pulumi
            .output(args.resourceGroupName)
            .apply((resourceGroupName): VaultReference => ({ vaultName: args.name, resourceGroupName }));
        let vaultId: pulumi.Output<string>;
        let location: pulumi.Input<string>;
        let network: pulumi.Output<VaultNetworkState>;
        if (args.mode === "create") {
            const acls = args.networkAcls;
            const vault = new keyvault.Vault(
                `${name}-vault`,
                {
                    resourceGroupName: args.resourceGroupName,
                    location: args.location,
                    vaultName: args.name,
                    properties: {
                        tenantId: args.tenantId,
                        sku: { family: "A", name: args.skuName ?? DEFAULT_SKU_NAME },
                        enableRbacAuthorization: true,
                        enableSoftDelete: true,
                        softDeleteRetentionInDays: args.softDeleteRetentionInDays ?? DEFAULT_SOFT_DELETE_RETENTION_DAYS,
                        enablePurgeProtection: (args.enablePurgeProtection ?? DEFAULT_PURGE_PROTECTION) ? true : undefined,
                        publicNetworkAccess: args.publicNetworkAccess ?? DEFAULT_PUBLIC_NETWORK_ACCESS,
                        networkAcls: acls && {
                            defaultAction: acls.defaultAction,
                            bypass: acls.bypass ?? DEFAULT_FIREWALL_BYPASS,
                            ipRules: (acls.ipRules ?? []).map((value) => ({ value })),
                            virtualNetworkRules: (acls.virtualNetworkSubnetIds ?? []).map((id) => ({ id })),
                        },
                    },
                    tags: args.tags,
                },
                { parent: this },
            );
            vaultId = vault.id;
            location = args.location;
            network = pulumi.output(acls?.virtualNetworkSubnetIds ?? []).apply((subnetIds) => plannedNetworkState(args, subnetIds));
            this.vaultName = vault.name;
            this.tenantId = vault.properties.tenantId;
            this.vaultUri = vault.properties.apply((properties) => properties.vaultUri ?? "");
            this.vaultId = pulumi
                .all([vault.id, this.checkedNetwork(network, vaultReference, plannedEndpoints, args.clusterSubnetIds, zoneLinks, false)])
                .apply(([id]) => id);
        } else {
            const live = keyvault.getVaultOutput({ resourceGroupName: args.resourceGroupName, vaultName: args.name }, { parent: this });
            const rbacChecked = pulumi.all([live, args.resourceGroupName]).apply(([vault, resourceGroupName]) => {
                const error = accessPolicyModeError(vault.properties, args.name, resourceGroupName);
                if (error) {
                    throw new pulumi.ResourceError(error, this, true);
                }
                return vault;
            });
            network = rbacChecked.properties;
            const reachable = this.checkedNetwork(network, vaultReference, plannedEndpoints, args.clusterSubnetIds, zoneLinks, true);
            const checked = pulumi.all([rbacChecked, reachable]).apply(([vault]) => vault);
            vaultId = live.id;
            // A vault always has a region; the endpoint defaults to it.
            location = live.apply((vault) => vault.location ?? "");
            this.vaultId = checked.id;
            this.vaultName = checked.name;
            this.tenantId = checked.properties.tenantId;
            this.vaultUri = checked.properties.apply((properties) => properties.vaultUri ?? "");
        }
        if (endpoint?.mode === "create") {
            const created = createPrivateEndpoint(
                name,
                this,
                { vaultId, vaultName: args.name, resourceGroupName: args.resourceGroupName, location, tags: args.tags },
                endpoint,
            );
            this.privateEndpointId = created.privateEndpointId;
        }
        this.registerOutputs({
            vaultId: this.vaultId,
            vaultName: this.vaultName,
            tenantId: this.tenantId,
            vaultUri: this.vaultUri,
            privateEndpointId: this.privateEndpointId,
        });
    }

    /**
     * The vault's network state once checked: an existing vault the cluster cannot reach fails (`failWhenUnreachable`;
     * a vault this component creates was checked at construction), and what the program cannot see is warned about, as
     * is a cluster VNet the endpoint's created zone is not linked to (`zoneLinks`).
     */
    private checkedNetwork(
        state: pulumi.Output<VaultNetworkState>,
        vault: pulumi.Output<VaultReference>,
        plannedPrivateEndpoints: string[],
        clusterSubnetIds: pulumi.Input<string[] | undefined> | undefined,
        zoneLinks: pulumi.Output<string[]> | undefined,
        failWhenUnreachable: boolean,
    ): pulumi.Output<VaultNetworkState> {
        return pulumi
            .all([state, vault, pulumi.output(clusterSubnetIds), pulumi.output(zoneLinks)])
            .apply(([network, reference, subnets, links]) => {
                const context = { plannedPrivateEndpoints, clusterSubnetIds: subnets && subnets.length > 0 ? subnets : undefined };
                const error = failWhenUnreachable ? vaultReachabilityError(network, reference, context) : undefined;
                if (error) {
                    throw new pulumi.ResourceError(error, this, true);
                }
                for (const warning of [
                    vaultReachabilityWarning(network, reference, context),
                    privateDnsLinkWarning(reference, links, context.clusterSubnetIds),
                ]) {
                    if (warning) {
                        pulumi.log.warn(warning, this);
                    }
                }
                return network;
            });
    }
}
