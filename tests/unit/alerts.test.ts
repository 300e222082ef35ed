/** components/alerts: the KeyVaultSecretsAlerts component, its rules, and the program's `alerts` key. */
import { expect } from "chai";
import * as fc from "fast-check";
import { parse } from "yaml";
import { KeyVaultSecretsAlerts } from "../../components";
import { keyVaultSecretsAlertsProblems } from "../../components/alerts/component";
import { DRIVER_METRICS, PROVIDER_METRICS, THROTTLED_ERROR_REGEX } from "../../components/alerts/metrics";
import {
    ALERT_KEYS,
    DEFAULT_ALERT_SETTINGS,
    alertRules,
    alertSettingsProblems,
    durationSeconds,
    isoDuration,
    promtoolRulesFile,
    scrapeConfigYaml,
} from "../../components/alerts/rules";
import { runProgram } from "../../program/main";
import { parseStackConfig } from "../../program/config";
import { StackConfigError } from "../../program/problems";
import { stackFileConfig as stackConfig } from "../stack-files";
import { SUBSCRIPTION_ID, errorFrom, ofType, registered, resetRegistrations, settle, valueOf } from "../mocks";

const WORKSPACE = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-monitor/providers/Microsoft.Monitor/accounts/amw-platform`;
const ACTION_GROUP = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-monitor/providers/Microsoft.Insights/actionGroups/ag-oncall`;
const ARGS = {
    azureMonitorWorkspaceId: WORKSPACE,
    actionGroupId: ACTION_GROUP,
    resourceGroupName: "rg-monitor",
    location: "westeurope",
    clusterName: "aks-dev",
};
const RULE_GROUP = "azure-native:alertsmanagement:PrometheusRuleGroup";

describe("KeyVaultSecretsAlerts", () => {
    beforeEach(resetRegistrations);

    it("declares one rule group scoped to the workspace and the cluster, every rule notifying the action group", async () => {
        const alerts = new KeyVaultSecretsAlerts("alerts", ARGS);
        await settle();
        const group = registered(RULE_GROUP, "alerts-secrets-store").inputs;
        expect(group.scopes).to.deep.equal([WORKSPACE]);
        expect(group.clusterName).to.equal("aks-dev");
        expect(group.interval).to.equal("PT1M");
        expect(group.rules.map((rule: { alert: string }) => rule.alert)).to.deep.equal([
            "SecretsStoreMountErrors",
            "SecretsStoreRotationErrors",
            "KeyVaultReadErrors",
            "KeyVaultThrottled",
        ]);
        for (const rule of group.rules) {
            expect(rule.actions).to.deep.equal([{ actionGroupId: ACTION_GROUP }]);
        }
        expect(group.rules[0]).to.include({ for: "PT5M", severity: 2 });
        expect(alerts.alertNames).to.have.length(4);
    });

    it("declares the ama-metrics-prometheus-config ConfigMap scraping the addon's driver and provider, unless told not to", async () => {
        new KeyVaultSecretsAlerts("alerts", ARGS);
        await settle();
        const configMap = registered("kubernetes:core/v1:ConfigMap", "alerts-scrape-config").inputs;
        expect(configMap.metadata).to.deep.equal({ name: "ama-metrics-prometheus-config", namespace: "kube-system" });
        const jobs = parse(configMap.data["prometheus-config"]).scrape_configs;
        expect(jobs.map((job: { job_name: string }) => job.job_name)).to.deep.equal([
            "secrets-store-csi-driver",
            "secrets-store-provider-azure",
        ]);
        expect(jobs[0].relabel_configs[1].replacement).to.equal("$1:8095");
        expect(jobs[1].relabel_configs[1].replacement).to.equal("$1:8898");
        resetRegistrations();
        new KeyVaultSecretsAlerts("alerts", { ...ARGS, declareScrapeConfig: false });
        await settle();
        expect(ofType("kubernetes:core/v1:ConfigMap")).to.have.length(0);
    });

    it("takes thresholds, windows, for durations and severities, and leaves disabled rules out", async () => {
        new KeyVaultSecretsAlerts("alerts", {
            ...ARGS,
            evaluationInterval: "5m",
            rules: { mountErrors: { threshold: 3, window: "10m", for: "1h", severity: 1 }, keyVaultThrottling: { enabled: false } },
        });
        await settle();
        const group = registered(RULE_GROUP, "alerts-secrets-store").inputs;
        expect(group.interval).to.equal("PT5M");
        expect(group.rules).to.have.length(3);
        expect(group.rules[0]).to.include({ for: "PT1H", severity: 1 });
        expect(group.rules[0].expression).to.equal("sum by (cluster, error_type) (increase(node_publish_error_total[10m])) > 3");
    });

    it("reports every problem of its args at construction, each with its fix", () => {
        const error = errorFrom(
            () =>
                new KeyVaultSecretsAlerts("alerts", {
                    ...ARGS,
                    azureMonitorWorkspaceId: "amw-platform",
                    actionGroupId: WORKSPACE,
                    evaluationInterval: "30s",
                    rules: { mountErrors: { window: "5 minutes", severity: 7 }, rotationErrors: { window: "30s", threshold: -1 } },
                }),
        );
        expect(error.message).to.include('KeyVaultSecretsAlerts "alerts" is invalid (7 problems)');
        expect(error.message).to.include('azureMonitorWorkspaceId: "amw-platform" is not the resource ID of an Azure Monitor workspace');
        expect(error.message).to.include("(it is the ID of an Azure Monitor workspace)");
        expect(error.message).to.include('rules.mountErrors.window: "5 minutes" is not a duration of one unit');
        expect(error.message).to.include("rules.mountErrors.severity: 7 is not an Azure Monitor severity");
        expect(error.message).to.include('rules.rotationErrors.window: "30s" holds fewer than two');
        expect(error.message).to.include("rules.rotationErrors.threshold: -1 is not a count");
        expect(error.message).to.include('evaluationInterval: "30s" is not a whole number of minutes from 1 to 15');
    });
});

