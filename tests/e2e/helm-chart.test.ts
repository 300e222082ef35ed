/**
 * End to end: the Helm transform on a real `k8s.helm.v4.Chart` (rendered by the Kubernetes provider's own Helm
 * engine) applied to a real kube-apiserver. The chart (tests/fixtures/migration/chart) is not edited: the transform
 * adds the CSI volume, the mount and the env wiring to its workloads.
 */
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Stack } from "@pulumi/pulumi/automation";
import { keyVaultSecretsTransform } from "../../components/workload/helm-transform";
import { REPO_ROOT, openLocalStack } from "../../localenv/harness/stack";
import { LocalEnvironment, startLocalEnvironment } from "../../localenv/harness/environment";
import { LOCALENV } from "../../localenv/harness/localenv";

const CHART = path.join(REPO_ROOT, "tests/fixtures/migration/chart");

describe("the Helm chart fixture's committed render (tests/fixtures/migration/chart.rendered.yaml)", function () {
    this.timeout(10 * 60 * 1000);

    it("is what Helm's own template engine produces now: the unit tests of the transform read it", () => {
        const output = execFileSync(LOCALENV, ["tool", "helm-template", "--", CHART, "shop", "shop"], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "inherit"],
        });
        expect(output).to.equal(fs.readFileSync(path.join(REPO_ROOT, "tests/fixtures/migration/chart.rendered.yaml"), "utf8"));
    });
});

/** Local stack only: nothing runs pods here, so no workload or Service of the chart would ever become ready. */
const skipAwait: pulumi.ResourceTransform = (args) =>
    args.custom && args.type.startsWith("kubernetes:") && !args.type.startsWith("kubernetes:helm")
        ? {
              props: {
                  ...args.props,
                  metadata: {
                      ...args.props.metadata,
                      annotations: { ...args.props.metadata?.annotations, "pulumi.com/skipAwait": "true" },
                  },
              },
              opts: args.opts,
          }
        : undefined;

describe("Helm chart wired through the transform (real engine, real kube-apiserver)", function () {
    this.timeout(10 * 60 * 1000);
    let environment: LocalEnvironment | undefined;
    let stack: Stack;

    before(async () => {
        environment = await startLocalEnvironment("akv-e2e-helm");
        stack = await openLocalStack({
            ...environment.stackOptions,
            stackName: "helm",
            transforms: [skipAwait],
            program: async () => {
                new k8s.helm.v4.Chart(
                    "shop",
                    { chart: CHART, namespace: "orders" },
                    {
                        transforms: [
                            keyVaultSecretsTransform([
                                {
                                    match: { kinds: ["Deployment"], name: /-storefront$/ },
                                    wiring: {
                                        secretProviderClassName: "shop",
                                        env: [{ name: "DB_PASSWORD", secretName: "shop-db-csi", key: "password" }],
                                    },
                                    replaceEnv: true,
                                },
                                {
                                    match: { kinds: ["CronJob"] },
                                    wiring: {
                                        secretProviderClassName: "shop",
                                        env: [{ name: "API_KEY", secretName: "shop-env-csi", key: "api-key" }],
                                        containers: ["worker"],
                                    },
                                },
                            ]),
                        ],
                    },
                );
            },
        });
    });

    after(() => environment?.stop());

    it("deploys the chart's Deployment and CronJob with the CSI volume, mount and env, without editing the chart", async () => {
        const result = await stack.up();
        expect(result.summary.result).to.equal("succeeded");
        const kube = environment!.kube;
        const deployment = await kube.get("/apis/apps/v1/namespaces/orders/deployments/shop-storefront");
        const pod = deployment.spec.template.spec;
        expect(pod.volumes).to.deep.include({
            name: "keyvault-secrets",
            csi: { driver: "secrets-store.csi.k8s.io", readOnly: true, volumeAttributes: { secretProviderClass: "shop" } },
        });
        expect(pod.containers[0].volumeMounts).to.deep.include({
            name: "keyvault-secrets",
            mountPath: "/mnt/secrets-store",
            readOnly: true,
        });
        expect(pod.containers[0].env).to.deep.include({
            name: "DB_PASSWORD",
            valueFrom: { secretKeyRef: { name: "shop-db-csi", key: "password" } },
        });
        const cronJob = await kube.get("/apis/batch/v1/namespaces/orders/cronjobs/shop-storefront-worker");
        const jobPod = cronJob.spec.jobTemplate.spec.template.spec;
        expect(jobPod.volumes.map((v: { name: string }) => v.name)).to.include("keyvault-secrets");
        expect(jobPod.containers.find((c: { name: string }) => c.name === "worker").env).to.deep.include({
            name: "API_KEY",
            valueFrom: { secretKeyRef: { name: "shop-env-csi", key: "api-key" } },
        });
        const service = await kube.get("/api/v1/namespaces/orders/services/shop-storefront");
        expect(JSON.stringify(service)).to.not.contain("keyvault-secrets");
    });

    it("destroys the chart", async () => {
        const result = await stack.destroy();
        expect(result.summary.result).to.equal("succeeded");
    });
});
