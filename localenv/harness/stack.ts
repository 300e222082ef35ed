/**
 * The `local` stack through the Automation API: the real Pulumi engine and Kubernetes provider, the program run
 * inline in this process (no language host is needed, see docs/toolchain.md), a file backend and passphrase
 * secrets in a throwaway state directory, and the local API server from `localenv/localenv up`.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, PulumiCommand, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { CONFIG_NAMESPACE, stackProgram } from "../../program/entry";
import { StackFileConfig, stackFileConfig, stackFileProviderConfig } from "../../tests/stack-files";
import { toolchainPaths } from "./localenv";
import { installProviderPlugin } from "./tools";

export const REPO_ROOT = path.resolve(__dirname, "../..");
export const LOCAL_STACK = "local";
/** Only for the throwaway local state; real stacks use a secrets provider of their own. */
export const LOCAL_PASSPHRASE = "local-stack-only-not-a-secret";

export interface LocalStackOptions {
    /** Directory for the backend, PULUMI_HOME and the work dir; deleted by the caller. */
    stateDir: string;
    /** Kubeconfig of the local API server. */
    kubeconfig: string;
    /** The `pulumi` binary (default: the toolchain's). */
    pulumiBinary?: string;
    /** The `pulumi-resource-kubernetes` binary, installed into the run's plugin cache (default: the toolchain's). */
    provider?: string;
    /** Directories to put first on PATH for plugins a cache cannot hold, e.g. the policy CLI's analyzer. */
    extraPath?: string[];
    /** More stack transforms (tests: e.g. protect some resources). */
    transforms?: pulumi.ResourceTransform[];
    /** Another stack name (default "local"); it still reads the config of Pulumi.local.yaml. */
    stackName?: string;
    /**
     * The project's config of the stack file (keys without the project namespace) instead of Pulumi.local.yaml's; for
     * configs too large for `pulumi config set`. The providers' config of Pulumi.local.yaml is kept, or `providerConfig`.
     */
    stackConfig?: Record<string, unknown>;
    /** With `stackConfig`: the providers' config (full keys, e.g. `kubernetes:kubeClientSettings`) instead of Pulumi.local.yaml's. */
    providerConfig?: Record<string, unknown>;
    /** Another inline program (default: the stack program); e.g. the benchmark's floor. */
    program?: PulumiFn;
    /** Awaited at the start of every run of the program, while the engine holds the stack's lock (tests). */
    beforeProgram?: () => Promise<void>;
    /** More environment variables for the CLI (e.g. the benchmark's `PULUMI_SKIP_CHECKPOINTS`). */
    envVars?: Record<string, string>;
    /** Append `--json` to `pulumi preview`, so `PreviewResult.stdout` is the document `pulumi preview --json` prints. */
    jsonPreview?: boolean;
    /**
     * Run the repository's index.ts the way `pulumi up` in a clone does (the CLI starts the Node.js language host,
     * which runs it under ts-node with the repository's tsconfig.json) instead of inline in this process. `program`,
     * `transforms` and `beforeProgram` need the inline program and cannot be combined with it.
     */
    throughLanguageHost?: boolean;
}

/** The project's config in Pulumi.local.yaml, keyed without the project namespace; a fresh copy each call. */
export function localStackConfig(): StackFileConfig {
    return stackFileConfig(LOCAL_STACK);
}

/** The providers' config in Pulumi.local.yaml (other namespaces, e.g. `kubernetes:kubeClientSettings`), with full keys. */
export function localProviderConfig(): Record<string, unknown> {
    return stackFileProviderConfig(LOCAL_STACK);
}

/**
 * The local stack plus an app in the identity mode the committed stacks leave out because the policy pack refuses it
 * (a service principal, a last resort): the node's tests cover every mode the program renders.
 */
export function localConfigWithServicePrincipal(): StackFileConfig {
    const config = localStackConfig();
    config.applications.push({
        name: "reports",
        namespace: "reports",
        identity: { mode: "servicePrincipal", nodePublishSecretRef: "reports-keyvault-credentials" },
        objects: [{ objectName: "reports-warehouse-password", objectType: "secret" }],
        deployment: { image: "registry.example/reports:1.1.0", skipAwait: true },
    });
    return config;
}

/** A process's sign-in as a service principal, and the proxy and CA through which it reaches the vault. */
export interface VaultRoute {
    /** HTTPS_PROXY: the proxy that reaches the vault and Entra ID under their real names. */
    proxyUrl: string;
    /** NODE_EXTRA_CA_CERTS: the CA of the certificates behind that proxy. */
    caFile: string;
    tenantId: string;
    clientId: string;
    clientSecret: string;
}

