/**
 * Property test (fast-check) of `migrate` on malformed and hostile YAML and JSON: mutated fixtures, token soup and
 * manifests whose values are long, multi-line or odd. Whatever the input, the command exits 0, 1 or 2, never
 * throws (an exception would reach the user as a stack trace), prints no stack trace, no line longer than
 * LINE_LIMIT, and quotes values capped at QUOTE_LIMIT. Set FC_SEED (and FC_PATH) to replay a reported failure; FC_RUNS to run
 * more cases.
 */
import { expect } from "chai";
import fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CliIo } from "../../../cli/io";
import { main } from "../../../cli/main";
import { LINE_LIMIT, QUOTE_LIMIT } from "../../../migration/input-limits";
import { FIXTURES } from "../migration/helpers";

const RUNS = Number(process.env.FC_RUNS ?? 150);
const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
/** Longer than any line may be, so a value quoted whole breaks the property. */
const LONG = 4 * LINE_LIMIT;

const FIXTURE_TEXTS = [
    "akv2k8s/kubectl-list.yaml",
    "akv2k8s/mappings.yaml",
    "workloads/shop.yaml",
    "spc/hand-written.yaml",
    "example/workloads.yaml",
].map((file) => fs.readFileSync(path.join(FIXTURES, file), "utf8"));
const FIXTURES_AS_JSON = FIXTURE_TEXTS.map((text) =>
    YAML.parseAllDocuments(text)
        .map((doc) => JSON.stringify(doc.toJS(), null, 1))
        .join("\n---\n"),
);

/** Pieces YAML and JSON give meaning to, and a few that break things: long runs, non-ASCII, lone surrogates. */
const TOKENS = [
    "[",
    "]",
    "{",
    "}",
    ":",
    ": ",
    ",",
    "- ",
    "-",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "!!str ",
    "!!binary ",
    "!custom ",
    "|",
    ">-",
    "\n",
    "\n  ",
    "  ",
    "\t",
    "---\n",
    "...\n",
    "# c",
    '"',
    "'",
    "\\",
    "? ",
    "%YAML 1.2\n",
    "kind: List\n",
    "items:\n",
    "apiVersion: spv.no/v1\n",
    "kind: AzureKeyVaultSecret\n",
    "kind: Deployment\n",
    "apiVersion: apps/v1\n",
    "metadata: {name: x, namespace: y}\n",
    "x".repeat(LONG),
    "\u00e9",
    "\ud800",
    "\ufeff",
    "null",
    "~",
    "1e999",
    "0x1F",
    ".inf",
    "<<: *a",
    "@azurekeyvault",
];

const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((tokens) => tokens.join(""));

/** A fixture (YAML or its JSON) with pieces inserted, removed or repeated. */
const mutated = fc
    .tuple(
        fc.constantFrom(...FIXTURE_TEXTS, ...FIXTURES_AS_JSON),
        fc.array(
            fc.tuple(
                fc.nat(),
                fc.nat({ max: 200 }),
                fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 20 })),
                fc.constantFrom("insert", "delete", "repeat"),
            ),
            { minLength: 1, maxLength: 6 },
        ),
    )
    .map(([text, edits]) =>
        edits.reduce((current, [at, length, piece, edit]) => {
            const start = current.length === 0 ? 0 : at % current.length;
            if (edit === "insert") {
                return current.slice(0, start) + piece + current.slice(start);
            }
            if (edit === "delete") {
                return current.slice(0, start) + current.slice(start + length);
            }
            return current.slice(0, start + length) + current.slice(start, start + length).repeat(3) + current.slice(start + length);
        }, text),
    );

/** A string a manifest field might hold: usual, empty, long, multi-line, with quotes or markers. */
const oddValue: fc.Arbitrary<string> = fc.oneof(
    fc.constantFrom(
        "orders",
        "kv-orders",
        "secret",
        "certificate",
        "",
        "a".repeat(LONG),
        "line\nbreak",
        "q\"u'o`te",
        "x@azurekeyvault?raw",
        "@azurekeyvault",
        "-",
    ),
    fc.string({ maxLength: 30 }),
    fc.string({ minLength: 1, maxLength: 10 }).map((tail) => "a".repeat(LONG) + tail),
);

