/**
 * End to end on a real node: the local stack's pods start on a kubelet with containerd and runc, the real Secrets
 * Store CSI driver mounts their volumes through the real Azure provider, which fetches from our Key Vault and Entra
 * ID stand-in in each identity mode the project renders. What the pods see is read from the probe image's log
 * (names and hashes only). See docs/local-node.md.
 *
 * The node runs the driver and provider of one lane of localenv/versions.json: AKV_LANE (default: its default lane,
 * what the AKS addon ships), e.g. `AKV_LANE=upstream npx mocha --no-config -r ts-node/register/transpile-only
 * --extension ts --timeout 900000 tests/e2e/secrets-flow.test.ts`.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as YAML from "yaml";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import { parseStackConfig } from "../../program/config";
import { StackConfig } from "../../program/schema";
import { LocalEnvironment, LocalNode, startLocalEnvironment } from "../../localenv/harness/environment";
import { requestsPerMount } from "../../components/key-vault/request-budget";
import { renderObjectsParameter } from "../../components/secret-provider-class/render";
import { KeyVaultObject } from "../../components/secret-provider-class/types";
import { addVersion, grantVaultReader, registerManagedIdentity, seedKeyVault } from "../../localenv/harness/key-vault-seed";
import { KubeClient } from "../../localenv/harness/kube";
import {
    AppDelivery,
    appDelivery,
    appPods,
    awaitDeliveries,
    formatDeliveries,
    lastProbeReport,
    lastWarning,
    mountRequests,
    NodeSeed,
    podState,
    prepareNode,
    probeHash,
    ProbeReport,
    readRequestLog,
    syncedSecretState,
} from "../../localenv/harness/secrets-flow";
import { localConfigWithServicePrincipal, openLocalStack, withVaultCheck } from "../../localenv/harness/stack";
import { envWithoutMountDeployment, managedIdentityClass, podMounting, until } from "./node-pods";

/** The lane the node runs (undefined: versions.json's default lane). */
const LANE = process.env.AKV_LANE || undefined;

/** The lane's name, the default one's when AKV_LANE is not set. */
function laneName(): string {
    return LANE ?? JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "localenv", "versions.json"), "utf8")).lanes.default;
}

/**
 * How long a new version may take to reach the file and the synced Secret, with the node's 10 s poll: measured 4-11 s
 * on the addon lane, 2-15 s on the upstream lane (docs/local-node.md), 18 s at most before on a loaded machine; twice
 * that.
 */
const ROTATION_DEADLINE_MS = 40_000;
/** How many rotations the rotation test measures. */
const ROTATIONS = 3;

interface StandInContent {
    vaults: Record<string, { secrets?: Record<string, Array<{ version: string; value: string }>> }>;
}

const CLASSES = "/apis/secrets-store.csi.x-k8s.io/v1/namespaces/orders/secretproviderclasses";

/** The current probe report of one running pod of an app's Deployment. */
async function currentReport(
    kube: KubeClient,
    namespace: string,
    deployment: string,
    pod?: string,
): Promise<{ pod: string; report?: ProbeReport }> {
    const name = pod ?? (await appPods(kube, namespace, deployment)).map(podState).find((state) => state.ready)?.name;
    if (!name) {
        return { pod: "" };
    }
    const log = await kube.request("GET", `/api/v1/namespaces/${namespace}/pods/${name}/log`);
    return { pod: name, report: typeof log.body === "string" ? lastProbeReport(log.body) : undefined };
}

