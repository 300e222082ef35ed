import { expect } from "chai";
import { secretEnvProblems } from "../../../../components/workload/pod";
import { Env, appNamed, convert, podSpecOf, withCode } from "../helpers";

/** Env-injector values become secretKeyRef (migration/convert/injected-env.ts). */
describe("migration: env-injector values", () => {
    const result = convert(["akv2k8s/mappings.yaml", "workloads/shop.yaml"]);
    const storefront = result.workloads.find((w) => w.name === "storefront")!;
    const shop = appNamed(result, "shop").app;

    describe("<akvs>@azurekeyvault[?query] values become secretKeyRef, in place", () => {
        const env = podSpecOf(storefront.manifest).containers[0].env as Env[];
        const ref = (name: string) => env.find((e) => e.name === name)!.valueFrom?.secretKeyRef;

        it("keeps order and plain values, so $(VAR) references still resolve", () => {
            expect(env.map((e) => e.name)).to.deep.equal([
                "LOG_LEVEL",
                "API_KEY",
                "DB_PASSWORD",
                "DSN",
                "TLS_CERT",
                "TLS_KEY",
                "TLS_PFX",
                "TOKEN_KEY",
            ]);
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
            expect(shop.syncedSecrets.find((s) => s.secretName === "shop-env-csi")!.data).to.deep.include({
                key: "web-cert",
                objectName: "shop-web-cert-cert",
            });
        });

        it("certificate ?tls.key -> tls.key of a TLS Secret (the driver extracts the private key)", () => {
            expect(ref("TLS_KEY")).to.deep.equal({ name: "shop-tls-csi", key: "tls.key" });
        });

        it("certificate ?raw -> the PFX (objectFormat pfx, objectEncoding base64), for review", () => {
            expect(ref("TLS_PFX")).to.deep.equal({ name: "shop-pfx-csi", key: "web.pfx" });
            expect(withCode(result, "ENV_INJECTOR_CERTIFICATE_RAW").map((f) => f.where)).to.deep.equal([
                'containers[0] "web" env "TLS_PFX"',
            ]);
        });

        it("key -> objectType key, for review (PEM instead of the modulus)", () => {
            expect(ref("TOKEN_KEY")).to.deep.equal({ name: "shop-token-csi", key: "token.pub" });
            expect(withCode(result, "ENV_INJECTOR_KEY_FORMAT")).to.have.length(1);
        });

        it("every reference points at a key of a Secret the app syncs", () => {
            const wired = env
                .filter((e) => e.valueFrom)
                .map((e) => ({ name: e.name, secretName: e.valueFrom!.secretKeyRef.name, key: e.valueFrom!.secretKeyRef.key }));
            expect(secretEnvProblems(wired, shop.syncedSecrets)).to.deep.equal([]);
        });

        it("mounts the CSI volume in the containers that read it (the kubelet mounts, and the driver syncs, only then)", () => {
            const spec = podSpecOf(storefront.manifest);
            expect(spec.volumes).to.deep.equal([
                {
                    name: "keyvault-secrets",
                    csi: { driver: "secrets-store.csi.k8s.io", readOnly: true, volumeAttributes: { secretProviderClass: "shop" } },
                },
            ]);
            expect(spec.containers.map((c: any) => c.volumeMounts)).to.deep.equal([
                [{ name: "keyvault-secrets", mountPath: "/mnt/secrets-store", readOnly: true }],
                [{ name: "keyvault-secrets", mountPath: "/mnt/secrets-store", readOnly: true }],
            ]);
        });

        it("says the values now live in a Secret", () => {
            expect(withCode(result, "ENV_INJECTOR_VALUE_IN_SECRET").map((f) => f.subject)).to.deep.equal(["Deployment shop/storefront"]);
        });
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
    });
});
