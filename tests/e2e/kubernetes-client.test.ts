/**
 * End to end: the Kubernetes provider's client rate as the program sets it, against the real provider and engine.
 * The external cluster's default provider reads `kubernetes:kubeClientSettings` from the stack file (as
 * Pulumi.local.yaml gives it), and an existing stack's explicit provider takes the program's settings as an update
 * of the provider alone: no object it manages is replaced.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as k8s from "@pulumi/kubernetes";
import { openLocalStack } from "../../localenv/harness/stack";
import { LocalEnvironment, startLocalEnvironment } from "../../localenv/harness/environment";
import { KUBERNETES_CLIENT_RATE, kubernetesClientSettings } from "../../components/shared/kubernetes-client";

const NAMESPACE = "client-rate";

function configMaps(count: number, opts?: { provider: k8s.Provider }): void {
    for (let index = 0; index < count; index++) {
        new k8s.core.v1.ConfigMap(
            `settings-${index}`,
            { metadata: { name: `settings-${index}`, namespace: NAMESPACE }, data: { index: String(index) } },
            opts,
        );
    }
}

describe("the Kubernetes provider's client rate (real engine, real provider, real kube-apiserver)", function () {
    this.timeout(10 * 60 * 1000);
    let environment: LocalEnvironment | undefined;

    before(async () => {
        environment = await startLocalEnvironment("akv-e2e-client-rate", [NAMESPACE]);
    });

    after(() => environment?.stop());

    it("the default provider of an external cluster takes its rate from the stack file's kubernetes:kubeClientSettings", async () => {
        const stack = await openLocalStack({
            ...environment!.stackOptions,
            stackName: "default-provider",
            stackConfig: {},
            program: async () => configMaps(2),
        });
        // The provider logs the rate it configured its client with at verbosity 9; logFlow hands the level to it.
        const result = await stack.up({ logFlow: true, logVerbosity: 9, logToStdErr: true });
        expect(result.summary.result).to.equal("succeeded");
        const output = result.stdout + result.stderr;
        expect(output).to.contain(`kube client QPS set to ${KUBERNETES_CLIENT_RATE.qps}`);
        expect(output).to.contain(`kube client burst set to ${KUBERNETES_CLIENT_RATE.burst}`);
        await stack.destroy();
    });

    it("an existing stack's explicit provider takes the program's rate as an update of the provider, replacing nothing", async () => {
        const kubeconfig = fs.readFileSync(environment!.stackOptions.kubeconfig, "utf8");
        const withSettings = (settings: boolean) => async () => {
            const provider = new k8s.Provider("cluster", {
                kubeconfig,
                ...(settings ? { kubeClientSettings: kubernetesClientSettings({}) } : {}),
            });
            configMaps(3, { provider });
        };
        const before = await openLocalStack({ ...environment!.stackOptions, stackName: "explicit-provider", program: withSettings(false) });
        expect((await before.up()).summary.result).to.equal("succeeded");

        const after = await openLocalStack({ ...environment!.stackOptions, stackName: "explicit-provider", program: withSettings(true) });
        const preview = await after.preview({ diff: true });
        expect(preview.changeSummary).to.deep.equal({ same: 4, update: 1 });
        const up = await after.up();
        expect(up.summary.resourceChanges).to.deep.equal({ same: 4, update: 1 });
        await after.destroy();
    });
});
