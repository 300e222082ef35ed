/**
 * End to end: `secure:` config values stay secret in the state. The local stack (real engine, real kube-apiserver)
 * with its vault's tenant and the addon identity's client ID set the way users set secrets
 * (`pulumi config set --path ... --secret`): after `up`, the stored state holds neither in plain text, the
 * decrypted export holds them only inside secrets, and the stack outputs give them back as secrets.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import { LocalEnvironment, startLocalEnvironment } from "../../localenv/harness/environment";
import { localStackConfig, openLocalStack } from "../../localenv/harness/stack";
import { CONFIG_NAMESPACE } from "../../program/config";

const SPC_API = "secrets-store.csi.x-k8s.io/v1";
/** Values no other part of the state could hold by chance. */
const TENANT = "0d8f5c2e-7b1a-4c3d-9e8f-5a6b7c8d9e0f";
const ADDON_CLIENT_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";

/** Paths of a decrypted state where any of `values` occurs: inside a secret, or in plain text. */
function secretPlaces(value: unknown, values: string[], at = "", inSecret = false): { secret: string[]; plain: string[] } {
    if (typeof value === "string") {
        const found = values.some((text) => value.includes(text));
        return { secret: found && inSecret ? [at] : [], plain: found && !inSecret ? [at] : [] };
    }
    if (!value || typeof value !== "object") {
        return { secret: [], plain: [] };
    }
    const secret = inSecret || (value as Record<string, unknown>)[SECRET_SIGNATURE] !== undefined;
    const children = Object.entries(value)
        .filter(([key]) => key !== SECRET_SIGNATURE)
        .map(([key, child]) => secretPlaces(child, values, key === "plaintext" && secret ? at : `${at}${at ? "." : ""}${key}`, secret));
    return { secret: children.flatMap((child) => child.secret), plain: children.flatMap((child) => child.plain) };
}

describe("secure config values end to end (real engine, real kube-apiserver)", function () {
    this.timeout(15 * 60 * 1000);
    let environment: LocalEnvironment | undefined;
    let stack: Stack;
    const config = localStackConfig();

    before(async () => {
        environment = await startLocalEnvironment("akv-e2e-secure");
        // Through the CLI's language host, each run in a process of its own, as users run it. Inline, in the mocha
        // process that had run every earlier e2e file's programs, one CI run previewed this stack with no resource
        // registered and no diagnostic (planning to delete every app): the SDK's inline server takes a failed gRPC
        // call for the engine's own shutdown and ends the run quietly; which call failed was not recorded.
        stack = await openLocalStack({
            ...environment.stackOptions,
            stackName: "secure",
            throughLanguageHost: true,
            envVars: { PULUMI_NODEJS_TRANSPILE_ONLY: "true" },
        });
        await stack.setConfig(`${CONFIG_NAMESPACE}:keyVault.tenantId`, { value: TENANT, secret: true }, true);
        await stack.setConfig(`${CONFIG_NAMESPACE}:cluster.addonIdentityClientId`, { value: ADDON_CLIENT_ID, secret: true }, true);
    });

    after(() => environment?.stop());

    it("keeps the secure values out of the state in plain text, and holds them there as secrets", async () => {
        const stackFile = fs.readFileSync(path.join(environment!.stackOptions.stateDir, "work", "Pulumi.secure.yaml"), "utf8");
        expect(stackFile).to.match(/tenantId:\n\s+secure: v1:/);
        expect(stackFile).to.not.contain(TENANT);

        const up = await stack.up();
        expect(up.summary.result).to.equal("succeeded");
        // The state as stored (the file backend's checkpoint): secrets in it are ciphertext.
        const stored = fs.readFileSync(
            path.join(environment!.stackOptions.stateDir, "backend", ".pulumi", "stacks", "aks-keyvault-secrets", "secure.json"),
            "utf8",
        );
        expect(stored).to.contain("ciphertext");
        expect(stored).to.not.contain(TENANT);
        expect(stored).to.not.contain(ADDON_CLIENT_ID);
        // The same state decrypted (`pulumi stack export --show-secrets`, what exportStack runs): every place that
        // holds one of the values holds it as a secret.
        const decrypted = (await stack.exportStack()).deployment;
        const places = secretPlaces(decrypted, [TENANT, ADDON_CLIENT_ID]);
        expect(places.plain, "values outside secrets").to.deep.equal([]);
        expect(
            places.secret.map((place) => place.replace(/^resources\.\d+/, "")).filter((place) => place.startsWith(".inputs")),
        ).to.include.members([
            ".inputs.spec.parameters.tenantID",
            ".inputs.spec.parameters.userAssignedIdentityID",
            ".inputs.metadata.annotations.azure.workload.identity/tenant-id",
        ]);
        const stackResource = (decrypted.resources as any[]).find((r) => r.type === "pulumi:pulumi:Stack");
        expect(stackResource.outputs.platform[SECRET_SIGNATURE]).to.not.equal(undefined);
    });

    it("gives them back, decrypted, as secret stack outputs, and puts them where the driver needs them", async () => {
        const outputs = await stack.outputs();
        expect(outputs.platform.secret).to.equal(true);
        expect(outputs.platform.value).to.deep.include({
            tenantId: TENANT,
            keyVaultName: config.keyVault.name,
            addonIdentity: { clientId: ADDON_CLIENT_ID },
        });
        const spc = await environment!.kube.get(`/apis/${SPC_API}/namespaces/orders/secretproviderclasses/orders-api`);
        expect(spc.spec.parameters).to.deep.include({ tenantID: TENANT, userAssignedIdentityID: ADDON_CLIENT_ID });
    });

    it("previews no change on the next run (secrets do not make inputs differ)", async () => {
        const preview = await stack.preview({ expectNoChanges: true });
        expect(preview.changeSummary).to.deep.equal({ same: 19 });
        expect((await stack.destroy()).summary.result).to.equal("succeeded");
    });
});
