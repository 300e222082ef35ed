/** components/key-vault/network.ts: ARM IDs, and whether the cluster can reach a vault over the network. */
import { expect } from "chai";
import * as fc from "fast-check";
import {
    ReachabilityContext,
    VaultNetworkState,
    isIpv4Rule,
    managedNetworkPrivateEndpointWarning,
    privateDnsLinkWarning,
    vaultReachability,
    vaultReachabilityError,
    vaultReachabilityWarning,
} from "../../components/key-vault/network";
import { armIdProblems, parseArmId, sameArmId, virtualNetworkOfSubnet } from "../../components/shared/arm-ids";
import { SUBSCRIPTION_ID } from "../mocks";

const VNET = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-aks`;
const NODES = `${VNET}/subnets/snet-aks-nodes`;
const OTHER_SUBNET = `${VNET}/subnets/snet-hub-firewall`;
const VAULT = { vaultName: "kv-shared", resourceGroupName: "rg-shared" };
const NOTHING_PLANNED: ReachabilityContext = { plannedPrivateEndpoints: [] };
const CONNECTION = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/kv-shared/privateEndpointConnections/pe-team-a`;

describe("ARM IDs", () => {
    it("parses IDs of the right type in any case, and names the type an ID of another type has", () => {
        expect(parseArmId(NODES, "subnet")).to.deep.equal({
            subscriptionId: SUBSCRIPTION_ID,
            resourceGroupName: "rg-network",
            names: ["vnet-aks", "snet-aks-nodes"],
        });
        expect(parseArmId(NODES.toLowerCase(), "subnet")?.names).to.deep.equal(["vnet-aks", "snet-aks-nodes"]);
        expect(parseArmId(VNET, "subnet")).to.equal(undefined);
        expect(parseArmId(`${NODES}/`, "subnet")).to.equal(undefined);
        expect(parseArmId(NODES.replace(SUBSCRIPTION_ID, "sub-1"), "subnet")).to.equal(undefined);
        expect(armIdProblems(VNET, "subnet", "privateEndpoint.subnetId")).to.deep.equal([
            {
                where: "privateEndpoint.subnetId",
                message: `"${VNET}" is not the resource ID of a subnet (it is the ID of a virtual network)`,
                fix: "use the full ID, /subscriptions/<subscription-id>/resourceGroups/<resource-group>/providers/Microsoft.Network/virtualNetworks/vnet-aks/subnets/snet-aks-nodes (`az network vnet subnet show --query id`)",
            },
        ]);
        expect(armIdProblems("snet-aks-nodes", "virtualNetwork", "x")[0].message).to.equal(
            '"snet-aks-nodes" is not the resource ID of a virtual network',
        );
    });

    it("finds a subnet's VNet and compares IDs without case", () => {
        expect(virtualNetworkOfSubnet(NODES)).to.equal(VNET);
        expect(virtualNetworkOfSubnet(VNET)).to.equal(undefined);
        expect(sameArmId(NODES, `${NODES.toUpperCase()}/`)).to.equal(true);
        expect(sameArmId(NODES, OTHER_SUBNET)).to.equal(false);
    });

    it("takes IPv4 addresses and CIDR ranges, nothing else", () => {
        for (const good of ["203.0.113.7", "10.0.0.0/8", "0.0.0.0/0", "255.255.255.255/32"]) {
            expect(isIpv4Rule(good), good).to.equal(true);
        }
        for (const bad of ["256.1.1.1", "10.0.0.0/33", "10.0.0", "01.2.3.4", "2001:db8::/32", "10.0.0.0/", ""]) {
            expect(isIpv4Rule(bad), bad).to.equal(false);
        }
    });
});

