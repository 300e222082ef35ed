import { expect } from "chai";
import { migrate } from "../../../../migration/convert/migrate";
import { akvs, appNamed, manifestsOfText, withCode } from "../helpers";

/** Phase 2: the AKVS read, the first of duplicates kept (migration/convert/inventory.ts). */
describe("migration: the AKVS inventory", () => {
    it("keeps the first of two manifests with the same namespace and name", () => {
        const text = akvs("vault:\n  name: kv-one\n  object:\n    name: a\n    type: secret");
        const result = migrate([...manifestsOfText(text), ...manifestsOfText(text.replace("name: a", "name: b"))]);
        expect(appNamed(result, "ns").app.objects).to.deep.equal([{ objectName: "a", objectType: "secret" }]);
        expect(withCode(result, "INPUT_DUPLICATE")).to.have.length(1);
    });
});
