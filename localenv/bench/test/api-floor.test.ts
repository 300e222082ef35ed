import { expect } from "chai";
import * as fc from "fast-check";
import { collectionPath, inParallel, kubernetesObjects, unwrapSecrets } from "../api-floor";
import { RealEngineMeasurement, apiFloorRows } from "../real-engine";
import { apiRequestCounts, grpcCallCounts, requestCountDelta } from "../engine-options";

const SECRET = "4dabf18193072939515e22adb298388d";

describe("benchmark API floor", () => {
    it("sends the objects the program registered, namespaces first, secrets unwrapped, Azure resources left out", () => {
        const objects = kubernetesObjects([
            {
                type: "kubernetes:core/v1:ServiceAccount",
                name: "sa",
                inputs: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "app", namespace: "team" } },
            },
            { type: "azure-native:authorization:RoleAssignment", name: "grant", inputs: { scope: "/subscriptions/x" } },
            {
                type: "kubernetes:core/v1:Namespace",
                name: "ns",
                inputs: { apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } },
            },
            {
                type: "kubernetes:core/v1:Secret",
                name: "secret",
                inputs: {
                    apiVersion: "v1",
                    kind: "Secret",
                    metadata: { name: "s", namespace: "team" },
                    stringData: { [SECRET]: "1b47061264138c4ac30d75fd1eb44270", value: { key: "v" } },
                },
            },
        ]);
        expect(objects.map((object) => object.kind)).to.deep.equal(["Namespace", "ServiceAccount", "Secret"]);
        expect(objects[2].stringData).to.deep.equal({ key: "v" });
    });

    it("unwraps secrets at any depth and leaves everything else as it was", () => {
        fc.assert(
            fc.property(fc.jsonValue(), (value) => {
                expect(unwrapSecrets(value)).to.deep.equal(value);
                expect(unwrapSecrets({ outer: [{ [SECRET]: "1b47061264138c4ac30d75fd1eb44270", value }] })).to.deep.equal({
                    outer: [value],
                });
            }),
        );
    });

    it("posts core, grouped, namespaced and cluster-wide objects to their collections", () => {
        const object = (apiVersion: string, namespace?: string) => ({ apiVersion, kind: "K", metadata: { name: "n", namespace } });
        expect(collectionPath(object("v1", "team"), { plural: "serviceaccounts", namespaced: true })).to.equal(
            "/api/v1/namespaces/team/serviceaccounts",
        );
        expect(collectionPath(object("apps/v1", "team"), { plural: "deployments", namespaced: true })).to.equal(
            "/apis/apps/v1/namespaces/team/deployments",
        );
        expect(collectionPath(object("v1"), { plural: "namespaces", namespaced: false })).to.equal("/api/v1/namespaces");
        expect(collectionPath(object("v1"), { plural: "configmaps", namespaced: true })).to.equal("/api/v1/namespaces/default/configmaps");
    });

    it("runs every item once with never more than the given number in flight", async () => {
        await fc.assert(
            fc.asyncProperty(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 8 }), async (count, limit) => {
                let running = 0;
                let peak = 0;
                const seen: number[] = [];
                await inParallel(
                    Array.from({ length: count }, (_, index) => index),
                    limit,
                    async (item) => {
                        running++;
                        peak = Math.max(peak, running);
                        await new Promise((resolve) => setImmediate(resolve));
                        seen.push(item);
                        running--;
                    },
                );
                expect([...seen].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: count }, (_, index) => index));
                expect(peak).to.be.at.most(limit);
            }),
        );
    });

    it("stops at the first failure", async () => {
        let error: unknown;
        await inParallel([1, 2, 3], 2, async (item) => {
            if (item === 2) {
                throw new Error("refused 2");
            }
        }).catch((caught) => (error = caught));
        expect(String(error)).to.equal("Error: refused 2");
    });

    it("reports the program against the fastest floor, with the growth from 50 to 500 apps", () => {
        const measurement = (apps: number, scale: number): RealEngineMeasurement => ({
            apps,
            resources: apps * 4,
            program: { preview: 8 * scale, up: 10 * scale },
            configMaps: { preview: 1, up: 1 },
            replay: { preview: 1, up: 1, resources: apps * 3 },
            apiFloor: [
                { objects: apps * 3, inFlight: 1, create: 4 * scale, dryRun: 4 * scale },
                { objects: apps * 3, inFlight: 16, create: 1 * scale, dryRun: 2 * scale },
            ],
        });
        const rows = apiFloorRows([measurement(50, 1), measurement(500, 12)]);
        expect(rows).to.include("| 50 | 150 | 4.00 | 1.00 | 4.00 | 2.00 | 10.0 | 10.0x | 8.0 | 4.0x |");
        expect(rows).to.include("| 500 | 1500 | 48.00 | 12.00 | 48.00 | 24.00 | 120.0 | 10.0x | 96.0 | 4.0x |");
        expect(rows[rows.length - 1]).to.equal(
            "Growth, time(500 apps) / time(50 apps): program up 12.00, API floor create 12.00; program preview 12.00, API floor dry run 12.00 (goal: at most 11).",
        );
    });
});

describe("benchmark engine options", () => {
    it("counts gRPC calls per method from a PULUMI_DEBUG_GRPC log", () => {
        const log = [
            JSON.stringify({ method: "/pulumirpc.ResourceProvider/Check", request: {} }),
            JSON.stringify({ method: "/pulumirpc.ResourceProvider/Check", request: {} }),
            "",
            JSON.stringify({ method: "/pulumirpc.ResourceMonitor/RegisterResource" }),
        ].join("\n");
        expect(grpcCallCounts(log)).to.deep.equal({
            "/pulumirpc.ResourceProvider/Check": 2,
            "/pulumirpc.ResourceMonitor/RegisterResource": 1,
        });
    });

    it("sums the API server's request counter by verb, resource and dry run, and reports what grew", () => {
        const metrics = (deployments: number) =>
            [
                "# HELP apiserver_request_total Counter of apiserver requests",
                `apiserver_request_total{code="201",component="apiserver",dry_run="",group="apps",resource="deployments",scope="resource",subresource="",verb="APPLY",version="v1"} ${deployments}`,
                `apiserver_request_total{code="200",component="apiserver",dry_run="",group="apps",resource="deployments",scope="resource",subresource="",verb="APPLY",version="v1"} 2`,
                'apiserver_request_total{code="200",component="apiserver",dry_run="All",group="",resource="serviceaccounts",scope="resource",subresource="",verb="APPLY",version="v1"} 4',
                'apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="",scope="",subresource="/openapi/v3",verb="GET",version=""} 1',
                'apiserver_request_duration_seconds_count{verb="APPLY"} 99',
            ].join("\n");
        const before = apiRequestCounts(metrics(3));
        expect([...before]).to.deep.equal([
            ["APPLY deployments", 5],
            ["APPLY serviceaccounts (dry run)", 4],
            ["GET /openapi/v3", 1],
        ]);
        expect(requestCountDelta(before, apiRequestCounts(metrics(10)))).to.deep.equal([["APPLY deployments", 7]]);
    });
});
