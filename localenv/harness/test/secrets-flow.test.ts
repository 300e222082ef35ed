import { expect } from "chai";
import * as fc from "fast-check";
import { ApplicationConfig, IDENTITY_BINDING_PROVIDER_VERSION, parseStackConfig } from "../../../program/entry";
import { FEDERATION_AUDIENCE, keyVaultSeedPlan } from "../key-vault-seed";
import {
    deliveryProblems,
    lastProbeReport,
    mountRequests,
    podState,
    probeHash,
    ProbeReport,
    StandInRequest,
    SyncedSecretState,
} from "../secrets-flow";
import { localConfigWithServicePrincipal, localStackConfig } from "../stack";

const ISSUER = "https://kubernetes.default.svc.cluster.local";

describe("local node: the Key Vault stand-in's seed plan", () => {
    const config = parseStackConfig(localConfigWithServicePrincipal());
    const plan = keyVaultSeedPlan(config, ISSUER);

    it("holds every object the local apps mount, once, with the versions they read and values their synced Secrets accept", () => {
        const byName = Object.fromEntries(plan.objects.map((object) => [`${object.kind}/${object.name}`, object]));
        expect(plan.vault).to.equal("kv-local-demo");
        expect(byName["certificate/signing-root-ca"]).to.deep.include({ versions: 2, value: "certificate" });
        expect(byName["key/signing-key"]).to.deep.include({ versions: 1, value: "rsa" });
        expect(byName["secret/payments-tls"]).to.deep.include({ value: "tls" });
        expect(byName["secret/orders-registry-credentials"]).to.deep.include({ value: "dockerconfig" });
        expect(byName["secret/orders-db-password"]).to.deep.include({ versions: 1, value: "random" });
        const mounted = new Set(config.applications.flatMap((app) => app.objects.map((object) => object.objectName)));
        expect(plan.objects.map((object) => object.name).sort()).to.deep.equal([...mounted].sort());
    });

    it("lets each identity the apps read with read the vault: the addon identity, the program's federated subjects, a service principal", () => {
        expect(plan.identities).to.deep.include({
            mode: "managedIdentity",
            clientId: "3b1d7f0e-5a2c-4e8b-9d6f-1a2b3c4d5e6f",
            apps: ["orders-api", "signing"],
        });
        expect(plan.identities).to.deep.include({
            mode: "federated",
            clientId: "6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
            issuer: ISSUER,
            subject: "system:serviceaccount:payments:payments",
            audience: FEDERATION_AUDIENCE,
            apps: ["payments"],
        });
        expect(plan.identities).to.deep.include({
            mode: "servicePrincipal",
            namespace: "reports",
            secretName: "reports-keyvault-credentials",
            apps: ["reports"],
        });
        expect(plan.skipped).to.deep.equal([]);
    });

    it("federates the ServiceAccount the program creates (serviceAccountName when given), and says which apps it cannot serve", () => {
        const apps = [
            {
                name: "a",
                namespace: "n",
                serviceAccountName: "shared",
                identity: { mode: "workloadIdentity", clientId: "0d9e8f7a-6b5c-4d3e-9f2a-1b0c9d8e7f6a" },
                objects: [{ objectName: "x", objectType: "secret" }],
            },
            {
                name: "b",
                namespace: "n",
                identity: { mode: "identityBinding", clientId: "0d9e8f7a-6b5c-4d3e-9f2a-1b0c9d8e7f6b" },
                objects: [{ objectName: "y", objectType: "secret" }],
            },
        ];
        // A cluster whose provider reads identity binding (v1.8.1 or later), as the local node's does, so the config is valid.
        const local = localStackConfig();
        const other = keyVaultSeedPlan(
            parseStackConfig({
                ...local,
                cluster: { ...local.cluster, keyVaultProvider: { version: IDENTITY_BINDING_PROVIDER_VERSION } },
                applications: apps,
            }),
            ISSUER,
        );
        expect(other.identities.map((identity) => identity.mode === "federated" && identity.subject)).to.deep.equal([
            "system:serviceaccount:n:shared",
        ]);
        expect(other.skipped.map((entry) => entry.app)).to.deep.equal(["b"]);
        expect(other.objects.map((object) => object.name)).to.deep.equal(["x"]);
        expect(other.skipped[0].reason).to.contain("token proxy");
    });
});

