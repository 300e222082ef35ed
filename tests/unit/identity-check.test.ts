/** program/identity-check.ts: which apps the preview's identity check reads, where it reports, and the run itself. */
import { expect } from "chai";
import { parseStackConfig } from "../../program/config";
import { checkAppIdentities, identityCheckFindings, identityCheckPlan, unreadIdentitiesWarning } from "../../program/identity-check";
import { StackConfigError, formatConfigProblem } from "../../program/problems";
import { SUBSCRIPTION_ID, capturedWarnings, fakeArm, fakeCredential, rejection } from "../mocks";

const TENANT = "6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const SUB = `/subscriptions/${SUBSCRIPTION_ID}`;
const GROUP = `${SUB}/resourceGroups/rg-platform`;
const VAULT_ID = `${GROUP}/providers/Microsoft.KeyVault/vaults/kv-orders`;
const IDENTITIES = "/providers/Microsoft.ManagedIdentity/userAssignedIdentities";
const ID_ORDERS = `${GROUP}${IDENTITIES}/id-orders`;
const CLIENT_ID = "0a1b2c3d-0000-4000-8000-000000000001";
const WRONG_CLIENT_ID = "0a1b2c3d-0000-4000-8000-00000000ffff";
const ADDON_CLIENT_ID = "3b1d7f0e-5a2c-4e8b-9d6f-1a2b3c4d5e6f";
const ISSUER = "https://issuer.example/cluster/";
const SECRETS_USER = `${SUB}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`;

function app(identity: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    return {
        name: "orders-api",
        namespace: "orders",
        identity,
        objects: [{ objectName: "db-password", objectType: "secret" }],
        ...extra,
    };
}

function stack(
    overrides: Record<string, unknown> = {},
    applications: unknown[] = [app({ mode: "workloadIdentity", clientId: CLIENT_ID })],
) {
    return parseStackConfig({
        cluster: { mode: "external", addonIdentityClientId: ADDON_CLIENT_ID, oidcIssuerUrl: ISSUER },
        keyVault: { mode: "external", name: "kv-orders", tenantId: TENANT, id: VAULT_ID },
        applications,
        ...overrides,
    });
}

const PAGES: Record<string, unknown> = {
    [`GET ${SUB}${IDENTITIES}`]: {
        value: [
            {
                id: ID_ORDERS,
                name: "id-orders",
                location: "westeurope",
                properties: { clientId: CLIENT_ID, principalId: "principal-orders" },
            },
        ],
    },
    [`GET ${ID_ORDERS}/federatedIdentityCredentials`]: {
        value: [
            {
                name: "orders-api",
                properties: {
                    issuer: ISSUER,
                    subject: "system:serviceaccount:orders:orders-api",
                    audiences: ["api://AzureADTokenExchange"],
                },
            },
        ],
    },
    [`GET ${VAULT_ID}/providers/Microsoft.Authorization/roleAssignments principalId eq 'principal-orders'`]: {
        value: [{ name: "a", properties: { roleDefinitionId: SECRETS_USER, scope: VAULT_ID, principalId: "principal-orders" } }],
    },
};

