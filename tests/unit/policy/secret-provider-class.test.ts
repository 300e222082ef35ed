/** policy/secret-provider-class.ts: SecretProviderClasses read the way the Azure provider reads them. */
import { expect } from "chai";
import {
    secretProviderClassManagedIdentityDeprecated,
    secretProviderClassSpecProblems,
    secretProviderClassWellFormed,
} from "../../../policy/secret-provider-class";
import { ADDON_CLIENT_ID, ResourceCase, U, U_OBJECT, WORKLOAD_CLIENT_ID, spc, spcSpec, violations, withoutUndefined } from "./fixtures";

describe("secret-provider-class-well-formed", () => {
    const synced = [{ secretName: "orders-db", type: "Opaque", data: [{ key: "password", objectName: "db-password" }] }];
    const check = (spec: Record<string, unknown>, extra: Partial<ResourceCase> = {}) =>
        violations(secretProviderClassWellFormed, spc(spec, "orders", "orders", extra));

    it("passes addon-identity and workload-identity classes", () => {
        expect(check(spcSpec({}, synced))).to.deep.equal([]);
        expect(
            check(spcSpec({ useVMManagedIdentity: undefined, userAssignedIdentityID: undefined, clientID: WORKLOAD_CLIENT_ID })),
        ).to.deep.equal([]);
    });

    it("passes an identity-binding class (useAzureTokenProxy with clientID), also with its client ID unknown at preview, and names a missing one", () => {
        const binding = {
            useVMManagedIdentity: undefined,
            userAssignedIdentityID: undefined,
            useAzureTokenProxy: "true",
            clientID: WORKLOAD_CLIENT_ID,
        };
        expect(check(spcSpec(binding, synced))).to.deep.equal([]);
        expect(check(spcSpec({ ...binding, clientID: U }), { preview: true })).to.deep.equal([]);
        expect(check(spcSpec({ ...binding, clientID: undefined }))).to.deep.equal([
            'SecretProviderClass "orders/orders": spec.parameters.clientID: is missing; the provider refuses an identity-binding mount without it ("clientID is required for identity binding"). ' +
                "Fix: set the client ID of the managed identity bound to the cluster.",
        ]);
        expect(check(spcSpec({ ...binding, useVMManagedIdentity: "true" }))).to.include(
            'SecretProviderClass "orders/orders": spec.parameters: enables more than one identity mode (useVMManagedIdentity, useAzureTokenProxy). Fix: enable exactly one.',
        );
    });

    it("accepts the deprecated tenantId spelling and the v1alpha1 API", () => {
        const parameters = spcSpec({}).parameters as Record<string, unknown>;
        const { tenantID, ...rest } = parameters;
        expect(check({ provider: "azure", parameters: { ...rest, tenantId: tenantID } })).to.deep.equal([]);
        const v1alpha1 = {
            ...spc(spcSpec({ objects: "array: []" })),
            type: "kubernetes:secrets-store.csi.x-k8s.io/v1alpha1:SecretProviderClass",
        };
        expect(violations(secretProviderClassWellFormed, v1alpha1)).to.have.length(1);
    });

    it("ignores other providers and other resource types", () => {
        expect(check(spcSpec({ bogus: "x" }, undefined, "vault"))).to.deep.equal([]);
        expect(violations(secretProviderClassWellFormed, { type: "kubernetes:core/v1:ConfigMap", props: { spec: {} } })).to.deep.equal([]);
    });

    it("flags keys the provider does not read, with a case hint", () => {
        const parameters = withoutUndefined({
            ...(spcSpec({}).parameters as Record<string, unknown>),
            userAssignedIdentityID: undefined,
            userAssignedIdentityId: ADDON_CLIENT_ID,
            resourceGroup: "rg",
        });
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
        expect(typeMessage).to.match(
            /^SecretProviderClass "orders\/orders": spec\.parameters\.objects\[0\] "db-password"\.objectType: "Secret" is not an object type the provider knows/,
        );
        const duplicate = [
            "array:",
            "  - |",
            "    objectName: a",
            "    objectType: secret",
            "    objectAlias: same",
            "  - |",
            "    objectName: b",
            "    objectType: secret",
            "    objectAlias: same",
            "",
        ].join("\n");
        expect(check(spcSpec({ objects: duplicate }))[0]).to.include(
            'spec.parameters.objects: file "same" is written by more than one object',
        );
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
        expect(violations(secretProviderClassWellFormed, spc(bad, "orders", null, { providerProps: { namespace: "apps" } }))[0]).to.match(
            /^SecretProviderClass "apps\/orders"/,
        );
    });

    it("skips values unknown during preview and checks the rest", () => {
        const unknownIds = spcSpec({ keyvaultName: U, tenantID: U, userAssignedIdentityID: U }, synced);
        expect(check(unknownIds, { preview: true })).to.deep.equal([]);
        const unknownClient = spcSpec({ useVMManagedIdentity: undefined, userAssignedIdentityID: undefined, clientID: U });
        expect(check(unknownClient, { preview: true })).to.deep.equal([]);
        const unknownObjects = spcSpec({ objects: U }, [
            { secretName: "orders-db", type: "Opaque", data: [{ key: "password", objectName: "not-known-yet" }] },
        ]);
        expect(check(unknownObjects, { preview: true })).to.deep.equal([]);
        const unknownObjectsBadSecret = spcSpec({ objects: U, resourceGroup: "rg" }, [
            { secretName: "orders-db", data: [{ key: "password", objectName: "x" }] },
        ]);
        const found = check(unknownObjectsBadSecret, { preview: true });
        expect(found).to.have.length(2);
        expect(found.join("\n")).to.include("spec.parameters.resourceGroup");
        expect(found.join("\n")).to.include('spec.secretObjects[0] "orders-db".type: is missing');
        expect(check({ provider: "azure", parameters: U_OBJECT }, { preview: true })).to.deep.equal([]);
        expect(
            violations(secretProviderClassWellFormed, { ...spc({}), props: { metadata: { name: "x" }, spec: U_OBJECT }, preview: true }),
        ).to.deep.equal([]);
        expect(check(spcSpec({ useVMManagedIdentity: U }), { preview: true })).to.deep.equal([]);
    });

    it("exposes the spec check for other callers", () => {
        expect(secretProviderClassSpecProblems(spcSpec({}))).to.deep.equal([]);
        expect(secretProviderClassSpecProblems(undefined)).to.deep.equal([]);
    });
});

