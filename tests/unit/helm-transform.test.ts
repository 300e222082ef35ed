import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { KeyVaultWiringRule, keyVaultSecretsTransform, keyVaultSecretsTransformation } from "../../components";
import { matchesPodTemplate, wireKeyVaultSecrets } from "../../components/workload/helm-transform";
import { secretEnvProblems } from "../../components/workload/pod";
import { FIXTURES, convert, appNamed } from "./migration/helpers";

/**
 * The Helm transform is tested on the output of a real Helm render of tests/fixtures/migration/chart (Helm's own
 * template engine; tests/e2e/helm-chart.test.ts checks the render against it), committed as chart.rendered.yaml. What is not exercised here:
 * the Pulumi engine calling the transform for the children of a k8s.helm.v4.Chart (the unit tests run with
 * mocks, which do not run transforms, and there is no Node.js language host in the offline toolchain).
 */

const RENDERED = path.join(FIXTURES, "chart.rendered.yaml");
const TRANSFORMED = path.join(FIXTURES, "chart.transformed.yaml");

/** Resource-transform arguments as the engine passes them for the chart's children. */
function transformArgs(manifest: Record<string, any>): pulumi.ResourceTransformArgs {
    const [group, version] = String(manifest.apiVersion).includes("/")
        ? String(manifest.apiVersion).split("/")
        : ["core", manifest.apiVersion];
    return {
        custom: true,
        type: `kubernetes:${group}/${version}:${manifest.kind}`,
        name: `shop:shop/${manifest.metadata.name}`,
        props: manifest,
        opts: {},
    };
}

function rendered(): Array<Record<string, any>> {
    return YAML.parseAllDocuments(fs.readFileSync(RENDERED, "utf8"))
        .map((d) => d.toJS())
        .filter(Boolean);
}

/** The rules a team would write for this chart (app "shop" from ../akv2k8s/mappings.yaml). */
const RULES: KeyVaultWiringRule[] = [
    {
        match: { kinds: ["Deployment"], name: /-storefront$/, labels: { "app.kubernetes.io/component": "web" } },
        wiring: { secretProviderClassName: "shop", env: [{ name: "DB_PASSWORD", secretName: "shop-db-csi", key: "password" }] },
        replaceEnv: true,
    },
    {
        match: { kinds: ["CronJob"], labels: { "app.kubernetes.io/component": "worker" } },
        wiring: {
            secretProviderClassName: "shop",
            env: [{ name: "API_KEY", secretName: "shop-env-csi", key: "api-key" }],
            containers: ["worker"],
        },
    },
];

