/** policy/heuristics.ts: telling secret values from configuration. */
import { expect } from "chai";
import { highEntropyTokens, isNonLiteralValue, isSecretLikeKey, secretHints, shannonEntropy } from "../../../policy/heuristics";
import { FAKE_JWT, FAKE_PRIVATE_KEY, RANDOM_HEX, RANDOM_KEY } from "./fixtures";

describe("secret heuristics", () => {
    it("computes Shannon entropy", () => {
        expect(shannonEntropy("")).to.equal(0);
        expect(shannonEntropy("aaaa")).to.equal(0);
        expect(shannonEntropy("abcd")).to.equal(2);
    });

    it("needs mixed case and digits for the entropy rule", () => {
        const options = { minLength: 32, entropyThreshold: 4.3 };
        expect(highEntropyTokens(RANDOM_KEY, options)).to.have.length(1);
        expect(highEntropyTokens(RANDOM_HEX, options)).to.deep.equal([]);
        expect(highEntropyTokens(RANDOM_KEY.toLowerCase().replace(/[0-9]/g, ""), options)).to.deep.equal([]);
    });

    it("tells secret-holding key names from names about secrets", () => {
        for (const key of ["DB_PASSWORD", "db-password", "Secret", "API_KEY", "accessKey", "connectionString", "credentials"]) {
            expect(isSecretLikeKey(key), key).to.equal(true);
        }
        for (const key of [
            "SECRET_NAME",
            "TOKEN_ENDPOINT",
            "PASSWORD_MIN_LENGTH",
            "TOKEN_TTL",
            "DB_PASSWORD_FILE",
            "LOG_LEVEL",
            "secretProviderClass",
        ]) {
            expect(isSecretLikeKey(key), key).to.equal(false);
        }
    });

    it("treats references, paths, booleans and numbers as non-literal", () => {
        for (const value of [
            "",
            "  ",
            "true",
            "42",
            "$DB_PASSWORD",
            "${DB_PASSWORD}",
            "$(DB_PASSWORD)",
            "{{ .Values.password }}",
            "@Microsoft.KeyVault(SecretUri=https://kv/secrets/x)",
            "/mnt/secrets/db",
        ]) {
            expect(isNonLiteralValue(value), value).to.equal(true);
        }
        expect(isNonLiteralValue("hunter2")).to.equal(false);
    });

    it("lists every hint a value triggers", () => {
        expect(secretHints("x", `${FAKE_PRIVATE_KEY}\n${FAKE_JWT}`).map((hint) => hint.rule)).to.deep.equal(["pem-private-key", "jwt"]);
    });
});
