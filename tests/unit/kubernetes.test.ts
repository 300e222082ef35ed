import { expect } from "chai";
import {
    ANNOTATIONS_TOTAL_SIZE_LIMIT,
    annotationsProblems,
    configMapKeyErrors,
    dns1123LabelErrors,
    dns1123SubdomainErrors,
    isEnvVarName,
    labelValueErrors,
    labelsProblems,
    qualifiedNameErrors,
} from "../../components/shared/kubernetes";

describe("Kubernetes API server rules", () => {
    it("RFC 1123 labels: lower case, '-' inside, at most 63, no dots", () => {
        for (const valid of ["a", "0", "orders-api", "a".repeat(63), "1-2"]) {
            expect(dns1123LabelErrors(valid), valid).to.deep.equal([]);
        }
        expect(dns1123LabelErrors("a.b")).to.deep.equal(["must not contain dots"]);
        expect(dns1123LabelErrors("a".repeat(64))).to.deep.equal(["must be no more than 63 characters"]);
        for (const invalid of ["", "-a", "a-", "A", "a_b", "ä"]) {
            expect(dns1123LabelErrors(invalid), invalid).to.deep.equal([
                "must consist of lower-case letters, digits and '-', and start and end with a letter or digit",
            ]);
        }
    });

    it("RFC 1123 subdomains: dot-separated labels, at most 253", () => {
        for (const valid of ["a", "a.b", "orders-api.v1", `${"a".repeat(63)}.${"b".repeat(63)}`]) {
            expect(dns1123SubdomainErrors(valid), valid).to.deep.equal([]);
        }
        for (const invalid of ["", ".a", "a.", "a..b", "A.b", "a_b"]) {
            expect(dns1123SubdomainErrors(invalid), invalid).to.have.length(1);
        }
        expect(dns1123SubdomainErrors(`${"a.".repeat(126)}ab`)).to.deep.equal(["must be no more than 253 characters"]);
    });

    it("qualified names: optional DNS prefix, name part of 63 letters, digits, '-', '_', '.'", () => {
        for (const valid of ["a", "A", "team", "My.Name_1", "example.com/team", "a/B", `${"p".repeat(253)}/${"n".repeat(63)}`]) {
            expect(qualifiedNameErrors(valid), valid).to.deep.equal([]);
        }
        expect(qualifiedNameErrors("/a")).to.deep.equal(["prefix part must not be empty"]);
        expect(qualifiedNameErrors("a/")).to.deep.equal([
            "name part must not be empty",
            "name part must consist of letters, digits, '-', '_' and '.', and start and end with a letter or digit",
        ]);
        expect(qualifiedNameErrors("a/b/c")).to.have.length(1);
        expect(qualifiedNameErrors("Example.com/a")).to.deep.equal([
            "prefix part must consist of lower-case letters, digits, '-' and '.', and start and end with a letter or digit",
        ]);
        expect(qualifiedNameErrors("n".repeat(64))).to.deep.equal(["name part must be no more than 63 characters"]);
        for (const invalid of ["-a", "a-", "_a", "a b", "a:b"]) {
            expect(qualifiedNameErrors(invalid), invalid).to.have.length(1);
        }
    });

    it("label values: empty, or up to 63 of letters, digits, '-', '_', '.' starting and ending alphanumeric", () => {
        for (const valid of ["", "v1", "My_Value.2", "a".repeat(63)]) {
            expect(labelValueErrors(valid), valid).to.deep.equal([]);
        }
        expect(labelValueErrors("a".repeat(64))).to.deep.equal(["must be no more than 63 characters"]);
        for (const invalid of ["-a", "a/b", "a b", "a."]) {
            expect(labelValueErrors(invalid), invalid).to.have.length(1);
        }
    });

    it("Secret data keys: letters, digits, '-', '_', '.'; never '.', '..' or a '..' prefix", () => {
        for (const valid of ["tls.crt", ".dockerconfigjson", "KEY_1", "a..b", "-"]) {
            expect(configMapKeyErrors(valid), valid).to.deep.equal([]);
        }
        expect(configMapKeyErrors(".")).to.deep.equal(["must not be '.'"]);
        expect(configMapKeyErrors("..")).to.deep.equal(["must not be '..'"]);
        expect(configMapKeyErrors("..data")).to.deep.equal(["must not start with '..'"]);
        expect(configMapKeyErrors("a/b")).to.deep.equal(["must consist of letters, digits, '-', '_' and '.'"]);
        expect(configMapKeyErrors("")).to.deep.equal(["must consist of letters, digits, '-', '_' and '.'"]);
        expect(configMapKeyErrors("k".repeat(254))).to.deep.equal(["must be no more than 253 characters"]);
    });

    it("labels: one problem per bad key and per bad value, naming both", () => {
        expect(labelsProblems({ team: "orders", "example.com/tier": "" }, "labels")).to.deep.equal([]);
        expect(labelsProblems({ "bad key": "x y" }, "syncedSecrets[0].labels")).to.deep.equal([
            {
                where: 'syncedSecrets[0].labels["bad key"]',
                message: `label key "bad key" name part must consist of letters, digits, '-', '_' and '.', and start and end with a letter or digit`,
                fix: "use a key like 'team' or 'example.com/team'",
            },
            {
                where: 'syncedSecrets[0].labels["bad key"]',
                message: `label value "x y" must be empty or consist of letters, digits, '-', '_' and '.', and start and end with a letter or digit`,
                fix: "use at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit (or an empty value); put longer text in an annotation",
            },
        ]);
    });

    it("annotations: keys checked lower-cased (so upper-case prefixes pass), values free, total size capped in bytes", () => {
        expect(annotationsProblems({ "Example.COM/Owner": "any text: at all", note: "" }, "annotations")).to.deep.equal([]);
        expect(annotationsProblems({ "a b": "x" }, "annotations")).to.deep.equal([
            {
                where: 'annotations["a b"]',
                message: `annotation key "a b" name part must consist of letters, digits, '-', '_' and '.', and start and end with a letter or digit`,
                fix: "use a key like 'owner' or 'example.com/owner'",
            },
        ]);
        expect(annotationsProblems({ a: "b".repeat(ANNOTATIONS_TOTAL_SIZE_LIMIT - 1) }, "annotations")).to.deep.equal([]);
        // "é" is two bytes in UTF-8: the API server counts bytes.
        expect(annotationsProblems({ a: "é".repeat(ANNOTATIONS_TOTAL_SIZE_LIMIT / 2) }, "annotations")).to.deep.equal([
            {
                where: "annotations",
                message: `annotations take ${ANNOTATIONS_TOTAL_SIZE_LIMIT + 1} bytes, more than the API server's limit of ${ANNOTATIONS_TOTAL_SIZE_LIMIT}`,
                fix: "keep large data out of annotations (e.g. in a ConfigMap)",
            },
        ]);
    });

    it("env var names: POSIX-portable only (stricter than the API server on purpose)", () => {
        expect(["A", "_a", "DB_PASSWORD_1"].every(isEnvVarName)).to.equal(true);
        expect(["", "1A", "a-b", "a.b", "a=b"].some(isEnvVarName)).to.equal(false);
    });
});
