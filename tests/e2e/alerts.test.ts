/**
 * The alert rules against the real node: the lane's driver and provider run as on AKS (docs/local-node.md), their
 * `/metrics` are scraped every 15 s while a pod mounts a healthy class and then while another mounts a class naming
 * an object the stand-in lacks; the scrapes become promtool input series and promtool evaluates the product's rules
 * (components/alerts/rules.ts) on them: the mount-error and Key Vault error alerts fire on the fault's scrapes and
 * nothing fires on the healthy ones. Windows are shortened to 1m and `for` to 0m (the node cannot wait 10 minutes);
 * the expressions are otherwise the product's. AKV_LANE picks the lane, as for the secrets-flow test.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parseStackConfig } from "../../program/config";
import { StackConfig } from "../../program/schema";
import { LocalEnvironment, LocalNode, startLocalEnvironment } from "../../localenv/harness/environment";
import { renderObjectsParameter } from "../../components/secret-provider-class/render";
import { prepareNode, lastWarning } from "../../localenv/harness/secrets-flow";
import { localConfigWithServicePrincipal } from "../../localenv/harness/stack";
import { DRIVER_METRICS, PROVIDER_METRICS } from "../../components/alerts/metrics";
import { AlertRuleSettings, AlertKey } from "../../components/alerts/rules";
import { Sample, inputSeriesOf, parseExposition, runPromtoolTests } from "../../localenv/harness/promtool";
import { podMounting } from "./node-pods";

const LANE = process.env.AKV_LANE || undefined;
const SCRAPE_INTERVAL_S = 15;
/** The product's rules with windows the node can fill in minutes. */
const SHORT: Partial<Record<AlertKey, AlertRuleSettings>> = {
    mountErrors: { window: "1m", for: "0m" },
    rotationErrors: { window: "1m", for: "0m" },
    keyVaultErrors: { window: "1m", for: "0m" },
    keyVaultThrottling: { window: "1m", for: "0m" },
};
const NAMES = new Set([...Object.values(DRIVER_METRICS), ...Object.values(PROVIDER_METRICS)].map((metric) => metric.name));
const CLASSES = "/apis/secrets-store.csi.x-k8s.io/v1/namespaces/orders/secretproviderclasses";

function addonClass(name: string, config: StackConfig, objectName: string) {
    return {
        apiVersion: "secrets-store.csi.x-k8s.io/v1",
        kind: "SecretProviderClass",
        metadata: { name },
        spec: {
            provider: "azure",
            parameters: {
                keyvaultName: (config.keyVault as { name: string }).name,
                tenantId: (config.keyVault as { tenantId: string }).tenantId,
                useVMManagedIdentity: "true",
                userAssignedIdentityID: (config.cluster as { addonIdentityClientId: string }).addonIdentityClientId,
                objects: renderObjectsParameter([{ objectName, objectType: "secret" }]),
            },
        },
    };
}

async function scrape(port: string): Promise<Sample[]> {
    const answer = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(answer.status).to.equal(200);
    return parseExposition(await answer.text());
}

