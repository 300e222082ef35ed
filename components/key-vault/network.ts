import type * as pulumi from "@pulumi/pulumi";
import { sameArmId, virtualNetworkOfSubnet } from "../shared/arm-ids";

/**
 * Whether an AKS cluster can reach a Key Vault over the network: the vault's public access, its firewall
 * (`networkAcls`) and its private endpoints, as Azure evaluates them. One rule set for a vault this program creates
 * (checked from config, at preview) and for an existing one (checked from what Azure returns for it).
 */

/** Name of the private DNS zone of Key Vault private endpoints (Azure public cloud). */
export const KEY_VAULT_PRIVATE_DNS_ZONE = "privatelink.vaultcore.azure.net";
/** The private-link sub-resource (group ID) of a vault. */
export const KEY_VAULT_PRIVATE_LINK_GROUP = "vault";
/** Zone names of Key Vault private endpoints in the Azure clouds (public, US Government, China). */
export const KEY_VAULT_PRIVATE_DNS_ZONES = [
    KEY_VAULT_PRIVATE_DNS_ZONE,
    "privatelink.vaultcore.usgovcloudapi.net",
    "privatelink.vaultcore.azure.cn",
];

/** Azure's trusted services do not skip the firewall unless asked: AKS is not one of them (see vaultReachability). */
export const DEFAULT_FIREWALL_BYPASS = "None";

/** An IPv4 address or CIDR range, the forms Key Vault's firewall accepts. */
export function isIpv4Rule(value: string): boolean {
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(value);
    return (
        !!match &&
        match.slice(1, 5).every((octet) => Number(octet) <= 255 && String(Number(octet)) === octet) &&
        (match[5] === undefined || Number(match[5]) <= 32)
    );
}

/** A private endpoint this program creates for a vault. */
export interface CreatedPrivateEndpointArgs {
    /** The program creates the endpoint (and, unless `privateDnsZoneId` is given, its DNS zone). */
    mode: "create";
    /** ARM ID of the subnet the endpoint's network interface goes in (any subnet of a VNet the cluster's nodes reach). */
    subnetId: pulumi.Input<string>;
    /** ARM ID of an existing `privatelink.vaultcore.azure.net` zone to register the endpoint in; default: the program creates the zone. */
    privateDnsZoneId?: pulumi.Input<string>;
    /**
     * VNets to link the zone to, so names resolve to the endpoint there: the cluster's VNet(s). Default: the
     * subnet's VNet when the program creates the zone, none with an existing zone (its owner links it).
     */
    linkVirtualNetworkIds?: pulumi.Input<string>[];
    /** Resource group of the endpoint (and of a created zone); default: the vault's. */
    resourceGroupName?: pulumi.Input<string>;
    /** Region of the endpoint: the region of the subnet's VNet; default: the vault's. */
    location?: pulumi.Input<string>;
}

/** A private endpoint to the vault managed outside this program (another stack, the network team), declared so the checks count it. */
export interface ExternalPrivateEndpointArgs {
    /** The endpoint exists outside this program; the reachability checks count it. */
    mode: "external";
    /** ARM ID of the private endpoint. Plain: checked as a private endpoint ID at construction. */
    id: string;
}

/** A private endpoint of the vault: one the program creates, or one that exists (or will) outside it. */
export type KeyVaultPrivateEndpointArgs = CreatedPrivateEndpointArgs | ExternalPrivateEndpointArgs;

/** The firewall of a vault this program creates (Azure evaluates it only while public network access is enabled). */
export interface KeyVaultNetworkAclsArgs {
    /**
     * What happens to traffic no rule matches: "Deny" turns the firewall on. Plain: the reachability check at
     * construction reads it.
     */
    defaultAction: "Allow" | "Deny";
    /**
     * Whether Azure's trusted services skip the firewall; default "None", since nothing this program sets up needs it:
     * AKS is not a trusted service (see vaultReachability). Plain: the reachability check at construction reads it.
     */
    bypass?: "AzureServices" | "None";
    /** ARM IDs of subnets let in (the cluster's node subnet), each with the Microsoft.KeyVault service endpoint. */
    virtualNetworkSubnetIds?: pulumi.Input<string>[];
    /** IPv4 addresses or CIDR ranges let in (the cluster's egress IPs). Plain: checked at construction. */
    ipRules?: string[];
}

