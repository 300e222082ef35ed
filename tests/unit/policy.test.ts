import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { PRIVILEGED_ROLES } from "../../components/key-vault-access/roles";
import { aksSecretRotation } from "../../policy/cluster";
import { keyVaultPublicNetworkAccess, keyVaultPurgeProtection, keyVaultRbacAuthorization } from "../../policy/key-vault";
import { policies } from "../../policy/policies";
import { ResourcePolicy, StackPolicy } from "../../policy/resource-policy";
import { noPrivilegedRolesForServicePrincipals, roleAssignmentPrincipalType, roleDefinitionGuid } from "../../policy/role-assignments";
import { noSecretValuesInManifests } from "../../policy/secret-values";
import { secretProviderClassSpecProblems, secretProviderClassWellFormed } from "../../policy/secret-provider-class";
import { syncedSecretConsumersMountCsiVolume } from "../../policy/workloads";
import { highEntropyTokens, isNonLiteralValue, isSecretLikeKey, secretHints, shannonEntropy } from "../../policy/heuristics";
import { UNKNOWN, read } from "../../policy/props";

// The proxy @pulumi/policy wraps resource properties in during preview, to test unknown values the real way.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const policyProxy = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy<T>(value: T): T;
    unknownStringValue: unknown;
    unknownObjectValue: unknown;
    unknownArrayValue: unknown;
};
const U = policyProxy.unknownStringValue;
const U_OBJECT = policyProxy.unknownObjectValue;

const PROJECT = "aks-keyvault-secrets";
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const ADDON_CLIENT_ID = "6e0f4c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b";
const WORKLOAD_CLIENT_ID = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
const PRINCIPAL = "9a7d3c2e-1b4f-4e8a-a6c5-2d1f0e9b8a7c";
const SPC_TYPE = "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass";

interface ResourceCase {
    type: string;
    props: Record<string, unknown>;
    name?: string;
    stack?: string;
    config?: Record<string, unknown>;
    providerProps?: Record<string, unknown>;
    /** Wrap props in @pulumi/policy's unknown-checking proxy (as during preview). */
    preview?: boolean;
}

function urnOf(stack: string, type: string, name: string): string {
    return `urn:pulumi:${stack}::${PROJECT}::${type}::${name}`;
}

/** Runs a resource policy the way the policy server does and returns the violation messages. */
function violations(policy: ResourcePolicy, input: ResourceCase): string[] {
    const found: string[] = [];
    const name = input.name ?? "res";
    const stack = input.stack ?? "prod";
    const args = {
        type: input.type,
        props: input.preview ? policyProxy.unknownCheckingProxy(input.props) : input.props,
        urn: urnOf(stack, input.type, name),
        name,
        opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
        ...(input.providerProps ? { provider: { type: "pulumi:providers:kubernetes", props: input.providerProps, urn: "urn:provider", name: "aks" } } : {}),
        stackTags: new Map<string, string>(),
        isType: () => false,
        asType: () => undefined,
        getConfig: () => input.config ?? {},
        notApplicable: (reason?: string) => {
            throw new Error(`notApplicable: ${reason}`);
        },
    } as unknown as ResourceValidationArgs;
    const result = policy.validateResource(args, (message: string) => found.push(message));
    expect(result).to.equal(undefined, "policies are synchronous");
    return found;
}

interface StackResourceInput {
    type: string;
    name: string;
    props: Record<string, unknown>;
    providerProps?: Record<string, unknown>;
}

/** Runs a stack policy and returns `{ message, urn }` for each violation. */
function stackViolations(policy: StackPolicy, resources: StackResourceInput[], options: { preview?: boolean; stack?: string } = {}): Array<{ message: string; urn?: string }> {
    const found: Array<{ message: string; urn?: string }> = [];
    const stack = options.stack ?? "prod";
    const policyResources = resources.map(
        (resource) =>
            ({
                type: resource.type,
                name: resource.name,
                urn: urnOf(stack, resource.type, resource.name),
                props: options.preview ? policyProxy.unknownCheckingProxy(resource.props) : resource.props,
                opts: {},
                ...(resource.providerProps ? { provider: { type: "pulumi:providers:kubernetes", props: resource.providerProps, urn: "urn:provider", name: "aks" } } : {}),
                dependencies: [],
                propertyDependencies: {},
                isType: () => false,
                asType: () => undefined,
            }) as unknown as PolicyResource,
    );
    const args = {
        resources: policyResources,
        stackTags: new Map<string, string>(),
        getConfig: () => ({}),
        notApplicable: () => {
            throw new Error("notApplicable");
        },
    } as unknown as StackValidationArgs;
    const result = policy.validateStack(args, (message: string, urn?: string) => found.push({ message, urn }));
    expect(result).to.equal(undefined, "policies are synchronous");
    return found;
}

// ---------------------------------------------------------------------------------------------------------------
// Fixtures

function vault(properties: Record<string, unknown>, extra: Record<string, unknown> = {}): ResourceCase {
    return {
        type: "azure-native:keyvault:Vault",
        name: "platform-kv",
        props: {
            resourceGroupName: "rg-akv-prod",
            vaultName: "kv-akv-prod-01",
            location: "westeurope",
            properties: { tenantId: TENANT, sku: { family: "A", name: "standard" }, ...properties },
        },
        ...extra,
    };
}

const GOOD_VAULT_PROPERTIES = {
    enableRbacAuthorization: true,
    enablePurgeProtection: true,
    enableSoftDelete: true,
    publicNetworkAccess: "Disabled",
};

function roleAssignment(props: Record<string, unknown>, extra: Partial<ResourceCase> = {}): ResourceCase {
    return {
        type: "azure-native:authorization:RoleAssignment",
        name: "orders-secrets-user",
        props: {
            principalId: PRINCIPAL,
            scope: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
            roleAssignmentName: "0d0d5a4e-3c1f-5b52-8d7e-6f4a2b1c9e80",
            ...props,
        },
        ...extra,
    };
}

