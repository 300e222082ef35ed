import { expect } from "chai";
import { migrate } from "../../../migration/convert/migrate";
import { manifestsFromText } from "../../../migration/manifests";
import { akvs, appNamed } from "./helpers";

/** Reading manifests from YAML and JSON text (migration/manifests.ts). */
describe("migration: reading manifests", () => {
    it("reads multi-document text and reports a broken document without dropping the others", () => {
        const text = `${akvs("vault:\n  name: kv-one\n  object:\n    name: a\n    type: secret")}---\nkind: [broken\n---\n${akvs("vault:\n  name: kv-one\n  object:\n    name: b\n    type: secret", undefined, "y")}`;
        const read = manifestsFromText(text, "multi.yaml");
        expect(read.manifests.map((m) => m.source)).to.deep.equal(["multi.yaml#1", "multi.yaml#3"]);
        expect(read.findings.map((f) => [f.code, f.severity, f.subject])).to.deep.equal([["INPUT_INVALID_YAML", "error", "multi.yaml#2"]]);
    });

    it("reads JSON (kubectl get -o json) as well", () => {
        const json = JSON.stringify({
            apiVersion: "v1",
            kind: "List",
            items: [
                {
                    apiVersion: "spv.no/v1",
                    kind: "AzureKeyVaultSecret",
                    metadata: { name: "j", namespace: "json" },
                    spec: { vault: { name: "kv-json", object: { name: "j", type: "secret" } } },
                },
            ],
        });
        const result = migrate(manifestsFromText(json, "akvs.json").manifests);
        expect(appNamed(result, "json").app.objects).to.deep.equal([{ objectName: "j", objectType: "secret" }]);
    });
});
