import { expect } from "chai";
import { convert } from "../helpers";

/** Phase 11: what each source AKVS became (migration/convert/cutover.ts), for deleting them one by one. */
describe("migration: cutover trace", () => {
    it("names, for every AKVS, the app, the object (and its file) and the synced Secret keys it became", () => {
        const { cutover } = convert(["akv2k8s/kubectl-list.yaml"]);
        expect(cutover.map(({ source, ...entry }) => ({ ...entry, fromInput: source !== undefined }))).to.deep.equal([
            {
                namespace: "billing",
                name: "billing-db",
                becomes: [
                    {
                        app: "billing",
                        vault: "kv-orders",
                        objectName: "billing-db-password",
                        file: "billing-db-password",
                        syncedSecret: "billing-csi",
                        keys: ["db-password"],
                    },
                ],
                fromInput: true,
            },
            {
                namespace: "orders",
                name: "orders-csi",
                becomes: [
                    {
                        app: "orders-kv-orders",
                        vault: "kv-orders",
                        objectName: "orders-api-key",
                        file: "orders-api-key",
                        syncedSecret: "orders-csi-csi",
                        keys: ["api-key"],
                    },
                ],
                fromInput: true,
            },
            {
                namespace: "orders",
                name: "orders-db",
                becomes: [
                    {
                        app: "orders-kv-orders",
                        vault: "kv-orders",
                        objectName: "orders-db-password",
                        file: "orders-db-password",
                        syncedSecret: "orders-csi-2",
                        keys: ["db-password"],
                    },
                ],
                fromInput: true,
            },
            {
                namespace: "orders",
                name: "orders-partner-token",
                becomes: [
                    {
                        app: "orders-kv-partners",
                        vault: "kv-partners",
                        objectName: "orders-partner-token",
                        file: "orders-partner-token",
                        syncedSecret: "orders-csi-3",
                        keys: ["partner-token"],
                    },
                ],
                fromInput: true,
            },
        ]);
    });

    it("lists an AKVS that became nothing with the codes that say why, and one with open manual work with those codes", () => {
        const { cutover } = convert(["akv2k8s/unsupported.yaml"]);
        const entry = (name: string) => cutover.find((candidate) => candidate.name === name);
        // Not readable at all (the CRD requires spec.vault.name): still listed, so nobody wonders where it went.
        expect(entry("no-vault")).to.deep.equal({ namespace: "legacy", name: "no-vault", becomes: [], nothingBecause: ["AKVS_INVALID"] });
        expect(entry("shared-b")).to.include.keys("source");
        expect(entry("shared-b")?.becomes).to.deep.equal([]);
        expect(entry("shared-b")?.nothingBecause).to.deep.equal(["AKVS_SECRET_KEY_CONFLICT"]);
        expect(entry("feature-flags")?.becomes).to.deep.equal([
            { app: "legacy", vault: "kv-legacy", objectName: "feature-flags", file: "feature-flags" },
        ]);
        expect(entry("feature-flags")?.openFindings).to.deep.equal(["AKVS_CONFIGMAP_OUTPUT"]);
        expect(entry("shared-a")).to.not.have.property("openFindings");
    });

    it("follows env-injector values into the synced Secret that now holds them, saying a file once when a Secret reads it", () => {
        const { cutover } = convert(["akv2k8s/mappings.yaml", "workloads/shop.yaml"]);
        const apiKey = cutover.find((candidate) => candidate.namespace === "shop" && candidate.name === "api-key");
        expect(apiKey?.becomes).to.deep.equal([
            {
                app: "shop",
                vault: "kv-shop",
                objectName: "shop-api-key",
                file: "shop-api-key",
                syncedSecret: "shop-env-csi",
                keys: ["api-key"],
            },
        ]);
    });
});
