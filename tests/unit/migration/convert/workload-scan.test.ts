import { expect } from "chai";
import { Env, convert, expectAcceptedByProgram, podSpecOf, withCode } from "../helpers";

/** Phase 5: env-injector values and references to akv2k8s Secrets found in workloads (migration/convert/workload-scan.ts). */
describe("migration: scanning workloads", () => {
    const result = convert(["akv2k8s/mappings.yaml", "workloads/shop.yaml"]);
    const migrator = result.workloads.find((w) => w.name === "orders-db-migrator")!;

    it("patches every workload that uses @azurekeyvault or an akv2k8s Secret, and only those", () => {
        expect(result.workloads.map((w) => `${w.kind} ${w.namespace}/${w.name} -> ${w.apps.join(",")}`)).to.deep.equal([
            "Deployment shop/storefront -> shop",
            "StatefulSet shop/orders-db-migrator -> shop",
        ]);
        expectAcceptedByProgram(result.applications);
    });

    describe("references to akv2k8s Secrets are rewritten to the synced Secrets", () => {
        const spec = podSpecOf(migrator.manifest);

        it("secretKeyRef, envFrom and Secret volumes", () => {
            expect(spec.containers[0].env).to.deep.equal([
                { name: "DB_USER", valueFrom: { secretKeyRef: { name: "shop-db-csi", key: "username" } } },
            ]);
            expect(spec.containers[0].envFrom).to.deep.equal([{ secretRef: { name: "shop-db-csi" }, prefix: "DB_" }]);
            expect(spec.volumes[0]).to.deep.equal({ name: "tls", secret: { secretName: "shop-tls-csi" } });
            expect(
                withCode(result, "WORKLOAD_REFERENCE_REWRITTEN")
                    .filter((f) => f.subject === "StatefulSet shop/orders-db-migrator")
                    .map((f) => f.message),
            ).to.deep.equal([
                'reads synced Secret "shop-db-csi" instead of akv2k8s Secret "shop-db"',
                'reads synced Secret "shop-tls-csi" instead of akv2k8s Secret "shop-tls"',
            ]);
        });

        it("leaves image pull Secrets alone, for review (a synced Secret exists only after the pod mounts)", () => {
            expect(spec.imagePullSecrets).to.deep.equal([{ name: "shop-registry" }]);
            expect(withCode(result, "WORKLOAD_IMAGE_PULL_SECRET")[0].severity).to.equal("review");
        });
    });

    describe("what has no equivalent keeps the label and is reported", () => {
        const legacy = convert(["akv2k8s/unsupported.yaml", "workloads/legacy.yaml"]);
        const where = (code: Parameters<typeof withCode>[1]) => withCode(legacy, code).map((f) => f.where);

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
            expect(cron.manifest.spec)
                .to.have.nested.property("jobTemplate.spec.template.metadata.labels")
                .that.deep.equals({ "azure.workload.identity/use": "true" });
            expect(spec.containers[0].env.find((e: Env) => e.name === "ISOLATED")).to.deep.equal({
                name: "ISOLATED",
                valueFrom: { secretKeyRef: { name: "isolated-csi", key: "value" } },
            });
            expect(spec.containers[0].env.find((e: Env) => e.name === "DB_USER")).to.deep.equal({
                name: "DB_USER",
                value: "db-login@azurekeyvault?username",
            });
            expect(withCode(legacy, "WORKLOAD_SERVICE_ACCOUNT")[0].message).to.contain('changes from "default" to "legacy-legacy-reader"');
        });
    });
});
