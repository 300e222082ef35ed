/**
 * End to end: `pulumi preview` itself (the toolchain's CLI and Node.js language host running index.ts, as a user
 * runs it): it runs the program, and prints a config error with every problem at once, no Node stack frames and no
 * secure value. The secure value is set the way users set one (`pulumi config set --path ... --secret`), so this also shows what the engine
 * hands the program: the whole top-level key marked secret.
 */
import { expect } from "chai";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AKS_ADDON_PROVIDER, IDENTITY_BINDING_PROVIDER_VERSION } from "../../components/secret-provider-class/provider-version";
import { toolchainPaths } from "../../localenv/harness/localenv";
import { REPO_ROOT, cliProject } from "../../localenv/harness/stack";

const TOKEN = "tok-9f8e7d6c5b4a-not-for-logs";

describe("pulumi preview (CLI) on a wrong stack config", function () {
    this.timeout(5 * 60 * 1000);
    let dir: string;
    let env: NodeJS.ProcessEnv;

    before(() => {
        const tools = toolchainPaths();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "akv-cli-"));
        // The repo's project file, pointed at the repo's program, so the stack file lives outside the repo.
        const cli = cliProject(dir, "config-errors-test-only");
        const project = cli.project;
        env = cli.env;
        fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.local.yaml"), path.join(project, "Pulumi.cli.yaml"));
        const pulumi = (...args: string[]) =>
            execFileSync(tools.pulumi, args, { cwd: project, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        pulumi("stack", "init", "cli", "--non-interactive");
        pulumi("config", "set", "--path", "aks-keyvault-secrets:applications[0].deployment.env.API_TOKEN", TOKEN, "--secret");
        pulumi("config", "set", "--path", "aks-keyvault-secrets:aplications", "[]");
        // orders-api on identity binding with a bound identity: the local stack's cluster declares no keyVaultProvider (the addon's).
        pulumi("config", "set", "--path", "aks-keyvault-secrets:applications[0].identity.mode", "identityBinding");
        pulumi("config", "set", "--path", "aks-keyvault-secrets:applications[0].identity.clientId", "0f4c8b1e-3c2a-4a55-9d1e-6b7a8c9d0e1f");
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("runs index.ts itself (not package.json's main, the library) on a valid config", () => {
        const project = path.join(dir, "project");
        fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.local.yaml"), path.join(project, "Pulumi.valid.yaml"));
        const tools = toolchainPaths();
        execFileSync(tools.pulumi, ["stack", "init", "valid", "--non-interactive"], { cwd: project, env, stdio: "ignore" });
        // No cluster is reachable: the Kubernetes provider previews its objects without one.
        const result = spawnSync(tools.pulumi, ["preview", "--non-interactive", "--stack", "valid"], {
            cwd: project,
            env: { ...env, KUBECONFIG: path.join(dir, "none") },
            encoding: "utf8",
        });
        expect(result.stdout, result.stderr).to.match(/\+ 19 to create/);
    });

    it("prints every problem with its key path and fix, without stack frames or the secure value", () => {
        const stackFile = fs.readFileSync(path.join(dir, "project", "Pulumi.cli.yaml"), "utf8");
        expect(stackFile).to.match(/API_TOKEN:\n\s+secure: v1:/);
        const result = spawnSync(toolchainPaths().pulumi, ["preview", "--non-interactive", "--stack", "cli"], {
            cwd: path.join(dir, "project"),
            env,
            encoding: "utf8",
        });
        const output = `${result.stdout}\n${result.stderr}`;
        expect(result.status, output).to.not.equal(0);
        expect(output).to.contain("error: Stack configuration is invalid (3 problems):");
        expect(output).to.contain(
            "- aks-keyvault-secrets:aplications: is not a key of the aks-keyvault-secrets namespace (did you mean `applications`?)",
        );
        expect(output).to.contain(
            "- aks-keyvault-secrets:applications: holds a secure: value (Pulumi marks the whole key secret), but nothing under applications can stay secret",
        );
        expect(output).to.contain("sync it with syncedSecrets and read it through env");
        // Every text under applications is redacted (the key is secret), the app's name too.
        expect(output).to.contain(
            `- aks-keyvault-secrets:applications[0].identity (app "[secret]"): uses identity binding (useAzureTokenProxy), which the Azure Key Vault provider reads from v${IDENTITY_BINDING_PROVIDER_VERSION} on, ` +
                `but the cluster runs the AKS addon's provider, v${AKS_ADDON_PROVIDER.version} (node images ${AKS_ADDON_PROVIDER.nodeImages}), which ignores it: the mount would fall back to workload identity ` +
                "with the cluster's token, and Entra would refuse it. Fix: use identity mode workloadIdentity (`identity: { mode: workloadIdentity }`), which the addon supports, " +
                "or, once the cluster's provider is v1.8.1 or later (an addon that ships it, or one installed with its Helm chart with the addon off and cluster mode external), " +
                "declare it: `cluster.keyVaultProvider: { version: <version> }`.",
        );
        expect(output).to.not.contain(TOKEN);
        expect(output, "Node stack frames").to.not.match(/^\s+at .+\((\/|node:).+\)$/m);
        expect(output).to.not.contain("unhandled exception");
    });
});
