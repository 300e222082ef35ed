/** policy/secret-values.ts: no secret value in ConfigMaps or SecretProviderClass parameters. */
import { expect } from "chai";
import { noSecretValuesInManifests } from "../../../policy/secret-values";
import {
    FAKE_CERTIFICATE,
    FAKE_JWT,
    FAKE_PRIVATE_KEY,
    RANDOM_HEX,
    RANDOM_KEY,
    ResourceCase,
    U,
    spc,
    spcSpec,
    violations,
} from "./fixtures";

function configMap(data: Record<string, unknown>, binaryData?: Record<string, unknown>, name = "orders-settings"): ResourceCase {
    return {
        type: "kubernetes:core/v1:ConfigMap",
        name,
        props: {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name, namespace: "orders" },
            data,
            ...(binaryData ? { binaryData } : {}),
        },
    };
}

describe("no-secret-values-in-manifests", () => {
    const CM = 'ConfigMap "orders/orders-settings"';
    const CM_ADVICE =
        "ConfigMaps are readable by anyone who can read the namespace's configuration, and their values are stored in the Pulumi state in clear text. " +
        "Put the value in Key Vault and mount it through a SecretProviderClass.";
    const allowHint = (key: string) => `If it is not a secret, add "orders/orders-settings/${key}" to this policy's allowKeys.`;

    it("passes ordinary configuration", () => {
        expect(
            violations(
                noSecretValuesInManifests,
                configMap({
                    LOG_LEVEL: "info",
                    DB_HOST: "orders.postgres.database.azure.com",
                    DB_PASSWORD_FILE: "/mnt/secrets-store/db-password",
                    KEYVAULT_SECRET_NAME: "db-password",
                    TOKEN_URL: "https://login.microsoftonline.com/x/oauth2/v2.0/token",
                    PASSWORD_MIN_LENGTH: "12",
                    API_TOKEN: "${API_TOKEN}",
                    IMAGE_DIGEST: RANDOM_HEX,
                    "ca.crt": FAKE_CERTIFICATE,
                    FEATURE_FLAGS: "checkout-v2,orders-export,AuditTrailBackfill2024",
                }),
            ),
        ).to.deep.equal([]);
    });

    it("flags a PEM private key", () => {
        expect(violations(noSecretValuesInManifests, configMap({ "server.pem": FAKE_PRIVATE_KEY }))).to.deep.equal([
            `${CM} key "server.pem" holds a PEM private key (-----BEGIN RSA PRIVATE KEY-----). ${CM_ADVICE} ${allowHint("server.pem")}`,
        ]);
    });

    it("flags public PEM blocks only when allowPublicPemBlocks is false", () => {
        expect(
            violations(noSecretValuesInManifests, {
                ...configMap({ "ca.crt": FAKE_CERTIFICATE }),
                config: { allowPublicPemBlocks: false },
            }),
        ).to.deep.equal([
            `${CM} key "ca.crt" holds a PEM block (-----BEGIN CERTIFICATE-----); set allowPublicPemBlocks: true if public certificates are intended here. ${CM_ADVICE} ${allowHint("ca.crt")}`,
        ]);
    });

    it("flags a long random-looking token", () => {
        const [message] = violations(noSecretValuesInManifests, configMap({ STORAGE_KEY_VALUE: `key=${RANDOM_KEY}==` }));
        expect(message).to.match(
            new RegExp(
                `^${CM} key "STORAGE_KEY_VALUE" holds a random-looking string of ${RANDOM_KEY.length} characters \\(\\d\\.\\d bits/char\\) shaped like a generated key or token\\.`,
            ),
        );
        expect(message).to.not.include(RANDOM_KEY, "never echo the value");
    });

    it("flags JSON Web Tokens and credentials inside connection strings and URLs", () => {
        expect(violations(noSecretValuesInManifests, configMap({ SESSION: FAKE_JWT }))).to.deep.equal([
            `${CM} key "SESSION" holds a JSON Web Token (eyJ...). ${CM_ADVICE} ${allowHint("SESSION")}`,
        ]);
        const credential = "a credential inside a connection string or URL (Password=..., AccountKey=..., user:password@host)";
        expect(
            violations(noSecretValuesInManifests, configMap({ DB: "Server=tcp:db;Database=orders;User ID=app;Password=hunter2;" })),
        ).to.deep.equal([`${CM} key "DB" holds ${credential}. ${CM_ADVICE} ${allowHint("DB")}`]);
        expect(violations(noSecretValuesInManifests, configMap({ BROKER: "amqp://orders:s3cr3t@rabbit:5672/" }))).to.have.length(1);
        expect(
            violations(noSecretValuesInManifests, configMap({ STORAGE: "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abc;" })),
        ).to.have.length(1);
    });

    it("flags literal values under keys named like passwords, secrets and tokens", () => {
        for (const key of ["DB_PASSWORD", "jwt-secret", "apiKey", "GITHUB_TOKEN", "client_secret", "privateKey"]) {
            expect(violations(noSecretValuesInManifests, configMap({ [key]: "changeme" })), key).to.deep.equal([
                `${CM} key "${key}" holds a literal value under a key named like a password, secret or token. ${CM_ADVICE} ${allowHint(key)}`,
            ]);
        }
    });

    it("flags keystore and private-key file names in data and binaryData, and private keys in binaryData", () => {
        const keystore = "a key named like a keystore or private-key file (.pfx, .p12, .jks, .keystore, .key)";
        expect(violations(noSecretValuesInManifests, configMap({ "tls.key": "see vault" }))).to.deep.equal([
            `${CM} key "tls.key" holds ${keystore}. ${CM_ADVICE} ${allowHint("tls.key")}`,
        ]);
        expect(violations(noSecretValuesInManifests, configMap({}, { "app.pfx": Buffer.from("binary").toString("base64") }))).to.deep.equal(
            [`${CM} binaryData key "app.pfx" holds ${keystore}. ${CM_ADVICE} ${allowHint("app.pfx")}`],
        );
        expect(
            violations(noSecretValuesInManifests, configMap({}, { "key.bin": Buffer.from(FAKE_PRIVATE_KEY).toString("base64") })),
        ).to.deep.equal([
            `${CM} binaryData key "key.bin" holds a PEM private key (-----BEGIN RSA PRIVATE KEY-----). ${CM_ADVICE} ${allowHint("key.bin")}`,
        ]);
        expect(violations(noSecretValuesInManifests, configMap({}, { "logo.png": Buffer.from("PNG").toString("base64") }))).to.deep.equal(
            [],
        );
    });

    it("honours allowKeys with and without the namespace", () => {
        expect(
            violations(noSecretValuesInManifests, {
                ...configMap({ DB_PASSWORD: "x" }),
                config: { allowKeys: ["orders/orders-settings/DB_PASSWORD"] },
            }),
        ).to.deep.equal([]);
        expect(
            violations(noSecretValuesInManifests, {
                ...configMap({}, { "app.pfx": "AA==" }),
                config: { allowKeys: ["orders-settings/app.pfx"] },
            }),
        ).to.deep.equal([]);
    });

    it("honours the entropy tunables", () => {
        expect(violations(noSecretValuesInManifests, { ...configMap({ V: RANDOM_KEY }), config: { minLength: 64 } })).to.deep.equal([]);
        expect(violations(noSecretValuesInManifests, { ...configMap({ V: RANDOM_KEY }), config: { entropyThreshold: 7 } })).to.deep.equal(
            [],
        );
    });

    it("flags credential-like SecretProviderClass parameters", () => {
        for (const key of ["clientSecret", "clientsecret", "client-secret", "password", "servicePrincipalToken"]) {
            expect(violations(noSecretValuesInManifests, spc(spcSpec({ [key]: "x" }))), key).to.deep.equal([
                `SecretProviderClass "orders/orders" has parameter "${key}", which looks like a credential. The Azure provider never reads credentials from ` +
                    "parameters (a service principal's client secret comes from the pod volume's nodePublishSecretRef Secret), so the value only leaks: " +
                    'remove it and use workload identity (clientID) or the addon identity (useVMManagedIdentity: "true").',
            ]);
        }
    });

    it("flags secret values in SecretProviderClass parameters, and passes a normal class", () => {
        expect(violations(noSecretValuesInManifests, spc(spcSpec({})))).to.deep.equal([]);
        expect(violations(noSecretValuesInManifests, spc(spcSpec({ cloudEnvFileName: FAKE_PRIVATE_KEY })))).to.deep.equal([
            'SecretProviderClass "orders/orders" parameter "cloudEnvFileName" holds a PEM private key (-----BEGIN RSA PRIVATE KEY-----). SecretProviderClass ' +
                "parameters are plain configuration, stored in clear text in the cluster and the Pulumi state. " +
                'If it is not a secret, add "orders/orders/cloudEnvFileName" to this policy\'s allowKeys.',
        ]);
    });

    it("skips unknown values and other resource types", () => {
        expect(violations(noSecretValuesInManifests, { ...configMap({ DB_PASSWORD: U, OTHER: "info" }), preview: true })).to.deep.equal([]);
        expect(violations(noSecretValuesInManifests, { ...spc(spcSpec({ objects: U })), preview: true })).to.deep.equal([]);
        expect(
            violations(noSecretValuesInManifests, { type: "kubernetes:core/v1:Secret", props: { stringData: { password: "x" } } }),
        ).to.deep.equal([]);
    });
});