const roleId = (guid: string, subscription = true) =>
    subscription
        ? `/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/${guid}`
        : `/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

const OBJECTS = ["array:", "  - |", "    objectName: db-password", "    objectType: secret", "  - |", "    objectName: tls", "    objectType: secret", "    objectAlias: tls-bundle", ""].join("\n");

function spcSpec(parameters: Record<string, unknown>, secretObjects?: unknown[], provider: unknown = "azure"): Record<string, unknown> {
    return {
        provider,
        parameters: withoutUndefined({
            keyvaultName: "kv-orders-prod",
            tenantID: TENANT,
            useVMManagedIdentity: "true",
            userAssignedIdentityID: ADDON_CLIENT_ID,
            objects: OBJECTS,
            ...parameters,
        }),
        ...(secretObjects ? { secretObjects } : {}),
    };
}

/** `namespace: null` leaves metadata.namespace out. */
function spc(spec: Record<string, unknown>, name = "orders", namespace: string | null = "orders", extra: Partial<ResourceCase> = {}): ResourceCase {
    return {
        type: SPC_TYPE,
        name,
        props: {
            apiVersion: "secrets-store.csi.x-k8s.io/v1",
            kind: "SecretProviderClass",
            metadata: { name, ...(namespace ? { namespace } : {}) },
            spec,
        },
        ...extra,
    };
}

/** Removes keys whose value is undefined (a test's way of deleting a default parameter). */
function withoutUndefined(map: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(map).filter(([, value]) => value !== undefined));
}

function cluster(addonProfiles: unknown): ResourceCase {
    return { type: "azure-native:containerservice:ManagedCluster", name: "aks", props: { resourceName: "aks-prod", resourceGroupName: "rg", addonProfiles } };
}

function configMap(data: Record<string, unknown>, binaryData?: Record<string, unknown>, name = "orders-settings"): ResourceCase {
    return {
        type: "kubernetes:core/v1:ConfigMap",
        name,
        props: { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "orders" }, data, ...(binaryData ? { binaryData } : {}) },
    };
}

// Random values for the entropy rule, generated once; none is a real credential.
const RANDOM_KEY = "q7Rk2Vx9LmZp4Tn8Bw3Yc6Hd1Jf5Gs0aE2uK9iO7yXv";
const RANDOM_HEX = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const FAKE_PRIVATE_KEY = ["-----BEGIN RSA PRIVATE KEY-----", "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu", "-----END RSA PRIVATE KEY-----", ""].join("\n");
const FAKE_CERTIFICATE = ["-----BEGIN CERTIFICATE-----", "MIIBszCCAVmgAwIBAgIUB2l0ZXN0LWNlcnRpZmljYXRlLWZvci10ZXN0cw==", "-----END CERTIFICATE-----", ""].join("\n");
const FAKE_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0LXVzZXIifQ.c2lnbmF0dXJlLWZvci10ZXN0cw";

// ---------------------------------------------------------------------------------------------------------------

describe("policy pack", () => {
    it("has unique names, descriptions, enforcement levels and one validate function per policy", () => {
        const names = policies.map((policy) => policy.name);
        expect(new Set(names).size).to.equal(names.length);
        expect(names).to.have.length(9);
        for (const policy of policies) {
            expect(policy.name).to.match(/^[a-z0-9-]+$/);
            expect(policy.description.length, policy.name).to.be.greaterThan(40);
            expect(["advisory", "mandatory"]).to.include(policy.enforcementLevel);
            expect(typeof ("validateResource" in policy ? policy.validateResource : (policy as StackPolicy).validateStack)).to.equal("function");
        }
        expect(aksSecretRotation.enforcementLevel).to.equal("advisory");
        expect(keyVaultPublicNetworkAccess.enforcementLevel).to.equal("advisory");
    });

    for (const stack of ["dev", "prod"]) {
        it(`policy/config/${stack}.json only configures policies and properties that exist`, () => {
            const file = path.join(__dirname, "..", "..", "policy", "config", `${stack}.json`);
            const configuration = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, Record<string, unknown>>;
            for (const [name, settings] of Object.entries(configuration)) {
                const policy = policies.find((candidate) => candidate.name === name);
                expect(policy, `${name} is a policy`).to.not.equal(undefined);
                for (const key of Object.keys(settings)) {
                    if (key === "enforcementLevel") {
                        expect(["advisory", "mandatory", "disabled"]).to.include(settings[key]);
                    } else {
                        expect(policy?.configSchema?.properties, `${name}.${key}`).to.have.property(key);
                    }
                }
            }
        });
    }

    it("makes secret rotation mandatory in prod only", () => {
        const read = (stack: string) => JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "policy", "config", `${stack}.json`), "utf8"));
        expect(read("prod")["aks-keyvault-secret-rotation"].enforcementLevel).to.equal("mandatory");
        expect(read("dev")["aks-keyvault-secret-rotation"].enforcementLevel).to.equal("advisory");
    });

    it("reads unknown values as UNKNOWN instead of throwing", () => {
        const props = policyProxy.unknownCheckingProxy({ a: { b: U }, c: "x" });
        expect(read(props, "a", "b")).to.equal(UNKNOWN);
        expect(read(props, "c")).to.equal("x");
        expect(read(props, "missing", "deeper")).to.equal(undefined);
        expect(() => read({ get boom(): string { throw new Error("other"); } }, "boom")).to.throw("other");
    });
});

describe("keyvault-rbac-authorization", () => {
    it("passes a vault with RBAC, and ignores other types", () => {
        expect(violations(keyVaultRbacAuthorization, vault(GOOD_VAULT_PROPERTIES))).to.deep.equal([]);
        expect(violations(keyVaultRbacAuthorization, { type: "azure-native:storage:StorageAccount", props: {} })).to.deep.equal([]);
    });

    it("matches explicit API-version modules", () => {
        const versioned = { ...vault({ enableRbacAuthorization: false }), type: "azure-native:keyvault/v20240401preview:Vault" };
        expect(violations(keyVaultRbacAuthorization, versioned)).to.have.length(1);
    });

    it("flags a vault that leaves RBAC unset", () => {
        expect(violations(keyVaultRbacAuthorization, vault({}))).to.deep.equal([
            'Key Vault "kv-akv-prod-01" does not set properties.enableRbacAuthorization, so Azure creates it with the access-policy model: ' +
                'role assignments such as "Key Vault Secrets User" for the workload and addon identities have no effect there, and the CSI driver ' +
                "gets 403 Forbidden when a pod mounts its secrets. Set properties.enableRbacAuthorization: true.",
        ]);
    });

    it("flags a vault that turns RBAC off, naming it by resource name when vaultName is autonamed", () => {
        const input = vault({ enableRbacAuthorization: false });
        delete (input.props as Record<string, unknown>).vaultName;
        const [message] = violations(keyVaultRbacAuthorization, input);
        expect(message).to.match(/^Key Vault "platform-kv" sets properties.enableRbacAuthorization to false: role assignments/);
    });

    it("skips an unknown value during preview", () => {
        expect(violations(keyVaultRbacAuthorization, { ...vault({ enableRbacAuthorization: U }), preview: true })).to.deep.equal([]);
        expect(violations(keyVaultRbacAuthorization, { ...vault({}), props: { properties: U_OBJECT }, preview: true })).to.deep.equal([]);
    });
});

describe("keyvault-purge-protection", () => {
    it("passes a protected vault on prod", () => {
        expect(violations(keyVaultPurgeProtection, vault(GOOD_VAULT_PROPERTIES))).to.deep.equal([]);
    });

    it("flags missing purge protection on prod", () => {
        expect(violations(keyVaultPurgeProtection, vault({ enableRbacAuthorization: true }))).to.deep.equal([
            'Key Vault "kv-akv-prod-01" on stack "prod" must enable purge protection (properties.enablePurgeProtection: true): without it a deleted ' +
                "vault or secret can be purged at once and is gone for good. Note that purge protection cannot be turned off once on.",
        ]);
    });

    it("flags soft delete turned off", () => {
        expect(violations(keyVaultPurgeProtection, vault({ enablePurgeProtection: true, enableSoftDelete: false }))).to.deep.equal([
            'Key Vault "kv-akv-prod-01" on stack "prod" sets properties.enableSoftDelete: false; soft delete is required for purge protection and ' +
                "cannot be turned off on existing vaults. Remove the setting or set it to true.",
        ]);
    });

    it("applies to prod by default and to configured stacks", () => {
        const bare = vault({});
        expect(violations(keyVaultPurgeProtection, { ...bare, stack: "dev" })).to.deep.equal([]);
        expect(violations(keyVaultPurgeProtection, { ...bare, stack: "dev", config: { stacks: ["dev", "prod"] } })).to.have.length(1);
        expect(violations(keyVaultPurgeProtection, { ...bare, stack: "test", config: { stacks: ["*"] } })).to.have.length(1);
        expect(violations(keyVaultPurgeProtection, { ...bare, stack: "prod", config: { stacks: ["staging"] } })).to.deep.equal([]);
    });

    it("skips unknown values", () => {
        expect(violations(keyVaultPurgeProtection, { ...vault({ enablePurgeProtection: U, enableSoftDelete: U }), preview: true })).to.deep.equal([]);
    });
});

describe("keyvault-public-network-access", () => {
    it("passes disabled public access or a deny-by-default firewall", () => {
        expect(violations(keyVaultPublicNetworkAccess, vault({ publicNetworkAccess: "Disabled" }))).to.deep.equal([]);
        expect(violations(keyVaultPublicNetworkAccess, vault({ publicNetworkAccess: "Enabled", networkAcls: { defaultAction: "Deny", bypass: "AzureServices" } }))).to.deep.equal([]);
    });

    it("flags an open vault on prod, not on dev", () => {
        const expected =
            'Key Vault "kv-akv-prod-01" on stack "prod" accepts data-plane requests from any network (publicNetworkAccess is "Enabled" and ' +
            'networkAcls.defaultAction is not "Deny"). Use a private endpoint with publicNetworkAccess: "Disabled", or networkAcls ' +
            '{ defaultAction: "Deny", bypass: "AzureServices" } with the AKS node subnet in virtualNetworkRules.';
        expect(violations(keyVaultPublicNetworkAccess, vault({ publicNetworkAccess: "Enabled" }))).to.deep.equal([expected]);
        expect(violations(keyVaultPublicNetworkAccess, vault({}))[0]).to.include("(publicNetworkAccess is not set and");
        expect(violations(keyVaultPublicNetworkAccess, { ...vault({}), stack: "dev" })).to.deep.equal([]);
    });

    it("skips unknown values", () => {
        expect(violations(keyVaultPublicNetworkAccess, { ...vault({ publicNetworkAccess: U }), preview: true })).to.deep.equal([]);
    });
});

describe("keyvault-no-privileged-roles-for-service-principals", () => {
    const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
    const SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";

    it("parses role definition IDs in both forms", () => {
        expect(roleDefinitionGuid(roleId(SECRETS_USER))).to.equal(SECRETS_USER);
        expect(roleDefinitionGuid(roleId(SECRETS_USER.toUpperCase(), false))).to.equal(SECRETS_USER);
        expect(roleDefinitionGuid(SECRETS_USER)).to.equal(SECRETS_USER);
        expect(roleDefinitionGuid("/providers/Microsoft.Authorization/roleDefinitions/")).to.equal(undefined);
    });

    it("lets service principals read secrets and certificates", () => {
        for (const guid of [SECRETS_USER, "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba", "12338af0-0e69-4776-bea7-57ae8d297424", "21090545-7ca7-4776-b22c-e363652d74d2"]) {
            expect(violations(noPrivilegedRolesForServicePrincipals, roleAssignment({ principalType: "ServicePrincipal", roleDefinitionId: roleId(guid) })), guid).to.deep.equal([]);
        }
    });

    it("lets people (Group, User) hold officer and administrator roles", () => {
        for (const principalType of ["Group", "User"]) {
            expect(violations(noPrivilegedRolesForServicePrincipals, roleAssignment({ principalType, roleDefinitionId: roleId(SECRETS_OFFICER) }))).to.deep.equal([]);
        }
    });

    it("flags every privileged role for a service principal, in both ID forms", () => {
        for (const { guid, displayName: name } of PRIVILEGED_ROLES) {
            for (const subscription of [true, false]) {
                const found = violations(noPrivilegedRolesForServicePrincipals, roleAssignment({ principalType: "ServicePrincipal", roleDefinitionId: roleId(guid, subscription) }));
                expect(found, `${name} ${subscription}`).to.deep.equal([
                    `Role assignment "orders-secrets-user" gives service principal ${PRINCIPAL} the "${name}" role (${guid}). Workload and addon identities ` +
                        'only read from Key Vault: use "Key Vault Secrets User" (4633458b-17de-408a-b874-0445c86b69e6) for objectType secret, or ' +
                        '"Key Vault Certificate User" (db79e9a7-68ee-4b58-9aeb-b90e7c24fcba) for cert and key objects. Officer, administrator, contributor, ' +
                        "owner and access-granting roles are for people (principalType User or Group).",
                ]);
            }
        }
        expect(PRIVILEGED_ROLES.map((role) => role.displayName)).to.include.members([
            "Key Vault Administrator",
            "Key Vault Secrets Officer",
            "Key Vault Certificates Officer",
            "Key Vault Crypto Officer",
            "Contributor",
            "Owner",
        ]);
    });

    it("compares principalType case-insensitively and names an unknown principal generically", () => {
        const [message] = violations(noPrivilegedRolesForServicePrincipals, {
            ...roleAssignment({ principalType: "servicePrincipal", roleDefinitionId: roleId(SECRETS_OFFICER), principalId: U }),
            preview: true,
        });
        expect(message).to.match(/^Role assignment "orders-secrets-user" gives a service principal the "Key Vault Secrets Officer" role/);
    });

    it("supports extra forbidden roles and exempt principals from config", () => {
        const custom = "11111111-2222-4333-8444-555555555555";
        const [message] = violations(noPrivilegedRolesForServicePrincipals, {
            ...roleAssignment({ principalType: "ServicePrincipal", roleDefinitionId: roleId(custom) }),
            config: { additionalForbiddenRoleDefinitionIds: [roleId(custom)] },
        });
        expect(message).to.include(`the role ${custom} (forbidden by policy config)`);
        expect(
            violations(noPrivilegedRolesForServicePrincipals, {
                ...roleAssignment({ principalType: "ServicePrincipal", roleDefinitionId: roleId(SECRETS_OFFICER) }),
                config: { exemptPrincipalIds: [PRINCIPAL.toUpperCase()] },
            }),
        ).to.deep.equal([]);
    });

    it("skips unknown role definitions and missing principal types (another policy reports those)", () => {
        expect(violations(noPrivilegedRolesForServicePrincipals, { ...roleAssignment({ principalType: "ServicePrincipal", roleDefinitionId: U }), preview: true })).to.deep.equal([]);
        expect(violations(noPrivilegedRolesForServicePrincipals, roleAssignment({ roleDefinitionId: roleId(SECRETS_OFFICER) }))).to.deep.equal([]);
    });
});

describe("role-assignment-principal-type", () => {
    it("passes every valid principal type", () => {
        for (const principalType of ["User", "Group", "ServicePrincipal", "ForeignGroup", "Device", "serviceprincipal"]) {
            expect(violations(roleAssignmentPrincipalType, roleAssignment({ principalType })), principalType).to.deep.equal([]);
        }
    });

    it("flags a missing principal type", () => {
        const expected =
            'Role assignment "orders-secrets-user" does not set principalType. Set it ("ServicePrincipal" for managed identities and apps, "Group" or ' +
            '"User" for people): without it ARM looks the principal up in Entra ID, and an identity created moments earlier fails with ' +
            "PrincipalNotFound until replication catches up.";
        expect(violations(roleAssignmentPrincipalType, roleAssignment({}))).to.deep.equal([expected]);
        expect(violations(roleAssignmentPrincipalType, roleAssignment({ principalType: "" }))).to.deep.equal([expected]);
    });

    it("flags an invalid principal type", () => {
        expect(violations(roleAssignmentPrincipalType, roleAssignment({ principalType: "ManagedIdentity" }))).to.deep.equal([
            'Role assignment "orders-secrets-user" sets principalType "ManagedIdentity", which is not one of User, Group, ServicePrincipal, ForeignGroup, Device.',
        ]);
    });

    it("skips an unknown principal type", () => {
        expect(violations(roleAssignmentPrincipalType, { ...roleAssignment({ principalType: U }), preview: true })).to.deep.equal([]);
    });
});

describe("secret-provider-class-well-formed", () => {
    const synced = [{ secretName: "orders-db", type: "Opaque", data: [{ key: "password", objectName: "db-password" }] }];
    const check = (spec: Record<string, unknown>, extra: Partial<ResourceCase> = {}) => violations(secretProviderClassWellFormed, spc(spec, "orders", "orders", extra));

    it("passes addon-identity and workload-identity classes", () => {
        expect(check(spcSpec({}, synced))).to.deep.equal([]);
        expect(
            check(spcSpec({ useVMManagedIdentity: undefined, userAssignedIdentityID: undefined, clientID: WORKLOAD_CLIENT_ID })),
        ).to.deep.equal([]);
    });

    it("accepts the deprecated tenantId spelling and the v1alpha1 API", () => {
        const parameters = spcSpec({}).parameters as Record<string, unknown>;
        const { tenantID, ...rest } = parameters;
        expect(check({ provider: "azure", parameters: { ...rest, tenantId: tenantID } })).to.deep.equal([]);
        const v1alpha1 = { ...spc(spcSpec({ objects: "array: []" })), type: "kubernetes:secrets-store.csi.x-k8s.io/v1alpha1:SecretProviderClass" };
        expect(violations(secretProviderClassWellFormed, v1alpha1)).to.have.length(1);
    });

    it("ignores other providers and other resource types", () => {
        expect(check(spcSpec({ bogus: "x" }, undefined, "vault"))).to.deep.equal([]);
        expect(violations(secretProviderClassWellFormed, { type: "kubernetes:core/v1:ConfigMap", props: { spec: {} } })).to.deep.equal([]);
    });

    it("flags keys the provider does not read, with a case hint", () => {
        const parameters = withoutUndefined({ ...(spcSpec({}).parameters as Record<string, unknown>), userAssignedIdentityID: undefined, userAssignedIdentityId: ADDON_CLIENT_ID, resourceGroup: "rg" });
        expect(check({ provider: "azure", parameters })).to.deep.equal([
            'SecretProviderClass "orders/orders": spec.parameters.userAssignedIdentityId: is not a key the Azure provider reads, so it is silently ignored. ' +
                'Fix: spell it "userAssignedIdentityID" (keys are case-sensitive).',
            'SecretProviderClass "orders/orders": spec.parameters.resourceGroup: is not a key the Azure provider reads, so it is silently ignored. ' +
                "Fix: remove it; the provider reads keyvaultName, tenantID, tenantId, cloudName, cloudEnvFileName, objects, usePodIdentity, " +
                "useVMManagedIdentity, userAssignedIdentityID, clientID, useAzureTokenProxy.",
        ]);
    });

    it("flags non-string values and a class without identity mode", () => {
        expect(check(spcSpec({ useVMManagedIdentity: true, userAssignedIdentityID: undefined }))).to.deep.equal([
            'SecretProviderClass "orders/orders": spec.parameters.useVMManagedIdentity: is a boolean, but the CRD takes strings only. Fix: quote the value: "true".',
            'SecretProviderClass "orders/orders": spec.parameters: sets no identity mode, so the provider falls back to a service principal whose client ' +
                "secret sits in a Kubernetes Secret (nodePublishSecretRef). Fix: use workload identity (clientID) or the addon identity " +
                '(useVMManagedIdentity: "true" with userAssignedIdentityID).',
        ]);
    });

    it("flags missing required parameters and parameters that are not a map", () => {
        const found = check({ provider: "azure", parameters: { clientID: WORKLOAD_CLIENT_ID } });
        expect(found).to.deep.equal([
            'SecretProviderClass "orders/orders": spec.parameters.keyvaultName: is missing; the provider fails with "keyvaultName is not provided". Fix: set the vault name.',
            'SecretProviderClass "orders/orders": spec.parameters.tenantID: is missing; the provider fails with "tenantId is not provided". Fix: set the vault\'s Entra tenant ID.',
            'SecretProviderClass "orders/orders": spec.parameters.objects: is missing; the provider fails with "objects is not set". Fix: list the Key Vault objects to mount.',
        ]);
        expect(check({ provider: "azure" })).to.deep.equal([
            'SecretProviderClass "orders/orders": spec.parameters: is missing. Fix: set keyvaultName, tenantID, objects and one identity mode.',
        ]);
    });

    it("flags objects the provider cannot parse (mapping items instead of block strings)", () => {
        const objects = ["array:", "  - objectName: db-password", "    objectType: secret", ""].join("\n");
        expect(check(spcSpec({ objects }))).to.deep.include(
            'SecretProviderClass "orders/orders": spec.parameters.objects[0]: is a YAML mapping, not a string; the provider fails to unmarshal it. ' +
                "Fix: write the item as a block string: `- |` then the fields indented below.",
        );
    });

    it("flags invalid objects through the model's rules (object type, duplicate files, empty list)", () => {
        const wrongType = ["array:", "  - |", "    objectName: db-password", "    objectType: Secret", ""].join("\n");
        const [typeMessage] = check(spcSpec({ objects: wrongType }));
        expect(typeMessage).to.match(/^SecretProviderClass "orders\/orders": spec\.parameters\.objects\[0\] "db-password"\.objectType: "Secret" is not an object type the provider knows/);
        const duplicate = ["array:", "  - |", "    objectName: a", "    objectType: secret", "    objectAlias: same", "  - |", "    objectName: b", "    objectType: secret", "    objectAlias: same", ""].join("\n");
        expect(check(spcSpec({ objects: duplicate }))[0]).to.include('spec.parameters.objects: file "same" is written by more than one object');
        expect(check(spcSpec({ objects: "array: []" }))).to.deep.equal([
            'SecretProviderClass "orders/orders": spec.parameters.objects: is empty; the pod would mount nothing. Fix: list at least one Key Vault object.',
        ]);
        const misspelled = ["array:", "  - |", "    objectname: db-password", "    objectType: secret", ""].join("\n");
        expect(check(spcSpec({ objects: misspelled })).join("\n")).to.include('spell it "objectName" (keys are case-sensitive)');
    });

    it("flags synced Secrets that reference the object name instead of its alias", () => {
        const found = check(spcSpec({}, [{ secretName: "orders-tls", type: "Opaque", data: [{ key: "bundle", objectName: "tls" }] }]));
        expect(found).to.have.length(1);
        expect(found[0]).to.include('spec.secretObjects[0] "orders-tls".data[0].objectName: "tls" is not a file any object writes');
        expect(found[0]).to.include('reference the alias "tls-bundle"');
    });

    it("flags identity and name problems from the model", () => {
        const found = check(spcSpec({ keyvaultName: "kv_bad", tenantID: "not-a-guid", clientID: WORKLOAD_CLIENT_ID }));
        expect(found.join("\n")).to.include('spec.parameters.keyvaultName: "kv_bad" is not a valid Key Vault name');
        expect(found.join("\n")).to.include('spec.parameters.tenantID: "not-a-guid" is not a GUID');
        expect(found.join("\n")).to.include("sets both useVMManagedIdentity and clientID");
        const badClient = check(spcSpec({ useVMManagedIdentity: undefined, userAssignedIdentityID: undefined, clientID: "orders-app" }));
        expect(badClient).to.deep.equal([
            'SecretProviderClass "orders/orders": spec.parameters.clientID: "orders-app" is not a GUID. Fix: use the client ID of the federated identity.',
        ]);
    });

    it("uses the provider's namespace, then default, when metadata has none", () => {
        const bad = spcSpec({ objects: "array: []" });
        expect(violations(secretProviderClassWellFormed, spc(bad, "orders", null))[0]).to.match(/^SecretProviderClass "default\/orders"/);
        expect(violations(secretProviderClassWellFormed, spc(bad, "orders", null, { providerProps: { namespace: "apps" } }))[0]).to.match(/^SecretProviderClass "apps\/orders"/);
    });

    it("skips values unknown during preview and checks the rest", () => {
        const unknownIds = spcSpec({ keyvaultName: U, tenantID: U, userAssignedIdentityID: U }, synced);
        expect(check(unknownIds, { preview: true })).to.deep.equal([]);
        const unknownClient = spcSpec({ useVMManagedIdentity: undefined, userAssignedIdentityID: undefined, clientID: U });
        expect(check(unknownClient, { preview: true })).to.deep.equal([]);
        const unknownObjects = spcSpec({ objects: U }, [{ secretName: "orders-db", type: "Opaque", data: [{ key: "password", objectName: "not-known-yet" }] }]);
        expect(check(unknownObjects, { preview: true })).to.deep.equal([]);
        const unknownObjectsBadSecret = spcSpec({ objects: U, resourceGroup: "rg" }, [{ secretName: "orders-db", data: [{ key: "password", objectName: "x" }] }]);
        const found = check(unknownObjectsBadSecret, { preview: true });
        expect(found).to.have.length(2);
        expect(found.join("\n")).to.include("spec.parameters.resourceGroup");
        expect(found.join("\n")).to.include('spec.secretObjects[0] "orders-db".type: is missing');
        expect(check({ provider: "azure", parameters: U_OBJECT }, { preview: true })).to.deep.equal([]);
        expect(violations(secretProviderClassWellFormed, { ...spc({}), props: { metadata: { name: "x" }, spec: U_OBJECT }, preview: true })).to.deep.equal([]);
        expect(check(spcSpec({ useVMManagedIdentity: U }), { preview: true })).to.deep.equal([]);
    });

    it("exposes the spec check for other callers", () => {
        expect(secretProviderClassSpecProblems(spcSpec({}))).to.deep.equal([]);
        expect(secretProviderClassSpecProblems(undefined)).to.deep.equal([]);
    });
});

describe("synced-secret-consumers-mount-csi-volume", () => {
    const SPC = spc(spcSpec({}, [{ secretName: "orders-db", type: "Opaque", data: [{ key: "password", objectName: "db-password" }] }]));
    const spcResource: StackResourceInput = { type: SPC.type, name: "orders", props: SPC.props };
    const csiVolume = (secretProviderClass: unknown, driver: unknown = "secrets-store.csi.k8s.io") => ({
        name: "secrets-store",
        csi: { driver, readOnly: true, volumeAttributes: { secretProviderClass } },
    });
    const podSpec = (volumes: unknown[], env: unknown[] = [{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "orders-db", key: "password" } } }], extra: Record<string, unknown> = {}) => ({
        containers: [{ name: "app", image: "orders:1", env, volumeMounts: [{ name: "secrets-store", mountPath: "/mnt/secrets-store", readOnly: true }] }],
        volumes,
        ...extra,
    });
    const deployment = (spec: unknown, namespace: string | null = "orders", name = "orders"): StackResourceInput => ({
        type: "kubernetes:apps/v1:Deployment",
        name,
        props: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name, ...(namespace ? { namespace } : {}) }, spec: { replicas: 2, template: { spec } } },
    });

    it("passes a workload that mounts the class that syncs the Secret", () => {
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, deployment(podSpec([csiVolume("orders")]))])).to.deep.equal([]);
    });

    it("passes when no class syncs Secrets, or the Secret is not synced, or it lives in another namespace", () => {
        const plain = spc(spcSpec({}));
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, [{ type: plain.type, name: "orders", props: plain.props }, deployment(podSpec([]))])).to.deep.equal([]);
        const other = podSpec([], [{ name: "X", valueFrom: { secretKeyRef: { name: "unrelated", key: "k" } } }]);
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, deployment(other)])).to.deep.equal([]);
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, deployment(podSpec([]), "billing")])).to.deep.equal([]);
    });

    it("flags a Deployment that reads the synced Secret without mounting the CSI volume", () => {
        const found = stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, deployment(podSpec([]))]);
        expect(found).to.deep.equal([
            {
                message:
                    'Deployment "orders/orders" reads Secret "orders-db" through env DB_PASSWORD (secretKeyRef) of container "app", and that Secret is synced by ' +
                    'SecretProviderClass "orders" (secretObjects), but the pod template mounts no secrets-store.csi.k8s.io volume. The driver creates and ' +
                    "refreshes a synced Secret only while a pod mounts the CSI volume, so these pods can fail with CreateContainerConfigError (secret not found). " +
                    'Add a volume { csi: { driver: "secrets-store.csi.k8s.io", readOnly: true, volumeAttributes: { secretProviderClass: "orders" } } } and mount it in a container.',
                urn: `urn:pulumi:prod::${PROJECT}::kubernetes:apps/v1:Deployment::orders`,
            },
        ]);
    });

    it("flags a workload that mounts a different class", () => {
        const [finding] = stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, deployment(podSpec([csiVolume("billing")]))]);
        expect(finding.message).to.include('but the pod template mounts secrets-store.csi.k8s.io volumes only for SecretProviderClass "billing".');
    });

    it("finds envFrom, secret volumes, projected volumes and init containers, in every workload kind", () => {
        const envFrom = podSpec([], [], { containers: [{ name: "app", envFrom: [{ secretRef: { name: "orders-db" } }] }] });
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, deployment(envFrom)])[0].message).to.include('through envFrom secretRef of container "app"');
        const secretVolume = podSpec([{ name: "db", secret: { secretName: "orders-db" } }], []);
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, deployment(secretVolume)])[0].message).to.include('through secret volume "db"');
        const projected = podSpec([{ name: "all", projected: { sources: [{ secret: { name: "orders-db" } }] } }], []);
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, deployment(projected)])[0].message).to.include('through projected volume "all"');
        const init = { initContainers: [{ name: "migrate", env: [{ name: "PW", valueFrom: { secretKeyRef: { name: "orders-db", key: "password" } } }] }], containers: [{ name: "app" }] };
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, deployment(init)])[0].message).to.include('env PW (secretKeyRef) of container "migrate"');

        const pod: StackResourceInput = { type: "kubernetes:core/v1:Pod", name: "debug", props: { metadata: { name: "debug", namespace: "orders" }, spec: podSpec([]) } };
        const cron: StackResourceInput = {
            type: "kubernetes:batch/v1:CronJob",
            name: "report",
            props: { metadata: { name: "report", namespace: "orders" }, spec: { jobTemplate: { spec: { template: { spec: podSpec([]) } } } } },
        };
        const statefulSet: StackResourceInput = { ...deployment(podSpec([])), type: "kubernetes:apps/v1:StatefulSet", name: "db" };
        const found = stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, pod, cron, statefulSet]);
        expect(found.map((f) => f.message.split(" reads ")[0])).to.deep.equal(['Pod "orders/debug"', 'CronJob "orders/report"', 'StatefulSet "orders/orders"']);
    });

    it("reports each Secret once per workload", () => {
        const twice = podSpec([], [
            { name: "A", valueFrom: { secretKeyRef: { name: "orders-db", key: "password" } } },
            { name: "B", valueFrom: { secretKeyRef: { name: "orders-db", key: "password" } } },
        ]);
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, deployment(twice)])).to.have.length(1);
    });

    it("resolves namespaces through the provider, then default", () => {
        const spcNoNs = spc(spcSpec({}, [{ secretName: "orders-db", type: "Opaque", data: [{ key: "password", objectName: "db-password" }] }]), "orders", null);
        const resources = [
            { type: spcNoNs.type, name: "orders", props: spcNoNs.props },
            deployment(podSpec([]), null),
        ];
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, resources)[0].message).to.match(/^Deployment "default\/orders"/);
        const viaProvider = resources.map((resource) => ({ ...resource, providerProps: { namespace: "apps" } }));
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, viaProvider)[0].message).to.match(/^Deployment "apps\/orders"/);
    });

    it("skips workloads whose volumes or names are unknown during preview", () => {
        const unknownVolumes = deployment({ containers: [{ name: "app", env: [{ name: "DB", valueFrom: { secretKeyRef: { name: "orders-db", key: "p" } } }] }], volumes: policyProxy.unknownArrayValue });
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, unknownVolumes], { preview: true })).to.deep.equal([]);
        const unknownDriver = deployment(podSpec([csiVolume("orders", U)]));
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, unknownDriver], { preview: true })).to.deep.equal([]);
        const unknownNamespace = { ...deployment(podSpec([])), props: { metadata: { name: "orders", namespace: U }, spec: { template: { spec: podSpec([]) } } } };
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, unknownNamespace], { preview: true })).to.deep.equal([]);
        const unknownSpcNamespace = { ...spcResource, props: { ...SPC.props, metadata: { name: "orders", namespace: U } } };
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, [unknownSpcNamespace, deployment(podSpec([]))], { preview: true })).to.deep.equal([]);
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, deployment(podSpec([]))], { preview: true })).to.have.length(1);
    });
});

describe("aks-keyvault-secret-rotation", () => {
    const addon = (config: unknown, enabled: unknown = true) => cluster({ azureKeyvaultSecretsProvider: { enabled, config } });

    it("passes rotation on, and clusters without the addon", () => {
        expect(violations(aksSecretRotation, addon({ enableSecretRotation: "true", rotationPollInterval: "2m" }))).to.deep.equal([]);
        expect(violations(aksSecretRotation, addon({ enableSecretRotation: "True" }))).to.deep.equal([]);
        expect(violations(aksSecretRotation, cluster({ omsagent: { enabled: true } }))).to.deep.equal([]);
        expect(violations(aksSecretRotation, cluster(undefined))).to.deep.equal([]);
        expect(violations(aksSecretRotation, addon({ enableSecretRotation: "false" }, false))).to.deep.equal([]);
    });

    it("flags rotation turned off", () => {
        expect(violations(aksSecretRotation, addon({ enableSecretRotation: "false", rotationPollInterval: "2m" }))).to.deep.equal([
            'AKS cluster "aks-prod" enables the azureKeyvaultSecretsProvider addon but sets enableSecretRotation to "false": mounted secrets keep the ' +
                "value read at pod start until the pod is recreated, so a rotated or revoked Key Vault secret stays in use. Set " +
                'addonProfiles.azureKeyvaultSecretsProvider.config { enableSecretRotation: "true", rotationPollInterval: "2m" } (values are strings).',
        ]);
    });

    it("flags rotation left unset, with any casing of the addon key", () => {
        const found = violations(aksSecretRotation, cluster({ AzureKeyVaultSecretsProvider: { enabled: true } }));
        expect(found).to.have.length(1);
        expect(found[0]).to.include('but does not set enableSecretRotation (AKS defaults it to "false")');
        expect(violations(aksSecretRotation, addon({ enableSecretRotation: true }))[0]).to.include("sets enableSecretRotation to true:");
    });

    it("checks the poll interval against maxPollInterval from config", () => {
        const slow = addon({ enableSecretRotation: "true", rotationPollInterval: "1h" });
        expect(violations(aksSecretRotation, slow)).to.deep.equal([]);
        expect(violations(aksSecretRotation, { ...slow, config: { maxPollInterval: "10m" } })).to.deep.equal([
            'AKS cluster "aks-prod" polls Key Vault for rotated secrets every 1h, longer than the 10m this stack allows (policy config maxPollInterval). ' +
                "Lower addonProfiles.azureKeyvaultSecretsProvider.config.rotationPollInterval.",
        ]);
        expect(violations(aksSecretRotation, { ...addon({ enableSecretRotation: "true" }), config: { maxPollInterval: "10m" } })).to.deep.equal([]);
        expect(violations(aksSecretRotation, { ...addon({ enableSecretRotation: "true", rotationPollInterval: "two minutes" }), config: { maxPollInterval: "10m" } })).to.deep.equal([
            'AKS cluster "aks-prod" sets rotationPollInterval "two minutes", which is not a Go duration such as "2m".',
        ]);
    });

    it("skips unknown values", () => {
        expect(violations(aksSecretRotation, { ...addon({ enableSecretRotation: U }), preview: true })).to.deep.equal([]);
        expect(violations(aksSecretRotation, { ...cluster(U_OBJECT), preview: true })).to.deep.equal([]);
        expect(violations(aksSecretRotation, { ...addon({ enableSecretRotation: "true", rotationPollInterval: U }), config: { maxPollInterval: "1m" }, preview: true })).to.deep.equal([]);
    });
});

describe("no-secret-values-in-manifests", () => {
    const CM = 'ConfigMap "orders/orders-settings"';
    const CM_ADVICE =
        "ConfigMaps are readable by anyone who can read the namespace's configuration, and their values are stored in the Pulumi state in clear text. " +
        "Put the value in Key Vault and mount it through a SecretProviderClass.";
    const allowHint = (key: string) => `If it is not a secret, add "orders/orders-settings/${key}" to this policy's allowKeys.`;

    it("passes ordinary configuration", () => {
        expect(
            violations(
                noSecretValuesInManifests,
                configMap({
                    LOG_LEVEL: "info",
                    DB_HOST: "orders.postgres.database.azure.com",
                    DB_PASSWORD_FILE: "/mnt/secrets-store/db-password",
                    KEYVAULT_SECRET_NAME: "db-password",
                    TOKEN_URL: "https://login.microsoftonline.com/x/oauth2/v2.0/token",
                    PASSWORD_MIN_LENGTH: "12",
                    API_TOKEN: "${API_TOKEN}",
                    IMAGE_DIGEST: RANDOM_HEX,
                    "ca.crt": FAKE_CERTIFICATE,
                    FEATURE_FLAGS: "checkout-v2,orders-export,AuditTrailBackfill2024",
                }),
            ),
        ).to.deep.equal([]);
    });

    it("flags a PEM private key", () => {
        expect(violations(noSecretValuesInManifests, configMap({ "server.pem": FAKE_PRIVATE_KEY }))).to.deep.equal([
            `${CM} key "server.pem" holds a PEM private key (-----BEGIN RSA PRIVATE KEY-----). ${CM_ADVICE} ${allowHint("server.pem")}`,
        ]);
    });

    it("flags public PEM blocks only when allowPublicPemBlocks is false", () => {
        expect(violations(noSecretValuesInManifests, { ...configMap({ "ca.crt": FAKE_CERTIFICATE }), config: { allowPublicPemBlocks: false } })).to.deep.equal([
            `${CM} key "ca.crt" holds a PEM block (-----BEGIN CERTIFICATE-----); set allowPublicPemBlocks: true if public certificates are intended here. ${CM_ADVICE} ${allowHint("ca.crt")}`,
        ]);
    });

    it("flags a long random-looking token", () => {
        const [message] = violations(noSecretValuesInManifests, configMap({ STORAGE_KEY_VALUE: `key=${RANDOM_KEY}==` }));
        expect(message).to.match(new RegExp(`^${CM} key "STORAGE_KEY_VALUE" holds a random-looking string of ${RANDOM_KEY.length} characters \\(\\d\\.\\d bits/char\\) shaped like a generated key or token\\.`));
        expect(message).to.not.include(RANDOM_KEY, "never echo the value");
    });

    it("flags JSON Web Tokens and credentials inside connection strings and URLs", () => {
        expect(violations(noSecretValuesInManifests, configMap({ SESSION: FAKE_JWT }))).to.deep.equal([
            `${CM} key "SESSION" holds a JSON Web Token (eyJ...). ${CM_ADVICE} ${allowHint("SESSION")}`,
        ]);
        const credential = "a credential inside a connection string or URL (Password=..., AccountKey=..., user:password@host)";
        expect(violations(noSecretValuesInManifests, configMap({ DB: "Server=tcp:db;Database=orders;User ID=app;Password=hunter2;" }))).to.deep.equal([
            `${CM} key "DB" holds ${credential}. ${CM_ADVICE} ${allowHint("DB")}`,
        ]);
        expect(violations(noSecretValuesInManifests, configMap({ BROKER: "amqp://orders:s3cr3t@rabbit:5672/" }))).to.have.length(1);
        expect(violations(noSecretValuesInManifests, configMap({ STORAGE: "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abc;" }))).to.have.length(1);
    });

    it("flags literal values under keys named like passwords, secrets and tokens", () => {
        for (const key of ["DB_PASSWORD", "jwt-secret", "apiKey", "GITHUB_TOKEN", "client_secret", "privateKey"]) {
            expect(violations(noSecretValuesInManifests, configMap({ [key]: "changeme" })), key).to.deep.equal([
                `${CM} key "${key}" holds a literal value under a key named like a password, secret or token. ${CM_ADVICE} ${allowHint(key)}`,
            ]);
        }
    });

    it("flags keystore and private-key file names in data and binaryData, and private keys in binaryData", () => {
        const keystore = "a key named like a keystore or private-key file (.pfx, .p12, .jks, .keystore, .key)";
        expect(violations(noSecretValuesInManifests, configMap({ "tls.key": "see vault" }))).to.deep.equal([`${CM} key "tls.key" holds ${keystore}. ${CM_ADVICE} ${allowHint("tls.key")}`]);
        expect(violations(noSecretValuesInManifests, configMap({}, { "app.pfx": Buffer.from("binary").toString("base64") }))).to.deep.equal([
            `${CM} binaryData key "app.pfx" holds ${keystore}. ${CM_ADVICE} ${allowHint("app.pfx")}`,
        ]);
        expect(violations(noSecretValuesInManifests, configMap({}, { "key.bin": Buffer.from(FAKE_PRIVATE_KEY).toString("base64") }))).to.deep.equal([
            `${CM} binaryData key "key.bin" holds a PEM private key (-----BEGIN RSA PRIVATE KEY-----). ${CM_ADVICE} ${allowHint("key.bin")}`,
        ]);
        expect(violations(noSecretValuesInManifests, configMap({}, { "logo.png": Buffer.from("PNG").toString("base64") }))).to.deep.equal([]);
    });

    it("honours allowKeys with and without the namespace", () => {
        expect(violations(noSecretValuesInManifests, { ...configMap({ DB_PASSWORD: "x" }), config: { allowKeys: ["orders/orders-settings/DB_PASSWORD"] } })).to.deep.equal([]);
        expect(violations(noSecretValuesInManifests, { ...configMap({}, { "app.pfx": "AA==" }), config: { allowKeys: ["orders-settings/app.pfx"] } })).to.deep.equal([]);
    });

    it("honours the entropy tunables", () => {
        expect(violations(noSecretValuesInManifests, { ...configMap({ V: RANDOM_KEY }), config: { minLength: 64 } })).to.deep.equal([]);
        expect(violations(noSecretValuesInManifests, { ...configMap({ V: RANDOM_KEY }), config: { entropyThreshold: 7 } })).to.deep.equal([]);
    });

    it("flags credential-like SecretProviderClass parameters", () => {
        for (const key of ["clientSecret", "clientsecret", "client-secret", "password", "servicePrincipalToken"]) {
            expect(violations(noSecretValuesInManifests, spc(spcSpec({ [key]: "x" }))), key).to.deep.equal([
                `SecretProviderClass "orders/orders" has parameter "${key}", which looks like a credential. The Azure provider never reads credentials from ` +
                    "parameters (a service principal's client secret comes from the pod volume's nodePublishSecretRef Secret), so the value only leaks: " +
                    'remove it and use workload identity (clientID) or the addon identity (useVMManagedIdentity: "true").',
            ]);
        }
    });

    it("flags secret values in SecretProviderClass parameters, and passes a normal class", () => {
        expect(violations(noSecretValuesInManifests, spc(spcSpec({})))).to.deep.equal([]);
        expect(violations(noSecretValuesInManifests, spc(spcSpec({ cloudEnvFileName: FAKE_PRIVATE_KEY })))).to.deep.equal([
            'SecretProviderClass "orders/orders" parameter "cloudEnvFileName" holds a PEM private key (-----BEGIN RSA PRIVATE KEY-----). SecretProviderClass ' +
                "parameters are plain configuration, stored in clear text in the cluster and the Pulumi state. " +
                'If it is not a secret, add "orders/orders/cloudEnvFileName" to this policy\'s allowKeys.',
        ]);
    });

    it("skips unknown values and other resource types", () => {
        expect(violations(noSecretValuesInManifests, { ...configMap({ DB_PASSWORD: U, OTHER: "info" }), preview: true })).to.deep.equal([]);
        expect(violations(noSecretValuesInManifests, { ...spc(spcSpec({ objects: U })), preview: true })).to.deep.equal([]);
        expect(violations(noSecretValuesInManifests, { type: "kubernetes:core/v1:Secret", props: { stringData: { password: "x" } } })).to.deep.equal([]);
    });
});

