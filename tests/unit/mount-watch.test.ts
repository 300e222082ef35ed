/** program/mount-watch.ts: during `up`, each failing pod's cause and fix, printed once, after two reads agree. */
import { expect } from "chai";
import { diagnose } from "../../program/diagnosis/diagnose";
import { ClusterFacts } from "../../program/diagnosis/facts";
import { parseStackConfig } from "../../program/config";
import { MountWaitMessage, mountWaitCauses, watchMounts } from "../../program/mount-watch";
import { ADDON, NODE, failing, healthy, pod } from "./cli/doctor-facts";

const config = parseStackConfig({
    cluster: { mode: "external", addonIdentityClientId: ADDON },
    keyVault: { mode: "external", name: "kv-local-demo", tenantId: "6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", checkContents: false },
    applications: [
        {
            name: "orders-api",
            namespace: "orders",
            identity: { mode: "addon" },
            objects: [{ objectName: "orders-db-password", objectType: "secret" }],
        },
    ],
});

describe("mount watch during up", () => {
    it("one message per failing pod and cause of the stack's apps, naming doctor; nothing for a healthy or foreign app", () => {
        const messages = [
            ...mountWaitCauses(diagnose(failing(NODE.failedMount403), { namespace: "orders" }), new Set(["orders-api"])).entries(),
        ];
        expect(messages).to.have.length(1);
        const [key, message] = messages[0];
        expect(key).to.equal("orders/orders-api-5d9c-x1/role-missing");
        expect(message.app).to.equal("orders-api");
        expect(message.text).to.match(
            /^app "orders-api" pod orders-api-5d9c-x1 waits: Key Vault refused identity .+\. Fix: az role assignment create --role "Key Vault Secrets User" .+\. \(aks-keyvault-secrets doctor --namespace orders shows every app\)$/,
        );
        expect(mountWaitCauses(diagnose(healthy(), { namespace: "orders" }), new Set(["orders-api"])).size).to.equal(0);
        expect(mountWaitCauses(diagnose(failing(NODE.failedMount403), { namespace: "orders" }), new Set(["payments"])).size).to.equal(0);
    });

    it("a pod that is only starting (not Ready, no failure) is not reported", () => {
        const starting = healthy({
            pods: [pod("orders-api-5d9c-x1", { ready: false, waiting: [{ reason: "ContainerCreating", message: "" }] })],
            podStatuses: [],
        });
        expect([...mountWaitCauses(diagnose(starting, { namespace: "orders" }), new Set(["orders-api"])).keys()]).to.deep.equal([]);
    });

    it("prints a cause when two reads in a row find it, once, and stops", async () => {
        const reads: ClusterFacts[] = [
            failing(NODE.failedMount403),
            healthy(),
            failing(NODE.failedMount403),
            failing(NODE.failedMount403),
            failing(NODE.failedMount403),
        ];
        const printed: MountWaitMessage[] = [];
        let read = 0;
        const stop = watchMounts(
            config,
            {},
            (message) => printed.push(message),
            async () => reads[Math.min(read++, reads.length - 1)],
            5,
        );
        await new Promise((resolve) => setTimeout(resolve, 80));
        stop();
        expect(read).to.be.at.least(5);
        expect(printed.map((message) => message.app)).to.deep.equal(["orders-api"]);
        const after = read;
        await new Promise((resolve) => setTimeout(resolve, 30));
        expect(read, "no read after stop").to.equal(after);
    });

    it("a cluster it cannot read prints nothing", async () => {
        const printed: MountWaitMessage[] = [];
        const stop = watchMounts(
            config,
            {},
            (message) => printed.push(message),
            () => Promise.reject(new Error("connection refused")),
            5,
        );
        await new Promise((resolve) => setTimeout(resolve, 40));
        stop();
        expect(printed).to.deep.equal([]);
    });
});
