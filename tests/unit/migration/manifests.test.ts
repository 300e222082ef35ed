import { expect } from "chai";
import * as YAML from "yaml";
import { migrate } from "../../../migration/convert/migrate";
import { INPUT_LIMITS, InputBudget, InputError } from "../../../migration/input-limits";
import { manifestsFromText } from "../../../migration/manifests";
import { akvs, appNamed } from "./helpers";

/** Reading manifests from YAML and JSON text (migration/manifests.ts). */
describe("migration: reading manifests", () => {
    it("reads multi-document text and reports a broken document without dropping the others", () => {
        const text = `${akvs("vault:\n  name: kv-one\n  object:\n    name: a\n    type: secret")}---\nkind: [broken\n---\n${akvs("vault:\n  name: kv-one\n  object:\n    name: b\n    type: secret", undefined, "y")}`;
        const read = manifestsFromText(text, "multi.yaml");
        expect(read.manifests.map((m) => m.source)).to.deep.equal(["multi.yaml#1", "multi.yaml#3"]);
        expect(read.findings.map((f) => [f.code, f.severity, f.subject])).to.deep.equal([["INPUT_INVALID_YAML", "error", "multi.yaml#2"]]);
    });

    it("reads JSON (kubectl get -o json) as well", () => {
        const json = JSON.stringify({
            apiVersion: "v1",
            kind: "List",
            items: [
                {
                    apiVersion: "spv.no/v1",
                    kind: "AzureKeyVaultSecret",
                    metadata: { name: "j", namespace: "json" },
                    spec: { vault: { name: "kv-json", object: { name: "j", type: "secret" } } },
                },
            ],
        });
        const result = migrate(manifestsFromText(json, "akvs.json").manifests);
        expect(appNamed(result, "json").app.objects).to.deep.equal([{ objectName: "j", objectType: "secret" }]);
    });
});

