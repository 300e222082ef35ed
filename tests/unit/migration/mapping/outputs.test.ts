import { expect } from "chai";
import { appNamed, convert, expectAcceptedByProgram, withCode } from "../helpers";

/** What each akv2k8s output Secret becomes, through the whole conversion (migration/mapping/outputs.ts). */
describe("migration: akv2k8s output Secrets -> synced Secrets", () => {
    describe("mapping of every field with an equivalent", () => {
        const result = convert(["akv2k8s/mappings.yaml"]);
        const { app } = appNamed(result, "shop");
        const secret = (name: string) => app.syncedSecrets.find((s) => s.secretName === name);
        const object = (file: string) => app.objects.find((o) => (o.objectAlias ?? o.objectName) === file);

        it("is accepted by the program's stack config schema and AppWorkload checks", () => {
            expectAcceptedByProgram(result.applications);
        });

        it("secret -> objectType secret; the Opaque output Secret's dataKey -> a data key", () => {
            expect(object("shop-db-password")).to.deep.equal({ objectName: "shop-db-password", objectType: "secret" });
        });

        it("several AKVS writing keys of one Secret -> one synced Secret with all keys", () => {
            expect(secret("shop-db-csi")).to.deep.equal({
                secretName: "shop-db-csi",
                type: "Opaque",
                data: [
                    { key: "password", objectName: "shop-db-password" },
                    { key: "username", objectName: "shop-db-user" },
                ],
            });
        });

        it("object version -> objectVersion", () => {
            expect(object("shop-db-user")).to.deep.equal({
                objectName: "shop-db-user",
                objectType: "secret",
                objectVersion: "0d3f6a0c9e8b4d7c8e1f2a3b4c5d6e7f",
            });
        });

        it("transform base64decode -> objectEncoding base64", () => {
            expect(object("shop-signing-seed")).to.deep.equal({
                objectName: "shop-signing-seed",
                objectType: "secret",
                objectEncoding: "base64",
            });
            expect(secret("shop-signing-csi")!.data).to.deep.equal([{ key: "seed.bin", objectName: "shop-signing-seed" }]);
        });

        it("certificate with a kubernetes.io/tls output -> objectType secret (key and chain) and a TLS Secret", () => {
            expect(object("shop-web-cert")).to.deep.equal({ objectName: "shop-web-cert", objectType: "secret" });
            expect(secret("shop-tls-csi")).to.deep.equal({
                secretName: "shop-tls-csi",
                type: "kubernetes.io/tls",
                data: [
                    { key: "tls.crt", objectName: "shop-web-cert" },
                    { key: "tls.key", objectName: "shop-web-cert" },
                ],
            });
            expect(withCode(result, "AKVS_CHAIN_ORDER")[0].severity).to.equal("info");
            expect(withCode(result, "AKVS_TLS_KEY_ENCODING")[0].severity).to.equal("info");
        });

        it("certificate with an Opaque output -> the raw PFX (objectFormat pfx, objectEncoding base64), for review", () => {
            expect(object("shop-web-cert-pfx-decoded")).to.deep.equal({
                objectName: "shop-web-cert",
                objectType: "secret",
                objectAlias: "shop-web-cert-pfx-decoded",
                objectFormat: "pfx",
                objectEncoding: "base64",
            });
            expect(secret("shop-pfx-csi")!.data).to.deep.equal([{ key: "web.pfx", objectName: "shop-web-cert-pfx-decoded" }]);
            expect(withCode(result, "AKVS_CERTIFICATE_RAW")[0].severity).to.equal("review");
        });

        it("certificate without an output type -> the public certificate (objectType cert)", () => {
            expect(object("partner-ca")).to.deep.equal({ objectName: "partner-ca", objectType: "cert" });
            expect(secret("shop-trust-csi")!.data).to.deep.equal([{ key: "partner-ca.crt", objectName: "partner-ca" }]);
        });

        it("one Key Vault object used three ways -> three files, the plainest keeps the object name", () => {
            expect(app.objects.filter((o) => o.objectName === "shop-web-cert").map((o) => o.objectAlias ?? o.objectName)).to.have.members([
                "shop-web-cert",
                "shop-web-cert-pfx-decoded",
                "shop-web-cert-cert",
            ]);
        });

        it("key -> objectType key, with a review because the format changes from the raw modulus to PEM", () => {
            expect(object("shop-token-key")).to.deep.equal({ objectName: "shop-token-key", objectType: "key" });
            expect(withCode(result, "AKVS_KEY_FORMAT").map((f) => f.severity)).to.deep.equal(["review"]);
        });

        it("kubernetes.io/dockerconfigjson output -> a dockerconfigjson Secret with key .dockerconfigjson", () => {
            expect(secret("shop-registry-csi")).to.deep.equal({
                secretName: "shop-registry-csi",
                type: "kubernetes.io/dockerconfigjson",
                data: [{ key: ".dockerconfigjson", objectName: "acr-pull" }],
            });
            expect(withCode(result, "AKVS_DATA_KEY_IGNORED")[0].message).to.contain('"ignored" is ignored by akv2k8s');
        });

        it("a TLS Secret from a Key Vault secret holding a PFX -> objectEncoding base64 and a TLS Secret, for review", () => {
            expect(object("legacy-pfx")).to.deep.equal({ objectName: "legacy-pfx", objectType: "secret", objectEncoding: "base64" });
            expect(secret("shop-legacy-tls-csi")!.type).to.equal("kubernetes.io/tls");
            expect(withCode(result, "AKVS_TLS_FROM_SECRET")[0].severity).to.equal("review");
        });

        it("AKVS without output (env injector only) -> a mounted file; certificates only as the public certificate", () => {
            expect(object("shop-api-key")).to.deep.equal({ objectName: "shop-api-key", objectType: "secret" });
            expect(object("shop-web-cert-cert")).to.deep.equal({
                objectName: "shop-web-cert",
                objectType: "cert",
                objectAlias: "shop-web-cert-cert",
            });
            expect(withCode(result, "AKVS_NO_OUTPUT").map((f) => f.subject)).to.deep.equal([
                "AzureKeyVaultSecret shop/api-key",
                "AzureKeyVaultSecret shop/web-cert",
            ]);
        });

        it("records every akv2k8s Secret and its replacement", () => {
            expect(result.secretRenames.map((r) => `${r.akv2k8sSecret} -> ${r.csiSecret}`)).to.have.members([
                "shop-db -> shop-db-csi",
                "shop-legacy-tls -> shop-legacy-tls-csi",
                "shop-pfx -> shop-pfx-csi",
                "shop-registry -> shop-registry-csi",
                "shop-signing -> shop-signing-csi",
                "shop-tls -> shop-tls-csi",
                "shop-token -> shop-token-csi",
                "shop-trust -> shop-trust-csi",
            ]);
        });
    });
});
