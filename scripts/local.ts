/**
 * `npm run local`: the project's main job on the built-in local default. Builds (or reuses) the toolchain,
 * starts a local API server with the Secrets Store CSI CRDs, runs `pulumi up --yes` on the `local` stack
 * (app side only, no Azure), prints the stack outputs, and stops everything it started.
 *
 *   npm run local              # up, print outputs, tear down
 *   npm run local -- --keep    # leave the cluster and state running; prints how to use and stop them
 */
import { execFileSync } from "child_process";
import * as path from "path";
import { startLocalEnvironment } from "./local-stack/environment";
import { REPO_ROOT, openLocalStack } from "./local-stack/stack";

function sh(script: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
    return execFileSync(path.join(REPO_ROOT, script), args, { encoding: "utf8", env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
}

async function main(): Promise<void> {
    const keep = process.argv.includes("--keep");
    const started = Date.now();
    console.error("== toolchain (built once, then cached outside the repo)");
    sh("scripts/toolchain.sh", ["build"]);
    console.error("== local API server");
    const environment = await startLocalEnvironment("akv-local");
    try {
        console.error("== pulumi up --yes (stack local)");
        const stack = await openLocalStack(environment.stackOptions);
        const result = await stack.up({ onOutput: (text) => process.stdout.write(text) });
        console.log("\n== stack outputs");
        console.log(JSON.stringify(Object.fromEntries(Object.entries(result.outputs).map(([key, output]) => [key, output.value])), undefined, 2));
        console.error(`== done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        if (keep) {
            console.error(`kept: KUBECONFIG=${environment.stackOptions.kubeconfig}; state in ${environment.stackOptions.stateDir}`);
            console.error(`stop: AKV_CLUSTER_STATE_DIR=${environment.clusterEnv.AKV_CLUSTER_STATE_DIR} scripts/local-cluster.sh stop && rm -rf ${environment.stackOptions.stateDir}`);
        }
    } finally {
        if (!keep) {
            environment.stop();
        }
    }
}

if (require.main === module) {
    main().catch((error) => {
        console.error(error instanceof Error ? error.message : error);
        process.exit(1);
    });
}
