/**
 * Reads the messages the kubelet, the Secrets Store CSI driver and the Azure provider put in a pod's events, as
 * both version lanes word them (driver v1.5.4 / provider v1.7.2, the AKS addon's; driver v1.6.0 / provider v1.8.2):
 *
 * - FailedMount (kubelet): `MountVolume.SetUp failed for volume "V" : rpc error: code = Unknown desc = failed to
 *   mount secrets store objects for pod NS/POD, err: rpc error: code = Unknown desc = failed to mount objects, error:
 *   failed to get objectType:secret, objectName:N, objectVersion:: <Azure SDK error>` (driver nodeserver.go,
 *   provider server.go and provider.go, the same in both lanes);
 * - MountRotationFailed (the v1.5.4 driver's rotation reconciler): `provider mount err: ...failed to mount objects, error: ...`;
 * - a class the driver can't get: `failed to get secretproviderclass NS/NAME, error: SecretProviderClass... "NAME" not found`;
 * - no driver registered on the node: `driver name secrets-store.csi.k8s.io not found in the list of registered CSI drivers`;
 * - the Azure SDK's error: `GET <url>\n---\nRESPONSE 403: 403 Forbidden\nERROR CODE: Forbidden\n---\n{json}`, and for
 *   Entra ID `...authentication failed. ... reply status code was 400:\n{"error_codes":[70021],...}`.
 */

/** An object of the vault named by the provider's wrapping. */
export interface ObjectRef {
    type: string;
    name: string;
    version?: string;
}

export type MessageCause =
    | {
          kind: "forbidden";
          object?: ObjectRef;
          vault?: string;
          appId?: string;
          objectId?: string;
          /** `Microsoft.KeyVault/vaults/secrets/getSecret/action` */
          action?: string;
          /** The resource Key Vault named: an ARM ID on Azure. */
          resource?: string;
          /** The vault is in access-policy mode ("does not have secrets get permission"). */
          accessPolicy?: boolean;
      }
    | { kind: "not-found"; object?: ObjectRef; vault?: string; code?: string }
    | { kind: "federated-credential"; code: string; subject?: string; issuer?: string; audience?: string }
    | { kind: "throttled"; object?: ObjectRef; vault?: string }
    | { kind: "class-missing"; namespace: string; className: string }
    | { kind: "driver-missing" }
    | { kind: "secret-not-found"; secretName: string }
    | { kind: "unanswered"; object?: ObjectRef; vault?: string }
    | { kind: "other"; summary: string };

