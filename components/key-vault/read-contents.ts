/**
 * Reads what a vault holds as its metadata says (contents.ts's VaultListing), with the Azure SDK's own Key Vault
 * clients: the lists of secrets, keys and certificates and of each object's versions, a key's public JWK (for its
 * type) and a certificate's policy (for whether its key is exportable). It never reads a secret's value: no
 * `getSecret`, no certificate's secret, no backup. An identity with the Key Vault Reader role can make every request.
 *
 * The vault may be at any URL: Azure's public cloud, a sovereign cloud (`*.vault.azure.cn`,
 * `*.vault.usgovcloudapi.net`) or the lab's stand-in (reached through it as an HTTPS proxy, under the vault's real
 * name). The SDK authenticates by Key Vault's challenge: the first request goes without a token, the 401 names the
 * tenant and the resource (`https://vault.azure.net` or the sovereign cloud's), and the SDK asks the credential for a
 * token of that resource. By default the SDK also checks that the challenge's resource is the vault's own domain
 * (the host ends in `.` + the resource's host), so a host that only looks like a vault cannot get a Key Vault token
 * from the credential. Every Azure cloud passes that check, and so does the stand-in, so we keep it on;
 * `disableChallengeResourceVerification` is there only for a vault reached under another name (a reverse proxy,
 * a custom DNS name), where the caller knows the host is the vault.
 */
import type { TokenCredential } from "@azure/identity";
import { CertificateClient, CertificateClientOptions } from "@azure/keyvault-certificates";
import { KeyClient, KeyClientOptions } from "@azure/keyvault-keys";
import { SecretClient, SecretClientOptions } from "@azure/keyvault-secrets";
import { VAULT_COLLECTIONS, VaultCollection, VaultListing, VaultObjectInfo, VaultObjectVersion } from "./contents";

/** Options of the SDK's clients that apply to all three (pipeline, retries, proxy, user agent). */
export type VaultClientOptions = Omit<SecretClientOptions & KeyClientOptions & CertificateClientOptions, "serviceVersion">;

/** How readVaultContents reads. */
export interface ReadVaultContentsOptions {
    /** Read each object's list of versions (one more request per object, more for long histories). Default true. */
    versions?: boolean;
    /**
     * Turn off the SDK's check that the challenge's resource is the vault's domain. Only for a vault reached under a
     * name outside its cloud's vault domain; no Azure cloud and not the stand-in needs it.
     */
    disableChallengeResourceVerification?: boolean;
    /** Passed to each of the SDK's clients. */
    clientOptions?: VaultClientOptions;
    /**
     * Which listed objects to read further (versions, a key's type, a certificate's policy); default all. The lists
     * alone are one request per 25 objects; these are one or more per object, so a large vault is read much faster
     * when only the objects that matter get them.
     */
    detailsOf?: (collection: VaultCollection, info: VaultObjectInfo) => boolean;
    /** How many objects of a collection are read at once (their versions, key, policy). Default 4. */
    concurrency?: number;
    /** Stops the reads. */
    abortSignal?: AbortSignal;
}

/** The attributes every SDK properties type has. */
interface ObjectProperties {
    name?: string;
    version?: string;
    enabled?: boolean;
    createdOn?: Date;
    expiresOn?: Date;
    notBefore?: Date;
    tags?: Record<string, string>;
}

/** The vault's name: the first label of its host. */
function vaultNameOf(vaultUrl: string): string {
    return new URL(vaultUrl).hostname.split(".")[0];
}

/** The HTTP status of an SDK error (a RestError), if it has one. */
function statusOf(error: unknown): number | undefined {
    const status = (error as { statusCode?: unknown } | null)?.statusCode;
    return typeof status === "number" ? status : undefined;
}

/** A pipeline policy as the SDK's clients take it in `additionalPolicies`. */
type AdditionalPolicy = NonNullable<SecretClientOptions["additionalPolicies"]>[number];

/** Key Vault's message in an error body (`{"error": {"code", "message"}}`), if it is one. */
function serviceMessage(body: string | undefined): string | undefined {
    try {
        const message = (JSON.parse(body ?? "") as { error?: { message?: unknown } }).error?.message;
        return typeof message === "string" && message !== "" ? message : undefined;
    } catch {
        return undefined;
    }
}

/**
 * A policy that keeps Key Vault's message of the last 403 a client got. The SDK's pagers throw "Pagination failed
 * with unexpected statusCode 403" and drop the body, whose message names the caller and the data action refused.
 */
function refusalRecorder(): { policy: AdditionalPolicy; last: () => string | undefined } {
    let last: string | undefined;
    return {
        policy: {
            position: "perCall",
            policy: {
                name: "vaultRefusalMessage",
                sendRequest: async (request, next) => {
                    const response = await next(request);
                    if (response.status === 403) last = serviceMessage(response.bodyAsText ?? undefined) ?? last;
                    return response;
                },
            },
        },
        last: () => last,
    };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const item of items) {
        out.push(item);
    }
    return out;
}

