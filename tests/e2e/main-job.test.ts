/**
 * End to end: the README's main job, `npm run local`, with what a user's machine may already have: a Pulumi CLI on
 * PATH (recent enough or not), the provider in the Pulumi plugin cache, envtest binaries in KUBEBUILDER_ASSETS, an
 * existing cluster named by --kubeconfig (installing only missing CRDs, leaving it as found), and a context that is
 * not on this machine (refused). The plain run, with nothing but the toolchain, is a step of .ci/run.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { KubeClient } from "../../localenv/harness/kube";
import { REPO_ROOT } from "../../localenv/harness/stack";
import { clusterDown, clusterUp, toolchainPaths } from "../../localenv/harness/localenv";

const CRDS = [
    "secretproviderclasses.secrets-store.csi.x-k8s.io",
    "secretproviderclasspodstatuses.secrets-store.csi.x-k8s.io",
    "secretsyncs.secret-sync.x-k8s.io",
];

interface JobRun {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** `npm run local` as a child process, with a PATH that holds no toolchain directory unless given. */
function runLocal(args: string[], env: NodeJS.ProcessEnv): JobRun {
    const result = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "localenv/harness/main-job.ts", ...args], {
        cwd: REPO_ROOT,
        encoding: "utf8",
        env: { ...process.env, PULUMI_HOME: undefined, KUBEBUILDER_ASSETS: undefined, AKV_LOCAL_KUBECONFIG: undefined, ...env },
        timeout: 10 * 60 * 1000,
        maxBuffer: 64 * 1024 * 1024,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function expectSuccess(run: JobRun): void {
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.contain("== stack outputs");
    expect(run.stdout).to.contain('"orders-api"');
}

describe("npm run local with what the machine already has", function () {
    this.timeout(20 * 60 * 1000);
    const tools = toolchainPaths();
    let scratch = "";
    const cleanPath = (process.env.PATH ?? "")
        .split(path.delimiter)
        .filter((dir) => !dir.includes("aks-keyvault-secrets-toolchain"))
        .join(path.delimiter);

    before(() => {
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "akv-e2e-main-"));
    });
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    function dirWith(name: string, links: Record<string, string>): string {
        const dir = path.join(scratch, name);
        fs.mkdirSync(dir, { recursive: true });
        for (const [link, target] of Object.entries(links)) {
            fs.symlinkSync(target, path.join(dir, link));
        }
        return dir;
    }

    it("uses a recent pulumi on PATH, the provider from the plugin cache, kube-apiserver and etcd from KUBEBUILDER_ASSETS", () => {
        const bin = dirWith("user-bin", { pulumi: tools.pulumi });
        const home = path.join(scratch, "pulumi-home");
        const provider = (JSON.parse(fs.readFileSync(require.resolve("@pulumi/kubernetes/package.json"), "utf8")) as { version: string })
            .version;
        dirWith(`pulumi-home/plugins/resource-kubernetes-v${provider}`, {
            "pulumi-resource-kubernetes": tools["pulumi-resource-kubernetes"],
        });
        const assets = dirWith("envtest", { etcd: tools.etcd, "kube-apiserver": tools["kube-apiserver"], kubectl: "/bin/false" });

        const run = runLocal(["--no-node"], { PATH: `${bin}${path.delimiter}${cleanPath}`, PULUMI_HOME: home, KUBEBUILDER_ASSETS: assets });
        expectSuccess(run);
        expect(run.stderr).to.match(/pulumi 3\.\d+\.\d+ from PATH \(.*user-bin\/pulumi\)/);
        expect(run.stderr).to.contain(
            `kubernetes provider ${provider} from the plugin cache (${path.join(home, "plugins", `resource-kubernetes-v${provider}`)})`,
        );
        expect(run.stderr).to.contain(`kube-apiserver and etcd from KUBEBUILDER_ASSETS (${assets})`);
        expect(run.stderr).to.not.contain("building what is missing");
    });

    it("passes over a pulumi on PATH that is older than the SDK, and says why", () => {
        const bin = path.join(scratch, "old-bin");
        fs.mkdirSync(bin);
        fs.writeFileSync(path.join(bin, "pulumi"), "#!/bin/sh\necho v3.100.0\n", { mode: 0o755 });
        const run = runLocal(["--no-node"], { PATH: `${bin}${path.delimiter}${cleanPath}` });
        expectSuccess(run);
        expect(run.stderr).to.contain("pulumi from the toolchain (the one on PATH is 3.100.0, older than the SDK's 3.248.0)");
    });

    it("refuses a kubeconfig whose context is not on this machine, before building or touching anything", () => {
        const kubeconfig = path.join(scratch, "remote.yaml");
        fs.writeFileSync(
            kubeconfig,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster:\n    server: https://aks-prod-1a2b.hcp.westeurope.azmk8s.io:443\n" +
                "users:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: aks-prod\n  context:\n    cluster: prod\n    user: u\ncurrent-context: aks-prod\n",
        );
        const run = runLocal(["--kubeconfig", kubeconfig], { PATH: cleanPath });
        expect(run.status).to.equal(1);
        expect(run.stderr).to.contain(
            `[local] ERROR: context "aks-prod" of ${kubeconfig} talks to https://aks-prod-1a2b.hcp.westeurope.azmk8s.io:443, which is not on this machine.`,
        );
        expect(run.stderr).to.contain("add --allow-remote-cluster if that is what you want");
        expect(run.stderr).to.not.contain("[local] tools");
    });

    describe("an existing cluster named by --kubeconfig", () => {
        let stateDir = "";
        let kube: KubeClient;
        let kubeconfig = "";

        before(async () => {
            stateDir = path.join(scratch, "bare-cluster");
            // No CRDs: the job must install them, as on a user's cluster without the driver.
            kubeconfig = clusterUp(stateDir, { noCrds: true });
            kube = new KubeClient(kubeconfig);
            await kube.ensureNamespace("orders"); // the user's own namespace: must survive the job
        });
        after(() => clusterDown(stateDir));

        it("installs only the missing CRDs, ups the stack, then leaves the cluster as it found it", async () => {
            for (const crd of CRDS) {
                expect(await kube.find(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd}`), crd).to.equal(undefined);
            }
            const run = runLocal(["--kubeconfig", kubeconfig], { PATH: cleanPath, KUBECONFIG: "/nonexistent/ambient" });
            expectSuccess(run);
            expect(run.stderr).to.contain(`cluster: context "akv-local" of ${kubeconfig}`);
            for (const crd of CRDS) {
                expect(run.stderr).to.contain(`installed CRD ${crd}`);
            }
            expect(run.stderr).to.contain("pulumi destroy --yes");
            expect(run.stderr).to.not.contain("starting a private local API server");

            for (const crd of CRDS) {
                const left = await kube.find(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd}`);
                expect(left === undefined || left.metadata.deletionTimestamp !== undefined, `${crd} removed`).to.equal(true);
            }
            const payments = await kube.find("/api/v1/namespaces/payments");
            expect(
                payments === undefined || payments.metadata.deletionTimestamp !== undefined,
                "namespace payments (created by the job) removed",
            ).to.equal(true);
            const orders = await kube.get("/api/v1/namespaces/orders");
            expect(orders.metadata.deletionTimestamp, "the user's namespace orders is kept").to.equal(undefined);
            expect(await kube.names("apps/v1", "deployments", "orders")).to.deep.equal([]);
            expect(await kube.names("v1", "serviceaccounts", "orders")).to.deep.equal(["default"]);
        });
    });
});
