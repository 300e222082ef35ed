import { Problem } from "./validation";

/**
 * ARM resource IDs of the network resources the library takes by ID (subnets, VNets, private DNS zones, private
 * endpoints): their shape, checked at preview, and their parts.
 */

/** ARM resource types this program takes IDs of, with the provider path of each. */
const ARM_TYPES = {
    subnet: { path: ["Microsoft.Network", "virtualNetworks", "subnets"], label: "subnet" },
    virtualNetwork: { path: ["Microsoft.Network", "virtualNetworks"], label: "virtual network" },
    privateDnsZone: { path: ["Microsoft.Network", "privateDnsZones"], label: "private DNS zone" },
    privateEndpoint: { path: ["Microsoft.Network", "privateEndpoints"], label: "private endpoint" },
    monitorWorkspace: { path: ["Microsoft.Monitor", "accounts"], label: "Azure Monitor workspace" },
    actionGroup: { path: ["Microsoft.Insights", "actionGroups"], label: "action group" },
} as const;

export type ArmResourceType = keyof typeof ARM_TYPES;

/** The parts of an ARM resource ID. */
export interface ArmId {
    subscriptionId: string;
    resourceGroupName: string;
    /** Resource names from the outermost type in: `[vnet, subnet]` for a subnet. */
    names: string[];
}

const GUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
// Azure's resource group rule: 1-90 letters, digits, underscores, hyphens, periods and parentheses, not ending in a period.
const RESOURCE_GROUP = "[-\\w.()]{0,89}[-\\w()]";
const NAME = "[^/\\s]+";

function armIdPattern(type: ArmResourceType): RegExp {
    const [namespace, ...types] = ARM_TYPES[type].path;
    const segments = types.map((segment) => `/${segment}/(${NAME})`).join("");
    return new RegExp(
        `^/subscriptions/(${GUID})/resourceGroups/(${RESOURCE_GROUP})/providers/${namespace.replace(".", "\\.")}${segments}$`,
        "i",
    );
}

/** The parts of `id` when it is the ARM ID of a resource of `type` (ARM compares IDs without case), else undefined. */
export function parseArmId(id: string, type: ArmResourceType): ArmId | undefined {
    const match = armIdPattern(type).exec(id);
    return match ? { subscriptionId: match[1], resourceGroupName: match[2], names: match.slice(3) } : undefined;
}

/** An example ID of each type, for fixes. */
export function exampleArmId(type: ArmResourceType): string {
    const [namespace, ...types] = ARM_TYPES[type].path;
    const names: Record<string, string> = {
        virtualNetworks: "vnet-aks",
        subnets: "snet-aks-nodes",
        privateDnsZones: "privatelink.vaultcore.azure.net",
        privateEndpoints: "pe-kv-platform",
        accounts: "amw-platform",
        actionGroups: "ag-platform-oncall",
    };
    return `/subscriptions/<subscription-id>/resourceGroups/<resource-group>/providers/${namespace}${types.map((segment) => `/${segment}/${names[segment]}`).join("")}`;
}

/** "a subnet", "an action group". */
function article(label: string): string {
    return `${/^[aeiouAEIOU]/.test(label) ? "an" : "a"} ${label}`;
}

/** Problems with an ID that must be the ARM ID of a `type` resource; `where`: the input. */
export function armIdProblems(id: string, type: ArmResourceType, where: string): Problem[] {
    if (parseArmId(id, type)) {
        return [];
    }
    const other = (Object.keys(ARM_TYPES) as ArmResourceType[]).find((candidate) => candidate !== type && parseArmId(id, candidate));
    return [
        {
            where,
            message: `"${id}" is not the resource ID of ${article(ARM_TYPES[type].label)}${other ? ` (it is the ID of ${article(ARM_TYPES[other].label)})` : ""}`,
            fix: `use the full ID, ${exampleArmId(type)}${type === "subnet" ? " (`az network vnet subnet show --query id`)" : ""}`,
        },
    ];
}

/** The ID of the virtual network a subnet ID belongs to. */
export function virtualNetworkOfSubnet(subnetId: string): string | undefined {
    return parseArmId(subnetId, "subnet") ? subnetId.replace(/\/subnets\/[^/]+$/i, "") : undefined;
}

/** True when two ARM IDs name the same resource (ARM IDs are case-insensitive). */
export function sameArmId(a: string, b: string): boolean {
    return a.replace(/\/+$/, "").toLowerCase() === b.replace(/\/+$/, "").toLowerCase();
}