/** AzureKeyVaultSecrets, workloads and classes of odd values, in a List or as documents, YAML or JSON. */
const oddManifests = (oddValue: fc.Arbitrary<string>) =>
    fc
        .tuple(
            fc.array(
                fc.oneof(
                    fc.record({
                        apiVersion: fc.constantFrom("spv.no/v1", "spv.no/v2beta1", "spv.no/v9"),
                        kind: fc.constant("AzureKeyVaultSecret"),
                        metadata: fc.record({ name: oddValue, namespace: oddValue }),
                        spec: fc.record({
                            vault: fc.record({ name: oddValue, object: fc.record({ name: oddValue, type: oddValue, version: oddValue }) }),
                            output: fc.record({ secret: fc.record({ name: oddValue, dataKey: oddValue, type: oddValue }) }),
                        }),
                    }),
                    fc.record({
                        apiVersion: fc.constant("apps/v1"),
                        kind: fc.constant("Deployment"),
                        metadata: fc.record({ name: oddValue, namespace: oddValue }),
                        spec: fc.record({
                            template: fc.record({
                                spec: fc.record({
                                    serviceAccountName: oddValue,
                                    containers: fc.array(
                                        fc.record({
                                            name: oddValue,
                                            env: fc.array(
                                                fc.oneof(
                                                    fc.record({ name: oddValue, value: oddValue }),
                                                    fc.record({
                                                        name: oddValue,
                                                        valueFrom: fc.record({
                                                            secretKeyRef: fc.record({ name: oddValue, key: oddValue }),
                                                        }),
                                                    }),
                                                ),
                                                { maxLength: 3 },
                                            ),
                                        }),
                                        { maxLength: 2 },
                                    ),
                                    volumes: fc.array(fc.record({ name: oddValue, secret: fc.record({ secretName: oddValue }) }), {
                                        maxLength: 2,
                                    }),
                                }),
                            }),
                        }),
                    }),
                    fc.record({
                        apiVersion: fc.constant("secrets-store.csi.x-k8s.io/v1"),
                        kind: fc.constant("SecretProviderClass"),
                        metadata: fc.record({ name: oddValue, namespace: oddValue }),
                        spec: fc.record({
                            provider: fc.constantFrom("azure", "vault"),
                            parameters: fc.record({ keyvaultName: oddValue, tenantId: oddValue, clientID: oddValue, objects: oddValue }),
                            secretObjects: fc.array(
                                fc.record({
                                    secretName: oddValue,
                                    type: oddValue,
                                    data: fc.array(fc.record({ key: oddValue, objectName: oddValue }), { maxLength: 2 }),
                                }),
                                {
                                    maxLength: 2,
                                },
                            ),
                        }),
                    }),
                ),
                { minLength: 1, maxLength: 4 },
            ),
            fc.boolean(),
            fc.boolean(),
        )
        .map(([items, asList, asJson]) => {
            const documents = asList ? [{ apiVersion: "v1", kind: "List", items }] : items;
            return documents.map((doc) => (asJson ? JSON.stringify(doc) : YAML.stringify(doc))).join("\n---\n");
        });

async function migrate(stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    const io: CliIo = { cwd: FIXTURES, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), readStdin: async () => stdin };
    const code = await main(["migrate", "-"], io);
    return { code, stdout, stderr };
}

describe("migrate on malformed and hostile input (property)", () => {
    it("exits 0, 1 or 2 without a stack trace, and prints no line longer than LINE_LIMIT", async () => {
        await fc.assert(
            fc.asyncProperty(fc.oneof(tokenSoup, mutated, oddManifests(oddValue)), async (text) => {
                const result = await migrate(text);
                expect([0, 1, 2]).to.include(result.code);
                expect(result.stderr).not.to.match(/^\s+at /m);
                for (const line of result.stderr.split("\n")) {
                    expect(line.length, line.slice(0, 200)).to.be.at.most(LINE_LIMIT);
                }
            }),
            { numRuns: RUNS, seed: SEED, path: process.env.FC_PATH, endOnFailure: true },
        );
    });

    // Quotes pair left to right, so a value holding a bare quote ends its quote early, and one ending in a backslash
    // escapes its closing quote (either way its rest is capped with the line): this property takes values with neither.
    it("quotes a long value capped at QUOTE_LIMIT characters", async () => {
        await fc.assert(
            fc.asyncProperty(oddManifests(oddValue.filter((value) => !value.includes('"') && !value.includes("\\"))), async (text) => {
                const result = await migrate(text);
                for (const line of result.stderr.split("\n")) {
                    // The long values are runs of "a"; quote() keeps QUOTE_LIMIT of them.
                    expect(line, line.slice(0, 200)).not.to.match(new RegExp(`"a{${QUOTE_LIMIT + 1}}`));
                }
            }),
            { numRuns: RUNS, seed: SEED, path: process.env.FC_PATH, endOnFailure: true },
        );
    });
});
