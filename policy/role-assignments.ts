/** Policies on Azure role assignments: no privileged role for a service principal, and a principal type set. */
import { KEY_VAULT_ROLES, PRIVILEGED_ROLES, leastPrivilegedRole } from "../components/key-vault-access/roles";
import { isGuid } from "../components/shared/validation";
import { UNKNOWN, read, str } from "./props";
import { ResourcePolicy, forType, policyConfig } from "./resource-policy";

const ROLE_ASSIGNMENT = /^azure-native:authorization(\/v[0-9a-z]+)?:RoleAssignment$/;

/** Names of the roles no service principal may hold, by role definition GUID. */
const PRIVILEGED_ROLE_NAMES: ReadonlyMap<string, string> = new Map(PRIVILEGED_ROLES.map((role) => [role.guid, role.displayName]));

/** Values ARM accepts for `principalType`. */
export const PRINCIPAL_TYPES = ["User", "Group", "ServicePrincipal", "ForeignGroup", "Device"] as const;

/** GUID of a role definition from `/subscriptions/<s>/providers/Microsoft.Authorization/roleDefinitions/<guid>` or a bare GUID. */
export function roleDefinitionGuid(roleDefinitionId: string): string | undefined {
    const last =
        roleDefinitionId
            .trim()
            .split("/")
            .filter((part) => part !== "")
            .pop() ?? "";
    return isGuid(last) ? last.toLowerCase() : undefined;
}

interface PrivilegedRoleConfig {
    additionalForbiddenRoleDefinitionIds: string[];
    exemptPrincipalIds: string[];
}

export const noPrivilegedRolesForServicePrincipals: ResourcePolicy = {
    name: "keyvault-no-privileged-roles-for-service-principals",
    description:
        "Service principals (workload and addon identities) get read roles only: no Key Vault Administrator, Secrets/Certificates/Crypto Officer, Contributor, Owner or access-granting role. People (User, Group) may hold them.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        'Give workload and addon identities "Key Vault Secrets User" for secret objects or "Key Vault Certificate User" for cert and key objects, scoped to the vault or to the objects; keep officer, administrator and access-granting roles for people.',
    url: "https://learn.microsoft.com/azure/key-vault/general/rbac-guide",
    tags: ["keyvault", "rbac", "least-privilege"],
    configSchema: {
        properties: {
            additionalForbiddenRoleDefinitionIds: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: "More role definition GUIDs (e.g. custom roles) service principals must not hold.",
            },
            exemptPrincipalIds: {
                type: "array",
                items: { type: "string" },
                default: [],
                description:
                    "Object IDs of service principals allowed to hold these roles anyway (e.g. a break-glass automation identity).",
            },
        },
    },
    validateResource: forType(ROLE_ASSIGNMENT, (args, reportViolation) => {
        const principalType = str(read(args.props, "principalType"));
        const roleDefinitionId = str(read(args.props, "roleDefinitionId"));
        if (
            typeof principalType !== "string" ||
            principalType.toLowerCase() !== "serviceprincipal" ||
            typeof roleDefinitionId !== "string"
        ) {
            return;
        }
        const cfg = policyConfig<PrivilegedRoleConfig>(args, { additionalForbiddenRoleDefinitionIds: [], exemptPrincipalIds: [] });
        const guid = roleDefinitionGuid(roleDefinitionId);
        const extra = cfg.additionalForbiddenRoleDefinitionIds.map((id) => roleDefinitionGuid(id) ?? id.toLowerCase());
        if (!guid || (!PRIVILEGED_ROLE_NAMES.has(guid) && !extra.includes(guid))) {
            return;
        }
        const principalId = str(read(args.props, "principalId"));
        if (typeof principalId === "string" && cfg.exemptPrincipalIds.map((id) => id.toLowerCase()).includes(principalId.toLowerCase())) {
            return;
        }
        const privileged = PRIVILEGED_ROLE_NAMES.get(guid);
        const role = privileged ? `"${privileged}" role (${guid})` : `role ${guid} (forbidden by policy config)`;
        const who = typeof principalId === "string" ? `service principal ${principalId}` : "a service principal";
        const secretReader = KEY_VAULT_ROLES[leastPrivilegedRole("secret")];
        const certificateReader = KEY_VAULT_ROLES[leastPrivilegedRole("cert")];
        reportViolation(
            `Role assignment "${args.name}" gives ${who} the ${role}. Workload and addon identities only read from Key Vault: use ` +
                `"${secretReader.displayName}" (${secretReader.guid}) for objectType secret, or "${certificateReader.displayName}" ` +
                `(${certificateReader.guid}) for cert and key objects. Officer, administrator, contributor, owner and access-granting roles ` +
                "are for people (principalType User or Group).",
        );
    }),
};

export const roleAssignmentPrincipalType: ResourcePolicy = {
    name: "role-assignment-principal-type",
    description: "Role assignments set principalType, so a just-created identity is not looked up in Entra ID before it has replicated.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps: 'Set principalType: "ServicePrincipal" for managed identities and applications, "User" or "Group" for people.',
    url: "https://learn.microsoft.com/azure/role-based-access-control/role-assignments-template",
    tags: ["rbac"],
    validateResource: forType(ROLE_ASSIGNMENT, (args, reportViolation) => {
        const principalType = read(args.props, "principalType");
        if (principalType === UNKNOWN) {
            return;
        }
        if (principalType === undefined || principalType === "") {
            reportViolation(
                `Role assignment "${args.name}" does not set principalType. Set it ("ServicePrincipal" for managed identities and apps, ` +
                    '"Group" or "User" for people): without it ARM looks the principal up in Entra ID, and an identity created moments earlier ' +
                    "fails with PrincipalNotFound until replication catches up.",
            );
            return;
        }
        if (typeof principalType !== "string" || !PRINCIPAL_TYPES.some((type) => type.toLowerCase() === principalType.toLowerCase())) {
            reportViolation(
                `Role assignment "${args.name}" sets principalType ${JSON.stringify(principalType)}, which is not one of ${PRINCIPAL_TYPES.join(", ")}.`,
            );
        }
    }),
};
