/** policy/key-vault.ts: RBAC model, purge protection and network access of Key Vaults. */
import { expect } from "chai";
import {
    keyVaultPrivateEndpoint,
    keyVaultPublicNetworkAccess,
    keyVaultPurgeProtection,
    keyVaultRbacAuthorization,
} from "../../../policy/key-vault";
import { ResourceCase, StackResourceInput, TENANT, U, U_OBJECT, stackViolations, violations } from "./fixtures";

function vault(properties: Record<string, unknown>, extra: Record<string, unknown> = {}): ResourceCase {
    return {
        type: "azure-native:keyvault:Vault",
        name: "platform-kv",
        props: {
            resourceGroupName: "rg-akv-prod",
            vaultName: "kv-akv-prod-01",
            location: "westeurope",
            properties: { tenantId: TENANT, sku: { family: "A", name: "standard" }, ...properties },
        },
        ...extra,
    };
}

const GOOD_VAULT_PROPERTIES = {
    enableRbacAuthorization: true,
    enablePurgeProtection: true,
    enableSoftDelete: true,
    publicNetworkAccess: "Disabled",
};

describe("keyvault-rbac-authorization", () => {
    it("passes a vault with RBAC, and ignores other types", () => {
        expect(violations(keyVaultRbacAuthorization, vault(GOOD_VAULT_PROPERTIES))).to.deep.equal([]);
        expect(violations(keyVaultRbacAuthorization, { type: "azure-native:storage:StorageAccount", props: {} })).to.deep.equal([]);
    });

    it("matches explicit API-version modules", () => {
        const versioned = { ...vault({ enableRbacAuthorization: false }), type: "azure-native:keyvault/v20240401preview:Vault" };
        expect(violations(keyVaultRbacAuthorization, versioned)).to.have.length(1);
    });

    it("flags a vault that leaves RBAC unset", () => {
        expect(violations(keyVaultRbacAuthorization, vault({}))).to.deep.equal([
            'Key Vault "kv-akv-prod-01" does not set properties.enableRbacAuthorization, so Azure creates it with the access-policy model: ' +
                'role assignments such as "Key Vault Secrets User" for the workload and addon identities have no effect there, and the CSI driver ' +
                "gets 403 Forbidden when a pod mounts its secrets. Set properties.enableRbacAuthorization: true.",
        ]);
    });

    it("flags a vault that turns RBAC off, naming it by resource name when vaultName is autonamed", () => {
        const input = vault({ enableRbacAuthorization: false });
        delete input.props.vaultName;
        const [message] = violations(keyVaultRbacAuthorization, input);
        expect(message).to.match(/^Key Vault "platform-kv" sets properties.enableRbacAuthorization to false: role assignments/);
    });

    it("skips an unknown value during preview", () => {
        expect(violations(keyVaultRbacAuthorization, { ...vault({ enableRbacAuthorization: U }), preview: true })).to.deep.equal([]);
        expect(violations(keyVaultRbacAuthorization, { ...vault({}), props: { properties: U_OBJECT }, preview: true })).to.deep.equal([]);
    });
});

describe("keyvault-purge-protection", () => {
    it("passes a protected vault on prod", () => {
        expect(violations(keyVaultPurgeProtection, vault(GOOD_VAULT_PROPERTIES))).to.deep.equal([]);
    });

    it("flags missing purge protection on prod", () => {
        expect(violations(keyVaultPurgeProtection, vault({ enableRbacAuthorization: true }))).to.deep.equal([
            'Key Vault "kv-akv-prod-01" on stack "prod" must enable purge protection (properties.enablePurgeProtection: true): without it a deleted ' +
                "vault or secret can be purged at once and is gone for good. Note that purge protection cannot be turned off once on.",
        ]);
    });

    it("flags soft delete turned off", () => {
        expect(violations(keyVaultPurgeProtection, vault({ enablePurgeProtection: true, enableSoftDelete: false }))).to.deep.equal([
            'Key Vault "kv-akv-prod-01" on stack "prod" sets properties.enableSoftDelete: false; soft delete is required for purge protection and ' +
                "cannot be turned off on existing vaults. Remove the setting or set it to true.",
        ]);
    });

    it("applies to prod by default and to configured stacks", () => {
        const bare = vault({});
        expect(violations(keyVaultPurgeProtection, { ...bare, stack: "dev" })).to.deep.equal([]);
        expect(violations(keyVaultPurgeProtection, { ...bare, stack: "dev", config: { stacks: ["dev", "prod"] } })).to.have.length(1);
        expect(violations(keyVaultPurgeProtection, { ...bare, stack: "test", config: { stacks: ["*"] } })).to.have.length(1);
        expect(violations(keyVaultPurgeProtection, { ...bare, stack: "prod", config: { stacks: ["staging"] } })).to.deep.equal([]);
    });

    it("skips unknown values", () => {
        expect(
            violations(keyVaultPurgeProtection, { ...vault({ enablePurgeProtection: U, enableSoftDelete: U }), preview: true }),
        ).to.deep.equal([]);
    });
});