describe("secret-provider-class-managed-identity-deprecated", () => {
    const check = (spec: Record<string, unknown>) => violations(secretProviderClassManagedIdentityDeprecated, spc(spec));

    it("flags a class on the addon (or any node) managed identity, read as the provider reads the flag, with the upstream issue", () => {
        const message =
            'SecretProviderClass "orders/orders" authenticates with a managed identity on the nodes (useVMManagedIdentity), a mode the Azure provider plans to ' +
            "deprecate in favour of workload identity (https://github.com/Azure/secrets-store-csi-driver-provider-azure/issues/837). It keeps working; plan the move to workload identity.";
        expect(check(spcSpec({}))).to.deep.equal([message]);
        expect(check(spcSpec({ useVMManagedIdentity: "True", userAssignedIdentityID: undefined }))).to.deep.equal([message]);
        expect(secretProviderClassManagedIdentityDeprecated.enforcementLevel).to.equal("advisory");
    });

    it("passes identity binding: it is not a managed-identity mode of the nodes", () => {
        expect(
            check(
                spcSpec({
                    useVMManagedIdentity: undefined,
                    userAssignedIdentityID: undefined,
                    useAzureTokenProxy: "true",
                    clientID: WORKLOAD_CLIENT_ID,
                }),
            ),
        ).to.deep.equal([]);
        expect(
            check(
                spcSpec({
                    useVMManagedIdentity: "false",
                    userAssignedIdentityID: undefined,
                    useAzureTokenProxy: U,
                    clientID: WORKLOAD_CLIENT_ID,
                }),
            ),
        ).to.deep.equal([]);
    });

    it("passes workload identity, other providers, and a mode not known until the update", () => {
        expect(
            check(spcSpec({ useVMManagedIdentity: undefined, userAssignedIdentityID: undefined, clientID: WORKLOAD_CLIENT_ID })),
        ).to.deep.equal([]);
        expect(
            check(spcSpec({ useVMManagedIdentity: "false", userAssignedIdentityID: undefined, clientID: WORKLOAD_CLIENT_ID })),
        ).to.deep.equal([]);
        expect(check(spcSpec({}, undefined, "vault"))).to.deep.equal([]);
        expect(check(spcSpec({ useVMManagedIdentity: U }))).to.deep.equal([]);
        expect(check({ provider: "azure", parameters: U_OBJECT })).to.deep.equal([]);
    });
});
