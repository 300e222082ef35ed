/** components/key-vault: the vault, created or read. */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { KeyVault, KeyVaultArgs } from "../../components";
import { privateDnsLinkWarning, vaultReachabilityWarning } from "../../components/key-vault/network";
import {
    SUBSCRIPTION_ID,
    TENANT_ID,
    azureState,
    capturedWarnings,
    errorFrom,
    ofType,
    outputError,
    registered,
    registeredOptions,
    registrations,
    resetRegistrations,
    settle,
    valueOf,
} from "../mocks";

const VAULT_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-dev/providers/Microsoft.KeyVault/vaults/kv-dev`;
const NETWORK = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-network/providers/Microsoft.Network`;
const EXTERNAL_ENDPOINT = `${NETWORK}/privateEndpoints/pe-kv-dev`;

describe("KeyVault", () => {
    beforeEach(resetRegistrations);

    it("creates a vault with RBAC, soft delete and purge protection on", async () => {
        const vault = new KeyVault("kv", {
            mode: "create",
            name: "kv-dev",
            resourceGroupName: "rg-dev",
            location: "westeurope",
            tenantId: TENANT_ID,
            publicNetworkAccess: "Disabled",
            privateEndpoint: { mode: "external", id: EXTERNAL_ENDPOINT },
        });
        expect(await valueOf(vault.vaultId)).to.equal(VAULT_ID);
        await settle();
        const properties = registered("azure-native:keyvault:Vault", "kv-vault").inputs.properties;
        expect(properties).to.deep.include({
            tenantId: TENANT_ID,
            enableRbacAuthorization: true,
            enableSoftDelete: true,
            enablePurgeProtection: true,
            softDeleteRetentionInDays: 90,
            publicNetworkAccess: "Disabled",
        });
        expect(properties.sku).to.deep.equal({ family: "A", name: "standard" });
    });

    it("leaves purge protection unset (never false) when turned off, since Azure cannot turn it off", async () => {
        new KeyVault("kv", {
            mode: "create",
            name: "kv-dev",
            resourceGroupName: "rg-dev",
            location: "westeurope",
            tenantId: TENANT_ID,
            enablePurgeProtection: false,
        });
        await settle();
        expect(registered("azure-native:keyvault:Vault", "kv-vault").inputs.properties).to.not.have.property("enablePurgeProtection");
    });

    it("fails at preview when an existing vault is still in access-policy mode, with the command to fix it", async () => {
        azureState.vaults["kv-legacy"] = {
            id: VAULT_ID,
            name: "kv-legacy",
            properties: { tenantId: TENANT_ID, enableRbacAuthorization: false },
        };
        const vault = new KeyVault("legacy", { mode: "existing", name: "kv-legacy", resourceGroupName: "rg-dev" });
        const error = await outputError(vault.vaultId);
        expect(error.message).to.contain('Key Vault "kv-legacy" uses access policies, not Azure RBAC');
        expect(error.message).to.contain("az keyvault update --name kv-legacy --resource-group rg-dev --enable-rbac-authorization true");
    });

    it("reads an existing RBAC vault", async () => {
        azureState.vaults["kv-shared"] = {
            id: VAULT_ID,
            name: "kv-shared",
            properties: { tenantId: TENANT_ID, enableRbacAuthorization: true, vaultUri: "https://kv-shared.vault.azure.net/" },
        };
        const vault = new KeyVault("shared", { mode: "existing", name: "kv-shared", resourceGroupName: "rg-dev" });
        expect(await valueOf(vault.tenantId)).to.equal(TENANT_ID);
        expect(await valueOf(vault.vaultUri)).to.equal("https://kv-shared.vault.azure.net/");
    });

    it("names every wrong input", () => {
        // As a JavaScript caller or a bad config would pass them: without the inputs the types require.
        const error = errorFrom(
            () =>
                new KeyVault("kv", {
                    mode: "create",
                    name: "kv--dev",
                    resourceGroupName: "rg",
                    softDeleteRetentionInDays: 3,
                } as KeyVaultArgs),
        );
        expect(error.message).to.contain('name: "kv--dev" is not a valid Key Vault name');
        expect(error.message).to.contain('location: is required to create a vault. Fix: set a region such as "westeurope".');
        expect(error.message).to.contain("tenantId: is required to create a vault. Fix: set the Entra tenant ID.");
        expect(error.message).to.contain("softDeleteRetentionInDays: 3 is outside 7-90. Fix: use a whole number of days from 7 to 90.");
    });
});

