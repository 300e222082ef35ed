/**
 * Which tools `npm run local` runs with: what the machine already has, when it is good enough (a Pulumi CLI on PATH,
 * the Kubernetes provider in the Pulumi plugin cache or from the engine's own plugin download, envtest's
 * kube-apiserver and etcd from KUBEBUILDER_ASSETS), and the offline toolchain (`localenv/localenv build`, built from
 * the Go module proxy) for whatever is missing. The end-to-end tests keep to the pinned toolchain.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildTools, toolchainPaths, toolsBuilt } from "./localenv";

/** A `major.minor.patch[-pre]` version, compared the semver way (a pre-release sorts before its release). */
export interface Version {
    major: number;
    minor: number;
    patch: number;
    prerelease: string;
}

export function parseVersion(text: string): Version | undefined {
    const match = /v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?/.exec(text.trim());
    return match ? { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), prerelease: match[4] ?? "" } : undefined;
}

export function compareVersions(a: Version, b: Version): number {
    const byNumber = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
    if (byNumber !== 0) {
        return Math.sign(byNumber);
    }
    if (a.prerelease === b.prerelease) {
        return 0;
    }
    if (a.prerelease === "" || b.prerelease === "") {
        return a.prerelease === "" ? 1 : -1;
    }
    return a.prerelease < b.prerelease ? -1 : 1;
}

export function formatVersion(version: Version): string {
    return `${version.major}.${version.minor}.${version.patch}${version.prerelease ? `-${version.prerelease}` : ""}`;
}

/**
 * Whether a Pulumi CLI can run this project's Automation API: the same major version as the SDK (the SDK refuses
 * another major) and at least the SDK's own version, so every command and flag the SDK sends exists in the CLI.
 */
export function cliIsRecentEnough(cli: Version, sdk: Version): boolean {
    return cli.major === sdk.major && compareVersions(cli, { ...sdk, prerelease: "" }) >= 0;
}

/** kube-apiserver and etcd in a KUBEBUILDER_ASSETS directory (the envtest layout: binaries side by side). */
export function envtestBinaries(
    assetsDir: string,
    isExecutable: (file: string) => boolean,
): { etcd: string; kubeApiserver: string } | undefined {
    const etcd = path.join(assetsDir, "etcd");
    const kubeApiserver = path.join(assetsDir, "kube-apiserver");
    return isExecutable(etcd) && isExecutable(kubeApiserver) ? { etcd, kubeApiserver } : undefined;
}

const LOCAL_CONTEXT = /^(kind-.+|k3d-.+|minikube|docker-desktop|rancher-desktop|orbstack|colima(-.+)?)$/;

/**
 * Whether a cluster runs on this machine: its API server is on a loopback or unspecified address, or its context is
 * one a local distribution (kind, k3d, minikube, Docker/Rancher Desktop, OrbStack, Colima) writes.
 */
export function isLocalCluster(server: string, contextName: string): boolean {
    let host: string;
    try {
        host = new URL(server).hostname.replace(/^\[|\]$/g, "");
    } catch {
        return false;
    }
    const loopback = host === "localhost" || host === "::1" || host === "0.0.0.0" || host === "::" || /^127\.\d+\.\d+\.\d+$/.test(host);
    return loopback || LOCAL_CONTEXT.test(contextName);
}

/** Where the plugin cache keeps a resource plugin (`$PULUMI_HOME/plugins/resource-<name>-v<version>/`). */
export function pluginCacheBinary(pulumiHome: string, name: string, version: string): string {
    return path.join(pulumiHome, "plugins", `resource-${name}-v${version}`, `pulumi-resource-${name}`);
}

function isExecutable(file: string): boolean {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
}

function onPath(binary: string, searchPath = process.env.PATH ?? ""): string | undefined {
    return searchPath
        .split(path.delimiter)
        .filter(Boolean)
        .map((dir) => path.join(dir, binary))
        .find(isExecutable);
}

