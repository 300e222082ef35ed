/**
 * `aks-keyvault-secrets doctor` on a real node: the local stack up, doctor reports every app healthy (the SecretSync
 * app's Secrets written by the node's secrets-store-sync-controller stand-in); then one fault at a time, each the way
 * it happens on AKS (a role removed, an object deleted, a federated credential with another subject, a pod that takes
 * env from a synced Secret without mounting the volume, a class in another namespace, a Secret akv2k8s also writes,
 * the vault throttling, a vault that does not answer, a SecretSync's Secret deleted, the CSIDriver missing), doctor
 * names its cause and fix from the real messages of the kubelet, the driver and the provider; repaired, the app is
 * healthy again. Run alone:
 * `npx mocha --no-config -r ts-node/register/transpile-only --extension ts --timeout 900000 tests/e2e/doctor.test.ts`
 * (AKV_LANE=upstream for the other lane). docs/doctor.md.
 */
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { randomUUID } from "crypto";
import * as YAML from "yaml";
import { Stack } from "@pulumi/pulumi/automation";
import { parseStackConfig } from "../../program/config";
import { StackConfig } from "../../program/schema";
import { LocalEnvironment, LocalNode, startLocalEnvironment } from "../../localenv/harness/environment";
import { KubeClient, KubeObject, readKubeContext } from "../../localenv/harness/kube";
import { appPods, awaitDeliveries, podState, prepareNode } from "../../localenv/harness/secrets-flow";
import { localStackConfig, openLocalStack } from "../../localenv/harness/stack";
import { main } from "../../cli/main";
import { CliIo } from "../../cli/io";
import { AppReport, CauseId, DoctorReport } from "../../program/diagnosis/diagnose";
import { DOCTOR_EXIT_CODES } from "../../cli/doctor/render";
import { envWithoutMountDeployment, podMounting, until } from "./node-pods";

const LANE = process.env.AKV_LANE || undefined;
const VAULT = "kv-local-demo";

interface DoctorRun {
    code: number;
    stdout: string;
    stderr: string;
}