/**
 * The local stack with the preview's vault check on: the program runs through the CLI's language host (a process of
 * its own, since Node.js reads NODE_EXTRA_CA_CERTS only at start) and reaches the vault as a user behind a proxy does,
 * with the Azure SDK's standard environment (HTTPS_PROXY, NODE_EXTRA_CA_CERTS, AZURE_CLIENT_ID/SECRET, AZURE_TENANT_ID).
 * The engine's and providers' own connections are to 127.0.0.1, which NO_PROXY keeps off the proxy.
 */
export function withVaultCheck(
    options: LocalStackOptions,
    route: VaultRoute,
    stackConfig: StackFileConfig = localStackConfig(),
): LocalStackOptions {
    const noProxy = "127.0.0.1,localhost";
    return {
        ...options,
        throughLanguageHost: true,
        stackConfig: { ...stackConfig, keyVault: { ...(stackConfig.keyVault as Record<string, unknown>), checkContents: true } },
        envVars: {
            ...options.envVars,
            PULUMI_NODEJS_TRANSPILE_ONLY: "true",
            HTTPS_PROXY: route.proxyUrl,
            NO_PROXY: noProxy,
            no_proxy: noProxy,
            NODE_EXTRA_CA_CERTS: route.caFile,
            AZURE_TENANT_ID: route.tenantId,
            AZURE_CLIENT_ID: route.clientId,
            AZURE_CLIENT_SECRET: route.clientSecret,
        },
    };
}

/** Namespaces the local config's apps live in (created by the harness, see Pulumi.local.yaml). */
export function localNamespaces(): string[] {
    return [...new Set((localStackConfig().applications as Array<{ namespace: string }>).map((app) => app.namespace))].sort();
}

/**
 * The Automation API runs `<root>/bin/pulumi`: the binary's own installation when it sits in a `bin/` directory,
 * else a private `bin/` that links to it. With `jsonPreview` the private `bin/pulumi` is a wrapper that adds
 * `--json` to `pulumi preview` (the Automation API has no such switch).
 */
function installationRoot(binary: string, stateDir: string, jsonPreview: boolean): string {
    if (!jsonPreview && path.basename(path.dirname(binary)) === "bin") {
        return path.dirname(path.dirname(binary));
    }
    const root = path.join(stateDir, "cli");
    fs.mkdirSync(path.join(root, "bin"), { recursive: true });
    const launcher = path.join(root, "bin", "pulumi");
    fs.rmSync(launcher, { force: true });
    if (jsonPreview) {
        const real = JSON.stringify(binary);
        fs.writeFileSync(
            launcher,
            `#!/bin/sh\nif [ "$1" = preview ]; then shift; exec ${real} preview --json "$@"; fi\nexec ${real} "$@"\n`,
            { mode: 0o755 },
        );
    } else {
        fs.symlinkSync(binary, launcher);
    }
    return root;
}