describe("secrets flow on a real node: kubelet, CSI driver, Azure provider, Key Vault stand-in", function () {
    this.timeout(20 * 60 * 1000);
    let environment: LocalEnvironment;
    let node: LocalNode;
    let stack: Stack;
    let config: StackConfig;
    let deliveries: AppDelivery[];
    let seed: NodeSeed;
    let addonClientId: string;
    let tenantId: string;
    let exported: Record<string, { deployment?: string; namespace: string }>;
    const delivery = (app: string) => deliveries.find((entry) => entry.app === app) as AppDelivery;
    const content = (): StandInContent => JSON.parse(fs.readFileSync(node.standIn.content, "utf8"));
    const currentValue = (name: string) => {
        const versions = content().vaults["kv-local-demo"].secrets?.[name] ?? [];
        return versions[versions.length - 1].value;
    };

    before(async () => {
        const raw = localConfigWithServicePrincipal();
        environment = await startLocalEnvironment("akv-e2e-node", ["reports"], { node: true, lane: LANE });
        node = environment.node as LocalNode;
        config = parseStackConfig(raw);
        addonClientId = (config.cluster as { addonIdentityClientId: string }).addonIdentityClientId;
        tenantId = (config.keyVault as { tenantId: string }).tenantId;
        seed = await prepareNode(environment.kube, node, config, () => undefined);
        stack = await openLocalStack({ ...environment.stackOptions, stackConfig: raw });
        const result = await stack.up();
        exported = result.outputs.applications.value;
        deliveries = await awaitDeliveries(environment.kube, config, exported, seed, () => undefined);
        console.log(formatDeliveries(deliveries).replace(/^/gm, "      "));
    });

    after(async () => {
        await environment?.stop();
    });

    it("starts every app's pods, with files, synced Secrets and env vars that agree, in each identity mode", () => {
        for (const entry of deliveries) {
            expect(entry.pods.length, entry.app).to.be.greaterThan(0);
            expect(
                entry.pods.every((pod) => pod.ready),
                `${entry.app}: ${JSON.stringify(entry.pods)}`,
            ).to.equal(true);
            expect(entry.problems, entry.app).to.deep.equal([]);
        }
        const modes = new Set(deliveries.filter((entry) => entry.pods.every((pod) => pod.ready)).map((entry) => entry.identity));
        expect([...modes].sort()).to.deep.equal(["addon", "servicePrincipal", "workloadIdentity"]);
    });

    it("mounts the values the vault holds: secrets byte for byte, a key as PEM, a certificate with its version history", async () => {
        const orders = delivery("orders-api").report as ProbeReport;
        expect(orders.files?.["orders-db-password"]).to.equal(probeHash(currentValue("orders-db-password")));
        expect(orders.files?.["api-key"]).to.equal(probeHash(currentValue("orders-api-key")));
        const reports = delivery("reports").report as ProbeReport;
        expect(reports.files?.["reports-warehouse-password"]).to.equal(probeHash(currentValue("reports-warehouse-password")));

        const signing = delivery("signing").report as ProbeReport;
        expect(Object.keys(signing.files ?? {}).sort()).to.include.members(["root-ca.pem/0", "root-ca.pem/1", "signing.pub"]);
        expect(signing.files?.["root-ca.pem/0"]).to.not.equal(signing.files?.["root-ca.pem/1"]);
        const trust = await environment.kube.get(`/api/v1/namespaces/payments/secrets/signing-trust`);
        expect(Buffer.from(trust.data["signing.pub"], "base64").toString()).to.match(/^-----BEGIN PUBLIC KEY-----/);
        expect(Buffer.from(trust.data["current-ca.pem"], "base64").toString()).to.match(/^-----BEGIN CERTIFICATE-----/);
        expect(trust.data["current-ca.pem"]).to.not.equal(trust.data["previous-ca.pem"]);
    });

    it("syncs a TLS Secret from a PEM bundle: certificate and key split into tls.crt and tls.key", async () => {
        const tls = await environment.kube.get(`/api/v1/namespaces/payments/secrets/payments-tls`);
        expect(tls.type).to.equal("kubernetes.io/tls");
        expect(Buffer.from(tls.data["tls.crt"], "base64").toString()).to.match(/^-----BEGIN CERTIFICATE-----/);
        expect(Buffer.from(tls.data["tls.key"], "base64").toString()).to.match(/PRIVATE KEY-----/);
    });

    it("syncs a SecretSync app's Secrets through the node's sync controller stand-in: the vault's values, env from them, no volume, new versions at its poll", async () => {
        const notifier = delivery("orders-notifier");
        expect(notifier.pods.every((pod) => pod.ready)).to.equal(true);
        const pod = await environment.kube.get(`/api/v1/namespaces/orders/pods/${notifier.pods[0].name}`);
        expect((pod.spec.volumes ?? []).filter((volume: { csi?: unknown }) => volume.csi)).to.deep.equal([]);
        const smtp = await syncedSecretState(environment.kube, "orders", "orders-notifier-smtp");
        expect(smtp.hashes?.["smtp-password"]).to.equal(probeHash(currentValue("orders-smtp-password")));
        expect(notifier.report?.env.SMTP_PASSWORD).to.equal(probeHash(currentValue("orders-smtp-password")));
        const registry = () => syncedSecretState(environment.kube, "orders", "orders-notifier-registry");
        expect((await registry()).hashes?.[".dockerconfigjson"]).to.equal(probeHash(currentValue("orders-registry-credentials")));
        // A new version of the object no env var reads (so the pod stays as it is for the later tests): the stand-in
        // re-fetches every SecretSync at its poll (the driver's 10 s here) and updates the Secret.
        addVersion(
            node.standIn,
            { vault: "kv-local-demo", tenantId },
            { kind: "secret", name: "orders-registry-credentials", value: "dockerconfig" },
        );
        const started = Date.now();
        await until("the new version in orders-notifier-registry", ROTATION_DEADLINE_MS, async () =>
            (await registry()).hashes?.[".dockerconfigjson"] === probeHash(currentValue("orders-registry-credentials")) ? true : undefined,
        );
        console.log(`      SecretSync rotation: ${((Date.now() - started) / 1000).toFixed(0)} s from the new version to the Secret`);
        const sync = await environment.kube.get(
            "/apis/secret-sync.x-k8s.io/v1alpha1/namespaces/orders/secretsyncs/orders-notifier-registry",
        );
        const updated = sync.status.conditions.find((condition: { type: string }) => condition.type === "SecretUpdated");
        expect([updated.status, updated.reason]).to.deep.equal(["True", "SecretUpToDate"]);
    });

    it("rotates: each new version reaches the file and the synced Secret within the bound; the env var keeps its value until a restart", async () => {
        const deployment = exported["orders-api"].deployment as string;
        const before = await currentReport(environment.kube, "orders", deployment);
        const samples: string[] = [];
        for (let rotation = 0; rotation < ROTATIONS; rotation++) {
            // A random pause between rotations, so that the samples fall at different points of the poll.
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 10_000));
            const requestsBefore = readRequestLog(node.requestLog).length;
            const started = Date.now();
            addVersion(
                node.standIn,
                { vault: "kv-local-demo", tenantId: tenantId },
                { kind: "secret", name: "orders-db-password", value: "random" },
            );
            const expected = probeHash(currentValue("orders-db-password"));
            const rotated = await until("the rotated file", ROTATION_DEADLINE_MS, async () => {
                const now = await currentReport(environment.kube, "orders", deployment, before.pod);
                return now.report?.files?.["orders-db-password"] === expected ? now.report : undefined;
            });
            const fileSeconds = (Date.now() - started) / 1000;
            await until("the rotated synced Secret", ROTATION_DEADLINE_MS, async () => {
                const state = await syncedSecretState(environment.kube, "orders", "orders-api-keyvault");
                return state.hashes?.["db-password"] === expected ? state : undefined;
            });
            const secretSeconds = (Date.now() - started) / 1000;
            expect(rotated.env.DB_PASSWORD).to.equal(before.report?.env.DB_PASSWORD);
            expect(rotated.env.DB_PASSWORD).to.not.equal(expected);
            samples.push(
                `file ${fileSeconds.toFixed(1)} s, Secret ${secretSeconds.toFixed(1)} s (${readRequestLog(node.requestLog).length - requestsBefore} stand-in requests)`,
            );
        }
        console.log(`      rotation on lane ${laneName()}: ${samples.join("; ")}`);
    });

    it("the seed's trap: a pod that takes env from a synced Secret without mounting the volume never starts; ours does", async () => {
        const kube = environment.kube;
        await kube.create(
            CLASSES,
            managedIdentityClass(
                "trap",
                config,
                addonClientId,
                [{ objectName: "orders-db-password", objectType: "secret" }],
                [{ secretName: "trap-synced", type: "Opaque", data: [{ key: "password", objectName: "orders-db-password" }] }],
            ),
        );
        await kube.create("/apis/apps/v1/namespaces/orders/deployments", envWithoutMountDeployment("trap", "trap-synced", "password"));
        const waiting = await until("the trap pod's CreateContainerConfigError", 60_000, async () => {
            const state = (await appPods(kube, "orders", "trap")).map(podState)[0];
            return state?.waiting?.startsWith("CreateContainerConfigError") ? state : undefined;
        });
        expect(waiting.ready).to.equal(false);
        expect(waiting.waiting).to.match(/CreateContainerConfigError: secret "trap-synced" not found/);
        await new Promise((resolve) => setTimeout(resolve, 15_000));
        expect((await appPods(kube, "orders", "trap")).map(podState)[0].ready).to.equal(false);
        expect(await kube.find("/api/v1/namespaces/orders/secrets/trap-synced")).to.equal(undefined);
        expect(delivery("orders-api").pods.every((pod) => pod.ready)).to.equal(true);
        await kube.delete("/apis/apps/v1/namespaces/orders/deployments/trap");
        await kube.delete(`${CLASSES}/trap`);
    });

    it("an identity the vault does not let in (a missing role): the pod's event names the identity and the refusal", async () => {
        const kube = environment.kube;
        const stranger = "9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f";
        registerManagedIdentity(node.standIn, tenantId, stranger);
        addVersion(node.standIn, { vault: "kv-local-demo", tenantId }, { kind: "secret", name: "stranger-secret", value: "random" });
        await kube.create(
            CLASSES,
            managedIdentityClass("stranger", config, stranger, [{ objectName: "stranger-secret", objectType: "secret" }]),
        );
        await kube.create("/api/v1/namespaces/orders/pods", podMounting("stranger", "stranger"));
        const warning = await until("a FailedMount event", 90_000, () => lastWarning(kube, "orders", "stranger"));
        expect(warning, warning).to.match(/^FailedMount: /);
        expect(warning, warning).to.match(/Forbidden|403/);
        expect(warning, warning).to.contain(stranger);
        await kube.delete("/api/v1/namespaces/orders/pods/stranger");
        await kube.delete(`${CLASSES}/stranger`);
    });

    it("identity binding (useAzureTokenProxy with clientID), as the project renders it: what the lane's provider makes of it", async () => {
        const kube = environment.kube;
        const clientId = "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d";
        addVersion(node.standIn, { vault: "kv-local-demo", tenantId }, { kind: "secret", name: "binding-secret", value: "random" });
        await kube.create(CLASSES, {
            apiVersion: "secrets-store.csi.x-k8s.io/v1",
            kind: "SecretProviderClass",
            metadata: { name: "binding" },
            spec: {
                provider: "azure",
                parameters: {
                    keyvaultName: "kv-local-demo",
                    tenantId,
                    useAzureTokenProxy: "true",
                    clientID: clientId,
                    objects: renderObjectsParameter([{ objectName: "binding-secret", objectType: "secret" }]),
                },
            },
        });
        const requestsBefore = readRequestLog(node.requestLog).length;
        await kube.create("/api/v1/namespaces/orders/pods", podMounting("binding", "binding"));
        const warning = await until("a FailedMount event", 90_000, () => lastWarning(kube, "orders", "binding"));
        const refusedAssertions = readRequestLog(node.requestLog)
            .slice(requestsBefore)
            .filter((request) => request.method === "POST" && request.path?.endsWith("/oauth2/v2.0/token") && request.status === 400);
        await kube.delete("/api/v1/namespaces/orders/pods/binding");
        await kube.delete(`${CLASSES}/binding`);
        console.log(`      lane ${laneName()}: ${warning.split("\n")[0]}`);
        expect(warning, warning).to.match(/^FailedMount: /);
        if (laneName() === "addon") {
            // This provider has no identity binding: it ignores useAzureTokenProxy and, with clientID and the pod's
            // api://AzureADTokenExchange token, does plain workload identity straight against Entra ID (which knows no
            // federated credential for the bound identity), never through the AKS token proxy.
            expect(warning, warning).to.contain("ClientAssertionCredential authentication failed");
            expect(warning, warning).to.contain(`AADSTS700016: Application with identifier '${clientId}' was not found`);
            expect(refusedAssertions.length, "the assertion Entra ID refused").to.be.greaterThan(0);
        } else {
            // This provider takes identity binding, but wants the pod's token for the identity-binding audience, which
            // the CSIDriver's tokenRequests (api://AzureADTokenExchange only, as locally) does not ask the kubelet for.
            expect(warning, warning).to.contain("failed to build auth config for mode AzureTokenProxy");
            expect(warning, warning).to.contain("token for audience api://AKSIdentityBinding not found");
            expect(refusedAssertions, "no request leaves for Entra ID").to.deep.equal([]);
        }
    });

    it("the preview's request budget counts per mount what the provider really sends (the stand-in's log over several rotations)", async () => {
        const kube = environment.kube;
        const vault = { vault: "kv-local-demo", tenantId: tenantId };
        // Objects only this test's pod reads, so every request for them comes from its mounts.
        const objects: KeyVaultObject[] = [
            { objectName: "budget-plain", objectType: "secret" },
            { objectName: "budget-history", objectType: "secret", objectVersionHistory: 3 },
            { objectName: "budget-key", objectType: "key" },
        ];
        addVersion(node.standIn, vault, { kind: "secret", name: "budget-plain", value: "random" });
        for (let version = 0; version < 4; version++) {
            addVersion(node.standIn, vault, { kind: "secret", name: "budget-history", value: "random" });
        }
        addVersion(node.standIn, vault, { kind: "key", name: "budget-key", value: "rsa" });
        await kube.create(CLASSES, managedIdentityClass("budget", config, addonClientId, objects));
        await kube.create("/api/v1/namespaces/orders/pods", podMounting("budget", "budget"));
        await until("the budget pod Ready", 60_000, async () =>
            podState(await kube.get("/api/v1/namespaces/orders/pods/budget")).ready ? true : undefined,
        );
        await new Promise((resolve) => setTimeout(resolve, 35_000));
        await kube.delete("/api/v1/namespaces/orders/pods/budget");
        await kube.delete(`${CLASSES}/budget`);

        const mounts = mountRequests(
            readRequestLog(node.requestLog),
            vault.vault,
            new Set(objects.map((object) => object.objectName)),
            addonClientId,
        );
        console.log(
            `      ${mounts.length} mounts; Key Vault reads per mount ${mounts.map((mount) => mount.keyVault).join(", ")} (+ 401 challenges ${mounts.map((mount) => mount.challenges).join(", ")}); the budget counts ${requestsPerMount(objects)}`,
        );
        expect(mounts.length).to.be.greaterThan(1);
        expect(mounts.map((mount) => mount.keyVault)).to.deep.equal(mounts.map(() => requestsPerMount(objects)));
    });

    it("re-reads every object at each rotation poll, as the budget assumes; per app, the stand-in's requests at pod start and per poll", () => {
        const log = readRequestLog(node.requestLog);
        for (const entry of deliveries.filter((candidate) => candidate.pods.every((pod) => pod.ready) && candidate.pods.length > 0)) {
            const app = config.applications.find((candidate) => candidate.name === entry.app) as StackConfig["applications"][number];
            const names = new Set(app.objects.map((object) => object.objectName));
            const mounts = mountRequests(log, seed.vault, names, seed.clientIds.get(app.name));
            const [first, ...polls] = mounts;
            console.log(
                `      ${entry.app} (${app.identity.mode}): pod start ${JSON.stringify(first)}; ${polls.length} polls: ${[...new Set(polls.map((mount) => JSON.stringify(mount)))].join(" ")}`,
            );
            expect(polls.length, entry.app).to.be.greaterThan(0);
            // A rotated object adds no read; every Mount reads the same (rotation happened to orders-db-password only).
            // A driver with its own rotation reconciler (the addon lane's) polls on its own clock, so a poll can fall
            // within the gap that groups one Mount's requests, e.g. right after the pod start: such a burst is two
            // Mounts, twice the reads.
            const oneMount = Math.min(...mounts.map((mount) => mount.keyVault));
            expect(oneMount, entry.app).to.be.greaterThan(0);
            expect(
                mounts.map((mount) => mount.keyVault % oneMount),
                `${entry.app}: ${JSON.stringify(mounts)}`,
            ).to.deep.equal(mounts.map(() => 0));
        }
    });

    it("the preview reads the vault: a mistyped object fails it, naming the object and the names the vault holds near it, reading metadata only", async () => {
        const reader = grantVaultReader(node.standIn, tenantId, "kv-local-demo");
        const raw = localConfigWithServicePrincipal();
        raw.applications[0].objects[0].objectName = "orders-db-pasword";
        // The syncedSecrets entry that reads it keeps the config's own checks passing: only the vault knows the name is wrong.
        raw.applications[0].syncedSecrets[0].data[0].objectName = "orders-db-pasword";
        const typo = await openLocalStack(
            withVaultCheck(
                { ...environment.stackOptions, stackName: "vault-check" },
                { proxyUrl: node.proxy.url, caFile: node.proxy.caFile, ...reader },
                raw,
            ),
        );
        const requestsBefore = readRequestLog(node.requestLog).length;
        const failure = await typo.preview().then(
            () => "",
            (error: unknown) => String(error),
        );
        expect(failure).to.contain(
            'aks-keyvault-secrets:applications[0].objects[0].objectName (app "orders-api"): Key Vault "kv-local-demo" has no secret "orders-db-pasword"; ' +
                'the closest secrets it has: "orders-db-password". Fix: name an existing secret (e.g. "orders-db-password"), or create "orders-db-pasword" in the vault.',
        );
        // Metadata only: lists and version lists, never a secret's value.
        const reads = readRequestLog(node.requestLog)
            .slice(requestsBefore)
            .filter((request) => request.service === "keyvault" && request.clientId === reader.clientId);
        expect(reads.length).to.be.greaterThan(0);
        expect(
            reads.filter(
                (request) =>
                    request.method !== "GET" ||
                    !/^\/(secrets|keys|certificates)(\/[^/]+\/versions|\/[^/]+\/policy|\/[^/]+)?\/?$/.test(request.path ?? ""),
            ),
        ).to.deep.equal([]);
        expect(reads.filter((request) => /^\/secrets\/[^/]+\/?$/.test(request.path ?? ""))).to.deep.equal([]);
    });

    it("a selection by name prefix grows when the vault gains a matching secret and `pulumi up` runs again", async () => {
        const reader = grantVaultReader(node.standIn, tenantId, "kv-local-demo");
        const vault = { vault: "kv-local-demo", tenantId };
        addVersion(node.standIn, vault, { kind: "secret", name: "selected-alpha", value: "random" });
        const local = localConfigWithServicePrincipal();
        // An app of its own (a class and a ServiceAccount, no pods) in its own stack, so the main stack's objects stay untouched.
        const raw = {
            cluster: local.cluster,
            keyVault: local.keyVault,
            applications: [
                {
                    name: "selected",
                    namespace: "orders",
                    identity: { mode: "addon" },
                    objects: [],
                    selectObjects: [{ objectType: "secret", namePrefix: "selected-" }],
                },
            ],
        };
        const selecting = await openLocalStack(
            withVaultCheck(
                { ...environment.stackOptions, stackName: "vault-select" },
                { proxyUrl: node.proxy.url, caFile: node.proxy.caFile, ...reader },
                raw,
            ),
        );
        const objectNames = async () => {
            const spc = await environment.kube.get(`${CLASSES}/selected`);
            return (YAML.parse(spc.spec.parameters.objects).array as string[]).map((entry) => YAML.parse(entry).objectName as string);
        };
        try {
            await selecting.up();
            expect(await objectNames()).to.deep.equal(["selected-alpha"]);
            expect((await selecting.preview()).changeSummary).to.not.have.property("update");

            addVersion(node.standIn, vault, { kind: "secret", name: "selected-beta", value: "random" });
            expect((await selecting.preview()).changeSummary).to.deep.include({ update: 1 });
            await selecting.up();
            expect(await objectNames()).to.deep.equal(["selected-alpha", "selected-beta"]);
        } finally {
            await selecting.destroy();
        }
    });

    it("a two-vault app's pods see both vaults' files, each in its folder, and env vars from both vaults' synced Secrets", async () => {
        const kube = environment.kube;
        // A second vault the addon identity may read, with a secret of its own.
        seedKeyVault(node.standIn, {
            vault: "kv-local-shared",
            tenantId,
            objects: [{ kind: "secret", name: "shared-smtp", value: "random", versions: 1 }],
            identities: [{ mode: "managedIdentity", clientId: addonClientId, apps: ["two-vaults"] }],
            skipped: [],
        });
        const local = localConfigWithServicePrincipal();
        const raw = {
            cluster: local.cluster,
            keyVault: local.keyVault,
            applications: [
                {
                    name: "two-vaults",
                    namespace: "orders",
                    identity: { mode: "addon" },
                    objects: [{ objectName: "orders-db-password", objectType: "secret" }],
                    syncedSecrets: [
                        { secretName: "two-vaults-own", type: "Opaque", data: [{ key: "password", objectName: "orders-db-password" }] },
                    ],
                    additionalVaults: [
                        {
                            name: "kv-local-shared",
                            objects: [{ objectName: "shared-smtp", objectType: "secret", objectAlias: "smtp" }],
                            syncedSecrets: [
                                { secretName: "two-vaults-shared", type: "Opaque", data: [{ key: "smtp", objectName: "smtp" }] },
                            ],
                        },
                    ],
                    env: [
                        { name: "DB_PASSWORD", secretName: "two-vaults-own", key: "password" },
                        { name: "SMTP_PASSWORD", secretName: "two-vaults-shared", key: "smtp" },
                    ],
                    deployment: { image: "registry.example/orders-api:1.4.2", skipAwait: true },
                },
            ],
        };
        // The preview reads both vaults: a mistyped object of the other vault fails it at its own key.
        const reader = grantVaultReader(node.standIn, tenantId, "kv-local-demo");
        grantVaultReader(node.standIn, tenantId, "kv-local-shared", reader);
        const mistyped = structuredClone(raw);
        mistyped.applications[0].additionalVaults[0].objects[0].objectName = "shared-smpt";
        const checked = await openLocalStack(
            withVaultCheck(
                { ...environment.stackOptions, stackName: "two-vaults-check" },
                { proxyUrl: node.proxy.url, caFile: node.proxy.caFile, ...reader },
                mistyped,
            ),
        );
        const failure = await checked.preview().then(
            () => "",
            (error: unknown) => String(error),
        );
        expect(failure).to.contain(
            'aks-keyvault-secrets:applications[0].additionalVaults[0].objects[0].objectName (app "two-vaults"): Key Vault "kv-local-shared" has no secret "shared-smpt"; ' +
                'the closest secrets it has: "shared-smtp".',
        );
        // A stack of its own, so the main stack's objects stay untouched.
        const twoVaults = await openLocalStack({ ...environment.stackOptions, stackName: "two-vaults", stackConfig: raw });
        try {
            const result = await twoVaults.up();
            expect(result.outputs.applications.value["two-vaults"].additionalSecretProviderClasses).to.deep.equal([
                "two-vaults-kv-local-shared",
            ]);
            const report = await until("a ready two-vaults pod with both vaults' files", 180_000, async () => {
                const found = (await currentReport(kube, "orders", "two-vaults")).report;
                return found?.files?.["kv-local-shared/smtp"] ? found : undefined;
            });
            const sharedValue = content().vaults["kv-local-shared"].secrets?.["shared-smtp"]?.[0].value as string;
            expect(report.files).to.deep.equal({
                "kv-local-demo/orders-db-password": probeHash(currentValue("orders-db-password")),
                "kv-local-shared/smtp": probeHash(sharedValue),
            });
            expect(report.env.DB_PASSWORD).to.equal(probeHash(currentValue("orders-db-password")));
            expect(report.env.SMTP_PASSWORD).to.equal(probeHash(sharedValue));
            const shared = await kube.get("/api/v1/namespaces/orders/secrets/two-vaults-shared");
            expect(probeHash(Buffer.from(shared.data.smtp, "base64"))).to.equal(probeHash(sharedValue));
        } finally {
            await twoVaults.destroy();
        }

        // The other vault's objects chosen by pattern: the check's stack expands them from that vault's listing.
        const selecting = structuredClone(raw);
        const other = selecting.applications[0].additionalVaults[0];
        other.objects = [];
        Object.assign(other, { selectObjects: [{ objectType: "secret", namePrefix: "shared-" }] });
        other.syncedSecrets[0].data[0].objectName = "shared-smtp";
        const selected = await openLocalStack(
            withVaultCheck(
                { ...environment.stackOptions, stackName: "two-vaults-select" },
                { proxyUrl: node.proxy.url, caFile: node.proxy.caFile, ...reader },
                selecting,
            ),
        );
        try {
            await selected.up();
            const report = await until("a ready two-vaults pod with the selected file", 180_000, async () => {
                const found = (await currentReport(kube, "orders", "two-vaults")).report;
                return found?.files?.["kv-local-shared/shared-smtp"] ? found : undefined;
            });
            const sharedValue = content().vaults["kv-local-shared"].secrets?.["shared-smtp"]?.[0].value as string;
            expect(report.files?.["kv-local-shared/shared-smtp"]).to.equal(probeHash(sharedValue));
            expect(report.env.SMTP_PASSWORD).to.equal(probeHash(sharedValue));
        } finally {
            await selected.destroy();
        }
    });

    it("removing an app deletes its pods and synced Secret and touches no other app", async () => {
        const kube = environment.kube;
        const others = deliveries.filter((entry) => entry.app !== "orders-api" && entry.pods.every((pod) => pod.ready));
        const podsBefore = Object.fromEntries(others.map((entry) => [entry.app, entry.pods.map((pod) => pod.name).sort()]));
        const remaining = (localConfigWithServicePrincipal().applications as Array<{ name: string }>).filter(
            (app) => app.name !== "orders-api",
        );
        await stack.setConfig("aks-keyvault-secrets:applications", { value: JSON.stringify(remaining) });
        await stack.up();
        await until("orders-api's synced Secret gone", 90_000, async () =>
            (await kube.find("/api/v1/namespaces/orders/secrets/orders-api-keyvault")) ? undefined : true,
        );
        for (const entry of others) {
            const now = await appDelivery(
                kube,
                config.applications.find((app) => app.name === entry.app) as StackConfig["applications"][number],
                exported[entry.app].deployment as string,
            );
            expect(now.pods.map((pod) => pod.name).sort(), entry.app).to.deep.equal(podsBefore[entry.app]);
            expect(now.problems, entry.app).to.deep.equal([]);
        }
        expect(await kube.find("/api/v1/namespaces/payments/secrets/payments-tls")).to.not.equal(undefined);
    });
});