/** The limits on input (migration/input-limits.ts): each refused with one line that names it, before it costs memory. */
describe("migration: reading manifests within the input limits", () => {
    const refused = (text: string, pattern: RegExp, budget?: InputBudget) =>
        expect(() => manifestsFromText(text, "in.yaml", budget))
            .to.throw(InputError, pattern)
            .with.property("message")
            .that.does.not.include("\n");

    /** A budget with `left` of a limit left, so a few lines of input reach it. */
    const leaving = (key: "nodes" | "manifests", left: number) => Object.assign(new InputBudget(), { [key]: INPUT_LIMITS[key] - left });

    it("refuses more YAML nodes than the limit, counted before parsing, and reads up to the limit itself", () => {
        refused(
            `[${Array.from({ length: INPUT_LIMITS.nodes }, () => "a").join(",")}]`,
            /more than 200,000 YAML nodes .*the limit; split the input/,
        );
        // [a, a] is 3 nodes, as are `k: v` (the pair's indicator counts for the map) and `- a` plus its list.
        expect(manifestsFromText("[a, a]", "in.yaml", leaving("nodes", 3)).findings).to.deep.equal([]);
        refused("[a, a, a]", /more than 200,000 YAML nodes/, leaving("nodes", 3));
        refused("k: v\nl: w", /more than 200,000 YAML nodes/, leaving("nodes", 5));
    });

    it("counts nodes and manifests over all inputs of a run (one budget)", () => {
        const budget = new InputBudget();
        manifestsFromText("kind: A\n---\nkind: B\n", "first.yaml", budget);
        expect(budget).to.include({ manifests: 2, nodes: 6 });
        manifestsFromText("{kind: List, items: [{kind: C}]}", "second.yaml", budget);
        expect(budget).to.include({ manifests: 4, nodes: 17 });
    });

    it("refuses more manifests than the limit, List items included, and reads up to the limit itself", () => {
        refused("---\n{}\n".repeat(INPUT_LIMITS.manifests + 1), /#10001: more than 10,000 manifests \(documents and List items\)/);
        expect(manifestsFromText("{kind: List, items: [{kind: A}]}", "in.yaml", leaving("manifests", 2)).manifests).to.have.length(1);
        refused("{kind: List, items: [{kind: A}, {kind: B}]}", /in\.yaml#1: more than 10,000 manifests/, leaving("manifests", 2));
    });

    it("refuses nesting deeper than the limit, in flow and block style, and reads the limit itself", () => {
        const flow = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
        refused(flow(INPUT_LIMITS.depth + 1), /in\.yaml#1: nested more than 100 levels deep, the limit/);
        refused(flow(100_000), /nested more than 100 levels/);
        const block = Array.from({ length: INPUT_LIMITS.depth + 1 }, (_, i) => `${"  ".repeat(i)}k:`).join("\n");
        refused(block, /nested more than 100 levels/);
        expect(manifestsFromText(flow(INPUT_LIMITS.depth), "in.yaml").findings).to.deep.equal([]);
    });

    it("refuses nesting that only aliases make deeper than the limit, naming where", () => {
        const half = (name: string) => `${"[".repeat(60)}${name}${"]".repeat(60)}`;
        refused(`a: &deep ${half("x")}\nb: ${half("*deep")}`, /in\.yaml#1: nested more than 100 levels deep at b\[0\]\[0\]/);
    });

    it("refuses an alias bomb, and expands a few aliases as before", () => {
        const levels = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
        for (let level = 1; level <= 6; level++) {
            levels.push(`l${level}: &l${level} [${Array.from({ length: 9 }, () => `*l${level - 1}`).join(", ")}]`);
        }
        refused(levels.join("\n"), /in\.yaml#1: YAML aliases \(\*name\) expand to more than 100 copies, the limit/);
        const read = manifestsFromText("kind: Thing\nbase: &b {x: 1}\nother: *b\n", "in.yaml");
        expect(read.manifests[0].manifest.other).to.deep.equal({ x: 1 });
    });

    it("refuses a recursive alias, in a mapping and in a List that is its own item", () => {
        refused("&a {kind: Thing, self: *a}", /in\.yaml#1: a YAML alias at self refers to a node that contains it/);
        refused("&l {kind: List, items: [*l]}", /a YAML alias at items\[0\] refers to a node that contains it/);
    });

    it("refuses text with control characters (binary input) by line and column, quoting none of it", () => {
        refused("kind: A\nname: x\u0000yz", /in\.yaml: is not YAML or JSON text \(control character 0x00 at line 2, column 8\)/);
    });

    it("reports a broken document in one short line however long the line it breaks on", () => {
        const read = manifestsFromText(`kind: "${"x".repeat(50_000)}\n`, "long.yaml");
        expect(read.findings).to.have.length(1);
        expect(read.findings[0].message).to.match(/^is not valid YAML: .* at line \d+, column \d+$/);
        expect(read.findings[0].message.length).to.be.below(200);
    });
});

describe("migration: YAML inside a SecretProviderClass's objects parameter, within the same limits", () => {
    const spc = (objects: string) =>
        YAML.stringify({
            apiVersion: "secrets-store.csi.x-k8s.io/v1",
            kind: "SecretProviderClass",
            metadata: { name: "c" },
            spec: { parameters: { objects } },
        });

    it("refuses objects nested deeper than the limit, and items of objects too", () => {
        const deep = `${"[".repeat(5_000)}${"]".repeat(5_000)}`;
        expect(() => manifestsFromText(spc(deep), "c.yaml")).to.throw(
            InputError,
            /c\.yaml#1 spec\.parameters\.objects: nested more than 100 levels/,
        );
        expect(() => manifestsFromText(spc(YAML.stringify({ array: [deep] })), "c.yaml")).to.throw(
            InputError,
            /objects array\[0\]: nested more than 100 levels/,
        );
    });

    it("counts objects' nodes into the run's budget", () => {
        const many = `[${Array.from({ length: INPUT_LIMITS.nodes }, () => "a").join(",")}]`;
        expect(() => manifestsFromText(spc(many), "c.yaml")).to.throw(
            InputError,
            /spec\.parameters\.objects: more than 200,000 YAML nodes/,
        );
    });
});
