import { expect } from "chai";
import { secretNameCollisionProblems } from "../../program/secret-names";

/** The side-by-side rule: a synced Secret never takes the name of one akv2k8s writes (program/secret-names.ts). */
describe("program: synced Secret names beside akv2k8s", () => {
    describe("side-by-side safety", () => {
        it("secretNameCollisionProblems names the clash and a free name", () => {
            expect(
                secretNameCollisionProblems(
                    [{ namespace: "shop", secretName: "shop-db", app: "shop" }],
                    new Set(["shop/shop-db", "shop/shop-db-csi"]),
                ),
            ).to.deep.equal([
                {
                    where: 'app "shop" syncedSecrets "shop-db"',
                    message:
                        "has the name of Secret shop/shop-db, which akv2k8s writes: the CSI driver would overwrite it and Kubernetes would delete it together with the pods' ReplicaSet, while akv2k8s keeps rewriting it",
                    fix: 'name it "shop-db-csi-2" and point consumers at it when they cut over (the akv2k8s Secret stays until its AKVS is deleted)',
                },
            ]);
        });

        it("says what happens instead when a SecretSync would keep the Secret", () => {
            const [problem] = secretNameCollisionProblems(
                [{ namespace: "shop", secretName: "shop-db", app: "shop", syncMechanism: "secretSync" }],
                new Set(["shop/shop-db"]),
            );
            expect(problem.message).to.equal(
                "has the name of Secret shop/shop-db, which akv2k8s writes: the sync controller updates only Secrets its SecretSync owns, so the SecretSync would fail for as long as akv2k8s keeps the Secret",
            );
            expect(problem.fix).to.equal(
                'name it "shop-db-csi" and point consumers at it when they cut over (the akv2k8s Secret stays until its AKVS is deleted)',
            );
        });
    });
});
