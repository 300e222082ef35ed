/** components/key-vault/identity-checks.ts: an app's identity held against what the management plane says. */
import { expect } from "chai";
import * as fc from "fast-check";
import {
    FederatedCredentialFacts,
    IdentityCheckContext,
    IdentityFacts,
    IdentityUse,
    ManagedIdentityFacts,
    RoleAssignmentFacts,
    WORKLOAD_IDENTITY_AUDIENCE,
    identityFindings,
    rolesReading,
    scopeCovers,
} from "../../components/key-vault/identity-checks";
import { KEY_VAULT_ROLES, VAULT_MANAGEMENT_ROLES, roleDefinitionId } from "../../components/key-vault-access/roles";
import { KeyVaultObjectType } from "../../components/secret-provider-class/types";
import { SUBSCRIPTION_ID } from "../mocks";

const GROUP = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-platform`;
const VAULT_ID = `${GROUP}/providers/Microsoft.KeyVault/vaults/kv-orders`;
const ISSUER = "https://westeurope.oic.prod-aks.azure.com/tenant/cluster/";
const CLIENT_ID = "0a1b2c3d-0000-4000-8000-000000000001";
const PRINCIPAL_ID = "9f8e7d6c-0000-4000-8000-000000000002";
const ADDON_CLIENT_ID = "0a1b2c3d-0000-4000-8000-0000000000ad";
const IDENTITY: ManagedIdentityFacts = {
    clientId: CLIENT_ID,
    principalId: PRINCIPAL_ID,
    resourceId: `${GROUP}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-orders`,
};
const LABEL = `identity "id-orders" (client ID ${CLIENT_ID})`;
const SUBJECT = "system:serviceaccount:orders:orders-api";
const CONTEXT: IdentityCheckContext = { vaultId: VAULT_ID, oidcIssuerUrl: ISSUER };

function credential(overrides: Partial<FederatedCredentialFacts> = {}): FederatedCredentialFacts {
    return { name: "orders-api", issuer: ISSUER, subject: SUBJECT, audiences: [WORKLOAD_IDENTITY_AUDIENCE], ...overrides };
}

function assignment(role: keyof typeof KEY_VAULT_ROLES, scope = VAULT_ID, principalId = PRINCIPAL_ID): RoleAssignmentFacts {
    return { roleDefinitionId: roleDefinitionId(SUBSCRIPTION_ID, role), scope, principalId };
}

function facts(
    overrides: {
        identities?: IdentityFacts["identities"];
        identityScope?: string;
        credentials?: IdentityFacts["federatedCredentials"][string];
        assignments?: IdentityFacts["roleAssignments"][string];
    } = {},
): IdentityFacts {
    return {
        identityScope: overrides.identityScope ?? `/subscriptions/${SUBSCRIPTION_ID}`,
        identities: overrides.identities ?? { value: [IDENTITY] },
        federatedCredentials: { [IDENTITY.resourceId.toUpperCase()]: overrides.credentials ?? { value: [credential()] } },
        roleAssignments: { [PRINCIPAL_ID]: overrides.assignments ?? { value: [assignment("secretsUser")] } },
    };
}

function workload(overrides: Partial<IdentityUse> = {}): IdentityUse {
    return {
        mode: "workloadIdentity",
        clientId: CLIENT_ID,
        serviceAccount: { namespace: "orders", name: "orders-api" },
        objects: [{ objectName: "db-password", objectType: "secret" }],
        ...overrides,
    };
}

const NOTHING = { problems: [], warnings: [] };

describe("identity checks", () => {
    it("passes an identity that exists, trusts the ServiceAccount and reads the objects", () => {
        expect(identityFindings(workload({ clientId: CLIENT_ID.toUpperCase() }), CONTEXT, facts())).to.deep.equal(NOTHING);
    });

    describe("(a) a client ID that names no identity", () => {
        it("fails when the subscription was listed", () => {
            expect(identityFindings(workload({ clientId: "0a1b2c3d-0000-4000-8000-00000000ffff" }), CONTEXT, facts())).to.deep.equal({
                problems: [
                    {
                        where: "identity.clientId",
                        message: `client ID 0a1b2c3d-0000-4000-8000-00000000ffff names no user-assigned identity in subscription /subscriptions/${SUBSCRIPTION_ID}: the pods would ask Entra ID for a token of an identity that does not exist there`,
                        fix: 'use the client ID of an existing identity (`az identity list --query "[].{name:name, clientId:clientId}" -o table`), or create one (`az identity create`); an identity of another subscription or an Entra application is not seen by this check',
                    },
                ],
                warnings: [],
            });
        });

        it("warns when only a resource group was listed", () => {
            const found = identityFindings(
                workload({ mode: "identityBinding", clientId: ADDON_CLIENT_ID }),
                CONTEXT,
                facts({ identityScope: GROUP }),
            );
            expect(found).to.deep.equal({
                problems: [],
                warnings: [
                    {
                        where: "identity.clientId",
                        message: `client ID ${ADDON_CLIENT_ID} names no user-assigned identity in resource group ${GROUP} (the subscription could not be listed): the pods would ask Entra ID for a token of an identity that does not exist there`,
                        fix: 'use the client ID of an existing identity (`az identity list --query "[].{name:name, clientId:clientId}" -o table`), or create one (`az identity create`); an identity of another subscription or an Entra application is not seen by this check',
                    },
                ],
            });
        });

        it("warns, naming the Reader role, when the identities could not be listed", () => {
            const found = identityFindings(workload(), CONTEXT, facts({ identities: { status: 403, reason: "AuthorizationFailed" } }));
            expect(found).to.deep.equal({
                problems: [],
                warnings: [
                    {
                        where: "identity.clientId",
                        message: `the user-assigned identities of /subscriptions/${SUBSCRIPTION_ID} could not be listed (403: AuthorizationFailed), so client ID ${CLIENT_ID} was not checked`,
                        fix: `give the identity that runs the preview the Reader role on /subscriptions/${SUBSCRIPTION_ID} (or on the identity's resource group)`,
                    },
                ],
            });
        });
    });

    describe("(b) a workload identity's federated credential", () => {
        const fix = `az identity federated-credential create --name orders-orders-api --identity-name id-orders --resource-group rg-platform --issuer ${ISSUER} --subject ${SUBJECT} --audiences api://AzureADTokenExchange`;
        const expected = `expected issuer "${ISSUER}", subject "${SUBJECT}", audience "api://AzureADTokenExchange"`;

        it("fails without any credential", () => {
            expect(identityFindings(workload(), CONTEXT, facts({ credentials: { value: [] } })).problems).to.deep.equal([
                {
                    where: "identity.clientId",
                    message: `${LABEL} has no federated credential for the app's ServiceAccount: the pods' token would be refused (AADSTS70021); ${expected}, it has no federated credential`,
                    fix,
                },
            ]);
        });

        it("prints the subjects and issuers it has", () => {
            const credentials = [
                credential({ name: "other", subject: "system:serviceaccount:orders:default" }),
                credential({ name: "old-cluster", issuer: "https://old.example/" }),
                credential({ name: "no-audience", audiences: ["api://other"] }),
            ];
            expect(identityFindings(workload(), CONTEXT, facts({ credentials: { value: credentials } })).problems).to.deep.equal([
                {
                    where: "identity.clientId",
                    message: `${LABEL} has no federated credential for the app's ServiceAccount: the pods' token would be refused (AADSTS70021); ${expected}, it has "other" (issuer "${ISSUER}", subject "system:serviceaccount:orders:default", audiences "api://AzureADTokenExchange"), "old-cluster" (issuer "https://old.example/", subject "${SUBJECT}", audiences "api://AzureADTokenExchange"), "no-audience" (issuer "${ISSUER}", subject "${SUBJECT}", audiences "api://other")`,
                    fix,
                },
            ]);
        });

        it("says when the issuer differs by its trailing slash alone", () => {
            const trimmed = ISSUER.replace(/\/$/, "");
            const found = identityFindings(workload(), CONTEXT, facts({ credentials: { value: [credential({ issuer: trimmed })] } }));
            expect(found.problems.map((problem) => problem.message)).to.deep.equal([
                `${LABEL} has no federated credential for the app's ServiceAccount: the pods' token would be refused (AADSTS70021); ${expected}, it has "orders-api" (issuer "${trimmed}", subject "${SUBJECT}", audiences "api://AzureADTokenExchange"); Entra ID compares the issuer exactly, trailing slash included`,
            ]);
        });

        it("checks the subject alone when the cluster's issuer is unknown", () => {
            const context = { vaultId: VAULT_ID };
            expect(
                identityFindings(workload(), context, facts({ credentials: { value: [credential({ issuer: "https://any/" })] } })),
            ).to.deep.equal(NOTHING);
            expect(identityFindings(workload(), context, facts({ credentials: { value: [] } })).problems).to.deep.equal([
                {
                    where: "identity.clientId",
                    message: `${LABEL} has no federated credential for the app's ServiceAccount: the pods' token would be refused (AADSTS70021); expected issuer (the cluster's OIDC issuer), subject "${SUBJECT}", audience "api://AzureADTokenExchange", it has no federated credential`,
                    fix: `az identity federated-credential create --name orders-orders-api --identity-name id-orders --resource-group rg-platform --issuer <the cluster's OIDC issuer URL> --subject ${SUBJECT} --audiences api://AzureADTokenExchange`,
                },
            ]);
        });

        it("is not asked of identity binding or the addon identity", () => {
            const none = facts({ credentials: { value: [] } });
            expect(identityFindings(workload({ mode: "identityBinding" }), CONTEXT, none)).to.deep.equal(NOTHING);
            expect(identityFindings(workload({ mode: "addon", serviceAccount: undefined }), CONTEXT, none)).to.deep.equal(NOTHING);
        });

        it("warns, naming the Reader role, when the credentials could not be read", () => {
            const found = identityFindings(workload(), CONTEXT, facts({ credentials: { status: 403, reason: "AuthorizationFailed" } }));
            expect(found).to.deep.equal({
                problems: [],
                warnings: [
                    {
                        where: "identity.clientId",
                        message: `${LABEL}: its federated credentials could not be read (403: AuthorizationFailed), so whether it trusts ServiceAccount orders/orders-api was not checked`,
                        fix: `give the identity that runs the preview the Reader role on ${GROUP}`,
                    },
                ],
            });
        });
    });

    describe("(c) a role that reads each object", () => {
        const objects = [
            { objectName: "db-password", objectType: "secret" as const },
            { objectName: "tls", objectType: "cert" as const },
        ];

        it("fails when the identity holds only Key Vault Reader, which reads no secret value", () => {
            const found = identityFindings(workload(), CONTEXT, facts({ assignments: { value: [assignment("reader")] } }));
            expect(found).to.deep.equal({
                problems: [
                    {
                        where: "identity.clientId",
                        message: `${LABEL} holds no role that reads secret "db-password" from Key Vault "kv-orders" (at the vault, a scope above it or the object's own scope; roles held through a group are not read), so the mount would fail with 403; on the vault it holds: Key Vault Reader at ${VAULT_ID} (roles that read a secret: Key Vault Secrets User, Key Vault Secrets Officer, Key Vault Certificate User, Key Vault Administrator)`,
                        fix: `az role assignment create --assignee-object-id ${PRINCIPAL_ID} --assignee-principal-type ServicePrincipal --role "Key Vault Secrets User" --scope ${VAULT_ID}`,
                    },
                ],
                warnings: [],
            });
        });

        it("names Certificate User when a certificate is not covered, and each object it cannot read", () => {
            const found = identityFindings(workload({ objects }), CONTEXT, facts({ assignments: { value: [] } }));
            expect(found.problems).to.deep.equal([
                {
                    where: "identity.clientId",
                    message: `${LABEL} holds no role that reads secret "db-password", certificate "tls" from Key Vault "kv-orders" (at the vault, a scope above it or the object's own scope; roles held through a group are not read), so the mount would fail with 403; it holds no role on the vault (roles that read a secret: Key Vault Secrets User, Key Vault Secrets Officer, Key Vault Certificate User, Key Vault Administrator; a certificate: Key Vault Certificate User, Key Vault Certificates Officer, Key Vault Administrator, Key Vault Reader)`,
                    fix: `az role assignment create --assignee-object-id ${PRINCIPAL_ID} --assignee-principal-type ServicePrincipal --role "Key Vault Certificate User" --scope ${VAULT_ID}`,
                },
            ]);
        });

        it("counts roles at the resource group, subscription, management group and the object's own scope", () => {
            for (const scope of [
                GROUP,
                `/subscriptions/${SUBSCRIPTION_ID}`,
                "/providers/Microsoft.Management/managementGroups/mg-platform",
                "/",
            ]) {
                expect(
                    identityFindings(
                        workload({ objects }),
                        CONTEXT,
                        facts({ assignments: { value: [assignment("certificateUser", scope)] } }),
                    ),
                ).to.deep.equal(NOTHING);
            }
            const perObject = [
                assignment("secretsUser", `${VAULT_ID}/secrets/DB-Password`),
                assignment("certificateUser", `${VAULT_ID}/certificates/tls`),
            ];
            expect(identityFindings(workload({ objects }), CONTEXT, facts({ assignments: { value: perObject } }))).to.deep.equal(NOTHING);
        });

        it("does not count another object's scope, another vault, another principal or a management role", () => {
            const elsewhere = [
                assignment("secretsUser", `${VAULT_ID}/secrets/other`),
                assignment("secretsUser", `${GROUP}/providers/Microsoft.KeyVault/vaults/kv-orders-2`),
                assignment("secretsUser", VAULT_ID, "00000000-0000-4000-8000-000000000000"),
                { roleDefinitionId: VAULT_MANAGEMENT_ROLES.owner.guid, scope: GROUP, principalId: PRINCIPAL_ID },
            ];
            const found = identityFindings(workload(), CONTEXT, facts({ assignments: { value: elsewhere } }));
            expect(found.problems.map((problem) => problem.message)).to.deep.equal([
                `${LABEL} holds no role that reads secret "db-password" from Key Vault "kv-orders" (at the vault, a scope above it or the object's own scope; roles held through a group are not read), so the mount would fail with 403; on the vault it holds: Owner at ${GROUP} (roles that read a secret: Key Vault Secrets User, Key Vault Secrets Officer, Key Vault Certificate User, Key Vault Administrator)`,
            ]);
        });

        it("warns instead of failing when a role it does not know (a custom role) applies", () => {
            const custom = {
                roleDefinitionId: `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/custom-reader`,
                scope: VAULT_ID,
                principalId: PRINCIPAL_ID,
            };
            expect(identityFindings(workload(), CONTEXT, facts({ assignments: { value: [custom] } }))).to.deep.equal({
                problems: [],
                warnings: [
                    {
                        where: "identity.clientId",
                        message: `${LABEL} holds roles on Key Vault "kv-orders" the check does not know (custom-reader at ${VAULT_ID}), so whether they read the app's objects was not checked`,
                        fix: "make sure the custom role grants the data actions the objects need (Microsoft.KeyVault/vaults/secrets/getSecret/action, certificates/read, keys/read), or assign a built-in one",
                    },
                ],
            });
        });

        it("is not asked when this deploy grants the roles", () => {
            expect(identityFindings(workload({ rolesGranted: true }), CONTEXT, facts({ assignments: { value: [] } }))).to.deep.equal(
                NOTHING,
            );
        });

        it("warns, naming the role, when the role assignments could not be read", () => {
            const found = identityFindings(
                workload(),
                CONTEXT,
                facts({ assignments: { reason: "getaddrinfo ENOTFOUND management.azure.com" } }),
            );
            expect(found).to.deep.equal({
                problems: [],
                warnings: [
                    {
                        where: "identity.clientId",
                        message: `${LABEL}: its role assignments on Key Vault "kv-orders" could not be read (getaddrinfo ENOTFOUND management.azure.com), so whether it may read the app's objects was not checked`,
                        fix: "give the identity that runs the preview the Reader role on the vault or a scope above it (it holds Microsoft.Authorization/roleAssignments/read)",
                    },
                ],
            });
        });
    });

    describe("(d) an addon-mode client ID", () => {
        const addon = workload({ mode: "addon", serviceAccount: undefined, clientId: CLIENT_ID, rolesGranted: true });

        it("fails when it is not the cluster's addon identity", () => {
            expect(identityFindings(addon, { ...CONTEXT, addonIdentityClientId: ADDON_CLIENT_ID }, facts())).to.deep.equal({
                problems: [
                    {
                        where: "identity.clientId",
                        message: `client ID ${CLIENT_ID} is not the cluster's addon identity (${ADDON_CLIENT_ID}): the addon's pods get tokens for its own identity only, so the mount would fail`,
                        fix: `set clientId to ${ADDON_CLIENT_ID} (the cluster's addon identity: cluster.addonIdentity.clientId), or use identity mode workloadIdentity for an identity of the app's own`,
                    },
                ],
                warnings: [],
            });
        });

        it("passes the cluster's addon identity in any case, and any client ID when the cluster is unknown", () => {
            expect(identityFindings(addon, { ...CONTEXT, addonIdentityClientId: CLIENT_ID.toUpperCase() }, facts())).to.deep.equal(NOTHING);
            expect(identityFindings(addon, CONTEXT, facts())).to.deep.equal(NOTHING);
        });
    });

    describe("properties", () => {
        const objectTypes: KeyVaultObjectType[] = ["secret", "cert", "key"];
        const object = fc.record({
            objectName: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
            objectType: fc.constantFrom(...objectTypes),
        });
        const roleName = fc.constantFrom(...(Object.keys(KEY_VAULT_ROLES) as Array<keyof typeof KEY_VAULT_ROLES>));

        it("a role at the vault covers an object exactly when it reads the object's type", () => {
            fc.assert(
                fc.property(object, roleName, (read, role) => {
                    const found = identityFindings(
                        workload({ objects: [read] }),
                        CONTEXT,
                        facts({ assignments: { value: [assignment(role)] } }),
                    );
                    const reads = rolesReading(read.objectType).includes(KEY_VAULT_ROLES[role].displayName);
                    expect(found.problems.length).to.equal(reads ? 0 : 1);
                    expect(found.warnings).to.deep.equal([]);
                }),
            );
        });

        it("any scope above the vault covers every object, any object's own scope only that object", () => {
            fc.assert(
                fc.property(object, object, fc.constantFrom(GROUP, `/subscriptions/${SUBSCRIPTION_ID}`, VAULT_ID), (a, b, scope) => {
                    expect(scopeCovers(scope.toUpperCase(), VAULT_ID, a)).to.equal(true);
                    const own = `${VAULT_ID}/${{ secret: "secrets", cert: "certificates", key: "keys" }[a.objectType]}/${a.objectName}`;
                    expect(scopeCovers(own, VAULT_ID, b)).to.equal(a.objectType === b.objectType && a.objectName === b.objectName);
                }),
            );
        });

        it("an unreadable management plane never fails the preview", () => {
            const unread = fc.record({ status: fc.option(fc.constantFrom(401, 403, 500), { nil: undefined }), reason: fc.string() });
            fc.assert(
                fc.property(
                    unread,
                    fc.constantFrom("identities", "credentials", "assignments"),
                    fc.array(object, { maxLength: 4 }),
                    (read, which, objects) => {
                        const readable = { assignments: { value: [assignment("administrator")] } };
                        const found = identityFindings(workload({ objects }), CONTEXT, facts({ ...readable, [which]: read }));
                        expect(found.problems).to.deep.equal([]);
                    },
                ),
            );
        });
    });
});
