/**
 * The private endpoint of a vault, its private DNS zone, the zone's links to virtual networks and the endpoint's DNS
 * zone group. Imported statically: loading the network SDK modules costs about 8 ms of CPU (their indexes; the four
 * classes load when first used), too little to load them only when configured (docs/performance.md).
 */
import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import { parseArmId, virtualNetworkOfSubnet } from "../shared/arm-ids";
import { CreatedPrivateEndpointArgs, KEY_VAULT_PRIVATE_DNS_ZONE, KEY_VAULT_PRIVATE_LINK_GROUP } from "./network";

/** What the private endpoint resources need from the vault. */
export interface PrivateEndpointTarget {
    vaultId: pulumi.Input<string>;
    vaultName: string;
    resourceGroupName: pulumi.Input<string>;
    location: pulumi.Input<string>;
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** What was created. */
export interface PrivateEndpointResources {
    privateEndpointId: pulumi.Output<string>;
    privateDnsZoneId: pulumi.Output<string>;
}

/** A part of an ARM ID that may still be an Output (IDs are checked where they are plain). */
function armPart(
    id: pulumi.Input<string>,
    part: (parsed: NonNullable<ReturnType<typeof parseArmId>>) => string,
    type: Parameters<typeof parseArmId>[1],
): pulumi.Output<string> {
    return pulumi.output(id).apply((value) => {
        const parsed = parseArmId(value, type);
        if (!parsed) {
            throw new Error(`"${value}" is not the resource ID of a ${type}`);
        }
        return part(parsed);
    });
}

/** Stable resource name of the link to a VNet: its resource group and name when the ID is plain, else its position. */
function linkName(name: string, virtualNetworkId: pulumi.Input<string>, index: number): string {
    const parsed = typeof virtualNetworkId === "string" ? parseArmId(virtualNetworkId, "virtualNetwork") : undefined;
    return parsed ? `${name}-dns-link-${parsed.resourceGroupName}-${parsed.names[0]}`.toLowerCase() : `${name}-dns-link-${index}`;
}

/** The VNets a zone is linked to, per CreatedPrivateEndpointArgs.linkVirtualNetworkIds. */
export function linkedVirtualNetworks(
    args: Pick<CreatedPrivateEndpointArgs, "subnetId" | "privateDnsZoneId" | "linkVirtualNetworkIds">,
): pulumi.Input<string>[] {
    if (args.linkVirtualNetworkIds) {
        return args.linkVirtualNetworkIds;
    }
    if (args.privateDnsZoneId !== undefined) {
        return [];
    }
    return [
        typeof args.subnetId === "string"
            ? (virtualNetworkOfSubnet(args.subnetId) ?? args.subnetId)
            : pulumi.output(args.subnetId).apply((id) => virtualNetworkOfSubnet(id) ?? id),
    ];
}

/** Creates the endpoint (group `vault`), the zone unless one is given, its VNet links and the endpoint's zone group, all children of `parent`. */
export function createPrivateEndpoint(
    name: string,
    parent: pulumi.Resource,
    target: PrivateEndpointTarget,
    args: CreatedPrivateEndpointArgs,
): PrivateEndpointResources {
    const resourceGroupName = args.resourceGroupName ?? target.resourceGroupName;
    const endpoint = new network.PrivateEndpoint(
        `${name}-private-endpoint`,
        {
            resourceGroupName,
            location: args.location ?? target.location,
            privateEndpointName: `pe-${target.vaultName}`,
            subnet: { id: args.subnetId },
            privateLinkServiceConnections: [
                { name: target.vaultName, privateLinkServiceId: target.vaultId, groupIds: [KEY_VAULT_PRIVATE_LINK_GROUP] },
            ],
            tags: target.tags,
        },
        { parent },
    );
    let zoneId: pulumi.Output<string>;
    let zoneName: pulumi.Input<string>;
    let zoneResourceGroup: pulumi.Input<string>;
    if (args.privateDnsZoneId !== undefined) {
        zoneId = pulumi.output(args.privateDnsZoneId);
        zoneName = armPart(args.privateDnsZoneId, (parsed) => parsed.names[0], "privateDnsZone");
        zoneResourceGroup = armPart(args.privateDnsZoneId, (parsed) => parsed.resourceGroupName, "privateDnsZone");
    } else {
        const zone = new privatedns.PrivateZone(
            `${name}-private-dns-zone`,
            { resourceGroupName, privateZoneName: KEY_VAULT_PRIVATE_DNS_ZONE, location: "global", tags: target.tags },
            { parent },
        );
        zoneId = zone.id;
        zoneName = zone.name;
        zoneResourceGroup = resourceGroupName;
    }
    linkedVirtualNetworks(args).forEach((virtualNetworkId, index) => {
        new privatedns.VirtualNetworkLink(
            linkName(name, virtualNetworkId, index),
            {
                resourceGroupName: zoneResourceGroup,
                privateZoneName: zoneName,
                location: "global",
                virtualNetwork: { id: virtualNetworkId },
                // Resolution only: the zone holds the endpoint's record, the VNet's VMs do not register theirs.
                registrationEnabled: false,
                tags: target.tags,
            },
            { parent },
        );
    });
    new network.PrivateDnsZoneGroup(
        `${name}-private-dns-zone-group`,
        {
            resourceGroupName,
            privateEndpointName: endpoint.name,
            privateDnsZoneGroupName: "default",
            privateDnsZoneConfigs: [{ name: KEY_VAULT_PRIVATE_DNS_ZONE.replace(/\./g, "-"), privateDnsZoneId: zoneId }],
        },
        { parent },
    );
    return { privateEndpointId: endpoint.id, privateDnsZoneId: zoneId };
}
