/** components/key-vault: the vault, created or read. */
import { expect } from "chai";
import { KeyVault, KeyVaultArgs } from "../../components";
import { SUBSCRIPTION_ID, TENANT_ID, azureState, errorFrom, outputError, registered, resetRegistrations, settle, valueOf } from "../mocks";

const VAULT_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-dev/providers/Microsoft.KeyVault/vaults/kv-dev`;
const NETWORK = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-network/providers/Microsoft.Network`;
const EXTERNAL_ENDPOINT = `${NETWORK}/privateEndpoints/pe-kv-dev`;

describe("KeyVault", () => {
    beforeEach(resetRegistrations);

    it("creates a vault with RBAC, soft delete and purge protection on", async () => {
        const vault = new KeyVault("kv", { mode: "create", vaultName: "kv-dev", resourceGroupName: "rg-dev", location: "westeurope", tenantId: TENANT_ID, publicNetworkAccess: "Disabled", privateEndpoint: { mode: "external", id: EXTERNAL_ENDPOINT } });
        expect(await valueOf(vault.vaultId)).to.equal(VAULT_ID);
        await settle();
        const properties = registered("azure-native:keyvault:Vault", "kv-vault").inputs.properties;
        expect(properties).to.deep.include({
            tenantId: TENANT_ID,
            enableRbacAuthorization: true,
            enableSoftDelete: true,
            enablePurgeProtection: true,
            softDeleteRetentionInDays: 90,
            publicNetworkAccess: "Disabled",
        });
        expect(properties.sku).to.deep.equal({ family: "A", name: "standard" });
    });

    it("leaves purge protection unset (never false) when turned off, since Azure cannot turn it off", async () => {
        new KeyVault("kv", { mode: "create", vaultName: "kv-dev", resourceGroupName: "rg-dev", location: "westeurope", tenantId: TENANT_ID, enablePurgeProtection: false });
        await settle();
        expect(registered("azure-native:keyvault:Vault", "kv-vault").inputs.properties).to.not.have.property("enablePurgeProtection");
    });

    it("fails at preview when an existing vault is still in access-policy mode, with the command to fix it", async () => {
        azureState.vaults["kv-legacy"] = { id: VAULT_ID, name: "kv-legacy", properties: { tenantId: TENANT_ID, enableRbacAuthorization: false } };
        const vault = new KeyVault("legacy", { mode: "existing", vaultName: "kv-legacy", resourceGroupName: "rg-dev" });
        const error = await outputError(vault.vaultId);
        expect(error.message).to.contain('Key Vault "kv-legacy" uses access policies, not Azure RBAC');
        expect(error.message).to.contain("az keyvault update --name kv-legacy --resource-group rg-dev --enable-rbac-authorization true");
    });

    it("reads an existing RBAC vault", async () => {
        azureState.vaults["kv-shared"] = { id: VAULT_ID, name: "kv-shared", properties: { tenantId: TENANT_ID, enableRbacAuthorization: true, vaultUri: "https://kv-shared.vault.azure.net/" } };
        const vault = new KeyVault("shared", { mode: "existing", vaultName: "kv-shared", resourceGroupName: "rg-dev" });
        expect(await valueOf(vault.tenantId)).to.equal(TENANT_ID);
        expect(await valueOf(vault.vaultUri)).to.equal("https://kv-shared.vault.azure.net/");
    });

    it("names every wrong input", () => {
        // As a JavaScript caller or a bad config would pass them: without the inputs the types require.
        const error = errorFrom(() => new KeyVault("kv", { mode: "create", vaultName: "kv--dev", resourceGroupName: "rg", softDeleteRetentionInDays: 3 } as KeyVaultArgs));
        expect(error.message).to.contain('vaultName: "kv--dev" is not a valid Key Vault name');
        expect(error.message).to.contain('location: is required to create a vault. Fix: set a region such as "westeurope".');
        expect(error.message).to.contain("tenantId: is required to create a vault. Fix: set the Entra tenant ID.");
        expect(error.message).to.contain("softDeleteRetentionInDays: 3 is outside 7-90. Fix: use a whole number of days from 7 to 90.");
    });
});
