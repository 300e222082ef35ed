/** policy/cluster.ts: secret rotation of the AKS Key Vault secrets provider addon. */
import { expect } from "chai";
import { aksSecretRotation } from "../../../policy/cluster";
import { ResourceCase, U, U_OBJECT, violations } from "./fixtures";

function cluster(addonProfiles: unknown): ResourceCase {
    return {
        type: "azure-native:containerservice:ManagedCluster",
        name: "aks",
        props: { resourceName: "aks-prod", resourceGroupName: "rg", addonProfiles },
    };
}

describe("aks-keyvault-secret-rotation", () => {
    const addon = (config: unknown, enabled: unknown = true) => cluster({ azureKeyvaultSecretsProvider: { enabled, config } });

    it("passes rotation on, and clusters without the addon", () => {
        expect(violations(aksSecretRotation, addon({ enableSecretRotation: "true", rotationPollInterval: "2m" }))).to.deep.equal([]);
        expect(violations(aksSecretRotation, addon({ enableSecretRotation: "True" }))).to.deep.equal([]);
        expect(violations(aksSecretRotation, cluster({ omsagent: { enabled: true } }))).to.deep.equal([]);
        expect(violations(aksSecretRotation, cluster(undefined))).to.deep.equal([]);
        expect(violations(aksSecretRotation, addon({ enableSecretRotation: "false" }, false))).to.deep.equal([]);
    });

    it("flags rotation turned off", () => {
        expect(violations(aksSecretRotation, addon({ enableSecretRotation: "false", rotationPollInterval: "2m" }))).to.deep.equal([
            'AKS cluster "aks-prod" enables the azureKeyvaultSecretsProvider addon but sets enableSecretRotation to "false": mounted secrets keep the ' +
                "value read at pod start until the pod is recreated, so a rotated or revoked Key Vault secret stays in use. Set " +
                'addonProfiles.azureKeyvaultSecretsProvider.config { enableSecretRotation: "true", rotationPollInterval: "2m" } (values are strings).',
        ]);
    });

    it("flags rotation left unset, with any casing of the addon key", () => {
        const found = violations(aksSecretRotation, cluster({ AzureKeyVaultSecretsProvider: { enabled: true } }));
        expect(found).to.have.length(1);
        expect(found[0]).to.include('but does not set enableSecretRotation (AKS defaults it to "false")');
        expect(violations(aksSecretRotation, addon({ enableSecretRotation: true }))[0]).to.include("sets enableSecretRotation to true:");
    });

    it("checks the poll interval against maxPollInterval from config", () => {
        const slow = addon({ enableSecretRotation: "true", rotationPollInterval: "1h" });
        expect(violations(aksSecretRotation, slow)).to.deep.equal([]);
        expect(violations(aksSecretRotation, { ...slow, config: { maxPollInterval: "10m" } })).to.deep.equal([
            'AKS cluster "aks-prod" polls Key Vault for rotated secrets every 1h, longer than the 10m this stack allows (policy config maxPollInterval). ' +
                "Lower addonProfiles.azureKeyvaultSecretsProvider.config.rotationPollInterval.",
        ]);
        expect(
            violations(aksSecretRotation, { ...addon({ enableSecretRotation: "true" }), config: { maxPollInterval: "10m" } }),
        ).to.deep.equal([]);
        expect(
            violations(aksSecretRotation, {
                ...addon({ enableSecretRotation: "true", rotationPollInterval: "two minutes" }),
                config: { maxPollInterval: "10m" },
            }),
        ).to.deep.equal(['AKS cluster "aks-prod" sets rotationPollInterval "two minutes", which is not a Go duration such as "2m".']);
    });

    it("skips unknown values", () => {
        expect(violations(aksSecretRotation, { ...addon({ enableSecretRotation: U }), preview: true })).to.deep.equal([]);
        expect(violations(aksSecretRotation, { ...cluster(U_OBJECT), preview: true })).to.deep.equal([]);
        expect(
            violations(aksSecretRotation, {
                ...addon({ enableSecretRotation: "true", rotationPollInterval: U }),
                config: { maxPollInterval: "1m" },
                preview: true,
            }),
        ).to.deep.equal([]);
    });
});
