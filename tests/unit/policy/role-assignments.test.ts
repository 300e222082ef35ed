/** policy/role-assignments.ts: privileged roles for service principals, and principal types. */
import { expect } from "chai";
import { PRIVILEGED_ROLES } from "../../../components/key-vault-access/roles";
import { noPrivilegedRolesForServicePrincipals, roleAssignmentPrincipalType, roleDefinitionGuid } from "../../../policy/role-assignments";
import { ResourceCase, U, violations } from "./fixtures";

const PRINCIPAL = "9a7d3c2e-1b4f-4e8a-a6c5-2d1f0e9b8a7c";

function roleAssignment(props: Record<string, unknown>, extra: Partial<ResourceCase> = {}): ResourceCase {
    return {
        type: "azure-native:authorization:RoleAssignment",
        name: "orders-secrets-user",
        props: {
            principalId: PRINCIPAL,
            scope: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
            roleAssignmentName: "0d0d5a4e-3c1f-5b52-8d7e-6f4a2b1c9e80",
            ...props,
        },
        ...extra,
    };
}

const roleId = (guid: string, subscription = true) =>
    subscription
        ? `/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/${guid}`
        : `/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

describe("keyvault-no-privileged-roles-for-service-principals", () => {
    const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
    const SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";

    it("parses role definition IDs in both forms", () => {
        expect(roleDefinitionGuid(roleId(SECRETS_USER))).to.equal(SECRETS_USER);
        expect(roleDefinitionGuid(roleId(SECRETS_USER.toUpperCase(), false))).to.equal(SECRETS_USER);
        expect(roleDefinitionGuid(SECRETS_USER)).to.equal(SECRETS_USER);
        expect(roleDefinitionGuid("/providers/Microsoft.Authorization/roleDefinitions/")).to.equal(undefined);
    });

    it("lets service principals read secrets and certificates", () => {
        for (const guid of [
            SECRETS_USER,
            "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba",
            "12338af0-0e69-4776-bea7-57ae8d297424",
            "21090545-7ca7-4776-b22c-e363652d74d2",
        ]) {
            expect(
                violations(
                    noPrivilegedRolesForServicePrincipals,
                    roleAssignment({ principalType: "ServicePrincipal", roleDefinitionId: roleId(guid) }),
                ),
                guid,
            ).to.deep.equal([]);
        }
    });

    it("lets people (Group, User) hold officer and administrator roles", () => {
        for (const principalType of ["Group", "User"]) {
            expect(
                violations(
                    noPrivilegedRolesForServicePrincipals,
                    roleAssignment({ principalType, roleDefinitionId: roleId(SECRETS_OFFICER) }),
                ),
            ).to.deep.equal([]);
        }
    });

    it("flags every privileged role for a service principal, in both ID forms", () => {
        for (const { guid, displayName: name } of PRIVILEGED_ROLES) {
            for (const subscription of [true, false]) {
                const found = violations(
                    noPrivilegedRolesForServicePrincipals,
                    roleAssignment({ principalType: "ServicePrincipal", roleDefinitionId: roleId(guid, subscription) }),
                );
                expect(found, `${name} ${subscription}`).to.deep.equal([
                    `Role assignment "orders-secrets-user" gives service principal ${PRINCIPAL} the "${name}" role (${guid}). Workload and addon identities ` +
                        'only read from Key Vault: use "Key Vault Secrets User" (4633458b-17de-408a-b874-0445c86b69e6) for objectType secret, or ' +
                        '"Key Vault Certificate User" (db79e9a7-68ee-4b58-9aeb-b90e7c24fcba) for cert and key objects. Officer, administrator, contributor, ' +
                        "owner and access-granting roles are for people (principalType User or Group).",
                ]);
            }
        }
        expect(PRIVILEGED_ROLES.map((role) => role.displayName)).to.include.members([
            "Key Vault Administrator",
            "Key Vault Secrets Officer",
            "Key Vault Certificates Officer",
            "Key Vault Crypto Officer",
            "Contributor",
            "Owner",
        ]);
    });

    it("compares principalType case-insensitively and names an unknown principal generically", () => {
        const [message] = violations(noPrivilegedRolesForServicePrincipals, {
            ...roleAssignment({ principalType: "servicePrincipal", roleDefinitionId: roleId(SECRETS_OFFICER), principalId: U }),
            preview: true,
        });
        expect(message).to.match(/^Role assignment "orders-secrets-user" gives a service principal the "Key Vault Secrets Officer" role/);
    });

    it("supports extra forbidden roles and exempt principals from config", () => {
        const custom = "11111111-2222-4333-8444-555555555555";
        const [message] = violations(noPrivilegedRolesForServicePrincipals, {
            ...roleAssignment({ principalType: "ServicePrincipal", roleDefinitionId: roleId(custom) }),
            config: { additionalForbiddenRoleDefinitionIds: [roleId(custom)] },
        });
        expect(message).to.include(`the role ${custom} (forbidden by policy config)`);
        expect(
            violations(noPrivilegedRolesForServicePrincipals, {
                ...roleAssignment({ principalType: "ServicePrincipal", roleDefinitionId: roleId(SECRETS_OFFICER) }),
                config: { exemptPrincipalIds: [PRINCIPAL.toUpperCase()] },
            }),
        ).to.deep.equal([]);
    });

    it("skips unknown role definitions and missing principal types (another policy reports those)", () => {
        expect(
            violations(noPrivilegedRolesForServicePrincipals, {
                ...roleAssignment({ principalType: "ServicePrincipal", roleDefinitionId: U }),
                preview: true,
            }),
        ).to.deep.equal([]);
        expect(
            violations(noPrivilegedRolesForServicePrincipals, roleAssignment({ roleDefinitionId: roleId(SECRETS_OFFICER) })),
        ).to.deep.equal([]);
    });
});

describe("role-assignment-principal-type", () => {
    it("passes every valid principal type", () => {
        for (const principalType of ["User", "Group", "ServicePrincipal", "ForeignGroup", "Device", "serviceprincipal"]) {
            expect(violations(roleAssignmentPrincipalType, roleAssignment({ principalType })), principalType).to.deep.equal([]);
        }
    });

    it("flags a missing principal type", () => {
        const expected =
            'Role assignment "orders-secrets-user" does not set principalType. Set it ("ServicePrincipal" for managed identities and apps, "Group" or ' +
            '"User" for people): without it ARM looks the principal up in Entra ID, and an identity created moments earlier fails with ' +
            "PrincipalNotFound until replication catches up.";
        expect(violations(roleAssignmentPrincipalType, roleAssignment({}))).to.deep.equal([expected]);
        expect(violations(roleAssignmentPrincipalType, roleAssignment({ principalType: "" }))).to.deep.equal([expected]);
    });

    it("flags an invalid principal type", () => {
        expect(violations(roleAssignmentPrincipalType, roleAssignment({ principalType: "ManagedIdentity" }))).to.deep.equal([
            'Role assignment "orders-secrets-user" sets principalType "ManagedIdentity", which is not one of User, Group, ServicePrincipal, ForeignGroup, Device.',
        ]);
    });

    it("skips an unknown principal type", () => {
        expect(violations(roleAssignmentPrincipalType, { ...roleAssignment({ principalType: U }), preview: true })).to.deep.equal([]);
    });
});
