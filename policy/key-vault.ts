/** Policies on Key Vaults: the RBAC model, purge protection, network access and the private endpoint a closed vault needs. */
import { PolicyConfigSchema, PolicyResource, ResourceValidationArgs } from "@pulumi/policy";
import { UNKNOWN, itemsOf, read, stackOfUrn, stackSelected, str } from "./props";
import { ResourcePolicy, StackPolicy, displayName, forType, policyConfig } from "./resource-policy";
import { KEY_VAULT_PRIVATE_DNS_ZONE, KEY_VAULT_PRIVATE_LINK_GROUP, vaultReachability } from "../components/key-vault/network";

const VAULT = /^azure-native:keyvault(\/v[0-9a-z]+)?:Vault$/;

export const keyVaultRbacAuthorization: ResourcePolicy = {
    name: "keyvault-rbac-authorization",
    description:
        "Key Vaults use Azure RBAC (enableRbacAuthorization: true), so the role assignments given to workload and addon identities take effect.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Set properties.enableRbacAuthorization: true on the vault (the KeyVault component always does). On an existing vault with access policies, grant the RBAC roles first, then switch the permission model.",
    url: "https://learn.microsoft.com/azure/key-vault/general/rbac-guide",
    tags: ["keyvault", "rbac"],
    validateResource: forType(VAULT, (args, reportViolation) => {
        const rbac = read(args.props, "properties", "enableRbacAuthorization");
        if (rbac === UNKNOWN || rbac === true) {
            return;
        }
        const vault = displayName(args, "vaultName");
        const state =
            rbac === undefined
                ? "does not set properties.enableRbacAuthorization, so Azure creates it with the access-policy model"
                : `sets properties.enableRbacAuthorization to ${JSON.stringify(rbac)}`;
        reportViolation(
            `Key Vault "${vault}" ${state}: role assignments such as "Key Vault Secrets User" for the workload and addon identities ` +
                "have no effect there, and the CSI driver gets 403 Forbidden when a pod mounts its secrets. Set properties.enableRbacAuthorization: true.",
        );
    }),
};

/** Config of a policy that applies on some stacks only. */
interface StackScopedConfig {
    stacks: string[];
}

/** Config schema of a stack-scoped policy (default: prod). */
function stackScopedSchema(description: string): PolicyConfigSchema {
    return { properties: { stacks: { type: "array", items: { type: "string" }, default: ["prod"], description } } };
}

/** The stack of the resource when the policy's `stacks` config selects it, else undefined. */
function selectedStack(args: ResourceValidationArgs): string | undefined {
    const { stacks } = policyConfig<StackScopedConfig>(args, { stacks: ["prod"] });
    const stack = stackOfUrn(args.urn);
    return stackSelected(stacks, stack) ? stack : undefined;
}

export const keyVaultPurgeProtection: ResourcePolicy = {
    name: "keyvault-purge-protection",
    description:
        "Key Vaults on the configured stacks keep soft delete on and enable purge protection, so a deleted vault or secret can be recovered.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Set properties.enableSoftDelete: true and properties.enablePurgeProtection: true (keyVault.enablePurgeProtection in this program). Purge protection cannot be turned off once on.",
    url: "https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview",
    tags: ["keyvault", "recovery"],
    configSchema: stackScopedSchema(
        'Stacks where purge protection is required; "*" means every stack. Dev stacks that are torn down often may leave it off, since a purge-protected vault keeps its name reserved for the whole retention period.',
    ),
    validateResource: forType(VAULT, (args, reportViolation) => {
        const stack = selectedStack(args);
        if (!stack) {
            return;
        }
        const vault = displayName(args, "vaultName");
        const purge = read(args.props, "properties", "enablePurgeProtection");
        if (purge !== UNKNOWN && purge !== true) {
            reportViolation(
                `Key Vault "${vault}" on stack "${stack}" must enable purge protection (properties.enablePurgeProtection: true): without it ` +
                    "a deleted vault or secret can be purged at once and is gone for good. Note that purge protection cannot be turned off once on.",
            );
        }
        const softDelete = read(args.props, "properties", "enableSoftDelete");
        if (softDelete === false) {
            reportViolation(
                `Key Vault "${vault}" on stack "${stack}" sets properties.enableSoftDelete: false; soft delete is required for purge protection ` +
                    "and cannot be turned off on existing vaults. Remove the setting or set it to true.",
            );
        }
    }),
};

