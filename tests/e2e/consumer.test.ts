/**
 * End to end: the library as another team's stack uses it. `npm pack` of this repository (its `prepare` builds
 * bin/), installed into a fresh project next to the SDK versions this checkout has installed (the lock's lower bounds
 * here; the newest in the runtime lane `current`, `npm run test:current-runtime`); the project
 * type-checks a program that passes its own `k8s.Provider`, holds exactly one copy of each Pulumi SDK, and
 * `pulumi preview` of it runs against the local API server through the CLI and its Node.js language host. The
 * package's `aks-keyvault-secrets` command (its built bin) runs there too.
 */
import { expect } from "chai";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalEnvironment, startLocalEnvironment } from "../../localenv/harness/environment";
import { REPO_ROOT } from "../../localenv/harness/stack";
import { toolchainPaths } from "../../localenv/harness/localenv";

/** The version of a package as installed in this checkout. */
function installedVersion(name: string): string {
    return (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
}

/**
 * The consumer's SDKs: the ones this checkout runs on, so the runtime lane `current` proves the newest of each on
 * Node.js 24 and a plain run the lower bounds. Each must satisfy our peer range (`npm ls` checks).
 */
const CONSUMER_SDKS: Record<string, string> = Object.fromEntries(
    ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/azure-native", "@pulumi/azuread"].map((name) => [name, installedVersion(name)]),
);
const NAMESPACE = "consumer";
const MIGRATION_FIXTURES = path.join(REPO_ROOT, "tests/fixtures/migration");

const PROGRAM = `import * as k8s from "@pulumi/kubernetes";
import { AppWorkload, attachKeyVaultSecrets } from "aks-keyvault-secrets";
// The Kubernetes-side entry point (package.json exports; typesVersions for this tsconfig's node10 resolution).
import { SecretProviderClass } from "aks-keyvault-secrets/kubernetes";

// The consumer's own provider, from its own @pulumi/kubernetes: the library's resources must accept it.
const provider = new k8s.Provider("local", { kubeconfig: process.env.CONSUMER_KUBECONFIG });
const keyVault = { name: "kv-consumer", tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47" };
const addon = { mode: "addon" as const, clientId: "3b1d7f0e-5a2c-4e8b-9d6f-1a2b3c4d5e6f" };

const app = new AppWorkload("billing", {
    namespace: "${NAMESPACE}",
    keyVault,
    identity: addon,
    objects: [{ objectName: "billing-db-password", objectType: "secret" }],
    syncedSecrets: [{ secretName: "billing-keyvault", type: "Opaque", data: [{ key: "db-password", objectName: "billing-db-password" }] }],
    env: [{ name: "DB_PASSWORD", secretName: "billing-keyvault", key: "db-password" }],
    deployment: { image: "registry.example/billing:1.0.0", skipAwait: true },
}, { providers: { kubernetes: provider } });

const reports = new SecretProviderClass("reports", {
    namespace: "${NAMESPACE}",
    keyvaultName: keyVault.name,
    tenantID: keyVault.tenantId,
    identity: { mode: "managedIdentity", userAssignedIdentityID: addon.clientId },
    objects: [{ objectName: "reports-api-key", objectType: "secret", objectAlias: "api-key" }],
}, { provider });

// A Deployment the consumer builds itself, wired with the library's pure function.
const template = attachKeyVaultSecrets(
    { metadata: { labels: { app: "reports" } }, spec: { containers: [{ name: "reports", image: "registry.example/reports:2.1.0" }] } },
    { secretProviderClassName: "reports" },
);
new k8s.apps.v1.Deployment("reports", {
    metadata: { namespace: "${NAMESPACE}", name: "reports", annotations: { "pulumi.com/skipAwait": "true" } },
    spec: { selector: { matchLabels: { app: "reports" } }, template },
}, { provider, dependsOn: [reports] });

export const className = reports.className;
export const serviceAccount = app.serviceAccountName;
`;

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
    const result = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== 0) {
        throw new Error(`${command} ${args.join(" ")} (in ${cwd}) exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
    }
    return result.stdout;
}

describe("the library in a consumer's stack (npm pack, next to the SDKs this checkout runs on)", function () {
    this.timeout(15 * 60 * 1000);
    let work = "";
    let consumer = "";
    let environment: LocalEnvironment | undefined;

    before(() => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "akv-consumer-"));
        consumer = path.join(work, "billing-stack");
        fs.mkdirSync(consumer);
        const tarball = run("npm", ["pack", "--silent", "--pack-destination", work], REPO_ROOT).trim().split("\n").pop()!;
        fs.writeFileSync(
            path.join(consumer, "package.json"),
            JSON.stringify(
                {
                    name: "billing-stack",
                    private: true,
                    dependencies: { ...CONSUMER_SDKS, "aks-keyvault-secrets": `file:${path.join(work, tarball)}` },
                    devDependencies: { typescript: installedVersion("typescript"), "@types/node": installedVersion("@types/node") },
                },
                undefined,
                2,
            ),
        );
        fs.writeFileSync(path.join(consumer, "Pulumi.yaml"), "name: billing-stack\nruntime: nodejs\n");
        fs.writeFileSync(
            path.join(consumer, "tsconfig.json"),
            JSON.stringify({
                compilerOptions: {
                    target: "ES2022",
                    module: "commonjs",
                    moduleResolution: "node",
                    strict: true,
                    esModuleInterop: true,
                    types: ["node"],
                },
                files: ["index.ts"],
            }),
        );
        fs.writeFileSync(path.join(consumer, "index.ts"), PROGRAM);
        run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], consumer);
    });

    after(async () => {
        await environment?.stop();
        fs.rmSync(work, { recursive: true, force: true });
    });

    it("installs with exactly one copy of each Pulumi SDK, at the consumer's versions, peers satisfied", () => {
        for (const [name, version] of Object.entries(CONSUMER_SDKS)) {
            const copies = run("npm", ["ls", name, "--all", "--parseable", "--long"], consumer).trim().split("\n").filter(Boolean);
            const unique = [...new Set(copies.map((line) => line.split(":")[0]))];
            expect(unique, name).to.have.length(1);
            expect(copies[0], name).to.contain(`${name}@${version}`);
        }
        // Exits non-zero on a missing or invalid peer dependency.
        run("npm", ["ls", "--all"], consumer);
    });

    it("installs the aks-keyvault-secrets command: --help, and migrate on a fixture with the same output as in this repository", () => {
        // The installed bin itself, not through npx: npm prints its own warnings (e.g. about a user's .npmrc) on stderr.
        const command = path.join(consumer, "node_modules", ".bin", "aks-keyvault-secrets");
        const help = spawnSync(command, ["--help"], { cwd: consumer, encoding: "utf8" });
        expect(help.status, help.stderr).to.equal(0);
        expect(help.stdout).to.equal(fs.readFileSync(path.join(MIGRATION_FIXTURES, "golden/usage.txt"), "utf8"));
        fs.cpSync(path.join(MIGRATION_FIXTURES, "basic/akv2k8s"), path.join(consumer, "akv2k8s"), { recursive: true });
        const migrate = spawnSync(command, ["migrate", "akv2k8s"], { cwd: consumer, encoding: "utf8" });
        expect(migrate.status, migrate.stderr).to.equal(2);
        expect(migrate.stdout).to.equal(fs.readFileSync(path.join(MIGRATION_FIXTURES, "golden/basic/stdout.yaml"), "utf8"));
        expect(migrate.stderr).to.equal(fs.readFileSync(path.join(MIGRATION_FIXTURES, "golden/basic/stderr.txt"), "utf8"));
        // The library's entry point exports neither the command nor the migration toolkit.
        const toolNames = [
            "runMigrationCli",
            "MIGRATION_CLI_USAGE",
            "migrate",
            "adoptSecretProviderClass",
            "mapAzureKeyVaultSecret",
            "typescriptFor",
            "reportText",
        ];
        const exported = run(
            process.execPath,
            [
                "-e",
                `const lib = require("aks-keyvault-secrets"); console.log(${JSON.stringify(toolNames)}.filter((name) => name in lib).join(","))`,
            ],
            consumer,
        ).trim();
        expect(exported).to.equal("");
    });

    it("type-checks a program that passes its own k8s.Provider to the library's resources", () => {
        run(path.join(consumer, "node_modules/.bin/tsc"), ["--noEmit", "-p", "."], consumer);
    });

    it("previews against the local API server with the real CLI and language host", async () => {
        environment = await startLocalEnvironment("akv-e2e-consumer", [NAMESPACE]);
        const { pulumiBinary, provider, kubeconfig, stateDir } = environment.stackOptions;
        const backend = path.join(stateDir, "consumer-backend");
        fs.mkdirSync(backend);
        const env = {
            PATH: [
                path.dirname(pulumiBinary!),
                path.dirname(toolchainPaths()["pulumi-language-nodejs"]),
                path.dirname(provider!),
                process.env.PATH,
            ].join(path.delimiter),
            PULUMI_HOME: path.join(stateDir, "consumer-home"),
            PULUMI_BACKEND_URL: `file://${backend}`,
            PULUMI_CONFIG_PASSPHRASE: "consumer-test-only",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            CONSUMER_KUBECONFIG: kubeconfig,
            KUBECONFIG: "/nonexistent/never-the-ambient-cluster",
        };
        run(pulumiBinary!, ["stack", "init", "dev", "--non-interactive"], consumer, env);
        const preview = JSON.parse(run(pulumiBinary!, ["preview", "--json", "--non-interactive", "--stack", "dev"], consumer, env));
        const creates = (preview.steps as Array<{ op: string; urn: string }>)
            .filter((step) => step.op === "create")
            .map((step) => step.urn.split("::").slice(-2).join("::"));
        expect(creates).to.include.members([
            "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass::reports",
            "kubernetes:apps/v1:Deployment::reports",
            "akvsecrets:index:AppWorkload::billing",
            "akvsecrets:index:AppWorkload$kubernetes:apps/v1:Deployment::billing-deployment",
            "pulumi:providers:kubernetes::local",
        ]);
        expect(preview.diagnostics ?? [], JSON.stringify(preview.diagnostics)).to.satisfy((list: Array<{ severity: string }>) =>
            list.every((d) => d.severity !== "error"),
        );
        // The kubernetes provider the engine runs is the toolchain's (plugin downloads are off): say which.
        expect(
            execFileSync("sh", ["-c", "command -v pulumi-resource-kubernetes"], { env: { ...process.env, ...env }, encoding: "utf8" }),
        ).to.contain("pulumi-resource-kubernetes");
    });
});