/** A vault's network settings, in the shape Azure returns them (`properties` of a vault). */
export interface VaultNetworkState {
    /** "Enabled" or "Disabled" (any case); absent means enabled. */
    publicNetworkAccess?: string;
    networkAcls?: {
        /** "Allow" or "Deny"; absent means Allow. */
        defaultAction?: string;
        /** "AzureServices" or "None": it never lets AKS pods through (see vaultReachability). */
        bypass?: string;
        ipRules?: ReadonlyArray<{ value?: string }>;
        virtualNetworkRules?: ReadonlyArray<{ id?: string }>;
    };
    privateEndpointConnections?: ReadonlyArray<{
        id?: string;
        privateEndpoint?: { id?: string };
        privateLinkServiceConnectionState?: { status?: string };
    }>;
}

/** What lets the cluster reach the vault besides the vault's own settings, and what is known about the cluster. */
export interface ReachabilityContext {
    /**
     * Private endpoints that will exist without being in the vault's state yet: the one this stack creates, one
     * managed elsewhere that the user declares. Each described for messages.
     */
    plannedPrivateEndpoints: readonly string[];
    /** The subnets of the cluster's node pools, when known (a cluster in an AKS-managed VNet has none to name). */
    clusterSubnetIds?: readonly string[];
}

/** How the cluster reaches the vault, or why it cannot, or what decides it that the program cannot see. */
export type Reachability =
    | { verdict: "reachable"; via: "public network" | "private endpoint" | "virtual network rule" | "ip rule"; detail?: string }
    | { verdict: "unreachable"; reason: "public access disabled"; pendingConnections: string[]; ignoredFirewallRules: number }
    | { verdict: "unreachable"; reason: "firewall without rules" }
    | {
          verdict: "unverifiable";
          reason: "virtual network rules not matched";
          ruleSubnetIds: string[];
          clusterSubnetIds?: readonly string[];
      };

function lower(value: string | undefined): string {
    return (value ?? "").toLowerCase();
}

/**
 * How Azure lets the cluster's pods reach the vault's data plane:
 * - public access disabled: only an approved private endpoint connection (the firewall rules are not evaluated then);
 * - public access enabled, firewall default Deny: a private endpoint, a virtual network rule for the subnet the
 *   pods' traffic leaves from (with the Microsoft.KeyVault service endpoint), or an IP rule for the cluster's egress
 *   address. `bypass: AzureServices` does not count: Key Vault's trusted services are services whose code Microsoft
 *   runs ("Trusted services" in https://learn.microsoft.com/azure/key-vault/general/network-security and
 *   .../overview-vnet-service-endpoints; an AKS cluster runs the customer's code), and a Key Vault maintainer confirms
 *   AKS is not one (https://github.com/Azure/secrets-store-csi-driver-provider-azure/issues/873).
 * IP rules are taken as reaching the cluster: its egress address is not something this program can read.
 */
export function vaultReachability(state: VaultNetworkState, context: ReachabilityContext): Reachability {
    const connections = state.privateEndpointConnections ?? [];
    const approved = connections.filter((connection) => lower(connection.privateLinkServiceConnectionState?.status) === "approved");
    if (approved.length > 0 || context.plannedPrivateEndpoints.length > 0) {
        return {
            verdict: "reachable",
            via: "private endpoint",
            detail: context.plannedPrivateEndpoints[0] ?? approved[0].privateEndpoint?.id,
        };
    }
    const acls = state.networkAcls;
    const ipRules = (acls?.ipRules ?? []).map((rule) => rule.value ?? "").filter((value) => value !== "");
    const ruleSubnetIds = (acls?.virtualNetworkRules ?? []).map((rule) => rule.id ?? "").filter((id) => id !== "");
    if (lower(state.publicNetworkAccess) === "disabled") {
        const pending = connections
            .filter((connection) => lower(connection.privateLinkServiceConnectionState?.status) === "pending")
            .map((connection) => connection.id ?? connection.privateEndpoint?.id ?? "");
        return {
            verdict: "unreachable",
            reason: "public access disabled",
            pendingConnections: pending.filter((id) => id !== ""),
            ignoredFirewallRules: ipRules.length + ruleSubnetIds.length,
        };
    }
    if (lower(acls?.defaultAction) !== "deny") {
        return { verdict: "reachable", via: "public network" };
    }
    const clusterSubnets = context.clusterSubnetIds;
    const matched = clusterSubnets ? ruleSubnetIds.find((rule) => clusterSubnets.some((subnet) => sameArmId(rule, subnet))) : undefined;
    if (matched) {
        return { verdict: "reachable", via: "virtual network rule", detail: matched };
    }
    if (ipRules.length > 0) {
        return { verdict: "reachable", via: "ip rule", detail: ipRules.join(", ") };
    }
    if (ruleSubnetIds.length === 0) {
        return { verdict: "unreachable", reason: "firewall without rules" };
    }
    return { verdict: "unverifiable", reason: "virtual network rules not matched", ruleSubnetIds, clusterSubnetIds: clusterSubnets };
}

