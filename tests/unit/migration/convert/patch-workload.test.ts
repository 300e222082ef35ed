import { expect } from "chai";
import { migrate } from "../../../../migration/convert/migrate";
import { TWO_IDENTITIES, convert, manifestsOf, manifestsOfText, podSpecOf, withCode } from "../helpers";

/** Rewriting a workload manifest to read synced Secrets and mount the apps' volumes (migration/convert/patch-workload.ts). */
describe("migration: patching workloads", () => {
    const result = convert(["akv2k8s/mappings.yaml", "workloads/shop.yaml"]);
    const migrator = result.workloads.find((w) => w.name === "orders-db-migrator")!;

    describe("references to akv2k8s Secrets are rewritten to the synced Secrets", () => {
        it("leaves nothing kubectl get adds, so the manifest can be applied", () => {
            expect(Object.keys(migrator.manifest)).to.deep.equal(["apiVersion", "kind", "metadata", "spec"]);
        });
    });

    it("a workload reading apps of two vaults mounts one volume per app", () => {
        const result = convert(["akv2k8s/kubectl-list.yaml"]);
        expect(result.workloads).to.deep.equal([]);
        const withWorkload = migrate([
            ...manifestsOf("akv2k8s/kubectl-list.yaml"),
            ...manifestsOfText(`apiVersion: apps/v1
kind: Deployment
metadata: { name: orders, namespace: orders }
spec:
  selector: { matchLabels: { app: orders } }
  template:
    metadata: { labels: { app: orders } }
    spec:
      containers:
        - name: api
          image: orders:1
          envFrom:
            - secretRef: { name: orders }
`),
        ]);
        const spec = podSpecOf(withWorkload.workloads[0].manifest);
        expect(spec.containers[0].envFrom).to.deep.equal([
            { secretRef: { name: "orders-csi-2" } },
            { secretRef: { name: "orders-csi-3" } },
        ]);
        expect(spec.volumes.map((v: any) => [v.name, v.csi.volumeAttributes.secretProviderClass])).to.deep.equal([
            ["keyvault-secrets", "orders-kv-orders"],
            ["keyvault-secrets-orders-kv-partners", "orders-kv-partners"],
        ]);
        expect(spec.containers[0].volumeMounts.map((m: any) => m.mountPath)).to.deep.equal([
            "/mnt/secrets-store",
            "/mnt/secrets-store-orders-kv-partners",
        ]);
    });

    it("picks a free volume name and mount path when the default ones are taken", () => {
        const result = migrate([
            ...manifestsOf("akv2k8s/kubectl-list.yaml"),
            ...manifestsOfText(`apiVersion: apps/v1
kind: Deployment
metadata: { name: billing, namespace: billing }
spec:
  selector: { matchLabels: { app: billing } }
  template:
    metadata: { labels: { app: billing } }
    spec:
      containers:
        - name: api
          image: billing:1
          env:
            - name: DB_PASSWORD
              valueFrom: { secretKeyRef: { name: billing, key: db-password } }
          volumeMounts:
            - { name: keyvault-secrets, mountPath: /mnt/secrets-store }
      volumes:
        - name: keyvault-secrets
          emptyDir: {}
`),
        ]);
        const spec = podSpecOf(result.workloads[0].manifest);
        expect(spec.volumes.map((v: any) => v.name)).to.deep.equal(["keyvault-secrets", "keyvault-secrets-2"]);
        expect(spec.containers[0].volumeMounts.map((m: any) => m.mountPath)).to.deep.equal(["/mnt/secrets-store", "/mnt/secrets-store-2"]);
        expect(spec.containers[0].env[0].valueFrom.secretKeyRef).to.deep.equal({ name: "billing-csi", key: "db-password" });
    });

    it("refuses to patch a pod that would need two workload identities", () => {
        const result = migrate(manifestsOfText(TWO_IDENTITIES));
        expect(result.workloads).to.deep.equal([]);
        const [notPatched] = withCode(result, "WORKLOAD_NOT_PATCHED");
        expect(notPatched.message).to.contain("different workload identities (two-id-a, two-id-b)");
        expect(result.namespaceLabels[0].action).to.equal("keep");
    });
});
