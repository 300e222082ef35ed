import { expect } from "chai";
import { stackFileConfig as stackFile } from "../stack-files";
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, StackConfigError, parseStackConfig } from "../../program/config";
import { decodeConfigValue, stackProgram } from "../../program/entry";
import { closestKey, redact } from "../../program/problems";
import { editDistance } from "../../components/shared/validation";
import { SECRET_RULES } from "../../program/secrets";
import { CONFIG_KEYS } from "../../program/schema";
import {
    TENANT_ID,
    errorFrom,
    ofType,
    rejection,
    plainPart,
    registrations,
    resetRegistrations,
    secretParts,
    settle,
    valueOf,
} from "../mocks";

/** Sets the stack config as the engine hands it to the program: text per key, objects as JSON; `secret` keys marked. */
function setStackConfig(values: Record<string, unknown>, secret: string[] = [], other: Record<string, string> = {}): void {
    const config = Object.fromEntries(
        Object.entries(values).map(([key, value]) => [
            `${CONFIG_NAMESPACE}:${key}`,
            typeof value === "string" ? value : JSON.stringify(value),
        ]),
    );
    pulumi.runtime.setAllConfig(
        { ...config, ...other },
        secret.map((key) => `${CONFIG_NAMESPACE}:${key}`),
    );
}

async function programError(values: Record<string, unknown>, secret: string[] = []): Promise<string> {
    setStackConfig(values, secret);
    const error = await rejection(stackProgram());
    expect(error).to.be.instanceOf(StackConfigError);
    return error.message;
}

async function runStack(values: Record<string, unknown>, secret: string[] = []) {
    resetRegistrations();
    setStackConfig(values, secret);
    const outputs = await stackProgram();
    await valueOf(outputs.applications);
    await settle();
    return outputs;
}