/** Maps with at most `limit` calls in flight, keeping the order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
    const out: R[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const index = next++;
            out[index] = await fn(items[index]);
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
    return out;
}

function versionOf(properties: ObjectProperties): VaultObjectVersion {
    return {
        version: properties.version ?? "",
        enabled: properties.enabled !== false,
        createdOn: properties.createdOn,
        expiresOn: properties.expiresOn,
        notBefore: properties.notBefore,
    };
}

/** Newest first, by creation time (the list's order is the service's). */
function newestFirst(versions: VaultObjectVersion[]): VaultObjectVersion[] {
    return [...versions].sort((a, b) => (b.createdOn?.getTime() ?? 0) - (a.createdOn?.getTime() ?? 0));
}

function objectOf(collection: VaultCollection, properties: ObjectProperties): VaultObjectInfo {
    const info: VaultObjectInfo = {
        name: properties.name ?? "",
        collection,
        enabled: properties.enabled !== false,
        tags: { ...(properties.tags ?? {}) },
    };
    if (properties.expiresOn) info.expiresOn = properties.expiresOn;
    if (properties.notBefore) info.notBefore = properties.notBefore;
    return info;
}

/**
 * Reads a vault's metadata: every secret, key and certificate with its attributes, tags and (by default) versions.
 * A collection the identity may not list (403) is reported in `unreadable`, with the status and the service's
 * message, and its objects are left out; any other failure (authentication, network, an unknown vault) throws.
 */
export async function readVaultContents(
    vaultUrl: string,
    credential: TokenCredential,
    options: ReadVaultContentsOptions = {},
): Promise<VaultListing> {
    const clientOptions = {
        ...options.clientOptions,
        disableChallengeResourceVerification: options.disableChallengeResourceVerification ?? false,
    };
    const withVersions = options.versions ?? true;
    const limit = options.concurrency ?? 4;
    const abortSignal = options.abortSignal;

    const refusals = { secret: refusalRecorder(), key: refusalRecorder(), certificate: refusalRecorder() };
    const optionsFor = (collection: VaultCollection) => ({
        ...clientOptions,
        additionalPolicies: [...(clientOptions.additionalPolicies ?? []), refusals[collection].policy],
    });
    const secrets = new SecretClient(vaultUrl, credential, optionsFor("secret"));
    const keys = new KeyClient(vaultUrl, credential, optionsFor("key"));
    const certificates = new CertificateClient(vaultUrl, credential, optionsFor("certificate"));

    const versionsOf = async (list: () => AsyncIterable<ObjectProperties>) =>
        withVersions ? newestFirst((await collect(list())).map(versionOf)) : undefined;
    const detailed = options.detailsOf ?? (() => true);

    const readers: Record<VaultCollection, () => Promise<VaultObjectInfo[]>> = {
        secret: async () => {
            const listed = await collect(secrets.listPropertiesOfSecrets({ abortSignal }));
            return mapLimit(listed, limit, async (properties) => {
                const info = objectOf("secret", properties);
                if (properties.contentType) info.contentType = properties.contentType;
                if (properties.managed) info.managed = true;
                if (!detailed("secret", info)) return info;
                const versions = await versionsOf(() => secrets.listPropertiesOfSecretVersions(properties.name, { abortSignal }));
                if (versions) info.versions = versions;
                return info;
            });
        },
        key: async () => {
            const listed = await collect(keys.listPropertiesOfKeys({ abortSignal }));
            return mapLimit(listed, limit, async (properties) => {
                const info = objectOf("key", properties);
                if (properties.managed) info.managed = true;
                if (!detailed("key", info)) return info;
                // The list has no key type; the key's public JWK has. Key Vault refuses to get a disabled key.
                if (properties.enabled !== false) {
                    info.keyType = (await keys.getKey(properties.name, { abortSignal })).keyType;
                }
                const versions = await versionsOf(() => keys.listPropertiesOfKeyVersions(properties.name, { abortSignal }));
                if (versions) info.versions = versions;
                return info;
            });
        },
        certificate: async () => {
            const listed = await collect(certificates.listPropertiesOfCertificates({ abortSignal }));
            return mapLimit(listed, limit, async (properties) => {
                const info = objectOf("certificate", properties);
                if (!detailed("certificate", info)) return info;
                const policy = await certificates.getCertificatePolicy(info.name, { abortSignal });
                if (policy.exportable !== undefined) info.keyExportable = policy.exportable;
                const versions = await versionsOf(() => certificates.listPropertiesOfCertificateVersions(info.name, { abortSignal }));
                if (versions) info.versions = versions;
                return info;
            });
        },
    };

    const listing: VaultListing = { vaultName: vaultNameOf(vaultUrl), objects: [], unreadable: [] };
    type Result =
        { collection: VaultCollection; objects: VaultObjectInfo[] } | { collection: VaultCollection; status: number; message: string };
    const results = await Promise.all(
        VAULT_COLLECTIONS.map(async (collection): Promise<Result> => {
            try {
                return { collection, objects: await readers[collection]() };
            } catch (error) {
                if (statusOf(error) === 403) {
                    const message = refusals[collection].last() ?? (error instanceof Error ? error.message : String(error));
                    return { collection, status: 403, message };
                }
                throw error;
            }
        }),
    );
    for (const result of results) {
        if ("objects" in result) {
            listing.objects.push(...result.objects.sort((a, b) => a.name.localeCompare(b.name)));
        } else {
            listing.unreadable.push({ collection: result.collection, status: result.status, message: result.message });
        }
    }
    return listing;
}
