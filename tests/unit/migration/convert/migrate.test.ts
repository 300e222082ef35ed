import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { exitCodeFor } from "../../../../migration/findings";
import { FIXTURES, appNamed, convert, expectAcceptedByProgram, withCode } from "../helpers";

/** The whole conversion on the basic fixtures (migration/convert/migrate.ts orchestrates the phases). */
describe("migration: migrate() on the basic AKVS", () => {
    describe("basic AKVS (basic/akv2k8s): a secret, a TLS certificate, a v1alpha1 mount-only secret", () => {
        const dir = path.join(FIXTURES, "basic/akv2k8s");
        const files = fs
            .readdirSync(dir)
            .filter((f) => f.endsWith(".yaml"))
            .sort();

        it("finds the three fixtures", () => {
            expect(files).to.deep.equal([
                "certificate-tls-sync-v2beta1.yaml",
                "mount-only-no-secret-name-v1alpha1.yaml",
                "secret-sync-v2beta1.yaml",
            ]);
        });

        it("converts the secret and the TLS certificate of storefront into one app, with -csi Secret names", () => {
            const result = convert(files.map((f) => path.join(dir, f)));
            const { vault, app } = appNamed(result, "storefront");
            expect(vault).to.equal("kv-storefront-test");
            expect(app.objects).to.deep.equal([
                { objectName: "storefront-db-password", objectType: "secret" },
                { objectName: "storefront-ingress", objectType: "secret" },
            ]);
            expect(app.syncedSecrets).to.deep.equal([
                { secretName: "storefront-db-csi", type: "Opaque", data: [{ key: "password", objectName: "storefront-db-password" }] },
                {
                    secretName: "storefront-ingress-tls-csi",
                    type: "kubernetes.io/tls",
                    data: [
                        { key: "tls.crt", objectName: "storefront-ingress" },
                        { key: "tls.key", objectName: "storefront-ingress" },
                    ],
                },
            ]);
            expectAcceptedByProgram(result.applications);
        });

        it("converts the v1alpha1 AKVS without output.secret.name to a mounted file and asks for review", () => {
            const result = convert(["basic/akv2k8s/mount-only-no-secret-name-v1alpha1.yaml"]);
            // Not "default": that would make the app's ServiceAccount the one the namespace already has.
            expect(appNamed(result, "default-kv-legacy-dev").app).to.deep.equal({
                name: "default-kv-legacy-dev",
                namespace: "default",
                identity: { mode: "addon" },
                objects: [{ objectName: "legacy-api-key", objectType: "secret" }],
                syncedSecrets: [],
            });
            expect(withCode(result, "AKVS_NO_SECRET_NAME").map((f) => f.severity)).to.deep.equal(["review"]);
            expect(exitCodeFor(result.findings)).to.equal(2);
        });
    });
});
