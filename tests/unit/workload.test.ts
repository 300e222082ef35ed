import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { AppWorkload, AppWorkloadArgs, attachKeyVaultSecrets } from "../../components";
import { parseObjectsParameter } from "../../components/secret-provider-class/parse";
import { providerIdentity } from "../../components/workload/render";
import { RELOADER_SECRET_ANNOTATION } from "../../components/workload/types";
import {
    SUBSCRIPTION_ID,
    TENANT_ID,
    errorFrom,
    fakeGuid,
    ofType,
    registered,
    registeredOptions,
    resetRegistrations,
    settle,
    valueOf,
} from "../mocks";

const ADDON_CLIENT_ID = "3b1d7f0e-5a2c-4e8b-9d6f-1a2b3c4d5e6f";
const VAULT_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-dev/providers/Microsoft.KeyVault/vaults/kv-dev`;

function ordersArgs(overrides: Partial<AppWorkloadArgs> = {}): AppWorkloadArgs {
    return {
        namespace: "orders",
        keyVault: { name: "kv-dev", tenantId: TENANT_ID },
        identity: { mode: "addon", clientId: ADDON_CLIENT_ID },
        objects: [
            { objectName: "orders-db-password", objectType: "secret" },
            { objectName: "orders-api-key", objectType: "secret", objectAlias: "api-key" },
        ],
        syncedSecrets: [
            {
                secretName: "orders-keyvault",
                type: "Opaque",
                data: [
                    { key: "db-password", objectName: "orders-db-password" },
                    { key: "api-key", objectName: "api-key" },
                ],
            },
        ],
        env: [
            { name: "DB_PASSWORD", secretName: "orders-keyvault", key: "db-password" },
            { name: "API_KEY", secretName: "orders-keyvault", key: "api-key" },
        ],
        deployment: { image: "ghcr.io/acme/orders:1.0.0", ports: [8080], env: { LOG_LEVEL: "info" } },
        ...overrides,
    };
}

describe("attachKeyVaultSecrets (for pods you build yourself)", () => {
    const template = {
        metadata: { labels: { app: "x" } },
        spec: {
            containers: [
                { name: "app", image: "app:1", env: [{ name: "MODE", value: "prod" }] },
                { name: "sidecar", image: "proxy:1" },
            ],
            volumes: [{ name: "tmp", emptyDir: {} }],
        },
    };

    it("adds the read-only CSI volume, mounts it and wires env into the chosen containers, without mutating the input", () => {
        const before = JSON.stringify(template);
        const wired = attachKeyVaultSecrets(template, {
            secretProviderClassName: "orders",
            containers: ["app"],
            env: [{ name: "DB_PASSWORD", secretName: "orders-keyvault", key: "db-password" }],
        }) as any;
        expect(JSON.stringify(template)).to.equal(before);
        expect(wired.spec.volumes).to.deep.equal([
            { name: "tmp", emptyDir: {} },
            {
                name: "keyvault-secrets",
                csi: { driver: "secrets-store.csi.k8s.io", readOnly: true, volumeAttributes: { secretProviderClass: "orders" } },
            },
        ]);
        expect(wired.spec.containers[0].volumeMounts).to.deep.equal([
            { name: "keyvault-secrets", mountPath: "/mnt/secrets-store", readOnly: true },
        ]);
        expect(wired.spec.containers[0].env).to.deep.equal([
            { name: "MODE", value: "prod" },
            { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "orders-keyvault", key: "db-password" } } },
        ]);
        expect(wired.spec.containers[1]).to.deep.equal(template.spec.containers[1]);
    });

    it("with mountVolume false (Secrets a SecretSync keeps), wires env only: no volume, no mount", () => {
        const wired = attachKeyVaultSecrets(template, {
            secretProviderClassName: "orders",
            volumeName: "tmp",
            mountVolume: false,
            env: [{ name: "DB_PASSWORD", secretName: "orders-keyvault", key: "db-password" }],
        }) as any;
        expect(wired.spec.volumes).to.deep.equal([{ name: "tmp", emptyDir: {} }]);
        expect(wired.spec.containers.map((container: any) => container.volumeMounts)).to.deep.equal([undefined, undefined]);
        expect(wired.spec.containers[1].env).to.deep.equal([
            { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "orders-keyvault", key: "db-password" } } },
        ]);
    });

    it("passes nodePublishSecretRef for service-principal mode", () => {
        const wired = attachKeyVaultSecrets(template, { secretProviderClassName: "x", nodePublishSecretRef: "kv-creds" }) as any;
        expect(wired.spec.volumes[1].csi.nodePublishSecretRef).to.deep.equal({ name: "kv-creds" });
    });

    it("refuses to shadow an existing volume, mount path or env var", () => {
        const error = errorFrom(() =>
            attachKeyVaultSecrets(template, {
                secretProviderClassName: "x",
                volumeName: "tmp",
                containers: ["app", "db"],
                env: [{ name: "MODE", secretName: "s", key: "k" }],
            }),
        );
        expect(error.message).to.contain('volumes "tmp": already exists in the pod. Fix: pass another volumeName.');
        expect(error.message).to.contain('containers "db": is not a container of the pod. Fix: use one of: app, sidecar.');
        expect(error.message).to.contain('container "app" env "MODE": is already set.');
    });
});

describe("AppWorkload", () => {
    beforeEach(resetRegistrations);

    it("addon identity: ServiceAccount, SecretProviderClass and a Deployment that always mounts the CSI volume", async () => {
        const app = new AppWorkload("orders-api", ordersArgs({ restartOnSecretChange: true }));
        expect(await valueOf(app.secretProviderClassName)).to.equal("orders-api");
        await settle();
        const spc = registered("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass", "orders-api-spc").inputs;
        expect(spc.metadata).to.deep.include({ name: "orders-api", namespace: "orders" });
        expect(spc.spec.parameters).to.deep.include({
            useVMManagedIdentity: "true",
            userAssignedIdentityID: ADDON_CLIENT_ID,
            keyvaultName: "kv-dev",
            tenantID: TENANT_ID,
        });
        expect(parseObjectsParameter(spc.spec.parameters.objects).value).to.deep.equal(ordersArgs().objects);
        expect(spc.spec.secretObjects[0].secretName).to.equal("orders-keyvault");

        const sa = registered("kubernetes:core/v1:ServiceAccount", "serviceaccount/orders/orders-api").inputs;
        expect(sa.metadata).to.deep.include({ name: "orders-api", namespace: "orders" });
        expect(sa.metadata.annotations).to.equal(undefined);

        const deployment = registered("kubernetes:apps/v1:Deployment", "orders-api-deployment").inputs;
        expect(deployment.metadata.annotations).to.deep.equal({ [RELOADER_SECRET_ANNOTATION]: "orders-keyvault" });
        const pod = deployment.spec.template.spec;
        expect(pod.serviceAccountName).to.equal("orders-api");
        expect(pod.volumes).to.deep.equal([
            {
                name: "keyvault-secrets",
                csi: { driver: "secrets-store.csi.k8s.io", readOnly: true, volumeAttributes: { secretProviderClass: "orders-api" } },
            },
        ]);
        expect(pod.containers[0].volumeMounts).to.deep.equal([
            { name: "keyvault-secrets", mountPath: "/mnt/secrets-store", readOnly: true },
        ]);
        expect(pod.containers[0].env).to.deep.equal([
            { name: "LOG_LEVEL", value: "info" },
            { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "orders-keyvault", key: "db-password" } } },
            { name: "API_KEY", valueFrom: { secretKeyRef: { name: "orders-keyvault", key: "api-key" } } },
        ]);
        expect(deployment.spec.template.metadata.labels).to.not.have.property("azure.workload.identity/use");
        expect(ofType("azure-native:managedidentity:UserAssignedIdentity")).to.have.length(0);
    });

    it("managed workload identity: identity, federated credential for the service account, own least-privilege role", async () => {
        const app = new AppWorkload(
            "payments",
            ordersArgs({
                namespace: "payments",
                serviceAccountName: "payments-sa",
                identity: {
                    mode: "workloadIdentity",
                    managed: {
                        resourceGroupName: "rg-dev",
                        location: "westeurope",
                        oidcIssuerUrl: "https://issuer.example/",
                        vaultId: VAULT_ID,
                        accessScope: "object",
                    },
                },
            }),
        );
        const clientId = fakeGuid("payments-identity", "client");
        expect(await valueOf(app.clientId)).to.equal(clientId);
        await settle();
        expect(registered("azure-native:managedidentity:FederatedIdentityCredential", "payments-federation").inputs).to.deep.include({
            issuer: "https://issuer.example/",
            subject: "system:serviceaccount:payments:payments-sa",
            audiences: ["api://AzureADTokenExchange"],
            resourceGroupName: "rg-dev",
        });
        const roles = ofType("azure-native:authorization:RoleAssignment");
        expect(roles.map((r) => [r.name, r.inputs.scope, r.inputs.principalId, r.inputs.principalType])).to.deep.equal([
            [
                "payments-access-secrets-orders-api-key",
                `${VAULT_ID}/secrets/orders-api-key`,
                fakeGuid("payments-identity", "principal"),
                "ServicePrincipal",
            ],
            [
                "payments-access-secrets-orders-db-password",
                `${VAULT_ID}/secrets/orders-db-password`,
                fakeGuid("payments-identity", "principal"),
                "ServicePrincipal",
            ],
        ]);
        expect(
            registered("kubernetes:core/v1:ServiceAccount", "serviceaccount/payments/payments-sa").inputs.metadata.annotations,
        ).to.deep.equal({
            "azure.workload.identity/client-id": clientId,
            "azure.workload.identity/tenant-id": TENANT_ID,
        });
        const spc = registered("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass", "payments-spc").inputs;
        expect(spc.spec.parameters.clientID).to.equal(clientId);
        expect(spc.spec.parameters).to.not.have.property("useVMManagedIdentity");
        const deployment = registered("kubernetes:apps/v1:Deployment", "payments-deployment").inputs;
        expect(deployment.spec.template.metadata.labels["azure.workload.identity/use"]).to.equal("true");
        expect(deployment.spec.template.spec.serviceAccountName).to.equal("payments-sa");

        // Switching an app to its own identity changes the class, and so restarts the pods, only after the identity
        // is federated and holds its roles: the class waits for both, the Deployment for the class.
        const dependencies = (type: string, name: string) =>
            (registeredOptions.get(`${type}::${name}`)?.dependencies ?? []).map((urn) => urn.split("::").pop());
        expect(dependencies("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass", "payments-spc")).to.include.members([
            "payments-identity",
            "payments-federation",
            "payments-access-secrets-orders-api-key",
            "payments-access-secrets-orders-db-password",
        ]);
        expect(dependencies("kubernetes:apps/v1:Deployment", "payments-deployment")).to.include("payments-spc");
    });

    it("creates the namespace when asked, and skips the rollout wait only when asked", async () => {
        new AppWorkload("orders-api", ordersArgs({ createNamespace: true, deployment: { image: "x:1", skipAwait: true }, env: [] }));
        await settle();
        expect(registered("kubernetes:core/v1:Namespace", "namespace/orders").inputs.metadata.name).to.equal("orders");
        expect(registered("kubernetes:apps/v1:Deployment", "orders-api-deployment").inputs.metadata.annotations).to.deep.equal({
            "pulumi.com/skipAwait": "true",
        });
    });

    it("takes the Deployment's command, args and env values from other resources (pulumi.Input)", async () => {
        const endpoint = pulumi.output("https://orders-db.internal:5432");
        new AppWorkload(
            "orders-api",
            ordersArgs({
                deployment: { image: "x:1", command: [pulumi.output("/bin/orders")], args: ["--db", endpoint], env: { DB_HOST: endpoint } },
            }),
        );
        await settle();
        const container = registered("kubernetes:apps/v1:Deployment", "orders-api-deployment").inputs.spec.template.spec.containers[0];
        expect(container.command).to.deep.equal(["/bin/orders"]);
        expect(container.args).to.deep.equal(["--db", "https://orders-db.internal:5432"]);
        expect(container.env.find((variable: { name: string }) => variable.name === "DB_HOST")).to.deep.equal({
            name: "DB_HOST",
            value: "https://orders-db.internal:5432",
        });
    });

    it("names the app, the wrong input and the fix", () => {
        const error = errorFrom(
            () =>
                new AppWorkload(
                    "orders-api",
                    ordersArgs({
                        objects: [{ objectName: "orders-db-password", objectType: "secret", objectAlias: "../pw" }],
                        env: [{ name: "DB_PASSWORD", secretName: "orders-secret", key: "db-password" }],
                    }),
                ),
        );
        expect(error.message).to.match(/^app "orders-api" is invalid/);
        expect(error.message).to.contain(`objects[0].objectAlias: "../pw" contains '..'; the provider refuses it.`);
        expect(error.message).to.contain(
            'env[0].secretName: "orders-secret" is not a synced Secret of this app, so the pod would fail with CreateContainerConfigError. Fix: use one of: orders-keyvault.',
        );
        expect(error.message).to.contain('syncedSecrets[0].data[1].objectName: "api-key" is not a file any object writes.');
        // A ResourceError of the component: the engine prints it at the resource, without stack frames.
        expect(pulumi.ResourceError.isInstance(error)).to.equal(true);
        const resourceError = error as pulumi.ResourceError;
        expect(resourceError.hideStack).to.equal(true);
        expect(resourceError.resource).to.be.instanceOf(AppWorkload);
    });

    it("rejects a workload identity with both or neither of clientId and managed", () => {
        const error = errorFrom(() => new AppWorkload("x", ordersArgs({ identity: { mode: "workloadIdentity" } as never })));
        expect(error.message).to.contain(
            "identity: workload identity needs exactly one of clientId (existing identity) or managed (create one). Fix: set one of them.",
        );
    });

    it("rejects an env key the synced Secret does not have", () => {
        const error = errorFrom(
            () => new AppWorkload("x", ordersArgs({ env: [{ name: "PW", secretName: "orders-keyvault", key: "password" }] })),
        );
        expect(error.message).to.contain(
            'env[0].key: "password" is not a key of synced Secret "orders-keyvault". Fix: use one of: db-password, api-key.',
        );
    });

    it("providerIdentity: the class authenticates as the given identity, or as the created one once its client ID is passed", () => {
        const existing = "6f1f6a52-3f0b-4d1e-8c53-0d9f0f7b2a11";
        expect(providerIdentity({ mode: "workloadIdentity", clientId: existing })).to.deep.equal({
            mode: "workloadIdentity",
            clientID: existing,
        });
        const managed = {
            resourceGroupName: "rg-dev",
            location: "westeurope",
            oidcIssuerUrl: "https://issuer.example/",
            vaultId: VAULT_ID,
        };
        expect(providerIdentity({ mode: "workloadIdentity", managed }, existing)).to.deep.equal({
            mode: "workloadIdentity",
            clientID: existing,
        });
        expect(() => providerIdentity({ mode: "workloadIdentity", managed })).to.throw(
            "providerIdentity: an identity the app creates has a client ID only once it exists; pass that Output as managedClientId",
        );
    });

    it('refuses to create the namespace\'s own ServiceAccount "default", by the app name or by serviceAccountName', async () => {
        const byName = errorFrom(() => new AppWorkload("default", ordersArgs()));
        expect(byName.message).to.contain(
            "name: would create ServiceAccount \"default\" (the app name is its ServiceAccount's name), which the API server already keeps in every namespace: `pulumi up` fails with AlreadyExists. Fix: set serviceAccountName to a name of the app's own.",
        );
        const byAccount = errorFrom(() => new AppWorkload("orders-api", ordersArgs({ serviceAccountName: "default" })));
        expect(byAccount.message).to.contain(
            'serviceAccountName: would create ServiceAccount "default", which the API server already keeps in every namespace',
        );

        // Running as the namespace's account is fine when the app does not create it.
        resetRegistrations();
        new AppWorkload("orders-api", ordersArgs({ serviceAccountName: "default", createServiceAccount: false }));
        await settle();
        expect(ofType("kubernetes:core/v1:ServiceAccount")).to.have.length(0);
        const [deployment] = ofType("kubernetes:apps/v1:Deployment");
        expect(deployment.inputs.spec.template.spec.serviceAccountName).to.equal("default");
    });
});
