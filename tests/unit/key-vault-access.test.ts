/** components/key-vault-access: least-privilege role assignments. */
import { expect } from "chai";
import { KEY_VAULT_ROLES, KeyVaultAccess, KeyVaultRoleName } from "../../components";
import { accessPlan } from "../../components/key-vault-access/component";
import {
    OFFICER_ROLES,
    PRIVILEGED_ROLES,
    READER_ROLES,
    VAULT_MANAGEMENT_ROLES,
    planAssignments,
    roleAssignmentName,
} from "../../components/key-vault-access/roles";
import { keyVaultAccessProblems } from "../../components/key-vault-access/component";
import { isGuid } from "../../components/shared/validation";
import { SUBSCRIPTION_ID, azureState, errorFrom, fakeGuid, ofType, registered, resetRegistrations, settle } from "../mocks";

const VAULT_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-dev/providers/Microsoft.KeyVault/vaults/kv-dev`;
const PRINCIPAL = "9a6e2a4c-1f0b-4d2e-8c3a-7b5d4e6f8a9b";

describe("Key Vault access", () => {
    beforeEach(resetRegistrations);

    it("picks the least-privileged role per object type", () => {
        expect(planAssignments([{ objectName: "a", objectType: "secret" }], "vault")).to.deep.equal([
            { nameSuffix: "secretsuser", scopeSuffix: "", role: "secretsUser" },
        ]);
        expect(
            planAssignments(
                [
                    { objectName: "a", objectType: "secret" },
                    { objectName: "b", objectType: "cert" },
                ],
                "vault",
            ).map((a) => a.role),
        ).to.deep.equal(["certificateUser"]);
        expect(
            planAssignments(
                [
                    { objectName: "k", objectType: "key" },
                    { objectName: "a", objectType: "secret" },
                    { objectName: "a", objectType: "secret" },
                ],
                "object",
            ),
        ).to.deep.equal([
            { nameSuffix: "keys-k", scopeSuffix: "/keys/k", role: "certificateUser" },
            { nameSuffix: "secrets-a", scopeSuffix: "/secrets/a", role: "secretsUser" },
        ]);
    });

    it("derives assignment names from scope, principal and role only", () => {
        const name = roleAssignmentName(VAULT_ID, PRINCIPAL, "secretsUser");
        expect(name).to.match(/^[0-9a-f-]{36}$/);
        expect(roleAssignmentName(VAULT_ID.toUpperCase(), PRINCIPAL, "secretsUser")).to.equal(name);
        expect(roleAssignmentName(VAULT_ID, PRINCIPAL, "certificateUser")).to.not.equal(name);
    });

    it("registers vault-scoped assignments with ServicePrincipal type, the role GUID and a deterministic name", async () => {
        new KeyVaultAccess("addon", { vaultId: VAULT_ID, principalId: PRINCIPAL, objects: [{ objectName: "db", objectType: "secret" }] });
        await settle();
        const assignment = registered("azure-native:authorization:RoleAssignment", "addon-secretsuser").inputs;
        expect(assignment).to.deep.include({
            scope: VAULT_ID,
            principalId: PRINCIPAL,
            principalType: "ServicePrincipal",
            roleDefinitionId: `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_ROLES.secretsUser.guid}`,
            roleAssignmentName: roleAssignmentName(VAULT_ID, PRINCIPAL, "secretsUser"),
        });
    });

    it("registers per-object scopes, identical for re-ordered input", async () => {
        const objects = [
            { objectName: "tls", objectType: "secret" as const },
            { objectName: "signing", objectType: "key" as const },
            { objectName: "root", objectType: "cert" as const },
        ];
        new KeyVaultAccess("app", { vaultId: VAULT_ID, principalId: PRINCIPAL, objects, scope: "object" });
        await settle();
        const first = ofType("azure-native:authorization:RoleAssignment").map((r) => [r.name, r.inputs.scope, r.inputs.roleAssignmentName]);
        resetRegistrations();
        new KeyVaultAccess("app", { vaultId: VAULT_ID, principalId: PRINCIPAL, objects: [...objects].reverse(), scope: "object" });
        await settle();
        const second = ofType("azure-native:authorization:RoleAssignment").map((r) => [
            r.name,
            r.inputs.scope,
            r.inputs.roleAssignmentName,
        ]);
        expect(second).to.deep.equal(first);
        expect(first.map(([name, scope]) => [name, scope])).to.deep.equal([
            ["app-certificates-root", `${VAULT_ID}/certificates/root`],
            ["app-keys-signing", `${VAULT_ID}/keys/signing`],
            ["app-secrets-tls", `${VAULT_ID}/secrets/tls`],
        ]);
    });

    it("never grants an officer or administrator role to a workload or addon identity", () => {
        const error = errorFrom(() => new KeyVaultAccess("wl", { vaultId: VAULT_ID, principalId: PRINCIPAL, roles: ["administrator"] }));
        expect(error.message).to.contain(
            'roles: "Key Vault Administrator" would let a workload or addon identity change or delete vault content. Fix: omit roles so the least-privileged reader role is chosen from the object types (Secrets User / Certificate User).',
        );
        expect(accessPlan({ vaultId: VAULT_ID, principalId: PRINCIPAL, principalType: "Group", roles: ["secretsOfficer"] })).to.deep.equal([
            { nameSuffix: "secretsofficer", scopeSuffix: "", role: "secretsOfficer" },
        ]);
    });

    it("knows which roles are privileged: the officer roles and the management-plane roles, never a reader role", () => {
        const guids = PRIVILEGED_ROLES.map((role) => role.guid);
        expect(new Set(guids).size).to.equal(guids.length);
        expect(guids.every(isGuid), "role definition GUIDs").to.equal(true);
        expect(guids).to.include.members(OFFICER_ROLES.map((role) => KEY_VAULT_ROLES[role].guid));
        expect(guids).to.include.members(Object.values(VAULT_MANAGEMENT_ROLES).map((role) => role.guid));
        expect(guids).to.have.length(OFFICER_ROLES.length + Object.keys(VAULT_MANAGEMENT_ROLES).length);
        expect(guids).to.not.include.members(READER_ROLES.map((role) => KEY_VAULT_ROLES[role].guid));
        const keyVaultGuids: string[] = Object.values(KEY_VAULT_ROLES).map((role) => role.guid);
        expect(Object.values(VAULT_MANAGEMENT_ROLES).filter((role) => keyVaultGuids.includes(role.guid))).to.deep.equal([]);
    });

    it("still assigns only Key Vault data roles: the management-plane roles are not inputs", () => {
        const roles: KeyVaultRoleName[] = JSON.parse('["owner"]'); // as plain JavaScript or JSON config would pass it
        expect(keyVaultAccessProblems({ vaultId: VAULT_ID, principalId: PRINCIPAL, principalType: "Group", roles })).to.deep.equal([
            {
                where: "roles",
                message: '"owner" is not a Key Vault role',
                fix: "use one of secretsUser, certificateUser, reader, secretsOfficer, certificatesOfficer, cryptoOfficer, administrator",
            },
        ]);
    });

    it("rejects client IDs used as principal IDs and empty object lists", () => {
        const error = errorFrom(() => new KeyVaultAccess("wl", { vaultId: VAULT_ID, principalId: "my-app", objects: [] }));
        expect(error.message).to.contain(
            'principalId: "my-app" is not a GUID. Fix: use the principal\'s object ID, not its client ID or name.',
        );
        expect(error.message).to.contain("objects: is empty, so there is no role to choose.");
    });

    it("grants an admin group found by display name", async () => {
        azureState.groups["kv-admins"] = fakeGuid("kv-admins");
        const { groupObjectId } = await import("../../components/key-vault-access/component");
        new KeyVaultAccess("admins", {
            vaultId: VAULT_ID,
            principalId: groupObjectId({ displayName: "kv-admins" }),
            principalType: "Group",
            roles: ["secretsOfficer"],
        });
        await settle();
        expect(registered("azure-native:authorization:RoleAssignment", "admins-secretsofficer").inputs).to.deep.include({
            principalId: fakeGuid("kv-admins"),
            principalType: "Group",
        });
    });

    it("refuses to look up a group it has no name or ID for", async () => {
        const { groupObjectId } = await import("../../components/key-vault-access/component");
        expect(() => groupObjectId({})).to.throw(
            "groupObjectId: the group has neither objectId nor displayName (groupReferenceProblems reports this)",
        );
    });
});
