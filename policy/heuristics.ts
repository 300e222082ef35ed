/**
 * Heuristics that find secret values in plain configuration (ConfigMap data, SecretProviderClass parameters).
 * Each finding says what was seen without echoing the value: policy output ends up in CI logs and PR comments.
 */

/** What a value looks like, and why it is taken for a secret. */
export interface SecretHint {
    /** Short machine name of the rule. */
    rule: "pem-private-key" | "pem-block" | "jwt" | "high-entropy" | "credential-in-string" | "secret-named-key" | "keystore-file";
    /** Human description for the violation message. */
    detail: string;
}

/** Tunables (policy config). */
export interface SecretHeuristicOptions {
    /** Minimum length of a token for the entropy rule. */
    minLength: number;
    /** Minimum Shannon entropy in bits per character for the entropy rule. */
    entropyThreshold: number;
    /** Allow PEM blocks that are public by nature (CERTIFICATE, PUBLIC KEY, ...). */
    allowPublicPemBlocks: boolean;
}

export const DEFAULT_SECRET_HEURISTICS: SecretHeuristicOptions = {
    minLength: 32,
    entropyThreshold: 4.3,
    allowPublicPemBlocks: true,
};

const PEM_BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/g;
const JWT = /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;
/** `Password=...`, `AccountKey=...`, `SharedAccessKey=...` in connection strings; `user:pass@` in URLs. */
const CREDENTIAL_IN_STRING =
    /(?:\b(?:password|pwd|accountkey|sharedaccesskey|sharedaccesssignature|clientsecret)\s*=\s*(?!;)[^;\s"']+)|(?:[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s@/]+@)/i;
/** Key names that announce a secret; separators are removed first (DB_PASSWORD -> dbpassword). */
const SECRET_KEY_NAME = /(password|passwd|pwd|secret|token|apikey|accesskey|privatekey|connectionstring|credential)/;
/** Key names that are about a secret without holding it: SECRET_NAME, TOKEN_URL, PASSWORD_MIN_LENGTH, ... */
const NON_VALUE_SUFFIX =
    /(name|names|file|path|dir|ref|id|url|uri|endpoint|ttl|expiry|expiration|lifetime|length|header|type|mode|enabled|version|count|timeout|interval|duration|audience|issuer|scope|policy|format|class|provider|store)$/;
const KEYSTORE_FILE = /\.(pfx|p12|jks|keystore|key)$/i;

/** Labels of every PEM block in `text` (e.g. "RSA PRIVATE KEY", "CERTIFICATE"). */
export function pemLabels(text: string): string[] {
    return [...text.matchAll(PEM_BEGIN)].map((match) => match[1]);
}

/** True for PEM labels that carry a private key. */
export function isPrivatePemLabel(label: string): boolean {
    return /PRIVATE KEY/.test(label);
}

/** Shannon entropy of `text` in bits per character. */
export function shannonEntropy(text: string): number {
    if (text.length === 0) {
        return 0;
    }
    const counts = new Map<string, number>();
    for (const char of text) {
        counts.set(char, (counts.get(char) ?? 0) + 1);
    }
    let entropy = 0;
    for (const count of counts.values()) {
        const p = count / text.length;
        entropy -= p * Math.log2(p);
    }
    return entropy;
}

/**
 * Tokens of base64/base64url characters of at least `minLength` that mix upper case, lower case and digits and
 * whose entropy reaches the threshold: the shape of generated keys and tokens, not of words, paths or hex digests.
 */
export function highEntropyTokens(
    text: string,
    options: Pick<SecretHeuristicOptions, "minLength" | "entropyThreshold">,
): Array<{ length: number; entropy: number }> {
    const found: Array<{ length: number; entropy: number }> = [];
    // Split on anything outside the base64/base64url alphabet, and on `=` that is not trailing padding (key=value).
    for (const raw of text.split(/[^A-Za-z0-9+/=_-]+|=+(?=[^=])/)) {
        const token = raw.replace(/=+$/, "");
        if (token.length < options.minLength || !/[A-Z]/.test(token) || !/[a-z]/.test(token) || !/[0-9]/.test(token)) {
            continue;
        }
        const entropy = shannonEntropy(token);
        if (entropy >= options.entropyThreshold) {
            found.push({ length: token.length, entropy });
        }
    }
    return found;
}

/** True for a key whose name says it holds a secret value (DB_PASSWORD, jwt-secret, apiKey), not a reference to one. */
export function isSecretLikeKey(key: string): boolean {
    const normalized = key.toLowerCase().replace(/[^a-z0-9]/g, "");
    return SECRET_KEY_NAME.test(normalized) && !NON_VALUE_SUFFIX.test(normalized);
}

/** True for values that are not literal secrets: empty, booleans, numbers, references and paths. */
export function isNonLiteralValue(value: string): boolean {
    const trimmed = value.trim();
    return (
        trimmed === "" ||
        /^(true|false|yes|no|on|off|null|none)$/i.test(trimmed) ||
        /^-?\d+(\.\d+)?$/.test(trimmed) ||
        /^\$[({]?[A-Za-z_][A-Za-z0-9_.]*[)}]?$/.test(trimmed) || // $VAR, ${VAR}, $(VAR)
        /^\{\{.*\}\}$/.test(trimmed) || // templating
        /^@Microsoft\.KeyVault\(/.test(trimmed) || // App Service style Key Vault reference
        /^\/[^\s]*$/.test(trimmed) // an absolute file path, e.g. a mounted secret file
    );
}

/** Everything suspicious about one string value; `key` is its map key (ConfigMap data key or parameter name). */
export function secretHints(key: string, value: string, options: SecretHeuristicOptions = DEFAULT_SECRET_HEURISTICS): SecretHint[] {
    const hints: SecretHint[] = [];
    for (const label of new Set(pemLabels(value))) {
        if (isPrivatePemLabel(label)) {
            hints.push({ rule: "pem-private-key", detail: `a PEM private key (-----BEGIN ${label}-----)` });
        } else if (!options.allowPublicPemBlocks) {
            hints.push({
                rule: "pem-block",
                detail: `a PEM block (-----BEGIN ${label}-----); set allowPublicPemBlocks: true if public certificates are intended here`,
            });
        }
    }
    if (JWT.test(value)) {
        hints.push({ rule: "jwt", detail: "a JSON Web Token (eyJ...)" });
    }
    if (CREDENTIAL_IN_STRING.test(value)) {
        hints.push({
            rule: "credential-in-string",
            detail: "a credential inside a connection string or URL (Password=..., AccountKey=..., user:password@host)",
        });
    }
    if (pemLabels(value).length === 0 && !JWT.test(value)) {
        const tokens = highEntropyTokens(value, options);
        if (tokens.length > 0) {
            const longest = tokens.reduce((a, b) => (b.length > a.length ? b : a));
            hints.push({
                rule: "high-entropy",
                detail: `a random-looking string of ${longest.length} characters (${longest.entropy.toFixed(1)} bits/char) shaped like a generated key or token`,
            });
        }
    }
    if (isSecretLikeKey(key) && !isNonLiteralValue(value) && hints.length === 0) {
        hints.push({ rule: "secret-named-key", detail: "a literal value under a key named like a password, secret or token" });
    }
    return hints;
}

/** True for a data key that names a keystore or private key file (tls.key, keystore.p12, app.pfx). */
export function isKeystoreFileName(key: string): boolean {
    return KEYSTORE_FILE.test(key);
}