/** The vault named in a message, with the resource group the az commands need. */
export interface VaultReference {
    vaultName: string;
    resourceGroupName: string;
}

function nodeSubnetArgument(clusterSubnetIds: readonly string[] | undefined): string {
    return clusterSubnetIds && clusterSubnetIds.length > 0 ? clusterSubnetIds[0] : "<node-subnet-id>";
}

/** The az commands that let the cluster in through the vault's firewall by its node subnet. */
function subnetRuleCommands(vault: VaultReference, clusterSubnetIds: readonly string[] | undefined): string {
    const subnet = nodeSubnetArgument(clusterSubnetIds);
    // `subnet update --service-endpoints` replaces the subnet's list, so the services it has are listed first.
    return (
        `    az network vnet subnet show --ids ${subnet} --query "serviceEndpoints[].service" -o tsv\n` +
        `    az network vnet subnet update --ids ${subnet} --service-endpoints Microsoft.KeyVault <the services listed above>\n` +
        `    az keyvault network-rule add --name ${vault.vaultName} --resource-group ${vault.resourceGroupName} --subnet ${subnet}`
    );
}

/**
 * Error for an existing vault the cluster cannot reach (pods would fail to mount with 403), naming what is wrong and
 * the commands that fix it; undefined when it can, or when what decides it is not visible (see the warning).
 */
export function vaultReachabilityError(state: VaultNetworkState, vault: VaultReference, context: ReachabilityContext): string | undefined {
    const reachability = vaultReachability(state, context);
    if (reachability.verdict !== "unreachable") {
        return undefined;
    }
    const privateEndpointFix =
        `set keyVault.privateEndpoint (privateEndpoint of the KeyVault component) to create a private endpoint in a subnet the cluster's VNet reaches, or create one with:\n` +
        `    az network private-endpoint create --name pe-${vault.vaultName} --resource-group <resource-group> --subnet <subnet-id> ` +
        `--private-connection-resource-id $(az keyvault show --name ${vault.vaultName} --query id -o tsv) --group-id ${KEY_VAULT_PRIVATE_LINK_GROUP} --connection-name ${vault.vaultName}`;
    if (reachability.reason === "public access disabled") {
        const pending = reachability.pendingConnections
            .map((id) => `    az network private-endpoint-connection approve --id ${id}`)
            .join("\n");
        const ignored =
            reachability.ignoredFirewallRules > 0
                ? ` Its ${reachability.ignoredFirewallRules} firewall rule${reachability.ignoredFirewallRules === 1 ? "" : "s"} do${reachability.ignoredFirewallRules === 1 ? "es" : ""} not apply: Azure ignores networkAcls while public access is disabled.`
                : "";
        return (
            `Key Vault "${vault.vaultName}" has public network access disabled and no approved private endpoint connection, so the cluster cannot reach it: ` +
            `pods would fail to mount with 403 ("Public network access is disabled and request is not from a trusted service nor via an approved private link").${ignored} Fix: ` +
            (pending
                ? `approve its pending private endpoint connection${reachability.pendingConnections.length === 1 ? "" : "s"}:\n${pending}\nor `
                : "") +
            privateEndpointFix
        );
    }
    return (
        `Key Vault "${vault.vaultName}" denies public traffic by default (networkAcls.defaultAction Deny) and has no virtual network rule, no IP rule and no approved ` +
        `private endpoint connection, so the cluster cannot reach it: pods would fail to mount with 403. Its bypass setting does not help: Azure's trusted services ` +
        `do not include the code running in an AKS cluster. Fix: allow the cluster's node subnet (the Microsoft.KeyVault service endpoint on the subnet, then the rule):\n` +
        `${subnetRuleCommands(vault, context.clusterSubnetIds)}\n` +
        `or its egress IP (az keyvault network-rule add --name ${vault.vaultName} --resource-group ${vault.resourceGroupName} --ip-address <egress-ip>), or ` +
        privateEndpointFix
    );
}