describe("secret heuristics", () => {
    it("computes Shannon entropy", () => {
        expect(shannonEntropy("")).to.equal(0);
        expect(shannonEntropy("aaaa")).to.equal(0);
        expect(shannonEntropy("abcd")).to.equal(2);
    });

    it("needs mixed case and digits for the entropy rule", () => {
        const options = { minLength: 32, entropyThreshold: 4.3 };
        expect(highEntropyTokens(RANDOM_KEY, options)).to.have.length(1);
        expect(highEntropyTokens(RANDOM_HEX, options)).to.deep.equal([]);
        expect(highEntropyTokens(RANDOM_KEY.toLowerCase().replace(/[0-9]/g, ""), options)).to.deep.equal([]);
    });

    it("tells secret-holding key names from names about secrets", () => {
        for (const key of ["DB_PASSWORD", "db-password", "Secret", "API_KEY", "accessKey", "connectionString", "credentials"]) {
            expect(isSecretLikeKey(key), key).to.equal(true);
        }
        for (const key of ["SECRET_NAME", "TOKEN_ENDPOINT", "PASSWORD_MIN_LENGTH", "TOKEN_TTL", "DB_PASSWORD_FILE", "LOG_LEVEL", "secretProviderClass"]) {
            expect(isSecretLikeKey(key), key).to.equal(false);
        }
    });

    it("treats references, paths, booleans and numbers as non-literal", () => {
        for (const value of ["", "  ", "true", "42", "$DB_PASSWORD", "${DB_PASSWORD}", "$(DB_PASSWORD)", "{{ .Values.password }}", "@Microsoft.KeyVault(SecretUri=https://kv/secrets/x)", "/mnt/secrets/db"]) {
            expect(isNonLiteralValue(value), value).to.equal(true);
        }
        expect(isNonLiteralValue("hunter2")).to.equal(false);
    });

    it("lists every hint a value triggers", () => {
        expect(secretHints("x", `${FAKE_PRIVATE_KEY}\n${FAKE_JWT}`).map((hint) => hint.rule)).to.deep.equal(["pem-private-key", "jwt"]);
    });
});
