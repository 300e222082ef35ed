import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as alertsmanagement from "@pulumi/azure-native/alertsmanagement";
import type * as azureInputs from "@pulumi/azure-native/types/input";
import { TOKEN_PREFIX } from "../shared/token";
import { Problem, throwIfProblems } from "../shared/validation";
import { armIdProblems } from "../shared/arm-ids";
import {
    AlertKey,
    AlertRule,
    AlertRuleSettings,
    alertRules,
    alertSettingsProblems,
    durationSeconds,
    isoDuration,
    scrapeConfigYaml,
} from "./rules";

/** Default evaluation interval of the rule group. */
export const DEFAULT_EVALUATION_INTERVAL = "1m";

/** Inputs of the Secrets Store CSI alerts of one cluster. */
export interface KeyVaultSecretsAlertsArgs {
    /** ARM ID of the Azure Monitor workspace the cluster's managed Prometheus writes to (the rule group's scope). */
    azureMonitorWorkspaceId: pulumi.Input<string>;
    /** Resource group of the rule group. */
    resourceGroupName: pulumi.Input<string>;
    /** Region of the rule group: the workspace's. */
    location: pulumi.Input<string>;
    /** Name of the AKS cluster whose series the rules read (managed Prometheus's `cluster` label). */
    clusterName: pulumi.Input<string>;
    /** ARM ID of the action group every alert notifies. */
    actionGroupId: pulumi.Input<string>;
    /**
     * Per alert (`mountErrors`, `rotationErrors`, `keyVaultErrors`, `keyVaultThrottling`): enabled, threshold, window,
     * `for` and severity; unset fields take `DEFAULT_ALERT_SETTINGS`. Plain: they shape the expressions.
     */
    rules?: Partial<Record<AlertKey, AlertRuleSettings>>;
    /** Prometheus duration between evaluations, 1m to 15m (Azure Monitor's range); default 1m. Plain. */
    evaluationInterval?: string;
    /**
     * Declare the `ama-metrics-prometheus-config` ConfigMap in kube-system that makes managed Prometheus scrape the
     * addon's driver and provider (default true). Set false when the cluster's ConfigMap of that name holds other jobs
     * too: merge `scrapeConfig` into it. Needs the Kubernetes provider of the cluster (`providers: { kubernetes }`).
     */
    declareScrapeConfig?: boolean;
}

/** Problems with the plain args, each with its fix. */
export function keyVaultSecretsAlertsProblems(args: KeyVaultSecretsAlertsArgs): Problem[] {
    const problems: Problem[] = [];
    if (typeof args.azureMonitorWorkspaceId === "string") {
        problems.push(...armIdProblems(args.azureMonitorWorkspaceId, "monitorWorkspace", "azureMonitorWorkspaceId"));
    }
    if (typeof args.actionGroupId === "string") {
        problems.push(...armIdProblems(args.actionGroupId, "actionGroup", "actionGroupId"));
    }
    problems.push(...alertSettingsProblems("rules", args.rules));
    const interval = args.evaluationInterval;
    if (interval !== undefined) {
        const seconds = /^[0-9]+[smh]$/.test(interval) ? durationSeconds(interval) : NaN;
        if (!(seconds >= 60 && seconds <= 900 && seconds % 60 === 0)) {
            problems.push({
                where: "evaluationInterval",
                message: `"${interval}" is not a whole number of minutes from 1 to 15`,
                fix: 'use e.g. "1m" or "5m" (Azure Monitor evaluates rule groups every 1 to 15 minutes)',
            });
        }
    }
    return problems;
}

/** One rule as Azure Monitor's PrometheusRuleGroup takes it. */
export function azureMonitorRule(rule: AlertRule, actionGroupId: pulumi.Input<string>): azureInputs.alertsmanagement.PrometheusRuleArgs {
    return {
        alert: rule.alert,
        expression: rule.expr,
        for: isoDuration(rule.for),
        severity: rule.severity,
        enabled: true,
        labels: { component: "secrets-store-csi" },
        annotations: { summary: rule.summary, description: rule.description },
        actions: [{ actionGroupId }],
        resolveConfiguration: { autoResolved: true, timeToResolve: "PT10M" },
    };
}

/**
 * Azure Monitor managed Prometheus alerts for the Secrets Store CSI driver addon of one cluster: mount errors,
 * rotation errors, Key Vault read errors and throttling (docs/alerts.md), one rule group scoped to the workspace
 * and the cluster, and the scrape config that gets the addon's metrics into the workspace.
 */
export class KeyVaultSecretsAlerts extends pulumi.ComponentResource {
    /** ARM ID of the rule group. */
    public readonly ruleGroupId: pulumi.Output<string>;
    /** Names of the declared alerts. */
    public readonly alertNames: string[];
    /** The managed Prometheus scrape jobs (the `prometheus-config` key of `ama-metrics-prometheus-config`). */
    public readonly scrapeConfig: string;

    constructor(name: string, args: KeyVaultSecretsAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${TOKEN_PREFIX}:index:KeyVaultSecretsAlerts`, name, {}, opts);
        throwIfProblems(`KeyVaultSecretsAlerts "${name}"`, keyVaultSecretsAlertsProblems(args), this);
        const rules = alertRules(args.rules);
        this.alertNames = rules.map((rule) => rule.alert);
        this.scrapeConfig = scrapeConfigYaml();
        const group = new alertsmanagement.PrometheusRuleGroup(
            `${name}-secrets-store`,
            {
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                scopes: [args.azureMonitorWorkspaceId],
                clusterName: args.clusterName,
                description: "Secrets Store CSI driver and Azure Key Vault provider alerts (aks-keyvault-secrets)",
                interval: isoDuration(args.evaluationInterval ?? DEFAULT_EVALUATION_INTERVAL),
                enabled: true,
                rules: rules.map((rule) => azureMonitorRule(rule, args.actionGroupId)),
            },
            { parent: this },
        );
        this.ruleGroupId = group.id;
        if (args.declareScrapeConfig ?? true) {
            new k8s.core.v1.ConfigMap(
                `${name}-scrape-config`,
                {
                    metadata: { name: "ama-metrics-prometheus-config", namespace: "kube-system" },
                    data: { "prometheus-config": this.scrapeConfig },
                },
                { parent: this },
            );
        }
        this.registerOutputs({ ruleGroupId: this.ruleGroupId, alertNames: this.alertNames, scrapeConfig: this.scrapeConfig });
    }
}
