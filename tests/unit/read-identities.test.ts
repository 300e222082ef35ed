/**
 * readIdentityFacts with the Azure SDK's own ARM clients on a fake HTTP client (the SDK's `httpClient` option): the
 * GETs it makes (and only GETs), how it maps the answers, the resource-group fallback after a 403, a refused read
 * kept as a reason, a cluster not created yet, and the token scope and host of a sovereign cloud's endpoint.
 */
import { expect } from "chai";
import { readIdentityFacts, refusalOf } from "../../components/key-vault/read-identities";
import { SUBSCRIPTION_ID, fakeArm, fakeCredential } from "../mocks";

const SUB = `/subscriptions/${SUBSCRIPTION_ID}`;
const GROUP = `${SUB}/resourceGroups/rg-platform`;
const VAULT_ID = `${GROUP}/providers/Microsoft.KeyVault/vaults/kv-orders`;
const IDENTITIES = "/providers/Microsoft.ManagedIdentity/userAssignedIdentities";
const ID_ORDERS = `${GROUP}${IDENTITIES}/id-orders`;
const ID_BILLING = `${GROUP}${IDENTITIES}/id-billing`;
const CLUSTER = `${GROUP}/providers/Microsoft.ContainerService/managedClusters/aks-dev`;

const identity = (id: string, clientId: string, principalId: string) => ({
    id,
    name: id.split("/").pop(),
    type: "Microsoft.ManagedIdentity/userAssignedIdentities",
    location: "westeurope",
    properties: { clientId, principalId, tenantId: "t" },
});

