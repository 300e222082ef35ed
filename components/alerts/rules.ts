/**
 * The alert rules as data, and what they render to: Azure Monitor's PrometheusRuleGroup rules, a promtool rules file
 * (the same expressions, for promtool's unit tests) and the managed Prometheus scrape jobs. Pure functions only.
 */
import { stringify } from "yaml";
import { Problem } from "../shared/validation";
import { ADDON_POD_APP_LABELS, DRIVER_METRICS, METRICS_PORTS, PROVIDER_METRICS, THROTTLED_ERROR_REGEX } from "./metrics";

/** The four alerts, by key. */
export const ALERT_KEYS = ["mountErrors", "rotationErrors", "keyVaultErrors", "keyVaultThrottling"] as const;
/** The key of one alert in `KeyVaultSecretsAlertsArgs.rules`. */
export type AlertKey = (typeof ALERT_KEYS)[number];

/** Settings of one alert rule; every field has a default (`DEFAULT_ALERT_SETTINGS`). */
export interface AlertRuleSettings {
    /** Declare the rule at all; default true. */
    enabled?: boolean;
    /** The alert fires when the count over `window` is above this; default 0 (any). */
    threshold?: number;
    /** Prometheus duration (`5m`, `1h`) over which the counter's increase is taken. */
    window?: string;
    /** Prometheus duration the condition must hold before the alert fires (`0m`: at once). */
    for?: string;
    /** Azure Monitor severity, 0 (critical) to 4 (verbose). */
    severity?: number;
}

/** A rule's settings with every default filled in. */
export type ResolvedAlertSettings = Required<AlertRuleSettings>;

/** Defaults: any error over a window long enough to hold two scrapes (managed Prometheus scrapes every 30 s). */
export const DEFAULT_ALERT_SETTINGS: Readonly<Record<AlertKey, ResolvedAlertSettings>> = {
    mountErrors: { enabled: true, threshold: 0, window: "5m", for: "5m", severity: 2 },
    rotationErrors: { enabled: true, threshold: 0, window: "15m", for: "10m", severity: 3 },
    keyVaultErrors: { enabled: true, threshold: 0, window: "5m", for: "10m", severity: 3 },
    keyVaultThrottling: { enabled: true, threshold: 0, window: "5m", for: "5m", severity: 2 },
};

/** One alert rule, ready to render. */
export interface AlertRule {
    /** Which alert of `KeyVaultSecretsAlertsArgs.rules` it is. */
    key: AlertKey;
    /** Alert name. */
    alert: string;
    /** PromQL expression. */
    expr: string;
    /** Prometheus duration the expression must hold before the alert fires. */
    for: string;
    /** Azure Monitor severity, 0 (critical) to 4 (verbose); the promtool file's `severity` label. */
    severity: number;
    /** One-line annotation. */
    summary: string;
    /** Annotation with the fault's labels (`{{ $labels.x }}` templates) and where to look. */
    description: string;
}

const DURATION = /^([1-9][0-9]*|0)(s|m|h)$/;

