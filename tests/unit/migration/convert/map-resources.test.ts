import { expect } from "chai";
import { migrate } from "../../../../migration/convert/migrate";
import { akvs, appNamed, convert, manifestsOfText, withCode } from "../helpers";

/** Phase 4: each AKVS into the app of its namespace, vault and identity (migration/convert/map-resources.ts). */
describe("migration: AKVS into apps", () => {
    describe("what has no equivalent is reported per object, never dropped silently", () => {
        const result = convert(["akv2k8s/unsupported.yaml"]);
        const names = (code: Parameters<typeof withCode>[1]) =>
            withCode(result, code).map((f) => f.subject.replace("AzureKeyVaultSecret legacy/", ""));

        it("per-object azureIdentity: a separate app with workload identity, for review", () => {
            expect(names("AKVS_AZURE_IDENTITY")).to.deep.equal(["per-object-identity"]);
            expect(appNamed(result, "legacy-legacy-reader").app.identity).to.deep.equal({ mode: "workloadIdentity" });
        });

        it("two AKVS writing one key, or one Secret with two types: the later one is not converted", () => {
            expect(names("AKVS_SECRET_KEY_CONFLICT")).to.deep.equal(["shared-b"]);
            expect(names("AKVS_SECRET_TYPE_CONFLICT")).to.deep.equal(["shared-c"]);
            expect(appNamed(result, "legacy").app.syncedSecrets.find((s) => s.secretName === "shared-csi")!.data).to.deep.equal([
                { key: "value", objectName: "shared-a" },
            ]);
        });
    });

    describe("grouping and names", () => {
        it("two vaults writing the same key of one Secret: the second AKVS is not converted", () => {
            const conflict = migrate(
                manifestsOfText(
                    `${akvs("vault:\n  name: kv-one\n  object:\n    name: a\n    type: secret\noutput:\n  secret:\n    name: shared\n    dataKey: value", undefined, "a")}---\n` +
                        akvs(
                            "vault:\n  name: kv-two\n  object:\n    name: b\n    type: secret\noutput:\n  secret:\n    name: shared\n    dataKey: value",
                            undefined,
                            "b",
                        ),
                ),
            );
            expect(withCode(conflict, "AKVS_SECRET_KEY_CONFLICT").map((f) => f.subject)).to.deep.equal(["AzureKeyVaultSecret ns/b"]);
        });
    });
});