/** Backslash escapes as they appear inside the JSON bodies quoted in messages (`\\r\\n`, `\\"`), made plain. */
function unescaped(message: string): string {
    return message.replace(/\\\\r\\\\n|\\r\\n|\\n/g, "\n").replace(/\\"/g, '"');
}

function objectOf(message: string): ObjectRef | undefined {
    const match = /objectType:([^,\s]*), objectName:([^,\s]*), objectVersion:([^,\s:]*)/.exec(message);
    return match ? { type: match[1], name: match[2], ...(match[3] ? { version: match[3] } : {}) } : undefined;
}

function vaultOf(message: string): string | undefined {
    return /https:\/\/([a-z0-9-]+)\.vault\.(?:azure\.net|azure\.cn|usgovcloudapi\.net)\//i.exec(message)?.[1]?.toLowerCase();
}

/** The first line worth showing: the provider's own words, without the kubelet's and the driver's wrapping. */
export function shortMessage(message: string): string {
    const inner = message
        .split(/failed to mount objects, error: |provider mount err: |MountVolume\.SetUp failed for volume "[^"]*" : /)
        .pop() as string;
    const first = inner.split("\n")[0].trim();
    const status = /RESPONSE (\d{3})[: ]+([^\n]*)/.exec(message);
    const code = /ERROR CODE: (\S+)/.exec(message);
    const aadsts = /(AADSTS\d+): ([^.]*)/.exec(message);
    const detail = aadsts ? `${aadsts[1]}: ${aadsts[2]}` : status ? `${status[2].trim()}${code ? ` (${code[1]})` : ""}` : "";
    const text = detail && !first.includes(detail) ? `${first.replace(/:$/, "")} -> ${detail}` : first;
    return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/** What a mount error, or a container's waiting message, says went wrong. */
export function recogniseMessage(raw: string): MessageCause {
    const message = unescaped(raw);
    const object = objectOf(message);
    const vault = vaultOf(message);
    const classMissing = /failed to get secretproviderclass ([^/\s]+)\/([^,\s]+), error: .*not found/i.exec(message);
    if (classMissing) {
        return { kind: "class-missing", namespace: classMissing[1], className: classMissing[2] };
    }
    if (/driver name secrets-store\.csi\.k8s\.io not found in the list of registered CSI drivers/.test(message)) {
        return { kind: "driver-missing" };
    }
    const secretNotFound = /^(?:Error: )?secret "([^"]+)" not found/.exec(message.trim());
    if (secretNotFound) {
        return { kind: "secret-not-found", secretName: secretNotFound[1] };
    }
    const aadsts = /AADSTS(70021|700213|700211|700212)\b/.exec(message);
    if (aadsts) {
        const issuer = /Assertion Issuer: '([^']*)'/.exec(message)?.[1];
        const subject = (/Assertion Subject: '([^']*)'/.exec(message) ?? /presented assertion subject '([^']*)'/.exec(message))?.[1];
        const audience = /Assertion Audience: '([^']*)'/.exec(message)?.[1];
        return {
            kind: "federated-credential",
            code: `AADSTS${aadsts[1]}`,
            ...(issuer ? { issuer } : {}),
            ...(subject ? { subject } : {}),
            ...(audience ? { audience } : {}),
        };
    }
    if (/RESPONSE 429|ERROR CODE: Throttled|429 Too Many Requests/.test(message)) {
        return { kind: "throttled", ...(object ? { object } : {}), ...(vault ? { vault } : {}) };
    }
    const accessPolicy = /does not have (?:secrets|keys|certificates) \w+ permission on key vault '([^;']+)/.exec(message);
    if (/RESPONSE 403|ERROR CODE: Forbidden/.test(message) || accessPolicy) {
        const field = (pattern: RegExp) => pattern.exec(message)?.[1];
        const appId = field(/appid=([0-9a-fA-F-]{36})/);
        const objectId = field(/oid=([0-9a-fA-F-]{36})/);
        const action = field(/Action: '([^']+)'/);
        const resource = field(/Resource: '([^']+)'/);
        return {
            kind: "forbidden",
            ...(object ? { object } : {}),
            ...(vault || accessPolicy ? { vault: vault ?? accessPolicy?.[1].toLowerCase() } : {}),
            ...(appId ? { appId } : {}),
            ...(objectId ? { objectId } : {}),
            ...(action ? { action } : {}),
            ...(resource ? { resource } : {}),
            ...(accessPolicy ? { accessPolicy: true } : {}),
        };
    }
    const notFound = /ERROR CODE: (SecretNotFound|KeyNotFound|CertificateNotFound)/.exec(message);
    if (notFound || /RESPONSE 404/.test(message) || /was not found in this key vault/.test(message)) {
        return {
            kind: "not-found",
            ...(object ? { object } : {}),
            ...(vault ? { vault } : {}),
            ...(notFound ? { code: notFound[1] } : {}),
        };
    }
    // The mount's deadline (the kubelet's CSI call, 2 minutes), or a connection that never got an answer.
    if (/DeadlineExceeded|context deadline exceeded|Client\.Timeout exceeded|i\/o timeout/.test(message)) {
        return { kind: "unanswered", ...(object ? { object } : {}), ...(vault ? { vault } : {}) };
    }
    return { kind: "other", summary: shortMessage(message) };
}
