/**
 * SecretSync as a sync mechanism: the CRD's rules (tested against the pattern of our CRD fixture, the one the local
 * cluster's API server enforces), the rendering, the choice between mechanisms, the AppWorkload's children and the
 * config paths of every message.
 */
import { expect } from "chai";
import fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { AppWorkload, AppWorkloadArgs, SyncedSecret } from "../../components";
import {
    SECRET_SYNC_API_VERSION,
    isSecretSyncPath,
    renderSecretSync,
    syncChoiceProblems,
} from "../../components/secret-provider-class/secret-sync";
import { syncedSecretProblems } from "../../components/secret-provider-class/synced-secrets";
import { stackConfigProblems } from "../../program/config";
import { formatConfigProblem } from "../../program/problems";
import { stackFileConfig } from "../stack-files";
import { TENANT_ID, errorFrom, ofType, registered, registeredOptions, resetRegistrations, settle } from "../mocks";

const SECRET_SYNC_TYPE = `kubernetes:${SECRET_SYNC_API_VERSION}:SecretSync`;
const SPC_TYPE = "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass";
const CLIENT_ID = "6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const CRD_FILE = path.resolve(__dirname, "../../localenv/crds/secret-sync.x-k8s.io_secretsyncs.yaml");

/** The pattern of `sourcePath` and `targetKey` in our CRD fixture, as the API server reads it. */
function fixturePattern(field: "sourcePath" | "targetKey"): RegExp {
    const crd = YAML.parse(fs.readFileSync(CRD_FILE, "utf8"));
    const item = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.secretObject.properties.data.items;
    return new RegExp(item.properties[field].pattern);
}

function notifierArgs(overrides: Partial<AppWorkloadArgs> = {}): AppWorkloadArgs {
    return {
        namespace: "orders",
        keyVault: { name: "kv-dev", tenantId: TENANT_ID },
        identity: { mode: "workloadIdentity", clientId: CLIENT_ID },
        syncMechanism: "secretSync",
        objects: [
            { objectName: "smtp-password", objectType: "secret" },
            { objectName: "registry", objectType: "secret", objectAlias: "dockerconfig" },
        ],
        syncedSecrets: [
            {
                secretName: "notifier-smtp",
                type: "Opaque",
                data: [{ key: "smtp-password", objectName: "smtp-password" }],
                labels: { team: "orders" },
            },
            {
                secretName: "notifier-registry",
                type: "kubernetes.io/dockerconfigjson",
                data: [{ key: ".dockerconfigjson", objectName: "dockerconfig" }],
            },
        ],
        env: [{ name: "SMTP_PASSWORD", secretName: "notifier-smtp", key: "smtp-password" }],
        deployment: { image: "ghcr.io/acme/notifier:1.0.0" },
        ...overrides,
    };
}

describe("SecretSync: the CRD's sourcePath and targetKey pattern", () => {
    it("is the fixture's pattern, for both fields", () => {
        expect(fixturePattern("sourcePath").source).to.equal(fixturePattern("targetKey").source);
    });

    it("accepts and refuses what the CRD's pattern does (examples)", () => {
        const pattern = fixturePattern("sourcePath");
        const cases: Array<[string, boolean]> = [
            ["db-password", true],
            ["tls.crt", true],
            [".dockerconfigjson", true],
            ["root-ca.pem/0", true],
            ["root-ca.pem/1/2", true],
            ["a", true],
            ["a-", true],
            ["db_password", true],
            ["a_b", false],
            ["a.b", false],
            ["certs/tls.crt", false],
            ["x/", false],
            ["", false],
            ["_x", false],
            ["a..b", false],
        ];
        for (const [value, valid] of cases) {
            expect(pattern.test(value), `pattern on "${value}"`).to.equal(valid);
            expect(isSecretSyncPath(value), `isSecretSyncPath("${value}")`).to.equal(valid);
        }
    });

    it("agrees with the CRD's pattern on any short string (differential)", () => {
        const pattern = fixturePattern("sourcePath");
        const text = fc.string({ unit: fc.constantFrom("a", "Z", "0", "7", "-", ".", "_", "/", " "), maxLength: 10 });
        fc.assert(
            fc.property(text, (value) => {
                expect(isSecretSyncPath(value), JSON.stringify(value)).to.equal(pattern.test(value));
            }),
            { numRuns: 3000 },
        );
    });

    it("answers a long mismatch at once (the pattern in JavaScript would backtrack for minutes)", () => {
        const started = Date.now();
        expect(isSecretSyncPath(`${"a".repeat(250)}_`)).to.equal(false);
        expect(Date.now() - started).to.be.lessThan(50);
    });
});

