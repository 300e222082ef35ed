/**
 * Generator of SecretProviderClass arguments that stress the edges upstream cares about: aliases and paths,
 * object types x formats x encodings, version history, file permissions, synced Secret types and data keys,
 * labels and annotations, cloud names, identities, names and namespaces. Mostly valid values, with edge values
 * mixed in, so that both acceptance and rejection are exercised.
 */
import * as fc from "fast-check";
import { KeyVaultObject, SecretProviderClassArgs, SecretProviderIdentity, SyncedSecret } from "../../components";

/** One generated case: the arguments of a standalone `SecretProviderClass`. */
export interface GeneratedCase {
    className: string;
    args: SecretProviderClassArgs;
}

const GUIDS = ["72f988bf-86f1-41af-91ab-2d7cd011db47", "0f4c8b1e-3c2a-4a55-9d1e-6b7a8c9d0e1f", "00000000-0000-0000-0000-000000000000"];

/** The value without its undefined fields, as a user would write it. */
function defined<T extends object>(value: T): T {
    return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/** Picks `valid` values, and one of `edges` once in `edgeOneIn` draws (never when 0). */
type Mostly = <T>(valid: fc.Arbitrary<T>, ...edges: T[]) => fc.Arbitrary<T>;

function mostlyWith(edgeOneIn: number): Mostly {
    return <T>(valid: fc.Arbitrary<T>, ...edges: T[]) =>
        edgeOneIn === 0
            ? valid
            : fc.oneof({ weight: edgeOneIn - 1, arbitrary: valid }, { weight: 1, arbitrary: fc.constantFrom(...edges) });
}

/** Cases whose values are edge values once in `edgeOneIn` draws (0: none). */
function caseArbitrary(edgeOneIn: number): fc.Arbitrary<GeneratedCase> {
    const mostly = mostlyWith(edgeOneIn);
    const longSegment = (length: number) => "s".repeat(length);

    const pathSegment = fc.constantFrom(
        "conf",
        "db",
        "tls",
        "a",
        "b",
        "0",
        "1",
        "x.pem",
        ".",
        "..",
        "",
        "..data",
        ".hidden",
        " a",
        "a b",
        "a\\b",
        "C:",
        longSegment(255),
        longSegment(256),
    );
    /** Aliases from clean names to every shape of path the provider or driver treat specially. */
    const cleanAlias = fc.oneof(
        { weight: 8, arbitrary: fc.constant(undefined) },
        {
            weight: 6,
            arbitrary: fc.constantFrom(
                "app.json",
                "db-password",
                "tls-bundle",
                "certs/tls.pem",
                "certs/ca.pem",
                "signing.pub",
                "config/app/settings",
                "DB_PASSWORD",
            ),
        },
        // Names that collide with other objects' files or version directories.
        { weight: 1, arbitrary: fc.constantFrom("conf", "conf/db", "root/0", "x/1", "db") },
    );
    const edgeAlias = fc.oneof(
        fc.constantFrom(
            "./x",
            "x/",
            "a//b",
            "a/./b",
            ".",
            "/abs",
            "../x",
            "a/../b",
            "..x",
            "C:\\x",
            " x ",
            "",
            `d/${longSegment(255)}`,
            longSegment(256),
            `${"p/".repeat(2100)}x`,
        ),
        fc.array(pathSegment, { minLength: 1, maxLength: 3 }).map((segments) => segments.join("/")),
    );
    const alias =
        edgeOneIn === 0
            ? cleanAlias
            : fc.oneof({ weight: Math.max(Math.round(edgeOneIn / 4), 1), arbitrary: cleanAlias }, { weight: 1, arbitrary: edgeAlias });

    const objectName = mostly(
        fc.constantFrom(
            "db",
            "tls",
            "conf",
            "root",
            "x-1",
            "signing",
            "a",
            "orders-api-key",
            "payments",
            "redis",
            "ca",
            "smtp",
            "jwt-signing",
            "storage",
        ),
        "",
        "db_password",
        "x".repeat(127),
        "x".repeat(128),
        " db ",
        "a.b",
    );
    const objectType = mostly(fc.constantFrom("secret", "secret", "key", "cert"), "Secret", "certificate", "", " cert ");
    const history = mostly(fc.constantFrom(undefined, 0, 1, 2, 3), -1, 5, 100, 101, 1000, 2147483647, 2147483648, 2.5, 1.9, -0.5);
    const format = mostly(fc.constantFrom(undefined, "pem", "pfx"), "PFX", "Pem", "der", "");
    const encoding = mostly(fc.constantFrom(undefined, "utf-8", "base64", "hex"), "BASE64", "Hex", "utf8", "");
    const permission = mostly(
        fc.constantFrom(undefined, "0644", "0440", "0400"),
        "644",
        "0755",
        "0855",
        "abc",
        "00644",
        "1777",
        "0o644",
        "",
        "0000",
    );
    const version = mostly(fc.constantFrom(undefined, ""), "latest", "0123456789abcdef0123456789abcdef", " ");

    const keyVaultObject: fc.Arbitrary<KeyVaultObject> = fc
        .record({
            objectName,
            objectType,
            objectAlias: alias,
            objectVersion: version,
            objectVersionHistory: history,
            objectFormat: format,
            objectEncoding: encoding,
            filePermission: permission,
        })
        // Mostly a format or encoding only where the provider uses one (always in clean cases).
        .chain((fields) =>
            (fields.objectType !== "secret" || (fields.objectFormat === "pfx" && fields.objectEncoding === "hex")) &&
            (fields.objectFormat !== undefined || fields.objectEncoding !== undefined)
                ? mostly(fc.constant({ ...fields, objectFormat: undefined, objectEncoding: undefined }), fields)
                : fc.constant(fields),
        )
        .map((fields) => defined(fields) as KeyVaultObject);

    /** File names a synced Secret may point at, for these objects: every base file, version files, and misses. */
    function candidateFiles(objects: KeyVaultObject[]): string[] {
        const files = objects.flatMap((object) => {
            const base = object.objectAlias || object.objectName;
            const last = typeof object.objectVersionHistory === "number" ? Math.trunc(object.objectVersionHistory) : 0;
            return edgeOneIn === 0
                ? [base, `${base}/0`, `${base}/${last}`]
                : [base, `${base}/0`, `${base}/1`, `${base}/${last}`, `${base}/${last + 1}`];
        });
        return [...new Set([...files, ...(files.length === 0 || (edgeOneIn > 0 && edgeOneIn <= 10) ? ["missing", " db "] : [])])];
    }

    const labelKey = mostly(
        fc.constantFrom("app", "team", "app.kubernetes.io/name", "example.com/owner"),
        "",
        "-bad",
        "Bad Key",
        "a/b/c",
        "example.com/",
        "x".repeat(63),
        "x".repeat(64),
        `${"d".repeat(254)}/x`,
        "kubernetes.io/x",
    );
    const labelValue = mostly(fc.constantFrom("orders", "v1", "", "a.b_c-d"), "-bad", "x".repeat(63), "x".repeat(64), "a b", "ü");
    const annotationValue = mostly(fc.constantFrom("x", "", "https://example.com/a?b=c", "a b"), "x".repeat(262_144));

    /** Keys a Secret of each type takes, for well-typed Secrets. */
    const TYPED_KEYS: Record<string, string[]> = {
        "kubernetes.io/tls": ["tls.crt", "tls.key"],
        "kubernetes.io/dockerconfigjson": [".dockerconfigjson"],
        "kubernetes.io/dockercfg": [".dockercfg"],
        "kubernetes.io/basic-auth": ["username", "password"],
        "kubernetes.io/ssh-auth": ["ssh-privatekey"],
    };

    function syncedSecret(files: string[]): fc.Arbitrary<SyncedSecret> {
        const dataKey = mostly(
            fc.constantFrom("username", "password", "tls.crt", "tls.key", ".dockerconfigjson", "value"),
            "ssh-privatekey",
            ".dockercfg",
            "a b",
            "",
            ".",
            "..",
            "-k",
            "_k",
            "x".repeat(253),
            "x".repeat(254),
            " value ",
        );
        const file = fc.constantFrom(...files);
        return fc
            .record({
                secretName: mostly(
                    fc.constantFrom("orders", "orders-tls", "pull.secret", "app-1"),
                    "",
                    "Orders",
                    "a_b",
                    "x".repeat(253),
                    "x".repeat(254),
                    " orders ",
                    "-a",
                ),
                type: mostly(
                    fc.constantFrom(
                        "Opaque",
                        "Opaque",
                        "kubernetes.io/tls",
                        "kubernetes.io/dockerconfigjson",
                        "kubernetes.io/basic-auth",
                        "kubernetes.io/ssh-auth",
                        "kubernetes.io/dockercfg",
                    ),
                    "",
                    "kubernetes.io/service-account-token",
                    "example.com/custom",
                    "opaque",
                ),
                data: fc.array(fc.record({ key: dataKey, objectName: file }), {
                    minLength: edgeOneIn > 0 && edgeOneIn <= 10 ? 0 : 1,
                    maxLength: 3,
                }),
                typed: mostly(fc.constant(true), false),
                typedFile: file,
                labels: fc.option(fc.dictionary(labelKey, labelValue, { maxKeys: 3 }), { nil: undefined }),
                annotations: fc.option(fc.dictionary(labelKey, annotationValue, { maxKeys: 2 }), { nil: undefined }),
            })
            .map(({ typed, typedFile, ...secret }) => {
                // Mostly well-typed: the keys the type takes (a TLS Secret's both from one file), or unique keys.
                const keys = TYPED_KEYS[secret.type];
                if (typed && keys) {
                    return { ...secret, data: keys.map((key) => ({ key, objectName: typedFile })) };
                }
                return typed
                    ? {
                          ...secret,
                          data: secret.data.filter((entry, index) => secret.data.findIndex((other) => other.key === entry.key) === index),
                      }
                    : secret;
            })
            .map((secret) => defined(secret) as SyncedSecret);
    }

    const guid = mostly(
        fc.constantFrom(...GUIDS),
        "",
        "not-a-guid",
        " 0f4c8b1e-3c2a-4a55-9d1e-6b7a8c9d0e1f",
        "0F4C8B1E-3C2A-4A55-9D1E-6B7A8C9D0E1F",
    );
    const identity: fc.Arbitrary<SecretProviderIdentity> = fc.oneof(
        guid.map((clientID): SecretProviderIdentity => ({ mode: "workloadIdentity", clientID })),
        guid.map((clientID): SecretProviderIdentity => ({ mode: "identityBinding", clientID })),
        fc
            .option(guid, { nil: undefined })
            .map((id): SecretProviderIdentity =>
                id === undefined ? { mode: "managedIdentity" } : { mode: "managedIdentity", userAssignedIdentityID: id },
            ),
        mostly(fc.constantFrom("kv-creds", "sp.creds"), "", "Bad_Ref").map((ref): SecretProviderIdentity => ({
            mode: "servicePrincipal",
            nodePublishSecretRef: ref,
        })),
    );

    const name = mostly(
        fc.constantFrom("orders", "orders-spc", "app.v1", "a"),
        "",
        "Orders",
        "a_b",
        "x".repeat(253),
        "x".repeat(254),
        "-a",
    );
    const namespace = mostly(
        fc.constantFrom("orders", "default", "team-a"),
        "",
        "Orders",
        "a.b",
        "x".repeat(63),
        "x".repeat(64),
        "-a",
        "kube-system ",
    );

    return fc
        .record({
            className: name,
            namespace,
            keyvaultName: mostly(
                fc.constantFrom("kv-orders", "kvorders01", "kv-a-b-c", "KvOrders"),
                "kv",
                "kv-",
                "kv--a",
                "1kv",
                "kv_orders",
                "x".repeat(24),
                "x".repeat(25),
                " kv-orders ",
            ),
            tenantID: mostly(
                fc.constant(GUIDS[0]),
                "",
                "tid",
                "contoso.onmicrosoft.com",
                ` ${GUIDS[0]} `,
                "72F988BF-86F1-41AF-91AB-2D7CD011DB47",
            ),
            identity,
            cloudName: mostly(
                fc.constantFrom(undefined, "AzurePublicCloud", "AzureUSGovernmentCloud", "AzureChinaCloud"),
                "AzureGermanCloud",
                "AzureStackCloud",
                "azurepubliccloud",
                "AzureCloud",
                "",
            ),
            objects: fc.array(keyVaultObject, { minLength: edgeOneIn > 0 && edgeOneIn <= 10 ? 0 : 1, maxLength: 5 }),
        })
        .chain((base) =>
            fc.array(syncedSecret(candidateFiles(base.objects)), { minLength: 0, maxLength: 2 }).map((secretObjects): GeneratedCase => {
                const { className, namespace: ns, cloudName, ...spec } = base;
                return {
                    className,
                    args: {
                        namespace: ns,
                        ...spec,
                        ...(cloudName === undefined ? {} : { cloudName: cloudName as SecretProviderClassArgs["cloudName"] }),
                        ...(secretObjects.length > 0 ? { secretObjects } : {}),
                    },
                };
            }),
        );
}

/** The generator: arguments of one SecretProviderClass, clean, with a few edges, or with many. */
export const generatedCase: fc.Arbitrary<GeneratedCase> = fc.oneof(
    { weight: 1, arbitrary: caseArbitrary(0) },
    { weight: 2, arbitrary: caseArbitrary(40) },
    { weight: 1, arbitrary: caseArbitrary(6) },
);
