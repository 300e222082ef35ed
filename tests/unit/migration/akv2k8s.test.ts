import { expect } from "chai";
import { akv2k8sSecretNames, AKVS_VERSIONS, readAzureKeyVaultSecret } from "../../../migration/akv2k8s";
import { migrate } from "../../../migration/convert/migrate";
import { appNamed, convert, expectAcceptedByProgram, manifestsOf, withCode } from "./helpers";

/** Reading AzureKeyVaultSecret manifests of every served version (migration/akv2k8s.ts). */
describe("migration: reading akv2k8s AzureKeyVaultSecrets", () => {
    it("reads every served apiVersion, with transforms spelled per version", () => {
        const result = convert(["akv2k8s/versions.yaml"]);
        const { app } = appNamed(result, "versions");
        // In AKVS name order: v1-secret, v1-with-v2-fields, v1alpha1-secret, v2alpha1-cert, v2beta1-key.
        expect(app.objects).to.deep.equal([
            { objectName: "v1-secret", objectType: "secret", objectEncoding: "base64" },
            { objectName: "v1-other", objectType: "secret" },
            { objectName: "alpha-secret", objectType: "secret", objectEncoding: "base64" },
            { objectName: "v2alpha1-cert", objectType: "secret" },
            { objectName: "v2beta1-key", objectType: "key" },
        ]);
        expect(AKVS_VERSIONS).to.deep.equal(["v1alpha1", "v1", "v2alpha1", "v2beta1"]);
        expectAcceptedByProgram(result.applications);
    });

    it("reports fields a version's schema does not have (the API server prunes them) and does not convert them", () => {
        const result = convert(["akv2k8s/versions.yaml"]);
        const pruned = withCode(result, "AKVS_FIELD_NOT_IN_VERSION");
        expect(pruned.map((f) => f.where)).to.deep.equal(["spec.vault.azureIdentity", "spec.output.configMap", "spec.output.transforms"]);
        expect(pruned.every((f) => f.severity === "info" && f.subject === "AzureKeyVaultSecret versions/v1-with-v2-fields")).to.equal(true);
        // Not converted: no separate identity app, no ConfigMap finding, no trim finding.
        expect(result.applications.map(({ app }) => app.name)).to.deep.equal(["versions"]);
        expect(withCode(result, "AKVS_CONFIGMAP_OUTPUT")).to.have.length(0);
        expect(withCode(result, "AKVS_TRANSFORM_UNSUPPORTED")).to.have.length(0);
    });

    it("reads kubectl List output, including status.secretName", () => {
        const manifests = manifestsOf("akv2k8s/kubectl-list.yaml");
        expect(manifests.map((m) => m.source)).to.deep.equal([
            "kubectl-list.yaml#1.items[0]",
            "kubectl-list.yaml#1.items[1]",
            "kubectl-list.yaml#1.items[2]",
            "kubectl-list.yaml#1.items[3]",
        ]);
        const resources = manifests.map((m) => readAzureKeyVaultSecret(m, "default").resource!);
        expect(resources[0].statusSecretName).to.equal("orders");
        expect([...akv2k8sSecretNames(resources)].sort()).to.deep.equal(["billing/billing", "orders/orders", "orders/orders-csi"]);
    });

    it("uses the default namespace for manifests without one, and says so", () => {
        const result = migrate(manifestsOf("akv2k8s/nested/deeper/no-namespace.yml"), { defaultNamespace: "team-a" });
        expect(appNamed(result, "team-a").app.namespace).to.equal("team-a");
        expect(withCode(result, "NAMESPACE_DEFAULTED")[0].message).to.equal('is not set; using "team-a"');
    });
});
