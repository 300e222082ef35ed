/**
 * `npm run local`: the project's main job on the built-in local default. Picks its tools (what the machine has, the
 * offline toolchain for the rest), starts a local cluster with the Secrets Store CSI CRDs, a node (kubelet,
 * containerd), the real CSI driver and Azure provider, and a Key Vault stand-in holding the local stack's objects
 * (or uses a cluster you name), runs `pulumi up --yes` on the `local` stack (app side only, no Azure), waits for the
 * pods, prints the stack outputs and what reached each app's pods (names and hashes, never values), and leaves
 * everything as it found it.
 *
 *   npm run local                                   # private cluster with a node: up, wait, print, stop it
 *   npm run local -- --lane upstream                # the node runs that lane's driver and provider (versions.json;
 *                                                   # default: its default lane, what the AKS addon ships)
 *   npm run local -- --no-node                      # private control plane only: pods stay Pending
 *   npm run local -- --kubeconfig PATH              # that kubeconfig's current context (or AKV_LOCAL_KUBECONFIG):
 *                                                   # installs missing CRDs, up, outputs, destroy, removes what it added
 *   npm run local -- --kubeconfig PATH --allow-remote-cluster   # also when the context is not on this machine
 *   npm run local -- --keep                         # leave the cluster, the stack and its state; prints how to stop
 */
import * as path from "path";
import { parseStackConfig } from "../../program/entry";
import { LocalEnvironment, startLocalEnvironment } from "./environment";
import { readKubeContext } from "./kube";
import { awaitDeliveries, formatDeliveries, prepareNode, rotationHelp } from "./secrets-flow";
import { localStackConfig, openLocalStack, withVaultCheck } from "./stack";
import { grantVaultReader } from "./key-vault-seed";
import { Stack } from "@pulumi/pulumi/automation";
import { isLocalCluster, resolveLocalTools } from "./tools";

export interface LocalJobOptions {
    keep: boolean;
    /** Run a node, the driver, the provider and the Key Vault stand-in (private control plane only). */
    node: boolean;
    kubeconfig?: string;
    allowRemoteCluster: boolean;
    /** The driver/provider lane of versions.json the node runs (undefined: its default lane). */
    lane?: string;
}

const USAGE = "usage: npm run local -- [--kubeconfig PATH [--allow-remote-cluster]] [--lane NAME] [--no-node] [--keep]";

/** Reads the command line and AKV_LOCAL_KUBECONFIG; never the ambient KUBECONFIG (a user's real cluster). */
export function parseLocalJobArgs(argv: string[], env: NodeJS.ProcessEnv): LocalJobOptions {
    const options: LocalJobOptions = {
        keep: false,
        node: true,
        allowRemoteCluster: false,
        kubeconfig: env.AKV_LOCAL_KUBECONFIG || undefined,
    };
    for (let index = 0; index < argv.length; index++) {
        const arg = argv[index];
        if (arg === "--keep") {
            options.keep = true;
        } else if (arg === "--no-node") {
            options.node = false;
        } else if (arg === "--allow-remote-cluster") {
            options.allowRemoteCluster = true;
        } else if (arg === "--kubeconfig" && argv[index + 1]) {
            options.kubeconfig = argv[++index];
        } else if (arg.startsWith("--kubeconfig=")) {
            options.kubeconfig = arg.slice("--kubeconfig=".length);
        } else if (arg === "--lane" && argv[index + 1]) {
            options.lane = argv[++index];
        } else if (arg.startsWith("--lane=")) {
            options.lane = arg.slice("--lane=".length);
        } else {
            throw new Error(`unknown argument "${arg}"\n${USAGE}`);
        }
    }
    if (options.allowRemoteCluster && !options.kubeconfig) {
        throw new Error(`--allow-remote-cluster needs --kubeconfig\n${USAGE}`);
    }
    if (options.lane && options.kubeconfig) {
        throw new Error(`--lane picks the local node's driver and provider; a cluster you name brings its own\n${USAGE}`);
    }
    // A cluster you name brings its own nodes and driver (or none): the harness adds none.
    return options.kubeconfig ? { ...options, node: false } : options;
}

const log = (line: string) => console.error(`[local] ${line}`);

/** The existing cluster to use, after the locality check; undefined for a private control plane. */
function existingCluster(options: LocalJobOptions): string | undefined {
    if (!options.kubeconfig) {
        return undefined;
    }
    const kubeconfig = path.resolve(options.kubeconfig);
    const context = readKubeContext(kubeconfig);
    if (!isLocalCluster(context.server, context.name) && !options.allowRemoteCluster) {
        throw new Error(
            `context "${context.name}" of ${kubeconfig} talks to ${context.server}, which is not on this machine. ` +
                "npm run local creates and deletes namespaces and objects there; add --allow-remote-cluster if that is what you want.",
        );
    }
    log(`cluster: context "${context.name}" of ${kubeconfig} (${context.server})`);
    return kubeconfig;
}

