/** Private vaults, config in, resources out: for any network config of a created vault, the preview fails exactly when the cluster could not reach it, else registers exactly the endpoint resources asked for. */
import { expect } from "chai";
import * as fc from "fast-check";
import { parseStackConfig } from "../../program/config";
import { runProgram } from "../../program/main";
import { stackFileConfig } from "../stack-files";
import { SUBSCRIPTION_ID, errorFrom, ofType, registeredOptions, resetRegistrations, settle, valueOf } from "../mocks";

const NETWORK = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-network/providers/Microsoft.Network`;
const VNETS = ["vnet-aks", "vnet-hub", "vnet-tools"].map((name) => `${NETWORK}/virtualNetworks/${name}`);
const ZONE = `${NETWORK}/privateDnsZones/privatelink.vaultcore.azure.net`;
const ENDPOINT_TYPES = [
    "azure-native:network:PrivateEndpoint",
    "azure-native:privatedns:PrivateZone",
    "azure-native:privatedns:VirtualNetworkLink",
    "azure-native:network:PrivateDnsZoneGroup",
];

const createdEndpoint = fc.record(
    {
        mode: fc.constant("create" as const),
        subnetId: fc.constantFrom(...VNETS.map((vnet) => `${vnet}/subnets/snet-pe`)),
        privateDnsZoneId: fc.constant(ZONE),
        linkVirtualNetworkIds: fc.subarray(VNETS),
    },
    { requiredKeys: ["mode", "subnetId"] },
);
const network = fc.record(
    {
        publicNetworkAccess: fc.constantFrom("Enabled", "Disabled"),
        networkAcls: fc.record(
            {
                defaultAction: fc.constantFrom("Allow", "Deny"),
                bypass: fc.constantFrom("AzureServices", "None"),
                virtualNetworkSubnetIds: fc.subarray([`${VNETS[0]}/subnets/snet-aks-nodes`]),
                ipRules: fc.subarray(["203.0.113.7"]),
            },
            { requiredKeys: ["defaultAction"] },
        ),
        privateEndpoint: fc.oneof(createdEndpoint, fc.constant({ mode: "external" as const, id: `${NETWORK}/privateEndpoints/pe-kv` })),
    },
    { requiredKeys: [] },
);

describe("private vaults (properties)", function () {
    // 15 whole programs under mocks: 7-17 s alone on 2 cores, past mocha's 20 s when CI's other jobs share them
    this.timeout(60_000);
    it("fails the preview exactly when nothing reaches the vault; else registers the endpoint, zone, links and zone group asked for, under the vault component", async () => {
        await fc.assert(
            fc.asyncProperty(network, async (settings) => {
                const raw = stackFileConfig("dev");
                raw.keyVault = { ...raw.keyVault, ...settings };
                const endpoint = settings.privateEndpoint;
                const rules = (settings.networkAcls?.virtualNetworkSubnetIds?.length ?? 0) + (settings.networkAcls?.ipRules?.length ?? 0);
                const unreachable =
                    !endpoint &&
                    (settings.publicNetworkAccess === "Disabled" || (settings.networkAcls?.defaultAction === "Deny" && rules === 0));
                if (unreachable) {
                    expect(errorFrom(() => parseStackConfig(raw)).message).to.match(
                        /keyVault\.(publicNetworkAccess|networkAcls\.defaultAction): "(Disabled|Deny)" with no .*leaves the cluster no way to reach the vault/,
                    );
                    return;
                }
                resetRegistrations();
                await valueOf((await runProgram(parseStackConfig(raw))).applications);
                await settle();
                const created = endpoint?.mode === "create";
                const links = created
                    ? (endpoint.linkVirtualNetworkIds ??
                      (endpoint.privateDnsZoneId ? [] : [endpoint.subnetId.replace(/\/subnets\/.*$/, "")]))
                    : [];
                expect(ofType(ENDPOINT_TYPES[0])).to.have.length(created ? 1 : 0);
                expect(ofType(ENDPOINT_TYPES[1])).to.have.length(created && !endpoint.privateDnsZoneId ? 1 : 0);
                expect(ofType(ENDPOINT_TYPES[2]).map((link) => link.inputs.virtualNetwork.id)).to.deep.equal(links);
                expect(ofType(ENDPOINT_TYPES[3])).to.have.length(created ? 1 : 0);
                for (const resource of ENDPOINT_TYPES.flatMap(ofType)) {
                    expect(registeredOptions.get(`${resource.type}::${resource.name}`)?.parent).to.match(
                        /akvsecrets:index:KeyVault::keyvault$/,
                    );
                }
            }),
            { numRuns: 15 },
        );
    });
});
