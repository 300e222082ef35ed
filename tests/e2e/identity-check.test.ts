/**
 * End to end: the preview's identity check as a user meets it. `pulumi preview` (the toolchain's CLI and Node.js
 * language host running index.ts) of a stack whose app names a workload identity, with the Key Vault stand-in as the
 * HTTPS proxy for Entra ID, the vault's data plane and Resource Manager (localenv/programs/keyvault-standin, arm.go),
 * its CA in NODE_EXTRA_CA_CERTS and a service principal in AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, as the local main
 * job's vault check runs. A valid but wrong client ID fails the preview naming it, before anything is declared; an
 * existing identity that does not trust the app's ServiceAccount fails naming the subjects; the reads are GETs.
 * No cluster: the check fails the preview before the program declares a resource. About 30 s.
 */
import { expect } from "chai";
import { ChildProcess, execFileSync, spawnSync } from "child_process";
import { randomBytes, randomUUID } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { buildTools, toolchainPaths } from "../../localenv/harness/localenv";
import { cliProject } from "../../localenv/harness/stack";
import { startLocalEnvironment } from "../../localenv/harness/environment";
import { serveStandIn } from "../../localenv/harness/key-vault-seed";

const TENANT = "7e000000-0000-4000-8000-0000000000bb";
const SUBSCRIPTION = "5ab00000-0000-4000-8000-000000000001";
const VAULT = "kv-identity-check";
const ISSUER = "https://issuer.standin.example/cluster/";
const VAULT_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-standin/providers/Microsoft.KeyVault/vaults/${VAULT}`;

interface LoggedRequest {
    method: string;
    host: string;
    path?: string;
    service: string;
    status: number;
}

describe("the preview's identity check against the stand-in's Resource Manager", function () {
    this.timeout(5 * 60 * 1000);
    let dir: string;
    let binary: string;
    let content: string;
    let requestLog: string;
    let standIn: ChildProcess | undefined;
    let env: NodeJS.ProcessEnv;
    let project: string;
    let clusterKubeconfig: string;
    const preview = { clientId: randomUUID(), secret: randomBytes(24).toString("base64url") };
    const workload = randomUUID();
    const wrong = randomUUID();

    const run = (args: string[]) => execFileSync(binary, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

    /** `pulumi preview` of the stack `stack` with `config`; its output. */
    const previewOf = (stack: string, config: Record<string, unknown>): string => {
        fs.writeFileSync(path.join(project, `Pulumi.${stack}.yaml`), YAML.stringify({ config }));
        const pulumi = toolchainPaths().pulumi;
        execFileSync(pulumi, ["stack", "init", stack, "--non-interactive"], { cwd: project, env, stdio: "ignore" });
        const result = spawnSync(pulumi, ["preview", "--stack", stack, "--non-interactive", "--color", "never"], {
            cwd: project,
            env,
            encoding: "utf8",
            timeout: 180000,
        });
        return `${result.stdout}\n${result.stderr}`;
    };

    /** `pulumi preview` of a stack whose one app reads as `clientId` with ServiceAccount `serviceAccount`; its output. */
    const previewWith = (stack: string, clientId: string, serviceAccount: string): string =>
        previewOf(stack, {
            "aks-keyvault-secrets:cluster": { mode: "external", oidcIssuerUrl: ISSUER },
            "aks-keyvault-secrets:keyVault": { mode: "external", name: VAULT, tenantId: TENANT, id: VAULT_ID },
            "aks-keyvault-secrets:applications": [
                {
                    name: "orders-api",
                    namespace: "orders",
                    serviceAccountName: serviceAccount,
                    identity: { mode: "workloadIdentity", clientId },
                    objects: [{ objectName: "db-password", objectType: "secret" }],
                },
            ],
        });

    before(async () => {
        buildTools([], ["keyvault-standin"]);
        const tools = toolchainPaths();
        binary = tools["keyvault-standin"];
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "identity-check-"));
        content = path.join(dir, "keyvault.json");
        requestLog = path.join(dir, "requests.jsonl");
        run(["add", "--content", content, "--vault", VAULT, "--tenant", TENANT, "--kind", "secret", "--name", "db-password"]);
        const secretFile = path.join(dir, "sp-secret");
        fs.writeFileSync(secretFile, preview.secret, { mode: 0o600 });
        run([
            "grant",
            "--content",
            content,
            "--tenant",
            TENANT,
            "--service-principal",
            preview.clientId,
            "--secret-file",
            secretFile,
            "--vault",
            VAULT,
        ]);
        fs.rmSync(secretFile);
        run([
            "grant",
            "--content",
            content,
            "--tenant",
            TENANT,
            "--federated",
            workload,
            "--issuer",
            ISSUER,
            "--subject",
            "system:serviceaccount:orders:orders-api",
            "--vault",
            VAULT,
        ]);

        // The one managed cluster of the stand-in's Resource Manager: its user credential is the kubeconfig the cluster
        // test writes there once its control plane is up.
        clusterKubeconfig = path.join(dir, "aks-orders.kubeconfig");
        const served = await serveStandIn(binary, { caDir: path.join(dir, "ca"), content, requestLog }, [
            "--managed-cluster",
            `aks-orders=${clusterKubeconfig}`,
        ]);
        standIn = served.process;
        const address = served.address;

        const cli = cliProject(dir, "identity-check-test-only");
        project = cli.project;
        const noProxy = "127.0.0.1,localhost";
        env = {
            ...cli.env,
            PULUMI_NODEJS_TRANSPILE_ONLY: "true",
            HTTPS_PROXY: `http://${address}`,
            NO_PROXY: noProxy,
            no_proxy: noProxy,
            NODE_EXTRA_CA_CERTS: path.join(dir, "ca", "ca.pem"),
            AZURE_TENANT_ID: TENANT,
            AZURE_CLIENT_ID: preview.clientId,
            AZURE_CLIENT_SECRET: preview.secret,
            ARM_SUBSCRIPTION_ID: SUBSCRIPTION,
        };
    });

    after(() => {
        standIn?.kill();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const armRequests = (): LoggedRequest[] =>
        fs
            .readFileSync(requestLog, "utf8")
            .split("\n")
            .filter(Boolean)
            .map((line) => JSON.parse(line) as LoggedRequest)
            .filter((request) => request.service === "arm");

    it("a valid but wrong workload identity client ID fails the preview, naming it at its key", () => {
        const output = previewWith("wrong-client", wrong, "orders-api");
        expect(output).to.contain(
            `aks-keyvault-secrets:applications[0].identity.clientId (app "orders-api"): client ID ${wrong} names no user-assigned identity in subscription /subscriptions/${SUBSCRIPTION}`,
        );
        const reads = armRequests();
        expect(reads.map((request) => `${request.method} ${request.status} ${request.path}`)).to.deep.equal([
            `GET 200 /subscriptions/${SUBSCRIPTION}/providers/Microsoft.ManagedIdentity/userAssignedIdentities`,
        ]);
    });

    it("an identity that does not trust the app's ServiceAccount fails the preview, naming the subject it trusts", () => {
        const output = previewWith("other-account", workload, "orders-worker");
        expect(output).to.contain(
            `aks-keyvault-secrets:applications[0].identity.clientId (app "orders-api"): identity "id-${workload}" (client ID ${workload}) has no federated credential for the app's ServiceAccount`,
        );
        expect(output).to.contain(`expected issuer "${ISSUER}", subject "system:serviceaccount:orders:orders-worker"`);
        expect(output).to.contain(`subject "system:serviceaccount:orders:orders-api"`);
        expect(output).to.contain(
            `Fix: az identity federated-credential create --name orders-orders-worker --identity-name id-${workload} --resource-group rg-standin --issuer ${ISSUER} --subject system:serviceaccount:orders:orders-worker --audiences api://AzureADTokenExchange.`,
        );
        // It read its federated credentials and its roles (which cover the secret: no role problem), GETs only.
        const reads = armRequests();
        expect(reads.every((request) => request.method === "GET" && request.status === 200)).to.equal(true);
        expect(reads.some((request) => request.path?.endsWith("/federatedIdentityCredentials"))).to.equal(true);
        expect(reads.some((request) => request.path?.endsWith("/providers/Microsoft.Authorization/roleAssignments"))).to.equal(true);
        expect(output).to.not.contain("holds no role");
    });

    it("a cluster the stack reads from Azure: the preview reaches it through Resource Manager's user kubeconfig and refuses a namespace typo", async () => {
        const environment = await startLocalEnvironment("akv-e2e-arm-cluster");
        try {
            fs.copyFileSync(environment.stackOptions.kubeconfig, clusterKubeconfig);
            const before = armRequests().length;
            const output = previewOf("existing-cluster", {
                "aks-keyvault-secrets:azure": { location: "westeurope", resourceGroupName: "rg-standin", subscriptionId: SUBSCRIPTION },
                "aks-keyvault-secrets:cluster": { mode: "existing", name: "aks-orders" },
                "aks-keyvault-secrets:keyVault": { mode: "external", name: VAULT, tenantId: TENANT, id: VAULT_ID, checkContents: false },
                "aks-keyvault-secrets:applications": [
                    {
                        name: "orders-api",
                        namespace: "orders-typo",
                        identity: { mode: "workloadIdentity", clientId: workload },
                        objects: [{ objectName: "db-password", objectType: "secret" }],
                    },
                ],
            });
            expect(output).to.contain(
                `aks-keyvault-secrets:applications[0].namespace (app "orders-api"): namespace "orders-typo" does not exist in the cluster of context`,
            );
            const reads = armRequests().slice(before);
            expect(reads.map((request) => `${request.method} ${request.status} ${request.path}`)).to.deep.equal([
                `POST 200 /subscriptions/${SUBSCRIPTION}/resourceGroups/rg-standin/providers/Microsoft.ContainerService/managedClusters/aks-orders/listClusterUserCredential`,
            ]);
            expect(output).to.not.contain("BEGIN CERTIFICATE");
        } finally {
            await environment.stop();
        }
    });
});