/** Problems with the rules' settings, at `where`.<key>.<field>. */
export function alertSettingsProblems(where: string, settings: Partial<Record<AlertKey, AlertRuleSettings>> | undefined): Problem[] {
    const problems: Problem[] = [];
    for (const [key, value] of Object.entries(settings ?? {})) {
        if (!(ALERT_KEYS as readonly string[]).includes(key)) {
            problems.push({
                where: `${where}.${key}`,
                message: "is not an alert of this component",
                fix: `use one of ${ALERT_KEYS.join(", ")}`,
            });
            continue;
        }
        if (value === undefined) {
            continue;
        }
        for (const field of ["window", "for"] as const) {
            const duration = value[field];
            if (duration !== undefined && !DURATION.test(duration)) {
                problems.push({
                    where: `${where}.${key}.${field}`,
                    message: `"${duration}" is not a duration of one unit`,
                    fix: 'write a whole number of seconds, minutes or hours, e.g. "5m" or "1h"',
                });
            }
        }
        if (value.window !== undefined && DURATION.test(value.window) && durationSeconds(value.window) < 60) {
            problems.push({
                where: `${where}.${key}.window`,
                message: `"${value.window}" holds fewer than two of managed Prometheus's 30 s scrapes, so increase() sees nothing`,
                fix: 'use at least "1m"',
            });
        }
        if (value.for !== undefined && DURATION.test(value.for) && durationSeconds(value.for) > 24 * 3600) {
            problems.push({ where: `${where}.${key}.for`, message: `"${value.for}" is more than a day`, fix: "use at most 24h" });
        }
        if (value.severity !== undefined && !(Number.isInteger(value.severity) && value.severity >= 0 && value.severity <= 4)) {
            problems.push({
                where: `${where}.${key}.severity`,
                message: `${value.severity} is not an Azure Monitor severity`,
                fix: "use a whole number from 0 (critical) to 4 (verbose)",
            });
        }
        if (value.threshold !== undefined && !(Number.isFinite(value.threshold) && value.threshold >= 0)) {
            problems.push({
                where: `${where}.${key}.threshold`,
                message: `${value.threshold} is not a count`,
                fix: "use a number 0 or above",
            });
        }
    }
    return problems;
}

/** Seconds of a one-unit Prometheus duration (`90s`, `5m`, `1h`); call only on a valid one. */
export function durationSeconds(duration: string): number {
    const match = DURATION.exec(duration);
    if (!match) {
        throw new Error(`not a duration: ${duration}`);
    }
    return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] as "s" | "m" | "h"];
}

/** ISO 8601 duration (what Azure Monitor's `for` takes) of a one-unit Prometheus duration: `5m` -> `PT5M`. */
export function isoDuration(duration: string): string {
    const seconds = durationSeconds(duration);
    if (seconds % 3600 === 0 && seconds > 0) {
        return `PT${seconds / 3600}H`;
    }
    return seconds % 60 === 0 ? `PT${seconds / 60}M` : `PT${seconds}S`;
}

/** Every rule's settings with the defaults filled in. */
export function resolveAlertSettings(
    settings: Partial<Record<AlertKey, AlertRuleSettings>> | undefined,
): Record<AlertKey, ResolvedAlertSettings> {
    const out = {} as Record<AlertKey, ResolvedAlertSettings>;
    for (const key of ALERT_KEYS) {
        const given = settings?.[key] ?? {};
        const defaults = DEFAULT_ALERT_SETTINGS[key];
        out[key] = {
            enabled: given.enabled ?? defaults.enabled,
            threshold: given.threshold ?? defaults.threshold,
            window: given.window ?? defaults.window,
            for: given.for ?? defaults.for,
            severity: given.severity ?? defaults.severity,
        };
    }
    return out;
}

/**
 * The enabled rules. `cluster` is the label managed Prometheus puts on every series; grouping by it names the cluster
 * when one workspace holds several (absent labels group as one, so the expressions work on a plain Prometheus too).
 */
