import { expect } from "chai";
import * as fc from "fast-check";
import {
    KEY_VAULT_REQUESTS_PER_10S,
    requestBudget,
    requestsPerMount,
    secretSyncCandidates,
} from "../../components/key-vault/request-budget";
import { requestBudgetWarning } from "../../program/warnings";

describe("Key Vault request budget", () => {
    it("counts one GET per object, and a version list plus N + 1 GETs with objectVersionHistory N > 1 (as the Azure provider reads them)", () => {
        expect(requestsPerMount([])).to.equal(0);
        expect(requestsPerMount([{}, { objectVersionHistory: 0 }, { objectVersionHistory: 1 }])).to.equal(3);
        expect(requestsPerMount([{ objectVersionHistory: 2 }])).to.equal(4);
        expect(requestsPerMount([{ objectVersionHistory: 5 }, {}])).to.equal(8);
    });

    it("is additive over objects and never below one request per object", () => {
        const object = fc.record({ objectVersionHistory: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }) });
        fc.assert(
            fc.property(fc.array(object, { maxLength: 20 }), fc.array(object, { maxLength: 20 }), (a, b) => {
                expect(requestsPerMount([...a, ...b])).to.equal(requestsPerMount(a) + requestsPerMount(b));
                expect(requestsPerMount(a)).to.be.at.least(a.length);
            }),
            { seed: 20251201 },
        );
    });

    it("spreads rotation polls over the poll interval; a full rollout mounts every pod at once", () => {
        const budget = requestBudget(
            [
                { app: "small", pods: 2, requestsPerMount: 3 },
                { app: "big", pods: 10, requestsPerMount: 12 },
            ],
            120,
        );
        expect(budget.fullRollout).to.equal(126);
        expect(budget.steadyPer10s).to.equal(10.5);
        expect(budget.largest.map((load) => load.app)).to.deep.equal(["big", "small"]);
        expect(requestBudget([{ app: "a", pods: 1, requestsPerMount: 1 }], undefined).steadyPer10s).to.equal(0);
    });

    it("warns from half the limit at steady state, or above it on a full rollout, with the numbers and what to change", () => {
        const poll = { interval: "10s", seconds: 10 };
        expect(requestBudgetWarning('Key Vault "kv"', [{ app: "a", pods: 1999, requestsPerMount: 1 }], poll)).to.equal(undefined);
        expect(requestBudgetWarning('Key Vault "kv"', [{ app: "a", pods: 1000, requestsPerMount: 4 }], undefined)).to.equal(undefined);
        expect(
            requestBudgetWarning(
                'Key Vault "kv"',
                [
                    { app: "orders", pods: 40, requestsPerMount: 50 },
                    { app: "web", pods: 3, requestsPerMount: 2 },
                ],
                poll,
            ),
        ).to.equal(
            'Key Vault "kv": this stack\'s pods make about 2006 requests per 10 s from rotation polls every 10s, and 2006 when every pod mounts at once ' +
                "(a rollout of every app, a cluster upgrade); Key Vault allows 4000 per 10 s per vault (https://learn.microsoft.com/azure/key-vault/general/service-limits), " +
                "and throttled mounts fail with 429 and retry. Largest (pods x requests per mount): orders 40 pods x 50, web 3 pods x 2. " +
                "Raise cluster.secretRotation.pollInterval, mount fewer objects or a lower objectVersionHistory per pod, or split the apps over more vaults.",
        );
        expect(
            requestBudgetWarning(
                "The Key Vault of platform stack org/p/dev",
                [{ app: "a", pods: 1, requestsPerMount: KEY_VAULT_REQUESTS_PER_10S + 1 }],
                undefined,
            ),
        ).to.match(
            /^The Key Vault of platform stack org\/p\/dev: this stack's pods make 4001 requests when every pod mounts at once \(a rollout of every app, a cluster upgrade\) \(rotation polls not counted: this stack does not set the cluster's poll interval\); Key Vault allows 4000/,
        );
    });

    it("counts SecretSync apps per SecretSync per controller poll, not per pod, and their pods only when they mount files", () => {
        const loads = [
            { app: "mounting", pods: 4, requestsPerMount: 3 },
            { app: "synced", pods: 50, requestsPerMount: 3, syncMechanism: "secretSync" as const, syncedSecrets: 2 },
            { app: "both", pods: 5, requestsPerMount: 2, syncMechanism: "secretSync" as const, mountFiles: true, syncedSecrets: 1 },
        ];
        const budget = requestBudget(loads, 60);
        // Pods that mount: 4 x 3 + 5 x 2 = 22, spread over 60 s; SecretSyncs: 2 x 3 + 1 x 2 = 8 per controller poll.
        expect(budget.steadyPer10s).to.be.closeTo(22 / 6, 1e-9);
        expect(budget.controllerPoll).to.equal(8);
        expect(budget.fullRollout).to.equal(30);
        expect(budget.largest.map((load) => load.app)).to.deep.equal(["both", "mounting", "synced"]);
    });

    it("with SecretSync, the cost no longer grows with replicas (property)", () => {
        fc.assert(
            fc.property(
                fc.integer({ min: 0, max: 1000 }),
                fc.integer({ min: 1, max: 20 }),
                fc.integer({ min: 1, max: 50 }),
                (pods, secrets, perMount) => {
                    const synced = requestBudget(
                        [{ app: "a", pods, requestsPerMount: perMount, syncMechanism: "secretSync", syncedSecrets: secrets }],
                        120,
                    );
                    expect(synced.fullRollout).to.equal(secrets * perMount);
                    expect(synced.steadyPer10s).to.equal(0);
                    const mounted = requestBudget([{ app: "a", pods, requestsPerMount: perMount, syncedSecrets: secrets }], 120);
                    expect(mounted.fullRollout).to.equal(pods * perMount);
                    expect(secretSyncCandidates([{ app: "a", pods, requestsPerMount: perMount, syncedSecrets: secrets }]).length).to.equal(
                        pods > secrets ? 1 : 0,
                    );
                },
            ),
            { seed: 20261202 },
        );
    });

    it("advises SecretSync for the largest apps it would help, and counts SecretSync apps in the warning", () => {
        const poll = { interval: "30s", seconds: 30 };
        expect(
            requestBudgetWarning(
                'Key Vault "kv"',
                [
                    { app: "orders", pods: 60, requestsPerMount: 80, syncedSecrets: 2 },
                    { app: "files", pods: 10, requestsPerMount: 10 },
                ],
                poll,
            ),
        ).to.equal(
            'Key Vault "kv": this stack\'s pods make about 1633 requests per 10 s from rotation polls every 30s, and 4900 when every pod mounts at once ' +
                "(a rollout of every app, a cluster upgrade); Key Vault allows 4000 per 10 s per vault (https://learn.microsoft.com/azure/key-vault/general/service-limits), " +
                "and throttled mounts fail with 429 and retry. Largest (pods x requests per mount): orders 60 pods x 80, files 10 pods x 10. " +
                "Raise cluster.secretRotation.pollInterval, mount fewer objects or a lower objectVersionHistory per pod, or split the apps over more vaults, " +
                "or, for apps whose pods read only env vars from synced Secrets (orders), set syncMechanism: secretSync " +
                "(experimental; one provider call per Secret per controller poll instead of one per pod per rotation poll).",
        );
        // The same app on SecretSync: 2 x 80 per controller poll, far below the limit.
        expect(
            requestBudgetWarning(
                'Key Vault "kv"',
                [{ app: "orders", pods: 60, requestsPerMount: 80, syncMechanism: "secretSync", syncedSecrets: 2 }],
                poll,
            ),
        ).to.equal(undefined);
        expect(
            requestBudgetWarning(
                'Key Vault "kv"',
                [
                    { app: "notifier", pods: 3, requestsPerMount: 100, syncMechanism: "secretSync", syncedSecrets: 30 },
                    { app: "web", pods: 2, requestsPerMount: 600, syncMechanism: "secretSync", mountFiles: true, syncedSecrets: 1 },
                ],
                undefined,
            ),
        ).to.equal(
            'Key Vault "kv": this stack\'s apps make 4800 requests when every pod mounts and every SecretSync syncs at once (a rollout of every app, a cluster upgrade) ' +
                "(rotation polls not counted: this stack does not set the cluster's poll interval), of which 3600 at each poll of the secrets-store-sync-controller " +
                "(every SecretSync at once, every 12h by default); Key Vault allows 4000 per 10 s per vault (https://learn.microsoft.com/azure/key-vault/general/service-limits), " +
                "and throttled mounts fail with 429 and retry. Largest (pods and SecretSyncs x requests per mount): notifier 30 SecretSyncs x 100, web 2 pods + 1 SecretSync x 600. " +
                "Raise cluster.secretRotation.pollInterval, mount fewer objects or a lower objectVersionHistory per pod, or split the apps over more vaults.",
        );
    });
});
