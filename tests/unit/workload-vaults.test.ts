import * as fc from "fast-check";
import { expect } from "chai";
import { AppWorkload, AppWorkloadArgs } from "../../components";
import { parseObjectsParameter } from "../../components/secret-provider-class/parse";
import { appVaults } from "../../components/workload/render";
import { appWorkloadProblems } from "../../components/workload/validate";
import { SUBSCRIPTION_ID, TENANT_ID, errorFrom, fakeGuid, ofType, registered, resetRegistrations, settle } from "../mocks";

const ADDON_CLIENT_ID = "3b1d7f0e-5a2c-4e8b-9d6f-1a2b3c4d5e6f";
const OTHER_TENANT = "0f0e0d0c-0b0a-4909-8807-060504030201";
const vaultId = (name: string) => `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-dev/providers/Microsoft.KeyVault/vaults/${name}`;

/** An app of two vaults: its own (kv-orders) and a shared one (kv-shared) it reads a certificate and a secret from. */
function twoVaultArgs(overrides: Partial<AppWorkloadArgs> = {}): AppWorkloadArgs {
    return {
        namespace: "orders",
        keyVault: { name: "kv-orders", tenantId: TENANT_ID },
        identity: { mode: "addon", clientId: ADDON_CLIENT_ID },
        objects: [{ objectName: "db-password", objectType: "secret" }],
        syncedSecrets: [{ secretName: "orders-db", type: "Opaque", data: [{ key: "password", objectName: "db-password" }] }],
        additionalVaults: [
            {
                name: "kv-Shared",
                id: vaultId("kv-Shared"),
                objects: [{ objectName: "smtp-password", objectType: "secret", objectAlias: "smtp" }],
                syncedSecrets: [{ secretName: "orders-smtp", type: "Opaque", data: [{ key: "password", objectName: "smtp" }] }],
            },
        ],
        env: [
            { name: "DB_PASSWORD", secretName: "orders-db", key: "password" },
            { name: "SMTP_PASSWORD", secretName: "orders-smtp", key: "password" },
        ],
        deployment: { image: "ghcr.io/acme/orders:1.0.0" },
        ...overrides,
    };
}

const SPC = "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass";

/** A workload identity the app creates, with object-scoped roles. */
const ownIdentity: AppWorkloadArgs["identity"] = {
    mode: "workloadIdentity",
    managed: {
        resourceGroupName: "rg-dev",
        location: "westeurope",
        oidcIssuerUrl: "https://issuer.example/",
        vaultId: vaultId("kv-orders"),
        accessScope: "object",
    },
};

