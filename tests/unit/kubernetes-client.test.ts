import { expect } from "chai";
import * as fc from "fast-check";
import * as k8s from "@pulumi/kubernetes";
import { KUBERNETES_CLIENT_RATE, KUBERNETES_CLIENT_RATE_ENV, kubernetesClientSettings } from "../../components/shared/kubernetes-client";
import { stackFileProviderConfig } from "../stack-files";

const envValue = fc.option(fc.oneof(fc.constant(""), fc.constant("-1"), fc.integer({ min: 1, max: 5000 }).map(String)), { nil: undefined });

describe("the Kubernetes provider's client rate", () => {
    it("is the program's rate without PULUMI_K8S_CLIENT_QPS and PULUMI_K8S_CLIENT_BURST", () => {
        expect(kubernetesClientSettings({})).to.deep.equal({ qps: 500, burst: 1000 });
        expect(kubernetesClientSettings({ PULUMI_K8S_CLIENT_QPS: "", PULUMI_K8S_CLIENT_BURST: "" })).to.deep.equal(KUBERNETES_CLIENT_RATE);
    });

    it("leaves each setting the environment gives to the SDK, which fills it from the same variable", () => {
        fc.assert(
            fc.property(envValue, envValue, (qps, burst) => {
                const env = { [KUBERNETES_CLIENT_RATE_ENV.qps]: qps, [KUBERNETES_CLIENT_RATE_ENV.burst]: burst };
                const settings = kubernetesClientSettings(env);
                expect(settings.qps).to.equal(qps ? undefined : KUBERNETES_CLIENT_RATE.qps);
                expect(settings.burst).to.equal(burst ? undefined : KUBERNETES_CLIENT_RATE.burst);
            }),
        );
    });

    it("ends up in the provider's inputs as the SDK sends them: the environment's value where the program left one out", () => {
        // Differential against the SDK's own defaults function, the one the generated Provider applies to kubeClientSettings.
        const withEnvironment = (env: Record<string, string>) => {
            const saved = { ...process.env };
            Object.assign(process.env, env);
            try {
                return k8s.types.input.kubeClientSettingsProvideDefaults(kubernetesClientSettings(process.env));
            } finally {
                for (const key of Object.values(KUBERNETES_CLIENT_RATE_ENV)) {
                    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- how a variable is unset: process.env is a map by Node's design
                    if (saved[key] === undefined) delete process.env[key];
                    else process.env[key] = saved[key];
                }
            }
        };
        expect(withEnvironment({ PULUMI_K8S_CLIENT_QPS: "-1" })).to.deep.include({ qps: -1, burst: KUBERNETES_CLIENT_RATE.burst });
        expect(withEnvironment({ PULUMI_K8S_CLIENT_QPS: "200", PULUMI_K8S_CLIENT_BURST: "400" })).to.deep.include({ qps: 200, burst: 400 });
    });

    it("is also the local stack's, whose external cluster the default provider serves from Pulumi.local.yaml", () => {
        expect(stackFileProviderConfig("local")["kubernetes:kubeClientSettings"]).to.deep.equal(KUBERNETES_CLIENT_RATE);
    });
});
