/** policy/workloads.ts: pod templates that read a synced Secret mount the class that syncs it. */
import { expect } from "chai";
import { syncedSecretConsumersMountCsiVolume } from "../../../policy/workloads";
import { PROJECT, StackResourceInput, U, policyProxy, spc, spcSpec, stackViolations } from "./fixtures";

describe("synced-secret-consumers-mount-csi-volume", () => {
    const SPC = spc(spcSpec({}, [{ secretName: "orders-db", type: "Opaque", data: [{ key: "password", objectName: "db-password" }] }]));
    const spcResource: StackResourceInput = { type: SPC.type, name: "orders", props: SPC.props };
    const csiVolume = (secretProviderClass: unknown, driver: unknown = "secrets-store.csi.k8s.io") => ({
        name: "secrets-store",
        csi: { driver, readOnly: true, volumeAttributes: { secretProviderClass } },
    });
    const podSpec = (
        volumes: unknown[],
        env: unknown[] = [{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "orders-db", key: "password" } } }],
        extra: Record<string, unknown> = {},
    ) => ({
        containers: [
            {
                name: "app",
                image: "orders:1",
                env,
                volumeMounts: [{ name: "secrets-store", mountPath: "/mnt/secrets-store", readOnly: true }],
            },
        ],
        volumes,
        ...extra,
    });
    const deployment = (spec: unknown, namespace: string | null = "orders", name = "orders"): StackResourceInput => ({
        type: "kubernetes:apps/v1:Deployment",
        name,
        props: {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name, ...(namespace ? { namespace } : {}) },
            spec: { replicas: 2, template: { spec } },
        },
    });

    it("passes a workload that mounts the class that syncs the Secret", () => {
        expect(
            stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, deployment(podSpec([csiVolume("orders")]))]),
        ).to.deep.equal([]);
    });

    it("passes when no class syncs Secrets, or the Secret is not synced, or it lives in another namespace", () => {
        const plain = spc(spcSpec({}));
        expect(
            stackViolations(syncedSecretConsumersMountCsiVolume, [
                { type: plain.type, name: "orders", props: plain.props },
                deployment(podSpec([])),
            ]),
        ).to.deep.equal([]);
        const other = podSpec([], [{ name: "X", valueFrom: { secretKeyRef: { name: "unrelated", key: "k" } } }]);
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, deployment(other)])).to.deep.equal([]);
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, deployment(podSpec([]), "billing")])).to.deep.equal([]);
    });

    it("flags a Deployment that reads the synced Secret without mounting the CSI volume", () => {
        const found = stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, deployment(podSpec([]))]);
        expect(found).to.deep.equal([
            {
                message:
                    'Deployment "orders/orders" reads Secret "orders-db" through env DB_PASSWORD (secretKeyRef) of container "app", and that Secret is synced by ' +
                    'SecretProviderClass "orders" (secretObjects), but the pod template mounts no secrets-store.csi.k8s.io volume. The driver creates and ' +
                    "refreshes a synced Secret only while a pod mounts the CSI volume, so these pods can fail with CreateContainerConfigError (secret not found). " +
                    'Add a volume { csi: { driver: "secrets-store.csi.k8s.io", readOnly: true, volumeAttributes: { secretProviderClass: "orders" } } } and mount it in a container.',
                urn: `urn:pulumi:prod::${PROJECT}::kubernetes:apps/v1:Deployment::orders`,
            },
        ]);
    });

    it("flags a workload that mounts a different class", () => {
        const [finding] = stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, deployment(podSpec([csiVolume("billing")]))]);
        expect(finding.message).to.include(
            'but the pod template mounts secrets-store.csi.k8s.io volumes only for SecretProviderClass "billing".',
        );
    });

    it("finds envFrom, secret volumes, projected volumes and init containers, in every workload kind", () => {
        const envFrom = podSpec([], [], { containers: [{ name: "app", envFrom: [{ secretRef: { name: "orders-db" } }] }] });
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, deployment(envFrom)])[0].message).to.include(
            'through envFrom secretRef of container "app"',
        );
        const secretVolume = podSpec([{ name: "db", secret: { secretName: "orders-db" } }], []);
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, deployment(secretVolume)])[0].message).to.include(
            'through secret volume "db"',
        );
        const projected = podSpec([{ name: "all", projected: { sources: [{ secret: { name: "orders-db" } }] } }], []);
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, deployment(projected)])[0].message).to.include(
            'through projected volume "all"',
        );
        const init = {
            initContainers: [
                { name: "migrate", env: [{ name: "PW", valueFrom: { secretKeyRef: { name: "orders-db", key: "password" } } }] },
            ],
            containers: [{ name: "app" }],
        };
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, deployment(init)])[0].message).to.include(
            'env PW (secretKeyRef) of container "migrate"',
        );

        const pod: StackResourceInput = {
            type: "kubernetes:core/v1:Pod",
            name: "debug",
            props: { metadata: { name: "debug", namespace: "orders" }, spec: podSpec([]) },
        };
        const cron: StackResourceInput = {
            type: "kubernetes:batch/v1:CronJob",
            name: "report",
            props: {
                metadata: { name: "report", namespace: "orders" },
                spec: { jobTemplate: { spec: { template: { spec: podSpec([]) } } } },
            },
        };
        const statefulSet: StackResourceInput = { ...deployment(podSpec([])), type: "kubernetes:apps/v1:StatefulSet", name: "db" };
        const found = stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, pod, cron, statefulSet]);
        expect(found.map((f) => f.message.split(" reads ")[0])).to.deep.equal([
            'Pod "orders/debug"',
            'CronJob "orders/report"',
            'StatefulSet "orders/orders"',
        ]);
    });

    it("reports each Secret once per workload", () => {
        const twice = podSpec(
            [],
            [
                { name: "A", valueFrom: { secretKeyRef: { name: "orders-db", key: "password" } } },
                { name: "B", valueFrom: { secretKeyRef: { name: "orders-db", key: "password" } } },
            ],
        );
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, deployment(twice)])).to.have.length(1);
    });

    it("resolves namespaces through the provider, then default", () => {
        const spcNoNs = spc(
            spcSpec({}, [{ secretName: "orders-db", type: "Opaque", data: [{ key: "password", objectName: "db-password" }] }]),
            "orders",
            null,
        );
        const resources = [{ type: spcNoNs.type, name: "orders", props: spcNoNs.props }, deployment(podSpec([]), null)];
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, resources)[0].message).to.match(/^Deployment "default\/orders"/);
        const viaProvider = resources.map((resource) => ({ ...resource, providerProps: { namespace: "apps" } }));
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, viaProvider)[0].message).to.match(/^Deployment "apps\/orders"/);
    });

    it("skips workloads whose volumes or names are unknown during preview", () => {
        const unknownVolumes = deployment({
            containers: [{ name: "app", env: [{ name: "DB", valueFrom: { secretKeyRef: { name: "orders-db", key: "p" } } }] }],
            volumes: policyProxy.unknownArrayValue,
        });
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, unknownVolumes], { preview: true })).to.deep.equal([]);
        const unknownDriver = deployment(podSpec([csiVolume("orders", U)]));
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, unknownDriver], { preview: true })).to.deep.equal([]);
        const unknownNamespace = {
            ...deployment(podSpec([])),
            props: { metadata: { name: "orders", namespace: U }, spec: { template: { spec: podSpec([]) } } },
        };
        expect(stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, unknownNamespace], { preview: true })).to.deep.equal([]);
        const unknownSpcNamespace = { ...spcResource, props: { ...SPC.props, metadata: { name: "orders", namespace: U } } };
        expect(
            stackViolations(syncedSecretConsumersMountCsiVolume, [unknownSpcNamespace, deployment(podSpec([]))], { preview: true }),
        ).to.deep.equal([]);
        expect(
            stackViolations(syncedSecretConsumersMountCsiVolume, [spcResource, deployment(podSpec([]))], { preview: true }),
        ).to.have.length(1);
    });
});