export function alertRules(settings: Partial<Record<AlertKey, AlertRuleSettings>> | undefined): AlertRule[] {
    const resolved = resolveAlertSettings(settings);
    const increase = (metric: string, selector: string, window: string) => `increase(${metric}${selector}[${window}])`;
    const rules: Record<AlertKey, (s: ResolvedAlertSettings) => Omit<AlertRule, "key" | "for" | "severity">> = {
        mountErrors: (s) => ({
            alert: "SecretsStoreMountErrors",
            expr: `sum by (cluster, error_type) (${increase(DRIVER_METRICS.nodePublishError.name, "", s.window)}) > ${s.threshold}`,
            summary: "Secrets Store CSI volumes fail to mount",
            description: `More than ${s.threshold} failed NodePublishVolume calls ({{ $labels.error_type }}) in ${s.window}: pods wait in ContainerCreating. \`kubectl get events -A --field-selector reason=FailedMount\` shows the provider's error.`,
        }),
        rotationErrors: (s) => ({
            alert: "SecretsStoreRotationErrors",
            expr: `sum by (cluster, error_type) (${increase(DRIVER_METRICS.rotationReconcileError.name, "", s.window)}) > ${s.threshold}`,
            summary: "Secrets Store CSI rotation fails",
            description: `More than ${s.threshold} failed rotation reconciles ({{ $labels.error_type }}) in ${s.window}: mounted files and synced Secrets keep old values.`,
        }),
        keyVaultErrors: (s) => ({
            alert: "KeyVaultReadErrors",
            expr: `sum by (cluster, object_type, object_name) (${increase(PROVIDER_METRICS.keyVaultRequestCount.name, '{error!=""}', s.window)}) > ${s.threshold}`,
            summary: "The Azure provider's Key Vault reads fail",
            description: `More than ${s.threshold} failed reads of {{ $labels.object_type }} {{ $labels.object_name }} in ${s.window} (a missing role, a missing object, a network path).`,
        }),
        keyVaultThrottling: (s) => ({
            alert: "KeyVaultThrottled",
            expr: `sum by (cluster) (${increase(PROVIDER_METRICS.keyVaultRequestCount.name, `{error=~${JSON.stringify(THROTTLED_ERROR_REGEX)}}`, s.window)}) > ${s.threshold}`,
            summary: "Key Vault throttles the Azure provider (429)",
            description: `More than ${s.threshold} Key Vault reads answered 429 in ${s.window}: mounts and rotations wait. Fewer pods per vault, a longer rotation poll interval or more vaults lower the rate.`,
        }),
    };
    return ALERT_KEYS.filter((key) => resolved[key].enabled).map((key) => ({
        key,
        ...rules[key](resolved[key]),
        for: resolved[key].for,
        severity: resolved[key].severity,
    }));
}

/** The rules as a Prometheus rules file, one group: what `promtool check rules` and `promtool test rules` read. */
export function promtoolRulesFile(rules: readonly AlertRule[], groupName = "aks-keyvault-secrets"): string {
    return stringify({
        groups: [
            {
                name: groupName,
                rules: rules.map((rule) => ({
                    alert: rule.alert,
                    expr: rule.expr,
                    for: rule.for,
                    labels: { severity: String(rule.severity) },
                    annotations: { summary: rule.summary, description: rule.description },
                })),
            },
        ],
    });
}

/** One kube-system pod scrape job for managed Prometheus: the addon DaemonSet's pods, at the metrics port. */
function podScrapeJob(jobName: string, appLabel: string, port: number): Record<string, unknown> {
    return {
        job_name: jobName,
        scrape_interval: "30s",
        kubernetes_sd_configs: [{ role: "pod", namespaces: { names: ["kube-system"] } }],
        relabel_configs: [
            { source_labels: ["__meta_kubernetes_pod_label_app"], action: "keep", regex: appLabel },
            { source_labels: ["__meta_kubernetes_pod_ip"], action: "replace", target_label: "__address__", replacement: `$1:${port}` },
            { source_labels: ["__meta_kubernetes_pod_node_name"], action: "replace", target_label: "node" },
            { source_labels: ["__meta_kubernetes_pod_name"], action: "replace", target_label: "pod" },
        ],
    };
}

/**
 * The `prometheus-config` of the `ama-metrics-prometheus-config` ConfigMap: managed Prometheus's default targets do
 * not include the addon, so two custom jobs scrape its driver and provider pods (docs/alerts.md).
 */
export function scrapeConfigYaml(): string {
    return stringify({
        scrape_configs: [
            podScrapeJob("secrets-store-csi-driver", ADDON_POD_APP_LABELS.driver, METRICS_PORTS.driver),
            podScrapeJob("secrets-store-provider-azure", ADDON_POD_APP_LABELS.provider, METRICS_PORTS.provider),
        ],
    });
}
