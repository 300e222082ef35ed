/**
 * A Key Vault outage on a real node: the local stack up in every identity mode it renders (addon, workload identity,
 * service principal; the SecretSync app too), the Key Vault stand-in stopped across more than one rotation poll
 * (the node's is 10 s) while new versions are written, and started again. Meanwhile every mounted file of every pod
 * stays present and unchanged (the driver keeps the last good contents when a poll fails); afterwards each app's new
 * version reaches its pod (its file, or the SecretSync app's Secret) without a pod restart, as on AKS, where an
 * outage neither empties volumes nor invalidates the tokens the provider holds. Run alone:
 * `npx mocha --no-config -r ts-node/register/transpile-only --extension ts --timeout 900000 tests/e2e/keyvault-outage.test.ts`
 * (AKV_LANE=upstream for the other lane). Timings measured: docs/local-node.md.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as net from "net";
import { Stack } from "@pulumi/pulumi/automation";
import { parseStackConfig } from "../../program/config";
import { StackConfig } from "../../program/schema";
import { LocalEnvironment, LocalNode, startLocalEnvironment } from "../../localenv/harness/environment";
import { addVersion, keyVaultSeedPlan } from "../../localenv/harness/key-vault-seed";
import { KubeClient } from "../../localenv/harness/kube";
import {
    appPods,
    awaitDeliveries,
    lastProbeReport,
    NodeSeed,
    podState,
    prepareNode,
    probeHash,
    serviceAccountIssuer,
    syncedSecretState,
} from "../../localenv/harness/secrets-flow";
import { localConfigWithServicePrincipal, openLocalStack } from "../../localenv/harness/stack";
import { until } from "./node-pods";

const LANE = process.env.AKV_LANE || undefined;

/** How long the stand-in stays down: more than two of the node's 10 s rotation polls, so failed polls happen. */
const OUTAGE_MS = 35_000;
/**
 * How long a new version may take to arrive once the stand-in is back. Each poll is 10 s and a rotation took 18 s at
 * most on a loaded machine (tests/e2e/secrets-flow.test.ts); a provider that retried with a token the restarted
 * stand-in refused never arrived (12+ minutes, issue 29). Generous, since this bounds a recovery, not a speed.
 */
const RECOVERY_DEADLINE_MS = 120_000;

type AppConfig = StackConfig["applications"][number];

/** Where one app shows a new version: a file of its pods, or (a SecretSync app without the volume) a synced Secret's key. */
interface Watch {
    app: AppConfig;
    deployment: string;
    object: string;
    file?: string;
    secret?: { name: string; key: string };
    /** The hash the file or key must reach; undefined for a key object, whose file (a public key PEM) must only change. */
    expected?: string;
    before: string;
}

/** The latest probe report's files of every pod of a Deployment, by pod name (null for a pod without the volume). */
async function podFiles(kube: KubeClient, namespace: string, deployment: string): Promise<Record<string, Record<string, string> | null>> {
    const files: Record<string, Record<string, string> | null> = {};
    for (const pod of await appPods(kube, namespace, deployment)) {
        const state = podState(pod);
        const log = await kube.request("GET", `/api/v1/namespaces/${namespace}/pods/${state.name}/log`);
        const report = typeof log.body === "string" ? lastProbeReport(log.body) : undefined;
        // a pod that is not Ready or printed nothing is a lost file for this test: say so in the comparison
        files[state.name] = state.ready && report ? report.files : { "(not Ready or no report)": state.name };
    }
    return files;
}