export const keyVaultPublicNetworkAccess: ResourcePolicy = {
    name: "keyvault-public-network-access",
    description: "Key Vaults on the configured stacks do not accept data-plane traffic from every network.",
    enforcementLevel: "advisory",
    severity: "medium",
    remediationSteps:
        'Set properties.publicNetworkAccess: "Disabled" and reach the vault through a private endpoint, or keep it enabled with networkAcls.defaultAction: "Deny" and the cluster\'s egress addresses or node subnets allowed (bypass: "AzureServices" does not admit AKS pods).',
    url: "https://learn.microsoft.com/azure/key-vault/general/private-link-service",
    tags: ["keyvault", "network"],
    configSchema: stackScopedSchema('Stacks where the vault must be network-restricted; "*" means every stack.'),
    validateResource: forType(VAULT, (args, reportViolation) => {
        const stack = selectedStack(args);
        if (!stack) {
            return;
        }
        const access = str(read(args.props, "properties", "publicNetworkAccess"));
        const defaultAction = str(read(args.props, "properties", "networkAcls", "defaultAction"));
        if (access === UNKNOWN || defaultAction === UNKNOWN) {
            return;
        }
        // The library's rule: only a vault without a private endpoint, open to public traffic, lets in any network.
        const reachability = vaultReachability(
            { publicNetworkAccess: access, networkAcls: { defaultAction } },
            { plannedPrivateEndpoints: [] },
        );
        if (reachability.verdict !== "reachable" || reachability.via !== "public network") {
            return;
        }
        reportViolation(
            `Key Vault "${displayName(args, "vaultName")}" on stack "${stack}" accepts data-plane requests from any network ` +
                `(publicNetworkAccess is ${access === undefined ? "not set" : `"${access}"`} and networkAcls.defaultAction is not "Deny"). ` +
                'Use a private endpoint with publicNetworkAccess: "Disabled", or networkAcls { defaultAction: "Deny" } with the AKS node subnet in ' +
                'virtualNetworkRules or its egress IP in ipRules (bypass: "AzureServices" does not let AKS pods through: AKS is not a trusted service).',
        );
    }),
};

const PRIVATE_ENDPOINT = /^azure-native:network(\/v[0-9a-z]+)?:PrivateEndpoint$/;

/** True when a private endpoint of the stack connects to `vault` (group KEY_VAULT_PRIVATE_LINK_GROUP): by dependency, or by the vault's ID when known. */
function connectsTo(endpoint: PolicyResource, vault: PolicyResource, vaultName: string): boolean {
    if (endpoint.dependencies.some((dependency) => dependency.urn === vault.urn)) {
        return true;
    }
    return itemsOf(read(endpoint.props, "privateLinkServiceConnections"))
        .concat(itemsOf(read(endpoint.props, "manualPrivateLinkServiceConnections")))
        .some((connection) => {
            const target = str(read(connection, "privateLinkServiceId"));
            return (
                typeof target === "string" &&
                target.toLowerCase().endsWith(`/providers/microsoft.keyvault/vaults/${vaultName.toLowerCase()}`)
            );
        });
}

export const keyVaultPrivateEndpoint: StackPolicy = {
    name: "keyvault-private-endpoint",
    description:
        "A Key Vault with public network access disabled has a private endpoint in the same stack: otherwise nothing this stack deploys can reach it, and CSI mounts fail with 403.",
    // Advisory: the endpoint may rightly live in another stack (the network team's); the KeyVault component then takes it as privateEndpoint { mode: external }.
    enforcementLevel: "advisory",
    severity: "high",
    remediationSteps: `Create a private endpoint (group "${KEY_VAULT_PRIVATE_LINK_GROUP}") to the vault in a subnet the cluster's VNet reaches, with the ${KEY_VAULT_PRIVATE_DNS_ZONE} zone linked to that VNet (keyVault.privateEndpoint { mode: create, subnetId } in this program), or keep publicNetworkAccess "Enabled" with a firewall that lets the cluster in.`,
    url: "https://learn.microsoft.com/azure/key-vault/general/private-link-service",
    tags: ["keyvault", "network"],
    validateStack: (args, reportViolation) => {
        const endpoints = args.resources.filter((resource) => PRIVATE_ENDPOINT.test(resource.type));
        for (const vault of args.resources) {
            if (!VAULT.test(vault.type)) {
                continue;
            }
            const access = str(read(vault.props, "properties", "publicNetworkAccess"));
            if (typeof access !== "string") {
                continue;
            }
            const vaultName = displayName(vault, "vaultName");
            // The library's rule: a vault closed to public traffic is reached only through a private endpoint.
            const connecting = endpoints.filter((endpoint) => connectsTo(endpoint, vault, vaultName)).map((endpoint) => endpoint.urn);
            const reachability = vaultReachability({ publicNetworkAccess: access }, { plannedPrivateEndpoints: connecting });
            if (reachability.verdict !== "unreachable") {
                continue;
            }
            reportViolation(
                `Key Vault "${vaultName}" has publicNetworkAccess "Disabled" and no private endpoint in this stack connects to it, so pods of this stack's ` +
                    `clusters cannot reach it (403 on mount) unless a private endpoint managed elsewhere does. Add a private endpoint with group "${KEY_VAULT_PRIVATE_LINK_GROUP}" ` +
                    `in a subnet the cluster's VNet reaches and the ${KEY_VAULT_PRIVATE_DNS_ZONE} zone linked to that VNet, or enable public access with a firewall that lets the cluster in.`,
                vault.urn,
            );
        }
    },
};