describe("local node: what reached the pods", () => {
    const hash = (text: string) => probeHash(text);

    it("reads the probe's last report, whatever else the log holds", () => {
        const report = fc.record({
            files: fc.option(fc.dictionary(fc.string({ minLength: 1 }), fc.string()), { nil: null }),
            env: fc.dictionary(fc.string({ minLength: 1 }), fc.string()),
        });
        fc.assert(
            fc.property(
                fc.array(
                    fc.oneof(
                        report.map((value) => ({ report: value })),
                        fc.string().map((noise) => ({ noise: noise.replace(/\n/g, " ") })),
                    ),
                ),
                (entries) => {
                    const log = entries
                        .map((entry) => ("report" in entry ? `akv-probe ${JSON.stringify(entry.report)}` : `x${entry.noise}`))
                        .join("\n");
                    const reports = entries.filter((entry): entry is { report: ProbeReport } => "report" in entry);
                    expect(lastProbeReport(log)).to.deep.equal(reports.length > 0 ? reports[reports.length - 1].report : undefined);
                },
            ),
        );
    });

    it("hashes like the probe: sha256, the first 16 hex digits", () => {
        expect(probeHash("abc")).to.equal("sha256:ba7816bf8f01cfea");
    });

    const app = parseStackConfig(localStackConfig()).applications.find((entry) => entry.name === "orders-api") as ApplicationConfig;
    const consistent = (): { report: ProbeReport; secrets: SyncedSecretState[] } => ({
        report: { files: { "orders-db-password": hash("p"), "api-key": hash("k") }, env: { DB_PASSWORD: hash("p"), API_KEY: hash("k") } },
        secrets: [
            { name: "orders-api-keyvault", keys: ["api-key", "db-password"], hashes: { "db-password": hash("p"), "api-key": hash("k") } },
        ],
    });

    it("finds nothing wrong when files, the synced Secret and env vars agree", () => {
        const { report, secrets } = consistent();
        expect(deliveryProblems(app, report, secrets)).to.deep.equal([]);
    });

    it("names each disagreement: a missing file, an unsynced Secret, a Secret key that differs from its file, an unset or stale env var", () => {
        const missingFile = consistent();
        delete missingFile.report.files!["api-key"];
        expect(deliveryProblems(app, missingFile.report, missingFile.secrets)).to.deep.equal([
            "file api-key is not in the volume",
            "Secret orders-api-keyvault key api-key differs from file api-key",
        ]);

        const stale = consistent();
        stale.report.env.DB_PASSWORD = hash("old");
        expect(deliveryProblems(app, stale.report, stale.secrets)).to.deep.equal([
            "env DB_PASSWORD differs from Secret orders-api-keyvault key db-password",
        ]);

        const differs = consistent();
        differs.secrets[0].hashes!["api-key"] = hash("other");
        expect(deliveryProblems(app, differs.report, differs.secrets)).to.deep.equal([
            "Secret orders-api-keyvault key api-key differs from file api-key",
            "env API_KEY differs from Secret orders-api-keyvault key api-key",
        ]);

        const unset = consistent();
        delete unset.report.env.API_KEY;
        expect(deliveryProblems(app, unset.report, unset.secrets)).to.deep.equal(["env API_KEY is not set"]);

        expect(deliveryProblems(app, consistent().report, [{ name: "orders-api-keyvault" }])).to.deep.equal([
            "Secret orders-api-keyvault was not synced",
        ]);
        expect(deliveryProblems(app, undefined, [])).to.deep.equal(["the probe printed no report"]);
    });

    it("reads a pod's readiness, its time to Ready and why it waits", () => {
        expect(
            podState({
                metadata: { name: "p", creationTimestamp: "2026-12-02T05:00:00Z" },
                status: { conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2026-12-02T05:00:07Z" }] },
            }),
        ).to.deep.equal({ name: "p", ready: true, secondsToReady: 7 });
        expect(
            podState({
                metadata: { name: "q", creationTimestamp: "2026-12-02T05:00:00Z" },
                status: {
                    conditions: [{ type: "Ready", status: "False" }],
                    containerStatuses: [{ state: { waiting: { reason: "CreateContainerConfigError", message: 'secret "s" not found' } } }],
                },
            }),
        ).to.deep.equal({ name: "q", ready: false, waiting: 'CreateContainerConfigError: secret "s" not found' });
    });

    it("holds a SecretSync app to its Secrets like any other (the node runs a sync controller stand-in): env from them, no volume", () => {
        const notifier = parseStackConfig(localStackConfig()).applications.find(
            (entry) => entry.name === "orders-notifier",
        ) as ApplicationConfig;
        const report: ProbeReport = { files: null, env: { SMTP_PASSWORD: hash("s") } };
        const secrets: SyncedSecretState[] = [
            { name: "orders-notifier-smtp", keys: ["smtp-password"], hashes: { "smtp-password": hash("s") } },
            { name: "orders-notifier-registry", keys: [".dockerconfigjson"], hashes: { ".dockerconfigjson": hash("d") } },
        ];
        expect(deliveryProblems(notifier, report, secrets)).to.deep.equal([]);
        expect(deliveryProblems(notifier, report, [secrets[0], { name: "orders-notifier-registry" }])).to.deep.equal([
            "Secret orders-notifier-registry was not synced",
        ]);
    });
});

describe("local node: the stand-in's requests per Mount", () => {
    const at = (ms: number) => new Date(Date.UTC(2026, 11, 2) + ms).toISOString();
    const read = (ms: number, object: string, status = 200, vault = "kv", clientId = "me"): StandInRequest => ({
        time: at(ms),
        service: "keyvault",
        method: "GET",
        host: `${vault}.vault.azure.net`,
        vault,
        object,
        status,
        ...(status === 401 ? {} : { clientId }),
    });
    const token = (ms: number, clientId: string, service = "entra"): StandInRequest => ({
        time: at(ms),
        service,
        method: "POST",
        host: "login.microsoftonline.com",
        clientId,
        status: 200,
    });

    it("splits the log into Mounts, counts reads, challenges and the app identity's token requests, and ignores other apps, vaults and (given a client ID) identities", () => {
        const log = [
            read(0, "a", 401),
            token(5, "me"),
            token(6, "other"),
            read(10, "a"),
            read(20, "b"),
            read(25, "x"),
            read(30, "a", 200, "other-vault"),
            read(12_000, "a"),
            read(12_010, "b"),
            token(12_005, "me", "imds"),
            read(30_000, "a", 403, "kv", "stranger"),
        ];
        expect(mountRequests(log, "kv", new Set(["a", "b"]), "me")).to.deep.equal([
            { keyVault: 2, challenges: 1, tokens: 1 },
            { keyVault: 2, challenges: 0, tokens: 1 },
        ]);
        expect(mountRequests(log, "kv", new Set(["a", "b"]))).to.deep.equal([
            { keyVault: 2, challenges: 1, tokens: 0 },
            { keyVault: 2, challenges: 0, tokens: 0 },
            { keyVault: 1, challenges: 0, tokens: 0 },
        ]);
    });

    it("starts a new Mount at a request the burst already holds, however soon it follows (a retry or a rotation poll under load)", () => {
        fc.assert(
            fc.property(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 8 }), (sizes) => {
                const names = ["a", "b", "c"];
                let ms = 0;
                const log = sizes.flatMap((size) => Array.from({ length: size }, (_, index) => read((ms += 10), names[index])));
                expect(mountRequests(log, "kv", new Set(names)).map((mount) => mount.keyVault)).to.deep.equal(sizes);
            }),
        );
    });

    it("finds as many Mounts as bursts more than the gap apart, with every read in one", () => {
        fc.assert(
            fc.property(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 8 }), (sizes) => {
                const names = ["a", "b", "c", "d", "e", "f"];
                const log = sizes.flatMap((size, burst) =>
                    Array.from({ length: size }, (_, index) => read(burst * 10_000 + index * 50, names[index])),
                );
                expect(mountRequests(log, "kv", new Set(names)).map((mount) => mount.keyVault)).to.deep.equal(sizes);
            }),
        );
    });
});