describe("SecretSync: rendering", () => {
    it("renders one SecretSync named like its Secret, in the app namespace, pointing at the class and the ServiceAccount", () => {
        const secret: SyncedSecret = {
            secretName: "notifier-smtp",
            type: "Opaque",
            data: [{ key: "smtp-password", objectName: "smtp-password" }],
            labels: { team: "orders" },
            annotations: {},
        };
        expect(
            renderSecretSync(secret, {
                namespace: "orders",
                secretProviderClassName: "notifier",
                serviceAccountName: "notifier-sa",
                labels: { "app.kubernetes.io/name": "notifier" },
            }),
        ).to.deep.equal({
            apiVersion: "secret-sync.x-k8s.io/v1alpha1",
            kind: "SecretSync",
            metadata: {
                name: "notifier-smtp",
                namespace: "orders",
                labels: { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/name": "notifier" },
            },
            spec: {
                secretProviderClassName: "notifier",
                serviceAccountName: "notifier-sa",
                secretObject: {
                    type: "Opaque",
                    data: [{ sourcePath: "smtp-password", targetKey: "smtp-password" }],
                    labels: { team: "orders" },
                },
            },
        });
    });
});

describe("SecretSync: the choice of mechanism", () => {
    const secrets = notifierArgs().syncedSecrets!;

    it("refuses pods without the mount under secretObjects, saying why", () => {
        expect(
            syncChoiceProblems({ syncMechanism: "secretObjects", mountFiles: false, identityMode: "addon", syncedSecrets: secrets }),
        ).to.deep.equal([
            {
                where: "mountFiles",
                message:
                    "is false, but with syncMechanism secretObjects the driver syncs a Secret only while a pod mounts the volume (the pods own it), so pods without the mount would find no Secret",
                fix: "remove mountFiles, or set syncMechanism: secretSync (the sync controller keeps the Secrets without a mount)",
            },
        ]);
        expect(syncChoiceProblems({ mountFiles: true, identityMode: "addon", syncedSecrets: secrets })).to.deep.equal([]);
    });

    it("refuses secretSync without Secrets, with a service principal, or with a mountPath and no mount", () => {
        expect(
            syncChoiceProblems({ syncMechanism: "secretSync", mountPath: "/secrets", identityMode: "servicePrincipal", syncedSecrets: [] }),
        ).to.deep.equal([
            {
                where: "syncMechanism",
                message: "is secretSync, but the app has no syncedSecrets for SecretSync objects",
                fix: "add syncedSecrets, or remove syncMechanism",
            },
            {
                where: "syncMechanism",
                message:
                    "is secretSync, but the sync controller calls the provider with no node-publish secrets (v0.0.4 sends an empty map), so service-principal credentials never reach it",
                fix: "use identity mode workloadIdentity (or addon) with secretSync, or keep syncMechanism secretObjects",
            },
            {
                where: "mountPath",
                message: "is set, but with syncMechanism secretSync pods mount no files unless mountFiles is true",
                fix: "set mountFiles: true if the pods read files, or remove mountPath",
            },
        ]);
        expect(
            syncChoiceProblems({
                syncMechanism: "secretSync",
                mountFiles: true,
                mountPath: "/secrets",
                identityMode: "workloadIdentity",
                syncedSecrets: secrets,
            }),
        ).to.deep.equal([]);
    });

    it("refuses an unknown mechanism", () => {
        expect(syncChoiceProblems({ syncMechanism: "controller" as never, identityMode: "addon", syncedSecrets: secrets })).to.deep.equal([
            { where: "syncMechanism", message: '"controller" is not a sync mechanism', fix: "use one of secretObjects, secretSync" },
        ]);
    });
});

describe("SecretSync: the synced Secrets' checks", () => {
    const objects = [
        { objectName: "smtp-password", objectType: "secret" as const },
        { objectName: "nested", objectType: "secret" as const, objectAlias: "certs/tls.crt" },
    ];

    it("adds the CRD's reserved prefix and pattern, and drops the driver's label rule", () => {
        const secret: SyncedSecret = {
            secretName: "notifier",
            type: "Opaque",
            data: [
                { key: "a_b", objectName: "smtp-password" },
                { key: "cert", objectName: "certs/tls.crt" },
            ],
            labels: { "secrets-store.sync.x-k8s.io/secretsync": "x", "secrets-store.csi.k8s.io/managed": "true" },
            annotations: { "secrets-store.sync.x-k8s.io.example/owner": "me" },
        };
        expect(syncedSecretProblems([secret], objects, "secretSync")).to.deep.equal([
            {
                where: 'secretObjects[0] "notifier".data[0].key',
                message: `"a_b" is not a targetKey the SecretSync CRD accepts (must match the SecretSync CRD's pattern: a letter, digit or '.'; then at least one letter, digit or '-' before any '.' or '_'; each '.' or '_' followed by a letter or digit; only /<n> version parts after that)`,
                fix: "rename the key, e.g. db-password or db_password",
            },
            {
                where: 'secretObjects[0] "notifier".data[1].objectName',
                message: `"certs/tls.crt" is not a sourcePath the SecretSync CRD accepts (must match the SecretSync CRD's pattern: a letter, digit or '.'; then at least one letter, digit or '-' before any '.' or '_'; each '.' or '_' followed by a letter or digit; only /<n> version parts after that)`,
                fix: "give the object an objectAlias such as db-password (no sub-directories; version files <file>/<n> are fine)",
            },
            {
                where: 'secretObjects[0] "notifier".labels["secrets-store.sync.x-k8s.io/secretsync"]',
                message:
                    "starts with secrets-store.sync.x-k8s.io, which the SecretSync CRD reserves for the sync controller (it labels each Secret it writes secrets-store.sync.x-k8s.io, an empty value); the API server refuses the SecretSync",
                fix: "remove it, or use a key with a prefix of your own (e.g. example.com/secretsync)",
            },
            {
                where: 'secretObjects[0] "notifier".annotations["secrets-store.sync.x-k8s.io.example/owner"]',
                message:
                    "starts with secrets-store.sync.x-k8s.io, which the SecretSync CRD reserves for the sync controller (it labels each Secret it writes secrets-store.sync.x-k8s.io, an empty value); the API server refuses the SecretSync",
                fix: "remove it, or use a key with a prefix of your own (e.g. example.com/owner)",
            },
        ]);
        // The same Secret under secretObjects: the driver's rules only.
        expect(syncedSecretProblems([secret], objects).map((problem) => problem.where)).to.deep.equal([
            'secretObjects[0] "notifier".labels["secrets-store.csi.k8s.io/managed"]',
        ]);
    });
});

describe("SecretSync: the AppWorkload", () => {
    beforeEach(resetRegistrations);

    it("registers one SecretSync per Secret, a class without secretObjects, and pods without the CSI volume", async () => {
        new AppWorkload("notifier", notifierArgs({ restartOnSecretChange: true }));
        await settle();
        const syncs = ofType(SECRET_SYNC_TYPE);
        expect(syncs.map((sync) => sync.name).sort()).to.deep.equal([
            "notifier-secretsync-notifier-registry",
            "notifier-secretsync-notifier-smtp",
        ]);
        expect(registered(SECRET_SYNC_TYPE, "notifier-secretsync-notifier-registry").inputs).to.deep.equal({
            apiVersion: "secret-sync.x-k8s.io/v1alpha1",
            kind: "SecretSync",
            metadata: {
                name: "notifier-registry",
                namespace: "orders",
                labels: { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/name": "notifier" },
            },
            spec: {
                secretProviderClassName: "notifier",
                serviceAccountName: "notifier",
                secretObject: {
                    type: "kubernetes.io/dockerconfigjson",
                    data: [{ sourcePath: "dockerconfig", targetKey: ".dockerconfigjson" }],
                },
            },
        });
        const spc = registered(SPC_TYPE, "notifier-spc").inputs;
        expect(spc.spec).to.not.have.property("secretObjects");
        expect(spc.spec.parameters.clientID).to.equal(CLIENT_ID);

        const deployment = registered("kubernetes:apps/v1:Deployment", "notifier-deployment").inputs;
        const pod = deployment.spec.template.spec;
        expect(pod).to.not.have.property("volumes");
        expect(pod.containers[0]).to.not.have.property("volumeMounts");
        expect(pod.containers[0].env).to.deep.equal([
            { name: "SMTP_PASSWORD", valueFrom: { secretKeyRef: { name: "notifier-smtp", key: "smtp-password" } } },
        ]);
        expect(deployment.metadata.annotations).to.deep.equal({ "secret.reloader.stakater.com/reload": "notifier-smtp,notifier-registry" });

        const dependencies = (type: string, name: string) =>
            (registeredOptions.get(`${type}::${name}`)?.dependencies ?? []).map((urn) => urn.split("::").pop());
        expect(dependencies(SECRET_SYNC_TYPE, "notifier-secretsync-notifier-smtp")).to.include.members([
            "notifier-spc",
            "serviceaccount/orders/notifier",
        ]);
        expect(dependencies("kubernetes:apps/v1:Deployment", "notifier-deployment")).to.include.members([
            "notifier-secretsync-notifier-smtp",
            "notifier-secretsync-notifier-registry",
        ]);
        expect(registeredOptions.get(`${SECRET_SYNC_TYPE}::notifier-secretsync-notifier-smtp`)?.parent).to.match(/AppWorkload::notifier$/);
    });

    it("mounts the CSI volume with mountFiles, at mountPath", async () => {
        new AppWorkload("notifier", notifierArgs({ mountFiles: true, mountPath: "/secrets" }));
        await settle();
        const pod = registered("kubernetes:apps/v1:Deployment", "notifier-deployment").inputs.spec.template.spec;
        expect(pod.volumes).to.deep.equal([
            {
                name: "keyvault-secrets",
                csi: { driver: "secrets-store.csi.k8s.io", readOnly: true, volumeAttributes: { secretProviderClass: "notifier" } },
            },
        ]);
        expect(pod.containers[0].volumeMounts).to.deep.equal([{ name: "keyvault-secrets", mountPath: "/secrets", readOnly: true }]);
        expect(ofType(SECRET_SYNC_TYPE)).to.have.length(2);
    });

    it("fails at construction with every problem at once", () => {
        const error = errorFrom(
            () =>
                new AppWorkload(
                    "notifier",
                    notifierArgs({
                        identity: { mode: "servicePrincipal", nodePublishSecretRef: "kv-creds" },
                        mountPath: "/secrets",
                        syncedSecrets: [
                            {
                                secretName: "notifier-smtp",
                                type: "Opaque",
                                data: [{ key: "smtp-password", objectName: "smtp-password" }],
                                annotations: { "secrets-store.sync.x-k8s.io/x": "y" },
                            },
                        ],
                    }),
                ),
        );
        expect(error.message).to.match(/^app "notifier" is invalid \(3 problems\)/);
        expect(error.message).to.contain(
            "syncMechanism: is secretSync, but the sync controller calls the provider with no node-publish secrets",
        );
        expect(error.message).to.contain(
            "mountPath: is set, but with syncMechanism secretSync pods mount no files unless mountFiles is true.",
        );
        expect(error.message).to.contain(
            'syncedSecrets[0].annotations["secrets-store.sync.x-k8s.io/x"]: starts with secrets-store.sync.x-k8s.io',
        );
    });

    it("keeps the same Secret names, types and keys under either mechanism, and only SecretSync objects or only secretObjects (property)", async () => {
        const typed: Record<string, string[]> = {
            Opaque: [],
            "kubernetes.io/basic-auth": ["username", "password"],
            "kubernetes.io/ssh-auth": ["ssh-privatekey"],
            "kubernetes.io/tls": ["tls.crt", "tls.key"],
        };
        const secretArb = fc.record({
            type: fc.constantFrom(...Object.keys(typed)),
            extraKeys: fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/), { minLength: 1, maxLength: 3 }),
            object: fc.nat(2),
        });
        const config = fc.uniqueArray(secretArb, { minLength: 1, maxLength: 3, selector: () => Math.random() }).map((secrets) =>
            secrets.map((secret, index): SyncedSecret => {
                const keys =
                    secret.type === "Opaque"
                        ? secret.extraKeys
                        : secret.type === "kubernetes.io/tls"
                          ? typed[secret.type]
                          : [...typed[secret.type], ...secret.extraKeys.filter((key) => !typed[secret.type].includes(key))];
                return {
                    secretName: `app-secret-${index}`,
                    type: secret.type as SyncedSecret["type"],
                    data: keys.map((key) => ({ key, objectName: `object-${secret.object}` })),
                };
            }),
        );
        const objects = [0, 1, 2].map((index) => ({ objectName: `object-${index}`, objectType: "secret" as const }));
        const shape = (secrets: Array<{ name: string; type: string; keys: string[] }>) =>
            secrets.map((s) => `${s.name} ${s.type} ${[...s.keys].sort().join(",")}`).sort();
        await fc.assert(
            fc.asyncProperty(config, async (syncedSecrets) => {
                resetRegistrations();
                new AppWorkload("app", { ...notifierArgs(), objects, syncedSecrets, env: [], syncMechanism: "secretSync" });
                await settle();
                const syncs = ofType(SECRET_SYNC_TYPE).map((r) => ({
                    name: r.inputs.metadata.name,
                    type: r.inputs.spec.secretObject.type,
                    keys: r.inputs.spec.secretObject.data.map((d: any) => d.targetKey),
                }));
                expect(syncs).to.have.length(syncedSecrets.length);
                expect(registered(SPC_TYPE, "app-spc").inputs.spec).to.not.have.property("secretObjects");

                resetRegistrations();
                new AppWorkload("app", { ...notifierArgs(), objects, syncedSecrets, env: [], syncMechanism: "secretObjects" });
                await settle();
                expect(ofType(SECRET_SYNC_TYPE)).to.have.length(0);
                const secretObjects = registered(SPC_TYPE, "app-spc").inputs.spec.secretObjects.map((s: any) => ({
                    name: s.secretName,
                    type: s.type,
                    keys: s.data.map((d: any) => d.key),
                }));
                expect(shape(syncs)).to.deep.equal(shape(secretObjects));
                expect(shape(syncs)).to.deep.equal(
                    shape(syncedSecrets.map((s) => ({ name: s.secretName, type: s.type, keys: s.data.map((d) => d.key) }))),
                );
            }),
            { numRuns: 25 },
        );
    });
});

