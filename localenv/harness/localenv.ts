/**
 * The harness's one way to the toolchain and the private cluster: the `localenv/localenv` command, whose contract
 * localenv/README.md states. Nothing here knows where the cache lives or how a cluster is started.
 */
import { execFileSync, spawnSync } from "child_process";
import * as path from "path";

/** The harness lives in localenv/, beside the command. */
export const LOCALENV = path.resolve(__dirname, "..", "localenv");

/** Runs a command whose stdout is its answer; its progress and errors go to this process's stderr. */
function answer(args: string[]): string {
    return execFileSync(LOCALENV, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 16 * 1024 * 1024 });
}

/** Runs a command whose output is for the user (a build's plan and progress), on this process's stderr. */
function narrate(args: string[]): void {
    // stdout goes to our stderr: a caller's stdout stays for its answer (e.g. the main job's outputs).
    execFileSync(LOCALENV, args, { stdio: ["ignore", 2, "inherit"] });
}

let paths: Record<string, string> | undefined;

/** Every binary of every tool by its name, with its path in the cache, built or not (`paths --json`). */
export function toolchainPaths(): Record<string, string> {
    paths ??= JSON.parse(answer(["paths", "--json"])) as Record<string, string>;
    return paths;
}

/** The policy CLI's own `pulumi`: the `pulumi-policy-cli` tool ships it beside its first binary. */
export function policyPulumi(): string {
    return path.join(path.dirname(toolchainPaths()["pulumi-policy-cli"]), "pulumi");
}

/** versions.json as the `versions` command prints it (checked: every version present). */
export function versionsFile(): string {
    return answer(["versions"]);
}

/** The CRD files the local cluster serves (`crds`). */
export function crdFiles(): string[] {
    return answer(["crds"]).split("\n").filter(Boolean);
}

/** `--lane L` for a lane of versions.json's `lanes`, nothing for its default lane. */
function laneArgs(lane: string | undefined): string[] {
    return lane ? ["--lane", lane] : [];
}

/** Whether every tool of these purposes is built for the lane (`check --for ... [--lane L]`, exit 0). */
export function toolsBuilt(purposes: string[], lane?: string): boolean {
    return (
        spawnSync(LOCALENV, ["check", ...purposes.flatMap((purpose) => ["--for", purpose]), ...laneArgs(lane)], { stdio: "ignore" })
            .status === 0
    );
}

/** Builds what is missing of these purposes and tools (`build --for PURPOSE... [--lane L] TOOL...`); the build tells its plan. */
export function buildTools(purposes: string[], tools: string[] = [], lane?: string): void {
    if (purposes.length > 0 || tools.length > 0) {
        narrate(["build", ...purposes.flatMap((purpose) => ["--for", purpose]), ...laneArgs(lane), ...tools]);
    }
}

/** What `up` starts: the node (with the driver and provider of a lane) and binaries other than the toolchain's. */
export interface ClusterOptions {
    node?: boolean;
    /** The driver/provider lane of versions.json the node runs (default: its default lane). */
    lane?: string;
    /** Start no CRDs (`--no-crds`): a bare API server, as a user's existing cluster may be. */
    noCrds?: boolean;
    etcd?: string;
    kubeApiserver?: string;
    /** A controller manager's binary, `false` for none (`--no-controller-manager`), undefined for the toolchain's. */
    kubeControllerManager?: string | false;
}

/** Starts a cluster whose state lives in `stateDir` (`up`); returns its kubeconfig's path. */
export function clusterUp(stateDir: string, options: ClusterOptions = {}): string {
    const args = ["up", "--state-dir", stateDir];
    if (options.node) args.push("--node", ...laneArgs(options.lane));
    if (options.noCrds) args.push("--no-crds");
    if (options.etcd) args.push("--etcd", options.etcd);
    if (options.kubeApiserver) args.push("--kube-apiserver", options.kubeApiserver);
    if (options.kubeControllerManager === false) args.push("--no-controller-manager");
    else if (options.kubeControllerManager) args.push("--kube-controller-manager", options.kubeControllerManager);
    return answer(args).trim().split("\n").pop() ?? "";
}

/** Stops what `up` started in `stateDir` and removes what it left; its logs stay (`down`). */
export function clusterDown(stateDir: string): void {
    narrate(["down", "--state-dir", stateDir]);
}

/**
 * A Key Vault outage on the node of the cluster in `stateDir` (`standin stop`); `standInStart` ends it on the same
 * port, with the same CA and token-signing key (`standin start`).
 */
export function standInStop(stateDir: string): void {
    narrate(["standin", "--state-dir", stateDir, "stop"]);
}

/** Ends the outage `standInStop` began. */
export function standInStart(stateDir: string): void {
    narrate(["standin", "--state-dir", stateDir, "start"]);
}

/** Imports the probe image under each name into the node of the cluster in `stateDir` (`import-images`). */
export function importImages(stateDir: string, names: string[]): void {
    narrate(["import-images", "--state-dir", stateDir, ...names]);
}
