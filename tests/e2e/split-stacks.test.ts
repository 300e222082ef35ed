/**
 * End to end: a platform stack and an app stack of this program on one local API server, the app stack reading the
 * platform through a real StackReference (file backend). Both go up; destroying the app stack leaves every object of
 * the platform stack as it was (same uid, same resourceVersion), including a namespace the platform owns and the
 * app stack's apps live in; an app stack that would declare a platform object fails its preview.
 */
import { expect } from "chai";
import { Stack } from "@pulumi/pulumi/automation";
import { KubeClient } from "../../localenv/harness/kube";
import { LocalEnvironment, startLocalEnvironment } from "../../localenv/harness/environment";
import { localStackConfig, openLocalStack } from "../../localenv/harness/stack";
import { CONFIG_NAMESPACE } from "../../program/config";

const SPC_API = "secrets-store.csi.x-k8s.io/v1";
const MANAGED = "app.kubernetes.io/managed-by=pulumi";
const SHARED_NAMESPACE = "platform-shared";

/** Every object the program manages in `namespaces`, with the uid and resourceVersion that prove it untouched. */
async function managedObjects(kube: KubeClient, namespaces: string[]): Promise<Record<string, string>> {
    const found: Record<string, string> = {};
    for (const namespace of namespaces) {
        for (const [groupVersion, plural] of [
            [SPC_API, "secretproviderclasses"],
            ["v1", "serviceaccounts"],
            ["apps/v1", "deployments"],
        ]) {
            const prefix = groupVersion === "v1" ? "/api/v1" : `/apis/${groupVersion}`;
            for (const name of await kube.names(groupVersion, plural, namespace, MANAGED)) {
                const object = await kube.get(`${prefix}/namespaces/${namespace}/${plural}/${name}`);
                found[`${plural}/${namespace}/${name}`] = `${object.metadata.uid}@${object.metadata.resourceVersion}`;
            }
        }
    }
    const shared = await kube.find(`/api/v1/namespaces/${SHARED_NAMESPACE}`);
    if (shared) {
        found[`namespaces/${SHARED_NAMESPACE}`] = `${shared.metadata.uid}@${shared.status.phase}`;
    }
    return found;
}

function app(name: string, namespace: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        name,
        namespace,
        identity: { mode: "addon" },
        objects: [{ objectName: `${name}-password`, objectType: "secret" }],
        syncedSecrets: [{ secretName: `${name}-keyvault`, type: "Opaque", data: [{ key: "password", objectName: `${name}-password` }] }],
        env: [{ name: "PASSWORD", secretName: `${name}-keyvault`, key: "password" }],
        deployment: { image: `registry.example/${name}:1.0.0`, skipAwait: true },
        ...extra,
    };
}

