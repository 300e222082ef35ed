import { z } from "zod";
import { isGuid } from "../components/shared/validation";
import { DEFAULT_RESOURCE_MANAGER_ENDPOINT } from "../components/key-vault/read-identities";

/**
 * The `azure` keys of the preview's identity check (program/identity-check.ts), spread into the schema's `azure`
 * object: the subscription and the Resource Manager endpoint it reads, and the switch that turns it off.
 */
export const identityCheckKeys = {
    subscriptionId: z
        .string()
        .refine(isGuid, { error: "must be a GUID (8-4-4-4-12 hex digits)" })
        .meta({ example: "6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f" })
        .optional()
        .describe(
            "The subscription the preview's identity check reads identities in; default: `azure-native:subscriptionId` or `ARM_SUBSCRIPTION_ID` (the provider's), else the subscription of `keyVault.id`. Without one the check does not run (docs/vault-check.md).",
        ),
    resourceManagerEndpoint: z
        .url()
        .optional()
        .describe(
            `Azure Resource Manager's endpoint the identity check reads: default \`${DEFAULT_RESOURCE_MANAGER_ENDPOINT}\`, or the sovereign cloud's of the apps' \`cloudName\` (\`https://management.chinacloudapi.cn\`, \`https://management.usgovcloudapi.net\`, \`https://management.microsoftazure.de\`); set it for any other cloud.`,
        ),
    checkIdentities: z
        .boolean()
        .default(true)
        .describe(
            "With `keyVault.checkContents`, read at preview whether each app's existing identity exists, trusts its ServiceAccount (workload identity) and holds a role that reads its objects; the identity that runs the preview needs Reader (docs/vault-check.md). `false` turns it off, e.g. for an Entra application's client ID, which the check does not see.",
        ),
};
