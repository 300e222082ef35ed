/**
 * The `alerts` config key: the KeyVaultSecretsAlerts component of the stack's cluster (docs/alerts.md). Kept apart
 * from main.ts so the wiring is one call there.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { KeyVaultSecretsAlerts, keyVaultSecretsAlertsProblems } from "../components/alerts/component";
import { ConfigProblem, StackConfigError } from "./problems";
import { StackConfig } from "./schema";

/** Problems of the alerts config once the stack's cluster is known; `clusterKnown`: the stack creates or reads it. */
export function alertsConfigProblems(config: StackConfig, clusterKnown: boolean): ConfigProblem[] {
    const alerts = config.alerts;
    if (!alerts) {
        return [];
    }
    const problems: ConfigProblem[] = [];
    for (const key of ["resourceGroupName", "location"] as const) {
        if (!alerts[key] && !config.azure?.[key]) {
            problems.push({
                path: ["alerts", key],
                message: "is not set, nor is azure." + key,
                fix: `set alerts.${key} (the workspace's)`,
            });
        }
    }
    if (!alerts.clusterName && !clusterKnown) {
        problems.push({
            path: ["alerts", "clusterName"],
            message: "is not set, and this stack neither creates nor reads the cluster",
            fix: "set alerts.clusterName to the AKS cluster's name",
        });
    }
    const component = keyVaultSecretsAlertsProblems({ ...alerts, resourceGroupName: "", location: "", clusterName: "" });
    return [
        ...problems,
        ...component.map((problem) => ({
            path: ["alerts", ...problem.where.split(".")],
            message: problem.message,
            fix: problem.fix,
        })),
    ];
}

/** The alerts of `config.alerts`, or undefined; throws StackConfigError listing every problem. */
export function declareAlerts(
    config: StackConfig,
    clusterName: pulumi.Input<string> | undefined,
    kubernetes: k8s.Provider | undefined,
): KeyVaultSecretsAlerts | undefined {
    const alerts = config.alerts;
    if (!alerts) {
        return undefined;
    }
    const problems = alertsConfigProblems(config, clusterName !== undefined);
    if (problems.length > 0) {
        throw new StackConfigError(problems);
    }
    return new KeyVaultSecretsAlerts(
        "alerts",
        {
            azureMonitorWorkspaceId: alerts.azureMonitorWorkspaceId,
            actionGroupId: alerts.actionGroupId,
            resourceGroupName: alerts.resourceGroupName ?? config.azure?.resourceGroupName ?? "",
            location: alerts.location ?? config.azure?.location ?? "",
            clusterName: alerts.clusterName ?? clusterName ?? "", // each set: checked above
            evaluationInterval: alerts.evaluationInterval,
            declareScrapeConfig: alerts.declareScrapeConfig,
            rules: alerts.rules,
        },
        kubernetes ? { providers: { kubernetes } } : undefined,
    );
}
