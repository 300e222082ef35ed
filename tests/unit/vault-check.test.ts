import { expect } from "chai";
import { parseStackConfig } from "../../program/config";
import { checkVaultContents, detailsNeeded, unreadVaultWarning, vaultCheckFindings, vaultCheckPlan } from "../../program/vault-check";
import { formatConfigProblem } from "../../program/problems";
import { LISTED_VAULT, LISTING_NOW, listedObject, listedVersions, vaultListing } from "../mocks";

const TENANT = "6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";

function stack(keyVault: Record<string, unknown> = {}, applications?: unknown[]) {
    return parseStackConfig({
        cluster: { mode: "external", addonIdentityClientId: "3b1d7f0e-5a2c-4e8b-9d6f-1a2b3c4d5e6f" },
        keyVault: { mode: "external", name: LISTED_VAULT, tenantId: TENANT, ...keyVault },
        applications: applications ?? [
            {
                name: "orders-api",
                namespace: "orders",
                identity: { mode: "addon" },
                objects: [
                    { objectName: "db-password", objectType: "secret" },
                    { objectName: "api-kee", objectType: "secret" },
                ],
            },
        ],
    });
}

describe("the preview's vault check (program)", () => {
    it("reads the vault of the stack at its cloud's data plane URL, on by default", () => {
        expect(vaultCheckPlan(stack())).to.deep.equal({
            vaultName: LISTED_VAULT,
            vaultUrl: `https://${LISTED_VAULT}.vault.azure.net/`,
            createdHere: false,
            expiryWarningDays: 30,
        });
        const china = [
            {
                name: "a",
                namespace: "a",
                identity: { mode: "addon" },
                cloudName: "AzureChinaCloud",
                objects: [{ objectName: "x", objectType: "secret" }],
            },
        ];
        expect(vaultCheckPlan(stack({ expiryWarningDays: 7 }, china))).to.include({
            vaultUrl: `https://${LISTED_VAULT}.vault.azure.cn/`,
            expiryWarningDays: 7,
        });
    });

    it("reads nothing with keyVault.checkContents: false, or when no app lists an object", () => {
        expect(vaultCheckPlan(stack({ checkContents: false }))).to.equal(undefined);
        expect(vaultCheckPlan(stack({}, []))).to.equal(undefined);
    });

    it("reads more than the lists only of the objects an app names (in any case) or selects", () => {
        const apps = [
            {
                name: "orders-api",
                namespace: "orders",
                identity: { mode: "addon" },
                objects: [{ objectName: "DB-Password", objectType: "secret" }],
                selectObjects: [{ objectType: "cert", namePrefix: "orders-", tags: { team: "orders" } }],
            },
        ];
        const needed = detailsNeeded(stack({}, apps));
        const asked = [
            needed("secret", listedObject("secret", "db-password")),
            needed("key", listedObject("key", "db-password")),
            needed("secret", listedObject("secret", "api-key")),
            needed("certificate", listedObject("certificate", "orders-tls", { tags: { team: "orders" } })),
            needed("certificate", listedObject("certificate", "orders-old", { tags: { team: "payments" } })),
            needed("secret", listedObject("secret", "orders-tls", { tags: { team: "orders" } })),
        ];
        expect(asked).to.deep.equal([true, false, false, true, false, false]);
    });

    it("puts each problem at the object's config key, with the app, and fails nothing the vault holds", () => {
        const listing = vaultListing([
            listedObject("secret", "db-password", { versions: listedVersions(1) }),
            listedObject("secret", "api-key", { versions: listedVersions(1) }),
        ]);
        const findings = vaultCheckFindings(stack(), listing, LISTING_NOW);
        expect(findings.problems.map((problem) => problem.path)).to.deep.equal([["applications", 0, "objects", 1, "objectName"]]);
        expect(formatConfigProblem(findings.problems[0])).to.equal(
            'aks-keyvault-secrets:applications[0].objects[1].objectName (app "orders-api"): Key Vault "kv-orders" has no secret "api-kee"; ' +
                'the closest secrets it has: "api-key". Fix: name an existing secret (e.g. "api-key"), or create "api-kee" in the vault.',
        );
        expect(findings.warnings).to.deep.equal([]);
    });

    it("puts a warning about a collection it could not list at the app's objects", () => {
        const findings = vaultCheckFindings(stack(), vaultListing([], ["secret"]), LISTING_NOW);
        expect(findings.problems).to.deep.equal([]);
        expect(findings.warnings.map((warning) => warning.path)).to.deep.equal([["applications", 0, "objects"]]);
        expect(formatConfigProblem(findings.warnings[0])).to.equal(
            'aks-keyvault-secrets:applications[0].objects (app "orders-api", Key Vault "kv-orders"): the preview could not list its secrets (403), ' +
                "so 2 objects went unchecked against them (objects[0], objects[1]); Key Vault Reader, a data-plane role, is the least that lists them " +
                "(metadata only, never a value). Fix: assign the identity that runs the preview the Key Vault Reader role on the vault, or leave these objects to be checked at pod start.",
        );
    });

    it("says once, at keyVault, why nothing was checked when the vault could not be read", () => {
        const read = vaultCheckPlan(stack())!;
        expect(formatConfigProblem(unreadVaultWarning(read, new Error("getaddrinfo ENOTFOUND kv-orders.vault.azure.net\nmore")))).to.equal(
            `aks-keyvault-secrets:keyVault (Key Vault "kv-orders"): could not be read at https://kv-orders.vault.azure.net/ (getaddrinfo ENOTFOUND kv-orders.vault.azure.net), ` +
                "so no object was checked against it. Fix: give the identity that runs the preview the Key Vault Reader role on the vault and a route to https://kv-orders.vault.azure.net/, or set keyVault.checkContents: false.",
        );
        expect(unreadVaultWarning({ ...read, createdHere: true }, "404").message).to.equal(
            "could not be read (404); a vault this stack creates holds nothing before its first `pulumi up`, so its objects are checked from the next preview on",
        );
    });

    it("skips the read entirely when switched off (no credential is asked for)", async () => {
        const config = stack({ checkContents: false });
        expect(await checkVaultContents(config)).to.deep.equal({ config });
    });
});
