import { expect } from "chai";
import * as fc from "fast-check";
import * as path from "path";
import { parseArgs } from "../../../cli/args";
import { runDoctor } from "../../../cli/doctor";
import { diagnose, DoctorReport } from "../../../program/diagnosis/diagnose";
import { ClusterFacts, SecretSyncFact, StackOutputs } from "../../../program/diagnosis/facts";
import { recogniseMessage, shortMessage } from "../../../program/diagnosis/messages";
import { ClusterReadError } from "../../../program/cluster-api";
import { DOCTOR_EXIT_CODES, formatText } from "../../../cli/doctor/render";
import { CliIo } from "../../../cli/io";
import { NODE, NOW, ADDON, AZURE, classFact, pod, warning, status, secret, healthy, failing } from "./doctor-facts";

const only = (report: DoctorReport) => {
    expect(report.apps).to.have.length(1);
    return report.apps[0];
};

describe("doctor: reading the node's and Azure's messages", () => {
    it("a 403 of Key Vault (the node's FailedMount): the identity, its object ID, the action, the resource and the object", () => {
        expect(recogniseMessage(NODE.failedMount403)).to.deep.equal({
            kind: "forbidden",
            object: { type: "secret", name: "orders-db-password" },
            vault: "kv-local-demo",
            appId: ADDON,
            objectId: "1ab2888b-dba3-9736-dcfb-a7a0a43a6e20",
            action: "Microsoft.KeyVault/vaults/secrets/getSecret/action",
            resource: "kv-local-demo/secrets/orders-db-password",
        });
    });

    it("a 403 in the rotation reconciler's MountRotationFailed (no objectType wrapping: a certificate's version list)", () => {
        const found = recogniseMessage(NODE.mountRotationFailed403);
        expect(found).to.include({ kind: "forbidden", vault: "kv-local-demo", action: "Microsoft.KeyVault/vaults/certificates/read" });
        expect(found).to.not.have.property("object");
    });

    it("a 403 on Azure (RBAC, an ARM resource) and of a vault in access-policy mode", () => {
        expect(recogniseMessage(AZURE.forbiddenRbac)).to.include({
            kind: "forbidden",
            resource: "/subscriptions/0000/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv-prod/secrets/db",
            objectId: "66666666-7777-8888-9999-000000000000",
        });
        expect(recogniseMessage(AZURE.forbiddenAccessPolicy)).to.include({ kind: "forbidden", accessPolicy: true, vault: "kv-old" });
    });

    it("an object the vault does not hold (SecretNotFound)", () => {
        expect(recogniseMessage(NODE.failedMountSecretNotFound)).to.deep.equal({
            kind: "not-found",
            object: { type: "secret", name: "orders-api-key" },
            vault: "kv-local-demo",
            code: "SecretNotFound",
        });
    });

    it("no federated credential matches: the node's AADSTS700213 (subject only) and Azure's AADSTS70021 (issuer, subject, audience)", () => {
        expect(recogniseMessage(NODE.failedMountAadsts700213)).to.deep.equal({
            kind: "federated-credential",
            code: "AADSTS700213",
            subject: "system:serviceaccount:payments:payments",
        });
        expect(recogniseMessage(AZURE.aadsts70021)).to.deep.equal({
            kind: "federated-credential",
            code: "AADSTS70021",
            issuer: "https://westeurope.oic.prod-aks.azure.com/t/c/",
            subject: "system:serviceaccount:orders:orders-api",
            audience: "api://AzureADTokenExchange",
        });
    });

    it("a class the pod's namespace does not hold, no driver registered, a Secret a container waits for", () => {
        expect(recogniseMessage(NODE.failedMountClassMissing)).to.deep.equal({
            kind: "class-missing",
            namespace: "payments",
            className: "orders-api",
        });
        expect(recogniseMessage(AZURE.driverMissing)).to.deep.equal({ kind: "driver-missing" });
        expect(recogniseMessage(NODE.containerWaitingSecretNotFound)).to.deep.equal({
            kind: "secret-not-found",
            secretName: "orders-notifier-smtp",
        });
        expect(recogniseMessage(NODE.failedContainerEvent)).to.deep.equal({ kind: "secret-not-found", secretName: "orders-notifier-smtp" });
    });

    it("throttling (429), no answer (the mount's deadline, a connection that times out) and anything else (the first line, without the kubelet's and driver's wrapping)", () => {
        expect(recogniseMessage(NODE.failedMount429)).to.deep.include({ kind: "throttled", vault: "kv-local-demo" });
        expect(
            recogniseMessage(
                'MountVolume.SetUp failed for volume "secrets" : rpc error: code = DeadlineExceeded desc = context deadline exceeded',
            ),
        ).to.deep.equal({
            kind: "unanswered",
        });
        expect(
            recogniseMessage(
                "MountVolume.SetUp failed: rpc error: code = Unknown desc = failed to mount objects, error: failed to get objectType:secret, objectName:db, objectVersion:: GET https://kv-prod.vault.azure.net/secrets/db/ dial tcp 10.0.0.4:443: i/o timeout",
            ),
        ).to.deep.include({ kind: "unanswered", vault: "kv-prod" });
        expect(
            recogniseMessage(
                "MountVolume.SetUp failed: rpc error: code = Unknown desc = failed to mount objects, error: unexpected end of JSON input",
            ),
        ).to.deep.equal({
            kind: "other",
            summary: "unexpected end of JSON input",
        });
    });

    it("shortens a message to the provider's words and the HTTP status", () => {
        expect(shortMessage(NODE.failedMountSecretNotFound)).to.equal(
            "failed to get objectType:secret, objectName:orders-api-key, objectVersion:: GET https://kv-local-demo.vault.azure.net/secrets/orders-api-key/ -> 404 Not Found (SecretNotFound)",
        );
    });

    it("property: whatever the pod, namespace, volume and object names, the wrapping yields the object and the cause", () => {
        const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
        fc.assert(
            fc.property(name, name, name, name, fc.constantFrom("403", "404", "429"), (namespace, podName, volume, object, code) => {
                const inner = {
                    "403": `RESPONSE 403: 403 Forbidden\nERROR CODE: Forbidden\n{"error":{"code":"Forbidden","message":"Caller: appid=${ADDON};oid=${ADDON};iss=x"}}`,
                    "404": `RESPONSE 404: 404 Not Found\nERROR CODE: SecretNotFound\n{}`,
                    "429": `RESPONSE 429: 429 Too Many Requests\nERROR CODE: Throttled\n{}`,
                }[code];
                const message = `MountVolume.SetUp failed for volume "${volume}" : rpc error: code = Unknown desc = failed to mount secrets store objects for pod ${namespace}/${podName}, err: rpc error: code = Unknown desc = failed to mount objects, error: failed to get objectType:secret, objectName:${object}, objectVersion:: GET https://kv-x.vault.azure.net/secrets/${object}/\n${inner}`;
                const found = recogniseMessage(message);
                expect(found.kind).to.equal({ "403": "forbidden", "404": "not-found", "429": "throttled" }[code]);
                expect(found).to.deep.include({ object: { type: "secret", name: object }, vault: "kv-x" });
            }),
            { numRuns: 200 },
        );
    });
});

