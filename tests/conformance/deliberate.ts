/**
 * Every rule where we are deliberately stricter than the provider, the driver and the API server: the only
 * false rejects the conformance suite allows. docs/conformance.md lists the same rules with their reasons
 * (a test keeps the two in step).
 */
export interface DeliberateRule {
    /** Short id, as in docs/conformance.md. */
    id: string;
    /** Matches our formatted problem. */
    matches: RegExp;
    /** Why we refuse what upstream accepts. */
    reason: string;
}

export const DELIBERATE_RULES: DeliberateRule[] = [
    {
        id: "key-vault-name",
        matches: /^keyvaultName: ".*" is not a valid Key Vault name\./,
        reason: "Azure's naming rule (starts with a letter, no '--', ends with a letter or digit); the provider checks only 3-24 of [-A-Za-z0-9] and the vault lookup fails at mount.",
    },
    {
        id: "tenant-guid",
        matches: /^tenantID: ".*" is not a GUID\./,
        reason: "The provider passes any tenant to the identity library, which also takes a domain name; the vault's tenantId is a GUID and the rest of the library (role assignments, federation) needs that GUID.",
    },
    {
        id: "identity-guid",
        matches: /^identity\.(clientID|userAssignedIdentityID): ".*" is not a GUID\./,
        reason: "Client IDs are GUIDs; the provider only fails when Entra refuses the token request, at pod start.",
    },
    {
        id: "object-name",
        matches: /\.objectName: ".*" is not a Key Vault object name\./,
        reason: "Key Vault object names are 1-127 of [0-9A-Za-z-]; the provider sends any name and the vault answers 404 or 400 at pod start.",
    },
    {
        id: "empty-objects",
        matches: /^objects: is empty; the pod would mount nothing\./,
        reason: "The provider mounts an empty volume without error; a class with no object is always a mistake.",
    },
    {
        id: "white-space",
        matches: /has leading or trailing white space, which the (provider|driver) strips\./,
        reason: "The provider and the driver trim these values; we refuse padded values so that what the config says is what the cluster does.",
    },
    {
        id: "format-on-non-secret",
        matches: /\.objectFormat: is set on objectType ".*"; the provider supports it only for secrets\./,
        reason: "The provider refuses only exactly `pfx` on a key or cert and ignores other values (`pem`, `PFX`); a format on a key or cert never does anything.",
    },
    {
        id: "file-permission",
        matches: /\.filePermission: ".*" is not an octal file mode/,
        reason: "The provider ignores a filePermission it cannot parse as octal and writes the file with mode 0000; we also refuse bits above 0777.",
    },
    {
        id: "version-history-bound",
        matches: /\.objectVersionHistory: \d+ versions is more than this library allows/,
        reason: "Up to 2^31-1 decodes, but every version is a Key Vault read per pod on each mount and rotation poll, and a file; 100 is far above any real use.",
    },
    {
        id: "version-history-whole",
        matches: /\.objectVersionHistory: .* is not a whole number; the provider truncates it/,
        reason: "The provider truncates 2.5 to 2; we ask for the number it will use.",
    },
    {
        id: "version-history-negative",
        matches: /\.objectVersionHistory: -\d+ is negative/,
        reason: "The provider reads a negative history as latest-only; we ask for 0.",
    },
    {
        id: "windows-absolute",
        matches: /is an absolute path on Windows nodes; the provider refuses it there\./,
        reason: "`C:\\x` is a relative name on Linux nodes but absolute on Windows nodes, where the provider refuses it; a class must work on both.",
    },
    {
        id: "cloud-name-spelling",
        matches: /^cloudName: ".*" is another spelling the provider takes for/,
        reason: "The provider matches cloud names case-insensitively and takes aliases (`AzureCloud`, `AzureUSGovernment`); the typed model has one spelling per cloud.",
    },
    {
        id: "duplicate-file",
        matches: /: file ".*" is written by more than one object/,
        reason: "The driver keeps one of two files with the same path, silently; the other object is never mounted.",
    },
    {
        id: "duplicate-secret",
        matches: /^secretObjects ".*": is declared more than once\./,
        reason: "The driver creates the first Secret and skips the second as existing, silently.",
    },
    {
        id: "duplicate-key",
        matches: /\.data: key ".*" is listed more than once\./,
        reason: "The driver keeps the last value of a repeated key, silently.",
    },
    {
        id: "secret-type",
        matches: /\.type: ".*" is not a supported Secret type\./,
        reason: "The API server takes any type name; we take the built-in types a mounted file can fill, so that a typo (`opaque`, `kubernetes.io/tsl`) fails at preview.",
    },
    {
        id: "tls-key-from-public-key",
        matches: /: tls\.key needs a private key, but ".*" holds the public key only \(/,
        reason: "The driver turns a public key into an empty `PRIVATE KEY` block without an error; the TLS Secret would be unusable.",
    },
    {
        id: "managed-label",
        matches: /\.labels\["secrets-store\.csi\.k8s\.io\/managed"\]: is set by the driver/,
        reason: "The driver overwrites this label with `true` on every Secret it syncs.",
    },
    {
        id: "namespace-required",
        matches: /^namespace: "" is not a valid namespace name\./,
        reason: "An empty namespace makes the Kubernetes provider use its default namespace; the class must be in the namespace of the pods that mount it, so we ask for it.",
    },
];