describe("stack config: the whole project namespace is read", () => {
    it("names a mistyped top-level key with the closest valid key, and ignores other namespaces", async () => {
        const values = stackFile("local");
        values.aplications = values.applications;
        delete values.applications;
        setStackConfig(values, [], { "azure-native:location": "westeurope" });
        const message = (await rejection(stackProgram())).message;
        expect(message).to.contain(
            `${CONFIG_NAMESPACE}:aplications: is not a key of the ${CONFIG_NAMESPACE} namespace (did you mean \`applications\`?). Fix: rename it to \`applications\`, or remove it`,
        );
        expect(message).to.not.contain("azure-native");
        expect(message).to.match(/\(1 problem\)/);
    });

    it("names a case mistake as such, once, and still checks the value under the key it was meant to be", async () => {
        const values = stackFile("local");
        values.keyvault = { ...values.keyVault, name: "kv_local" };
        delete values.keyVault;
        const message = await programError(values);
        expect(message).to.contain(
            `${CONFIG_NAMESPACE}:keyvault: is not a key: keys are case-sensitive, and this one is \`keyVault\` written in another case. Fix: rename \`keyvault\` to \`keyVault\`.`,
        );
        expect(message).to.not.contain("keyVault: is required");
        expect(message).to.not.contain("expected an object");
        expect(message).to.contain(`${CONFIG_NAMESPACE}:keyVault.name: "kv_local" is not a valid Key Vault name.`);
    });

    it("recognises a path set without --path", async () => {
        const message = await programError({
            ...stackFile("local"),
            "cluster.addonIdentityClientId": "3b1d7f0e-5a2c-4e8b-9d6f-1a2b3c4d5e6f",
        });
        expect(message).to.contain(
            `${CONFIG_NAMESPACE}:cluster.addonIdentityClientId: is not a key: \`pulumi config set\` without --path made one key of the path cluster.addonIdentityClientId. Fix: remove it (\`pulumi config rm '${CONFIG_NAMESPACE}:cluster.addonIdentityClientId'\`) and set the value with \`pulumi config set --path '${CONFIG_NAMESPACE}:cluster.addonIdentityClientId' <value>\`.`,
        );
    });

    it("names nested unknown keys with their parent's valid keys", async () => {
        const values = stackFile("local");
        values.applications[0].syncedSecret = values.applications[0].syncedSecrets;
        delete values.applications[0].syncedSecrets;
        values.applications[1].deployment.replica = 2;
        const message = await programError(values);
        expect(message).to.contain(
            `${CONFIG_NAMESPACE}:applications[0].syncedSecret (app "orders-api"): is not a key of \`applications[0]\` (did you mean \`syncedSecrets\`?)`,
        );
        expect(message).to.contain(
            `${CONFIG_NAMESPACE}:applications[1].deployment.replica (app "payments"): is not a key of \`applications[1].deployment\` (did you mean \`replicas\`?)`,
        );
    });

    it("says which shape a key expects, with a one-line example, where a string is given", async () => {
        const message = await programError({ ...stackFile("local"), cluster: "external", akv2k8sSecrets: "orders/orders-api" });
        expect(message).to.contain(
            `${CONFIG_NAMESPACE}:cluster: expected an object, got the string "external". Fix: write it as an object, e.g. \`cluster: { mode: external, addonIdentityClientId: <guid> }\`.`,
        );
        expect(message).to.contain(
            `${CONFIG_NAMESPACE}:akv2k8sSecrets: expected a list, got the string "orders/orders-api". Fix: write it as a list, e.g. \`akv2k8sSecrets: [orders/orders-api-secrets]\`.`,
        );
        expect(message).to.not.contain("JSON");
    });

    it("suggests a value only when it is nearly the one written", async () => {
        const values = stackFile("local");
        values.applications[0].cloudName = "AzureStackCloud";
        values.applications[1].objects[0].objectType = "secrets";
        const message = await programError(values);
        expect(message).to.contain(
            `applications[0].cloudName (app "orders-api"): the string "AzureStackCloud" is not one of AzurePublicCloud, AzureUSGovernmentCloud, AzureChinaCloud, AzureGermanCloud. Fix: use one of`,
        );
        expect(message).to.contain(
            `applications[1].objects[0].objectType (app "payments"): the string "secrets" is not one of secret, key, cert. Fix: use secret.`,
        );
    });

    it("reads platformStack as the plain string it is, and objects and lists as JSON", async () => {
        expect(decodeConfigValue("platformStack", "organization/aks-keyvault-secrets/dev")).to.equal(
            "organization/aks-keyvault-secrets/dev",
        );
        expect(decodeConfigValue("platformStack", "123")).to.equal("123");
        expect(decodeConfigValue("cluster", '{"mode":"external"}')).to.deep.equal({ mode: "external" });
        expect(decodeConfigValue("cluster", "external")).to.equal("external");
        expect(decodeConfigValue("applicationz", "[]")).to.deep.equal([]);
    });

    it("suggests keys by edit distance (with transpositions) and only when close", async () => {
        expect(editDistance("aplications", "applications")).to.equal(1);
        expect(editDistance("kyeVault", "keyVault")).to.equal(1);
        expect(closestKey("acess", CONFIG_KEYS)).to.deep.equal({ key: "access", caseOnly: false });
        expect(closestKey("ACCESS", CONFIG_KEYS)).to.deep.equal({ key: "access", caseOnly: true });
        expect(closestKey("tags", CONFIG_KEYS)).to.equal(undefined);
    });
});