describe("doctor: the diagnosis", () => {
    it("a healthy app: pods mounted, first mount, versions, the synced Secret written by the driver and owned by the ReplicaSet", () => {
        const report = diagnose(healthy());
        expect(report.healthy).to.equal(true);
        expect(only(report)).to.deep.equal({
            app: "orders-api",
            namespace: "orders",
            classes: ["orders-api"],
            status: "healthy",
            pods: [{ name: "orders-api-5d9c-x1", ready: true, mounted: true }],
            mountedSince: "2026-12-06T00:34:19Z",
            versions: { "secret/orders-db-password": ["4b756eac"] },
            syncedSecrets: [
                {
                    name: "orders-api-keyvault",
                    present: true,
                    keys: ["db-password"],
                    owners: ["ReplicaSet/orders-api-5d9c"],
                    writtenBy: ["driver"],
                },
            ],
            causes: [],
        });
        expect(formatText(report)).to.equal(
            [
                "doctor: context akv-local, 1 app, 0 failing (checked 2026-12-06T01:00:00Z)",
                "cluster: CSIDriver secrets-store.csi.k8s.io present",
                "ok   orders-api (namespace orders, class orders-api): 1/1 pods Ready, 1 mounted (1 object); not rotated since the first mount 2026-12-06T00:34:19Z; synced Secrets: orders-api-keyvault present (keys db-password; written by the driver, owner ReplicaSet/orders-api-5d9c)",
                "",
            ].join("\n"),
        );
    });

    it("last rotated: the newest pod status written after its creation", () => {
        const report = diagnose(healthy({ podStatuses: [status("orders-api-5d9c-x1", { updated: "2026-12-06T00:50:02Z" })] }));
        expect(only(report).lastRotated).to.equal("2026-12-06T00:50:02Z");
        expect(formatText(report)).to.include("last rotated 2026-12-06T00:50:02Z");
    });

    it("a role missing: which identity lacks which role on which scope, with the az command", () => {
        const cause = only(diagnose(failing(NODE.failedMount403))).causes;
        expect(cause).to.deep.equal([
            {
                id: "role-missing",
                pods: ["orders-api-5d9c-x1"],
                cause: `Key Vault refused identity ${ADDON} (403 on secrets/getSecret/action) reading secret "orders-db-password" of vault kv-local-demo: it has no role on secrets/orders-db-password`,
                fix: 'az role assignment create --role "Key Vault Secrets User" --assignee-object-id 1ab2888b-dba3-9736-dcfb-a7a0a43a6e20 --assignee-principal-type ServicePrincipal --scope $(az keyvault show --name kv-local-demo --query id --output tsv)/secrets/orders-db-password (a new role assignment can take up to 10 minutes to reach Key Vault; the kubelet retries the mount meanwhile)',
                message:
                    "failed to get objectType:secret, objectName:orders-db-password, objectVersion:: GET https://kv-local-demo.vault.azure.net/secrets/orders-db-password/ -> 403 Forbidden (Forbidden)",
            },
        ]);
    });

    it("a role missing on Azure: the scope is Key Vault's ARM resource; the vault ID of the stack outputs when Key Vault names none", () => {
        expect(only(diagnose(failing(AZURE.forbiddenRbac))).causes[0].fix).to.include(
            "--scope /subscriptions/0000/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv-prod/secrets/db",
        );
        const outputs: StackOutputs = {
            applications: {
                "orders-api": { namespace: "orders", secretProviderClass: "orders-api", syncedSecrets: ["orders-api-keyvault"] },
            },
            platform: { keyVaultId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-local-demo" },
        };
        expect(only(diagnose(failing(NODE.failedMount403), { outputs })).causes[0].fix).to.include(
            "--scope /subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-local-demo/secrets/orders-db-password",
        );
        expect(only(diagnose(failing(NODE.mountRotationFailed403))).causes[0].fix).to.match(
            /^az role assignment create --role "Key Vault Certificate User" .*\/certificates\/signing-root-ca /,
        );
        expect(only(diagnose(failing(AZURE.forbiddenAccessPolicy))).causes[0].fix).to.match(
            /^switch the vault to RBAC \(az keyvault update --name kv-old --enable-rbac-authorization true\)/,
        );
    });

    it("an object not found: the object, the vault and the class, with create, recover or remove", () => {
        expect(only(diagnose(failing(NODE.failedMountSecretNotFound))).causes[0]).to.deep.include({
            id: "object-not-found",
            cause: 'Key Vault kv-local-demo holds no secret "orders-api-key" (SecretNotFound), which class orders/orders-api names',
            fix: "create it (az keyvault secret set --vault-name kv-local-demo --name orders-api-key ...), recover it if it was deleted (az keyvault secret recover --vault-name kv-local-demo --name orders-api-key), or remove it from the app's objects and pulumi up",
        });
    });

    it("no federated credential matches: the presented subject (and issuer when Entra names it) against the one a credential needs", () => {
        const facts = failing(NODE.failedMountAadsts700213, {
            classes: [
                classFact("orders-api", {
                    parameters: { keyvaultName: "kv-local-demo", clientID: "6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f" },
                }),
            ],
        });
        const cause = only(diagnose(facts)).causes[0];
        expect(cause.id).to.equal("federated-credential-mismatch");
        expect(cause.cause).to.equal(
            "Entra ID refused the pod's token for identity 6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f (AADSTS700213): no federated credential of that identity matches; the pod presented subject system:serviceaccount:payments:payments; a credential must have subject system:serviceaccount:orders:orders-api, issuer the cluster's OIDC issuer, audience api://AzureADTokenExchange",
        );
        const azure = only(
            diagnose(failing(AZURE.aadsts70021), {
                outputs: {
                    applications: { "orders-api": { namespace: "orders", secretProviderClass: "orders-api" } },
                    platform: { oidcIssuerUrl: "https://westeurope.oic.prod-aks.azure.com/t/c/" },
                },
            }),
        ).causes[0];
        expect(azure.cause).to.include(
            "the pod presented subject system:serviceaccount:orders:orders-api, issuer https://westeurope.oic.prod-aks.azure.com/t/c/, audience api://AzureADTokenExchange",
        );
        expect(azure.fix).to.include(
            "--issuer https://westeurope.oic.prod-aks.azure.com/t/c/ --subject system:serviceaccount:orders:orders-api --audiences api://AzureADTokenExchange",
        );
    });

    it("a class missing in the pod's namespace: from the pod alone, and the driver's message when it came", () => {
        const facts = healthy({
            classes: [classFact("orders-api", { namespace: "payments" })],
            pods: [pod("orders-api-5d9c-x1", { ready: false })],
            podStatuses: [],
            secrets: [],
            events: [warning("orders-api-5d9c-x1", NODE.failedMountClassMissing.replace("payments/", "orders/"))],
        });
        const app = diagnose(facts).apps.find((entry) => entry.namespace === "orders");
        expect(app?.causes).to.have.length(1);
        expect(app?.causes[0]).to.deep.include({
            id: "class-missing",
            cause: 'pod orders/orders-api-5d9c-x1 mounts class "orders-api", which namespace orders does not hold (namespace payments holds one of that name; a pod reads only its own namespace\'s classes)',
            fix: "declare the class in namespace orders (the app's namespace in the stack config) and pulumi up, or run the pod in payments",
        });
    });

    it("env without the mount: a pod waits for a synced Secret of a class it does not mount", () => {
        const facts = healthy({
            classes: [classFact("trap", { syncedSecrets: ["trap-synced"] })],
            pods: [
                pod("trap-7f9-a1", {
                    csiClasses: [],
                    csiVolumes: [],
                    envSecrets: ["trap-synced"],
                    ready: false,
                    waiting: [{ reason: "CreateContainerConfigError", message: 'secret "trap-synced" not found' }],
                }),
            ],
            podStatuses: [],
            secrets: [],
        });
        const app = only(diagnose(facts));
        expect(app.causes.map((cause) => cause.id)).to.deep.equal(["env-without-mount"]);
        expect(app.causes[0].fix).to.match(
            /^mount the class in this pod \(a csi volume, driver secrets-store\.csi\.k8s\.io, volumeAttributes\.secretProviderClass: trap/,
        );
        expect(app.syncedSecrets).to.deep.equal([{ name: "trap-synced", present: false, keys: [], owners: [], writtenBy: [] }]);
    });

    it("a pod that waits for its volume with nothing reported: after 45 s, the vault that does not answer; a timed-out mount names it too", () => {
        const waiting = (seconds: number) =>
            healthy({
                pods: [
                    pod("orders-api-5d9c-x1", {
                        ready: false,
                        waiting: [{ reason: "ContainerCreating", message: "" }],
                        created: new Date(Date.parse(NOW) - seconds * 1000).toISOString(),
                    }),
                ],
                podStatuses: [],
            });
        expect(only(diagnose(waiting(30))).causes.map((cause) => cause.id)).to.deep.equal(["pod-not-ready"]);
        const slow = only(diagnose(waiting(50))).causes;
        expect(slow.map((cause) => [cause.id, cause.cause])).to.deep.equal([
            [
                "keyvault-unanswered",
                "the pod has waited 50 s for class orders-api's volume with no mount and no error: Key Vault kv-local-demo or Entra ID did not answer the Azure provider (a broken network path: DNS, a firewall, a private endpoint, a proxy)",
            ],
        ]);
        expect(slow[0].fix).to.include("https://kv-local-demo.vault.azure.net");
        const mounted = healthy({
            pods: [
                pod("orders-api-5d9c-x1", {
                    ready: false,
                    waiting: [{ reason: "ContainerCreating", message: "" }],
                    created: "2026-12-06T00:50:00Z",
                }),
            ],
        });
        expect(only(diagnose(mounted)).causes.map((cause) => cause.id)).to.deep.equal(["pod-not-ready"]);
        const timedOut = only(
            diagnose(
                failing(
                    'MountVolume.SetUp failed for volume "keyvault-secrets" : rpc error: code = DeadlineExceeded desc = context deadline exceeded',
                ),
            ),
        ).causes;
        expect(timedOut.map((cause) => [cause.id, cause.cause, cause.message])).to.deep.equal([
            [
                "keyvault-unanswered",
                "the mount timed out: Key Vault kv-local-demo or Entra ID did not answer the Azure provider (a broken network path: DNS, a firewall, a private endpoint, a proxy)",
                "rpc error: code = DeadlineExceeded desc = context deadline exceeded",
            ],
        ]);
    });

    /** The stack outputs of the SecretSync app orders-notifier. */
    const NOTIFIER_OUTPUTS: StackOutputs = {
        applications: {
            "orders-notifier": {
                namespace: "orders",
                secretProviderClass: "orders-notifier",
                deployment: "orders-notifier",
                syncedSecrets: ["orders-notifier-smtp"],
            },
        },
    };

    /** orders-notifier's pod waits for its Secret, which the SecretSync `sync` (merged into a never-synced one) should write. */
    const notifierWaiting = (sync: Partial<SecretSyncFact>) =>
        healthy({
            classes: [classFact("orders-notifier")],
            pods: [
                pod("orders-notifier-58fd-k2", {
                    owner: "ReplicaSet/orders-notifier-58fd",
                    csiClasses: [],
                    csiVolumes: [],
                    envSecrets: ["orders-notifier-smtp"],
                    ready: false,
                    waiting: [{ reason: "CreateContainerConfigError", message: NODE.containerWaitingSecretNotFound }],
                }),
            ],
            podStatuses: [],
            secrets: [],
            secretSyncs: [{ namespace: "orders", name: "orders-notifier-smtp", className: "orders-notifier", ...sync }],
        });

    it("a SecretSync app (no CSI volume): waits for the sync controller, named with the SecretSync", () => {
        const facts = notifierWaiting({});
        const app = only(diagnose(facts, { outputs: NOTIFIER_OUTPUTS }));
        expect(app.causes.map((cause) => [cause.id, cause.cause])).to.deep.equal([
            [
                "secret-sync-pending",
                "pod waits for Secret orders-notifier-smtp, which SecretSync orders/orders-notifier-smtp (class orders-notifier) should write; no sync controller has written it",
            ],
        ]);
    });

    it("a SecretSync whose controller wrote the Secret once, or failed: the deletion and forceSynchronization, or the failed condition", () => {
        const deleted = only(diagnose(notifierWaiting({ lastSynced: "2026-12-06T00:50:00Z" }))).causes[0];
        expect(deleted.id).to.equal("secret-sync-pending");
        expect(deleted.cause).to.equal(
            "pod waits for Secret orders-notifier-smtp, which SecretSync orders/orders-notifier-smtp (class orders-notifier) last wrote at 2026-12-06T00:50:00Z; the Secret is gone since, and the sync controller writes it again only when a value, the class or the SecretSync changes",
        );
        expect(deleted.fix).to.match(
            /^kubectl patch secretsync -n orders orders-notifier-smtp --type merge -p "\{\\"spec\\":\{\\"forceSynchronization\\":\\"\$\(date \+%s\)\\"\}\}"/,
        );
        const failure = { type: "SecretUpdated", reason: "ProviderError", message: "fetching secrets from the provider failed: 403" };
        const failed = only(diagnose(notifierWaiting({ lastSynced: "2026-12-06T00:50:00Z", failure }))).causes[0];
        expect(failed.cause).to.equal(
            "pod waits for Secret orders-notifier-smtp, which SecretSync orders/orders-notifier-smtp (class orders-notifier) should write; the sync controller's last attempt failed (SecretUpdated ProviderError: fetching secrets from the provider failed: 403)",
        );
        expect(failed.fix).to.match(/^repair what the condition names \(kubectl get secretsync -n orders orders-notifier-smtp -o yaml/);
    });

    it("a SecretSync app's Secret: written by the sync controller (its label and SecretSync owner), not by the driver", () => {
        const synced = (labels: Record<string, string>) =>
            healthy({
                classes: [classFact("orders-notifier")],
                pods: [
                    pod("orders-notifier-58fd-k2", {
                        owner: "ReplicaSet/orders-notifier-58fd",
                        csiClasses: [],
                        csiVolumes: [],
                        envSecrets: ["orders-notifier-smtp"],
                    }),
                ],
                podStatuses: [],
                secrets: [
                    secret("orders-notifier-smtp", {
                        keys: ["smtp-password"],
                        labels,
                        owners: [{ apiVersion: "secret-sync.x-k8s.io/v1alpha1", kind: "SecretSync", name: "orders-notifier-smtp" }],
                        managers: ["secrets-store-sync-controller"],
                    }),
                ],
                secretSyncs: [{ namespace: "orders", name: "orders-notifier-smtp", className: "orders-notifier" }],
            });

        const report = diagnose(synced({ "secrets-store.sync.x-k8s.io": "", team: "orders" }), { outputs: NOTIFIER_OUTPUTS });
        const app = only(report);
        expect(app.status).to.equal("healthy");
        expect(app.syncedSecrets[0]).to.deep.include({ present: true, keys: ["smtp-password"], writtenBy: ["sync-controller"] });
        expect(formatText(report)).to.include(
            "orders-notifier-smtp present (keys smtp-password; written by the sync controller, owner SecretSync/orders-notifier-smtp)",
        );
        // the label without the controller's ownership is someone else's copy
        expect(only(diagnose(synced({ team: "orders" }), { outputs: NOTIFIER_OUTPUTS })).syncedSecrets[0].writtenBy).to.deep.equal([]);
    });

    it("a Secret name akv2k8s also writes: its owner names it", () => {
        const facts = healthy({
            secrets: [
                secret("orders-api-keyvault", {
                    owners: [
                        { apiVersion: "apps/v1", kind: "ReplicaSet", name: "orders-api-5d9c" },
                        { apiVersion: "spv.no/v2beta1", kind: "AzureKeyVaultSecret", name: "orders-db" },
                    ],
                }),
            ],
        });
        const app = only(diagnose(facts));
        expect(app.status).to.equal("failing");
        expect(app.syncedSecrets[0].writtenBy).to.deep.equal(["driver", "akv2k8s"]);
        expect(app.causes[0]).to.deep.include({
            id: "akv2k8s-secret-name",
            cause: "synced Secret orders/orders-api-keyvault is also written by akv2k8s (owner ReplicaSet/orders-api-5d9c, AzureKeyVaultSecret/orders-db): the two overwrite each other's values",
        });
        expect(app.causes[0].fix).to.include("e.g. orders-api-keyvault-csi");
    });

    it("throttling: the vault and how to read less", () => {
        const cause = only(diagnose(failing(NODE.failedMount429))).causes[0];
        expect(cause.id).to.equal("throttled");
        expect(cause.cause).to.match(/^Key Vault kv-local-demo throttled the provider \(429 Too Many Requests\) reading secret "/);
        expect(cause.fix).to.include("--rotation-poll-interval 5m");
    });

    it("the addon not enabled: one cluster cause, every app failing", () => {
        const report = diagnose(failing(AZURE.driverMissing, { csiDriver: false }));
        expect(report.healthy).to.equal(false);
        expect(report.clusterCauses.map((cause) => cause.id)).to.deep.equal(["addon-not-enabled"]);
        expect(report.clusterCauses[0].fix).to.match(/^az aks enable-addons --addons azure-keyvault-secrets-provider /);
        expect(only(report).causes.map((cause) => cause.id)).to.deep.equal(["addon-not-enabled"]);
    });

    it("reads only the events of the pods that exist now, and of a Ready pod only recent ones", () => {
        const stale = warning("orders-api-5d9c-x1", NODE.mountRotationFailed403, {
            reason: "MountRotationFailed",
            lastSeen: "2026-12-06T00:40:00Z",
        });
        const gone = warning("orders-api-5d9c-x1", NODE.failedMount403, { podUid: "uid-of-an-older-pod-of-that-name" });
        expect(diagnose(healthy({ events: [stale, gone] })).healthy).to.equal(true);
        const recent = { ...stale, lastSeen: "2026-12-06T00:58:00Z" };
        const app = only(diagnose(healthy({ events: [recent] })));
        expect(app.causes.map((cause) => cause.cause.split(":")[0])).to.deep.equal(["MountRotationFailed"]);
        expect(diagnose(healthy({ events: [recent] }), { recentSeconds: 60 }).healthy).to.equal(true);
    });

    it("leaves out a FailedMount of a volume that is not the driver's (the upstream lane's node showed one for the token volume)", () => {
        const other = warning(
            "orders-api-5d9c-x1",
            'MountVolume.SetUp failed for volume "kube-api-access-j464l" : failed to sync configmap cache: timed out waiting for the condition',
        );
        expect(diagnose(healthy({ events: [other] })).healthy).to.equal(true);
        const ours = warning("orders-api-5d9c-x1", NODE.failedMountSecretNotFound);
        expect(only(diagnose(healthy({ events: [other, ours] }))).causes.map((cause) => cause.id)).to.deep.equal(["object-not-found"]);
    });

    it("one cause line for the pods of a Deployment that fail alike; the app filter by namespace", () => {
        const facts = failing(NODE.failedMountSecretNotFound, {
            pods: [pod("orders-api-5d9c-x1", { ready: false }), pod("orders-api-5d9c-x2", { ready: false })],
            events: [
                warning("orders-api-5d9c-x1", NODE.failedMountSecretNotFound),
                warning("orders-api-5d9c-x2", NODE.failedMountSecretNotFound),
            ],
        });
        expect(only(diagnose(facts)).causes.map((cause) => cause.pods)).to.deep.equal([["orders-api-5d9c-x1", "orders-api-5d9c-x2"]]);
        expect(diagnose(facts, { namespace: "payments" }).apps).to.deep.equal([]);
    });
});

describe("doctor: the command", () => {
    function io(): CliIo & { out: string; err: string } {
        const sink = { out: "", err: "" };
        return Object.assign(sink, {
            cwd: path.join(__dirname, "../../fixtures/doctor"),
            stdout: (text: string) => (sink.out += text),
            stderr: (text: string) => (sink.err += text),
            readStdin: async () => "",
        });
    }

    it("exit codes: 0 healthy, 3 failing, 4 when the cluster can't be read; JSON with --output json", async () => {
        const ok = io();
        expect(await runDoctor(parseArgs(["doctor", "--output", "json"]), ok, async () => healthy())).to.equal(DOCTOR_EXIT_CODES.healthy);
        expect(JSON.parse(ok.out).healthy).to.equal(true);
        const bad = io();
        expect(await runDoctor(parseArgs(["doctor"]), bad, async () => failing(NODE.failedMountSecretNotFound))).to.equal(
            DOCTOR_EXIT_CODES.failing,
        );
        expect(bad.out).to.include("FAIL orders-api");
        const unreadable = io();
        const code = await runDoctor(parseArgs(["doctor", "--context", "x"]), unreadable, async () => {
            throw new ClusterReadError('the kubeconfig has no context "x" (it has akv-local); pass one of those to --context');
        });
        expect(code).to.equal(DOCTOR_EXIT_CODES.unreadable);
        expect(unreadable.err).to.equal(
            'aks-keyvault-secrets doctor: the kubeconfig has no context "x" (it has akv-local); pass one of those to --context (exit code 4)\n',
        );
    });

    it("passes --kubeconfig (resolved), --context and --namespace to the reader; refuses bad options with their fix", async () => {
        let seen: unknown;
        await runDoctor(
            parseArgs(["doctor", "--kubeconfig", "kc.yaml", "--context", "aks-prod", "--namespace", "orders"]),
            io(),
            async (options) => {
                seen = options;
                return healthy();
            },
        );
        expect(seen).to.deep.equal({
            kubeconfig: path.join(__dirname, "../../fixtures/doctor/kc.yaml"),
            context: "aks-prod",
            namespace: "orders",
        });
        const read = async () => healthy();
        await expectUsage(["doctor", "--output", "yaml"], '--output takes text or json, got "yaml"', read);
        await expectUsage(["doctor", "--recent", "soon"], '--recent takes whole seconds, got "soon"', read);
        await expectUsage(["doctor", "--out", "x"], "doctor does not take --out", read);
        await expectUsage(["doctor", "orders"], "doctor takes no arguments (got orders)", read);
        await expectUsage(
            ["doctor", "--stack-outputs", "node-messages.json"],
            '--stack-outputs node-messages.json has no "applications" object',
            read,
        );
    });

    async function expectUsage(argv: string[], message: string, read: () => Promise<ClusterFacts>): Promise<void> {
        try {
            await runDoctor(parseArgs(argv), io(), read);
        } catch (error) {
            expect((error as Error).message).to.include(message);
            return;
        }
        expect.fail(`${argv.join(" ")} was accepted`);
    }
});
