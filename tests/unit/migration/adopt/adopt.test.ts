import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parseSecretProviderClassYaml } from "../../../../components";
import { providerView } from "../../../../components/secret-provider-class/parse";
import { renderSecretProviderClassSpec } from "../../../../components/secret-provider-class/render";
import { appSecretProviderClassSpec } from "../../../../components/workload/render";
import { adoptSecretProviderClass } from "../../../../migration/adopt/adopt";
import { placeholderWorkloadArgs } from "../../../../migration/application";
import { migrate } from "../../../../migration/convert/migrate";
import { exitCodeFor } from "../../../../migration/findings";
import { FIXTURES, SPC_FIXTURES, appNamed, convert, expectAcceptedByProgram, manifestsOf, manifestsOfText, withCode } from "../helpers";

const ADDON_CLIENT_ID = "4b3a2c1d-0e9f-4a8b-9c7d-6e5f4a3b2c1d";

function adopt(file: string, workloads: string[] = [], addonClientId?: string) {
    const [sourced] = manifestsOf(file);
    return adoptSecretProviderClass(sourced, {
        defaultNamespace: "default",
        workloads: workloads.length > 0 ? manifestsOf(...workloads) : [],
        addonClientId,
    });
}

/** What the provider reads from the class the program renders for an adopted app. */
function renderedView(vault: string, app: Parameters<typeof placeholderWorkloadArgs>[0]) {
    const spec = renderSecretProviderClassSpec(appSecretProviderClassSpec(placeholderWorkloadArgs(app, vault))) as {
        parameters: Record<string, string>;
        secretObjects?: unknown[];
    };
    return { view: providerView(spec.parameters), secretObjects: spec.secretObjects };
}

