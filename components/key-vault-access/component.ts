import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as azuread from "@pulumi/azuread";
import { TOKEN_PREFIX } from "../shared/token";
import { Problem, isGuid, throwIfProblems } from "../shared/validation";
import { nameSuffix } from "../shared/naming";
import {
    AccessScope,
    DEFAULT_ACCESS_SCOPE,
    KEY_VAULT_ROLES,
    KeyVaultRoleName,
    OFFICER_ROLES,
    PlannedAssignment,
    ReadObject,
    planAssignments,
    roleAssignmentName,
    roleDefinitionId,
    subscriptionOf,
} from "./roles";

/** Inputs of Key Vault role assignments for one principal. */
export interface KeyVaultAccessArgs {
    /** ARM ID of the vault. */
    vaultId: pulumi.Input<string>;
    /** Object (principal) ID to grant: the addon identity's `objectId`, an app identity's `principalId`, a group ID. */
    principalId: pulumi.Input<string>;
    /**
     * Kind of principal; default "ServicePrincipal" (managed identities), which also avoids ARM's
     * PrincipalNotFound race right after an identity is created. Plain: checked against `roles` at construction.
     */
    principalType?: "ServicePrincipal" | "Group" | "User";
    /**
     * Objects the principal reads; their types pick the least-privileged roles. Ignored when `roles` is set. Plain:
     * they decide which role assignments exist and their names.
     */
    objects?: ReadObject[];
    /** Grant at vault scope (default) or on each object. Plain: decides which role assignments exist. */
    scope?: AccessScope;
    /**
     * Explicit roles at vault scope, for people and groups (e.g. ["secretsOfficer"]). Never officer roles for a
     * ServicePrincipal. Plain: they decide which role assignments exist and their names.
     */
    roles?: KeyVaultRoleName[];
    /** Description on each assignment; may come from other resources. */
    description?: pulumi.Input<string>;
}

/** Problems with access arguments. */
export function keyVaultAccessProblems(args: KeyVaultAccessArgs): Problem[] {
    const problems: Problem[] = [];
    const principalType = args.principalType ?? "ServicePrincipal";
    if (typeof args.principalId === "string" && !isGuid(args.principalId)) {
        problems.push({
            where: "principalId",
            message: `"${args.principalId}" is not a GUID`,
            fix: "use the principal's object ID, not its client ID or name",
        });
    }
    if (args.roles !== undefined) {
        for (const role of args.roles) {
            if (!(role in KEY_VAULT_ROLES)) {
                problems.push({
                    where: "roles",
                    message: `"${role}" is not a Key Vault role`,
                    fix: `use one of ${Object.keys(KEY_VAULT_ROLES).join(", ")}`,
                });
            } else if (principalType === "ServicePrincipal" && OFFICER_ROLES.includes(role)) {
                problems.push({
                    where: "roles",
                    message: `"${KEY_VAULT_ROLES[role].displayName}" would let a workload or addon identity change or delete vault content`,
                    fix: "omit roles so the least-privileged reader role is chosen from the object types (Secrets User / Certificate User)",
                });
            }
        }
        if (args.scope === "object") {
            problems.push({
                where: "scope",
                message: "object scope applies to roles chosen from objects, not to explicit roles",
                fix: 'remove roles or use scope "vault"',
            });
        }
    } else if (!args.objects || args.objects.length === 0) {
        problems.push({
            where: "objects",
            message: "is empty, so there is no role to choose",
            fix: "list the objects the principal reads, or set explicit roles for a person or group",
        });
    }
    return problems;
}

/** The assignments to make, from explicit roles or from the objects read. */
export function accessPlan(args: KeyVaultAccessArgs): PlannedAssignment[] {
    if (args.roles) {
        return [...new Set(args.roles)].sort().map((role) => ({ nameSuffix: nameSuffix(role), scopeSuffix: "", role }));
    }
    return planAssignments(args.objects ?? [], args.scope ?? DEFAULT_ACCESS_SCOPE);
}

/**
 * Least-privilege Key Vault RBAC for one principal. Assignment names are GUIDs derived from scope, principal and
 * role, and resource names from role or object, so re-runs and re-ordered input change nothing.
 */
export class KeyVaultAccess extends pulumi.ComponentResource {
    /** IDs of the role assignments. */
    public readonly roleAssignmentIds: pulumi.Output<string[]>;

    constructor(name: string, args: KeyVaultAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${TOKEN_PREFIX}:index:KeyVaultAccess`, name, {}, opts);
        throwIfProblems(`KeyVaultAccess "${name}"`, keyVaultAccessProblems(args), this);
        const principalType = args.principalType ?? "ServicePrincipal";
        const assignments = accessPlan(args).map((planned) => {
            const scope = pulumi.output(args.vaultId).apply((vaultId) => `${vaultId}${planned.scopeSuffix}`);
            return new authorization.RoleAssignment(
                `${name}-${planned.nameSuffix}`,
                {
                    scope,
                    principalId: args.principalId,
                    principalType,
                    roleDefinitionId: pulumi
                        .output(args.vaultId)
                        .apply((vaultId) => roleDefinitionId(subscriptionOf(vaultId), planned.role)),
                    roleAssignmentName: pulumi
                        .all([scope, args.principalId])
                        .apply(([s, principal]) => roleAssignmentName(s, principal, planned.role)),
                    description: args.description ?? `${KEY_VAULT_ROLES[planned.role].displayName} for ${name} (managed by Pulumi)`,
                },
                // The name is a fixed GUID, so a replacement must delete the old assignment first.
                { parent: this, deleteBeforeReplace: true },
            );
        });
        this.roleAssignmentIds = pulumi.all(assignments.map((assignment) => assignment.id));
        this.registerOutputs({ roleAssignmentIds: this.roleAssignmentIds });
    }
}

/** An Entra group named by display name or object ID. */
export interface GroupReference {
    /** Display name, looked up with Microsoft Graph at preview. */
    displayName?: string;
    /** Object ID; used as is. */
    objectId?: string;
}

/** Problems with a group reference. */
export function groupReferenceProblems(group: GroupReference, where: string): Problem[] {
    const hasName = !!group.displayName;
    const hasId = !!group.objectId;
    if (hasName === hasId) {
        return [{ where, message: "must name the group by exactly one of displayName or objectId", fix: "set one of them" }];
    }
    if (group.objectId && !isGuid(group.objectId)) {
        return [
            {
                where: `${where}.objectId`,
                message: `"${group.objectId}" is not a GUID`,
                fix: "use the group's object ID from `az ad group show --group <name> --query id -o tsv`",
            },
        ];
    }
    return [];
}

/** Object ID of a group: given, or looked up by display name with `@pulumi/azuread`. */
export function groupObjectId(group: GroupReference, parent?: pulumi.Resource): pulumi.Output<string> {
    if (group.objectId) {
        return pulumi.output(group.objectId);
    }
    if (!group.displayName) {
        throw new Error("groupObjectId: the group has neither objectId nor displayName (groupReferenceProblems reports this)");
    }
    return azuread.getGroupOutput({ displayName: group.displayName, securityEnabled: true }, { parent }).objectId;
}
