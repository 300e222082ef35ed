/**
 * A Kubernetes API server with the Secrets Store CSI CRDs, the SecretSync CRD fixture and the local stack's namespaces, for the main job, the
 * e2e tests, the benchmark and the preview recorder: a private control plane started by scripts/local-cluster.sh,
 * or a cluster the user names. `stop()` leaves things as they were found.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { KubeClient } from "./kube";
import { LocalStackOptions, REPO_ROOT, localNamespaces } from "./stack";
import { StandInFiles } from "./key-vault-seed";
import { LocalTools, toolchainPaths } from "./tools";

/** The `export NAME='value'` lines of `scripts/toolchain.sh env`, as an object. */
export function toolchainEnv(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const line of execFileSync(path.join(REPO_ROOT, "scripts/toolchain.sh"), ["env"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).split("\n")) {
        const match = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
        if (match) {
            env[match[1]] = match[2].replace(/'"\$PATH"$/, "").replace(/^'|'$/g, "");
        }
    }
    return env;
}

/** The pinned toolchain (scripts/toolchain.sh), as the e2e tests use it. */
export function pinnedTools(): LocalTools {
    const env = toolchainEnv();
    return {
        pulumi: env.AKV_PULUMI,
        providerDir: env.PATH,
        etcd: env.AKV_ETCD,
        kubeApiserver: env.AKV_KUBE_APISERVER,
        kubeControllerManager: env.AKV_KUBE_CONTROLLER_MANAGER,
        report: ["the pinned toolchain (scripts/toolchain.sh)"],
    };
}

/** The CRD files: the Secrets Store CSI CRDs from the driver's Go module (downloaded if needed), our SecretSync fixture. */
export function crdFiles(): string[] {
    const out = execFileSync(path.join(REPO_ROOT, "scripts/toolchain.sh"), ["crds"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    return out.trim().split("\n").filter(Boolean);
}

export interface LocalEnvironment {
    kube: KubeClient;
    /** Options for openLocalStack (state dir, kubeconfig, toolchain). */
    stackOptions: LocalStackOptions;
    /** Environment of scripts/local-cluster.sh for this cluster (a private control plane only). */
    clusterEnv: NodeJS.ProcessEnv;
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
    /** Imports the probe image under each name, so Deployments using those images start without a registry. */
    importImages(names: string[]): void;
}

export interface LocalEnvironmentOptions {
    /** Tools to run the control plane and the engine with (default: the pinned toolchain). */
    tools?: LocalTools;
    /** Use the current context of this kubeconfig instead of starting a control plane. */
    existingKubeconfig?: string;
    /** Also run a node (kubelet, containerd), the CSI driver, the Azure provider and the Key Vault stand-in (private control plane only). */
    node?: boolean;
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
            if ((crd?.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === "Established" && c.status === "True")) {
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

export async function startLocalEnvironment(prefix: string, extraNamespaces: string[] = [], options: LocalEnvironmentOptions = {}): Promise<LocalEnvironment> {
    const tools = options.tools ?? pinnedTools();
    const log = options.log ?? (() => undefined);
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    const namespaces = [...localNamespaces(), ...extraNamespaces];
    const stackOptions = (kubeconfig: string): LocalStackOptions => ({ stateDir, kubeconfig, pulumiBinary: tools.pulumi, extraPath: tools.providerDir });

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
            clusterEnv: {},
            existing: true,
            stackOptions: stackOptions(options.existingKubeconfig),
            stop: async () => {
                for (const namespace of createdNamespaces) {
                    await kube.delete(`/api/v1/namespaces/${namespace}`);
                }
                for (const name of installedCrds) {
                    await kube.delete(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
                }
                fs.rmSync(stateDir, { recursive: true, force: true });
            },
        };
    }

    const clusterEnv: NodeJS.ProcessEnv = {
        ...process.env,
        AKV_CLUSTER_STATE_DIR: path.join(stateDir, "cluster"),
        AKV_ETCD: tools.etcd,
        AKV_KUBE_APISERVER: tools.kubeApiserver,
        ...(tools.kubeControllerManager ? { AKV_KUBE_CONTROLLER_MANAGER: tools.kubeControllerManager } : { AKV_CLUSTER_CONTROLLER_MANAGER: "0" }),
        AKV_CLUSTER_NODE: options.node ? "1" : "0",
    };
    const script = path.join(REPO_ROOT, "scripts/local-cluster.sh");
    execFileSync(script, ["start"], { env: clusterEnv, stdio: ["ignore", "ignore", "inherit"] });
    const kubeconfig = path.join(stateDir, "cluster", "kubeconfig");
    const kube = new KubeClient(kubeconfig);
    for (const namespace of namespaces) {
        await kube.ensureNamespace(namespace);
    }
    const clusterState = path.join(stateDir, "cluster");
    const node: LocalNode | undefined = options.node
        ? {
              standIn: { binary: toolchainPaths()["keyvault-standin"], content: path.join(clusterState, "keyvault.json"), scratch: path.join(stateDir, "scratch") },
              requestLog: path.join(clusterState, "logs", "keyvault-requests.jsonl"),
              importImages: (names) => execFileSync(script, ["import-images", ...names], { env: clusterEnv, stdio: ["ignore", "ignore", "inherit"] }),
          }
        : undefined;
    return {
        kube,
        clusterEnv,
        existing: false,
        node,
        stackOptions: stackOptions(kubeconfig),
        stop: async () => {
            execFileSync(script, ["stop"], { env: clusterEnv, stdio: ["ignore", "ignore", "inherit"] });
            fs.rmSync(stateDir, { recursive: true, force: true });
        },
    };
}