describe("SecretSync: stack config", () => {
    it("says that two apps would both write a Secret, and that akv2k8s's Secret cannot be taken over", () => {
        const raw = stackFileConfig("local");
        const index = raw.applications.findIndex((app: { name: string }) => app.name === "orders-notifier");
        raw.applications[index].syncedSecrets[1].secretName = "orders-api-keyvault";
        raw.applications[index].syncedSecrets[0].secretName = "legacy-smtp";
        raw.akv2k8sSecrets = ["orders/legacy-smtp"];
        expect(stackConfigProblems(raw).map(formatConfigProblem)).to.deep.equal([
            `aks-keyvault-secrets:applications[${index}].syncedSecrets[1].secretName (app "orders-notifier"): Secret orders/orders-api-keyvault is also synced by app "orders-api"; both apps would write it, and the sync controller updates only a Secret its own SecretSync owns. Fix: give each app its own secretName.`,
            `aks-keyvault-secrets:applications[${index}].syncedSecrets[0].secretName (app "orders-notifier"): has the name of Secret orders/legacy-smtp, which akv2k8s writes: the sync controller updates only Secrets its SecretSync owns, so the SecretSync would fail for as long as akv2k8s keeps the Secret. Fix: name it "legacy-smtp-csi" and point consumers at it when they cut over (the akv2k8s Secret stays until its AKVS is deleted).`,
            `aks-keyvault-secrets:applications[${index}].env[0].secretName (app "orders-notifier"): "orders-notifier-smtp" is not a synced Secret of this app, so the pod would fail with CreateContainerConfigError. Fix: use one of: legacy-smtp, orders-api-keyvault.`,
        ]);
    });

    it("the local stack's SecretSync app is valid", () => {
        expect(stackConfigProblems(stackFileConfig("local")).map(formatConfigProblem)).to.deep.equal([]);
    });

    it("names the config path and the fix of every problem", () => {
        const raw = stackFileConfig("local");
        const notifier = raw.applications.find((app: { name: string }) => app.name === "orders-notifier");
        const index = raw.applications.indexOf(notifier);
        notifier.syncedSecrets[0].labels = { "secrets-store.sync.x-k8s.io/secretsync": "mine" };
        notifier.syncedSecrets[0].data[0].key = "x_y";
        notifier.mountPath = "/secrets";
        const orders = raw.applications.findIndex((app: { name: string }) => app.name === "orders-api");
        raw.applications[orders].mountFiles = false;
        expect(stackConfigProblems(raw).map(formatConfigProblem)).to.deep.equal([
            `aks-keyvault-secrets:applications[${orders}].mountFiles (app "orders-api"): is false, but with syncMechanism secretObjects the driver syncs a Secret only while a pod mounts the volume (the pods own it), so pods without the mount would find no Secret. Fix: remove mountFiles, or set syncMechanism: secretSync (the sync controller keeps the Secrets without a mount).`,
            `aks-keyvault-secrets:applications[${index}].mountPath (app "orders-notifier"): is set, but with syncMechanism secretSync pods mount no files unless mountFiles is true. Fix: set mountFiles: true if the pods read files, or remove mountPath.`,
            `aks-keyvault-secrets:applications[${index}].syncedSecrets[0].data[0].key (app "orders-notifier"): "x_y" is not a targetKey the SecretSync CRD accepts (must match the SecretSync CRD's pattern: a letter, digit or '.'; then at least one letter, digit or '-' before any '.' or '_'; each '.' or '_' followed by a letter or digit; only /<n> version parts after that). Fix: rename the key, e.g. db-password or db_password.`,
            `aks-keyvault-secrets:applications[${index}].syncedSecrets[0].labels.secrets-store.sync.x-k8s.io/secretsync (app "orders-notifier"): starts with secrets-store.sync.x-k8s.io, which the SecretSync CRD reserves for the sync controller (it labels each Secret it writes secrets-store.sync.x-k8s.io, an empty value); the API server refuses the SecretSync. Fix: remove it, or use a key with a prefix of your own (e.g. example.com/secretsync).`,
            `aks-keyvault-secrets:applications[${index}].env[0].key (app "orders-notifier"): "smtp-password" is not a key of synced Secret "orders-notifier-smtp". Fix: use one of: x_y.`,
        ]);
    });
});