/** The node needs root (containerd, mounts, network namespaces, cgroups); without it the job says so and runs without one. */
function runsNode(log: (line: string) => void): boolean {
    if (process.getuid?.() === 0) {
        return true;
    }
    log(
        "not root: running the control plane only, as with --no-node (the node needs root for containerd, mounts, network namespaces and cgroups); pods stay Pending and no secret is delivered",
    );
    return false;
}

async function main(): Promise<void> {
    const options = parseLocalJobArgs(process.argv.slice(2), process.env);
    const started = Date.now();
    const kubeconfig = existingCluster(options);
    const node = options.node && runsNode(log);
    log("tools (what this machine has, the offline toolchain for the rest):");
    const tools = resolveLocalTools({ needControlPlane: !kubeconfig, needNode: node, lane: options.lane, log });
    log(kubeconfig ? "preparing the cluster (CRDs, namespaces)" : "starting a private local API server");
    const environment: LocalEnvironment = await startLocalEnvironment("akv-local", [], {
        tools,
        existingKubeconfig: kubeconfig,
        node,
        lane: options.lane,
        log,
    });
    const config = parseStackConfig(localStackConfig());
    let stack: Stack | undefined;
    try {
        const seed = environment.node ? await prepareNode(environment.kube, environment.node, config, log) : undefined;
        const vault = config.keyVault;
        if (environment.node && vault?.mode === "external") {
            // The preview's vault check, as a user behind a proxy runs it: the program reads the stand-in's metadata
            // of the vault (it holds the stack's objects) as a service principal with read access.
            const reader = grantVaultReader(environment.node.standIn, vault.tenantId, vault.name);
            log(`the preview reads Key Vault "${vault.name}" through the stand-in (HTTPS_PROXY), as service principal ${reader.clientId}`);
            stack = await openLocalStack(
                withVaultCheck(environment.stackOptions, {
                    proxyUrl: environment.node.proxy.url,
                    caFile: environment.node.proxy.caFile,
                    ...reader,
                }),
            );
        } else {
            stack = await openLocalStack(environment.stackOptions);
        }
        log("pulumi up --yes (stack local)");
        // The engine's own "Outputs:" would print them a second time, as YAML-ish text before the JSON below.
        const result = await stack.up({ onOutput: (text) => process.stdout.write(text), suppressOutputs: true });
        console.log("\n== stack outputs");
        console.log(
            JSON.stringify(Object.fromEntries(Object.entries(result.outputs).map(([key, output]) => [key, output.value])), undefined, 2),
        );
        if (seed) {
            const deliveries = await awaitDeliveries(environment.kube, config, result.outputs.applications.value, seed, log);
            console.log(`\n${formatDeliveries(deliveries)}`);
            const failed = deliveries.filter((delivery) => delivery.problems.length > 0).map((delivery) => delivery.app);
            if (failed.length > 0) {
                throw new Error(
                    `secrets did not reach the pods of ${failed.join(", ")} (see PROBLEM lines above; logs in ${environment.clusterStateDir}/logs)`,
                );
            }
            if (options.keep) {
                console.log(`\n${rotationHelp(environment, config.keyVault?.name ?? "")}`);
            }
        }
    } finally {
        if (options.keep) {
            log(`kept: KUBECONFIG=${environment.stackOptions.kubeconfig}; state in ${environment.stackOptions.stateDir}`);
            if (environment.clusterStateDir) {
                log(
                    `stop: localenv/localenv down --state-dir ${environment.clusterStateDir} && rm -rf ${environment.stackOptions.stateDir}`,
                );
            }
        } else {
            try {
                if (environment.existing && stack) {
                    // Also after a failed up: the cluster is the user's, leave it as it was.
                    log("pulumi destroy --yes");
                    await stack.destroy({ onOutput: (text) => process.stdout.write(text) });
                }
            } finally {
                await environment.stop();
            }
        }
    }
    console.log(`\n${nextSteps(options.keep ? environment.clusterStateDir : undefined)}`);
    log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * The closing lines: how to run your own `pulumi preview` with the lab's tools, and your own image on the local
 * node. `keptStateDir`: the state dir of a private cluster this run kept, which the commands then name.
 */
export function nextSteps(keptStateDir?: string): string {
    const stateDir = keptStateDir ?? "DIR";
    const env = (purpose: string) =>
        `eval "$(localenv/localenv env --for ${purpose}${keptStateDir ? ` --state-dir ${keptStateDir}` : ""})"`;
    return [
        "== your own pulumi preview with the lab's tools (the CLI, the Node.js language host, the Kubernetes provider)",
        `  localenv/localenv build --for consumer && ${env("consumer")} && pulumi preview`,
        "  with the policy pack (its older CLI comes first on PATH):",
        `  localenv/localenv build --for policy && ${env("policy")} && pulumi preview --policy-pack policy`,
        "== your own image on the local node (the probe image runs under the name you give)",
        ...(keptStateDir ? [] : ["  npm run local -- --keep   (keeps the cluster and prints its state dir DIR)"]),
        `  localenv/localenv import-images --state-dir ${stateDir} NAME`,
    ].join("\n");
}

if (require.main === module) {
    main().catch((error) => {
        console.error(`[local] ERROR: ${error instanceof Error ? error.message : error}`);
        process.exit(1);
    });
}
