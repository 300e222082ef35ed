/** policy/kubernetes.ts: how the pack names a Kubernetes object. */
import { expect } from "chai";
import { kubernetesName, qualified } from "../../../policy/kubernetes";
import { UNKNOWN } from "../../../policy/props";
import { U, policyProxy } from "./fixtures";

describe("policy pack: Kubernetes names", () => {
    it("takes namespace and name from metadata, then the provider's namespace, then default", () => {
        expect(kubernetesName({ name: "res", props: { metadata: { name: "orders", namespace: "shop" } } })).to.deep.equal({
            namespace: "shop",
            name: "orders",
        });
        expect(
            kubernetesName({ name: "res", props: { metadata: { name: "orders" } }, provider: { props: { namespace: "apps" } } }),
        ).to.deep.equal({ namespace: "apps", name: "orders" });
        expect(
            kubernetesName({ name: "res", props: { metadata: { namespace: "" } }, provider: { props: { namespace: "" } } }),
        ).to.deep.equal({ namespace: "default", name: "res" });
    });

    it("keeps unknown parts unknown and writes them as (unknown)", () => {
        const ref = kubernetesName({ name: "res", props: policyProxy.unknownCheckingProxy({ metadata: { name: U, namespace: U } }) });
        expect(ref).to.deep.equal({ namespace: UNKNOWN, name: UNKNOWN });
        expect(qualified(ref)).to.equal("(unknown)/(unknown)");
        expect(qualified({ namespace: "shop", name: "orders" })).to.equal("shop/orders");
    });
});
