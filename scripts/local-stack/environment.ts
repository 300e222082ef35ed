/** A private local API server with the local stack's namespaces, torn down by `stop()`: for the e2e tests, the benchmark and the preview recorder. */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { KubeClient } from "./kube";
import { LocalStackOptions, REPO_ROOT, localNamespaces } from "./stack";

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

export interface LocalEnvironment {
    kube: KubeClient;
    /** Options for openLocalStack (state dir, kubeconfig, toolchain). */
    stackOptions: LocalStackOptions;
    /** Environment of scripts/local-cluster.sh for this cluster. */
    clusterEnv: NodeJS.ProcessEnv;
    stop(): void;
}

export async function startLocalEnvironment(prefix: string, extraNamespaces: string[] = []): Promise<LocalEnvironment> {
    const tools = toolchainEnv();
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    const clusterEnv = { ...process.env, AKV_CLUSTER_STATE_DIR: path.join(stateDir, "cluster") };
    const script = path.join(REPO_ROOT, "scripts/local-cluster.sh");
    execFileSync(script, ["start"], { env: clusterEnv, stdio: ["ignore", "ignore", "inherit"] });
    const kubeconfig = path.join(stateDir, "cluster", "kubeconfig");
    const kube = new KubeClient(kubeconfig);
    for (const namespace of [...localNamespaces(), ...extraNamespaces]) {
        await kube.ensureNamespace(namespace);
    }
    return {
        kube,
        clusterEnv,
        stackOptions: { stateDir, kubeconfig, pulumiBinary: tools.AKV_PULUMI, extraPath: tools.PATH },
        stop: () => {
            execFileSync(script, ["stop"], { env: clusterEnv, stdio: ["ignore", "ignore", "inherit"] });
            fs.rmSync(stateDir, { recursive: true, force: true });
        },
    };
}
