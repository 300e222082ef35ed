import { expect } from "chai";
import { providerView } from "../../../components/secret-provider-class/parse";
import { writesFile } from "../../../components/secret-provider-class/paths";
import { renderSecretProviderClassSpec } from "../../../components/secret-provider-class/render";
import { appSecretProviderClassSpec } from "../../../components/workload/render";
import { placeholderWorkloadArgs } from "../../../migration/application";
import { appNamed, convert } from "./helpers";

/** Migrated apps in the program's terms: rendered as the program would (migration/application.ts). */
describe("migration: migrated apps as the program reads them", () => {
    describe("round trip: akv2k8s -> config -> rendered SecretProviderClass -> what the provider reads", () => {
        const all = convert(["akv2k8s/mappings.yaml", "akv2k8s/versions.yaml", "akv2k8s/unsupported.yaml", "akv2k8s/kubectl-list.yaml"]);

        for (const { vault, app } of all.applications) {
            it(`app ${app.name}: the provider sees the vault, identity, objects and every synced file`, () => {
                const spec = renderSecretProviderClassSpec(appSecretProviderClassSpec(placeholderWorkloadArgs(app, vault))) as {
                    parameters: Record<string, string>;
                    secretObjects?: Array<{ data: Array<{ objectName: string }> }>;
                };
                const view = providerView(spec.parameters);
                expect(view.keyvaultName).to.equal(vault);
                expect(view.identity.mode).to.equal(app.identity.mode === "addon" ? "managedIdentity" : "workloadIdentity");
                expect(view.objects).to.deep.equal(app.objects);
                for (const secret of spec.secretObjects ?? []) {
                    for (const entry of secret.data) {
                        expect(writesFile(view.objects, entry.objectName), entry.objectName).to.equal(true);
                    }
                }
            });
        }

        it("each converted AKVS's object reaches the provider with the mapped type and options", () => {
            const shop = appNamed(all, "shop");
            const view = providerView(
                (
                    renderSecretProviderClassSpec(appSecretProviderClassSpec(placeholderWorkloadArgs(shop.app, shop.vault))) as {
                        parameters: Record<string, string>;
                    }
                ).parameters,
            );
            const byFile = new Map(view.objects.map((object) => [object.objectAlias ?? object.objectName, object]));
            expect(byFile.get("shop-signing-seed")!.objectEncoding).to.equal("base64");
            expect(byFile.get("shop-web-cert")!.objectType).to.equal("secret");
            expect(byFile.get("shop-web-cert-cert")!.objectType).to.equal("cert");
            expect(byFile.get("shop-web-cert-pfx-decoded")!.objectFormat).to.equal("pfx");
            expect(byFile.get("shop-token-key")!.objectType).to.equal("key");
            expect(byFile.get("shop-db-user")!.objectVersion).to.equal("0d3f6a0c9e8b4d7c8e1f2a3b4c5d6e7f");
        });
    });
});