describe("alert rules on the real node's driver and provider metrics (promtool)", function () {
    this.timeout(10 * 60 * 1000);
    let environment: LocalEnvironment;
    let config: StackConfig;
    let ports: { driver: string; provider: string };

    /** `count` scrapes of both, `SCRAPE_INTERVAL_S` apart. */
    async function scrapes(count: number): Promise<Sample[][]> {
        const out: Sample[][] = [];
        for (let i = 0; i < count; i++) {
            if (i > 0) {
                await new Promise((resolve) => setTimeout(resolve, SCRAPE_INTERVAL_S * 1000));
            }
            out.push([...(await scrape(ports.driver)), ...(await scrape(ports.provider))]);
        }
        return out;
    }

    before(async () => {
        environment = await startLocalEnvironment("akv-e2e-alerts", ["reports"], { node: true, lane: LANE });
        config = parseStackConfig(localConfigWithServicePrincipal());
        await prepareNode(environment.kube, environment.node as LocalNode, config, () => undefined);
        const state = environment.clusterStateDir as string;
        const read = (name: string) => fs.readFileSync(path.join(state, `${name}.port`), "utf8").trim();
        ports = { driver: read("csi-driver-metrics"), provider: read("csi-provider-metrics") };
    });

    after(async () => {
        await environment?.stop();
    });

    it("healthy mounts: the metrics the rules read are exported under the recorded names, and no rule fires", async () => {
        const kube = environment.kube;
        const object = config.applications.find((app) => app.identity.mode === "addon")?.objects[0].objectName as string;
        await kube.create(CLASSES, addonClass("healthy", config, object));
        await kube.create("/api/v1/namespaces/orders/pods", podMounting("healthy", "healthy"));
        const deadline = Date.now() + 120_000;
        let samples = await scrape(ports.driver);
        while (!samples.some((sample) => sample.name === DRIVER_METRICS.nodePublish.name) && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 2000));
            samples = await scrape(ports.driver);
        }
        expect(samples.map((sample) => sample.name)).to.include(DRIVER_METRICS.nodePublish.name);
        const taken = await scrapes(6);
        const provider = taken[taken.length - 1].filter((sample) => sample.name === PROVIDER_METRICS.keyVaultRequestCount.name);
        expect(provider.length, "keyvault_request_count after a mount").to.be.greaterThan(0);
        expect(Object.keys(provider[0].labels)).to.include.members(["object_type", "object_name", "error"]);
        const input = inputSeriesOf(taken, NAMES);
        const end = `${(taken.length - 1) * SCRAPE_INTERVAL_S}s`;
        const run = runPromtoolTests(
            [
                {
                    name: "healthy node",
                    interval: `${SCRAPE_INTERVAL_S}s`,
                    input,
                    expect: (["mountErrors", "rotationErrors", "keyVaultErrors", "keyVaultThrottling"] as const).map((alert) => ({
                        evalTime: end,
                        alert,
                        firing: [],
                    })),
                },
            ],
            SHORT,
        );
        expect(run.status, run.output).to.equal(0);
    });

    it("a class naming an object the vault lacks: the mount-error and Key Vault error alerts fire on the scraped series", async () => {
        const kube = environment.kube;
        await kube.create(CLASSES, addonClass("missing", config, "no-such-secret"));
        await kube.create("/api/v1/namespaces/orders/pods", podMounting("missing", "missing"));
        const deadline = Date.now() + 90_000;
        let warning: string | undefined;
        while (!warning && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 2000));
            warning = await lastWarning(kube, "orders", "missing");
        }
        expect(warning, "a FailedMount event").to.match(/^FailedMount: /);
        const taken = await scrapes(8);
        const errors = taken[taken.length - 1].filter((sample) => sample.name === DRIVER_METRICS.nodePublishError.name);
        expect(errors.length, "node_publish_error_total").to.be.greaterThan(0);
        const errorType = errors[0].labels.error_type;
        const failed = taken[taken.length - 1].filter(
            (sample) => sample.name === PROVIDER_METRICS.keyVaultRequestCount.name && sample.labels.error,
        );
        expect(failed.map((sample) => sample.labels.object_name)).to.include("no-such-secret");
        console.log(`      error_type ${errorType}; provider error: ${failed[0].labels.error.split("\n")[0].slice(0, 160)}`);
        const end = `${(taken.length - 1) * SCRAPE_INTERVAL_S}s`;
        const run = runPromtoolTests(
            [
                {
                    name: "a mount that keeps failing",
                    interval: `${SCRAPE_INTERVAL_S}s`,
                    input: inputSeriesOf(taken, NAMES),
                    expect: [
                        { evalTime: end, alert: "mountErrors", firing: [{ error_type: errorType }] },
                        { evalTime: end, alert: "keyVaultErrors", firing: [{ object_type: "secret", object_name: "no-such-secret" }] },
                        { evalTime: end, alert: "keyVaultThrottling", firing: [] },
                    ],
                },
            ],
            SHORT,
        );
        expect(run.status, run.output).to.equal(0);
    });
});
