import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import {
    KeyVaultObject,
    SecretProviderClass,
    SecretProviderClassSpec,
    ValidationError,
    parseSecretProviderClassYaml,
} from "../../components";
import { validatedSpec } from "../../components/secret-provider-class/component";
import { parseObjectsParameter, parseSecretProviderClassManifest, providerView } from "../../components/secret-provider-class/parse";
import { renderObjectsParameter, renderParameters, renderSecretProviderClassSpec } from "../../components/secret-provider-class/render";
import { secretProviderClassProblems } from "../../components/secret-provider-class/validate";
import { formatProblem } from "../../components/shared/validation";
import { TENANT_ID, errorFrom, outputError, registered, registrations, resetRegistrations, settle, valueOf } from "../mocks";
import * as pulumi from "@pulumi/pulumi";
import { SPC_FIXTURES } from "./fixture-paths";

const CLIENT_ID = "0f4c8b1e-3c2a-4a55-9d1e-6b7a8c9d0e1f";

function spec(overrides: Partial<SecretProviderClassSpec> = {}): SecretProviderClassSpec {
    return {
        keyvaultName: "kv-orders-dev",
        tenantID: TENANT_ID,
        identity: { mode: "managedIdentity", userAssignedIdentityID: CLIENT_ID },
        objects: [{ objectName: "db-password", objectType: "secret" }],
        ...overrides,
    };
}

function messages(s: SecretProviderClassSpec): string[] {
    return secretProviderClassProblems(s).map(formatProblem);
}