describe("doctor on a real node: each fault named with its cause and fix, and healthy again once repaired", function () {
    this.timeout(15 * 60 * 1000);
    let environment: LocalEnvironment;
    let node: LocalNode;
    let kube: KubeClient;
    let stack: Stack;
    let config: StackConfig;
    let addonClientId: string;
    let outputsFile: string;
    let pristine: string;
    const started = Date.now();
    const timings: string[] = [];

    async function doctor(...extra: string[]): Promise<DoctorRun> {
        let stdout = "";
        let stderr = "";
        const io: CliIo = { cwd: process.cwd(), stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), readStdin: async () => "" };
        const code = await main(["doctor", "--kubeconfig", environment.stackOptions.kubeconfig, ...extra], io);
        return { code, stdout, stderr };
    }

    async function report(...extra: string[]): Promise<DoctorReport> {
        const run = await doctor("--output", "json", ...extra);
        expect(run.stderr).to.equal("");
        return JSON.parse(run.stdout) as DoctorReport;
    }

    const app = (found: DoctorReport, name: string) => found.apps.find((entry) => entry.app === name) as AppReport;

    /** Waits until doctor (with the stack's outputs, or `extra`) reports `cause` for `appName`; prints the text report once. */
    async function awaitCause(appName: string, cause: CauseId, extra: string[] = ["--stack-outputs", outputsFile]): Promise<AppReport> {
        const since = Date.now();
        const found = await until(`doctor's ${cause} for ${appName}`, 120_000, async () => {
            const entry = app(await report(...extra), appName);
            return entry?.causes.some((candidate) => candidate.id === cause) ? entry : undefined;
        });
        const text = await doctor(...extra);
        expect(text.code).to.equal(DOCTOR_EXIT_CODES.failing);
        console.log(text.stdout.replace(/^/gm, "      "));
        timings.push(`${cause}: ${((Date.now() - since) / 1000).toFixed(0)} s to be reported`);
        return found;
    }

    function standIn(...args: string[]): void {
        execFileSync(node.standIn.binary, [args[0], "--content", node.standIn.content, ...args.slice(1)], {
            stdio: ["ignore", "pipe", "pipe"],
        });
    }

    function restoreVault(): void {
        fs.writeFileSync(node.standIn.content, pristine, { mode: 0o600 });
    }

    /** Deletes a Deployment's pods; its ReplicaSet starts new ones, which mount anew. */
    async function restart(namespace: string, deployment: string): Promise<void> {
        for (const pod of await appPods(kube, namespace, deployment)) {
            await kube.delete(`/api/v1/namespaces/${namespace}/pods/${pod.metadata.name}`);
        }
    }

    async function awaitReady(namespace: string, deployment: string): Promise<void> {
        await until(`${namespace}/${deployment} Ready`, 120_000, async () => {
            const pods = (await appPods(kube, namespace, deployment)).filter((pod: KubeObject) => !pod.metadata.deletionTimestamp);
            return pods.length > 0 && pods.map(podState).every((state) => state.ready) ? true : undefined;
        });
    }

    async function awaitHealthy(...apps: string[]): Promise<DoctorReport> {
        return await until(`doctor reports ${apps.join(", ")} healthy`, 120_000, async () => {
            const found = await report("--stack-outputs", outputsFile);
            return apps.every((name) => app(found, name).status === "healthy") ? found : undefined;
        });
    }

    /**
     * New pods for every app of the vault, Ready and healthy: after a fault each may have met it at a rotation poll,
     * and doctor counts a Ready pod's MountRotationFailed for 5 minutes.
     */
    async function restartEveryPodOfTheVault(): Promise<void> {
        const deployments = [
            ["orders", "orders-api"],
            ["payments", "signing"],
            ["payments", "payments"],
        ];
        for (const [namespace, deployment] of deployments) {
            await restart(namespace, deployment);
        }
        for (const [namespace, deployment] of deployments) {
            await awaitReady(namespace, deployment);
        }
        await awaitHealthy(...deployments.map(([, deployment]) => deployment));
    }

    before(async () => {
        const raw = localStackConfig();
        environment = await startLocalEnvironment("akv-e2e-doctor", [], { node: true, lane: LANE });
        node = environment.node as LocalNode;
        kube = environment.kube;
        config = parseStackConfig(raw);
        addonClientId = (config.cluster as { addonIdentityClientId: string }).addonIdentityClientId;
        const seed = await prepareNode(kube, node, config, () => undefined);
        stack = await openLocalStack(environment.stackOptions);
        const result = await stack.up();
        const outputs = Object.fromEntries(Object.entries(result.outputs).map(([key, value]) => [key, value.value]));
        outputsFile = path.join(environment.stackOptions.stateDir, "stack-outputs.json");
        fs.writeFileSync(outputsFile, JSON.stringify(outputs, null, 2));
        await awaitDeliveries(kube, config, outputs.applications, seed, () => undefined);
        pristine = fs.readFileSync(node.standIn.content, "utf8");
        timings.push(`setup (cluster, node, seed, up, pods Ready): ${((Date.now() - started) / 1000).toFixed(0)} s`);
    });

    after(async () => {
        timings.push(`total: ${((Date.now() - started) / 1000).toFixed(0)} s`);
        console.log(timings.map((line) => `      ${line}`).join("\n"));
        await environment?.stop();
    });

    it("reports every app healthy on the fresh stack, the SecretSync app's Secrets written by the sync controller stand-in", async () => {
        // the driver creates a synced Secret at the mount and makes the pod's ReplicaSet its owner a moment later
        const found = await until("every synced Secret owned", 30_000, async () => {
            const candidate = await report("--stack-outputs", outputsFile);
            const owned = candidate.apps.every((entry) =>
                entry.syncedSecrets.every((secret) => !secret.present || secret.owners.length > 0),
            );
            return owned ? candidate : undefined;
        });
        const run = await doctor("--stack-outputs", outputsFile);
        console.log(run.stdout.replace(/^/gm, "      "));
        expect(found.csiDriver).to.equal(true);
        expect(found.apps.map((entry) => `${entry.app} ${entry.status}`).sort()).to.deep.equal(
            ["orders-api healthy", "orders-notifier healthy", "payments healthy", "signing healthy"],
            run.stdout,
        );
        expect(found.healthy).to.equal(true);
        expect(run.code).to.equal(DOCTOR_EXIT_CODES.healthy);
        for (const entry of found.apps.filter((candidate) => candidate.app !== "orders-notifier")) {
            expect(entry.status, `${entry.app}: ${JSON.stringify(entry.causes)}`).to.equal("healthy");
            expect(
                entry.pods.every((pod) => pod.ready && pod.mounted),
                entry.app,
            ).to.equal(true);
            expect(entry.mountedSince, entry.app).to.be.a("string");
            expect(Object.keys(entry.versions).length, entry.app).to.be.greaterThan(0);
            for (const secret of entry.syncedSecrets) {
                expect(secret.present, `${entry.app} ${secret.name}`).to.equal(true);
                expect(secret.writtenBy, secret.name).to.deep.equal(["driver"]);
                expect(secret.owners.join(), secret.name).to.match(/^ReplicaSet\//);
                expect(secret.keys.length, secret.name).to.be.greaterThan(0);
            }
        }
        // the SecretSync app: no CSI volume, its pod Ready on the Secrets the stand-in applied, with the keys of
        // syncedSecrets (names only: doctor reads no value) and the controller's label, owner and status conditions
        const notifier = app(found, "orders-notifier");
        expect(notifier.pods.length).to.be.greaterThan(0);
        expect(notifier.pods.every((pod) => pod.ready && !pod.mounted)).to.equal(true);
        const wanted = (config.applications.find((entry) => entry.name === "orders-notifier") as StackConfig["applications"][number])
            .syncedSecrets;
        expect(
            notifier.syncedSecrets.map((secret) => [secret.name, secret.present, secret.keys, secret.writtenBy, secret.owners]),
        ).to.deep.equal(
            wanted.map((secret) => [
                secret.secretName,
                true,
                secret.data.map((entry) => entry.key).sort(),
                ["sync-controller"],
                [`SecretSync/${secret.secretName}`],
            ]),
        );
        for (const secret of wanted) {
            const object = await kube.get(`/api/v1/namespaces/orders/secrets/${secret.secretName}`);
            expect(Object.keys(object.data).sort(), secret.secretName).to.deep.equal(secret.data.map((entry) => entry.key).sort());
            expect(object.type).to.equal(secret.type);
            expect(object.metadata.labels).to.deep.equal({ ...(secret.labels ?? {}), "secrets-store.sync.x-k8s.io": "" });
            expect(object.metadata.managedFields.map((entry: { manager: string }) => entry.manager)).to.deep.equal([
                "secrets-store-sync-controller",
            ]);
            const sync = await kube.get(`/apis/secret-sync.x-k8s.io/v1alpha1/namespaces/orders/secretsyncs/${secret.secretName}`);
            expect(sync.status.syncHash).to.match(/^v1:[0-9a-f]{64}$/);
            expect(
                sync.status.conditions.map((condition: KubeObject) => [condition.type, condition.status, condition.reason]),
            ).to.deep.equal([
                ["SecretCreated", "True", "CreateSuccessful"],
                ["SecretUpdated", "True", "SecretUpToDate"],
            ]);
        }
        // doctor prints no value: the stand-in's values never appear in its output
        const values = Object.values(JSON.parse(pristine).vaults[VAULT].secrets as Record<string, Array<{ value: string }>>).flatMap(
            (versions) => versions.map((version) => version.value),
        );
        for (const value of values) {
            expect(run.stdout.includes(value)).to.equal(false);
        }
        const namespaced = await report("--stack-outputs", outputsFile, "--namespace", "payments");
        expect(namespaced.apps.map((entry) => entry.app).sort()).to.deep.equal(["payments", "signing"]);
        expect(namespaced.healthy).to.equal(true);
    });

    it("a role removed: names the identity, the action and the object, with the az role assignment command", async () => {
        standIn("revoke", "--vault", VAULT, "--client-id", addonClientId);
        await restart("orders", "orders-api");
        const found = await awaitCause("orders-api", "role-missing");
        const cause = found.causes.find((candidate) => candidate.id === "role-missing");
        expect(cause?.cause).to.include(addonClientId);
        expect(cause?.cause).to.match(/403 on secrets\/getSecret\/action/);
        expect(cause?.fix).to.match(
            /^az role assignment create --role "Key Vault Secrets User" --assignee-object-id [0-9a-f-]{36} --assignee-principal-type ServicePrincipal --scope \$\(az keyvault show --name kv-local-demo --query id --output tsv\)\/secrets\/orders-/,
        );
        restoreVault();
        await restart("orders", "orders-api");
        await restart("payments", "signing");
        await awaitReady("orders", "orders-api");
        await awaitReady("payments", "signing");
        await awaitHealthy("orders-api", "signing");
    });

    it("an object deleted: names the object and the vault (SecretNotFound), with create, recover or remove", async () => {
        standIn("remove", "--vault", VAULT, "--kind", "secret", "--name", "orders-api-key");
        await restart("orders", "orders-api");
        const found = await awaitCause("orders-api", "object-not-found");
        const cause = found.causes.find((candidate) => candidate.id === "object-not-found");
        expect(cause?.cause).to.equal(
            `Key Vault kv-local-demo holds no secret "orders-api-key" (SecretNotFound), which class orders/orders-api names`,
        );
        expect(cause?.fix).to.include("az keyvault secret recover --vault-name kv-local-demo --name orders-api-key");
        restoreVault();
        await restart("orders", "orders-api");
        await awaitReady("orders", "orders-api");
        await awaitHealthy("orders-api");
    });

    it("a federated credential with another subject: the subject the pod presented and the credential it needs", async () => {
        const content: { tenants: Record<string, { federatedCredentials?: Array<{ subject: string }> }> } = JSON.parse(pristine);
        for (const tenant of Object.values(content.tenants)) {
            for (const credential of tenant.federatedCredentials ?? []) {
                if (credential.subject === "system:serviceaccount:payments:payments") {
                    credential.subject = "system:serviceaccount:payments:payments-old";
                }
            }
        }
        fs.writeFileSync(node.standIn.content, JSON.stringify(content), { mode: 0o600 });
        await restart("payments", "payments");
        const found = await awaitCause("payments", "federated-credential-mismatch");
        const cause = found.causes.find((candidate) => candidate.id === "federated-credential-mismatch");
        expect(cause?.cause).to.match(/\(AADSTS700213\)/);
        expect(cause?.cause).to.include("the pod presented subject system:serviceaccount:payments:payments");
        expect(cause?.fix).to.include("--subject system:serviceaccount:payments:payments --audiences api://AzureADTokenExchange");
        restoreVault();
        await restart("payments", "payments");
        await awaitReady("payments", "payments");
        await awaitHealthy("payments");
    });

    it("the vault throttling (429): names the throttling and how to read less", async () => {
        standIn("throttle", "--vault", VAULT);
        await restart("orders", "orders-api");
        const found = await awaitCause("orders-api", "throttled");
        const cause = found.causes.find((candidate) => candidate.id === "throttled");
        const podName = cause?.pods[0] as string;
        const events = await kube.get(
            `/api/v1/namespaces/orders/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${podName}`)}`,
        );
        const raw = (events.items as KubeObject[]).filter((event) => event.reason === "FailedMount").pop()?.message;
        expect(raw).to.match(/RESPONSE 429: 429 Too Many Requests\nERROR CODE: Throttled/);
        console.log(`      the provider's message: ${JSON.stringify(raw)}`);
        expect(cause?.cause).to.match(/^Key Vault kv-local-demo throttled the provider \(429 Too Many Requests\)/);
        expect(cause?.fix).to.include("--rotation-poll-interval");
        standIn("throttle", "--vault", VAULT, "--off");
        restoreVault();
        // Every pod of the vault may have met the 429 at a rotation poll while the throttle was on.
        await restartEveryPodOfTheVault();
    });

    it("a vault that does not answer (requests held): names the vault within a minute of the pod's start, and again from the kubelet's timeout 2 minutes later", async () => {
        standIn("hang", "--vault", VAULT);
        const started = Date.now();
        await restart("orders", "orders-api");
        const found = await awaitCause("orders-api", "keyvault-unanswered");
        const seconds = (Date.now() - started) / 1000;
        const cause = found.causes.find((candidate) => candidate.id === "keyvault-unanswered");
        expect(cause?.cause).to.match(
            /^the pod has waited \d+ s for class orders-api's volume with no mount and no error: Key Vault kv-local-demo or Entra ID did not answer the Azure provider/,
        );
        expect(cause?.fix).to.include("https://kv-local-demo.vault.azure.net");
        expect(seconds, "seconds from the restart to doctor naming the vault").to.be.below(75);
        // The kubelet's CSI call gives up after 2 minutes: its FailedMount is read as the same cause, with its words.
        const timedOut = await until("the FailedMount of the held mount", 180_000, async () => {
            const entry = app(await report("--stack-outputs", outputsFile), "orders-api");
            return entry?.causes.find((candidate) => candidate.id === "keyvault-unanswered" && candidate.message);
        });
        console.log(`      the kubelet's words: ${timedOut.message}`);
        expect(timedOut.cause).to.match(/^the mount timed out: Key Vault kv-local-demo or Entra ID did not answer/);
        standIn("hang", "--vault", VAULT, "--off");
        // Every pod of the vault may have had a rotation held meanwhile: new pods start clean (as after the throttling).
        await restartEveryPodOfTheVault();
    });

    it("a Secret name akv2k8s also writes: names the Secret, its akv2k8s owner and the rename", async () => {
        const secretPath = "/api/v1/namespaces/orders/secrets/orders-api-keyvault";
        const owner = { apiVersion: "spv.no/v2beta1", kind: "AzureKeyVaultSecret", name: "orders-db", uid: randomUUID() };
        // The test reads and writes the whole Secret to add an owner (doctor reads its metadata only), once the driver
        // has made the pod's ReplicaSet its owner (a moment after the mount; longer on the upstream lane).
        const secret = await until("the driver's owner on the synced Secret", 60_000, async () => {
            const current = await kube.get(secretPath);
            return (current.metadata.ownerReferences ?? []).some((entry: { kind: string }) => entry.kind === "ReplicaSet")
                ? current
                : undefined;
        });
        secret.metadata.ownerReferences = [...(secret.metadata.ownerReferences ?? []), owner];
        expect((await kube.request("PUT", secretPath, secret)).status).to.equal(200);
        const found = await awaitCause("orders-api", "akv2k8s-secret-name");
        const cause = found.causes.find((candidate) => candidate.id === "akv2k8s-secret-name");
        expect(cause?.cause).to.match(
            /^synced Secret orders\/orders-api-keyvault is also written by akv2k8s \(owner ReplicaSet\/orders-api-\w+, AzureKeyVaultSecret\/orders-db\)/,
        );
        expect(cause?.fix).to.include("orders-api-keyvault-csi");
        const now = await kube.get(secretPath);
        now.metadata.ownerReferences = now.metadata.ownerReferences.filter(
            (entry: { kind: string }) => entry.kind !== "AzureKeyVaultSecret",
        );
        expect((await kube.request("PUT", secretPath, now)).status).to.equal(200);
        await awaitHealthy("orders-api");
    });

    it("the env-without-mount trap and a class in another namespace: each named with its fix (doctor without stack outputs: an app per class)", async () => {
        const classes = "/apis/secrets-store.csi.x-k8s.io/v1/namespaces/orders/secretproviderclasses";
        const ordersClass = await kube.get(`${classes}/orders-api`);
        await kube.create(classes, {
            apiVersion: "secrets-store.csi.x-k8s.io/v1",
            kind: "SecretProviderClass",
            metadata: { name: "trap" },
            spec: {
                provider: "azure",
                parameters: ordersClass.spec.parameters,
                secretObjects: [
                    { secretName: "trap-synced", type: "Opaque", data: [{ key: "password", objectName: "orders-db-password" }] },
                ],
            },
        });
        await kube.create("/apis/apps/v1/namespaces/orders/deployments", envWithoutMountDeployment("trap", "trap-synced", "password"));
        await kube.create("/api/v1/namespaces/payments/pods", podMounting("elsewhere", "orders-api"));
        const trap = await awaitCause("trap", "env-without-mount", ["--namespace", "orders"]);
        expect(trap.causes[0].cause).to.equal(
            "pod reads env from synced Secret trap-synced of class trap but mounts no CSI volume of that class: the driver writes a synced Secret only while a pod mounts the volume, so it never appears",
        );
        const notifier = app(await report("--namespace", "orders"), "orders-notifier");
        expect(notifier.causes).to.deep.equal([]);
        const elsewhere = await until("the elsewhere pod's FailedMount", 90_000, async () => {
            const entry = (await report()).apps.find((candidate) => candidate.app === "orders-api" && candidate.namespace === "payments");
            return entry?.causes.find((cause) => cause.id === "class-missing" && cause.message) ? entry : undefined;
        });
        expect(elsewhere.causes[0].cause).to.equal(
            `pod payments/elsewhere mounts class "orders-api", which namespace payments does not hold (namespace orders holds one of that name; a pod reads only its own namespace's classes)`,
        );
        expect(elsewhere.causes[0].message).to.equal(
            `rpc error: code = Unknown desc = failed to get secretproviderclass payments/orders-api, error: SecretProviderClass.secrets-store.csi.x-k8s.io "orders-api" not found`,
        );
        await kube.delete("/apis/apps/v1/namespaces/orders/deployments/trap");
        await kube.delete(`${classes}/trap`);
        await kube.delete("/api/v1/namespaces/payments/pods/elsewhere");
        await until("the trap and elsewhere pods gone", 90_000, async () =>
            (await kube.names("v1", "pods", "orders", "app=trap")).length === 0 &&
            !(await kube.find("/api/v1/namespaces/payments/pods/elsewhere"))
                ? true
                : undefined,
        );
        await awaitHealthy("orders-api", "payments");
    });

    it("a SecretSync's Secret deleted: the controller writes it again only when the SecretSync changes, so the pod waits (secret-sync-pending)", async () => {
        const syncPath = "/apis/secret-sync.x-k8s.io/v1alpha1/namespaces/orders/secretsyncs/orders-notifier-smtp";
        await kube.delete("/api/v1/namespaces/orders/secrets/orders-notifier-smtp");
        await restart("orders", "orders-notifier");
        const found = await awaitCause("orders-notifier", "secret-sync-pending");
        const cause = found.causes.find((candidate) => candidate.id === "secret-sync-pending");
        expect(cause?.cause).to.match(
            /^pod waits for Secret orders-notifier-smtp, which SecretSync orders\/orders-notifier-smtp \(class orders-notifier\) last wrote at \S+; the Secret is gone since, and the sync controller writes it again only when a value, the class or the SecretSync changes$/,
        );
        expect(cause?.fix).to.match(/^kubectl patch secretsync -n orders orders-notifier-smtp --type merge -p .*forceSynchronization/);
        // The stand-in still runs and re-reads every SecretSync each rotation poll (10 s here), as the controller
        // does; with the data and the SecretSync unchanged its state hash is too, so it writes nothing.
        expect(fs.existsSync(node.secretSync.pidFile)).to.equal(true);
        const log = node.secretSync.log;
        const polled = (fs.readFileSync(log, "utf8").match(/SecretSync orders\/orders-notifier-smtp: Secret unchanged/g) ?? []).length;
        await until("a rotation poll of the stand-in", 30_000, async () =>
            (fs.readFileSync(log, "utf8").match(/SecretSync orders\/orders-notifier-smtp: Secret unchanged/g) ?? []).length > polled
                ? true
                : undefined,
        );
        expect(await kube.find("/api/v1/namespaces/orders/secrets/orders-notifier-smtp")).to.equal(undefined);
        // a new forceSynchronization (a new generation) makes it write the Secret again; the kubelet then starts the pod
        const sync = await kube.get(syncPath);
        sync.spec.forceSynchronization = String(Date.now()); // the CRD's pattern: what `date +%s` gives
        expect((await kube.request("PUT", syncPath, sync)).status).to.equal(200);
        await awaitReady("orders", "orders-notifier");
        await awaitHealthy("orders-notifier");
    });

    it("the addon not enabled (no CSIDriver object): a cluster cause for every app, and exit code 3", async () => {
        const driverPath = "/apis/storage.k8s.io/v1/csidrivers/secrets-store.csi.k8s.io";
        const driver = await kube.get(driverPath);
        await kube.delete(driverPath);
        try {
            const run = await doctor("--stack-outputs", outputsFile);
            console.log(run.stdout.split("\n").slice(0, 4).join("\n").replace(/^/gm, "      "));
            expect(run.code).to.equal(DOCTOR_EXIT_CODES.failing);
            const found = await report("--stack-outputs", outputsFile);
            expect(found.csiDriver).to.equal(false);
            expect(found.clusterCauses.map((cause) => cause.id)).to.deep.equal(["addon-not-enabled"]);
            expect(found.clusterCauses[0].fix).to.match(/^az aks enable-addons --addons azure-keyvault-secrets-provider/);
            expect(found.apps.every((entry) => entry.status === "failing")).to.equal(true);
        } finally {
            const again: KubeObject = {
                apiVersion: "storage.k8s.io/v1",
                kind: "CSIDriver",
                metadata: { name: driver.metadata.name },
                spec: driver.spec,
            };
            await kube.create("/apis/storage.k8s.io/v1/csidrivers", again);
        }
        const healthy = await awaitHealthy("orders-api", "orders-notifier", "payments", "signing");
        expect(healthy.csiDriver).to.equal(true);
    });

    it("reads through an exec-plugin kubeconfig (as AKS's kubelogin): the plugin's ExecCredential authenticates", async () => {
        const kubeconfig = YAML.parse(fs.readFileSync(environment.stackOptions.kubeconfig, "utf8"));
        const current = readKubeContext(environment.stackOptions.kubeconfig);
        const credential = path.join(environment.stackOptions.stateDir, "exec-credential.json");
        fs.writeFileSync(
            credential,
            JSON.stringify({
                apiVersion: "client.authentication.k8s.io/v1",
                kind: "ExecCredential",
                // what the plugin hands over: the local user's token, or its client certificate
                status: current.token
                    ? { token: current.token }
                    : { clientCertificateData: current.cert?.toString(), clientKeyData: current.key?.toString() },
            }),
            { mode: 0o600 },
        );
        const userName = kubeconfig.contexts.find((entry: { name: string }) => entry.name === kubeconfig["current-context"]).context.user;
        kubeconfig.users.find((entry: { name: string }) => entry.name === userName).user = {
            exec: { apiVersion: "client.authentication.k8s.io/v1", command: "cat", args: [credential], interactiveMode: "Never" },
        };
        const execConfig = path.join(environment.stackOptions.stateDir, "exec.kubeconfig");
        fs.writeFileSync(execConfig, YAML.stringify(kubeconfig), { mode: 0o600 });
        let stdout = "";
        const code = await main(["doctor", "--kubeconfig", execConfig, "--stack-outputs", outputsFile, "--output", "json"], {
            cwd: process.cwd(),
            stdout: (t) => (stdout += t),
            stderr: (t) => (stdout += t),
            readStdin: async () => "",
        });
        expect(code, stdout).to.equal(DOCTOR_EXIT_CODES.healthy);
        const found = JSON.parse(stdout) as DoctorReport;
        expect(found.apps.filter((entry) => entry.status === "healthy").map((entry) => entry.app)).to.deep.equal([
            "orders-api",
            "orders-notifier",
            "payments",
            "signing",
        ]);
    });

    it("a cluster it can't read: exit code 4 and the reason (a context the kubeconfig lacks, a server that does not answer)", async () => {
        const missing = await doctor("--context", "no-such-context");
        expect(missing.code).to.equal(DOCTOR_EXIT_CODES.unreadable);
        expect(missing.stderr).to.match(/the kubeconfig has no context "no-such-context" \(it has .+\); pass one of those to --context/);
        const kubeconfig = YAML.parse(fs.readFileSync(environment.stackOptions.kubeconfig, "utf8"));
        for (const entry of kubeconfig.clusters) {
            entry.cluster.server = "https://127.0.0.1:1";
        }
        const broken = path.join(environment.stackOptions.stateDir, "unreachable.kubeconfig");
        fs.writeFileSync(broken, YAML.stringify(kubeconfig), { mode: 0o600 });
        let stderr = "";
        const code = await main(["doctor", "--kubeconfig", broken], {
            cwd: process.cwd(),
            stdout: () => undefined,
            stderr: (t) => (stderr += t),
            readStdin: async () => "",
        });
        expect(code).to.equal(DOCTOR_EXIT_CODES.unreadable);
        expect(stderr).to.match(/can't read the cluster of context .*ECONNREFUSED/);
    });
    it("preview warns that a renamed objectAlias takes a file from the running pods, and changes nothing", async () => {
        const raw = localStackConfig();
        const applications = JSON.parse(JSON.stringify(raw.applications)) as Array<Record<string, any>>;
        const ordersApi = applications.find((entry) => entry.name === "orders-api") as Record<string, any>;
        for (const object of ordersApi.objects) {
            if (object.objectAlias === "api-key") {
                object.objectAlias = "api-key-v2";
            }
        }
        for (const entry of ordersApi.syncedSecrets[0].data) {
            if (entry.objectName === "api-key") {
                entry.objectName = "api-key-v2";
            }
        }
        await stack.setConfig("aks-keyvault-secrets:applications", { value: JSON.stringify(applications) });
        let output = "";
        try {
            await stack.preview({ onOutput: (text) => (output += text) });
        } finally {
            await stack.setConfig("aks-keyvault-secrets:applications", { value: JSON.stringify(raw.applications) });
        }
        const line = output.split("\n").find((candidate) => candidate.includes("removes or renames")) ?? "";
        console.log(`      ${line.trim()}`);
        expect(line).to.match(
            /applications\[0\]\.objects \(app "orders-api"\): removes or renames "api-key", which 1 running pod\(s\) mount from class orders\/orders-api \(orders-api-\S+\); the files disappear/,
        );
        await stack.preview({ expectNoChanges: true });
    });

    // Last: the rollouts leave the synced Secret with several ReplicaSet owners, which the akv2k8s test reads.
    it("up names why a new pod cannot mount within a minute, while the Deployment is awaited", async () => {
        const raw = localStackConfig();
        const applications = JSON.parse(JSON.stringify(raw.applications)) as Array<Record<string, any>>;
        const ordersApi = applications.find((entry) => entry.name === "orders-api") as Record<string, any>;
        // a new env value rolls out a new pod, and without skipAwait up waits for it
        ordersApi.deployment = { ...ordersApi.deployment, skipAwait: false, env: { ROLLOUT: randomUUID() } };
        standIn("revoke", "--vault", VAULT, "--client-id", addonClientId);
        await stack.setConfig("aks-keyvault-secrets:applications", { value: JSON.stringify(applications) });
        const since = Date.now();
        let output = "";
        let namedAfter: number | undefined;
        const up = stack.up({
            onOutput: (text) => {
                output += text;
                if (namedAfter === undefined && /app "orders-api" pod \S+ waits: Key Vault refused identity/.test(output)) {
                    namedAfter = (Date.now() - since) / 1000;
                    restoreVault();
                    void restart("orders", "orders-api");
                }
            },
        });
        try {
            await up;
        } finally {
            restoreVault();
            await stack.setConfig("aks-keyvault-secrets:applications", { value: JSON.stringify(raw.applications) });
        }
        const line = output.split("\n").find((candidate) => candidate.includes('app "orders-api" pod ')) ?? "";
        console.log(`      named after ${namedAfter} s: ${line.trim().slice(0, 400)}`);
        expect(namedAfter, "up printed the cause").to.be.a("number");
        expect(namedAfter).to.be.at.most(60);
        expect(line).to.include(`Fix: az role assignment create --role "Key Vault Secrets User"`);
        expect(line).to.include("(aks-keyvault-secrets doctor --namespace orders shows every app)");
        timings.push(`up named the mount failure after ${namedAfter} s`);
        await stack.up();
        await awaitReady("orders", "orders-api");
        await awaitHealthy("orders-api");
    });
});