describe("stack config: every problem at once, in the config's words", () => {
    it("reports schema and rule problems together, each at its key path with a fix", async () => {
        const values = stackFile("dev");
        values.cluster.SecretRotation = values.cluster.secretRotation; // schema: unknown key
        values.cluster.secretRotation.pollInterval = "2 minutes"; // rule: Go duration
        values.keyVault.name = "kv_dev"; // rule: vault name
        values.applications[0].objects[0].objectType = "Secret"; // schema: enum (this app is left out of the rules)
        values.applications[1].syncedSecrets[0].secretName = "Payments_TLS"; // rule: Secret name
        values.applications[1].deployment.replicas = "3"; // schema: number
        const message = await programError(values);
        const lines = message.split("\n").slice(1);
        expect(lines.map((line) => line.replace(/ \(app "[^"]*"\)/, "").replace(/: .*/, ""))).to.deep.equal([
            `  - ${CONFIG_NAMESPACE}:applications[0].objects[0].objectType`,
            `  - ${CONFIG_NAMESPACE}:applications[1].deployment.replicas`,
            `  - ${CONFIG_NAMESPACE}:applications[1].syncedSecrets[0].secretName`,
            `  - ${CONFIG_NAMESPACE}:cluster.SecretRotation`,
            `  - ${CONFIG_NAMESPACE}:cluster.secretRotation.pollInterval`,
            `  - ${CONFIG_NAMESPACE}:keyVault.name`,
        ]);
        expect(lines.every((line) => line.includes(". Fix: "))).to.equal(true);
    });

    it("never uses the provider's words for what the config calls otherwise", async () => {
        const values = stackFile("local");
        values.applications[0].syncedSecrets[0].type = "kubernetes.io/tls";
        values.applications[0].syncedSecrets.push({ ...values.applications[0].syncedSecrets[0] });
        values.applications[1].identity.clientId = "not-a-guid";
        values.applications[2].objects[0].objectAlias = "../ca.pem";
        const message = await programError(values);
        expect(message).to.contain(
            `${CONFIG_NAMESPACE}:applications[0].syncedSecrets[0].data (app "orders-api"): a kubernetes.io/tls Secret needs exactly the keys tls.crt and tls.key`,
        );
        expect(message).to.contain(`${CONFIG_NAMESPACE}:applications[0].syncedSecrets[1] (app "orders-api"): is declared more than once`);
        expect(message).to.contain(`${CONFIG_NAMESPACE}:applications[1].identity.clientId (app "payments"):`);
        expect(message).to.contain(`${CONFIG_NAMESPACE}:applications[2].objects[0].objectAlias (app "signing"):`);
        for (const providerWord of ["secretObjects", "vaultName", "keyvaultName", "clientID", "tenantID"]) {
            expect(message).to.not.contain(providerWord);
        }
    });

    it("is a pulumi.RunError, so `pulumi preview` prints it without stack frames", async () => {
        const error = errorFrom(() => parseStackConfig({ applications: "x" }));
        expect(pulumi.RunError.isInstance(error)).to.equal(true);
        expect(error.message).to.not.match(/\n\s+at /);
    });

    it("reports a huge objectVersionHistory (the SecretProviderClass rule) as a config problem at its key, without allocating per version", async () => {
        const values = stackFile("local");
        values.applications[2].objects[0].objectVersionHistory = 2147483647;
        const started = Date.now();
        expect(await programError(values)).to.contain(
            `${CONFIG_NAMESPACE}:applications[2].objects[0].objectVersionHistory (app "signing"): 2147483647 versions is more than this library allows (100)`,
        );
        expect(Date.now() - started).to.be.below(2000);
    });
});

describe("stack config: Kubernetes rules of the API server", () => {
    it("refuses an empty or backstepping mount path, a bad container name, a bad port and a bad plain env name", async () => {
        const values = stackFile("local");
        values.applications[0].mountPath = "";
        values.applications[1].mountPath = "/mnt/../etc";
        values.applications[0].deployment.containerName = "Orders_API";
        values.applications[1].deployment.ports = [0, 70000];
        values.applications[2].deployment.env = { "1BAD": "x", API_KEY: "plain" };
        values.applications[2].env.push({ name: "API_KEY", secretName: "signing-trust", key: "signing.pub" });
        const message = await programError(values);
        expect(message).to.contain(`${CONFIG_NAMESPACE}:applications[0].mountPath (app "orders-api"): "" is required.`);
        expect(message).to.contain(`${CONFIG_NAMESPACE}:applications[1].mountPath (app "payments"): "/mnt/../etc" must not contain '..'.`);
        expect(message).to.contain(
            `${CONFIG_NAMESPACE}:applications[0].deployment.containerName (app "orders-api"): container name "Orders_API" must consist of lower-case letters`,
        );
        expect(message).to.contain(
            `${CONFIG_NAMESPACE}:applications[1].deployment.ports[0] (app "payments"): 0 must be between 1 and 65535, inclusive.`,
        );
        expect(message).to.contain(
            `${CONFIG_NAMESPACE}:applications[1].deployment.ports[1] (app "payments"): 70000 must be between 1 and 65535, inclusive.`,
        );
        expect(message).to.contain(
            `${CONFIG_NAMESPACE}:applications[2].deployment.env.1BAD (app "signing"): "1BAD" is not a valid variable name.`,
        );
        expect(message).to.contain(
            `${CONFIG_NAMESPACE}:applications[2].deployment.env.API_KEY (app "signing"): is also set from a synced Secret in env.`,
        );
    });
});

describe("stack config: secure values", () => {
    const TOKEN = "s3cr3t-token-value-7d1f";

    it("refuses a secure value under applications (e.g. a plain Deployment env) and points at syncedSecrets, without printing it", async () => {
        const values = stackFile("local");
        values.applications[0].deployment.env = { API_TOKEN: TOKEN };
        const message = await programError(values, ["applications"]);
        expect(message).to.contain(
            `${CONFIG_NAMESPACE}:applications: holds a secure: value (Pulumi marks the whole key secret), but nothing under applications can stay secret`,
        );
        expect(message).to.contain("sync it with syncedSecrets and read it through env");
        expect(message).to.not.contain(TOKEN);
    });

    it("keeps secure external vault and cluster values secret in every input and output built from them", async () => {
        const values = stackFile("local");
        const tenant = "0d8f5c2e-7b1a-4c3d-9e8f-112233445566";
        const addonClientId = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
        values.keyVault.tenantId = tenant;
        values.cluster.addonIdentityClientId = addonClientId;
        const outputs = await runStack(values, ["keyVault", "cluster"]);
        const plain = JSON.stringify(registrations.map((registration) => plainPart(registration.inputs)));
        for (const secret of [tenant, addonClientId, values.keyVault.name]) {
            expect(plain, secret).to.not.contain(secret);
        }
        const spc = ofType("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass").find((r) => r.name === "orders-api-spc")!;
        expect(
            secretParts(spc.inputs)
                .map((part) => JSON.stringify(part))
                .join(),
        )
            .to.contain(tenant)
            .and.to.contain(addonClientId);
        expect(await pulumi.isSecret(outputs.platform)).to.equal(true);
        expect(await pulumi.isSecret(outputs.applications)).to.equal(true);
    });

    it("refuses secure values where Pulumi would keep them in plain text: resource IDs, URNs, names", async () => {
        const dev = stackFile("dev");
        for (const key of ["azure", "cluster", "keyVault", "akv2k8sSecrets"]) {
            expect(await programError({ ...dev, akv2k8sSecrets: [] }, [key]), key).to.contain(
                `${CONFIG_NAMESPACE}:${key}: holds a secure: value`,
            );
        }
        const split = { platformStack: "organization/aks-keyvault-secrets/dev", applications: [stackFile("local").applications[0]] };
        expect(await programError(split, ["platformStack"])).to.contain(
            `${CONFIG_NAMESPACE}:platformStack: holds a secure: value (Pulumi marks the whole key secret), but platformStack decides what this stack creates`,
        );
        const withId = stackFile("local");
        withId.keyVault.id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-local-demo";
        expect(await programError(withId, ["keyVault"])).to.contain(
            "keyVault.id becomes part of the IDs of the role assignments it scopes",
        );
    });

    it("accepts a secure access key (the admin group) and makes the group's principal a secret", async () => {
        const values = stackFile("dev");
        values.access.adminGroup = { objectId: "5f4e3d2c-1b0a-4f9e-8d7c-6b5a4f3e2d1c", role: "secretsOfficer" };
        await runStack(values, ["access"]);
        const admins = ofType("azure-native:authorization:RoleAssignment").find((r) => r.name === "keyvault-admins-secretsofficer")!;
        expect(JSON.stringify(plainPart(admins.inputs))).to.not.contain("5f4e3d2c");
        expect(secretParts(admins.inputs)).to.include("5f4e3d2c-1b0a-4f9e-8d7c-6b5a4f3e2d1c");
    });

    it("never prints a secure value in a message", async () => {
        const values = stackFile("local");
        values.keyVault.name = "kv_secret_name";
        const message = await programError(values, ["keyVault"]);
        expect(message).to.contain(`${CONFIG_NAMESPACE}:keyVault.name: "[secret]" is not a valid Key Vault name`);
        expect(message).to.not.contain("kv_secret_name");
        expect(redact('"ab" `abc` ab: a 0d8f5c2e-7b1a-4c3d in x0d8f5c2e-7b1a-4c3d', ["ab", "abc", "0d8f5c2e-7b1a-4c3d"])).to.equal(
            '"[secret]" `[secret]` ab: a [secret] in x0d8f5c2e-7b1a-4c3d',
        );
    });

    it("has a rule for every top-level key", async () => {
        expect(Object.keys(SECRET_RULES).sort()).to.deep.equal([...CONFIG_KEYS].sort());
    });
});

describe("stack config: the same tenant is not secret unless marked", () => {
    it("keeps plain values plain (no needless secrets in state or in previews)", async () => {
        await runStack(stackFile("local"));
        const spc = ofType("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass")[0];
        expect(secretParts(spc.inputs)).to.deep.equal([]);
        expect(spc.inputs.spec.parameters.tenantID).to.equal(TENANT_ID);
    });
});
