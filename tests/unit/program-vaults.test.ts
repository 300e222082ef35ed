import { expect } from "chai";
import { stackFileConfig as stackConfig } from "../stack-files";
import { StackConfigError, parseStackConfig, plannedRoleAssignmentCount } from "../../program/config";
import { otherVaultLoads, runProgram } from "../../program/main";
import { requestBudgetWarning } from "../../program/warnings";
import { otherVaultChecks, otherVaultFindingAt, vaultCheckFindings, withOtherVaultObjects } from "../../program/vault-check";
import { expandAppSelections } from "../../program/object-selection";
import { formatConfigProblem } from "../../program/problems";
import { KEY_VAULT_ROLES } from "../../components";
import {
    LISTING_NOW,
    SUBSCRIPTION_ID,
    addonIdentityOf,
    errorFrom,
    listedObject,
    listedVersions,
    ofType,
    registered,
    registeredOptions,
    resetRegistrations,
    settle,
    valueOf,
    vaultListing,
} from "../mocks";

const SHARED_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/kv-shared-dev`;
const SPC = "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass";

/** The dev stack with its addon-mode app reading a second vault, and a Secret synced from it. */
function devWithSharedVault(shared: Record<string, unknown> = {}) {
    const dev = stackConfig("dev");
    const [orders, ...rest] = dev.applications;
    return {
        ...dev,
        applications: [
            {
                ...orders,
                additionalVaults: [
                    {
                        name: "kv-shared-dev",
                        id: SHARED_ID,
                        objects: [{ objectName: "smtp-password", objectType: "secret" }],
                        syncedSecrets: [
                            { secretName: "orders-smtp", type: "Opaque", data: [{ key: "password", objectName: "smtp-password" }] },
                        ],
                        ...shared,
                    },
                ],
            },
            ...rest,
        ],
    };
}

describe("program with an app of several vaults", () => {
    let applications: Record<string, any>;
    before(async () => {
        resetRegistrations();
        const outputs = await runProgram(parseStackConfig(devWithSharedVault()));
        applications = await valueOf(outputs.applications);
        await settle();
    });

    it("declares a class per vault and mounts each vault's files in a folder named after it", () => {
        const orders = stackConfig("dev").applications[0];
        expect(registered(SPC, `${orders.name}-spc`).inputs.spec.parameters.keyvaultName).to.equal("kv-platform-dev-weu");
        expect(registered(SPC, `${orders.name}-spc-kv-shared-dev`).inputs.spec.parameters.keyvaultName).to.equal("kv-shared-dev");
        const mounts = registered("kubernetes:apps/v1:Deployment", `${orders.name}-deployment`).inputs.spec.template.spec.containers[0]
            .volumeMounts;
        expect(mounts.map((mount: { mountPath: string }) => mount.mountPath)).to.deep.equal([
            "/mnt/secrets-store/kv-platform-dev-weu",
            "/mnt/secrets-store/kv-shared-dev",
        ]);
        expect(applications[orders.name].additionalSecretProviderClasses).to.deep.equal([`${orders.name}-kv-shared-dev`]);
        expect(applications[orders.name].syncedSecrets).to.include("orders-smtp");
        // An app of one vault exports no additionalSecretProviderClasses: its outputs are as before.
        expect(applications[stackConfig("dev").applications[1].name]).to.not.have.property("additionalSecretProviderClasses");
    });

    it("grants the addon identity Secrets User on the other vault, and the app's pods wait for it", () => {
        const role = registered("azure-native:authorization:RoleAssignment", "addon-keyvault-access-kv-shared-dev-secretsuser").inputs;
        expect(role).to.deep.include({
            scope: SHARED_ID,
            principalId: addonIdentityOf("aks-platform-dev").objectId,
            roleDefinitionId: `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_ROLES.secretsUser.guid}`,
        });
        const waitsFor = (registeredOptions.get(`${SPC}::orders-api-spc-kv-shared-dev`)?.dependencies ?? []).map((urn) =>
            urn.split("::").pop(),
        );
        expect(waitsFor).to.include.members(["addon-keyvault-access-secretsuser", "addon-keyvault-access-kv-shared-dev-secretsuser"]);
    });

    it("counts the other vault's role assignments toward the subscription's limit", () => {
        const platform = { hasVaultId: true, hasAddonIdentity: true };
        const one = plannedRoleAssignmentCount(parseStackConfig(stackConfig("dev")), platform);
        expect(plannedRoleAssignmentCount(parseStackConfig(devWithSharedVault()), platform)).to.equal(one + 1);
    });

    it("grants nothing on another vault without its id", async () => {
        resetRegistrations();
        await runProgram(parseStackConfig(devWithSharedVault({ id: undefined })));
        await settle();
        expect(ofType("azure-native:authorization:RoleAssignment").filter((role) => role.inputs.scope === SHARED_ID)).to.deep.equal([]);
    });
});

describe("stack config of apps with several vaults", () => {
    it("refuses a Secret two apps sync into one namespace, wherever each comes from", () => {
        const config = devWithSharedVault({
            syncedSecrets: [{ secretName: "orders-api-keyvault", type: "Opaque", data: [{ key: "p", objectName: "smtp-password" }] }],
        });
        const error = errorFrom(() =>
            parseStackConfig({ ...config, applications: [...config.applications, { ...config.applications[0], name: "orders-copy" }] }),
        );
        expect(error).to.be.instanceOf(StackConfigError);
        expect(error.message).to.contain("applications[0].additionalVaults[0].syncedSecrets[0].secretName");
    });

    it("reports a component problem of another vault at its config key", () => {
        const error = errorFrom(() => parseStackConfig(devWithSharedVault({ name: "kv_shared" })));
        expect(error.message).to.contain(
            'aks-keyvault-secrets:applications[0].additionalVaults[0].name (app "orders-api"): "kv_shared" is not a valid Key Vault name.',
        );
    });
});

describe("the vault check of other vaults", () => {
    const TENANT = "6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
    const config = parseStackConfig({
        cluster: { mode: "external", addonIdentityClientId: "3b1d7f0e-5a2c-4e8b-9d6f-1a2b3c4d5e6f" },
        keyVault: { mode: "external", name: "kv-local", tenantId: TENANT, expiryWarningDays: 10 },
        applications: ["orders", "billing"].map((name, index) => ({
            name,
            namespace: name,
            identity: { mode: "addon" },
            objects: [{ objectName: "own", objectType: "secret" }],
            additionalVaults: [
                { name: index === 0 ? "kv-shared" : "KV-Shared", objects: [{ objectName: `${name}-smtp`, objectType: "secret" }] },
            ],
        })),
    });

    it("reads each other vault once (names in any case), as an external vault of the stack's check settings, with its apps' objects alone", () => {
        const checks = otherVaultChecks(config);
        expect(checks).to.have.length(1);
        expect(checks[0].config.keyVault).to.deep.include({
            mode: "external",
            name: "kv-shared",
            checkContents: true,
            expiryWarningDays: 10,
        });
        expect(checks[0].config.applications.map((app) => [app.name, app.objects, app.additionalVaults, app.env])).to.deep.equal([
            ["orders", [{ objectName: "orders-smtp", objectType: "secret" }], undefined, []],
            ["billing", [{ objectName: "billing-smtp", objectType: "secret" }], undefined, []],
        ]);
        expect(checks[0].origins).to.deep.equal([
            { index: 0, vaultIndex: 0 },
            { index: 1, vaultIndex: 0 },
        ]);
        expect(
            otherVaultChecks(parseStackConfig({ ...config, keyVault: { ...config.keyVault, checkContents: false } }))[0].config.keyVault,
        ).to.include({
            checkContents: false,
        });
    });

    it("puts a missing object of another vault at its key under additionalVaults", () => {
        const [check] = otherVaultChecks(config);
        const listing = vaultListing([listedObject("secret", "orders-smtp", { versions: listedVersions(1) })]);
        const findings = vaultCheckFindings(check.config, listing, LISTING_NOW);
        const problems = findings.problems.map((problem) => otherVaultFindingAt(check, problem));
        expect(problems.map((problem) => problem.path)).to.deep.equal([
            ["applications", 1, "additionalVaults", 0, "objects", 0, "objectName"],
        ]);
        expect(formatConfigProblem(problems[0])).to.match(
            /^aks-keyvault-secrets:applications\[1\]\.additionalVaults\[0\]\.objects\[0\]\.objectName \(app "billing"\): Key Vault "kv-orders" has no secret "billing-smtp"/,
        );
        // A finding about the vault as a whole lands at the vault's entry of the first app that reads it.
        expect(otherVaultFindingAt(check, { path: ["keyVault"], message: "m", fix: "f" }).path).to.deep.equal([
            "applications",
            0,
            "additionalVaults",
            0,
        ]);
    });
});

describe("selections on an app's other vault", () => {
    const base = {
        cluster: { mode: "external", addonIdentityClientId: "3b1d7f0e-5a2c-4e8b-9d6f-1a2b3c4d5e6f" },
        keyVault: { mode: "external", name: "kv-local", tenantId: "6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f" },
    };
    const app = (other: Record<string, unknown>) => ({
        name: "orders",
        namespace: "orders",
        identity: { mode: "addon" },
        objects: [{ objectName: "own", objectType: "secret" }],
        additionalVaults: [{ name: "kv-shared", objects: [], ...other }],
    });

    it("lets an other vault's objects be empty when it selects, and not otherwise; a selection without criteria fails at its key", () => {
        expect(() =>
            parseStackConfig({ ...base, applications: [app({ selectObjects: [{ objectType: "secret", namePrefix: "orders-" }] })] }),
        ).to.not.throw();
        expect(configErrorOf({ ...base, applications: [app({})] })).to.contain(
            'aks-keyvault-secrets:applications[0].additionalVaults[0].objects (app "orders"): is empty; the pod would mount nothing.',
        );
        expect(configErrorOf({ ...base, applications: [app({ selectObjects: [{ objectType: "secret" }] })] })).to.contain(
            "aks-keyvault-secrets:applications[0].additionalVaults[0].selectObjects[0]",
        );
    });

    it("expands them against that vault's listing and puts the objects back at their vault", () => {
        const config = parseStackConfig({
            ...base,
            applications: [
                app({
                    selectObjects: [{ objectType: "secret", namePrefix: "orders-" }],
                    syncedSecrets: [{ secretName: "orders-smtp", type: "Opaque", data: [{ key: "p", objectName: "orders-smtp" }] }],
                }),
            ],
        });
        const checks = otherVaultChecks(config);
        const listing = vaultListing([
            listedObject("secret", "orders-smtp", { versions: listedVersions(1) }),
            listedObject("secret", "billing-smtp", { versions: listedVersions(1) }),
        ]);
        const expansion = expandAppSelections(checks[0].config, listing, LISTING_NOW);
        expect(expansion.problems).to.deep.equal([]);
        const expanded = withOtherVaultObjects(config, checks, [expansion.config.applications.map((expandedApp) => expandedApp.objects)]);
        expect(expanded.applications[0].additionalVaults?.[0].objects).to.deep.equal([{ objectName: "orders-smtp", objectType: "secret" }]);
        expect(expanded.applications[0].objects).to.deep.equal(config.applications[0].objects);
        expect(config.applications[0].additionalVaults?.[0].objects).to.deep.equal([]);
    });
});

function configErrorOf(raw: Record<string, unknown>): string {
    const error = errorFrom(() => parseStackConfig(raw));
    expect(error).to.be.instanceOf(StackConfigError);
    return error.message;
}

describe("the request budget of other vaults", () => {
    it("budgets each other vault (names in any case) from the apps that read it, apart from the stack's vault", () => {
        const dev = devWithSharedVault();
        const orders = dev.applications[0];
        const config = parseStackConfig({
            ...dev,
            applications: [
                { ...orders, deployment: { ...orders.deployment, replicas: 4500 } },
                {
                    ...orders,
                    name: "orders-copy",
                    syncedSecrets: [],
                    env: [],
                    additionalVaults: [
                        {
                            name: "KV-SHARED-DEV",
                            objects: [
                                { objectName: "a", objectType: "secret" },
                                { objectName: "b", objectType: "secret" },
                            ],
                        },
                    ],
                },
            ],
        });
        const loads = otherVaultLoads(config);
        expect(
            loads.map(({ vault, loads: apps }) => [
                vault,
                apps.map((load) => [load.app, load.pods, load.requestsPerMount, load.syncedSecrets]),
            ]),
        ).to.deep.equal([
            [
                "kv-shared-dev",
                [
                    ["orders-api", 4500, 1, 1],
                    ["orders-copy", 2, 2, 0],
                ],
            ],
        ]);
        expect(requestBudgetWarning(`Key Vault "${loads[0].vault}"`, loads[0].loads, undefined)).to.match(
            /^Key Vault "kv-shared-dev": this stack's pods make 4504 requests when every pod mounts at once/,
        );
    });
});
