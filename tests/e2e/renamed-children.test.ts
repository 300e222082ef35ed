/**
 * End to end: stacks made before ServiceAccount and Namespace children were named after their Kubernetes object
 * (`<app>-sa`, `<app>-ns`) keep those objects: the old names are aliases, so the next `up` neither deletes nor
 * re-creates them (same uid). Real engine, real kube-apiserver.
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { LocalEnvironment, startLocalEnvironment } from "../../localenv/harness/environment";
import { openLocalStack } from "../../localenv/harness/stack";
import { stackProgram } from "../../program/entry";

const NAMESPACE = "renamed-children";

describe("renamed Namespace and ServiceAccount children (real engine, real kube-apiserver)", function () {
    this.timeout(10 * 60 * 1000);
    let environment: LocalEnvironment | undefined;

    before(async () => {
        environment = await startLocalEnvironment("akv-e2e-renamed");
    });

    after(() => environment?.stop());

    it("keeps the objects of a stack made with the old names", async () => {
        const kube = environment!.kube;
        const labels = { "app.kubernetes.io/name": "orders-api", "app.kubernetes.io/managed-by": "pulumi" };
        const old = await openLocalStack({
            ...environment!.stackOptions,
            stackName: "renamed",
            program: async () => {
                const app = new pulumi.ComponentResource("akvsecrets:index:AppWorkload", "orders-api");
                const namespace = new k8s.core.v1.Namespace("orders-api-ns", { metadata: { name: NAMESPACE, labels } }, { parent: app });
                new k8s.core.v1.ServiceAccount(
                    "orders-api-sa",
                    { metadata: { name: "orders-api", namespace: NAMESPACE, labels } },
                    { parent: app, dependsOn: [namespace] },
                );
            },
        });
        expect((await old.up()).summary.result).to.equal("succeeded");
        const uids = async () => ({
            namespace: (await kube.get(`/api/v1/namespaces/${NAMESPACE}`)).metadata.uid,
            serviceAccount: (await kube.get(`/api/v1/namespaces/${NAMESPACE}/serviceaccounts/orders-api`)).metadata.uid,
        });
        const before = await uids();

        const current = await openLocalStack({
            ...environment!.stackOptions,
            stackName: "renamed",
            stackConfig: {
                cluster: { mode: "external", addonIdentityClientId: "3b1d7f0e-5a2c-4e8b-9d6f-1a2b3c4d5e6f" },
                keyVault: { mode: "external", name: "kv-local-demo", tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47" },
                applications: [
                    {
                        name: "orders-api",
                        namespace: NAMESPACE,
                        createNamespace: true,
                        identity: { mode: "addon" },
                        objects: [{ objectName: "orders-db-password", objectType: "secret" }],
                        deployment: { image: "registry.example/orders-api:1.4.2", skipAwait: true },
                    },
                ],
            },
            program: async () => {
                const outputs = await stackProgram();
                return { platform: outputs.platform, applications: outputs.applications };
            },
        });
        const preview = await current.preview();
        // Only the new objects (SecretProviderClass, Deployment) are created; nothing is deleted or replaced. The
        // Namespace and ServiceAccount are updated in place: they gain the owner-stack annotation (docs/ownership.md).
        expect(preview.changeSummary).to.deep.equal({ create: 2, same: 2, update: 2 });
        expect((await current.up()).summary.result).to.equal("succeeded");
        expect(await uids()).to.deep.equal(before);
        expect((await current.destroy()).summary.result).to.equal("succeeded");
    });
});