const PAGES: Record<string, unknown> = {
    [`GET ${SUB}${IDENTITIES}`]: {
        value: [identity(ID_ORDERS, "client-orders", "principal-orders"), identity(ID_BILLING, "client-billing", "principal-billing")],
    },
    [`GET ${ID_ORDERS}/federatedIdentityCredentials`]: {
        value: [
            {
                id: `${ID_ORDERS}/federatedIdentityCredentials/orders-api`,
                name: "orders-api",
                properties: {
                    issuer: "https://issuer/",
                    subject: "system:serviceaccount:orders:orders-api",
                    audiences: ["api://AzureADTokenExchange"],
                },
            },
        ],
    },
    [`GET ${VAULT_ID}/providers/Microsoft.Authorization/roleAssignments principalId eq 'principal-orders'`]: {
        value: [
            {
                id: `${VAULT_ID}/providers/Microsoft.Authorization/roleAssignments/a1`,
                name: "a1",
                properties: {
                    roleDefinitionId: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`,
                    scope: VAULT_ID,
                    principalId: "principal-orders",
                },
            },
        ],
    },
    [`GET ${CLUSTER}`]: {
        id: CLUSTER,
        name: "aks-dev",
        location: "westeurope",
        properties: {
            oidcIssuerProfile: { enabled: true, issuerURL: "https://issuer/" },
            addonProfiles: {
                azureKeyvaultSecretsProvider: { enabled: true, identity: { clientId: "client-addon", objectId: "o", resourceId: "r" } },
            },
        },
    },
};

const REQUEST = {
    subscriptionId: SUBSCRIPTION_ID,
    resourceGroupName: "rg-platform",
    vaultId: VAULT_ID,
    federatedCredentialsOf: ["CLIENT-ORDERS"],
    roleAssignmentsOf: ["client-orders", "client-unknown"],
    cluster: { resourceGroupName: "rg-platform", name: "aks-dev" },
};

describe("readIdentityFacts", () => {
    it("lists the subscription's identities, and reads credentials, roles and the cluster of those asked for, with GETs only", async () => {
        const arm = fakeArm("management.azure.com", PAGES);
        const credential = fakeCredential();
        const read = await readIdentityFacts(REQUEST, credential, { clientOptions: { httpClient: arm.httpClient } });
        expect(read).to.deep.equal({
            facts: {
                identityScope: SUB,
                identities: {
                    value: [
                        { clientId: "client-orders", principalId: "principal-orders", resourceId: ID_ORDERS },
                        { clientId: "client-billing", principalId: "principal-billing", resourceId: ID_BILLING },
                    ],
                },
                federatedCredentials: {
                    [ID_ORDERS]: {
                        value: [
                            {
                                name: "orders-api",
                                issuer: "https://issuer/",
                                subject: "system:serviceaccount:orders:orders-api",
                                audiences: ["api://AzureADTokenExchange"],
                            },
                        ],
                    },
                },
                roleAssignments: {
                    "principal-orders": {
                        value: [
                            {
                                roleDefinitionId: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`,
                                scope: VAULT_ID,
                                principalId: "principal-orders",
                            },
                        ],
                    },
                },
            },
            cluster: { value: { oidcIssuerUrl: "https://issuer/", addonIdentityClientId: "client-addon" } },
        });
        expect(arm.seen.every((request) => request.startsWith("GET "))).to.equal(true);
        expect([...new Set(arm.seen)].sort()).to.deep.equal(Object.keys(PAGES).sort());
        expect([...new Set(credential.scopes)]).to.deep.equal(["https://management.azure.com/.default"]);
    });

    it("falls back to the resource group when the subscription may not be listed, and keeps a refusal as its reason", async () => {
        const pages = {
            ...PAGES,
            [`GET ${GROUP}${IDENTITIES}`]: { value: [identity(ID_ORDERS, "client-orders", "principal-orders")] },
        };
        const arm = fakeArm("management.azure.com", pages, {
            [`${SUB}${IDENTITIES}`]: 403,
            [`${ID_ORDERS}/federatedIdentityCredentials`]: 403,
            [CLUSTER]: 404,
        });
        const read = await readIdentityFacts(REQUEST, fakeCredential(), { clientOptions: { httpClient: arm.httpClient } });
        expect(read.facts.identityScope).to.equal(GROUP);
        expect(read.facts.identities).to.deep.equal({
            value: [{ clientId: "client-orders", principalId: "principal-orders", resourceId: ID_ORDERS }],
        });
        expect(read.facts.federatedCredentials).to.deep.equal({
            [ID_ORDERS]: { status: 403, reason: "AuthorizationFailed: The client does not have authorization" },
        });
        expect(read.cluster, "a cluster not created yet").to.equal(undefined);
    });

    it("keeps the subscription's refusal when the resource group is refused too", async () => {
        const arm = fakeArm("management.azure.com", PAGES, {
            [`${SUB}${IDENTITIES}`]: 403,
            [`${GROUP}${IDENTITIES}`]: 403,
            [CLUSTER]: 403,
        });
        const read = await readIdentityFacts(REQUEST, fakeCredential(), { clientOptions: { httpClient: arm.httpClient } });
        expect(read.facts).to.deep.equal({
            identityScope: SUB,
            identities: { status: 403, reason: "AuthorizationFailed: The client does not have authorization" },
            federatedCredentials: {},
            roleAssignments: {},
        });
        expect(read.cluster).to.deep.equal({ status: 403, reason: "AuthorizationFailed: The client does not have authorization" });
    });

    it("asks a sovereign cloud's endpoint, and a token for it", async () => {
        const arm = fakeArm("management.chinacloudapi.cn", PAGES);
        const credential = fakeCredential();
        const read = await readIdentityFacts(REQUEST, credential, {
            endpoint: "https://management.chinacloudapi.cn/",
            clientOptions: { httpClient: arm.httpClient },
        });
        expect(read.cluster).to.deep.equal({ value: { oidcIssuerUrl: "https://issuer/", addonIdentityClientId: "client-addon" } });
        expect([...new Set(credential.scopes)]).to.deep.equal(["https://management.chinacloudapi.cn/.default"]);
    });

    it("says why a read failed in one line", () => {
        expect(refusalOf(new Error("getaddrinfo ENOTFOUND management.azure.com\n    at ..."))).to.deep.equal({
            reason: "getaddrinfo ENOTFOUND management.azure.com",
        });
        expect(refusalOf(Object.assign(new Error("denied"), { statusCode: 401, code: "InvalidAuthenticationToken" }))).to.deep.equal({
            status: 401,
            reason: "InvalidAuthenticationToken: denied",
        });
    });
});