describe("the preview's identity check (program)", () => {
    describe("what it reads", () => {
        it("reads the apps that name an existing identity, in the vault ID's subscription, at the public cloud's endpoint", () => {
            const plan = identityCheckPlan(
                stack(
                    {
                        azure: { location: "westeurope", resourceGroupName: "rg-platform" },
                        cluster: {
                            mode: "external",
                            addonIdentityClientId: ADDON_CLIENT_ID,
                            oidcIssuerUrl: ISSUER,
                            keyVaultProvider: { version: "1.8.2" },
                        },
                    },
                    [
                        app({ mode: "workloadIdentity", clientId: CLIENT_ID }, { serviceAccountName: "orders-sa" }),
                        app({ mode: "workloadIdentity" }, { name: "creates-its-own" }),
                        app({ mode: "identityBinding", clientId: WRONG_CLIENT_ID }, { name: "bound" }),
                        app({ mode: "addon" }, { name: "addon-app" }),
                        app({ mode: "servicePrincipal", nodePublishSecretRef: "sp" }, { name: "sp-app" }),
                    ],
                ),
            );
            expect(plan).to.deep.equal({
                request: {
                    subscriptionId: SUBSCRIPTION_ID,
                    resourceGroupName: "rg-platform",
                    vaultId: VAULT_ID,
                    federatedCredentialsOf: [CLIENT_ID],
                    roleAssignmentsOf: [CLIENT_ID, WRONG_CLIENT_ID, ADDON_CLIENT_ID],
                    cluster: undefined,
                },
                endpoint: "https://management.azure.com",
                oidcIssuerUrl: ISSUER,
                apps: [
                    {
                        index: 0,
                        name: "orders-api",
                        path: ["applications", 0, "identity", "clientId"],
                        use: {
                            mode: "workloadIdentity",
                            clientId: CLIENT_ID,
                            serviceAccount: { namespace: "orders", name: "orders-sa" },
                            objects: [{ objectName: "db-password", objectType: "secret" }],
                        },
                    },
                    {
                        index: 2,
                        name: "bound",
                        path: ["applications", 2, "identity", "clientId"],
                        use: {
                            mode: "identityBinding",
                            clientId: WRONG_CLIENT_ID,
                            serviceAccount: { namespace: "orders", name: "bound" },
                            objects: [{ objectName: "db-password", objectType: "secret" }],
                        },
                    },
                    {
                        index: 3,
                        name: "addon-app",
                        path: ["cluster", "addonIdentityClientId"],
                        use: { mode: "addon", clientId: ADDON_CLIENT_ID, objects: [{ objectName: "db-password", objectType: "secret" }] },
                    },
                ],
            });
        });

        it("builds the vault ID of an existing vault and reads its cluster's issuer, at the endpoint of the apps' cloud or the one set", () => {
            const config = stack(
                {
                    azure: { location: "chinanorth3", resourceGroupName: "rg-platform", subscriptionId: SUBSCRIPTION_ID },
                    cluster: { mode: "existing", name: "aks-dev", resourceGroupName: "rg-aks" },
                    keyVault: { mode: "existing", name: "kv-orders" },
                },
                [app({ mode: "workloadIdentity", clientId: CLIENT_ID }, { cloudName: "AzureChinaCloud" })],
            );
            const plan = identityCheckPlan(config);
            expect(plan?.request).to.deep.include({
                vaultId: VAULT_ID,
                resourceGroupName: "rg-platform",
                cluster: { resourceGroupName: "rg-aks", name: "aks-dev" },
            });
            expect(plan?.endpoint).to.equal("https://management.chinacloudapi.cn");
            const set = stack({ azure: { location: "x", resourceGroupName: "rg", resourceManagerEndpoint: "https://arm.example/" } });
            expect(identityCheckPlan(set)?.endpoint).to.equal("https://arm.example/");
        });

        it("takes the provider's subscription when the config names none", () => {
            const config = stack({
                azure: { location: "westeurope", resourceGroupName: "rg-platform" },
                keyVault: { mode: "create", name: "kv-orders" },
            });
            expect(identityCheckPlan(config)).to.equal(undefined);
            expect(identityCheckPlan(config, { subscriptionId: SUBSCRIPTION_ID })?.request.vaultId).to.equal(VAULT_ID);
        });

        it("reads nothing with checkContents or checkIdentities off, in an app stack, without a vault ID, or without an existing identity", () => {
            const vault = { mode: "external", name: "kv-orders", tenantId: TENANT };
            expect(identityCheckPlan(stack({ keyVault: { ...vault, id: VAULT_ID, checkContents: false } }))).to.equal(undefined);
            expect(identityCheckPlan(stack({ azure: { location: "x", resourceGroupName: "rg", checkIdentities: false } }))).to.equal(
                undefined,
            );
            expect(identityCheckPlan(stack({ keyVault: vault }), { subscriptionId: SUBSCRIPTION_ID })).to.equal(undefined);
            expect(identityCheckPlan(stack({}, [app({ mode: "servicePrincipal", nodePublishSecretRef: "sp" })]))).to.equal(undefined);
            const appStack = parseStackConfig({
                platformStack: "org/aks-keyvault-secrets/dev",
                applications: [app({ mode: "workloadIdentity", clientId: CLIENT_ID })],
            });
            expect(identityCheckPlan(appStack, { subscriptionId: SUBSCRIPTION_ID })).to.equal(undefined);
        });
    });

    describe("where it reports", () => {
        it("at the client ID's key, naming the app; a cluster it could not read at cluster", () => {
            const plan = identityCheckPlan(stack({}, [app({ mode: "workloadIdentity", clientId: WRONG_CLIENT_ID })]))!;
            const facts = { identityScope: SUB, identities: { value: [] }, federatedCredentials: {}, roleAssignments: {} };
            const found = identityCheckFindings(plan, facts, { status: 403, reason: "AuthorizationFailed" });
            expect(found.problems.map(formatConfigProblem)).to.deep.equal([
                `aks-keyvault-secrets:applications[0].identity.clientId (app "orders-api"): client ID ${WRONG_CLIENT_ID} names no user-assigned identity in subscription ${SUB}: the pods would ask Entra ID for a token of an identity that does not exist there. Fix: use the client ID of an existing identity (\`az identity list --query "[].{name:name, clientId:clientId}" -o table\`), or create one (\`az identity create\`); an identity of another subscription or an Entra application is not seen by this check.`,
            ]);
            expect(found.warnings.map(formatConfigProblem)).to.deep.equal([
                `aks-keyvault-secrets:cluster: could not be read (403: AuthorizationFailed), so workload identities' federated credentials were checked for their subject, not for its issuer. Fix: give the identity that runs the preview the Reader role on the cluster's resource group.`,
            ]);
        });

        it("warns once when Resource Manager could not be read at all", () => {
            const plan = identityCheckPlan(stack())!;
            expect(
                formatConfigProblem(unreadIdentitiesWarning(plan, new Error("getaddrinfo ENOTFOUND management.azure.com\nmore"))),
            ).to.equal(
                `aks-keyvault-secrets:azure (subscription ${SUBSCRIPTION_ID}): Resource Manager could not be read at https://management.azure.com (getaddrinfo ENOTFOUND management.azure.com), so no app's identity was checked. Fix: give the identity that runs the preview the Reader role on the subscription (or the resource groups of the vault and the identities) and a route to Resource Manager, set azure.resourceManagerEndpoint for another cloud, or set azure.checkIdentities: false.`,
            );
        });
    });

    describe("the run", () => {
        it("passes an identity that exists, trusts the ServiceAccount and reads the objects", async () => {
            const arm = fakeArm("management.azure.com", PAGES);
            const warnings = await capturedWarnings(() =>
                checkAppIdentities(stack(), {}, fakeCredential(), { clientOptions: { httpClient: arm.httpClient } }),
            );
            expect(warnings).to.deep.equal([]);
            expect(arm.seen.every((request) => request.startsWith("GET "))).to.equal(true);
        });

        it("fails the preview naming a wrong workload identity client ID", async () => {
            const arm = fakeArm("management.azure.com", PAGES);
            const config = stack({}, [app({ mode: "workloadIdentity", clientId: WRONG_CLIENT_ID })]);
            const error = await rejection(
                checkAppIdentities(config, {}, fakeCredential(), { clientOptions: { httpClient: arm.httpClient } }),
            );
            expect(error).to.be.instanceOf(StackConfigError);
            expect((error as StackConfigError).problems).to.have.length(1);
            expect((error as StackConfigError).problems[0]).to.contain(
                `applications[0].identity.clientId (app "orders-api"): client ID ${WRONG_CLIENT_ID} names no user-assigned identity`,
            );
        });

        it("warns, and goes on, when the identity that runs the preview may not read Resource Manager", async () => {
            const arm = fakeArm("management.azure.com", PAGES, { [`${SUB}${IDENTITIES}`]: 403 });
            const warnings = await capturedWarnings(() =>
                checkAppIdentities(stack(), {}, fakeCredential(), { clientOptions: { httpClient: arm.httpClient } }),
            );
            expect(warnings).to.deep.equal([
                `aks-keyvault-secrets:applications[0].identity.clientId (app "orders-api"): the user-assigned identities of ${SUB} could not be listed (403: AuthorizationFailed: The client does not have authorization), so client ID ${CLIENT_ID} was not checked. Fix: give the identity that runs the preview the Reader role on ${SUB} (or on the identity's resource group).`,
            ]);
        });
    });
});
