import { expect } from "chai";
import * as path from "path";
import { parseLocalJobArgs } from "../main-job";
import { cliIsRecentEnough, compareVersions, envtestBinaries, isLocalCluster, parseVersion, pluginCacheBinary } from "../tools";

describe("npm run local: which tools and which cluster", () => {
    const v = (text: string) => parseVersion(text)!;

    it("reads versions as `pulumi version` and package.json print them", () => {
        expect(v("v3.301.4\n")).to.deep.equal({ major: 3, minor: 301, patch: 4, prerelease: "" });
        expect(v("3.250.0-alpha.x1234")).to.deep.equal({ major: 3, minor: 250, patch: 0, prerelease: "alpha.x1234" });
        expect(parseVersion("unknown")).to.equal(undefined);
    });

    it("orders versions like semver: numbers first, a pre-release before its release", () => {
        expect(compareVersions(v("3.248.0"), v("3.301.4"))).to.equal(-1);
        expect(compareVersions(v("3.300.0"), v("3.274.9"))).to.equal(1);
        expect(compareVersions(v("3.248.0-alpha"), v("3.248.0"))).to.equal(-1);
        expect(compareVersions(v("3.248.0"), v("3.248.0"))).to.equal(0);
    });

    it("takes a CLI on PATH of the SDK's major version, at least as new as the SDK", () => {
        const sdk = v("3.248.0");
        expect(cliIsRecentEnough(v("3.248.0"), sdk)).to.equal(true);
        expect(cliIsRecentEnough(v("3.301.4"), sdk)).to.equal(true);
        expect(cliIsRecentEnough(v("3.247.9"), sdk)).to.equal(false);
        expect(cliIsRecentEnough(v("3.248.0-alpha.1"), sdk)).to.equal(false);
        expect(cliIsRecentEnough(v("4.0.0"), sdk)).to.equal(false);
    });

    it("finds kube-apiserver and etcd in the envtest layout only when both are there", () => {
        const present = new Set(["/assets/etcd", "/assets/kube-apiserver", "/half/etcd"]);
        expect(envtestBinaries("/assets", (file) => present.has(file))).to.deep.equal({
            etcd: "/assets/etcd",
            kubeApiserver: "/assets/kube-apiserver",
        });
        expect(envtestBinaries("/half", (file) => present.has(file))).to.equal(undefined);
    });

    it("knows where the engine caches a plugin", () => {
        expect(pluginCacheBinary("/home/u/.pulumi", "kubernetes", "4.99.1")).to.equal(
            path.join("/home/u/.pulumi", "plugins", "resource-kubernetes-v4.99.1", "pulumi-resource-kubernetes"),
        );
    });

    it("calls a cluster local by its loopback address or a local distribution's context name, nothing else", () => {
        for (const [server, context] of [
            ["https://127.0.0.1:6443", "anything"],
            ["https://127.10.0.3:443", "anything"],
            ["https://localhost:8443", "anything"],
            ["https://[::1]:6443", "anything"],
            ["https://0.0.0.0:6550", "k3d-dev"],
            ["https://192.168.49.2:8443", "minikube"],
            ["https://kubernetes.docker.internal:6443", "docker-desktop"],
            ["https://10.1.2.3:6443", "kind-e2e"],
        ]) {
            expect(isLocalCluster(server, context), `${server} ${context}`).to.equal(true);
        }
        for (const [server, context] of [
            ["https://aks-prod-dns-1a2b.hcp.westeurope.azmk8s.io:443", "aks-prod"],
            ["https://10.1.2.3:6443", "prod-kind"],
            ["https://128.0.0.1:6443", "x"],
            ["not a url", "x"],
        ]) {
            expect(isLocalCluster(server, context), `${server} ${context}`).to.equal(false);
        }
    });

    it("never takes the ambient KUBECONFIG: only --kubeconfig or AKV_LOCAL_KUBECONFIG", () => {
        expect(parseLocalJobArgs([], { KUBECONFIG: "/home/u/.kube/config" })).to.deep.equal({
            keep: false,
            node: true,
            allowRemoteCluster: false,
            kubeconfig: undefined,
        });
        expect(parseLocalJobArgs(["--kubeconfig", "k.yaml", "--keep"], {})).to.deep.equal({
            keep: true,
            node: false,
            allowRemoteCluster: false,
            kubeconfig: "k.yaml",
        });
        expect(parseLocalJobArgs(["--no-node"], {}).node).to.equal(false);
        expect(parseLocalJobArgs(["--lane", "upstream"], {}).lane).to.equal("upstream");
        expect(parseLocalJobArgs(["--lane=addon"], {}).lane).to.equal("addon");
        expect(() => parseLocalJobArgs(["--lane", "upstream", "--kubeconfig", "k.yaml"], {})).to.throw(
            "--lane picks the local node's driver",
        );
        expect(parseLocalJobArgs(["--kubeconfig=k.yaml", "--allow-remote-cluster"], {}).allowRemoteCluster).to.equal(true);
        expect(parseLocalJobArgs([], { AKV_LOCAL_KUBECONFIG: "env.yaml" }).kubeconfig).to.equal("env.yaml");
        expect(() => parseLocalJobArgs(["--allow-remote-cluster"], {})).to.throw("--allow-remote-cluster needs --kubeconfig");
        expect(() => parseLocalJobArgs(["--kubeconfg", "x"], {})).to.throw('unknown argument "--kubeconfg"');
    });
});