describe("platform stack and app stack (real StackReference, real kube-apiserver)", function () {
    this.timeout(15 * 60 * 1000);
    let environment: LocalEnvironment | undefined;
    let platform: Stack;
    let apps: Stack;
    const local = localStackConfig();
    const appStackConfig = (applications: unknown[]) => ({ platformStack: "organization/aks-keyvault-secrets/platform", applications });

    before(async () => {
        environment = await startLocalEnvironment("akv-e2e-split");
        platform = await openLocalStack({
            ...environment.stackOptions,
            stackName: "platform",
            // The local config's cluster and vault, its payments-namespace apps, and one app in a namespace it creates.
            stackConfig: {
                cluster: local.cluster,
                keyVault: local.keyVault,
                applications: [
                    ...local.applications.filter((a: { namespace: string }) => a.namespace === "payments"),
                    app("ingress-certs", SHARED_NAMESPACE, { createNamespace: true }),
                ],
            },
        });
        apps = await openLocalStack({
            ...environment.stackOptions,
            stackName: "orders",
            stackConfig: appStackConfig([app("orders-api", "orders"), app("orders-certs", SHARED_NAMESPACE)]),
        });
    });

    after(async () => {
        await platform?.destroy().catch(() => undefined);
        await environment?.stop();
    });

    it("ups the platform, then the app stack with the platform's vault, tenant and addon identity", async () => {
        expect((await platform.up()).summary.result).to.equal("succeeded");
        const up = await apps.up();
        expect(up.summary.result).to.equal("succeeded");
        // stack + provider + 2 x (AppWorkload + SecretProviderClass + ServiceAccount + Deployment); the StackReference is a read
        expect(up.summary.resourceChanges).to.deep.equal({ create: 10 });
        const spc = await environment!.kube.get(`/apis/${SPC_API}/namespaces/${SHARED_NAMESPACE}/secretproviderclasses/orders-certs`);
        expect(spc.spec.parameters).to.deep.include({
            keyvaultName: local.keyVault.name,
            tenantID: local.keyVault.tenantId,
            userAssignedIdentityID: local.cluster.addonIdentityClientId,
        });
        const state = (await apps.exportStack()).deployment.resources as Array<{ type: string }>;
        expect(state.filter((r) => r.type.startsWith("azure-native:") || r.type === "kubernetes:core/v1:Namespace")).to.deep.equal([]);
    });

    it("fails the app stack's preview when it would declare an object the platform stack owns", async () => {
        await apps.setConfig(`${CONFIG_NAMESPACE}:applications`, {
            value: JSON.stringify([app("orders-api", "orders"), app("orders-certs", SHARED_NAMESPACE, { createNamespace: true })]),
        });
        let output = "";
        const error = await apps.preview({ onOutput: (text) => (output += text) }).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(error, "preview should fail").to.be.instanceOf(Error);
        expect(output + String(error)).to.contain(
            `${CONFIG_NAMESPACE}:applications[1].createNamespace (app "orders-certs"): Namespace ${SHARED_NAMESPACE} is already declared by stack organization/aks-keyvault-secrets/platform`,
        );
        await apps.setConfig(`${CONFIG_NAMESPACE}:applications`, {
            value: JSON.stringify(appStackConfig([app("orders-api", "orders"), app("orders-certs", SHARED_NAMESPACE)]).applications),
        });
        await apps.preview({ expectNoChanges: true });
    });

    it("destroying the app stack removes its objects and leaves the platform's untouched", async () => {
        const kube = environment!.kube;
        const platformBefore = await managedObjects(kube, ["payments", SHARED_NAMESPACE]);
        const appObjects = Object.keys(await managedObjects(kube, ["orders", SHARED_NAMESPACE])).filter((id) => id.includes("orders-"));
        expect(appObjects.sort()).to.deep.equal([
            "deployments/orders/orders-api",
            `deployments/${SHARED_NAMESPACE}/orders-certs`,
            "secretproviderclasses/orders/orders-api",
            `secretproviderclasses/${SHARED_NAMESPACE}/orders-certs`,
            "serviceaccounts/orders/orders-api",
            `serviceaccounts/${SHARED_NAMESPACE}/orders-certs`,
        ]);
        expect((await apps.destroy()).summary.result).to.equal("succeeded");
        // Deployments skip the rollout wait, so the garbage collector may finish their deletion a moment later.
        let remaining = Object.keys(await managedObjects(kube, ["orders", SHARED_NAMESPACE])).filter((id) => id.includes("orders-"));
        for (let attempt = 0; attempt < 60 && remaining.length > 0; attempt++) {
            await new Promise((resolve) => setTimeout(resolve, 500));
            remaining = Object.keys(await managedObjects(kube, ["orders", SHARED_NAMESPACE])).filter((id) => id.includes("orders-"));
        }
        expect(remaining).to.deep.equal([]);
        const platformAfter = await managedObjects(kube, ["payments", SHARED_NAMESPACE]);
        const platformOnly = (objects: Record<string, string>) =>
            Object.fromEntries(Object.entries(objects).filter(([id]) => !id.includes("orders-")));
        expect(platformAfter).to.deep.equal(platformOnly(platformBefore));
        expect(Object.keys(platformAfter)).to.include(`namespaces/${SHARED_NAMESPACE}`);
        await platform.preview({ expectNoChanges: true });
    });
});