describe("keyvault-public-network-access", () => {
    it("passes disabled public access or a deny-by-default firewall", () => {
        expect(violations(keyVaultPublicNetworkAccess, vault({ publicNetworkAccess: "Disabled" }))).to.deep.equal([]);
        expect(
            violations(
                keyVaultPublicNetworkAccess,
                vault({ publicNetworkAccess: "Enabled", networkAcls: { defaultAction: "Deny", bypass: "AzureServices" } }),
            ),
        ).to.deep.equal([]);
    });

    it("flags an open vault on prod, not on dev", () => {
        const expected =
            'Key Vault "kv-akv-prod-01" on stack "prod" accepts data-plane requests from any network (publicNetworkAccess is "Enabled" and ' +
            'networkAcls.defaultAction is not "Deny"). Use a private endpoint with publicNetworkAccess: "Disabled", or networkAcls ' +
            '{ defaultAction: "Deny" } with the AKS node subnet in virtualNetworkRules or its egress IP in ipRules (bypass: "AzureServices" does not let AKS pods through: AKS is not a trusted service).';
        expect(violations(keyVaultPublicNetworkAccess, vault({ publicNetworkAccess: "Enabled" }))).to.deep.equal([expected]);
        expect(violations(keyVaultPublicNetworkAccess, vault({}))[0]).to.include("(publicNetworkAccess is not set and");
        expect(violations(keyVaultPublicNetworkAccess, { ...vault({}), stack: "dev" })).to.deep.equal([]);
    });

    it("skips unknown values", () => {
        expect(violations(keyVaultPublicNetworkAccess, { ...vault({ publicNetworkAccess: U }), preview: true })).to.deep.equal([]);
    });
});

describe("keyvault-private-endpoint", () => {
    const VAULT_ID =
        "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-akv-prod/providers/Microsoft.KeyVault/vaults/kv-akv-prod-01";
    const closedVault = (properties: Record<string, unknown> = { publicNetworkAccess: "Disabled" }): StackResourceInput => ({
        ...vault({ enableRbacAuthorization: true, ...properties }),
        name: "platform-kv",
    });
    const endpoint = (target: unknown, extra: Partial<StackResourceInput> = {}): StackResourceInput => ({
        type: "azure-native:network:PrivateEndpoint",
        name: "platform-kv-private-endpoint",
        props: {
            resourceGroupName: "rg-akv-prod",
            privateLinkServiceConnections: [{ name: "kv-akv-prod-01", privateLinkServiceId: target, groupIds: ["vault"] }],
        },
        ...extra,
    });
    const expected =
        'Key Vault "kv-akv-prod-01" has publicNetworkAccess "Disabled" and no private endpoint in this stack connects to it, so pods of this stack\'s clusters cannot reach it ' +
        '(403 on mount) unless a private endpoint managed elsewhere does. Add a private endpoint with group "vault" in a subnet the cluster\'s VNet reaches and the ' +
        "privatelink.vaultcore.azure.net zone linked to that VNet, or enable public access with a firewall that lets the cluster in.";

    it("flags a closed vault without a private endpoint, at the vault", () => {
        expect(stackViolations(keyVaultPrivateEndpoint, [closedVault()])).to.deep.equal([
            { message: expected, urn: "urn:pulumi:prod::aks-keyvault-secrets::azure-native:keyvault:Vault::platform-kv" },
        ]);
        expect(
            stackViolations(keyVaultPrivateEndpoint, [
                closedVault(),
                endpoint("/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-other"),
            ]),
        ).to.have.length(1);
    });

    it("passes a vault with an endpoint to it (by dependency while its ID is unknown, or by ID in any case), and open vaults", () => {
        expect(stackViolations(keyVaultPrivateEndpoint, [closedVault(), endpoint(VAULT_ID.toLowerCase())])).to.deep.equal([]);
        expect(
            stackViolations(keyVaultPrivateEndpoint, [closedVault(), endpoint(U, { dependsOn: ["platform-kv"] })], { preview: true }),
        ).to.deep.equal([]);
        expect(stackViolations(keyVaultPrivateEndpoint, [closedVault({ publicNetworkAccess: "Enabled" })])).to.deep.equal([]);
        expect(stackViolations(keyVaultPrivateEndpoint, [closedVault({})])).to.deep.equal([]);
        expect(stackViolations(keyVaultPrivateEndpoint, [closedVault({ publicNetworkAccess: U })], { preview: true })).to.deep.equal([]);
    });
});
