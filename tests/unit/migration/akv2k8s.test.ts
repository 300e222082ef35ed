import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { providerView, writesFile, renderSecretProviderClassSpec, appSecretProviderClassSpec } from "../../../components";
import { secretNameCollisionProblems } from "../../../program/secret-names";
import { AKVS_VERSIONS, akv2k8sSecretNames, readAzureKeyVaultSecret } from "../../../migration/akv2k8s";
import { placeholderWorkloadArgs } from "../../../migration/application";
import { migrate } from "../../../migration/convert/migrate";
import { exitCodeFor } from "../../../migration/findings";
import { manifestsFromText } from "../../../migration/manifests";
import { mapAzureKeyVaultSecret } from "../../../migration/mapping/akvs";
import { FIXTURES, appNamed, convert, expectAcceptedByProgram, manifestsOf, manifestsOfText, withCode } from "./helpers";

function akvs(spec: string, apiVersion = "spv.no/v2beta1", name = "x", namespace = "ns"): string {
    return `apiVersion: ${apiVersion}\nkind: AzureKeyVaultSecret\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n${spec
        .trim()
        .split("\n")
        .map((line) => `  ${line}`)
        .join("\n")}\n`;
}

function mapped(spec: string, apiVersion?: string) {
    const [sourced] = manifestsOfText(akvs(spec, apiVersion));
    const read = readAzureKeyVaultSecret(sourced, "default");
    expect(read.resource).to.not.equal(undefined);
    return mapAzureKeyVaultSecret(read.resource!);
}