describe("migration: wiring Key Vault secrets into Helm-deployed workloads (resource transform)", () => {
    it("the render has a Deployment, a CronJob and a Service", () => {
        expect(rendered().map((m) => `${m.kind}/${m.metadata.name}`)).to.deep.equal([
            "Deployment/shop-storefront",
            "Service/shop-storefront",
            "CronJob/shop-storefront-worker",
        ]);
    });

    it("transforms the chart's workloads as in chart.transformed.yaml, and leaves the Service alone", () => {
        const transform = keyVaultSecretsTransform(RULES);
        const outputs = rendered().map((manifest) => {
            const result = transform(transformArgs(manifest)) as pulumi.ResourceTransformResult | undefined;
            return result ? result.props : manifest;
        });
        const text = outputs.map((manifest) => YAML.stringify(manifest, { lineWidth: 0 })).join("---\n");
        if (process.env.UPDATE_GOLDEN) {
            fs.writeFileSync(TRANSFORMED, text);
        }
        expect(text).to.equal(fs.readFileSync(TRANSFORMED, "utf8"));
        expect(transform(transformArgs(rendered()[1]))).to.equal(undefined);
    });

    it("replaces the chart's own DB_PASSWORD in place, so $(DB_PASSWORD) in DSN still resolves", () => {
        const [deployment] = rendered();
        const { manifest } = wireKeyVaultSecrets(deployment, RULES);
        const env = (manifest as any).spec.template.spec.containers[0].env;
        expect(env).to.deep.equal([
            { name: "LOG_LEVEL", value: "info" },
            { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "shop-db-csi", key: "password" } } },
            { name: "DSN", value: "postgres://app:$(DB_PASSWORD)@db:5432/shop" },
        ]);
    });

    it("wires the CronJob's pod template (spec.jobTemplate.spec.template)", () => {
        const cronJob = rendered()[2];
        const { manifest, matched } = wireKeyVaultSecrets(cronJob, RULES);
        expect(matched).to.deep.equal([1]);
        const spec = (manifest as any).spec.jobTemplate.spec.template.spec;
        expect(spec.volumes[0].csi.volumeAttributes).to.deep.equal({ secretProviderClass: "shop" });
        expect(spec.containers[0].env).to.deep.equal([
            { name: "API_KEY", valueFrom: { secretKeyRef: { name: "shop-env-csi", key: "api-key" } } },
        ]);
        expect(cronJob.spec.jobTemplate.spec.template.spec.volumes).to.equal(undefined);
    });

    it("the env of the rules matches Secrets the converted app syncs", () => {
        const shop = appNamed(convert(["akv2k8s/mappings.yaml", "workloads/shop.yaml"]), "shop").app;
        for (const rule of RULES) {
            expect(secretEnvProblems(rule.wiring.env ?? [], shop.syncedSecrets)).to.deep.equal([]);
        }
    });

    it("without replaceEnv an existing variable is an error naming the workload", () => {
        const [deployment] = rendered();
        expect(() => wireKeyVaultSecrets(deployment, [{ ...RULES[0], replaceEnv: false }])).to.throw(
            /Deployment shop-storefront: .*env "DB_PASSWORD": is already set/s,
        );
    });

    it("selects by kind, name (string or RegExp), namespace and labels", () => {
        const [deployment] = rendered();
        expect(matchesPodTemplate(deployment, {})).to.equal(true);
        expect(matchesPodTemplate(deployment, { name: "shop-storefront" })).to.equal(true);
        expect(matchesPodTemplate(deployment, { name: /worker/ })).to.equal(false);
        expect(matchesPodTemplate(deployment, { kinds: ["StatefulSet"] })).to.equal(false);
        expect(matchesPodTemplate(deployment, { labels: { "app.kubernetes.io/component": "worker" } })).to.equal(false);
        expect(
            matchesPodTemplate({ ...deployment, metadata: { ...deployment.metadata, namespace: "other" } }, { namespace: "shop" }),
        ).to.equal(false);
        // Charts rendered without a namespace match any namespace.
        expect(matchesPodTemplate(deployment, { namespace: "shop" })).to.equal(true);
        expect(matchesPodTemplate(rendered()[1], {})).to.equal(false);
    });

    it("accepts the class name as an Output (e.g. AppWorkload.secretProviderClassName)", () => {
        const className = pulumi.output("shop");
        const transform = keyVaultSecretsTransform([{ match: { kinds: ["Deployment"] }, wiring: { secretProviderClassName: className } }]);
        const result = transform(transformArgs(rendered()[0])) as pulumi.ResourceTransformResult;
        expect((result.props as any).spec.template.spec.volumes[0].csi.volumeAttributes.secretProviderClass).to.equal(className);
    });

    it("returns props without kind when the engine passed none (the type token names the kind)", () => {
        const { kind, ...withoutKind } = rendered()[0];
        expect(kind).to.equal("Deployment");
        const result = keyVaultSecretsTransform(RULES)({
            ...transformArgs(rendered()[0]),
            props: withoutKind,
        }) as pulumi.ResourceTransformResult;
        expect(result.props).to.not.have.property("kind");
        expect((result.props as any).spec.template.spec.volumes).to.have.length(1);
    });

    it("can move the pods to the ServiceAccount of a workload identity", () => {
        const { manifest } = wireKeyVaultSecrets(rendered()[0], [
            { match: {}, wiring: { secretProviderClassName: "shop" }, serviceAccountName: "shop" },
        ]);
        expect((manifest as any).spec.template.spec.serviceAccountName).to.equal("shop");
    });

    it("takes that ServiceAccount from another resource, e.g. an AppWorkload's serviceAccountName (pulumi.Input)", () => {
        const serviceAccountName = pulumi.output("shop");
        const { manifest } = wireKeyVaultSecrets(rendered()[0], [
            { match: {}, wiring: { secretProviderClassName: "shop" }, serviceAccountName },
        ]);
        expect((manifest as any).spec.template.spec.serviceAccountName).to.equal(serviceAccountName);
    });

    it("the transformations variant (helm.v3.Chart, yaml.ConfigFile) mutates the object in place", () => {
        const [deployment] = rendered();
        keyVaultSecretsTransformation(RULES)(deployment, {});
        expect(deployment.spec.template.spec.volumes[0].name).to.equal("keyvault-secrets");
    });

    it("refuses a rule for a kind without a pod template", () => {
        expect(() =>
            keyVaultSecretsTransform([{ match: { kinds: ["Service" as any] }, wiring: { secretProviderClassName: "x" } }]),
        ).to.throw(/kinds: contains a kind without a pod template/);
    });
});