/**
 * Warning for a vault whose firewall lets in subnets none of which is known to be the cluster's: pods reach it only
 * if their traffic leaves from one of those subnets (through a firewall or NAT there, say), which the program cannot
 * see. Undefined in every other case.
 */
export function vaultReachabilityWarning(
    state: VaultNetworkState,
    vault: VaultReference,
    context: ReachabilityContext,
): string | undefined {
    const reachability = vaultReachability(state, context);
    if (reachability.verdict !== "unverifiable") {
        return undefined;
    }
    const rules = reachability.ruleSubnetIds.join(", ");
    const why = reachability.clusterSubnetIds
        ? `none of them is a node subnet of the cluster (${reachability.clusterSubnetIds.join(", ") || "none named"})`
        : "this stack does not know the cluster's node subnets (a cluster it creates without systemNodePool.vnetSubnetId is in an AKS-managed VNet; an external cluster is not read)";
    return (
        `Key Vault "${vault.vaultName}" denies public traffic by default and lets in only the subnet${reachability.ruleSubnetIds.length === 1 ? "" : "s"} ${rules}; ${why}. ` +
        `Pods reach the vault only if their traffic leaves from one of those subnets with the Microsoft.KeyVault service endpoint; otherwise mounts fail with 403. ` +
        `This is not an error because the program cannot see your routes. If the nodes are elsewhere, allow their subnet:\n${subnetRuleCommands(vault, reachability.clusterSubnetIds)}\n` +
        `or use a private endpoint (keyVault.privateEndpoint).`
    );
}

/**
 * Warning when the cluster's VNets are known and one of them is not linked to the private DNS zone this program
 * creates for the vault's endpoint: its pods would resolve the vault's public address and be refused. `zoneLinks`:
 * the VNets the created zone is linked to; undefined for an existing zone, whose other links are not known here.
 */
export function privateDnsLinkWarning(
    vault: VaultReference,
    zoneLinks: readonly string[] | undefined,
    clusterSubnetIds: readonly string[] | undefined,
): string | undefined {
    if (!zoneLinks || !clusterSubnetIds) {
        return undefined;
    }
    const clusterNetworks = [
        ...new Set(clusterSubnetIds.map((subnet) => virtualNetworkOfSubnet(subnet)).filter((id): id is string => id !== undefined)),
    ];
    const unlinked = clusterNetworks.filter((network) => !zoneLinks.some((link) => sameArmId(link, network)));
    if (unlinked.length === 0) {
        return undefined;
    }
    return (
        `Key Vault "${vault.vaultName}": the cluster's VNet ${unlinked.join(", ")} is not linked to the ${KEY_VAULT_PRIVATE_DNS_ZONE} zone of its private endpoint ` +
        `(linked: ${zoneLinks.join(", ") || "none"}), so pods there resolve the vault's public address instead of the endpoint's and are refused (403) ` +
        `while public access is disabled or the firewall denies them. Add it to privateEndpoint.linkVirtualNetworkIds, unless that VNet's DNS servers ` +
        `resolve the zone another way (a hub's resolver).`
    );
}

/**
 * Warning for a private endpoint to the vault while the cluster this stack creates is in an AKS-managed VNet, which
 * the config cannot name: not the endpoint's VNet, not linked to its zone, so pods resolve and reach the vault's public
 * address. Undefined otherwise.
 */
export function managedNetworkPrivateEndpointWarning(
    vaultName: string,
    clusterInManagedNetwork: boolean,
    hasPrivateEndpoint: boolean,
): string | undefined {
    if (!clusterInManagedNetwork || !hasPrivateEndpoint) {
        return undefined;
    }
    return (
        `Key Vault "${vaultName}" has a private endpoint, but the cluster this stack creates has no cluster.systemNodePool.vnetSubnetId, so AKS puts its nodes in a VNet ` +
        `of its own that is neither the endpoint's nor linked to its ${KEY_VAULT_PRIVATE_DNS_ZONE} zone: pods would resolve the vault's public address and be refused (403) ` +
        `while public access is disabled. Set cluster.systemNodePool.vnetSubnetId to a subnet of a VNet the endpoint is in or peered with and linked to the zone.`
    );
}