/** Whether something accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect(port, "127.0.0.1");
        socket.once("connect", () => {
            socket.destroy();
            resolve(true);
        });
        socket.once("error", () => resolve(false));
    });
}

describe("a Key Vault outage on a real node: no file lost meanwhile, every identity mode recovers", function () {
    this.timeout(20 * 60 * 1000);
    let environment: LocalEnvironment;
    let node: LocalNode;
    let stack: Stack;
    let config: StackConfig;
    let seed: NodeSeed;
    let tenantId: string;
    let exported: Record<string, { deployment?: string; namespace: string }>;
    const content = () => JSON.parse(fs.readFileSync(node.standIn.content, "utf8"));
    const currentValue = (name: string): string => {
        const versions = content().vaults[seed.vault].secrets[name];
        return versions[versions.length - 1].value;
    };

    before(async () => {
        const raw = localConfigWithServicePrincipal();
        environment = await startLocalEnvironment("akv-e2e-outage", ["reports"], { node: true, lane: LANE });
        node = environment.node as LocalNode;
        config = parseStackConfig(raw);
        tenantId = (config.keyVault as { tenantId: string }).tenantId;
        seed = await prepareNode(environment.kube, node, config, () => undefined);
        stack = await openLocalStack({ ...environment.stackOptions, stackConfig: raw });
        exported = (await stack.up()).outputs.applications.value;
        const deliveries = await awaitDeliveries(environment.kube, config, exported, seed, () => undefined);
        for (const entry of deliveries) {
            expect(entry.problems, entry.app).to.deep.equal([]);
        }
    });

    after(async () => {
        await environment?.stop();
    });

    it("keeps every file through the outage and delivers a version written during it, in each identity mode", async () => {
        const kube = environment.kube;
        const plan = keyVaultSeedPlan(config, await serviceAccountIssuer(kube));
        const apps = config.applications.filter((app) => exported[app.name]?.deployment);
        expect([...new Set(apps.map((app) => app.identity.mode))].sort()).to.deep.equal(["addon", "servicePrincipal", "workloadIdentity"]);

        const baseline: Record<string, Record<string, Record<string, string> | null>> = {};
        for (const app of apps) {
            baseline[app.name] = await podFiles(kube, app.namespace, exported[app.name].deployment as string);
        }

        // One object per app whose new version must arrive: a secret where the app has one (its hash is known), else
        // a key (its file, a public key, must change); never one with version history, whose files all shift.
        const watches: Watch[] = [];
        for (const app of apps) {
            const candidates = app.objects.filter((object) => !object.objectVersionHistory && object.objectType !== "cert");
            const object = candidates.find((candidate) => candidate.objectType === "secret") ?? candidates[0];
            expect(object, `${app.name}: an object to rotate`).to.not.equal(undefined);
            const file = object.objectAlias ?? object.objectName;
            const deployment = exported[app.name].deployment as string;
            const mounts = app.mountFiles ?? app.syncMechanism !== "secretSync";
            if (mounts) {
                const files = Object.values(baseline[app.name])[0] as Record<string, string>;
                watches.push({ app, deployment, object: object.objectName, file, before: files[file] });
            } else {
                const synced = app.syncedSecrets.find(
                    (secret) => secret.type === "Opaque" && secret.data.some((entry) => entry.objectName === file),
                );
                const key = synced?.data.find((entry) => entry.objectName === file)?.key as string;
                expect(synced, `${app.name}: an Opaque Secret of ${file}`).to.not.equal(undefined);
                const state = await syncedSecretState(kube, app.namespace, synced?.secretName ?? "");
                watches.push({
                    app,
                    deployment,
                    object: object.objectName,
                    secret: { name: synced?.secretName ?? "", key },
                    before: state.hashes?.[key] ?? "",
                });
            }
        }

        const port = Number(new URL(node.proxy.url).port);
        node.standInOutage.stop();
        const stopped = Date.now();
        let restarted = false;
        try {
            expect(await listening(port), "the stand-in's port during the outage").to.equal(false);
            const requestsAtStop = fs.readFileSync(node.requestLog, "utf8").length;
            // New versions written while Key Vault is down: the stand-in serves them once it is back.
            for (const watch of watches) {
                const value = plan.objects.find((object) => object.name === watch.object)?.value ?? "random";
                const kind = plan.objects.find((object) => object.name === watch.object)?.kind ?? "secret";
                addVersion(node.standIn, { vault: seed.vault, tenantId }, { kind, name: watch.object, value });
                if (kind === "secret") {
                    watch.expected = probeHash(currentValue(watch.object));
                }
            }
            let checks = 0;
            while (Date.now() - stopped < OUTAGE_MS) {
                for (const app of apps) {
                    const now = await podFiles(kube, app.namespace, exported[app.name].deployment as string);
                    expect(
                        now,
                        `${app.name}'s pods and files ${((Date.now() - stopped) / 1000).toFixed(0)} s into the outage`,
                    ).to.deep.equal(baseline[app.name]);
                }
                checks++;
                await new Promise((resolve) => setTimeout(resolve, 3000));
            }
            // Nothing reached the stand-in, so the unchanged files above are the outage's, not a lucky cache.
            expect(fs.readFileSync(node.requestLog, "utf8").length, "requests logged during the outage").to.equal(requestsAtStop);
            console.log(`      outage of ${((Date.now() - stopped) / 1000).toFixed(0)} s: every pod's files unchanged at ${checks} checks`);
            node.standInOutage.start();
            restarted = true;
        } finally {
            if (!restarted) {
                node.standInOutage.start();
            }
        }
        const back = Date.now();

        const arrivals: string[] = [];
        await Promise.all(
            watches.map(async (watch) => {
                await until(
                    `${watch.app.name} (${watch.app.identity.mode}): ${watch.object}'s new version`,
                    RECOVERY_DEADLINE_MS,
                    async () => {
                        let now: string | undefined;
                        if (watch.file) {
                            const pods = await podFiles(kube, watch.app.namespace, watch.deployment);
                            // every pod of the app, and the same pods as before: a restart would hide a volume that never recovered
                            if (Object.keys(pods).sort().join() !== Object.keys(baseline[watch.app.name]).sort().join()) {
                                return undefined;
                            }
                            const hashes = Object.values(pods).map((files) => files?.[watch.file as string]);
                            now = hashes.every((hash) => hash === hashes[0]) ? hashes[0] : undefined;
                        } else {
                            const secret = watch.secret as { name: string; key: string };
                            now = (await syncedSecretState(kube, watch.app.namespace, secret.name)).hashes?.[secret.key];
                        }
                        const arrived = watch.expected ? now === watch.expected : now !== undefined && now !== watch.before;
                        return arrived ? true : undefined;
                    },
                );
                arrivals.push(`${watch.app.name} (${watch.app.identity.mode}) ${((Date.now() - back) / 1000).toFixed(0)} s`);
            }),
        );
        console.log(`      lane ${LANE ?? "default"}: new versions arrived after the restart: ${arrivals.join(", ")}`);
    });
});
