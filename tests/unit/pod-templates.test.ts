/** components/workload/pod-templates: where workload kinds keep their pod template and pod spec. */
import { expect } from "chai";
import { isObject } from "../../components/shared/manifests";
import { POD_SPEC_PATHS, POD_TEMPLATE_KINDS, POD_TEMPLATE_PATHS, POD_TEMPLATE_TYPE_TOKENS, podTemplateOf } from "../../components/workload/pod-templates";

describe("pod templates", () => {
    it("finds the pod spec of every template kind in its template, by the kind's type token", () => {
        for (const [token, kind] of Object.entries(POD_TEMPLATE_TYPE_TOKENS)) {
            expect(token.endsWith(`:${kind}`), token).to.equal(true);
            expect(POD_SPEC_PATHS[token], token).to.deep.equal([...POD_TEMPLATE_PATHS[kind], "spec"]);
        }
    });

    it("also knows the pod spec of a bare Pod and of a ReplicationController, which the library does not rewrite", () => {
        expect(POD_SPEC_PATHS["kubernetes:core/v1:Pod"]).to.deep.equal(["spec"]);
        expect(POD_SPEC_PATHS["kubernetes:core/v1:ReplicationController"]).to.deep.equal(["spec", "template", "spec"]);
        expect(Object.keys(POD_SPEC_PATHS)).to.have.length(Object.keys(POD_TEMPLATE_TYPE_TOKENS).length + 2);
        expect(POD_TEMPLATE_KINDS).to.deep.equal(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"]);
        expect(podTemplateOf({ kind: "ReplicationController", spec: { template: { spec: {} } } })).to.equal(undefined);
    });

    it("reads a pod spec at the path of the table", () => {
        const podSpec = { containers: [{ name: "app" }] };
        const cronJob = { apiVersion: "batch/v1", kind: "CronJob", spec: { jobTemplate: { spec: { template: { spec: podSpec } } } } };
        expect(podTemplateOf(cronJob)).to.deep.equal({ spec: podSpec });
        let current: unknown = cronJob;
        for (const key of POD_SPEC_PATHS["kubernetes:batch/v1:CronJob"]) {
            current = isObject(current) ? current[key] : undefined;
        }
        expect(current).to.equal(podSpec);
    });
});
