/**
 * The alert rules against the real node: the lane's driver and provider run as on AKS (docs/local-node.md), their
 * `/metrics` are scraped every 15 s while a pod mounts a healthy class, then while pods mount through the addon
 * identity after the stand-in revoked its role, then while the stand-in answers 429; the scrapes become promtool input
 * series and promtool evaluates the product's rules (components/alerts/rules.ts) on them: the mount-error and Key
 * Vault error alerts fire for the revoked role, the throttling alert for the 429s, and nothing fires on the healthy
 * scrapes. Windows are shortened to 1m and `for` to 0m (the node cannot wait 10 minutes);
 * the expressions are otherwise the product's. AKV_LANE picks the lane, as for the secrets-flow test.
 */
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseStackConfig } from "../../program/config";
import { StackConfig } from "../../program/schema";
import { LocalEnvironment, LocalNode, startLocalEnvironment } from "../../localenv/harness/environment";
import { prepareNode, lastWarning } from "../../localenv/harness/secrets-flow";
import { localConfigWithServicePrincipal } from "../../localenv/harness/stack";
import { DRIVER_METRICS, PROVIDER_METRICS, THROTTLED_ERROR_REGEX } from "../../components/alerts/metrics";
import { AlertRuleSettings, AlertKey } from "../../components/alerts/rules";
import { Sample, inputSeriesOf, parseExposition, runPromtoolTests } from "../../localenv/harness/promtool";
import { managedIdentityClass, podMounting } from "./node-pods";

