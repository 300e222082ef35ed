import { expect } from "chai";
import { secretEnvProblems } from "../../../components";
import { migrate } from "../../../migration/convert/migrate";
import { exitCodeFor } from "../../../migration/findings";
import { TWO_IDENTITIES, appNamed, convert, expectAcceptedByProgram, manifestsOf, manifestsOfText, withCode } from "./helpers";

type Env = { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } };

function podSpecOf(manifest: Record<string, any>): Record<string, any> {
    return manifest.kind === "CronJob" ? manifest.spec.jobTemplate.spec.template.spec : manifest.spec.template.spec;
}

describe("migration: env-injector workloads and references to akv2k8s Secrets", () => {
    const result = convert(["akv2k8s/mappings.yaml", "workloads/shop.yaml"]);
    const storefront = result.workloads.find((w) => w.name === "storefront")!;
    const migrator = result.workloads.find((w) => w.name === "orders-db-migrator")!;
    const shop = appNamed(result, "shop").app;

    it("patches every workload that uses @azurekeyvault or an akv2k8s Secret, and only those", () => {
        expect(result.workloads.map((w) => `${w.kind} ${w.namespace}/${w.name} -> ${w.apps.join(",")}`)).to.deep.equal([
            "Deployment shop/storefront -> shop",
            "StatefulSet shop/orders-db-migrator -> shop",
        ]);
        expectAcceptedByProgram(result.applications);
    });

    describe("<akvs>@azurekeyvault[?query] values become secretKeyRef, in place", () => {
        const env = podSpecOf(storefront.manifest).containers[0].env as Env[];
        const ref = (name: string) => env.find((e) => e.name === name)!.valueFrom?.secretKeyRef;

        it("keeps order and plain values, so $(VAR) references still resolve", () => {
            expect(env.map((e) => e.name)).to.deep.equal(["LOG_LEVEL", "API_KEY", "DB_PASSWORD", "DSN", "TLS_CERT", "TLS_KEY", "TLS_PFX", "TOKEN_KEY"]);
            expect(env[0]).to.deep.equal({ name: "LOG_LEVEL", value: "info" });
            expect(env[3]).to.deep.equal({ name: "DSN", value: "postgres://app:$(DB_PASSWORD)@db:5432/shop" });
            expect(env.every((e) => !String(e.value ?? "").includes("@azurekeyvault"))).to.equal(true);
        });

        it("secret without query -> a key of the app's env Secret (or of a synced Secret that already holds the file)", () => {
            expect(ref("API_KEY")).to.deep.equal({ name: "shop-env-csi", key: "api-key" });
            expect(ref("DB_PASSWORD")).to.deep.equal({ name: "shop-db-csi", key: "password" });
        });

        it("certificate without query -> the public certificate (objectType cert)", () => {
            expect(ref("TLS_CERT")).to.deep.equal({ name: "shop-env-csi", key: "web-cert" });
            expect(shop.syncedSecrets.find((s) => s.secretName === "shop-env-csi")!.data).to.deep.include({ key: "web-cert", objectName: "shop-web-cert-cert" });
        });

        it("certificate ?tls.key -> tls.key of a TLS Secret (the driver extracts the private key)", () => {
            expect(ref("TLS_KEY")).to.deep.equal({ name: "shop-tls-csi", key: "tls.key" });
        });

        it("certificate ?raw -> the PFX (objectFormat pfx, objectEncoding base64), for review", () => {
            expect(ref("TLS_PFX")).to.deep.equal({ name: "shop-pfx-csi", key: "web.pfx" });
            expect(withCode(result, "ENV_INJECTOR_CERTIFICATE_RAW").map((f) => f.where)).to.deep.equal(['containers[0] "web" env "TLS_PFX"']);
        });

        it("key -> objectType key, for review (PEM instead of the modulus)", () => {
            expect(ref("TOKEN_KEY")).to.deep.equal({ name: "shop-token-csi", key: "token.pub" });
            expect(withCode(result, "ENV_INJECTOR_KEY_FORMAT")).to.have.length(1);
        });

        it("every reference points at a key of a Secret the app syncs", () => {
            const wired = env.filter((e) => e.valueFrom).map((e) => ({ name: e.name, secretName: e.valueFrom!.secretKeyRef.name, key: e.valueFrom!.secretKeyRef.key }));
            expect(secretEnvProblems(wired, shop.syncedSecrets)).to.deep.equal([]);
        });

        it("mounts the CSI volume in the containers that read it (the kubelet mounts, and the driver syncs, only then)", () => {
            const spec = podSpecOf(storefront.manifest);
            expect(spec.volumes).to.deep.equal([{ name: "keyvault-secrets", csi: { driver: "secrets-store.csi.k8s.io", readOnly: true, volumeAttributes: { secretProviderClass: "shop" } } }]);
            expect(spec.containers.map((c: any) => c.volumeMounts)).to.deep.equal([
                [{ name: "keyvault-secrets", mountPath: "/mnt/secrets-store", readOnly: true }],
                [{ name: "keyvault-secrets", mountPath: "/mnt/secrets-store", readOnly: true }],
            ]);
        });

        it("says the values now live in a Secret", () => {
            expect(withCode(result, "ENV_INJECTOR_VALUE_IN_SECRET").map((f) => f.subject)).to.deep.equal(["Deployment shop/storefront"]);
        });
    });

    describe("references to akv2k8s Secrets are rewritten to the synced Secrets", () => {
        const spec = podSpecOf(migrator.manifest);

        it("secretKeyRef, envFrom and Secret volumes", () => {
            expect(spec.containers[0].env).to.deep.equal([{ name: "DB_USER", valueFrom: { secretKeyRef: { name: "shop-db-csi", key: "username" } } }]);
            expect(spec.containers[0].envFrom).to.deep.equal([{ secretRef: { name: "shop-db-csi" }, prefix: "DB_" }]);
            expect(spec.volumes[0]).to.deep.equal({ name: "tls", secret: { secretName: "shop-tls-csi" } });
            expect(withCode(result, "WORKLOAD_REFERENCE_REWRITTEN").filter((f) => f.subject === "StatefulSet shop/orders-db-migrator").map((f) => f.message)).to.deep.equal([
                'reads synced Secret "shop-db-csi" instead of akv2k8s Secret "shop-db"',
                'reads synced Secret "shop-tls-csi" instead of akv2k8s Secret "shop-tls"',
            ]);
        });

        it("leaves image pull Secrets alone, for review (a synced Secret exists only after the pod mounts)", () => {
            expect(spec.imagePullSecrets).to.deep.equal([{ name: "shop-registry" }]);
            expect(withCode(result, "WORKLOAD_IMAGE_PULL_SECRET")[0].severity).to.equal("review");
        });

        it("reports an Ingress TLS Secret written by akv2k8s", () => {
            expect(withCode(result, "INGRESS_TLS_REFERENCE").map((f) => [f.subject, f.where])).to.deep.equal([["Ingress shop/storefront", 'tls secretName "shop-tls"']]);
        });

        it("leaves nothing kubectl get adds, so the manifest can be applied", () => {
            expect(Object.keys(migrator.manifest)).to.deep.equal(["apiVersion", "kind", "metadata", "spec"]);
        });
    });

    it("names the namespace label to remove once every injected workload is moved", () => {
        expect(result.namespaceLabels).to.deep.equal([
            {
                namespace: "shop",
                action: "remove",
                command: "kubectl label namespace shop azure-key-vault-env-injection-",
                reason: "every workload given that used @azurekeyvault is converted (Deployment shop/storefront)",
            },
        ]);
    });

    describe("what has no equivalent keeps the label and is reported", () => {
        const legacy = convert(["akv2k8s/unsupported.yaml", "workloads/legacy.yaml"]);
        const where = (code: Parameters<typeof withCode>[1]) => withCode(legacy, code).map((f) => f.where);

        it("?username / ?password of a secret, a multi-key-value key, and a query a secret does not take", () => {
            expect(where("ENV_INJECTOR_QUERY_UNSUPPORTED")).to.deep.equal([
                'containers[0] "report" env "DB_USER"',
                'containers[0] "report" env "FLAGS"',
                'containers[0] "report" env "BAD_QUERY"',
                'containers[0] "login" env "DB_PASSWORD"',
            ]);
        });

        it("a value that is not the documented syntax, an AKVS that is not in the input, an init container", () => {
            expect(where("ENV_INJECTOR_SYNTAX")).to.deep.equal(['containers[0] "report" env "BROKEN"']);
            expect(where("ENV_INJECTOR_AKVS_NOT_FOUND")).to.deep.equal(['containers[0] "report" env "MISSING"']);
            expect(where("ENV_INJECTOR_INIT_CONTAINER")).to.deep.equal(['initContainers[0] "fetch" env "SETTINGS"']);
        });

        it("an AKVS whose transforms have no equivalent", () => {
            expect(where("ENV_INJECTOR_NOT_CONVERTED")).to.deep.equal(['containers[0] "report" env "TRIMMED"']);
        });

        it("converts what it can: the per-object identity value, with the pods moved to the app's ServiceAccount", () => {
            const cron = legacy.workloads.find((w) => w.name === "nightly-report")!;
            const spec = podSpecOf(cron.manifest);
            expect(spec.serviceAccountName).to.equal("legacy-legacy-reader");
            expect(cron.manifest.spec).to.have.nested.property("jobTemplate.spec.template.metadata.labels").that.deep.equals({ "azure.workload.identity/use": "true" });
            expect(spec.containers[0].env.find((e: Env) => e.name === "ISOLATED")).to.deep.equal({ name: "ISOLATED", valueFrom: { secretKeyRef: { name: "isolated-csi", key: "value" } } });
            expect(spec.containers[0].env.find((e: Env) => e.name === "DB_USER")).to.deep.equal({ name: "DB_USER", value: "db-login@azurekeyvault?username" });
            expect(withCode(legacy, "WORKLOAD_SERVICE_ACCOUNT")[0].message).to.contain('changes from "default" to "legacy-legacy-reader"');
        });

        it("keeps the namespace label while any value is not converted", () => {
            expect(legacy.namespaceLabels.map((l) => [l.namespace, l.action])).to.deep.equal([["legacy", "keep"]]);
            expect(withCode(legacy, "NAMESPACE_LABEL_KEEP")[0].message).to.contain("CronJob legacy/nightly-report, Deployment legacy/login");
            expect(exitCodeFor(legacy.findings)).to.equal(2);
        });
    });

    it("a workload reading apps of two vaults mounts one volume per app", () => {
        const result = convert(["akv2k8s/kubectl-list.yaml"]);
        expect(result.workloads).to.deep.equal([]);
        const withWorkload = migrate([
            ...manifestsOf("akv2k8s/kubectl-list.yaml"),
            ...manifestsOfText(`apiVersion: apps/v1
kind: Deployment
metadata: { name: orders, namespace: orders }
spec:
  selector: { matchLabels: { app: orders } }
  template:
    metadata: { labels: { app: orders } }
    spec:
      containers:
        - name: api
          image: orders:1
          envFrom:
            - secretRef: { name: orders }
`),
        ]);
        const spec = podSpecOf(withWorkload.workloads[0].manifest);
        expect(spec.containers[0].envFrom).to.deep.equal([{ secretRef: { name: "orders-csi-2" } }, { secretRef: { name: "orders-csi-3" } }]);
        expect(spec.volumes.map((v: any) => [v.name, v.csi.volumeAttributes.secretProviderClass])).to.deep.equal([
            ["keyvault-secrets", "orders-kv-orders"],
            ["keyvault-secrets-orders-kv-partners", "orders-kv-partners"],
        ]);
        expect(spec.containers[0].volumeMounts.map((m: any) => m.mountPath)).to.deep.equal(["/mnt/secrets-store", "/mnt/secrets-store-orders-kv-partners"]);
    });

    it("picks a free volume name and mount path when the default ones are taken", () => {
        const result = migrate([
            ...manifestsOf("akv2k8s/kubectl-list.yaml"),
            ...manifestsOfText(`apiVersion: apps/v1
kind: Deployment
metadata: { name: billing, namespace: billing }
spec:
  selector: { matchLabels: { app: billing } }
  template:
    metadata: { labels: { app: billing } }
    spec:
      containers:
        - name: api
          image: billing:1
          env:
            - name: DB_PASSWORD
              valueFrom: { secretKeyRef: { name: billing, key: db-password } }
          volumeMounts:
            - { name: keyvault-secrets, mountPath: /mnt/secrets-store }
      volumes:
        - name: keyvault-secrets
          emptyDir: {}
`),
        ]);
        const spec = podSpecOf(result.workloads[0].manifest);
        expect(spec.volumes.map((v: any) => v.name)).to.deep.equal(["keyvault-secrets", "keyvault-secrets-2"]);
        expect(spec.containers[0].volumeMounts.map((m: any) => m.mountPath)).to.deep.equal(["/mnt/secrets-store", "/mnt/secrets-store-2"]);
        expect(spec.containers[0].env[0].valueFrom.secretKeyRef).to.deep.equal({ name: "billing-csi", key: "db-password" });
    });

    it("refuses to patch a pod that would need two workload identities", () => {
        const result = migrate(
            manifestsOfText(TWO_IDENTITIES),
        );
        expect(result.workloads).to.deep.equal([]);
        const [notPatched] = withCode(result, "WORKLOAD_NOT_PATCHED");
        expect(notPatched.message).to.contain("different workload identities (two-id-a, two-id-b)");
        expect(result.namespaceLabels[0].action).to.equal("keep");
    });
});