/** Creates (or selects) the local stack with the committed local config, in a private work dir. */
export async function openLocalStack(options: LocalStackOptions): Promise<Stack> {
    const workDir = path.join(options.stateDir, "work");
    const backend = path.join(options.stateDir, "backend");
    fs.mkdirSync(workDir, { recursive: true });
    fs.mkdirSync(backend, { recursive: true });
    if (options.providerConfig && !options.stackConfig) {
        throw new Error("providerConfig replaces the providers' config of a generated stack file: give stackConfig too");
    }
    if (options.throughLanguageHost && (options.program || options.transforms || options.beforeProgram)) {
        throw new Error("throughLanguageHost runs index.ts as it is: program, transforms and beforeProgram need the inline program");
    }
    // A private copy, so config edits made by tests never touch the committed stack file. Inline, without `main` (the
    // engine would look for index.ts in the work dir); through the language host, `main` is the repository's index.ts.
    const project = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8");
    fs.writeFileSync(
        path.join(workDir, "Pulumi.yaml"),
        project.replace(
            /^main: .*\n/m,
            options.throughLanguageHost ? `main: ${path.relative(workDir, path.join(REPO_ROOT, "index.ts"))}\n` : "",
        ),
    );
    const stackName = options.stackName ?? LOCAL_STACK;
    const stackFile = path.join(workDir, `Pulumi.${stackName}.yaml`);
    if (options.stackConfig) {
        const config = {
            ...(options.providerConfig ?? localProviderConfig()),
            ...Object.fromEntries(Object.entries(options.stackConfig).map(([key, value]) => [`${CONFIG_NAMESPACE}:${key}`, value])),
        };
        fs.writeFileSync(stackFile, YAML.stringify({ config }));
    } else if (!fs.existsSync(stackFile)) {
        fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.local.yaml"), stackFile);
    }
    const binary = options.pulumiBinary ?? toolchainPaths().pulumi;
    const pulumiHome = pulumiHomeOf(options.stateDir);
    installProviderPlugin(binary, pulumiHome, options.provider ?? toolchainPaths()["pulumi-resource-kubernetes"]);
    // The language host is bundled with the CLI, so no plugin cache takes it: the engine finds it on PATH.
    const pluginDirs = [
        ...(options.extraPath ?? []),
        ...(options.throughLanguageHost ? [path.dirname(toolchainPaths()["pulumi-language-nodejs"])] : []),
    ];
    const pulumiCommand = await PulumiCommand.get({ root: installationRoot(binary, options.stateDir, options.jsonPreview ?? false) });
    const workspaceOptions = {
        workDir,
        pulumiCommand,
        pulumiHome,
        secretsProvider: "passphrase",
        envVars: {
            PULUMI_BACKEND_URL: `file://${backend}`,
            PULUMI_CONFIG_PASSPHRASE: LOCAL_PASSPHRASE,
            KUBECONFIG: options.kubeconfig,
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PATH: [...pluginDirs, process.env.PATH].filter(Boolean).join(path.delimiter),
            // Without plugins on PATH on purpose, the engine runs the provider of the run's cache, not one a user's PATH holds.
            ...(pluginDirs.length === 0 ? { PULUMI_IGNORE_AMBIENT_PLUGINS: "true" } : {}),
            // The language host runs the program from the work dir; ts-node takes the repository's compiler options.
            ...(options.throughLanguageHost ? { PULUMI_NODEJS_TSCONFIG_PATH: path.join(REPO_ROOT, "tsconfig.json") } : {}),
            ...options.envVars,
        },
    };
    if (options.throughLanguageHost) {
        return LocalWorkspace.createOrSelectStack({ stackName, workDir }, workspaceOptions);
    }
    return LocalWorkspace.createOrSelectStack(
        {
            stackName,
            projectName: "aks-keyvault-secrets",
            program: async () => {
                // An inline program runs in this process, not under the CLI's envVars: give its cluster reads the
                // kubeconfig the engine's Kubernetes provider gets.
                if (options.kubeconfig) {
                    process.env.KUBECONFIG = options.kubeconfig;
                }
                await options.beforeProgram?.();
                for (const transform of options.transforms ?? []) {
                    pulumi.runtime.registerResourceTransform(transform);
                }
                if (options.program) {
                    return options.program();
                }
                const outputs = await stackProgram();
                return { platform: outputs.platform, applications: outputs.applications };
            },
        },
        workspaceOptions,
    );
}

/** The PULUMI_HOME of the stacks a local environment's state dir holds. */
export function pulumiHomeOf(stateDir: string): string {
    return path.join(stateDir, "home");
}

/**
 * Stops the plugin processes (the Kubernetes provider) that engines of this PULUMI_HOME started and left behind: an
 * engine killed during `up` leaves its provider running for minutes. Found by the PULUMI_HOME in their environment.
 * Returns their pids.
 */
export function stopLeftoverPlugins(pulumiHome: string): number[] {
    const marker = `PULUMI_HOME=${pulumiHome}\0`;
    const stopped: number[] = [];
    for (const entry of fs.existsSync("/proc") ? fs.readdirSync("/proc") : []) {
        const pid = Number(entry);
        if (!Number.isInteger(pid) || pid === process.pid) {
            continue;
        }
        try {
            const environ = fs.readFileSync(`/proc/${pid}/environ`, "latin1");
            const command = fs.readFileSync(`/proc/${pid}/cmdline`, "latin1");
            if (environ.includes(marker) && /pulumi-(resource|language)-/.test(command)) {
                process.kill(pid, "SIGKILL");
                stopped.push(pid);
            }
        } catch {
            // gone meanwhile, or not ours to read
        }
    }
    return stopped;
}

/**
 * A project directory under `dir` that runs the repository's index.ts through the CLI (the stack file lives outside
 * the repository), a file backend beside it, and the environment the CLI needs from the toolchain. Returns the
 * project's path and that environment.
 */
export function cliProject(dir: string, passphrase: string): { project: string; env: NodeJS.ProcessEnv } {
    const tools = toolchainPaths();
    const project = path.join(dir, "project");
    fs.mkdirSync(project, { recursive: true });
    fs.mkdirSync(path.join(dir, "backend"), { recursive: true });
    fs.writeFileSync(
        path.join(project, "Pulumi.yaml"),
        fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8").replace(/^main: .*$/m, `main: ${path.join(REPO_ROOT, "index.ts")}`),
    );
    const env = {
        ...process.env,
        PATH: [path.dirname(tools["pulumi-language-nodejs"]), path.dirname(tools["pulumi-resource-kubernetes"]), process.env.PATH].join(
            path.delimiter,
        ),
        PULUMI_BACKEND_URL: `file://${path.join(dir, "backend")}`,
        PULUMI_HOME: path.join(dir, "home"),
        PULUMI_CONFIG_PASSPHRASE: passphrase,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    };
    return { project, env };
}