describe("vault reachability", () => {
    it("fails an existing vault with public access disabled and no approved connection, naming the ignored firewall and the approve command", () => {
        const state: VaultNetworkState = {
            publicNetworkAccess: "Disabled",
            networkAcls: { defaultAction: "Deny", virtualNetworkRules: [{ id: NODES }] },
            privateEndpointConnections: [{ id: CONNECTION, privateLinkServiceConnectionState: { status: "Pending" } }],
        };
        expect(vaultReachabilityError(state, VAULT, NOTHING_PLANNED)).to.equal(
            'Key Vault "kv-shared" has public network access disabled and no approved private endpoint connection, so the cluster cannot reach it: pods would fail to mount ' +
                'with 403 ("Public network access is disabled and request is not from a trusted service nor via an approved private link"). Its 1 firewall rule does not apply: ' +
                "Azure ignores networkAcls while public access is disabled. Fix: approve its pending private endpoint connection:\n" +
                `    az network private-endpoint-connection approve --id ${CONNECTION}\n` +
                "or set keyVault.privateEndpoint (privateEndpoint of the KeyVault component) to create a private endpoint in a subnet the cluster's VNet reaches, or create one with:\n" +
                "    az network private-endpoint create --name pe-kv-shared --resource-group <resource-group> --subnet <subnet-id> --private-connection-resource-id " +
                "$(az keyvault show --name kv-shared --query id -o tsv) --group-id vault --connection-name kv-shared",
        );
        expect(vaultReachabilityWarning(state, VAULT, NOTHING_PLANNED)).to.equal(undefined);
    });

    it("fails a Deny firewall without rules, whatever its bypass, with the subnet commands for the cluster's node subnet", () => {
        for (const bypass of ["AzureServices", "None", undefined]) {
            const message = vaultReachabilityError({ networkAcls: { defaultAction: "Deny", bypass } }, VAULT, {
                plannedPrivateEndpoints: [],
                clusterSubnetIds: [NODES],
            });
            expect(message).to.equal(
                'Key Vault "kv-shared" denies public traffic by default (networkAcls.defaultAction Deny) and has no virtual network rule, no IP rule and no approved private endpoint ' +
                    "connection, so the cluster cannot reach it: pods would fail to mount with 403. Its bypass setting does not help: Azure's trusted services do not include the code " +
                    "running in an AKS cluster. Fix: allow the cluster's node subnet (the Microsoft.KeyVault service endpoint on the subnet, then the rule):\n" +
                    `    az network vnet subnet show --ids ${NODES} --query "serviceEndpoints[].service" -o tsv\n` +
                    `    az network vnet subnet update --ids ${NODES} --service-endpoints Microsoft.KeyVault <the services listed above>\n` +
                    `    az keyvault network-rule add --name kv-shared --resource-group rg-shared --subnet ${NODES}\n` +
                    "or its egress IP (az keyvault network-rule add --name kv-shared --resource-group rg-shared --ip-address <egress-ip>), or set keyVault.privateEndpoint " +
                    "(privateEndpoint of the KeyVault component) to create a private endpoint in a subnet the cluster's VNet reaches, or create one with:\n" +
                    "    az network private-endpoint create --name pe-kv-shared --resource-group <resource-group> --subnet <subnet-id> --private-connection-resource-id " +
                    "$(az keyvault show --name kv-shared --query id -o tsv) --group-id vault --connection-name kv-shared",
            );
        }
        expect(vaultReachabilityError({ networkAcls: { defaultAction: "deny" } }, VAULT, NOTHING_PLANNED)).to.contain(
            "--ids <node-subnet-id> --service-endpoints",
        );
    });

    it("warns, without failing, about virtual network rules none of which is a known node subnet", () => {
        const state: VaultNetworkState = { networkAcls: { defaultAction: "Deny", virtualNetworkRules: [{ id: OTHER_SUBNET }] } };
        expect(vaultReachabilityError(state, VAULT, { plannedPrivateEndpoints: [], clusterSubnetIds: [NODES] })).to.equal(undefined);
        expect(vaultReachabilityWarning(state, VAULT, { plannedPrivateEndpoints: [], clusterSubnetIds: [NODES] })).to.equal(
            `Key Vault "kv-shared" denies public traffic by default and lets in only the subnet ${OTHER_SUBNET}; none of them is a node subnet of the cluster (${NODES}). ` +
                "Pods reach the vault only if their traffic leaves from one of those subnets with the Microsoft.KeyVault service endpoint; otherwise mounts fail with 403. " +
                "This is not an error because the program cannot see your routes. If the nodes are elsewhere, allow their subnet:\n" +
                `    az network vnet subnet show --ids ${NODES} --query "serviceEndpoints[].service" -o tsv\n` +
                `    az network vnet subnet update --ids ${NODES} --service-endpoints Microsoft.KeyVault <the services listed above>\n` +
                `    az keyvault network-rule add --name kv-shared --resource-group rg-shared --subnet ${NODES}\n` +
                "or use a private endpoint (keyVault.privateEndpoint).",
        );
        expect(vaultReachabilityWarning(state, VAULT, NOTHING_PLANNED)).to.contain(
            "; this stack does not know the cluster's node subnets (a cluster it creates without systemNodePool.vnetSubnetId is in an AKS-managed VNet; an external cluster is not read). Pods reach",
        );
    });

    it("passes a matched node subnet (in any case), an IP rule, an approved or planned private endpoint, and an open vault", () => {
        const deny = (rules: Partial<NonNullable<VaultNetworkState["networkAcls"]>>): VaultNetworkState => ({
            networkAcls: { defaultAction: "Deny", ...rules },
        });
        const known = { plannedPrivateEndpoints: [], clusterSubnetIds: [NODES] };
        expect(vaultReachability(deny({ virtualNetworkRules: [{ id: OTHER_SUBNET }, { id: NODES.toUpperCase() }] }), known)).to.deep.equal({
            verdict: "reachable",
            via: "virtual network rule",
            detail: NODES.toUpperCase(),
        });
        expect(vaultReachability(deny({ ipRules: [{ value: "203.0.113.7" }] }), NOTHING_PLANNED)).to.deep.equal({
            verdict: "reachable",
            via: "ip rule",
            detail: "203.0.113.7",
        });
        expect(
            vaultReachability({ publicNetworkAccess: "Disabled" }, { plannedPrivateEndpoints: ["the private endpoint this stack creates"] })
                .verdict,
        ).to.equal("reachable");
        const approved: VaultNetworkState = {
            publicNetworkAccess: "Disabled",
            privateEndpointConnections: [{ privateEndpoint: { id: "pe-1" }, privateLinkServiceConnectionState: { status: "Approved" } }],
        };
        expect(vaultReachability(approved, NOTHING_PLANNED)).to.deep.equal({
            verdict: "reachable",
            via: "private endpoint",
            detail: "pe-1",
        });
        expect(vaultReachability({}, NOTHING_PLANNED)).to.deep.equal({ verdict: "reachable", via: "public network" });
        expect(
            vaultReachability({ publicNetworkAccess: "Enabled", networkAcls: { defaultAction: "Allow" } }, NOTHING_PLANNED).verdict,
        ).to.equal("reachable");
    });
});

