/**
 * The rules the conformance suite (npm run test:conformance) found by running upstream's provider, driver and
 * API-server code: one test per class, with the exact messages. These need only npm; the suite proves the rules
 * against upstream.
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { KeyVaultObject, SecretProviderClass, SecretProviderClassSpec, SyncedSecret, parseSecretProviderClassYaml } from "../../components";
import { checkWhenKnown, namespaceProblems } from "../../components/secret-provider-class/component";
import { decodeInt32, parseObjectsParameter } from "../../components/secret-provider-class/parse";
import { cleanPath, writesFile } from "../../components/secret-provider-class/paths";
import { renderObjectsParameter } from "../../components/secret-provider-class/render";
import { secretProviderClassProblems } from "../../components/secret-provider-class/validate";
import { formatProblem } from "../../components/shared/validation";
import { migrate } from "../../migration/convert/migrate";
import { manifestsOfText, withCode } from "./migration/helpers";
import { TENANT_ID, errorFrom, outputError, resetRegistrations } from "../mocks";

const CLIENT_ID = "0f4c8b1e-3c2a-4a55-9d1e-6b7a8c9d0e1f";

function spec(
    objects: KeyVaultObject[],
    secretObjects?: SyncedSecret[],
    overrides: Partial<SecretProviderClassSpec> = {},
): SecretProviderClassSpec {
    return {
        keyvaultName: "kv-orders",
        tenantID: TENANT_ID,
        identity: { mode: "workloadIdentity", clientID: CLIENT_ID },
        objects,
        ...(secretObjects ? { secretObjects } : {}),
        ...overrides,
    };
}

function messages(s: SecretProviderClassSpec): string[] {
    return secretProviderClassProblems(s).map(formatProblem);
}

const secret = (objectName: string, extra: Partial<KeyVaultObject> = {}): KeyVaultObject => ({
    objectName,
    objectType: "secret",
    ...extra,
});

describe("SecretProviderClass rules checked against upstream", () => {
    describe("aliases are clean relative paths within the driver's limits", () => {
        const cases: Array<[string, string]> = [
            [
                "./x",
                'objects[0] "db".objectAlias: "./x" is not a clean relative path; the driver writes a path only as its cleaned form ("x"). Fix: write "x".',
            ],
            [
                "x/",
                'objects[0] "db".objectAlias: "x/" is not a clean relative path; the driver writes a path only as its cleaned form ("x"). Fix: write "x".',
            ],
            [
                "a//b",
                'objects[0] "db".objectAlias: "a//b" is not a clean relative path; the driver writes a path only as its cleaned form ("a/b"). Fix: write "a/b".',
            ],
            [
                "a/./b",
                'objects[0] "db".objectAlias: "a/./b" is not a clean relative path; the driver writes a path only as its cleaned form ("a/b"). Fix: write "a/b".',
            ],
            [".", 'objects[0] "db".objectAlias: "." names the mount directory itself, not a file. Fix: give the file a name.'],
            [
                `d/${"s".repeat(256)}`,
                `objects[0] "db".objectAlias: has a file or directory name of 256 bytes ("ssssssssssssssss..."); the driver allows at most 255. Fix: shorten that part of the path.`,
            ],
            [
                "C:\\x",
                'objects[0] "db".objectAlias: "C:\\x" is an absolute path on Windows nodes; the provider refuses it there. Fix: use a file name relative to the mount path.',
            ],
        ];
        for (const [alias, expected] of cases) {
            it(`refuses ${JSON.stringify(alias.length > 20 ? `${alias.slice(0, 20)}...` : alias)}`, () => {
                expect(messages(spec([secret("db", { objectAlias: alias })]))).to.deep.equal([expected]);
            });
        }

        it("counts bytes, not characters (255 bytes per name, 4096 per path)", () => {
            expect(messages(spec([secret("db", { objectAlias: "é".repeat(127) })]))).to.deep.equal([]);
            expect(messages(spec([secret("db", { objectAlias: "é".repeat(128) })]))[0]).to.contain("a file or directory name of 256 bytes");
            expect(messages(spec([secret("db", { objectAlias: `${"p/".repeat(2048)}x` })]))).to.deep.equal([
                'objects[0] "db".objectAlias: writes a path of 4097 bytes; the driver allows at most 4096. Fix: use a shorter path.',
            ]);
        });

        it("accepts an unclean alias with version history: the provider joins (and cleans) it with the version", () => {
            expect(
                messages(
                    spec(
                        [secret("db", { objectAlias: "./x/", objectVersionHistory: 2 })],
                        [{ secretName: "s", type: "Opaque", data: [{ key: "v", objectName: "x/2" }] }],
                    ),
                ),
            ).to.deep.equal([]);
        });

        it("cleans paths like Go's path.Clean", () => {
            expect(["./x", "x/", "a//b", "a/./b", "a/../b", ".", "", "/../x", "../x"].map(cleanPath)).to.deep.equal([
                "x",
                "x",
                "a/b",
                "a/b",
                "b",
                ".",
                ".",
                "/x",
                "../x",
            ]);
        });
    });

    describe("files of different objects never collide", () => {
        it("refuses a file where another object needs a directory (conf and conf/db)", () => {
            expect(messages(spec([secret("conf"), secret("db", { objectAlias: "conf/db" })]))).to.deep.equal([
                'objects: objects[0] "conf" writes the file "conf" where objects[1] "db" needs a directory (for "conf/db"); the driver cannot write both. Fix: give one of them another objectAlias.',
            ]);
        });

        it("refuses a version file that another object needs as a directory, and an alias that is a version file", () => {
            expect(messages(spec([secret("root", { objectVersionHistory: 2 }), secret("db", { objectAlias: "root/1/x" })]))).to.deep.equal([
                'objects: objects[0] "root" writes the file "root/1" where objects[1] "db" needs a directory (for "root/1/x"); the driver cannot write both. Fix: give one of them another objectAlias.',
            ]);
            expect(messages(spec([secret("root", { objectVersionHistory: 2 }), secret("db", { objectAlias: "root/2" })]))).to.deep.equal([
                'objects: file "root/2" is written by more than one object (objects[0] "root", objects[1] "db"). Fix: give each object a distinct objectAlias.',
            ]);
            expect(messages(spec([secret("root", { objectVersionHistory: 2 }), secret("db", { objectAlias: "root/3" })]))).to.deep.equal(
                [],
            );
        });
    });

    describe("version history: <file>/0 (newest) to <file>/N, never enumerated", () => {
        it("writes N + 1 files for N >= 2, and the file itself for 0 or 1", () => {
            const history = secret("root", { objectVersionHistory: 3 });
            expect([0, 1, 2, 3, 4].map((index) => writesFile([history], `root/${index}`))).to.deep.equal([true, true, true, true, false]);
            expect([writesFile([history], "root"), writesFile([history], "root/01")]).to.deep.equal([false, false]);
            expect(writesFile([secret("root", { objectVersionHistory: 1 })], "root")).to.equal(true);
            expect(writesFile([secret("root", { objectVersionHistory: 1 })], "root/0")).to.equal(false);
            // The provider truncates first: 1.9 is latest-only, 2.5 is two versions back.
            expect(writesFile([secret("root", { objectVersionHistory: 1.9 })], "root")).to.equal(true);
            expect(writesFile([secret("root", { objectVersionHistory: 2.5 })], "root/2")).to.equal(true);
        });

        it("bounds objectVersionHistory with a clear message, in no time and no memory even at the int32 maximum", () => {
            const started = performance.now();
            const huge = messages(
                spec(
                    [secret("root", { objectVersionHistory: 2147483647 })],
                    [{ secretName: "s", type: "Opaque", data: [{ key: "v", objectName: "root/2147483646" }] }],
                ),
            );
            expect(performance.now() - started).to.be.lessThan(50);
            expect(huge).to.deep.equal([
                'objects[0] "root".objectVersionHistory: 2147483647 versions is more than this library allows (100): the provider reads every version from Key Vault on each mount and rotation poll and writes each as a file. Fix: sync only the versions the app reads, e.g. 2 (the current and the previous one).',
            ]);
            expect(messages(spec([secret("root", { objectVersionHistory: 2147483648 })]))).to.deep.equal([
                `objects[0] "root".objectVersionHistory: 2147483648 does not fit the provider's 32-bit field; it fails to decode the object. Fix: use at most 100.`,
            ]);
            expect(messages(spec([secret("root", { objectVersionHistory: 2.5 })]))).to.deep.equal([
                'objects[0] "root".objectVersionHistory: 2.5 is not a whole number; the provider truncates it to 2. Fix: write 2.',
            ]);
        });

        it("migrate reports a class with a huge objectVersionHistory instead of running out of memory", () => {
            const yaml = [
                "apiVersion: secrets-store.csi.x-k8s.io/v1",
                "kind: SecretProviderClass",
                "metadata: { name: huge, namespace: reports }",
                "spec:",
                "  provider: azure",
                "  parameters:",
                `    keyvaultName: kv-reports`,
                `    tenantID: ${TENANT_ID}`,
                `    clientID: ${CLIENT_ID}`,
                "    objects: |",
                "      array:",
                "        - |",
                "          objectName: history",
                "          objectType: secret",
                "          objectVersionHistory: 2147483647",
            ].join("\n");
            const started = performance.now();
            const result = migrate(manifestsOfText(yaml));
            expect(performance.now() - started).to.be.lessThan(1000);
            expect(withCode(result, "SPC_OBJECT_REJECTED").map((finding) => finding.message)).to.deep.equal([
                "is left out, the mount fails on it today: objectVersionHistory 2147483647 versions is more than this library allows (100): the provider reads every version from Key Vault on each mount and rotation poll and writes each as a file",
            ]);
        });
    });

    describe("typed synced Secrets read files that can hold what the type needs", () => {
        const tls = (objectName: string): SyncedSecret => ({
            secretName: "tls",
            type: "kubernetes.io/tls",
            data: [
                { key: "tls.crt", objectName },
                { key: "tls.key", objectName },
            ],
        });

        it("refuses tls.key from a cert object (the certificate only)", () => {
            expect(messages(spec([{ objectName: "web", objectType: "cert" }], [tls("web")]))).to.deep.equal([
                'secretObjects[0] "tls".data[1]: tls.key needs a private key, but "web" holds the certificate only (objectType cert) (objects[0] "web"). Fix: read tls.key from an objectType: secret object of the certificate (Key Vault returns the key there), or add objectEncoding: base64 to a pfx object.',
            ]);
        });

        it("refuses a pfx secret without base64 encoding (base64 text), accepts it with", () => {
            expect(messages(spec([secret("web", { objectFormat: "pfx" })], [tls("web")]))).to.deep.equal([
                'secretObjects[0] "tls".data[0]: tls.crt needs a certificate, but "web" holds a PFX as base64 text (objectFormat pfx without objectEncoding base64) (objects[0] "web"). Fix: read tls.crt and tls.key from an objectType: secret object of the certificate (its key and chain), or add objectEncoding: base64 to a pfx object.',
                'secretObjects[0] "tls".data[1]: tls.key needs a private key, but "web" holds a PFX as base64 text (objectFormat pfx without objectEncoding base64) (objects[0] "web"). Fix: read tls.key from an objectType: secret object of the certificate (Key Vault returns the key there), or add objectEncoding: base64 to a pfx object.',
            ]);
            expect(messages(spec([secret("web", { objectFormat: "pfx", objectEncoding: "base64" })], [tls("web")]))).to.deep.equal([]);
            expect(messages(spec([secret("web")], [tls("web")]))).to.deep.equal([]);
        });

        it("refuses tls.key from a key object (the driver would write an empty key) and hex for a PFX", () => {
            expect(
                messages(
                    spec(
                        [
                            { objectName: "crt", objectType: "cert" },
                            { objectName: "pub", objectType: "key" },
                        ],
                        [
                            {
                                secretName: "tls",
                                type: "kubernetes.io/tls",
                                data: [
                                    { key: "tls.crt", objectName: "crt" },
                                    { key: "tls.key", objectName: "pub" },
                                ],
                            },
                        ],
                    ),
                ),
            ).to.deep.equal([
                'secretObjects[0] "tls".data[1]: tls.key needs a private key, but "pub" holds the public key only (objectType key) (objects[1] "pub"). Fix: read tls.key from an objectType: secret object of the certificate (Key Vault returns the key there), or add objectEncoding: base64 to a pfx object.',
            ]);
            expect(messages(spec([secret("web", { objectFormat: "pfx", objectEncoding: "hex" })]))).to.deep.equal([
                `objects[0] "web".objectEncoding: hex cannot decode a PFX: Key Vault returns a certificate's PFX as base64 text, so the provider fails to write the file. Fix: use objectEncoding base64 for the PFX binary, or leave it out for the base64 text.`,
            ]);
        });

        it("refuses one object read both as registry credentials (JSON) and as a certificate (PEM)", () => {
            const pull: SyncedSecret = {
                secretName: "pull",
                type: "kubernetes.io/dockerconfigjson",
                data: [{ key: ".dockerconfigjson", objectName: "shared/0" }],
            };
            const tls: SyncedSecret = {
                secretName: "tls",
                type: "kubernetes.io/tls",
                data: [
                    { key: "tls.crt", objectName: "shared/1" },
                    { key: "tls.key", objectName: "shared/1" },
                ],
            };
            expect(messages(spec([secret("shared", { objectVersionHistory: 2 })], [pull, tls]))).to.deep.equal([
                'secretObjects: objects[0] "shared" is read as a JSON document (secretObjects[0] "pull".data[0] .dockerconfigjson) and as PEM (secretObjects[1] "tls".data[0] tls.crt, secretObjects[1] "tls".data[1] tls.key); one object cannot hold both. Fix: read the registry credentials and the certificate from different objects.',
            ]);
        });

        it("refuses registry credentials from a certificate, and takes the API server's key rules (extra keys allowed)", () => {
            expect(
                messages(
                    spec(
                        [{ objectName: "web", objectType: "cert" }],
                        [
                            {
                                secretName: "pull",
                                type: "kubernetes.io/dockerconfigjson",
                                data: [{ key: ".dockerconfigjson", objectName: "web" }],
                            },
                        ],
                    ),
                ),
            ).to.deep.equal([
                'secretObjects[0] "pull".data[0]: .dockerconfigjson needs a JSON document, but "web" holds the certificate only (objectType cert) (objects[0] "web"). Fix: store the registry credentials as a Key Vault secret and read it with objectType: secret (no objectFormat pfx).',
            ]);
            const basic: SyncedSecret = {
                secretName: "basic",
                type: "kubernetes.io/basic-auth",
                data: [
                    { key: "username", objectName: "db" },
                    { key: "host", objectName: "db" },
                ],
            };
            const ssh: SyncedSecret = {
                secretName: "ssh",
                type: "kubernetes.io/ssh-auth",
                data: [{ key: "known_hosts", objectName: "db" }],
            };
            expect(messages(spec([secret("db")], [basic, ssh]))).to.deep.equal([
                'secretObjects[1] "ssh".data: a kubernetes.io/ssh-auth Secret needs the key ssh-privatekey, got [known_hosts]. Fix: map one key named ssh-privatekey.',
            ]);
        });
    });

    describe("synced Secret labels and annotations follow the API server's rules", () => {
        it("names each bad label, annotation and the driver's own label", () => {
            const labelled: SyncedSecret = {
                secretName: "s",
                type: "Opaque",
                data: [{ key: "v", objectName: "db" }],
                labels: { "-bad": "ok", team: "a b", "secrets-store.csi.k8s.io/managed": "false" },
                annotations: { "example.com/": "x", big: "x".repeat(262_144) },
            };
            expect(messages(spec([secret("db")], [labelled]))).to.deep.equal([
                `secretObjects[0] "s".labels["-bad"]: label key "-bad" name part must consist of letters, digits, '-', '_' and '.', and start and end with a letter or digit. Fix: use a key like 'team' or 'example.com/team'.`,
                `secretObjects[0] "s".labels["team"]: label value "a b" must be empty or consist of letters, digits, '-', '_' and '.', and start and end with a letter or digit. Fix: use at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit (or an empty value); put longer text in an annotation.`,
                `secretObjects[0] "s".annotations["example.com/"]: annotation key "example.com/" name part must not be empty; name part must consist of letters, digits, '-', '_' and '.', and start and end with a letter or digit. Fix: use a key like 'owner' or 'example.com/owner'.`,
                'secretObjects[0] "s".annotations: annotations take 262160 bytes, more than the API server\'s limit of 262144. Fix: keep large data out of annotations (e.g. in a ConfigMap).',
                'secretObjects[0] "s".labels["secrets-store.csi.k8s.io/managed"]: is set by the driver on every Secret it syncs (to "true"), so this value would be overwritten. Fix: remove the label.',
            ]);
        });
    });

    describe("cloud names", () => {
        it("refuses AzureStackCloud (no cloudEnvFileName on AKS) and names the canonical spelling of aliases", () => {
            expect(messages(spec([secret("db")], undefined, { cloudName: "AzureStackCloud" as "AzurePublicCloud" }))).to.deep.equal([
                'cloudName: "AzureStackCloud" needs cloudEnvFileName, a JSON file of endpoints on every node, which the AKS addon does not provide; the provider fails every mount without it. Fix: use one of AzurePublicCloud, AzureUSGovernmentCloud, AzureChinaCloud, AzureGermanCloud, or manage an Azure Stack class outside this library.',
            ]);
            expect(messages(spec([secret("db")], undefined, { cloudName: "AzureCloud" as "AzurePublicCloud" }))).to.deep.equal([
                'cloudName: "AzureCloud" is another spelling the provider takes for "AzurePublicCloud"; this library writes each cloud one way. Fix: write "AzurePublicCloud".',
            ]);
        });
    });

    describe("the standalone SecretProviderClass checks its namespace", () => {
        beforeEach(resetRegistrations);

        it("refuses an invalid namespace at construction", () => {
            const error = errorFrom(() => new SecretProviderClass("orders", { namespace: "Orders", ...spec([secret("db")]) }));
            expect(error.message).to.equal(
                'SecretProviderClass "orders" is invalid (1 problem):\n  - namespace: "Orders" is not a valid namespace name. Fix: use 1-63 lower-case letters, digits and \'-\', starting and ending with a letter or digit.',
            );
        });

        it("checks a namespace given as an Output once it resolves (the check the constructor wires in)", async () => {
            const error = await outputError(
                pulumi.output(checkWhenKnown('SecretProviderClass "late"', pulumi.output("team_a"), namespaceProblems)),
            );
            expect(error.message).to.equal(
                'SecretProviderClass "late" is invalid (1 problem):\n  - namespace: "team_a" is not a valid namespace name. Fix: use 1-63 lower-case letters, digits and \'-\', starting and ending with a letter or digit.',
            );
        });
    });

    describe("the parser keeps the provider's meaning", () => {
        const objects = (body: string) => parseObjectsParameter(`array:\n  - |\n    objectName: web\n    objectType: secret\n${body}`);

        it("keeps PFX as written (the provider's type check is case-sensitive) and accepts it for a secret", () => {
            const parsed = objects("    objectFormat: PFX\n");
            expect(parsed.value[0].objectFormat).to.equal("PFX");
            expect(renderObjectsParameter(parsed.value)).to.contain("objectFormat: PFX");
            expect(messages(spec(parsed.value))).to.deep.equal([]);
        });

        it("reads objectVersionHistory: 2.5 as 2 like go-yaml, and says so", () => {
            const parsed = objects("    objectVersionHistory: 2.5\n");
            expect(parsed.value[0].objectVersionHistory).to.equal(2);
            expect(parsed.problems.map(formatProblem)).to.deep.equal([
                'objects[0].objectVersionHistory: "2.5" is read by the provider as 2. Fix: write 2.',
            ]);
        });

        it("decodes integers like go-yaml into an int32", () => {
            const texts = ["3", "+3", "0x10", "0o17", "017", "0b11", "1_000", "1e3", "-0.5", "08", ".5"];
            expect(texts.map((text) => decodeInt32(text, true))).to.deep.equal([3, 3, 16, 15, 15, 3, 1000, 1000, 0, 8, 0]);
            expect(["2147483648", "true", ".inf", "2001-12-14", "five"].map((text) => decodeInt32(text, true))).to.deep.equal([
                "does not fit the provider's 32-bit field",
                "is not a number",
                "is not a number",
                "is not a number",
                "is not a number",
            ]);
            expect(decodeInt32("2", false)).to.equal("is quoted (a string), not a number");
        });

        it("reads a YAML null as the provider's default, not as text", () => {
            expect(objects("    objectAlias: ~\n    objectVersion: null\n").value[0]).to.deep.equal({
                objectName: "web",
                objectType: "secret",
            });
            expect(objects('    objectAlias: "~"\n').value[0].objectAlias).to.equal("~");
        });

        it("round-trips a class with every field without a problem", () => {
            const text = [
                "apiVersion: secrets-store.csi.x-k8s.io/v1",
                "kind: SecretProviderClass",
                "metadata: { name: web, namespace: web }",
                "spec:",
                "  provider: azure",
                "  parameters:",
                `    keyvaultName: kv-web`,
                `    tenantID: ${TENANT_ID}`,
                `    clientID: ${CLIENT_ID}`,
                "    objects: |",
                "      array:",
                "        - |",
                "          objectName: web",
                "          objectType: secret",
                "          objectFormat: PFX",
                "          objectEncoding: Base64",
                "          objectVersionHistory: 3",
                '          filePermission: "0440"',
            ].join("\n");
            const [parsed] = parseSecretProviderClassYaml(text);
            expect(parsed.problems).to.deep.equal([]);
            expect(parsed.value.spec.objects).to.deep.equal([
                {
                    objectName: "web",
                    objectType: "secret",
                    objectFormat: "PFX",
                    objectEncoding: "Base64",
                    objectVersionHistory: 3,
                    filePermission: "0440",
                },
            ]);
        });
    });
});