function installedVersion(pkg: string): Version {
    const manifest = JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`), "utf8"));
    const version = parseVersion(manifest.version);
    if (!version) {
        throw new Error(`${pkg}: unreadable version ${manifest.version}`);
    }
    return version;
}

/** The Kubernetes provider version the SDK asks the engine for (the @pulumi/kubernetes package's). */
export function kubernetesProviderVersion(): string {
    return formatVersion(installedVersion("@pulumi/kubernetes"));
}

/**
 * Installs the provider binary into a plugin cache unless it is there. The engine takes a plugin from the cache
 * silently, but warns "using pulumi-resource-kubernetes from $PATH" at every lookup of one it finds on PATH.
 */
export function installProviderPlugin(pulumi: string, pulumiHome: string, provider: string): void {
    const version = kubernetesProviderVersion();
    const target = pluginCacheBinary(pulumiHome, "kubernetes", version);
    if (path.resolve(provider) === target || isExecutable(target)) {
        return;
    }
    execFileSync(pulumi, ["plugin", "install", "resource", "kubernetes", version, "--file", provider], {
        env: { ...process.env, PULUMI_HOME: pulumiHome, PULUMI_SKIP_UPDATE_CHECK: "true" },
        stdio: ["ignore", "ignore", "pipe"],
    });
}

/** Where each tool of one run comes from. */
export interface LocalTools {
    pulumi: string;
    /** The `pulumi-resource-kubernetes` binary (installed into each run's private plugin cache). */
    provider: string;
    etcd?: string;
    kubeApiserver?: string;
    kubeControllerManager?: string;
    /** One line per tool: what is used and why. */
    report: string[];
}

export interface ResolveOptions {
    /** A control plane is started here (false: an existing cluster is used, so no API server is needed). */
    needControlPlane: boolean;
    /** It also runs the node: kubelet, containerd, the CSI driver, the Azure provider, the Key Vault stand-in (toolchain only). */
    needNode?: boolean;
    /** The driver/provider lane of versions.json the node's tools are built for (default: its default lane). */
    lane?: string;
    log: (line: string) => void;
}

/** Picks every tool, building only what is missing (the build prints its own plan and progress). */
export function resolveLocalTools(options: ResolveOptions): LocalTools {
    const report: string[] = [];
    const note = (line: string) => {
        report.push(line);
        options.log(`  ${line}`);
    };
    const chosen: Partial<LocalTools> = {};
    const toolchain = toolchainPaths();
    const toBuild: string[] = [];

    const sdk = installedVersion("@pulumi/pulumi");
    const pathPulumi = onPath("pulumi");
    const pathVersion = pathPulumi ? pulumiVersion(pathPulumi) : undefined;
    if (pathPulumi && pathVersion && cliIsRecentEnough(pathVersion, sdk)) {
        chosen.pulumi = pathPulumi;
        note(`pulumi ${formatVersion(pathVersion)} from PATH (${pathPulumi})`);
    } else {
        chosen.pulumi = toolchain.pulumi;
        const why = pathPulumi
            ? `the one on PATH is ${pathVersion ? formatVersion(pathVersion) : "of unknown version"}, older than the SDK's ${formatVersion(sdk)}`
            : "none on PATH";
        note(`pulumi from the toolchain (${why})`);
        if (!isExecutable(toolchain.pulumi)) {
            toBuild.push("pulumi");
        }
    }

    const providerVersion = kubernetesProviderVersion();
    const pulumiHome = process.env.PULUMI_HOME || path.join(os.homedir(), ".pulumi");
    const cached = pluginCacheBinary(pulumiHome, "kubernetes", providerVersion);
    if (isExecutable(cached)) {
        chosen.provider = cached;
        note(`kubernetes provider ${providerVersion} from the plugin cache (${path.dirname(cached)})`);
    } else if (isExecutable(toolchain["pulumi-resource-kubernetes"])) {
        chosen.provider = toolchain["pulumi-resource-kubernetes"];
        note(`kubernetes provider ${providerVersion} from the toolchain (built before)`);
    }

    if (options.needControlPlane) {
        const assets = process.env.KUBEBUILDER_ASSETS ? envtestBinaries(process.env.KUBEBUILDER_ASSETS, isExecutable) : undefined;
        if (assets) {
            Object.assign(chosen, assets);
            note(`kube-apiserver and etcd from KUBEBUILDER_ASSETS (${process.env.KUBEBUILDER_ASSETS})`);
        } else {
            if (process.env.KUBEBUILDER_ASSETS) {
                note(`KUBEBUILDER_ASSETS=${process.env.KUBEBUILDER_ASSETS} has no etcd and kube-apiserver: using the toolchain's`);
            }
            chosen.etcd = toolchain.etcd;
            chosen.kubeApiserver = toolchain["kube-apiserver"];
            toBuild.push(...["etcd", "kube-apiserver"].filter((tool) => !isExecutable(toolchain[tool])));
            note("kube-apiserver and etcd from the toolchain");
        }
        // Only deletes need the controller manager (garbage collector, namespace finalizer); an up does not, unless a
        // node runs (its node-lifecycle controller makes the node schedulable).
        if (options.needNode && !isExecutable(toolchain["kube-controller-manager"])) {
            chosen.kubeControllerManager = toolchain["kube-controller-manager"];
            toBuild.push("kube-controller-manager");
            note("kube-controller-manager from the toolchain (the node needs it)");
        } else if (isExecutable(toolchain["kube-controller-manager"])) {
            chosen.kubeControllerManager = toolchain["kube-controller-manager"];
            note("kube-controller-manager from the toolchain");
        } else {
            note("no kube-controller-manager (not needed for an up; `localenv/localenv build kube-controller-manager` adds it)");
        }
    }

    const purposes: string[] = [];
    if (options.needNode) {
        const built = toolsBuilt(["node"], options.lane);
        if (!built) {
            purposes.push("node");
        }
        note(`the node's tools from the toolchain${built ? "" : " (some to build)"}`);
    }

    const build = (tools: string[], forPurposes: string[] = []) => {
        if (tools.length > 0 || forPurposes.length > 0) {
            options.log(`building what is missing: ${[...forPurposes.map((purpose) => `the ${purpose} tools`), ...tools].join(", ")}`);
            buildTools(forPurposes, tools, options.lane);
        }
    };
    if (!chosen.provider) {
        // The engine's download needs a CLI: build that first when it is missing, then try.
        if (toBuild.includes("pulumi")) {
            build(["pulumi"]);
            toBuild.splice(toBuild.indexOf("pulumi"), 1);
        }
        const downloaded = downloadPlugin(chosen.pulumi, pulumiHome, providerVersion, options.log);
        if (downloaded) {
            chosen.provider = downloaded;
            note(`kubernetes provider ${providerVersion} downloaded by the engine into the plugin cache`);
        } else {
            chosen.provider = toolchain["pulumi-resource-kubernetes"];
            toBuild.push("pulumi-resource-kubernetes");
            note(`kubernetes provider ${providerVersion} from the toolchain (no plugin download here)`);
        }
    }
    build(toBuild, purposes);
    return { ...(chosen as LocalTools), report };
}

function pulumiVersion(binary: string): Version | undefined {
    const result = spawnSync(binary, ["version"], {
        encoding: "utf8",
        timeout: 30_000,
        env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
    });
    return result.status === 0 ? parseVersion(result.stdout) : undefined;
}

/** The engine's own plugin download (`pulumi plugin install`); undefined when it fails, e.g. without network. */
function downloadPlugin(pulumi: string, pulumiHome: string, version: string, log: (line: string) => void): string | undefined {
    log(`trying the engine's plugin download: pulumi plugin install resource kubernetes ${version}`);
    const result = spawnSync(pulumi, ["plugin", "install", "resource", "kubernetes", version], {
        encoding: "utf8",
        timeout: 300_000,
        env: { ...process.env, PULUMI_HOME: pulumiHome, PULUMI_SKIP_UPDATE_CHECK: "true" },
    });
    const binary = pluginCacheBinary(pulumiHome, "kubernetes", version);
    if (result.status === 0 && isExecutable(binary)) {
        return binary;
    }
    const reason = `${result.stderr ?? ""}${result.error?.message ?? ""}`.trim().split("\n").pop();
    log(`no plugin download (${reason || `exit ${result.status}`}); building it from source instead`);
    return undefined;
}