describe("migration: akv2k8s AzureKeyVaultSecret -> stack config", () => {
    describe("basic AKVS (basic/akv2k8s): a secret, a TLS certificate, a v1alpha1 mount-only secret", () => {
        const dir = path.join(FIXTURES, "basic/akv2k8s");
        const files = fs.readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();

        it("finds the three fixtures", () => {
            expect(files).to.deep.equal(["certificate-tls-sync-v2beta1.yaml", "mount-only-no-secret-name-v1alpha1.yaml", "secret-sync-v2beta1.yaml"]);
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
            expect(appNamed(result, "default").app).to.deep.equal({
                name: "default",
                namespace: "default",
                identity: { mode: "addon" },
                objects: [{ objectName: "legacy-api-key", objectType: "secret" }],
                syncedSecrets: [],
            });
            expect(withCode(result, "AKVS_NO_SECRET_NAME").map((f) => f.severity)).to.deep.equal(["review"]);
            expect(exitCodeFor(result.findings)).to.equal(2);
        });
    });

    describe("reading", () => {
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

        it("reads multi-document text and reports a broken document without dropping the others", () => {
            const text = `${akvs("vault:\n  name: kv-one\n  object:\n    name: a\n    type: secret")}---\nkind: [broken\n---\n${akvs("vault:\n  name: kv-one\n  object:\n    name: b\n    type: secret", undefined, "y")}`;
            const read = manifestsFromText(text, "multi.yaml");
            expect(read.manifests.map((m) => m.source)).to.deep.equal(["multi.yaml#1", "multi.yaml#3"]);
            expect(read.findings.map((f) => [f.code, f.severity, f.subject])).to.deep.equal([["INPUT_INVALID_YAML", "error", "multi.yaml#2"]]);
        });

        it("reads JSON (kubectl get -o json) as well", () => {
            const json = JSON.stringify({ apiVersion: "v1", kind: "List", items: [{ apiVersion: "spv.no/v1", kind: "AzureKeyVaultSecret", metadata: { name: "j", namespace: "json" }, spec: { vault: { name: "kv-json", object: { name: "j", type: "secret" } } } }] });
            const result = migrate(manifestsFromText(json, "akvs.json").manifests);
            expect(appNamed(result, "json").app.objects).to.deep.equal([{ objectName: "j", objectType: "secret" }]);
        });

        it("uses the default namespace for manifests without one, and says so", () => {
            const result = migrate(manifestsOf("akv2k8s/nested/deeper/no-namespace.yml"), { defaultNamespace: "team-a" });
            expect(appNamed(result, "team-a").app.namespace).to.equal("team-a");
            expect(withCode(result, "NAMESPACE_DEFAULTED")[0].message).to.equal('is not set; using "team-a"');
        });

        it("keeps the first of two manifests with the same namespace and name", () => {
            const text = akvs("vault:\n  name: kv-one\n  object:\n    name: a\n    type: secret");
            const result = migrate([...manifestsOfText(text), ...manifestsOfText(text.replace("name: a", "name: b"))]);
            expect(appNamed(result, "ns").app.objects).to.deep.equal([{ objectName: "a", objectType: "secret" }]);
            expect(withCode(result, "INPUT_DUPLICATE")).to.have.length(1);
        });
    });

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
            expect(object("shop-db-user")).to.deep.equal({ objectName: "shop-db-user", objectType: "secret", objectVersion: "0d3f6a0c9e8b4d7c8e1f2a3b4c5d6e7f" });
        });

        it("transform base64decode -> objectEncoding base64", () => {
            expect(object("shop-signing-seed")).to.deep.equal({ objectName: "shop-signing-seed", objectType: "secret", objectEncoding: "base64" });
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
            expect(object("shop-web-cert-cert")).to.deep.equal({ objectName: "shop-web-cert", objectType: "cert", objectAlias: "shop-web-cert-cert" });
            expect(withCode(result, "AKVS_NO_OUTPUT").map((f) => f.subject)).to.deep.equal(["AzureKeyVaultSecret shop/api-key", "AzureKeyVaultSecret shop/web-cert"]);
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

    describe("what has no equivalent is reported per object, never dropped silently", () => {
        const result = convert(["akv2k8s/unsupported.yaml"]);
        const names = (code: Parameters<typeof withCode>[1]) => withCode(result, code).map((f) => f.subject.replace("AzureKeyVaultSecret legacy/", ""));

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
            expect(findings.map((f) => f.subject.replace("AzureKeyVaultSecret legacy/", ""))).to.deep.equal(["db-login", "deploy-key", "old-registry"]);
            expect(findings[0].fix).to.contain("two Key Vault secrets");
            expect(findings[1].fix).to.contain("ssh-privatekey");
            expect(findings[2].fix).to.contain(".dockerconfigjson");
        });

        it("per-object azureIdentity: a separate app with workload identity, for review", () => {
            expect(names("AKVS_AZURE_IDENTITY")).to.deep.equal(["per-object-identity"]);
            expect(appNamed(result, "legacy-legacy-reader").app.identity).to.deep.equal({ mode: "workloadIdentity" });
        });

        it("two AKVS writing one key, or one Secret with two types: the later one is not converted", () => {
            expect(names("AKVS_SECRET_KEY_CONFLICT")).to.deep.equal(["shared-b"]);
            expect(names("AKVS_SECRET_TYPE_CONFLICT")).to.deep.equal(["shared-c"]);
            expect(appNamed(result, "legacy").app.syncedSecrets.find((s) => s.secretName === "shared-csi")!.data).to.deep.equal([{ key: "value", objectName: "shared-a" }]);
        });

        it("no dataKey (akv2k8s fails): file only, for review; transforms on a certificate: ignored like akv2k8s does", () => {
            expect(names("AKVS_NO_DATA_KEY")).to.deep.equal(["no-data-key"]);
            expect(names("AKVS_TRANSFORM_IGNORED")).to.deep.equal(["cert-transform"]);
            expect(appNamed(result, "legacy").app.syncedSecrets.find((s) => s.secretName === "cert-transform-csi")!.data).to.deep.equal([{ key: "cert.pem", objectName: "legacy-cert" }]);
        });

        it("manifests the API server or Key Vault would reject: not converted", () => {
            expect(names("AKVS_INVALID").sort()).to.deep.equal(["bad-object-name", "bad-type", "future-version", "no-vault"]);
        });

        it("what is converted is accepted by the program", () => {
            expectAcceptedByProgram(result.applications);
        });
    });

    describe("grouping and names", () => {
        const result = convert(["akv2k8s/kubectl-list.yaml"]);

        it("one app per namespace and vault: the namespace name when it has one vault, else namespace-vault", () => {
            expect(result.applications.map(({ vault, app }) => `${vault}:${app.name}`)).to.deep.equal(["kv-orders:billing", "kv-orders:orders-kv-orders", "kv-partners:orders-kv-partners"]);
            expectAcceptedByProgram(result.applications);
        });

        it("never picks a synced Secret name that akv2k8s writes (status.secretName and output names)", () => {
            expect(result.secretRenames.map((r) => `${r.namespace}/${r.akv2k8sSecret} -> ${r.csiSecret}`)).to.deep.equal([
                "billing/billing -> billing-csi",
                "orders/orders -> orders-csi-2",
                "orders/orders-csi -> orders-csi-csi",
                "orders/orders -> orders-csi-3",
            ]);
            const synced = result.applications.flatMap(({ app }) => app.syncedSecrets.map((s) => ({ namespace: app.namespace, secretName: s.secretName, app: app.name })));
            expect(secretNameCollisionProblems(synced, new Set(["orders/orders", "orders/orders-csi", "billing/billing"]))).to.deep.equal([]);
        });

        it("a Secret filled from two vaults becomes two synced Secrets, for review", () => {
            const [split] = withCode(result, "AKVS_SECRET_SPLIT_ACROSS_APPS");
            expect(split.subject).to.equal("Secret orders/orders");
            expect(split.message).to.contain('"orders-csi-2" (app orders-kv-orders) and "orders-csi-3" (app orders-kv-partners)');
        });

        it("two vaults writing the same key of one Secret: the second AKVS is not converted", () => {
            const conflict = migrate(
                manifestsOfText(
                    `${akvs("vault:\n  name: kv-one\n  object:\n    name: a\n    type: secret\noutput:\n  secret:\n    name: shared\n    dataKey: value", undefined, "a")}---\n` +
                        akvs("vault:\n  name: kv-two\n  object:\n    name: b\n    type: secret\noutput:\n  secret:\n    name: shared\n    dataKey: value", undefined, "b"),
                ),
            );
            expect(withCode(conflict, "AKVS_SECRET_KEY_CONFLICT").map((f) => f.subject)).to.deep.equal(["AzureKeyVaultSecret ns/b"]);
        });

        it("flags override app names (NAMESPACE or NAMESPACE/VAULT) and Secret names", () => {
            const renamed = convert(["akv2k8s/kubectl-list.yaml"], {
                appNames: { billing: "billing-api", "orders/kv-partners": "orders-partners" },
                secretNames: { "orders/orders-csi": "orders-api-key" },
                secretSuffix: "-kv",
            });
            expect(renamed.applications.map(({ app }) => app.name)).to.deep.equal(["billing-api", "orders-kv-orders", "orders-partners"]);
            expect(renamed.secretRenames.map((r) => r.csiSecret)).to.deep.equal(["billing-kv", "orders-kv", "orders-api-key", "orders-kv-2"]);
            expect(exitCodeFor(renamed.findings)).to.equal(2);
        });

        it("--identity workloadIdentity applies to every converted app", () => {
            const wi = convert(["akv2k8s/kubectl-list.yaml"], { identity: { mode: "workloadIdentity", clientId: "6f1f6a52-3f0b-4d1e-8c53-0d9f0f7b2a11" } });
            expect(wi.applications.map(({ app }) => app.identity)).to.deep.equal(Array(3).fill({ mode: "workloadIdentity", clientId: "6f1f6a52-3f0b-4d1e-8c53-0d9f0f7b2a11" }));
            expectAcceptedByProgram(wi.applications);
        });
    });

    describe("side-by-side safety", () => {
        it("refuses a --secret-name that akv2k8s writes, suggesting the default", () => {
            const result = convert(["akv2k8s/kubectl-list.yaml"], { secretNames: { "billing/billing": "billing" } });
            const [collision] = withCode(result, "SECRET_NAME_COLLISION");
            expect(collision.severity).to.equal("error");
            expect(collision.message).to.contain('"billing" is a Secret akv2k8s writes in billing');
            expect(collision.fix).to.equal('use a free name such as "billing-csi" (the default)');
            expect(exitCodeFor(result.findings)).to.equal(1);
        });

        it("refuses a --secret-name listed in --existing-secrets", () => {
            const result = convert(["akv2k8s/kubectl-list.yaml"], { secretNames: { "billing/billing": "billing-db" }, existingSecrets: ["billing/billing-db"] });
            expect(withCode(result, "SECRET_NAME_COLLISION")[0].message).to.contain("--existing-secrets lists");
        });

        it("default names avoid --existing-secrets too", () => {
            const result = convert(["akv2k8s/kubectl-list.yaml"], { existingSecrets: ["billing/billing-csi"] });
            expect(result.secretRenames[0].csiSecret).to.equal("billing-csi-2");
        });

        it("secretNameCollisionProblems names the clash and a free name", () => {
            expect(secretNameCollisionProblems([{ namespace: "shop", secretName: "shop-db", app: "shop" }], new Set(["shop/shop-db", "shop/shop-db-csi"]))).to.deep.equal([
                {
                    where: 'app "shop" syncedSecrets "shop-db"',
                    message:
                        "has the name of Secret shop/shop-db, which akv2k8s writes: the CSI driver would overwrite it and Kubernetes would delete it together with the pods' ReplicaSet, while akv2k8s keeps rewriting it",
                    fix: 'name it "shop-db-csi-2" and point consumers at it when they cut over (the akv2k8s Secret stays until its AKVS is deleted)',
                },
            ]);
        });
    });

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
                (renderSecretProviderClassSpec(appSecretProviderClassSpec(placeholderWorkloadArgs(shop.app, shop.vault))) as { parameters: Record<string, string> }).parameters,
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

    describe("mapAzureKeyVaultSecret, one rule at a time", () => {
        it("secret without transforms", () => {
            expect(mapped("vault:\n  name: kv-a\n  object:\n    name: s\n    type: secret\noutput:\n  secret:\n    name: out\n    dataKey: k")).to.deep.include({
                object: { objectName: "s", objectType: "secret" },
                secret: { type: "Opaque", keys: ["k"], name: "out" },
            });
        });

        it("v1alpha1 `transforms` and v1+ `transform`", () => {
            expect(mapped("vault:\n  name: kv-a\n  object:\n    name: s\n    type: secret\noutput:\n  transforms: [base64decode]\n  secret:\n    name: out\n    dataKey: k", "spv.no/v1alpha1").object).to.deep.equal({
                objectName: "s",
                objectType: "secret",
                objectEncoding: "base64",
            });
            expect(mapped("vault:\n  name: kv-a\n  object:\n    name: s\n    type: secret\noutput:\n  transform: [base64decode]\n  secret:\n    name: out\n    dataKey: k", "spv.no/v1").object!.objectEncoding).to.equal("base64");
        });

        it("base64decode twice is not one decode", () => {
            const result = mapped("vault:\n  name: kv-a\n  object:\n    name: s\n    type: secret\noutput:\n  transform: [base64decode, base64decode]\n  secret:\n    name: out\n    dataKey: k");
            expect(result.object).to.equal(undefined);
            expect(result.findings[0].code).to.equal("AKVS_TRANSFORM_UNSUPPORTED");
        });

        it("base64decode before a TLS output would decode twice", () => {
            const result = mapped("vault:\n  name: kv-a\n  object:\n    name: s\n    type: secret\noutput:\n  transform: [base64decode]\n  secret:\n    name: out\n    type: kubernetes.io/tls");
            expect(result.object).to.equal(undefined);
            expect(result.findings.map((f) => f.code)).to.deep.equal(["AKVS_TRANSFORM_UNSUPPORTED"]);
        });

        it("a key with a typed output has no equivalent", () => {
            const result = mapped("vault:\n  name: kv-a\n  object:\n    name: k\n    type: key\noutput:\n  secret:\n    name: out\n    type: kubernetes.io/tls");
            expect(result.findings.map((f) => f.code)).to.deep.equal(["AKVS_SECRET_TYPE_UNSUPPORTED"]);
        });

        it("an invalid dataKey is not converted", () => {
            const result = mapped("vault:\n  name: kv-a\n  object:\n    name: s\n    type: secret\noutput:\n  secret:\n    name: out\n    dataKey: 'has space'");
            expect(result.object).to.equal(undefined);
            expect(result.findings[0].message).to.contain('"has space" is not a valid Secret key');
        });
    });
});
