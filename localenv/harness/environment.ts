/**
 * A Kubernetes API server with the Secrets Store CSI CRDs, the SecretSync CRD fixture and the local stack's namespaces, for the main job, the
 * e2e tests, the benchmark and the preview recorder: a private control plane started by `localenv/localenv up`, or
 * a cluster the user names. `stop()` leaves things as they were found.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { KubeClient } from "./kube";
import { LocalStackOptions, localNamespaces, pulumiHomeOf, stopLeftoverPlugins } from "./stack";
import { StandInFiles } from "./key-vault-seed";
import { LocalTools } from "./tools";
import { clusterDown, clusterUp, crdFiles, importImages, standInStart, standInStop, toolchainPaths } from "./localenv";

/** The pinned toolchain (`localenv/localenv paths`), as the end-to-end tests use it; `build --for main` builds it. */
export function pinnedTools(): LocalTools {
    const paths = toolchainPaths();
    return {
        pulumi: paths.pulumi,
        provider: paths["pulumi-resource-kubernetes"],
        etcd: paths.etcd,
        kubeApiserver: paths["kube-apiserver"],
        kubeControllerManager: paths["kube-controller-manager"],
        report: ["the pinned toolchain (localenv/localenv paths)"],
    };
}

export interface LocalEnvironment {
    kube: KubeClient;
    /** Options for openLocalStack (state dir, kubeconfig, toolchain). */
    stackOptions: LocalStackOptions;
    /** The state dir of `localenv/localenv up` (a private control plane only): its logs, pid files, the node's state. */
    clusterStateDir?: string;
    /** True when this is a cluster the user named, not one started here. */
    existing: boolean;
    /** The node, the CSI driver, the Azure provider and the Key Vault stand-in (a private control plane started with `node`). */
    node?: LocalNode;
    stop(): Promise<void>;
}

/** What a private cluster with a node offers the harness. */
export interface LocalNode {
    /** The Key Vault stand-in's binary, content file and a private scratch dir (see key-vault-seed.ts). */
    standIn: StandInFiles;
    /** The stand-in's request log (one JSON line per request, no values). */
    requestLog: string;
    /**
     * The stand-in as an HTTPS proxy, the way the node's provider reaches Key Vault and Entra ID under their real
     * names: its URL (for HTTPS_PROXY) and the CA of the certificates it serves (for NODE_EXTRA_CA_CERTS).
     */
    proxy: { url: string; caFile: string };
    /** Imports the probe image under each name, so Deployments using those images start without a registry. */
    importImages(names: string[]): void;
    /** The secrets-store-sync-controller stand-in (docs/secret-sync.md): its log (a line per reconcile) and pid file. */
    secretSync: { log: string; pidFile: string };
    /** A Key Vault outage: stops the stand-in's process (`start` brings it back at the same address, CA and token key). */
    standInOutage: { stop(): void; start(): void };
}

export interface LocalEnvironmentOptions {
    /** Tools to run the control plane and the engine with (default: the pinned toolchain). */
    tools?: LocalTools;
    /** Use the current context of this kubeconfig instead of starting a control plane. */
    existingKubeconfig?: string;
    /** Also run a node (kubelet, containerd), the CSI driver, the Azure provider and the Key Vault stand-in (private control plane only). */
    node?: boolean;
    /** The driver/provider lane of versions.json the node runs (default: its default lane). */
    lane?: string;
    log?: (line: string) => void;
}

/** Installs the CRDs a cluster lacks and waits until they are served; returns the names of those it installed. */
async function installMissingCrds(kube: KubeClient, log: (line: string) => void): Promise<string[]> {
    const installed: string[] = [];
    for (const file of crdFiles()) {
        const crd = YAML.parse(fs.readFileSync(file, "utf8"));
        if (await kube.create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)) {
            installed.push(crd.metadata.name);
            log(`installed CRD ${crd.metadata.name}`);
        }
    }
    for (const name of installed) {
        const deadline = Date.now() + 60_000;
        for (;;) {
            const crd = await kube.find(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
            if (
                (crd?.status?.conditions ?? []).some(
                    (c: { type: string; status: string }) => c.type === "Established" && c.status === "True",
                )
            ) {
                break;
            }
            if (Date.now() > deadline) {
                throw new Error(`CRD ${name} not Established after 60 s`);
            }
            await new Promise((resolve) => setTimeout(resolve, 500));
        }
    }
    return installed;
}

export async function startLocalEnvironment(
    prefix: string,
    extraNamespaces: string[] = [],
    options: LocalEnvironmentOptions = {},
): Promise<LocalEnvironment> {
    const tools = options.tools ?? pinnedTools();
    const log = options.log ?? (() => undefined);
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    const namespaces = [...localNamespaces(), ...extraNamespaces];
    const stackOptions = (kubeconfig: string): LocalStackOptions => ({
        stateDir,
        kubeconfig,
        pulumiBinary: tools.pulumi,
        provider: tools.provider,
    });

    if (options.existingKubeconfig) {
        const kube = new KubeClient(options.existingKubeconfig);
        const installedCrds = await installMissingCrds(kube, log);
        const createdNamespaces: string[] = [];
        for (const namespace of namespaces) {
            if (await kube.ensureNamespace(namespace)) {
                createdNamespaces.push(namespace);
            }
        }
        return {
            kube,
            existing: true,
            stackOptions: stackOptions(options.existingKubeconfig),
            stop: async () => {
                for (const namespace of createdNamespaces) {
                    await kube.delete(`/api/v1/namespaces/${namespace}`);
                }
                for (const name of installedCrds) {
                    await kube.delete(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
                }
                stopLeftoverPlugins(pulumiHomeOf(stateDir));
                fs.rmSync(stateDir, { recursive: true, force: true });
            },
        };
    }

    const clusterStateDir = path.join(stateDir, "cluster");
    const kubeconfig = clusterUp(clusterStateDir, {
        node: options.node,
        lane: options.lane,
        etcd: tools.etcd,
        kubeApiserver: tools.kubeApiserver,
        // Only deletes need it (garbage collector, namespace finalizer): none when this run has none.
        kubeControllerManager: tools.kubeControllerManager ?? false,
    });
    const kube = new KubeClient(kubeconfig);
    for (const namespace of namespaces) {
        await kube.ensureNamespace(namespace);
    }
    const node: LocalNode | undefined = options.node
        ? {
              standIn: {
                  binary: toolchainPaths()["keyvault-standin"],
                  content: path.join(clusterStateDir, "keyvault.json"),
                  scratch: path.join(stateDir, "scratch"),
              },
              requestLog: path.join(clusterStateDir, "logs", "keyvault-requests.jsonl"),
              proxy: {
                  url: `http://127.0.0.1:${fs.readFileSync(path.join(clusterStateDir, "standin.port"), "utf8").trim()}`,
                  caFile: path.join(clusterStateDir, "standin", "ca.pem"),
              },
              importImages: (names) => importImages(clusterStateDir, names),
              secretSync: {
                  log: path.join(clusterStateDir, "logs", "secretsync-standin.log"),
                  pidFile: path.join(clusterStateDir, "secretsync-standin.pid"),
              },
              standInOutage: { stop: () => standInStop(clusterStateDir), start: () => standInStart(clusterStateDir) },
          }
        : undefined;
    return {
        kube,
        clusterStateDir,
        existing: false,
        node,
        stackOptions: stackOptions(kubeconfig),
        stop: async () => {
            stopLeftoverPlugins(pulumiHomeOf(stateDir));
            clusterDown(clusterStateDir);
            fs.rmSync(stateDir, { recursive: true, force: true });
        },
    };
}