describe("alert rules (pure)", () => {
    it("read only the metrics recorded for both lanes, with the exporter's suffixes", () => {
        const exprs = alertRules(undefined).map((rule) => rule.expr);
        expect(exprs[0]).to.include(DRIVER_METRICS.nodePublishError.name).and.to.include("node_publish_error_total");
        expect(exprs[1]).to.include("rotation_reconcile_error_total");
        expect(exprs[2]).to.include('keyvault_request_count{error!=""}');
        expect(exprs[3]).to.include(`${PROVIDER_METRICS.keyVaultRequestCount.name}{error=~${JSON.stringify(THROTTLED_ERROR_REGEX)}}`);
    });

    it("the throttling regex matches the Azure SDK's 429 text and not a 404's", () => {
        const anchored = new RegExp(`^(?:${THROTTLED_ERROR_REGEX.replace("(?s)", "")})$`, "s");
        expect(anchored.test("GET https://kv.vault.azure.net/secrets/a\n--------\nRESPONSE 429: 429 Too Many Requests")).to.equal(true);
        expect(
            anchored.test("GET https://kv.vault.azure.net/secrets/a\n--------\nRESPONSE 404: 404 Not Found\nERROR CODE: SecretNotFound"),
        ).to.equal(false);
    });

    it("every valid setting gives rules Azure Monitor and promtool take; durations round-trip to ISO 8601", () => {
        const duration = fc.tuple(fc.integer({ min: 1, max: 48 }), fc.constantFrom("m", "h")).map(([n, unit]) => `${n}${unit}`);
        const settings = fc.record(
            {
                enabled: fc.boolean(),
                threshold: fc.integer({ min: 0, max: 1000 }),
                window: duration,
                for: fc.tuple(fc.integer({ min: 0, max: 24 }), fc.constantFrom("m", "h")).map(([n, unit]) => `${n}${unit}`),
                severity: fc.integer({ min: 0, max: 4 }),
            },
            { requiredKeys: [] },
        );
        fc.assert(
            fc.property(fc.dictionary(fc.constantFrom(...ALERT_KEYS), settings), (given) => {
                expect(alertSettingsProblems("rules", given)).to.deep.equal([]);
                const rules = alertRules(given);
                expect(rules.length).to.equal(
                    ALERT_KEYS.filter((key) => given[key]?.enabled ?? DEFAULT_ALERT_SETTINGS[key].enabled).length,
                );
                for (const rule of rules) {
                    const iso = isoDuration(rule.for);
                    const match = /^PT(\d+)([HMS])$/.exec(iso);
                    expect(match, iso).to.not.equal(null);
                    expect(Number(match![1]) * { H: 3600, M: 60, S: 1 }[match![2] as "H" | "M" | "S"]).to.equal(durationSeconds(rule.for));
                }
                const file = parse(promtoolRulesFile(rules));
                expect(file.groups[0].rules).to.have.length(rules.length);
            }),
        );
    });

    it("the component's checks and the settings' checks agree on a valid config", () => {
        expect(keyVaultSecretsAlertsProblems(ARGS)).to.deep.equal([]);
        expect(parse(scrapeConfigYaml()).scrape_configs).to.have.length(2);
    });
});

describe("program: the alerts key", () => {
    beforeEach(resetRegistrations);

    it("declares the alerts for the cluster the dev stack creates, and outputs the scrape config", async () => {
        const raw = { ...stackConfig("dev"), alerts: { azureMonitorWorkspaceId: WORKSPACE, actionGroupId: ACTION_GROUP } };
        const parsed = parseStackConfig(raw);
        const outputs = await runProgram(parsed);
        await settle();
        const group = registered(RULE_GROUP, "alerts-secrets-store").inputs;
        expect(group.clusterName).to.equal("aks-platform-dev");
        expect(group.resourceGroupName).to.equal(parsed.azure?.resourceGroupName);
        const out = (await valueOf(outputs.alerts)) as { alertNames: string[]; scrapeConfig: string };
        expect(out.alertNames).to.have.length(4);
        expect(out.scrapeConfig).to.include("secrets-store-provider-azure");
    });

    it("declares nothing without the key", async () => {
        await runProgram(parseStackConfig(stackConfig("dev")));
        await settle();
        expect(ofType(RULE_GROUP)).to.have.length(0);
    });

    it("fails the preview on a local stack that names no cluster, at the config's own key paths", async () => {
        const raw = {
            ...stackConfig("local"),
            alerts: { azureMonitorWorkspaceId: WORKSPACE, actionGroupId: "ag", rules: { mountErrors: { severity: 9 } } },
        };
        let error: unknown;
        try {
            await runProgram(parseStackConfig(raw));
        } catch (caught) {
            error = caught;
        }
        expect(error).to.be.instanceOf(StackConfigError);
        const message = (error as Error).message;
        expect(message).to.include("alerts.clusterName");
        expect(message).to.include("alerts.actionGroupId");
        expect(message).to.include("alerts.rules.mountErrors.severity");
    });
});