describe("private DNS of the endpoint", () => {
    const HUB = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-hub`;

    it("warns when a created zone is not linked to a VNet of the cluster's node subnets", () => {
        expect(privateDnsLinkWarning(VAULT, [HUB], [NODES, OTHER_SUBNET])).to.equal(
            `Key Vault "kv-shared": the cluster's VNet ${VNET} is not linked to the privatelink.vaultcore.azure.net zone of its private endpoint (linked: ${HUB}), so pods ` +
                "there resolve the vault's public address instead of the endpoint's and are refused (403) while public access is disabled or the firewall denies them. " +
                "Add it to privateEndpoint.linkVirtualNetworkIds, unless that VNet's DNS servers resolve the zone another way (a hub's resolver).",
        );
        expect(privateDnsLinkWarning(VAULT, [], [NODES])).to.contain("(linked: none)");
    });

    it("says nothing when the VNet is linked (in any case), the zone is someone else's, or the cluster's subnets are unknown", () => {
        expect(privateDnsLinkWarning(VAULT, [HUB, VNET.toUpperCase()], [NODES])).to.equal(undefined);
        expect(privateDnsLinkWarning(VAULT, undefined, [NODES])).to.equal(undefined);
        expect(privateDnsLinkWarning(VAULT, [HUB], undefined)).to.equal(undefined);
    });

    it("warns about a private endpoint while the created cluster is in an AKS-managed VNet", () => {
        expect(managedNetworkPrivateEndpointWarning("kv-shared", true, true)).to.equal(
            'Key Vault "kv-shared" has a private endpoint, but the cluster this stack creates has no cluster.systemNodePool.vnetSubnetId, so AKS puts its nodes in a VNet of ' +
                "its own that is neither the endpoint's nor linked to its privatelink.vaultcore.azure.net zone: pods would resolve the vault's public address and be refused (403) " +
                "while public access is disabled. Set cluster.systemNodePool.vnetSubnetId to a subnet of a VNet the endpoint is in or peered with and linked to the zone.",
        );
        expect(managedNetworkPrivateEndpointWarning("kv-shared", false, true)).to.equal(undefined);
        expect(managedNetworkPrivateEndpointWarning("kv-shared", true, false)).to.equal(undefined);
    });
});