describe("SecretProviderClass model", () => {
    describe("rendering", () => {
        it("renders objects as `array:` with block-string items, fields in the provider's order", () => {
            const objects: KeyVaultObject[] = [
                { objectName: "db-password", objectType: "secret" },
                { objectName: "tls", objectType: "secret", objectAlias: "certs/tls.pem", objectFormat: "pem", filePermission: "0440" },
                { objectName: "root", objectType: "cert", objectVersionHistory: 3, objectVersion: "" },
            ];
            expect(renderObjectsParameter(objects)).to.equal(
                [
                    "array:",
                    "  - |",
                    "    objectName: db-password",
                    "    objectType: secret",
                    "  - |",
                    "    objectName: tls",
                    "    objectType: secret",
                    "    objectAlias: certs/tls.pem",
                    "    objectFormat: pem",
                    '    filePermission: "0440"',
                    "  - |",
                    "    objectName: root",
                    "    objectType: cert",
                    '    objectVersion: ""',
                    "    objectVersionHistory: 3",
                    "",
                ].join("\n"),
            );
        });

        it("renders what the provider parses back to the same objects (two-stage YAML)", () => {
            const objects: KeyVaultObject[] = [
                { objectName: "a", objectType: "secret", objectEncoding: "base64", objectFormat: "pfx" },
                { objectName: "yes", objectType: "key", objectAlias: "true" },
                { objectName: "c", objectType: "cert", objectVersion: "0123", objectVersionHistory: 2, filePermission: "0644" },
            ];
            const parsed = parseObjectsParameter(renderObjectsParameter(objects));
            expect(parsed.problems).to.deep.equal([]);
            expect(parsed.value).to.deep.equal(objects);
        });

        it("renders parameters with the provider's exact key casing per identity mode", () => {
            expect(renderParameters(spec())).to.deep.equal({
                keyvaultName: "kv-orders-dev",
                tenantID: TENANT_ID,
                useVMManagedIdentity: "true",
                userAssignedIdentityID: CLIENT_ID,
                objects: "array:\n  - |\n    objectName: db-password\n    objectType: secret\n",
            });
            const workload = renderParameters(
                spec({ identity: { mode: "workloadIdentity", clientID: CLIENT_ID }, cloudName: "AzureChinaCloud" }),
            );
            expect(workload).to.include({ clientID: CLIENT_ID, cloudName: "AzureChinaCloud" });
            expect(workload).to.not.have.any.keys("useVMManagedIdentity", "userAssignedIdentityID", "usePodIdentity");
            const servicePrincipal = renderParameters(spec({ identity: { mode: "servicePrincipal", nodePublishSecretRef: "kv-creds" } }));
            expect(servicePrincipal).to.not.have.any.keys("clientID", "useVMManagedIdentity");
        });

        it("renders secretObjects without empty label or annotation maps", () => {
            const rendered = renderSecretProviderClassSpec(
                spec({
                    secretObjects: [
                        { secretName: "orders", type: "Opaque", data: [{ key: "password", objectName: "db-password" }], labels: {} },
                    ],
                }),
            );
            expect(rendered.secretObjects).to.deep.equal([
                { secretName: "orders", type: "Opaque", data: [{ objectName: "db-password", key: "password" }] },
            ]);
            expect(rendered.provider).to.equal("azure");
        });
    });

    describe("validation (each message names the object and the fix)", () => {
        it("accepts a complete, valid spec", () => {
            expect(
                messages(
                    spec({
                        objects: [
                            { objectName: "tls", objectType: "secret", objectAlias: "tls-bundle" },
                            { objectName: "root", objectType: "cert", objectVersionHistory: 2 },
                        ],
                        secretObjects: [
                            {
                                secretName: "orders-tls",
                                type: "kubernetes.io/tls",
                                data: [
                                    { key: "tls.crt", objectName: "tls-bundle" },
                                    { key: "tls.key", objectName: "tls-bundle" },
                                ],
                            },
                            {
                                secretName: "root-ca",
                                type: "Opaque",
                                data: [
                                    { key: "current", objectName: "root/0" },
                                    { key: "previous", objectName: "root/1" },
                                ],
                            },
                        ],
                    }),
                ),
            ).to.deep.equal([]);
        });

        const cases: Array<[string, Partial<SecretProviderClassSpec>, string]> = [
            [
                "duplicate file names",
                {
                    objects: [
                        { objectName: "a", objectType: "secret", objectAlias: "x" },
                        { objectName: "x", objectType: "secret" },
                    ],
                },
                'objects: file "x" is written by more than one object (objects[0] "a", objects[1] "x"). Fix: give each object a distinct objectAlias.',
            ],
            [
                "'..' in an alias",
                { objects: [{ objectName: "a", objectType: "secret", objectAlias: "../etc/passwd" }] },
                `objects[0] "a".objectAlias: "../etc/passwd" contains '..'; the provider refuses it. Fix: use a file name inside the mount, without '..'.`,
            ],
            [
                "an absolute alias",
                { objects: [{ objectName: "a", objectType: "secret", objectAlias: "/etc/a" }] },
                'objects[0] "a".objectAlias: "/etc/a" is an absolute path; the provider refuses it. Fix: use a file name relative to the mount path.',
            ],
            [
                "a bad vault name",
                { keyvaultName: "kv_orders" },
                'keyvaultName: "kv_orders" is not a valid Key Vault name. Fix: use 3-24 characters of letters, digits and single hyphens, starting with a letter and ending with a letter or digit.',
            ],
            [
                "a non-GUID tenant",
                { tenantID: "contoso.onmicrosoft.com" },
                'tenantID: "contoso.onmicrosoft.com" is not a GUID. Fix: use the vault\'s Entra tenant ID, e.g. from `az account show --query tenantId`.',
            ],
            [
                "objectFormat on a key",
                { objects: [{ objectName: "k", objectType: "key", objectFormat: "pem" }] },
                'objects[0] "k".objectFormat: is set on objectType "key"; the provider supports it only for secrets. Fix: remove objectFormat, or fetch the object with objectType: secret.',
            ],
            [
                "objectEncoding on a cert",
                { objects: [{ objectName: "c", objectType: "cert", objectEncoding: "base64" }] },
                'objects[0] "c".objectEncoding: is set on objectType "cert"; the provider supports it only for secrets. Fix: remove objectEncoding, or fetch the object with objectType: secret.',
            ],
            [
                "an unknown encoding",
                { objects: [{ objectName: "s", objectType: "secret", objectEncoding: "latin1" as "hex" }] },
                'objects[0] "s".objectEncoding: "latin1" is not supported. Fix: use one of utf-8, base64, hex.',
            ],
            [
                "negative version history",
                { objects: [{ objectName: "s", objectType: "secret", objectVersionHistory: -1 }] },
                'objects[0] "s".objectVersionHistory: -1 is negative; the provider reads it as "latest only". Fix: use 0 (latest only) or the number of versions to fetch, e.g. 2.',
            ],
            [
                "a non-octal file permission",
                { objects: [{ objectName: "s", objectType: "secret", filePermission: "0855" }] },
                'objects[0] "s".filePermission: "0855" is not an octal file mode (the provider would write the file with mode 0000). Fix: use a quoted octal string such as "0440" or "0644".',
            ],
            [
                "a mis-cased object type",
                { objects: [{ objectName: "s", objectType: "Secret" as "secret" }] },
                'objects[0] "s".objectType: "Secret" is not an object type the provider knows (it compares case-sensitively). Fix: use one of secret, key, cert.',
            ],
            [
                "a bad object name",
                { objects: [{ objectName: "db_password", objectType: "secret" }] },
                'objects[0] "db_password".objectName: "db_password" is not a Key Vault object name. Fix: use the object\'s name in the vault: 1-127 letters, digits and hyphens.',
            ],
            ["no objects", { objects: [] }, "objects: is empty; the pod would mount nothing. Fix: list at least one Key Vault object."],
            [
                "a secretObject referencing the name of an aliased object",
                {
                    objects: [{ objectName: "db-password", objectType: "secret", objectAlias: "db" }],
                    secretObjects: [{ secretName: "s", type: "Opaque", data: [{ key: "p", objectName: "db-password" }] }],
                },
                'secretObjects[0] "s".data[0].objectName: "db-password" is not a file any object writes. Fix: reference the alias "db": with objectAlias the file is named after the alias, not the object.',
            ],
            [
                "a secretObject referencing a missing file",
                { secretObjects: [{ secretName: "s", type: "Opaque", data: [{ key: "p", objectName: "nope" }] }] },
                'secretObjects[0] "s".data[0].objectName: "nope" is not a file any object writes. Fix: reference one of: db-password.',
            ],
            [
                "a TLS secret without tls.key",
                { secretObjects: [{ secretName: "t", type: "kubernetes.io/tls", data: [{ key: "tls.crt", objectName: "db-password" }] }] },
                'secretObjects[0] "t".data: a kubernetes.io/tls Secret needs exactly the keys tls.crt and tls.key, got [tls.crt]. Fix: map tls.crt and tls.key, both usually from one objectType: secret object that holds the certificate and its key.',
            ],
            [
                "a missing secret type",
                { secretObjects: [{ secretName: "s", type: "" as "Opaque", data: [{ key: "p", objectName: "db-password" }] }] },
                `secretObjects[0] "s".type: is missing; the driver refuses a synced Secret without a type at mount time. Fix: set type to one of Opaque, kubernetes.io/tls, kubernetes.io/dockerconfigjson, kubernetes.io/dockercfg, kubernetes.io/basic-auth, kubernetes.io/ssh-auth.`,
            ],
            [
                "a dockerconfigjson secret with a wrong key",
                {
                    secretObjects: [
                        {
                            secretName: "pull",
                            type: "kubernetes.io/dockerconfigjson",
                            data: [{ key: "config.json", objectName: "db-password" }],
                        },
                    ],
                },
                'secretObjects[0] "pull".data: a kubernetes.io/dockerconfigjson Secret needs the key .dockerconfigjson, got [config.json]. Fix: map one key named .dockerconfigjson.',
            ],
            [
                "more than one identity mode",
                { identity: { mode: "managedIdentity", userAssignedIdentityID: CLIENT_ID, clientID: CLIENT_ID } as never },
                'identity: sets fields of more than one identity mode (managedIdentity and workloadIdentity); the provider allows one. Fix: keep only the fields of mode "managedIdentity" (userAssignedIdentityID).',
            ],
            [
                "a non-GUID client ID",
                { identity: { mode: "workloadIdentity", clientID: "orders-identity" } },
                'identity.clientID: "orders-identity" is not a GUID. Fix: use the client ID of the federated identity.',
            ],
            [
                "an identity binding without a client ID (the provider: clientID is required for identity binding)",
                { identity: { mode: "identityBinding", clientID: "" } },
                'identity.clientID: is missing; the provider refuses an identity-binding mount without it ("clientID is required for identity binding"). Fix: set the client ID of the managed identity bound to the cluster.',
            ],
            [
                "an identity binding with a non-GUID client ID",
                { identity: { mode: "identityBinding", clientID: "fleet" } },
                'identity.clientID: "fleet" is not a GUID. Fix: use the client ID of the managed identity bound to the cluster.',
            ],
            [
                "an identity binding that also names a VM identity",
                { identity: { mode: "identityBinding", clientID: CLIENT_ID, userAssignedIdentityID: CLIENT_ID } as never },
                'identity: sets fields of more than one identity mode (identityBinding and managedIdentity); the provider allows one. Fix: keep only the fields of mode "identityBinding" (clientID).',
            ],
            [
                "an unknown cloud",
                { cloudName: "AzureCloudy" as "AzurePublicCloud" },
                'cloudName: "AzureCloudy" is not a cloud the provider knows. Fix: use one of AzurePublicCloud, AzureUSGovernmentCloud, AzureChinaCloud, AzureGermanCloud.',
            ],
        ];
        for (const [what, overrides, expected] of cases) {
            it(`rejects ${what}`, () => {
                expect(messages(spec(overrides))).to.include(expected);
            });
        }
    });

    describe("reading parameters like the provider", () => {
        it("reports keys the provider would silently ignore, with the right spelling", () => {
            const parsed = parseObjectsParameter("array:\n  - |\n    objectname: a\n    objectType: secret\n    objectAlais: b\n");
            expect(parsed.problems.map(formatProblem)).to.deep.equal([
                'objects[0].objectname: is not a key the provider reads, so it is silently ignored. Fix: spell it "objectName" (keys are case-sensitive).',
                "objects[0].objectAlais: is not a key the provider reads, so it is silently ignored. Fix: remove it; known keys are objectName, objectType, objectAlias, objectVersion, objectFormat, objectEncoding, filePermission, objectVersionHistory.",
            ]);
        });

        it("rejects mapping items (not block strings) and quoted version history, as the provider does", () => {
            expect(parseObjectsParameter("array:\n  - objectName: a\n    objectType: secret\n").problems[0].message).to.contain(
                "is a YAML mapping, not a string",
            );
            expect(
                parseObjectsParameter('array:\n  - |\n    objectName: a\n    objectType: secret\n    objectVersionHistory: "2"\n')
                    .problems[0].message,
            ).to.contain("is quoted (a string), not a number");
            expect(parseObjectsParameter("objects:\n  - a\n").problems[0].message).to.contain("has no `array:` list");
            // Aliases the library refuses to expand, or that come before their anchor: a problem, not an exception.
            const bomb = [
                "a: &a [x, x, x, x, x, x, x, x, x, x]",
                ...[1, 2, 3].map(
                    (n) =>
                        `b${n}: &b${n} [${Array(10)
                            .fill(n === 1 ? "*a" : `*b${n - 1}`)
                            .join(", ")}]`,
                ),
            ];
            expect(parseObjectsParameter(bomb.join("\n")).problems[0].message).to.match(/^is not valid YAML: Excessive alias count/);
            expect(parseObjectsParameter("array: [*late]\nx: &late 1\n").problems[0].message).to.match(
                /^is not valid YAML: Unresolved alias/,
            );
        });

        it("keeps filePermission as the literal text, as go-yaml does for a string field", () => {
            expect(
                parseObjectsParameter("array:\n  - |\n    objectName: a\n    objectType: secret\n    filePermission: 0755\n").value[0]
                    .filePermission,
            ).to.equal("0755");
        });

        it("resolves identity mode like the provider and flags conflicting modes", () => {
            // secretObjects or its data that are not lists read as empty, entries that are not maps as {}.
            const loose = parseSecretProviderClassManifest({
                kind: "SecretProviderClass",
                metadata: { name: "c" },
                spec: { provider: "azure", parameters: {}, secretObjects: [{ secretName: "s", type: "Opaque", data: "x" }, "y"] },
            });
            expect(loose.value.spec.secretObjects?.map((secret) => [secret.secretName, secret.data])).to.deep.equal([
                ["s", []],
                ["", []],
            ]);
            expect(
                parseSecretProviderClassManifest({ kind: "SecretProviderClass", spec: { secretObjects: 5 } }).value.spec.secretObjects,
            ).to.equal(undefined);
            const both = parseSecretProviderClassManifest({
                kind: "SecretProviderClass",
                metadata: { name: "x" },
                spec: {
                    provider: "azure",
                    parameters: {
                        keyvaultName: "kv-a",
                        tenantID: TENANT_ID,
                        useVMManagedIdentity: "true",
                        clientID: CLIENT_ID,
                        usePodIdentity: "true",
                        objects: "array:\n  - |\n    objectName: a\n    objectType: secret\n",
                    },
                },
            });
            const text = both.problems.map(formatProblem).join("\n");
            expect(text).to.contain("enables more than one identity mode (usePodIdentity, useVMManagedIdentity)");
            expect(text).to.contain("sets both useVMManagedIdentity and clientID (more than one identity mode)");
        });

        it("reads useAzureTokenProxy as identity binding, renders it back the same, and refuses it next to another mode", () => {
            const parameters = {
                keyvaultName: "kv-a",
                tenantID: TENANT_ID,
                useAzureTokenProxy: "True",
                clientID: ` ${CLIENT_ID} `,
                objects: "array:\n  - |\n    objectName: a\n    objectType: secret\n",
            };
            const parsed = parseSecretProviderClassManifest({
                kind: "SecretProviderClass",
                metadata: { name: "x", namespace: "a" },
                spec: { provider: "azure", parameters },
            });
            expect(parsed.value.spec.identity).to.deep.equal({ mode: "identityBinding", clientID: CLIENT_ID });
            expect(parsed.problems.map(formatProblem)).to.deep.equal([]);
            expect(renderParameters(parsed.value.spec)).to.deep.include({ useAzureTokenProxy: "true", clientID: CLIENT_ID });
            expect(providerView(renderParameters(parsed.value.spec) as Record<string, string>)).to.deep.equal(providerView(parameters));

            const withVm = parseSecretProviderClassManifest({
                kind: "SecretProviderClass",
                metadata: { name: "x" },
                spec: { provider: "azure", parameters: { ...parameters, useVMManagedIdentity: "true" } },
            });
            expect(withVm.problems.map(formatProblem)).to.include(
                "parameters: enables more than one identity mode (useVMManagedIdentity, useAzureTokenProxy). Fix: enable exactly one.",
            );
            const noClient = parseSecretProviderClassManifest({
                kind: "SecretProviderClass",
                metadata: { name: "x" },
                spec: { provider: "azure", parameters: { ...parameters, clientID: "" } },
            });
            expect(noClient.problems.map(formatProblem)).to.deep.equal([
                'identity.clientID: is missing; the provider refuses an identity-binding mount without it ("clientID is required for identity binding"). Fix: set the client ID of the managed identity bound to the cluster.',
            ]);
        });

        it("renders identity binding as useAzureTokenProxy plus clientID, without a VM identity", () => {
            const parameters = renderParameters(spec({ identity: { mode: "identityBinding", clientID: CLIENT_ID } }));
            expect(parameters).to.deep.include({ useAzureTokenProxy: "true", clientID: CLIENT_ID });
            expect(parameters).to.not.have.any.keys("useVMManagedIdentity", "userAssignedIdentityID");
            expect(messages(spec({ identity: { mode: "identityBinding", clientID: CLIENT_ID } }))).to.deep.equal([]);
        });

        it("flags mis-cased parameter keys (userAssignedIdentityId is ignored by the provider)", () => {
            const parsed = parseSecretProviderClassManifest({
                kind: "SecretProviderClass",
                metadata: { name: "x" },
                spec: {
                    provider: "azure",
                    parameters: {
                        keyvaultName: "kv-a",
                        tenantID: TENANT_ID,
                        useVMManagedIdentity: "true",
                        userAssignedIdentityId: CLIENT_ID,
                        objects: "array:\n  - |\n    objectName: a\n    objectType: secret\n",
                    },
                },
            });
            expect(parsed.problems.map(formatProblem)).to.include(
                'spec.parameters.userAssignedIdentityId: is not a key the provider reads, so it is silently ignored. Fix: spell it "userAssignedIdentityID" (keys are case-sensitive).',
            );
        });
    });

    describe("own SecretProviderClass fixtures (tests/fixtures/spc) through the model", () => {
        /** What the model reports for each fixture (the `where` of each problem): placeholders, the deprecated tenantId, ... */
        const EXPECTED_PROBLEMS: Record<string, string[]> = {
            "addon-identity-placeholder-client-id.yaml": ["spec.parameters.tenantId", "tenantID", "identity.userAssignedIdentityID"],
            "certificate-parts-and-pfx.yaml": ["spec.parameters"],
            "identity-binding-leftover-vm-identity.yaml": ["parameters.userAssignedIdentityID"],
            "secrets-invalid-encoding.yaml": ['objects[2] "checkout-signing-seed".objectEncoding'],
            "sync-opaque-unfilled-placeholders.yaml": [
                "spec.parameters",
                "tenantID",
                'objects[0] "${ORDERS_DB_USER_SECRET}".objectName',
                'objects[1] "<signing key name>".objectName',
            ],
            "sync-tls-service-principal.yaml": ["spec.parameters.tenantId", "spec.parameters"],
            "workload-identity-version-history.yaml": [],
        };
        const files = fs
            .readdirSync(SPC_FIXTURES)
            .filter((file) => file.endsWith(".yaml"))
            .sort();
        it("states what the model reports for every fixture", () => {
            expect(files).to.deep.equal(Object.keys(EXPECTED_PROBLEMS).sort());
        });
        for (const file of files) {
            it(`${file}: parse -> typed model -> render means the same to the provider`, () => {
                const text = fs.readFileSync(path.join(SPC_FIXTURES, file), "utf8");
                const original = YAML.parse(text).spec;
                const classes = parseSecretProviderClassYaml(text);
                expect(classes, "one SecretProviderClass per fixture").to.have.length(1);
                const [adopted] = classes;
                const rendered = renderSecretProviderClassSpec(adopted.value.spec) as {
                    parameters: Record<string, string>;
                    secretObjects?: unknown;
                };
                expect(providerView(rendered.parameters)).to.deep.equal(providerView(original.parameters));
                expect(providerView(rendered.parameters).objects.length).to.equal(
                    parseObjectsParameter(original.parameters.objects).value.length,
                );
                expect(rendered.secretObjects ?? []).to.deep.equal(
                    (original.secretObjects ?? []).map((s: any) => ({
                        secretName: s.secretName,
                        type: s.type,
                        data: s.data.map((d: any) => ({ objectName: d.objectName, key: d.key })),
                        ...(s.labels ? { labels: s.labels } : {}),
                        ...(s.annotations ? { annotations: s.annotations } : {}),
                    })),
                );
                expect(adopted.problems.map((p) => p.where)).to.deep.equal(EXPECTED_PROBLEMS[file]);
            });
        }
    });

    describe("component", () => {
        beforeEach(resetRegistrations);

        it("registers one secrets-store.csi.x-k8s.io/v1 SecretProviderClass with the rendered spec (no wrapper component)", async () => {
            const resource = new SecretProviderClass("orders-class", { namespace: "orders", className: "orders", ...spec() });
            expect(await valueOf(resource.className)).to.equal("orders");
            await settle();
            const registration = registered("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass", "orders-class");
            expect(registration.inputs.metadata).to.deep.include({ name: "orders", namespace: "orders" });
            expect(registration.inputs.spec.parameters).to.deep.equal(renderParameters(spec()));
            expect(registrations.filter((r) => !r.custom)).to.deep.equal([]);
        });

        it("fails at construction with every problem listed", () => {
            const error = errorFrom(
                () => new SecretProviderClass("orders", { namespace: "orders", ...spec({ keyvaultName: "x", objects: [] }) }),
            );
            expect(error).to.be.instanceOf(ValidationError);
            expect(error.message).to.equal(
                'SecretProviderClass "orders" is invalid (2 problems):\n' +
                    '  - keyvaultName: "x" is not a valid Key Vault name. Fix: use 3-24 characters of letters, digits and single hyphens, starting with a letter and ending with a letter or digit.\n' +
                    "  - objects: is empty; the pod would mount nothing. Fix: list at least one Key Vault object.",
            );
        });

        it("checks Output values once they resolve (still at preview)", async () => {
            const checked = validatedSpec('SecretProviderClass "late"', spec({ tenantID: pulumi.output("not-a-guid") }));
            const error = await outputError(pulumi.output(checked.tenantID));
            expect(error.message).to.equal(
                'SecretProviderClass "late" is invalid (1 problem):\n  - tenantID: "not-a-guid" is not a GUID. Fix: use the vault\'s Entra tenant ID, e.g. from `az account show --query tenantId`.',
            );
        });
    });
});