describe("KeyVault network: private endpoint and firewall", () => {
    const SUBNET = `${NETWORK}/virtualNetworks/vnet-aks/subnets/snet-private-endpoints`;
    const NODES = `${NETWORK}/virtualNetworks/vnet-aks/subnets/snet-aks-nodes`;
    const HUB_ZONE = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net`;
    const create = { mode: "create", name: "kv-dev", resourceGroupName: "rg-dev", location: "westeurope", tenantId: TENANT_ID } as const;
    const parentOf = (type: string, name: string) => registeredOptions.get(`${type}::${name}`)?.parent ?? "";

    beforeEach(resetRegistrations);

    it("creates the endpoint (group vault) in the subnet, the privatelink zone, its link to the subnet's VNet and the zone group, all children of the vault component", async () => {
        const vault = new KeyVault("kv", {
            ...create,
            publicNetworkAccess: "Disabled",
            privateEndpoint: { mode: "create", subnetId: SUBNET },
        });
        expect(await valueOf(vault.privateEndpointId!)).to.equal(
            `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-dev/providers/Microsoft.Network/privateEndpoints/pe-kv-dev`,
        );
        await settle();
        const endpoint = registered("azure-native:network:PrivateEndpoint", "kv-private-endpoint").inputs;
        expect(endpoint).to.deep.equal({
            resourceGroupName: "rg-dev",
            location: "westeurope",
            privateEndpointName: "pe-kv-dev",
            // The SDK fills its SubnetArgs defaults into the reference; the endpoint API reads the subnet's ID.
            subnet: { id: SUBNET, privateEndpointNetworkPolicies: "Disabled", privateLinkServiceNetworkPolicies: "Enabled" },
            privateLinkServiceConnections: [{ name: "kv-dev", privateLinkServiceId: VAULT_ID, groupIds: ["vault"] }],
        });
        expect(registered("azure-native:privatedns:PrivateZone", "kv-private-dns-zone").inputs).to.deep.equal({
            resourceGroupName: "rg-dev",
            privateZoneName: "privatelink.vaultcore.azure.net",
            location: "global",
        });
        expect(registered("azure-native:privatedns:VirtualNetworkLink", "kv-dns-link-rg-network-vnet-aks").inputs).to.deep.equal({
            resourceGroupName: "rg-dev",
            privateZoneName: "privatelink.vaultcore.azure.net",
            location: "global",
            virtualNetwork: { id: `${NETWORK}/virtualNetworks/vnet-aks` },
            registrationEnabled: false,
        });
        expect(registered("azure-native:network:PrivateDnsZoneGroup", "kv-private-dns-zone-group").inputs).to.deep.equal({
            resourceGroupName: "rg-dev",
            privateEndpointName: "pe-kv-dev",
            privateDnsZoneGroupName: "default",
            privateDnsZoneConfigs: [
                {
                    name: "privatelink-vaultcore-azure-net",
                    privateDnsZoneId: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-dev/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net`,
                },
            ],
        });
        const component = registeredOptions.get("akvsecrets:index:KeyVault::kv");
        expect(component).to.not.equal(undefined);
        for (const [type, name] of [
            ["azure-native:network:PrivateEndpoint", "kv-private-endpoint"],
            ["azure-native:privatedns:PrivateZone", "kv-private-dns-zone"],
            ["azure-native:privatedns:VirtualNetworkLink", "kv-dns-link-rg-network-vnet-aks"],
            ["azure-native:network:PrivateDnsZoneGroup", "kv-private-dns-zone-group"],
        ]) {
            expect(parentOf(type, name), name).to.match(/akvsecrets:index:KeyVault::kv$/);
        }
    });

    it("uses an existing zone by ID: no zone created, links only to the VNets listed (in the zone's resource group), in the endpoint's own group and region", async () => {
        const cluster = `${NETWORK}/virtualNetworks/vnet-aks-blue`;
        new KeyVault("kv", {
            ...create,
            publicNetworkAccess: "Disabled",
            privateEndpoint: {
                mode: "create",
                subnetId: SUBNET,
                privateDnsZoneId: HUB_ZONE,
                linkVirtualNetworkIds: [cluster],
                resourceGroupName: "rg-network",
                location: "northeurope",
            },
        });
        await settle();
        expect(ofType("azure-native:privatedns:PrivateZone")).to.have.length(0);
        expect(registered("azure-native:network:PrivateEndpoint", "kv-private-endpoint").inputs).to.include({
            resourceGroupName: "rg-network",
            location: "northeurope",
        });
        expect(ofType("azure-native:privatedns:VirtualNetworkLink").map((link) => link.inputs)).to.deep.equal([
            {
                resourceGroupName: "rg-dns",
                privateZoneName: "privatelink.vaultcore.azure.net",
                location: "global",
                virtualNetwork: { id: cluster },
                registrationEnabled: false,
            },
        ]);
        expect(
            registered("azure-native:network:PrivateDnsZoneGroup", "kv-private-dns-zone-group").inputs.privateDnsZoneConfigs[0]
                .privateDnsZoneId,
        ).to.equal(HUB_ZONE);

        resetRegistrations();
        new KeyVault("hub", {
            ...create,
            name: "kv-hub",
            publicNetworkAccess: "Disabled",
            privateEndpoint: { mode: "create", subnetId: SUBNET, privateDnsZoneId: HUB_ZONE },
        });
        await settle();
        expect(ofType("azure-native:privatedns:VirtualNetworkLink"), "the zone's owner links it").to.have.length(0);
    });

    it("registers the firewall with bypass None by default, and nothing of the network SDK without a private endpoint", async () => {
        new KeyVault("kv", {
            ...create,
            networkAcls: { defaultAction: "Deny", virtualNetworkSubnetIds: [NODES], ipRules: ["203.0.113.7"] },
        });
        await settle();
        expect(registered("azure-native:keyvault:Vault", "kv-vault").inputs.properties.networkAcls).to.deep.equal({
            defaultAction: "Deny",
            bypass: "None",
            ipRules: [{ value: "203.0.113.7" }],
            virtualNetworkRules: [{ id: NODES }],
        });
        expect(registrations.filter((registration) => /^azure-native:(network|privatedns):/.test(registration.type))).to.deep.equal([]);
    });

    it("matches a created vault's subnet rules (Outputs too, once known) against the cluster's node subnets, and warns when none matches", async () => {
        const created = (rule: string, name: string) =>
            valueOf(
                new KeyVault(name, {
                    ...create,
                    name: `kv-${name}`,
                    networkAcls: { defaultAction: "Deny", virtualNetworkSubnetIds: [pulumi.output(rule)] },
                    clusterSubnetIds: [NODES],
                }).vaultId,
            );
        const warnings = await capturedWarnings(() => created(SUBNET, "elsewhere"));
        expect(warnings).to.have.length(1);
        expect(warnings[0]).to.match(
            /^Key Vault "kv-elsewhere" denies public traffic by default and lets in only the subnet .*snet-private-endpoints; none of them is a node subnet of the cluster/,
        );
        expect(await capturedWarnings(() => created(NODES, "nodes"))).to.deep.equal([]);
    });

    it("warns when the zone it creates is not linked to the cluster's VNet, and not when it is (or the zone is someone else's)", async () => {
        const hubSubnet = `${NETWORK}/virtualNetworks/vnet-hub/subnets/snet-private-endpoints`;
        const vault = (name: string, endpoint: Record<string, unknown>) =>
            valueOf(
                new KeyVault(name, {
                    ...create,
                    name: `kv-${name}`,
                    publicNetworkAccess: "Disabled",
                    privateEndpoint: { mode: "create", subnetId: hubSubnet, ...endpoint },
                    clusterSubnetIds: [NODES],
                }).vaultId,
            );
        const warnings = await capturedWarnings(() => vault("hub", {}));
        expect(warnings).to.deep.equal([
            privateDnsLinkWarning({ vaultName: "kv-hub", resourceGroupName: "rg-dev" }, [`${NETWORK}/virtualNetworks/vnet-hub`], [NODES]),
        ]);
        expect(warnings[0]).to.contain(`the cluster's VNet ${NETWORK}/virtualNetworks/vnet-aks is not linked`);
        expect(
            await capturedWarnings(() =>
                vault("linked", { linkVirtualNetworkIds: [`${NETWORK}/virtualNetworks/vnet-hub`, `${NETWORK}/virtualNetworks/vnet-aks`] }),
            ),
        ).to.deep.equal([]);
        expect(await capturedWarnings(() => vault("hubzone", { privateDnsZoneId: HUB_ZONE }))).to.deep.equal([]);
    });

    it("fails at construction when the cluster could not reach the vault it creates, or an ID has the wrong shape", () => {
        expect(
            errorFrom(
                () =>
                    new KeyVault("kv", {
                        ...create,
                        publicNetworkAccess: "Disabled",
                        networkAcls: { defaultAction: "Deny", virtualNetworkSubnetIds: [NODES] },
                    }),
            ).message,
        ).to.equal(
            'KeyVault "kv" is invalid (1 problem):\n' +
                '  - publicNetworkAccess: "Disabled" with no private endpoint leaves the cluster no way to reach the vault (pods would fail to mount with 403); networkAcls do not apply ' +
                'while public access is disabled. Fix: set privateEndpoint: { mode: "create", subnetId: <subnet ID> } for this program to create one, or { mode: "external", id: <private ' +
                'endpoint ID> } for one managed elsewhere; or set publicNetworkAccess "Enabled" with networkAcls that let the cluster in.',
        );
        expect(
            errorFrom(() => new KeyVault("kv", { ...create, networkAcls: { defaultAction: "Deny", bypass: "AzureServices" } })).message,
        ).to.contain(
            '  - networkAcls.defaultAction: "Deny" with no virtualNetworkSubnetIds, no ipRules and no private endpoint leaves the cluster no way to reach the vault (pods would fail to ' +
                "mount with 403); bypass AzureServices does not let AKS pods through, AKS is not one of Key Vault's trusted services. Fix: add the cluster's node subnet to " +
                "networkAcls.virtualNetworkSubnetIds (with the Microsoft.KeyVault service endpoint on the subnet) or its egress IP to networkAcls.ipRules, or set privateEndpoint.",
        );
        const wrong = errorFrom(
            () =>
                new KeyVault("kv", {
                    ...create,
                    publicNetworkAccess: "Disabled",
                    networkAcls: {
                        defaultAction: "Deny",
                        virtualNetworkSubnetIds: [`${NETWORK}/virtualNetworks/vnet-aks`],
                        ipRules: ["10.0.0.0/40"],
                    },
                    privateEndpoint: {
                        mode: "create",
                        subnetId: "snet-private-endpoints",
                        privateDnsZoneId: HUB_ZONE.replace("privatelink.vaultcore.azure.net", "privatelink.blob.core.windows.net"),
                        linkVirtualNetworkIds: [`${NETWORK}/virtualNetworks/vnet-aks`, `${NETWORK}/virtualNetworks/VNET-AKS`, SUBNET],
                    },
                }),
        ).message;
        expect(wrong).to.contain('KeyVault "kv" is invalid (6 problems):');
        expect(wrong).to.contain(
            '  - privateEndpoint.subnetId: "snet-private-endpoints" is not the resource ID of a subnet. Fix: use the full ID, /subscriptions/<subscription-id>/resourceGroups/<resource-group>/providers/Microsoft.Network/virtualNetworks/vnet-aks/subnets/snet-aks-nodes (`az network vnet subnet show --query id`).',
        );
        expect(wrong).to.contain(
            '  - privateEndpoint.privateDnsZoneId: is the zone "privatelink.blob.core.windows.net", where Key Vault\'s private endpoint names do not resolve. Fix: use the privatelink.vaultcore.azure.net zone (privatelink.vaultcore.usgovcloudapi.net or privatelink.vaultcore.azure.cn in the US Government and China clouds), or leave privateDnsZoneId out for this program to create it.',
        );
        expect(wrong).to.contain(
            `  - privateEndpoint.linkVirtualNetworkIds[2]: "${SUBNET}" is not the resource ID of a virtual network (it is the ID of a subnet).`,
        );
        expect(wrong).to.contain(
            `  - privateEndpoint.linkVirtualNetworkIds: links the VNet ${NETWORK.toLowerCase()}/virtualnetworks/vnet-aks more than once (Azure links a VNet to a zone once). Fix: list each VNet once.`,
        );
        expect(wrong).to.contain(
            `  - networkAcls.virtualNetworkSubnetIds[0]: "${NETWORK}/virtualNetworks/vnet-aks" is not the resource ID of a subnet (it is the ID of a virtual network).`,
        );
        expect(wrong).to.contain(
            '  - networkAcls.ipRules[0]: "10.0.0.0/40" is not an IPv4 address or CIDR range. Fix: use a form such as "203.0.113.7" or "203.0.113.0/24" (Key Vault\'s firewall takes IPv4 only).',
        );
        expect(
            errorFrom(
                () => new KeyVault("kv", { ...create, publicNetworkAccess: "Disabled", privateEndpoint: { mode: "external", id: SUBNET } }),
            ).message,
        ).to.contain(`  - privateEndpoint.id: "${SUBNET}" is not the resource ID of a private endpoint (it is the ID of a subnet).`);
        expect(
            errorFrom(
                () =>
                    new KeyVault("kv", {
                        mode: "existing",
                        name: "kv-dev",
                        resourceGroupName: "rg-dev",
                        privateEndpoint: { mode: "external", id: EXTERNAL_ENDPOINT },
                    }),
            ).message,
        ).to.contain(
            '  - privateEndpoint: declares a private endpoint of an existing vault, whose private endpoint connections are read from Azure. Fix: remove it, or use { mode: "create", subnetId } for this program to create one.',
        );
    });

    describe("an existing vault's network rules", () => {
        const existing = (name: string, properties: Record<string, unknown>) => {
            azureState.vaults[name] = {
                id: VAULT_ID,
                name,
                location: "westeurope",
                properties: {
                    tenantId: TENANT_ID,
                    enableRbacAuthorization: true,
                    vaultUri: `https://${name}.vault.azure.net/`,
                    ...properties,
                },
            };
        };

        it("fails at preview when public access is disabled and no connection is approved", async () => {
            existing("kv-private", {
                publicNetworkAccess: "Disabled",
                privateEndpointConnections: [{ privateLinkServiceConnectionState: { status: "Rejected" } }],
            });
            const error = await outputError(
                new KeyVault("private", { mode: "existing", name: "kv-private", resourceGroupName: "rg-dev" }).vaultId,
            );
            expect(error.message).to.contain(
                'Key Vault "kv-private" has public network access disabled and no approved private endpoint connection, so the cluster cannot reach it',
            );
            expect(error.message).to.contain(
                "    az network private-endpoint create --name pe-kv-private --resource-group <resource-group> --subnet <subnet-id>",
            );
        });

        it("fails a Deny firewall without rules, naming the cluster's node subnet in the commands", async () => {
            existing("kv-walled", { networkAcls: { defaultAction: "Deny", bypass: "AzureServices" } });
            const error = await outputError(
                new KeyVault("walled", { mode: "existing", name: "kv-walled", resourceGroupName: "rg-dev", clusterSubnetIds: [NODES] })
                    .vaultId,
            );
            expect(error.message).to.contain('Key Vault "kv-walled" denies public traffic by default (networkAcls.defaultAction Deny)');
            expect(error.message).to.contain(`    az keyvault network-rule add --name kv-walled --resource-group rg-dev --subnet ${NODES}`);
        });

        it("reads a vault reached through its own approved connection or through the endpoint this stack creates (in the vault's region)", async () => {
            existing("kv-linked", {
                publicNetworkAccess: "Disabled",
                privateEndpointConnections: [
                    { privateEndpoint: { id: EXTERNAL_ENDPOINT }, privateLinkServiceConnectionState: { status: "Approved" } },
                ],
            });
            expect(
                await valueOf(new KeyVault("linked", { mode: "existing", name: "kv-linked", resourceGroupName: "rg-dev" }).vaultId),
            ).to.equal(VAULT_ID);
            existing("kv-closed", { publicNetworkAccess: "Disabled" });
            const vault = new KeyVault("closed", {
                mode: "existing",
                name: "kv-closed",
                resourceGroupName: "rg-dev",
                privateEndpoint: { mode: "create", subnetId: SUBNET },
            });
            expect(await valueOf(vault.vaultId)).to.equal(VAULT_ID);
            await settle();
            expect(registered("azure-native:network:PrivateEndpoint", "closed-private-endpoint").inputs).to.deep.include({
                location: "westeurope",
                privateLinkServiceConnections: [{ name: "kv-closed", privateLinkServiceId: VAULT_ID, groupIds: ["vault"] }],
            });
        });

        it("warns, without failing, when its virtual network rules match none of the cluster's node subnets", async () => {
            existing("kv-hub", { networkAcls: { defaultAction: "Deny", virtualNetworkRules: [{ id: SUBNET }] } });
            const warnings = await capturedWarnings(() =>
                valueOf(
                    new KeyVault("hub", { mode: "existing", name: "kv-hub", resourceGroupName: "rg-dev", clusterSubnetIds: [NODES] })
                        .vaultId,
                ),
            );
            // The message itself is tested with the rule (key-vault-network.test.ts); here, that the component reads the vault and the subnets into it.
            const state = { networkAcls: { defaultAction: "Deny", virtualNetworkRules: [{ id: SUBNET }] } };
            expect(warnings).to.deep.equal([
                vaultReachabilityWarning(
                    state,
                    { vaultName: "kv-hub", resourceGroupName: "rg-dev" },
                    { plannedPrivateEndpoints: [], clusterSubnetIds: [NODES] },
                ),
            ]);
            expect(warnings[0]).to.contain(`none of them is a node subnet of the cluster (${NODES})`);
            expect(
                await capturedWarnings(() =>
                    valueOf(
                        new KeyVault("hub2", { mode: "existing", name: "kv-hub", resourceGroupName: "rg-dev", clusterSubnetIds: [SUBNET] })
                            .vaultId,
                    ),
                ),
            ).to.deep.equal([]);
        });
    });
});
