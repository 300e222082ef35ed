import { expect } from "chai";
import * as k8s from "@pulumi/kubernetes";
import * as authorization from "@pulumi/azure-native/authorization";
import { registered, resetRegistrations, settle } from "../../../tests/mocks";
import { floorConfigMaps, registerFlat, sdkClassOf } from "../flat-replay";
import { recordedFromState } from "../real-engine";

describe("benchmark floors", () => {
    beforeEach(resetRegistrations);

    it("finds the SDK class of every resource type the program registers", () => {
        expect(sdkClassOf("kubernetes:apps/v1:Deployment")).to.equal(k8s.apps.v1.Deployment);
        expect(sdkClassOf("kubernetes:core/v1:ServiceAccount")).to.equal(k8s.core.v1.ServiceAccount);
        expect(sdkClassOf("azure-native:authorization:RoleAssignment")).to.equal(authorization.RoleAssignment);
        // A custom resource definition has no class of its own.
        expect(sdkClassOf("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass").prototype).to.be.instanceOf(
            k8s.apiextensions.CustomResource,
        );
    });

    it("refuses a type it cannot map", () => {
        expect(() => sdkClassOf("aws:s3:Bucket")).to.throw("no SDK class for resource type aws:s3:Bucket");
        expect(() => sdkClassOf("azure-native:authorization:NoSuchThing")).to.throw(
            "no SDK class for resource type azure-native:authorization:NoSuchThing",
        );
    });

    it("registers recorded resources flat, with their inputs", async () => {
        registerFlat([
            ...floorConfigMaps(2),
            { type: "kubernetes:core/v1:ServiceAccount", name: "app-sa", inputs: { metadata: { name: "app", namespace: "team" } } },
        ]);
        await settle();
        expect(registered("kubernetes:core/v1:ConfigMap", "floor-1").inputs.metadata).to.deep.equal({
            name: "floor-1",
            namespace: "bench",
        });
        const serviceAccount = registered("kubernetes:core/v1:ServiceAccount", "app-sa");
        expect(serviceAccount.inputs.metadata).to.deep.equal({ name: "app", namespace: "team" });
    });

    it("reads the custom resources back from a stack's state, without providers, components or the stack", () => {
        const recorded = recordedFromState([
            { urn: "urn:pulumi:b::p::pulumi:pulumi:Stack::p-b", type: "pulumi:pulumi:Stack" },
            { urn: "urn:pulumi:b::p::pulumi:providers:kubernetes::default", type: "pulumi:providers:kubernetes", custom: true },
            { urn: "urn:pulumi:b::p::akvsecrets:index:AppWorkload::app", type: "akvsecrets:index:AppWorkload", custom: false },
            {
                urn: "urn:pulumi:b::p::akvsecrets:index:AppWorkload$kubernetes:core/v1:ServiceAccount::app-sa",
                type: "kubernetes:core/v1:ServiceAccount",
                custom: true,
                inputs: { metadata: { name: "app" } },
            },
        ]);
        expect(recorded).to.deep.equal([
            { type: "kubernetes:core/v1:ServiceAccount", name: "app-sa", inputs: { metadata: { name: "app" } } },
        ]);
    });
});