describe("vault reachability (properties)", () => {
    const status = fc.constantFrom("Approved", "approved", "Pending", "Rejected", "Disconnected", undefined);
    const subnet = fc.constantFrom(NODES, OTHER_SUBNET, `${VNET}/subnets/snet-other`);
    const state: fc.Arbitrary<VaultNetworkState> = fc.record(
        {
            publicNetworkAccess: fc.constantFrom("Enabled", "Disabled", "disabled", "ENABLED", undefined),
            networkAcls: fc.option(
                fc.record({
                    defaultAction: fc.constantFrom("Allow", "Deny", "deny", undefined),
                    bypass: fc.constantFrom("AzureServices", "None", undefined),
                    ipRules: fc.array(fc.record({ value: fc.constantFrom("203.0.113.7", "10.0.0.0/8") }), { maxLength: 2 }),
                    virtualNetworkRules: fc.array(fc.record({ id: subnet }), { maxLength: 3 }),
                }),
                { nil: undefined },
            ),
            privateEndpointConnections: fc.array(
                fc.record({ id: fc.constant(CONNECTION), privateLinkServiceConnectionState: fc.record({ status }) }),
                { maxLength: 2 },
            ),
        },
        { requiredKeys: [] },
    );
    const context: fc.Arbitrary<ReachabilityContext> = fc.record({
        plannedPrivateEndpoints: fc.array(fc.constant("the private endpoint this stack creates"), { maxLength: 1 }),
        clusterSubnetIds: fc.option(fc.array(subnet, { minLength: 1, maxLength: 2 }), { nil: undefined }),
    });
    const hasApproved = (s: VaultNetworkState) =>
        (s.privateEndpointConnections ?? []).some((c) => c.privateLinkServiceConnectionState?.status?.toLowerCase() === "approved");

    it("an error exactly when unreachable, a warning exactly when unverifiable, never both", () => {
        fc.assert(
            fc.property(state, context, (s, c) => {
                const verdict = vaultReachability(s, c).verdict;
                const error = vaultReachabilityError(s, VAULT, c);
                const warning = vaultReachabilityWarning(s, VAULT, c);
                expect(error !== undefined).to.equal(verdict === "unreachable");
                expect(warning !== undefined).to.equal(verdict === "unverifiable");
            }),
        );
    });

    it("a private endpoint (approved or planned) always reaches; without one, disabled public access never does, whatever the firewall", () => {
        fc.assert(
            fc.property(state, context, (s, c) => {
                const result = vaultReachability(s, c);
                if (hasApproved(s) || c.plannedPrivateEndpoints.length > 0) {
                    expect(result).to.include({ verdict: "reachable", via: "private endpoint" });
                } else if (s.publicNetworkAccess?.toLowerCase() === "disabled") {
                    expect(result).to.include({ verdict: "unreachable", reason: "public access disabled" });
                }
            }),
        );
    });

    it("bypass never changes the verdict (AKS is not a trusted service)", () => {
        fc.assert(
            fc.property(state, context, fc.constantFrom("AzureServices", "None"), (s, c, bypass) => {
                const flipped: VaultNetworkState = s.networkAcls ? { ...s, networkAcls: { ...s.networkAcls, bypass } } : s;
                expect(vaultReachability(flipped, c)).to.deep.equal(vaultReachability(s, c));
            }),
        );
    });

    it("allowing a known node subnet or an IP makes an open-to-public vault reachable; without Deny it always is", () => {
        fc.assert(
            fc.property(state, context, (s, c) => {
                fc.pre(s.publicNetworkAccess?.toLowerCase() !== "disabled");
                if (s.networkAcls?.defaultAction?.toLowerCase() !== "deny") {
                    expect(vaultReachability(s, c).verdict).to.equal("reachable");
                }
                const acls = { defaultAction: "Deny", ...s.networkAcls };
                const withIp = { ...s, networkAcls: { ...acls, ipRules: [...(acls.ipRules ?? []), { value: "198.51.100.1" }] } };
                expect(vaultReachability(withIp, c).verdict).to.equal("reachable");
                if (c.clusterSubnetIds) {
                    const rule = { id: c.clusterSubnetIds[0].toUpperCase() };
                    const withSubnet = { ...s, networkAcls: { ...acls, virtualNetworkRules: [...(acls.virtualNetworkRules ?? []), rule] } };
                    expect(vaultReachability(withSubnet, c).verdict).to.equal("reachable");
                }
            }),
        );
    });
});