describe("AppWorkload with several vaults", () => {
    beforeEach(resetRegistrations);

    it("renders a class and a read-only volume per vault, each vault's files in a folder of its own, env from any vault's Secrets", async () => {
        new AppWorkload("orders-api", twoVaultArgs());
        await settle();
        const first = registered(SPC, "orders-api-spc").inputs;
        expect(first.metadata.name).to.equal("orders-api");
        expect(first.spec.parameters).to.deep.include({ keyvaultName: "kv-orders", tenantID: TENANT_ID });
        expect(first.spec.secretObjects.map((secret: { secretName: string }) => secret.secretName)).to.deep.equal(["orders-db"]);
        const second = registered(SPC, "orders-api-spc-kv-shared").inputs;
        expect(second.metadata.name).to.equal("orders-api-kv-shared");
        // The other vault's tenant defaults to keyVault's; its class names the vault as written.
        expect(second.spec.parameters).to.deep.include({
            keyvaultName: "kv-Shared",
            tenantID: TENANT_ID,
            userAssignedIdentityID: ADDON_CLIENT_ID,
        });
        expect(parseObjectsParameter(second.spec.parameters.objects).value).to.deep.equal([
            { objectName: "smtp-password", objectType: "secret", objectAlias: "smtp" },
        ]);
        expect(second.spec.secretObjects.map((secret: { secretName: string }) => secret.secretName)).to.deep.equal(["orders-smtp"]);

        const pod = registered("kubernetes:apps/v1:Deployment", "orders-api-deployment").inputs.spec.template.spec;
        expect(
            pod.volumes.map((volume: { name: string; csi: { volumeAttributes: unknown } }) => [volume.name, volume.csi.volumeAttributes]),
        ).to.deep.equal([
            ["keyvault-secrets", { secretProviderClass: "orders-api" }],
            ["keyvault-secrets-kv-shared", { secretProviderClass: "orders-api-kv-shared" }],
        ]);
        expect(pod.containers[0].volumeMounts).to.deep.equal([
            { name: "keyvault-secrets", mountPath: "/mnt/secrets-store/kv-orders", readOnly: true },
            { name: "keyvault-secrets-kv-shared", mountPath: "/mnt/secrets-store/kv-Shared", readOnly: true },
        ]);
        expect(
            pod.containers[0].env.map((variable: { name: string; valueFrom: unknown }) => [variable.name, variable.valueFrom]),
        ).to.deep.equal([
            ["DB_PASSWORD", { secretKeyRef: { name: "orders-db", key: "password" } }],
            ["SMTP_PASSWORD", { secretKeyRef: { name: "orders-smtp", key: "password" } }],
        ]);
    });

    it("takes a vault's own tenant and folder when given", async () => {
        const args = twoVaultArgs();
        new AppWorkload(
            "orders-api",
            twoVaultArgs({
                mountPath: "/secrets",
                additionalVaults: [{ ...args.additionalVaults![0], tenantId: OTHER_TENANT, mountPath: "/shared" }],
            }),
        );
        await settle();
        expect(registered(SPC, "orders-api-spc-kv-shared").inputs.spec.parameters.tenantID).to.equal(OTHER_TENANT);
        const mounts = registered("kubernetes:apps/v1:Deployment", "orders-api-deployment").inputs.spec.template.spec.containers[0]
            .volumeMounts;
        expect(mounts.map((mount: { mountPath: string }) => mount.mountPath)).to.deep.equal(["/secrets/kv-orders", "/shared"]);
    });

    it("grants an identity the app creates its roles on each vault, each on that vault's objects", async () => {
        new AppWorkload(
            "orders-api",
            twoVaultArgs({
                identity: ownIdentity,
            }),
        );
        await settle();
        const principal = fakeGuid("orders-api-identity", "principal");
        expect(
            ofType("azure-native:authorization:RoleAssignment").map((role) => [role.name, role.inputs.scope, role.inputs.principalId]),
        ).to.deep.equal([
            ["orders-api-access-secrets-db-password", `${vaultId("kv-orders")}/secrets/db-password`, principal],
            ["orders-api-access-kv-shared-secrets-smtp-password", `${vaultId("kv-Shared")}/secrets/smtp-password`, principal],
        ]);
    });

    it("keeps SecretSync objects on the class of the vault each Secret is synced from", async () => {
        new AppWorkload(
            "orders-api",
            twoVaultArgs({ syncMechanism: "secretSync", identity: { mode: "workloadIdentity", clientId: ADDON_CLIENT_ID } }),
        );
        await settle();
        const syncs = ofType("kubernetes:secret-sync.x-k8s.io/v1alpha1:SecretSync");
        expect(syncs.map((sync) => [sync.name, sync.inputs.spec.secretProviderClassName])).to.deep.equal([
            ["orders-api-secretsync-orders-db", "orders-api"],
            ["orders-api-secretsync-orders-smtp", "orders-api-kv-shared"],
        ]);
        expect(ofType(SPC).every((spc) => spc.inputs.spec.secretObjects === undefined)).to.equal(true);
    });

    it("names every problem of several vaults at its input, with the fix", () => {
        const args = twoVaultArgs();
        const shared = args.additionalVaults![0];
        const error = errorFrom(
            () =>
                new AppWorkload(
                    "orders-api",
                    twoVaultArgs({
                        identity: ownIdentity,
                        additionalVaults: [
                            { ...shared, id: undefined, mountPath: "/mnt/secrets-store/kv-orders/shared" },
                            {
                                name: "KV-ORDERS",
                                objects: [{ objectName: "x", objectType: "secret" }],
                                syncedSecrets: [{ secretName: "orders-db", type: "Opaque", data: [{ key: "x", objectName: "nope" }] }],
                            },
                            { name: "kv_bad", objects: [] },
                        ],
                    }),
                ),
        );
        const lines = error.message.split("\n").slice(1);
        expect(lines).to.include.members([
            "  - additionalVaults[0].id: is missing, but the app creates its identity, whose roles are granted on each vault it reads. Fix: set the vault's resource ID, or give identity.clientId of an identity that holds its roles.",
            "  - additionalVaults[0].mountPath: puts this vault's files at /mnt/secrets-store/kv-orders/shared, which overlaps the read-only mount of keyVault at /mnt/secrets-store/kv-orders: a vault's mount point cannot be made inside another's, nor share it. Fix: give each vault a folder of its own, side by side.",
            '  - additionalVaults[1].name: "KV-ORDERS" is keyVault itself (Key Vault names ignore case). Fix: list each vault once, its objects together.',
            '  - additionalVaults[1].syncedSecrets[0].secretName: "orders-db" is also synced from keyVault; the two classes would overwrite each other\'s Secret. Fix: give each Secret one vault: rename one of them.',
            '  - additionalVaults[2].name: "kv_bad" is not a valid Key Vault name. Fix: use 3-24 characters of letters, digits and single hyphens, starting with a letter and ending with a letter or digit.',
        ]);
        expect(
            lines.some((line) =>
                line.startsWith('  - additionalVaults[1].syncedSecrets[0].data[0].objectName: "nope" is not a file any object writes'),
            ),
        ).to.equal(true);
        expect(lines.some((line) => line.startsWith("  - additionalVaults[2].objects:"))).to.equal(true);
    });

    it("refuses an Output keyVault.name with several vaults: it names a folder", () => {
        const problems = appWorkloadProblems(
            "orders-api",
            twoVaultArgs({ keyVault: { name: Promise.resolve("kv-orders"), tenantId: TENANT_ID } }),
        );
        expect(problems).to.deep.include({
            where: "keyVault.name",
            message: "is an Output, but with additionalVaults it names the folder of its files (`<mountPath>/<name>`)",
            fix: "pass the vault's name as a string",
        });
    });

    it("leaves a one-vault app exactly as it was: no additionalVaults, or an empty list, change nothing", () => {
        const single = twoVaultArgs({
            additionalVaults: undefined,
            env: [{ name: "DB_PASSWORD", secretName: "orders-db", key: "password" }],
        });
        expect(appVaults(single)).to.deep.equal(appVaults({ ...single, additionalVaults: [] }));
        expect(appVaults(single).map((vault) => [vault.mountPath, vault.nameSuffix])).to.deep.equal([["/mnt/secrets-store", undefined]]);
    });

    it("property: vault folders by default never overlap, so distinct valid vault names give a valid layout", () => {
        const vaultName = fc.stringMatching(/^[a-z][a-z0-9]{1,10}[a-z0-9]$/);
        fc.assert(
            fc.property(
                fc.uniqueArray(vaultName, { minLength: 2, maxLength: 5 }),
                fc.constantFrom("/mnt/secrets-store", "/s/", "/a/b"),
                (names, mountPath) => {
                    const [first, ...others] = names;
                    const args = twoVaultArgs({
                        keyVault: { name: first, tenantId: TENANT_ID },
                        mountPath,
                        syncedSecrets: [],
                        env: [],
                        additionalVaults: others.map((name) => ({ name, objects: [{ objectName: "x", objectType: "secret" as const }] })),
                    });
                    expect(appWorkloadProblems("orders-api", args)).to.deep.equal([]);
                    const folders = appVaults(args).map((vault) => vault.mountPath);
                    expect(new Set(folders).size).to.equal(names.length);
                    expect(folders.every((folder) => !folder.includes("//"))).to.equal(true);
                },
            ),
        );
    });
});