describe("migration: adopting hand-written SecretProviderClass manifests", () => {
    describe("SecretProviderClass fixtures (tests/fixtures/spc)", () => {
        const file = (name: string) => path.join(SPC_FIXTURES, name);

        it("service-principal class with the pod's nodePublishSecretRef: adopted without behaviour change", () => {
            const result = adopt(file("sync-tls-service-principal.yaml"), ["spc/sp-workload.yaml"]);
            expect(result.adopted).to.deep.equal({
                vault: "kv-storefront",
                app: {
                    name: "storefront-tls",
                    namespace: "default",
                    identity: { mode: "servicePrincipal", nodePublishSecretRef: "storefront-sp-credentials" },
                    objects: [{ objectName: "storefront-ingress-cert", objectType: "secret" }],
                    syncedSecrets: [
                        {
                            secretName: "storefront-ingress-tls",
                            type: "kubernetes.io/tls",
                            data: [
                                { key: "tls.crt", objectName: "storefront-ingress-cert" },
                                { key: "tls.key", objectName: "storefront-ingress-cert" },
                            ],
                        },
                    ],
                },
            });
            expectAcceptedByProgram([result.adopted!]);
            // Same objects and synced Secrets as the provider reads from the original.
            const [original] = parseSecretProviderClassYaml(fs.readFileSync(file("sync-tls-service-principal.yaml"), "utf8"));
            const { view, secretObjects } = renderedView(result.adopted!.vault, result.adopted!.app);
            expect(view.objects).to.deep.equal(original.value.spec.objects);
            expect(view.identity.mode).to.equal("servicePrincipal");
            expect(secretObjects).to.deep.equal(original.value.spec.secretObjects);
            expect(withCode(result.findings, "SPC_SAME_NAME")[0].fix).to.contain(
                "kubectl delete secretproviderclass -n default storefront-tls",
            );
            // The deprecated tenantId is a GUID: the tenant comes from the stack's vault, which says so once.
            expect(withCode(result.findings, "SPC_TENANT_FROM_STACK").map((f) => f.message)).to.deep.equal([
                "is deprecated (the provider logs a warning); the stack config takes the tenant from the stack's Key Vault, not per app",
            ]);
        });

        it("identity-binding class: adopted as identity mode identityBinding with its client ID; a leftover VM identity is reported first", () => {
            const leftover = adopt(file("identity-binding-leftover-vm-identity.yaml"));
            expect(leftover.adopted).to.equal(undefined);
            expect(withCode(leftover.findings, "SPC_CLASS_REJECTED").map((f) => `${f.where}: ${f.message}`)).to.deep.equal([
                "parameters.userAssignedIdentityID: is ignored in identity-binding mode (useAzureTokenProxy), which uses clientID; the class is not adopted",
            ]);

            const text = fs
                .readFileSync(file("identity-binding-leftover-vm-identity.yaml"), "utf8")
                .replace(/^ {4}userAssignedIdentityID: .*\n/m, "");
            const [sourced] = manifestsOfText(text);
            const result = adoptSecretProviderClass(sourced, { defaultNamespace: "default", workloads: [] });
            expect(result.adopted?.app.identity).to.deep.equal({
                mode: "identityBinding",
                clientId: "c3b81f6e-92d4-4a07-b5e1-6f0a9d2c8e17",
            });
            const { view } = renderedView(result.adopted!.vault, result.adopted!.app);
            expect(view.identity).to.deep.equal({ mode: "identityBinding", id: "c3b81f6e-92d4-4a07-b5e1-6f0a9d2c8e17" });
            const [review] = withCode(result.findings, "SPC_IDENTITY_SERVICE_ACCOUNT");
            expect(review.message).to.equal(
                "identity binding: the app's ServiceAccount (default: the app name) must be the one allowed to use c3b81f6e-92d4-4a07-b5e1-6f0a9d2c8e17, and AppWorkload creates it",
            );
            expectAcceptedByProgram([result.adopted!]);
        });

        it("a service-principal class whose pods are not given: not adopted, and says where the Secret comes from", () => {
            const result = adopt(file("sync-tls-service-principal.yaml"));
            expect(result.adopted).to.equal(undefined);
            expect(withCode(result.findings, "SPC_IDENTITY_SERVICE_PRINCIPAL_SECRET")[0].severity).to.equal("unsupported");
        });

        it("the object with an invalid objectEncoding is left out and reported; the others are adopted", () => {
            const result = adopt(file("secrets-invalid-encoding.yaml"));
            const [rejected] = withCode(result.findings, "SPC_OBJECT_REJECTED");
            expect(rejected.where).to.equal('objects[2] "checkout-signing-seed"');
            expect(rejected.message).to.equal('is left out, the mount fails on it today: objectEncoding "base32" is not supported');
            expect(rejected.fix).to.equal("use one of utf-8, base64, hex");
            expect(result.adopted!.app.objects).to.deep.equal([
                { objectName: "checkout-api-token", objectType: "secret" },
                { objectName: "checkout-db-password", objectType: "secret", objectAlias: "db-password" },
            ]);
            expectAcceptedByProgram([result.adopted!]);
        });

        it("unfilled placeholders: the objects are rejected, then the Secret that reads them, then the class", () => {
            const result = adopt(file("sync-opaque-unfilled-placeholders.yaml"));
            expect(result.adopted).to.equal(undefined);
            expect(result.findings.filter((f) => f.severity === "unsupported").map((f) => `${f.code} ${f.where}`)).to.deep.equal([
                'SPC_OBJECT_REJECTED objects[0] "${ORDERS_DB_USER_SECRET}"',
                'SPC_OBJECT_REJECTED objects[1] "<signing key name>"',
                'SPC_SYNCED_SECRET_REJECTED secretObjects[0] "orders-db-credentials"',
                "SPC_CLASS_REJECTED objects",
            ]);
        });

        it("user-assigned managed identity -> identity mode addon, for review unless it is the addon identity", () => {
            const result = adopt(file("addon-identity-placeholder-client-id.yaml"));
            expect(result.adopted!.app.identity).to.deep.equal({ mode: "addon" });
            const [review] = withCode(result.findings, "SPC_IDENTITY_ADDON");
            expect(review.message).to.contain('"<addon identity client id>" is not a GUID');
            expect(withCode(result.findings, "SPC_TENANT_FROM_STACK")).to.have.length(1);
        });
    });

    describe("own fixtures (spc/hand-written.yaml)", () => {
        const result = migrate(manifestsOf("spc/hand-written.yaml"));

        it("adopts what the model accepts and the program takes", () => {
            expect(result.applications.map(({ vault, app }) => `${vault}:${app.name}`)).to.deep.equal([
                "kv-payments:payments-kv",
                "kv-payments:payments-v2",
                "kv-payments:reports-kv",
            ]);
            expectAcceptedByProgram(result.applications);
        });

        it("workload identity: keeps the client ID and asks about the ServiceAccount AppWorkload creates", () => {
            const { app } = appNamed(result, "payments-kv");
            expect(app.identity).to.deep.equal({ mode: "workloadIdentity", clientId: "6f1f6a52-3f0b-4d1e-8c53-0d9f0f7b2a11" });
            expect(app.syncedSecrets[0].labels).to.deep.equal({ team: "payments" });
            expect(withCode(result, "SPC_IDENTITY_SERVICE_ACCOUNT")[0].severity).to.equal("review");
        });

        it('workload identity whose pods run as the namespace\'s "default" ServiceAccount: the app gets its own, and the review says what to federate', () => {
            const classAndPods = [
                "apiVersion: secrets-store.csi.x-k8s.io/v1",
                "kind: SecretProviderClass",
                "metadata: { name: reports-kv, namespace: reports }",
                "spec:",
                "  provider: azure",
                "  parameters:",
                '    clientID: "6f1f6a52-3f0b-4d1e-8c53-0d9f0f7b2a11"',
                "    keyvaultName: kv-reports",
                '    tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47"',
                "    objects: |",
                "      array:",
                "        - |",
                "          objectName: reports-token",
                "          objectType: secret",
                "---",
                "apiVersion: apps/v1",
                "kind: Deployment",
                "metadata: { name: reports, namespace: reports }",
                "spec:",
                "  selector: { matchLabels: { app: reports } }",
                "  template:",
                "    metadata: { labels: { app: reports } }",
                "    spec:",
                "      containers: [{ name: reports, image: registry.example/reports:1, volumeMounts: [{ name: kv, mountPath: /mnt/kv }] }]",
                "      volumes: [{ name: kv, csi: { driver: secrets-store.csi.k8s.io, readOnly: true, volumeAttributes: { secretProviderClass: reports-kv } } }]",
            ].join("\n");
            const adopted = migrate(manifestsOfText(classAndPods));
            const { app } = appNamed(adopted, "reports-kv");
            expect(app.serviceAccountName).to.equal(undefined);
            expect(app.identity).to.deep.equal({ mode: "workloadIdentity", clientId: "6f1f6a52-3f0b-4d1e-8c53-0d9f0f7b2a11" });
            const [review] = withCode(adopted, "SPC_IDENTITY_SERVICE_ACCOUNT");
            expect(review.severity).to.equal("review");
            expect(review.message).to.equal(
                'workload identity: the pods run as the namespace\'s "default" ServiceAccount, which an app does not create; the app gets a ServiceAccount of its own (the app name) and its pods move to it',
            );
            expect(review.fix).to.equal(
                "add a federated credential on 6f1f6a52-3f0b-4d1e-8c53-0d9f0f7b2a11 for system:serviceaccount:reports:<app name> before pulumi up, or set serviceAccountName to another ServiceAccount federated with it",
            );
            expectAcceptedByProgram(adopted.applications);
        });

        it("ignored keys are dropped (no behaviour change); a mis-cased one is flagged for review", () => {
            expect(withCode(result, "SPC_IGNORED_KEY").map((f) => f.where)).to.deep.equal(["spec.parameters.resourceGroup"]);
            const [miscased] = withCode(result, "SPC_MISSPELLED_KEY");
            expect(miscased.where).to.equal("objects[0].objectalias");
            expect(miscased.fix).to.contain('spell it "objectAlias"');
            // The provider wrote the file under the object name, and so does the adopted app.
            expect(appNamed(result, "payments-kv").app.objects[0]).to.deep.equal({
                objectName: "payments-db-password",
                objectType: "secret",
            });
        });

        it("a quoted objectVersionHistory is rejected, and so is the Secret reading its history file", () => {
            const { app } = appNamed(result, "reports-kv");
            expect(app.objects).to.deep.equal([{ objectName: "reports-api-key", objectType: "secret" }]);
            expect(app.syncedSecrets.map((s) => s.secretName)).to.deep.equal(["reports-api"]);
            expect(withCode(result, "SPC_SYNCED_SECRET_REJECTED")[0].message).to.equal(
                'is left out: reads "reports-history/0", which no adopted object writes',
            );
        });

        it("the addon identity given with --addon-client-id needs no review", () => {
            const known = migrate(manifestsOf("spc/hand-written.yaml"), { addonClientId: ADDON_CLIENT_ID });
            expect(withCode(known, "SPC_IDENTITY_ADDON").map((f) => f.subject)).to.deep.equal(["SecretProviderClass payments/payments.v2"]);
        });

        it("pod identity is not modelled: the class is not adopted", () => {
            const [rejected] = withCode(result, "SPC_CLASS_REJECTED");
            expect(rejected.subject).to.equal("SecretProviderClass reports/pod-identity-kv");
            expect(rejected.where).to.equal("parameters.usePodIdentity");
        });

        it("non-string parameters and a non-DNS-label name are adopted, for review", () => {
            expect(withCode(result, "SPC_NOT_A_STRING")[0].where).to.equal("spec.parameters.useVMManagedIdentity");
            expect(withCode(result, "APP_NAME_SANITIZED")[0].message).to.equal(
                '"payments.v2" is not a DNS label, so the app (and its class) is named "payments-v2"',
            );
        });

        it("the adopted classes render to what the provider read from the originals", () => {
            const originals = parseSecretProviderClassYaml(fs.readFileSync(path.join(FIXTURES, "spc/hand-written.yaml"), "utf8"));
            for (const { vault, app } of result.applications) {
                const original = originals.find((o) => o.value.name.replace(".", "-") === app.name)!;
                const { view } = renderedView(vault, app);
                expect(view.keyvaultName).to.equal(original.value.spec.keyvaultName);
                expect(view.objects, app.name).to.deep.equal(
                    original.value.spec.objects.filter((o) => !(o.objectName === "reports-history")),
                );
            }
        });
    });

    it("refuses a class whose synced Secret akv2k8s also writes (spc/collision.yaml)", () => {
        const result = convert(["spc/collision.yaml"]);
        const [collision] = withCode(result, "SECRET_NAME_COLLISION");
        expect(collision.severity).to.equal("error");
        expect(collision.where).to.equal('app "checkout" syncedSecrets "checkout-db"');
        // checkout-db-csi is what the AKVS's own conversion uses, so the suggestion is the next free name.
        expect(collision.fix).to.contain('name it "checkout-db-csi-2"');
        expect(exitCodeFor(result.findings)).to.equal(1);
    });
});
