/**
 * readVaultContents with the Azure SDK's clients on a fake HTTP client (the SDK's `httpClient` option): what it asks
 * for, how it maps the answers, a 403 on one collection, and the challenge resource check. The same reader against
 * the real stand-in: tests/e2e/read-contents.test.ts.
 */
import { expect } from "chai";
import { readVaultContents, VaultClientOptions } from "../../components/key-vault/read-contents";
import { fakeCredential, responseHeaders } from "../mocks";

type HttpClient = NonNullable<VaultClientOptions["httpClient"]>;
type Request = Parameters<HttpClient["sendRequest"]>[0];
type Response = Awaited<ReturnType<HttpClient["sendRequest"]>>;

const credential = fakeCredential();

/**
 * A vault at `host` whose challenge names `resource`. `pages` answers a GET by its path (the nextLink's too);
 * `forbidden` paths get Key Vault's 403.
 */
function fakeVault(host: string, resource: string, pages: Record<string, unknown>, forbidden: string[] = []) {
    const seen: string[] = [];
    const httpClient: HttpClient = {
        async sendRequest(request: Request): Promise<Response> {
            const url = new URL(request.url);
            url.pathname = url.pathname.replace(/(.)\/$/, "$1"); // the SDK gets the current version as `/keys/NAME/`
            const reply = (status: number, body: unknown, extra: Record<string, string> = {}): Response => ({
                request,
                status,
                headers: responseHeaders({ "content-type": "application/json", ...extra }),
                bodyAsText: JSON.stringify(body),
            });
            if (url.hostname !== host) throw new Error(`unexpected host ${url.hostname}`);
            if (!request.headers.get("authorization")) {
                return reply(
                    401,
                    { error: { code: "Unauthorized" } },
                    {
                        "www-authenticate": `Bearer authorization="https://login.example/tenant-1", resource="${resource}"`,
                    },
                );
            }
            seen.push(`${request.method} ${url.pathname}${url.searchParams.has("$skiptoken") ? "?next" : ""}`);
            if (forbidden.includes(url.pathname)) {
                return reply(403, { error: { code: "Forbidden", message: `Caller is not authorized: ${url.pathname}` } });
            }
            const key = url.searchParams.has("$skiptoken") ? `${url.pathname}?next` : url.pathname;
            if (!(key in pages)) throw new Error(`unexpected ${request.method} ${key}`);
            return reply(200, pages[key]);
        },
    };
    return { httpClient, seen };
}

const BASE = "https://reader.vault.azure.net";
const attributes = (created: number, extra: Record<string, unknown> = {}) => ({ enabled: true, created, updated: created, ...extra });

/** A vault with a paged secrets list, a key and a certificate. */
const PAGES: Record<string, unknown> = {
    "/secrets": {
        value: [{ id: `${BASE}/secrets/db`, attributes: attributes(100), tags: { owner: "payments" }, contentType: "text/plain" }],
        nextLink: `${BASE}:443/secrets?api-version=2025-07-01&$skiptoken=abc&maxresults=1`,
    },
    "/secrets?next": {
        value: [
            {
                id: `${BASE}/secrets/web`,
                attributes: attributes(300, { exp: 2_000_000_000 }),
                managed: true,
                contentType: "application/x-pem-file",
            },
        ],
        nextLink: null,
    },
    "/secrets/db/versions": {
        value: [
            { id: `${BASE}/secrets/db/aaa`, attributes: attributes(100) },
            { id: `${BASE}/secrets/db/bbb`, attributes: attributes(200, { enabled: false, nbf: 150 }) },
        ],
    },
    "/secrets/web/versions": { value: [{ id: `${BASE}/secrets/web/ccc`, attributes: attributes(300) }] },
    "/keys": { value: [{ kid: `${BASE}/keys/web`, attributes: attributes(300), managed: true }] },
    "/keys/web": { key: { kid: `${BASE}/keys/web/ccc`, kty: "RSA", n: "AQAB", e: "AQAB" }, attributes: attributes(300), managed: true },
    "/keys/web/versions": { value: [{ kid: `${BASE}/keys/web/ccc`, attributes: attributes(300) }] },
    "/certificates": { value: [{ id: `${BASE}/certificates/web`, attributes: attributes(300), tags: { team: "edge" }, x5t: "AAAA" }] },
    "/certificates/web/policy": { id: `${BASE}/certificates/web/policy`, key_props: { exportable: false, kty: "RSA" } },
    "/certificates/web/versions": { value: [{ id: `${BASE}/certificates/web/ccc`, attributes: attributes(300) }] },
};

