/**
 * The Prometheus metrics the alert rules read: the one place their names and labels are written. Read in the
 * upstream code of both version lanes (localenv/versions.json) and checked against the real driver's and provider's
 * `/metrics` by tests/e2e/alerts.test.ts; docs/alerts.md shows them per lane.
 *
 * Both export through OpenTelemetry's Prometheus exporter, which appends `_total` to a counter's name and
 * `_bucket`/`_sum`/`_count` to a histogram's, turns dots in attribute names into underscores, and (driver only, from
 * exporter v0.38.1 on) adds `otel_scope_name`/`otel_scope_version` labels. No instrument has a unit, so no unit suffix.
 */

/** A metric as Prometheus sees it: its exported name and the labels the rules use or group by. */
export interface ExportedMetric {
    /** Name as scraped (after the exporter's suffixes). */
    name: string;
    /** The instrument's name in the source, before the exporter's suffix. */
    instrument: string;
    /** Who exports it. */
    exporter: "driver" | "provider";
    /** Labels (attributes) it carries, as scraped. */
    labels: readonly string[];
    /** What it counts, and in which lanes it moves. */
    meaning: string;
}

/**
 * The Secrets Store CSI driver's metrics, identical in v1.5.4 (`pkg/secrets-store/stats_reporter.go`,
 * `pkg/rotation/stats_reporter.go`, exporter v0.38.1) and v1.6.0 (one `pkg/secrets-store/stats_reporter.go`,
 * exporter v0.60.0), served on the driver's `--metrics-addr` (default `:8095`, controller-runtime's registry).
 */
export const DRIVER_METRICS = {
    nodePublish: {
        name: "node_publish_total",
        instrument: "node_publish",
        exporter: "driver",
        labels: ["provider", "os_type"],
        meaning: "NodePublishVolume calls that succeeded (a mount; on v1.6.0 also each kubelet republish)",
    },
    nodePublishError: {
        name: "node_publish_error_total",
        instrument: "node_publish_error",
        exporter: "driver",
        labels: ["provider", "error_type", "os_type"],
        meaning: "NodePublishVolume calls that failed; error_type is the driver's reason (e.g. ProviderError, SecretProviderClassNotFound)",
    },
    nodeUnpublishError: {
        name: "node_unpublish_error_total",
        instrument: "node_unpublish_error",
        exporter: "driver",
        labels: ["os_type"],
        meaning: "NodeUnpublishVolume calls that failed",
    },
    rotationReconcile: {
        name: "rotation_reconcile_total",
        instrument: "rotation_reconcile",
        exporter: "driver",
        labels: ["provider", "os_type", "rotated"],
        meaning:
            "rotation reconciles of one pod's volume (v1.5.4's rotation reconciler; v1.6.0 registers it but rotates through republish)",
    },
    rotationReconcileError: {
        name: "rotation_reconcile_error_total",
        instrument: "rotation_reconcile_error",
        exporter: "driver",
        labels: ["provider", "error_type", "os_type", "rotated"],
        meaning: "rotation reconciles that failed (v1.5.4); on v1.6.0 a failed re-fetch is a failed republish, node_publish_error_total",
    },
    syncK8sSecret: {
        name: "sync_k8s_secret_total",
        instrument: "sync_k8s_secret",
        exporter: "driver",
        labels: ["provider", "os_type"],
        meaning: "synced Kubernetes Secrets created or updated",
    },
} as const satisfies Record<string, ExportedMetric>;

/**
 * The Azure provider's metrics: one histogram per Key Vault read, in v1.7.2 (OpenTelemetry v0.20's
 * `exporters/metric/prometheus`) and v1.8.2 (exporter v0.65.0), served on `--prometheus-port` (default 8898, all
 * interfaces). There is no status-code label: `error` holds the whole error text, empty on success.
 */
export const PROVIDER_METRICS = {
    keyVaultRequestCount: {
        name: "keyvault_request_count",
        instrument: "keyvault_request",
        exporter: "provider",
        labels: ["service_name", "provider", "os_type", "object_type", "object_name", "error"],
        meaning: "Key Vault reads (one per object and version a mount fetches), from the keyvault_request duration histogram",
    },
    grpcRequestCount: {
        name: "grpc_request_count",
        instrument: "grpc_request",
        exporter: "provider",
        labels: ["service_name", "provider", "os_type", "grpc_method", "grpc_code", "grpc_message"],
        meaning: "the driver's gRPC calls to the provider (Mount, Version), from the grpc_request duration histogram",
    },
} as const satisfies Record<string, ExportedMetric>;

/**
 * What throttling looks like in the provider's `error` label: Key Vault answers 429, and the Azure SDK's error text
 * carries `429` and `Too Many Requests` (a PromQL regex, anchored by Prometheus; `(?s)` lets `.` cross newlines).
 */
export const THROTTLED_ERROR_REGEX = "(?s).*(429|Too Many Requests).*";

/** Where the AKS addon's pods serve these metrics (the upstream charts' flags, which the addon keeps). */
export const METRICS_PORTS = { driver: 8095, provider: 8898 } as const;

/** The `app` labels of the addon's DaemonSet pods in kube-system (as the upstream charts set them). */
export const ADDON_POD_APP_LABELS = { driver: "secrets-store-csi-driver", provider: "secrets-store-provider-azure" } as const;