/** A class that reads one secret with the addon identity. */
function addonClass(name: string, config: StackConfig, objectName: string) {
    const clientId = (config.cluster as { addonIdentityClientId: string }).addonIdentityClientId;
    return managedIdentityClass(name, config, clientId, [{ objectName, objectType: "secret" }]);
}

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
const PODS = "/api/v1/namespaces/orders/pods";

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
    /** The stand-in's content as the node started with it, restored after each fault. */
    let pristine: string;

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

    const kube = () => environment.kube;
    const vaultName = () => (config.keyVault as { name: string }).name;
    /** An object of the stand-in's vault that the addon identity may read. */
    const addonObject = () => config.applications.find((app) => app.identity.mode === "addon")?.objects[0].objectName as string;

    function standIn(...args: string[]): void {
        const standInFiles = (environment.node as LocalNode).standIn;
        execFileSync(standInFiles.binary, [args[0], "--content", standInFiles.content, ...args.slice(1)], {
            stdio: ["ignore", "pipe", "pipe"],
        });
    }

    function restoreVault(): void {
        fs.writeFileSync((environment.node as LocalNode).standIn.content, pristine, { mode: 0o600 });
    }

    /** Starts a pod mounting `className` (default: its own name) and waits for its FailedMount event. */
    async function mountFails(podName: string, className = podName): Promise<void> {
        await kube().create(PODS, podMounting(podName, className));
        const deadline = Date.now() + 90_000;
        let warning: string | undefined;
        while (!warning && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 2000));
            warning = await lastWarning(kube(), "orders", podName);
        }
        expect(warning, "a FailedMount event").to.match(/^FailedMount: /);
    }

    /** The error_type label of a driver error counter on the last scrape (the driver's alerts group by it). */
    function errorTypeOf(taken: Sample[][], metric: string): string {
        const errors = taken[taken.length - 1].filter((sample) => sample.name === metric);
        expect(errors.length, metric).to.be.greaterThan(0);
        return errors[0].labels.error_type;
    }

    /** The provider's Key Vault requests with an error label on the last scrape. */
    function failedRequests(taken: Sample[][]): Sample[] {
        return taken[taken.length - 1].filter(
            (sample) => sample.name === PROVIDER_METRICS.keyVaultRequestCount.name && sample.labels.error,
        );
    }

    /** promtool evaluates the product's rules on the scrapes: at the last scrape exactly `firing` fire, per alert. */
    function expectAlerts(
        name: string,
        taken: Sample[][],
        checks: Array<{ alert: AlertKey; firing: Array<Record<string, string>> }>,
    ): void {
        const evalTime = `${(taken.length - 1) * SCRAPE_INTERVAL_S}s`;
        const run = runPromtoolTests(
            [
                {
                    name,
                    interval: `${SCRAPE_INTERVAL_S}s`,
                    input: inputSeriesOf(taken, NAMES),
                    expect: checks.map((check) => ({ evalTime, ...check })),
                },
            ],
            SHORT,
        );
        expect(run.status, run.output).to.equal(0);
    }

    before(async () => {
        environment = await startLocalEnvironment("akv-e2e-alerts", ["reports"], { node: true, lane: LANE });
        config = parseStackConfig(localConfigWithServicePrincipal());
        await prepareNode(environment.kube, environment.node as LocalNode, config, () => undefined);
        const state = environment.clusterStateDir as string;
        const read = (name: string) => fs.readFileSync(path.join(state, `${name}.port`), "utf8").trim();
        ports = { driver: read("csi-driver-metrics"), provider: read("csi-provider-metrics") };
        pristine = fs.readFileSync((environment.node as LocalNode).standIn.content, "utf8");
    });

    after(async () => {
        await environment?.stop();
    });

    it("healthy mounts: the metrics the rules read are exported under the recorded names, and no rule fires", async () => {
        await kube().create(CLASSES, addonClass("healthy", config, addonObject()));
        await kube().create(PODS, podMounting("healthy", "healthy"));
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
        expectAlerts(
            "healthy node",
            taken,
            (["mountErrors", "rotationErrors", "keyVaultErrors", "keyVaultThrottling"] as const).map((alert) => ({ alert, firing: [] })),
        );
    });

    it("the identity's role removed in the stand-in: the mount-error, rotation-error and Key Vault error alerts fire on the scraped series", async () => {
        const addonClientId = (config.cluster as { addonIdentityClientId: string }).addonIdentityClientId;
        standIn("revoke", "--vault", vaultName(), "--client-id", addonClientId);
        try {
            const object = addonObject();
            await kube().create(CLASSES, addonClass("revoked", config, object));
            await mountFails("revoked");
            const taken = await scrapes(8);
            const errorType = errorTypeOf(taken, DRIVER_METRICS.nodePublishError.name);
            // the healthy pod's volume is re-read every 10 s (the node's rotation poll interval) and now fails too
            const rotationErrorType = errorTypeOf(taken, DRIVER_METRICS.rotationReconcileError.name);
            const failed = failedRequests(taken);
            expect(failed.map((sample) => sample.labels.object_name)).to.include(object);
            expect(
                failed.some((sample) => /403/.test(sample.labels.error)),
                "a 403 in the provider's error label",
            ).to.equal(true);
            console.log(
                `      error_type ${errorType}, rotation ${rotationErrorType}; provider error: ${failed[0].labels.error.split("\n")[0].slice(0, 160)}`,
            );
            expectAlerts("a mount the vault refuses (403)", taken, [
                { alert: "mountErrors", firing: [{ error_type: errorType }] },
                { alert: "rotationErrors", firing: [{ error_type: rotationErrorType }] },
                { alert: "keyVaultErrors", firing: [{ object_type: "secret", object_name: object }] },
                { alert: "keyVaultThrottling", firing: [] },
            ]);
        } finally {
            restoreVault();
            // its retries would otherwise keep the mount-error series rising into the next test's window
            await kube().delete(`${PODS}/revoked`);
        }
    });

    it("the stand-in answering 429: the throttling alert fires on the scraped series", async () => {
        standIn("throttle", "--vault", vaultName());
        try {
            await mountFails("throttled", "healthy");
            const taken = await scrapes(8);
            const throttled = failedRequests(taken).filter((sample) =>
                new RegExp(THROTTLED_ERROR_REGEX.replace("(?s)", ""), "s").test(sample.labels.error),
            );
            expect(throttled.length, "keyvault_request_count with a 429 error label").to.be.greaterThan(0);
            expectAlerts("a vault that throttles", taken, [{ alert: "keyVaultThrottling", firing: [{}] }]);
        } finally {
            standIn("throttle", "--vault", vaultName(), "--off");
            restoreVault();
        }
    });
});