describe("readVaultContents", () => {
    beforeEach(() => {
        credential.scopes = [];
    });

    it("reads the lists, versions, key types and policies, and maps them to the listing", async () => {
        const vault = fakeVault("reader.vault.azure.net", "https://vault.azure.net", PAGES);
        const listing = await readVaultContents(BASE, credential, {
            clientOptions: { httpClient: vault.httpClient, retryOptions: { maxRetries: 0 } },
        });
        expect(listing.vaultName).to.equal("reader");
        expect(listing.unreadable).to.deep.equal([]);
        expect(listing.objects).to.deep.equal([
            {
                name: "db",
                collection: "secret",
                enabled: true,
                contentType: "text/plain",
                tags: { owner: "payments" },
                versions: [
                    { version: "bbb", enabled: false, createdOn: new Date(200_000), expiresOn: undefined, notBefore: new Date(150_000) },
                    { version: "aaa", enabled: true, createdOn: new Date(100_000), expiresOn: undefined, notBefore: undefined },
                ],
            },
            {
                name: "web",
                collection: "secret",
                enabled: true,
                expiresOn: new Date(2_000_000_000_000),
                contentType: "application/x-pem-file",
                managed: true,
                tags: {},
                versions: [{ version: "ccc", enabled: true, createdOn: new Date(300_000), expiresOn: undefined, notBefore: undefined }],
            },
            {
                name: "web",
                collection: "key",
                enabled: true,
                managed: true,
                keyType: "RSA",
                tags: {},
                versions: [{ version: "ccc", enabled: true, createdOn: new Date(300_000), expiresOn: undefined, notBefore: undefined }],
            },
            {
                name: "web",
                collection: "certificate",
                enabled: true,
                keyExportable: false,
                tags: { team: "edge" },
                versions: [{ version: "ccc", enabled: true, createdOn: new Date(300_000), expiresOn: undefined, notBefore: undefined }],
            },
        ]);
        // Metadata only: no GET of a secret by name, and the token is for the challenge's resource.
        expect(vault.seen.filter((request) => /^GET \/secrets\/[^/]+\/?$/.test(request))).to.deep.equal([]);
        expect(vault.seen).to.include("GET /secrets?next");
        expect(new Set(credential.scopes)).to.deep.equal(new Set(["https://vault.azure.net/.default"]));
    });

    it("without versions, reads no version list", async () => {
        const vault = fakeVault("reader.vault.azure.net", "https://vault.azure.net", PAGES);
        const listing = await readVaultContents(BASE, credential, { versions: false, clientOptions: { httpClient: vault.httpClient } });
        expect(listing.objects.every((object) => object.versions === undefined)).to.equal(true);
        expect(vault.seen.filter((request) => request.endsWith("/versions"))).to.deep.equal([]);
    });

    it("reads more (versions, key type, policy) only of the objects detailsOf names, and lists the rest", async () => {
        const vault = fakeVault("reader.vault.azure.net", "https://vault.azure.net", PAGES);
        const listing = await readVaultContents(BASE, credential, {
            detailsOf: (collection, info) => collection === "secret" && info.name === "db",
            clientOptions: { httpClient: vault.httpClient },
        });
        expect(
            listing.objects.map((object) => `${object.collection}/${object.name}: ${object.versions?.length ?? "listed only"}`),
        ).to.deep.equal(["secret/db: 2", "secret/web: listed only", "key/web: listed only", "certificate/web: listed only"]);
        expect(listing.objects.find((object) => object.collection === "key")?.keyType).to.equal(undefined);
        expect(vault.seen.filter((request) => /\/versions|\/policy|^GET \/keys\/[^/?]+/.test(request))).to.deep.equal([
            "GET /secrets/db/versions",
        ]);
    });

    it("reports a collection it may not list (403) with the service's message, and lists the others", async () => {
        const vault = fakeVault("reader.vault.azure.net", "https://vault.azure.net", PAGES, ["/secrets"]);
        const listing = await readVaultContents(BASE, credential, { clientOptions: { httpClient: vault.httpClient } });
        expect(listing.unreadable).to.deep.equal([{ collection: "secret", status: 403, message: "Caller is not authorized: /secrets" }]);
        expect(listing.objects.map((object) => object.collection)).to.deep.equal(["key", "certificate"]);
    });

    it("throws on other failures: a 403 is reported, a 404 is not", async () => {
        const pages = { ...PAGES };
        delete pages["/certificates/web/policy"];
        const vault = fakeVault("reader.vault.azure.net", "https://vault.azure.net", pages);
        let error: unknown;
        try {
            await readVaultContents(BASE, credential, { clientOptions: { httpClient: vault.httpClient } });
        } catch (caught) {
            error = caught;
        }
        expect(String(error)).to.contain("unexpected GET /certificates/web/policy");
    });

    it("reaches a sovereign cloud's vault with the check of the challenge's resource on", async () => {
        const base = "https://reader.vault.azure.cn";
        const pages = Object.fromEntries(
            Object.entries(PAGES).map(([path, body]) => [path, JSON.parse(JSON.stringify(body).replaceAll(BASE, base))]),
        );
        const vault = fakeVault("reader.vault.azure.cn", "https://vault.azure.cn", pages);
        const listing = await readVaultContents(base, credential, { clientOptions: { httpClient: vault.httpClient } });
        expect(listing.objects).to.have.length(4);
        expect(new Set(credential.scopes)).to.deep.equal(new Set(["https://vault.azure.cn/.default"]));
    });

    it("refuses a challenge for another domain unless disableChallengeResourceVerification says the host is the vault", async () => {
        const base = "https://vault-proxy.corp.example";
        const pages = Object.fromEntries(
            Object.entries(PAGES).map(([path, body]) => [path, JSON.parse(JSON.stringify(body).replaceAll(BASE, base))]),
        );
        const refused = fakeVault("vault-proxy.corp.example", "https://vault.azure.net", pages);
        let error: unknown;
        try {
            await readVaultContents(base, credential, { clientOptions: { httpClient: refused.httpClient } });
        } catch (caught) {
            error = caught;
        }
        expect(String(error)).to.match(/resource.*does not match|domain/i);
        expect(credential.scopes).to.deep.equal([]);

        const allowed = fakeVault("vault-proxy.corp.example", "https://vault.azure.net", pages);
        const listing = await readVaultContents(base, credential, {
            disableChallengeResourceVerification: true,
            clientOptions: { httpClient: allowed.httpClient },
        });
        expect(listing.vaultName).to.equal("vault-proxy");
        expect(listing.objects).to.have.length(4);
    });
});
