/** components/key-vault-access: least-privilege role assignments. */
import { expect } from "chai";
import {
    KEY_VAULT_ROLES,
    KeyVaultAccess,
    accessPlan,
    planAssignments,
    roleAssignmentName,
} from "../../components";
import { SUBSCRIPTION_ID, azureState, errorFrom, fakeGuid, ofType, registered, resetRegistrations, settle } from "../mocks";

const VAULT_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-dev/providers/Microsoft.KeyVault/vaults/kv-dev`;
const PRINCIPAL = "9a6e2a4c-1f0b-4d2e-8c3a-7b5d4e6f8a9b";

describe("Key Vault access", () => {
    beforeEach(resetRegistrations);

    it("picks the least-privileged role per object type", () => {
        expect(planAssignments([{ objectName: "a", objectType: "secret" }], "vault")).to.deep.equal([{ nameSuffix: "secretsuser", scopeSuffix: "", role: "secretsUser" }]);
        expect(planAssignments([{ objectName: "a", objectType: "secret" }, { objectName: "b", objectType: "cert" }], "vault").map((a) => a.role)).to.deep.equal(["certificateUser"]);
        expect(planAssignments([{ objectName: "k", objectType: "key" }, { objectName: "a", objectType: "secret" }, { objectName: "a", objectType: "secret" }], "object")).to.deep.equal([
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
        const second = ofType("azure-native:authorization:RoleAssignment").map((r) => [r.name, r.inputs.scope, r.inputs.roleAssignmentName]);
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

    it("rejects client IDs used as principal IDs and empty object lists", () => {
        const error = errorFrom(() => new KeyVaultAccess("wl", { vaultId: VAULT_ID, principalId: "my-app", objects: [] }));
        expect(error.message).to.contain('principalId: "my-app" is not a GUID. Fix: use the principal\'s object ID, not its client ID or name.');
        expect(error.message).to.contain("objects: is empty, so there is no role to choose.");
    });

    it("grants an admin group found by display name", async () => {
        azureState.groups["kv-admins"] = fakeGuid("kv-admins");
        const { groupObjectId } = await import("../../components");
        new KeyVaultAccess("admins", { vaultId: VAULT_ID, principalId: groupObjectId({ displayName: "kv-admins" }), principalType: "Group", roles: ["secretsOfficer"] });
        await settle();
        expect(registered("azure-native:authorization:RoleAssignment", "admins-secretsofficer").inputs).to.deep.include({ principalId: fakeGuid("kv-admins"), principalType: "Group" });
    });
});
