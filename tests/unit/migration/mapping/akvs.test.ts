import { expect } from "chai";
import { readAzureKeyVaultSecret } from "../../../../migration/akv2k8s";
import { exitCodeFor } from "../../../../migration/findings";
import { mapAzureKeyVaultSecret } from "../../../../migration/mapping/akvs";
import { akvs, appNamed, convert, expectAcceptedByProgram, manifestsOf, manifestsOfText, withCode } from "../helpers";

/** One AKVS mapped: what has no equivalent, the mounted object, its output (migration/mapping/akvs.ts). */
function mapped(spec: string, apiVersion?: string) {
    const [sourced] = manifestsOfText(akvs(spec, apiVersion));
    const read = readAzureKeyVaultSecret(sourced, "default");
    expect(read.resource).to.not.equal(undefined);
    return mapAzureKeyVaultSecret(read.resource!);
}

describe("migration: mapping one AzureKeyVaultSecret", () => {
    describe("what has no equivalent is reported per object, never dropped silently", () => {
        const result = convert(["akv2k8s/unsupported.yaml"]);
        const names = (code: Parameters<typeof withCode>[1]) =>
            withCode(result, code).map((f) => f.subject.replace("AzureKeyVaultSecret legacy/", ""));

        it("every AKVS of the fixture is either converted or has an unsupported/review finding", () => {
            const subjects = new Set(result.findings.filter((f) => f.severity !== "info").map((f) => f.subject));
            const converted = new Set(result.applications.flatMap(({ app }) => app.objects.map((o) => o.objectName)));
            for (const sourced of manifestsOf("akv2k8s/unsupported.yaml")) {
                const name = (sourced.manifest.metadata as { name: string }).name;
                const objectName = ((sourced.manifest.spec as any)?.vault?.object?.name as string) ?? "";
                expect(subjects.has(`AzureKeyVaultSecret legacy/${name}`) || converted.has(objectName), name).to.equal(true);
            }
            expect(exitCodeFor(result.findings)).to.equal(2);
        });

        it("multi-key-value-secret: not converted", () => {
            expect(names("AKVS_MULTI_KEY_VALUE_SECRET")).to.deep.equal(["app-settings"]);
            expect(result.applications.flatMap(({ app }) => app.objects).some((o) => o.objectName === "app-settings-json")).to.equal(false);
        });

        it("ConfigMap output: reported; the object is still mounted so the consumer can read the file", () => {
            expect(names("AKVS_CONFIGMAP_OUTPUT")).to.deep.equal(["feature-flags"]);
            expect(appNamed(result, "legacy").app.objects.some((o) => o.objectName === "feature-flags")).to.equal(true);
        });

        it("trim, base64encode, trim+base64decode and unknown transforms: not converted", () => {
            expect(names("AKVS_TRANSFORM_UNSUPPORTED")).to.deep.equal(["encoded", "trim-then-decode", "trimmed", "unknown-transform"]);
            const objects = result.applications.flatMap(({ app }) => app.objects.map((o) => o.objectName));
            expect(objects).to.not.include.members(["padded-value", "plain-value", "padded-b64"]);
        });

        it("basic-auth, dockercfg and ssh-auth outputs: not converted, each with its own fix", () => {
            const findings = withCode(result, "AKVS_SECRET_TYPE_UNSUPPORTED");
            expect(findings.map((f) => f.subject.replace("AzureKeyVaultSecret legacy/", ""))).to.deep.equal([
                "db-login",
                "deploy-key",
                "old-registry",
            ]);
            expect(findings[0].fix).to.contain("two Key Vault secrets");
            expect(findings[1].fix).to.contain("ssh-privatekey");
            expect(findings[2].fix).to.contain(".dockerconfigjson");
        });

        it("no dataKey (akv2k8s fails): file only, for review; transforms on a certificate: ignored like akv2k8s does", () => {
            expect(names("AKVS_NO_DATA_KEY")).to.deep.equal(["no-data-key"]);
            expect(names("AKVS_TRANSFORM_IGNORED")).to.deep.equal(["cert-transform"]);
            expect(appNamed(result, "legacy").app.syncedSecrets.find((s) => s.secretName === "cert-transform-csi")!.data).to.deep.equal([
                { key: "cert.pem", objectName: "legacy-cert" },
            ]);
        });

        it("manifests the API server or Key Vault would reject: not converted", () => {
            expect(names("AKVS_INVALID").sort()).to.deep.equal(["bad-object-name", "bad-type", "future-version", "no-vault"]);
        });

        it("what is converted is accepted by the program", () => {
            expectAcceptedByProgram(result.applications);
        });
    });

    describe("mapAzureKeyVaultSecret, one rule at a time", () => {
        it("secret without transforms", () => {
            expect(
                mapped("vault:\n  name: kv-a\n  object:\n    name: s\n    type: secret\noutput:\n  secret:\n    name: out\n    dataKey: k"),
            ).to.deep.include({
                object: { objectName: "s", objectType: "secret" },
                secret: { type: "Opaque", keys: ["k"], name: "out" },
            });
        });

        it("v1alpha1 `transforms` and v1+ `transform`", () => {
            expect(
                mapped(
                    "vault:\n  name: kv-a\n  object:\n    name: s\n    type: secret\noutput:\n  transforms: [base64decode]\n  secret:\n    name: out\n    dataKey: k",
                    "spv.no/v1alpha1",
                ).object,
            ).to.deep.equal({
                objectName: "s",
                objectType: "secret",
                objectEncoding: "base64",
            });
            expect(
                mapped(
                    "vault:\n  name: kv-a\n  object:\n    name: s\n    type: secret\noutput:\n  transform: [base64decode]\n  secret:\n    name: out\n    dataKey: k",
                    "spv.no/v1",
                ).object!.objectEncoding,
            ).to.equal("base64");
        });

        it("base64decode twice is not one decode", () => {
            const result = mapped(
                "vault:\n  name: kv-a\n  object:\n    name: s\n    type: secret\noutput:\n  transform: [base64decode, base64decode]\n  secret:\n    name: out\n    dataKey: k",
            );
            expect(result.object).to.equal(undefined);
            expect(result.findings[0].code).to.equal("AKVS_TRANSFORM_UNSUPPORTED");
        });

        it("base64decode before a TLS output would decode twice", () => {
            const result = mapped(
                "vault:\n  name: kv-a\n  object:\n    name: s\n    type: secret\noutput:\n  transform: [base64decode]\n  secret:\n    name: out\n    type: kubernetes.io/tls",
            );
            expect(result.object).to.equal(undefined);
            expect(result.findings.map((f) => f.code)).to.deep.equal(["AKVS_TRANSFORM_UNSUPPORTED"]);
        });

        it("a key with a typed output has no equivalent", () => {
            const result = mapped(
                "vault:\n  name: kv-a\n  object:\n    name: k\n    type: key\noutput:\n  secret:\n    name: out\n    type: kubernetes.io/tls",
            );
            expect(result.findings.map((f) => f.code)).to.deep.equal(["AKVS_SECRET_TYPE_UNSUPPORTED"]);
        });

        it("an invalid dataKey is not converted", () => {
            const result = mapped(
                "vault:\n  name: kv-a\n  object:\n    name: s\n    type: secret\noutput:\n  secret:\n    name: out\n    dataKey: 'has space'",
            );
            expect(result.object).to.equal(undefined);
            expect(result.findings[0].message).to.contain('"has space" is not a valid Secret key');
        });
    });
});
