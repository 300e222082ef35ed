import { expect } from "chai";
import { DRIVER_METRICS, PROVIDER_METRICS } from "../../../components";
import { AlertTest, runPromtoolTests, seriesOf } from "../promtool";

// The alert rules of KeyVaultSecretsAlerts under promtool's rule unit tests: each rule fires on the series its fault
// leaves and stays quiet on a healthy node's (docs/alerts.md). Series at the 30 s of managed Prometheus's scrapes.
const linux = { provider: "azure", os_type: "linux" };
const driver = (name: keyof typeof DRIVER_METRICS, labels: Record<string, string> = {}) =>
    seriesOf(DRIVER_METRICS[name].name, { ...linux, ...labels });
const kvRequests = (error: string) =>
    seriesOf(PROVIDER_METRICS.keyVaultRequestCount.name, {
        ...linux,
        service_name: "csi-secrets-store-provider-azure",
        object_type: "secret",
        object_name: "db-password",
        error,
    });
const notFound =
    "failed to get secret objectName:db-password, objectVersion:, error: GET https://kv-local-demo.vault.azure.net/secrets/db-password/\n--------\nRESPONSE 404: 404 Not Found\nERROR CODE: SecretNotFound";
const throttled =
    "failed to get secret objectName:db-password, error: GET https://kv-local-demo.vault.azure.net/secrets/db-password/\n--------\nRESPONSE 429: 429 Too Many Requests";

const TESTS: AlertTest[] = [
    {
        name: "mount errors: a class whose object is missing fails every kubelet retry",
        input: [
            { series: driver("nodePublishError", { error_type: "ProviderError" }), values: "0+1x40" },
            { series: driver("nodePublish"), values: "5x40" },
        ],
        expect: [
            { evalTime: "3m", alert: "mountErrors", firing: [] }, // pending: for 5m
            { evalTime: "10m", alert: "mountErrors", firing: [{ error_type: "ProviderError" }] },
        ],
    },
    {
        name: "mount errors: old errors, then healthy mounts only",
        input: [
            { series: driver("nodePublishError", { error_type: "ProviderError" }), values: "3x40" },
            { series: driver("nodePublish"), values: "0+2x40" },
        ],
        expect: [{ evalTime: "15m", alert: "mountErrors", firing: [] }],
    },
    {
        name: "rotation errors: each poll of a pod fails",
        interval: "1m",
        input: [{ series: driver("rotationReconcileError", { error_type: "ProviderError", rotated: "false" }), values: "0+1x30" }],
        expect: [
            { evalTime: "5m", alert: "rotationErrors", firing: [] },
            { evalTime: "20m", alert: "rotationErrors", firing: [{ error_type: "ProviderError" }] },
        ],
    },
    {
        name: "rotation errors: reconciles succeed",
        interval: "1m",
        input: [
            { series: driver("rotationReconcile", { rotated: "true" }), values: "0+1x30" },
            { series: driver("rotationReconcileError", { error_type: "ProviderError", rotated: "false" }), values: "2x30" },
        ],
        expect: [{ evalTime: "20m", alert: "rotationErrors", firing: [] }],
    },
    {
        name: "Key Vault errors: the object is not in the vault",
        input: [
            { series: kvRequests(notFound), values: "0+1x40" },
            { series: kvRequests(""), values: "0+3x40" },
        ],
        expect: [
            { evalTime: "15m", alert: "keyVaultErrors", firing: [{ object_type: "secret", object_name: "db-password" }] },
            { evalTime: "15m", alert: "keyVaultThrottling", firing: [] }, // a 404 is no throttling
        ],
    },
    {
        name: "Key Vault errors and throttling: healthy reads only",
        input: [{ series: kvRequests(""), values: "0+3x40" }],
        expect: [
            { evalTime: "15m", alert: "keyVaultErrors", firing: [] },
            { evalTime: "15m", alert: "keyVaultThrottling", firing: [] },
        ],
    },
    {
        name: "throttling: Key Vault answers 429",
        input: [{ series: kvRequests(throttled), values: "0+2x40" }],
        expect: [
            { evalTime: "3m", alert: "keyVaultThrottling", firing: [] },
            { evalTime: "10m", alert: "keyVaultThrottling", firing: [{}] },
        ],
    },
];

describe("alert rules under promtool (KeyVaultSecretsAlerts)", function () {
    this.timeout(15 * 60 * 1000); // a cold build of promtool takes about 4 min

    it("every rule fires on its fault and not on a healthy node (default settings)", () => {
        const run = runPromtoolTests(TESTS);
        expect(run.status, run.output).to.equal(0);
    });

    it("a raised threshold keeps a single error quiet", () => {
        const run = runPromtoolTests(
            [
                {
                    name: "one failed mount under a threshold of 3",
                    input: [{ series: driver("nodePublishError", { error_type: "ProviderError" }), values: "0 1x40" }],
                    expect: [{ evalTime: "10m", alert: "mountErrors", firing: [] }],
                },
            ],
            { mountErrors: { threshold: 3 } },
        );
        expect(run.status, run.output).to.equal(0);
    });

    it("promtool fails a test whose expectation is wrong (the tests can fail)", () => {
        const run = runPromtoolTests([
            { ...TESTS[1], expect: [{ evalTime: "15m", alert: "mountErrors", firing: [{ error_type: "ProviderError" }] }] },
        ]);
        expect(run.status, run.output).to.not.equal(0);
    });
});
