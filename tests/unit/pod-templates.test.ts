/** components/workload/pod-templates, against manifests shaped as the Kubernetes API shapes each kind. */
import { expect } from "chai";
import { isObject } from "../../components/shared/manifests";
import { POD_SPEC_PATHS, POD_TEMPLATE_TYPE_TOKENS, podTemplateOf, withPodTemplate } from "../../components/workload/pod-templates";

const podSpec = (image: string) => ({ containers: [{ name: "app", image }] });
const template = (image: string) => ({ metadata: { labels: { app: "a" } }, spec: podSpec(image) });
const selector = { matchLabels: { app: "a" } };

/** Every kind that carries a pod spec, with where the API keeps its pod template (none for a bare Pod). */
const MANIFESTS: Array<{
    manifest: Record<string, any>;
    template?: (m: Record<string, any>) => unknown;
    podSpec: (m: Record<string, any>) => unknown;
}> = [
    ...["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"].map((kind) => ({
        manifest: { apiVersion: "apps/v1", kind, metadata: { name: "a" }, spec: { selector, template: template(`${kind}:1`) } },
        template: (m: Record<string, any>) => m.spec.template,
        podSpec: (m: Record<string, any>) => m.spec.template.spec,
    })),
    {
        manifest: { apiVersion: "batch/v1", kind: "Job", metadata: { name: "a" }, spec: { backoffLimit: 1, template: template("job:1") } },
        template: (m) => m.spec.template,
        podSpec: (m) => m.spec.template.spec,
    },
    {
        manifest: {
            apiVersion: "batch/v1",
            kind: "CronJob",
            metadata: { name: "a" },
            spec: { schedule: "0 * * * *", jobTemplate: { spec: { template: template("cron:1") } } },
        },
        template: (m) => m.spec.jobTemplate.spec.template,
        podSpec: (m) => m.spec.jobTemplate.spec.template.spec,
    },
    { manifest: { apiVersion: "v1", kind: "Pod", metadata: { name: "a" }, spec: podSpec("pod:1") }, podSpec: (m) => m.spec },
    {
        manifest: {
            apiVersion: "v1",
            kind: "ReplicationController",
            metadata: { name: "a" },
            spec: { selector: { app: "a" }, template: template("rc:1") },
        },
        podSpec: (m) => m.spec.template.spec,
    },
];

/** The type token a resource transform sees for a manifest (`kubernetes:<group>/<version>:<kind>`, group `core` for v1). */
function typeToken(manifest: Record<string, any>): string {
    const apiVersion: string = manifest.apiVersion;
    return `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${manifest.kind}`;
}

/** What the library rewrites: the workload kinds with a pod template (a Pod and a ReplicationController are left alone). */
const REWRITTEN = MANIFESTS.filter((entry) => entry.template && entry.manifest.kind !== "ReplicationController");

describe("pod templates", () => {
    it("finds the pod template of every workload kind the library rewrites, and none in other kinds", () => {
        for (const { manifest, template: templateOf } of REWRITTEN) {
            expect(podTemplateOf(manifest), manifest.kind).to.equal(templateOf!(manifest));
        }
        for (const kind of ["Pod", "ReplicationController", "Service"]) {
            expect(podTemplateOf({ apiVersion: "v1", kind, spec: { template: template("x:1") } }), kind).to.equal(undefined);
        }
    });

    it("knows the rewritten kinds by the type token a resource transform sees", () => {
        expect(Object.entries(POD_TEMPLATE_TYPE_TOKENS).sort()).to.deep.equal(
            REWRITTEN.map(({ manifest }) => [typeToken(manifest), manifest.kind]).sort(),
        );
    });

    it("replaces the pod template without changing the input or sharing the objects on the way to it", () => {
        for (const { manifest } of REWRITTEN) {
            const before = JSON.parse(JSON.stringify(manifest));
            const replacement = template("new:2");
            const result = withPodTemplate(manifest, replacement);
            expect(podTemplateOf(result), manifest.kind).to.equal(replacement);
            expect(manifest, `${manifest.kind} input`).to.deep.equal(before);
            expect(result.spec, manifest.kind).to.not.equal(manifest.spec);
            expect({ ...result.spec, template: undefined, jobTemplate: undefined }, `${manifest.kind} other fields`).to.deep.equal({
                ...manifest.spec,
                template: undefined,
                jobTemplate: undefined,
            });
        }
        expect(() => withPodTemplate({ apiVersion: "v1", kind: "Service" }, template("x:1"))).to.throw(
            'kind "Service" has no pod template',
        );
    });

    it("leads a check of pod specs to the pod spec of every kind that has one, a Pod and a ReplicationController included", () => {
        expect(Object.keys(POD_SPEC_PATHS).sort()).to.deep.equal(MANIFESTS.map(({ manifest }) => typeToken(manifest)).sort());
        for (const { manifest, podSpec: podSpecOf } of MANIFESTS) {
            const reached = POD_SPEC_PATHS[typeToken(manifest)].reduce<unknown>(
                (node, key) => (isObject(node) ? node[key] : undefined),
                manifest,
            );
            expect(reached, manifest.kind).to.equal(podSpecOf(manifest));
        }
    });
});
