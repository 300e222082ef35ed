/**
 * readVaultContents against the real Key Vault stand-in (localenv/programs/keyvault-standin): the stand-in's binary
 * from the toolchain, seeded with its own `add` and `grant` commands, and the reader with the Azure SDK's clients and
 * a ClientSecretCredential in a process of its own that reaches login.microsoftonline.com and
 * <vault>.vault.azure.net through the stand-in as its HTTPS proxy. No cluster; about 5 s.
 */
import { expect } from "chai";
import { ChildProcess, execFileSync, spawnSync } from "child_process";
import { randomBytes, randomUUID } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { VaultListing, VaultObjectInfo } from "../../components/key-vault/contents";
import { buildTools, toolchainPaths } from "../../localenv/harness/localenv";
import { serveStandIn } from "../../localenv/harness/key-vault-seed";

const ROOT = path.resolve(__dirname, "../..");
const TENANT = "7e000000-0000-4000-8000-0000000000aa";
const VAULT = "reader-vault";
const EXPIRES = "2031-06-01T00:00:00Z";
const NOT_BEFORE = "2025-01-01T00:00:00Z";

/** The listing as it crosses the process boundary: dates as ISO strings. */
type Listed = Omit<VaultListing, "objects"> & { objects: Array<Record<string, unknown> & Pick<VaultObjectInfo, "name" | "collection">> };

describe("readVaultContents against the Key Vault stand-in", function () {
    this.timeout(180000);
    let dir: string;
    let binary: string;
    let content: string;
    let requestLog: string;
    let standIn: ChildProcess | undefined;
    let proxy: string;
    const reader = { clientId: randomUUID(), secret: randomBytes(24).toString("base64url") };
    const outsider = { clientId: randomUUID(), secret: randomBytes(24).toString("base64url") };
    /** Reads keys and certificates only, as with the Key Vault Certificate User role and no secrets role. */
    const noSecrets = { clientId: randomUUID(), secret: randomBytes(24).toString("base64url") };
    const versions: Record<string, string[]> = {};

    const run = (args: string[]) => execFileSync(binary, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    const add = (kind: string, name: string, ...flags: string[]) => {
        const version = run(["add", "--content", content, "--vault", VAULT, "--tenant", TENANT, "--kind", kind, "--name", name, ...flags]);
        (versions[`${kind}/${name}`] ??= []).push(version);
    };
    const grant = (who: { clientId: string; secret: string }, reads: boolean, ...flags: string[]) => {
        const file = path.join(dir, `secret-${who.clientId}`);
        fs.writeFileSync(file, who.secret, { mode: 0o600 });
        run([
            "grant",
            "--content",
            content,
            "--tenant",
            TENANT,
            "--service-principal",
            who.clientId,
            "--secret-file",
            file,
            ...(reads ? ["--vault", VAULT, ...flags] : []),
        ]);
        fs.rmSync(file);
    };

    /** Runs the reader in its own process, as `who`; returns the listing and what the process printed. */
    const readAs = (who: { clientId: string; secret: string }): { listing: Listed; stdout: string } => {
        const child = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "read-vault-child.ts")], {
            cwd: ROOT,
            encoding: "utf8",
            timeout: 120000,
            env: {
                ...process.env,
                HTTPS_PROXY: proxy,
                HTTP_PROXY: proxy,
                NO_PROXY: "",
                no_proxy: "",
                NODE_EXTRA_CA_CERTS: path.join(dir, "ca", "ca.pem"),
                READ_VAULT_URL: `https://${VAULT}.vault.azure.net`,
                READ_VAULT_TENANT: TENANT,
                READ_VAULT_CLIENT_ID: who.clientId,
                READ_VAULT_CLIENT_SECRET: who.secret,
            },
        });
        expect(child.status, child.stderr).to.equal(0);
        return { listing: JSON.parse(child.stdout.trim().split("\n").pop()!) as Listed, stdout: child.stdout + child.stderr };
    };

    const find = (listing: Listed, collection: string, name: string) => {
        const found = listing.objects.find((object) => object.collection === collection && object.name === name);
        expect(found, `${collection} ${name}`).to.not.equal(undefined);
        return found!;
    };

    before(async function () {
        buildTools([], ["keyvault-standin"]);
        binary = toolchainPaths()["keyvault-standin"];
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "read-contents-"));
        content = path.join(dir, "keyvault.json");
        requestLog = path.join(dir, "requests.jsonl");

        add("secret", "db-password");
        add("secret", "db-password", "--disabled");
        add("secret", "db-password");
        add("secret", "old-flag", "--disabled");
        add(
            "secret",
            "api-token",
            "--content-type",
            "text/plain",
            "--expires",
            EXPIRES,
            "--not-before",
            NOT_BEFORE,
            "--tag",
            "owner=payments",
            "--tag",
            "rotation=90d",
        );
        add("key", "signing", "--generate", "ec", "--tag", "use=sign");
        add("key", "retired", "--disabled");
        add("certificate", "web-tls");
        add("certificate", "sealed", "--not-exportable", "--tag", "team=edge");
        grant(reader, true);
        grant(outsider, false);
        grant(noSecrets, true, "--collections", "keys,certificates");

        const served = await serveStandIn(binary, { caDir: path.join(dir, "ca"), content, requestLog }, ["--page-size", "2"]);
        standIn = served.process;
        const address = served.address;
        proxy = `http://${address}`;
    });

    after(() => {
        standIn?.kill();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("lists every object with its attributes, tags and versions, and reads no value", () => {
        const { listing, stdout } = readAs(reader);
        expect(listing.vaultName).to.equal(VAULT);
        expect(listing.unreadable).to.deep.equal([]);
        const names = (collection: string) =>
            listing.objects.filter((object) => object.collection === collection).map((object) => object.name);
        // A certificate's secret and key are listed among the secrets and keys, as managed (pages of 2 on the way).
        expect(names("secret")).to.deep.equal(["api-token", "db-password", "old-flag", "sealed", "web-tls"]);
        expect(names("key")).to.deep.equal(["retired", "sealed", "signing", "web-tls"]);
        expect(names("certificate")).to.deep.equal(["sealed", "web-tls"]);

        const db = find(listing, "secret", "db-password");
        expect(db.enabled).to.equal(true);
        expect(db.tags).to.deep.equal({});
        const dbVersions = db.versions as Array<{ version: string; enabled: boolean; createdOn: string }>;
        // Newest first, the middle one disabled.
        expect(dbVersions.map((v) => v.version)).to.deep.equal([...versions["secret/db-password"]].reverse());
        expect(dbVersions.map((v) => v.enabled)).to.deep.equal([true, false, true]);
        expect(dbVersions.every((v) => typeof v.createdOn === "string")).to.equal(true);

        expect(find(listing, "secret", "old-flag").enabled).to.equal(false);
        const token = find(listing, "secret", "api-token");
        expect(token).to.include({
            enabled: true,
            contentType: "text/plain",
            expiresOn: new Date(EXPIRES).toISOString(),
            notBefore: new Date(NOT_BEFORE).toISOString(),
        });
        expect(token.tags).to.deep.equal({ owner: "payments", rotation: "90d" });
        expect(find(listing, "secret", "web-tls")).to.include({ managed: true, contentType: "application/x-pem-file" });

        expect(find(listing, "key", "signing")).to.include({ keyType: "EC", enabled: true });
        expect(find(listing, "key", "signing").tags).to.deep.equal({ use: "sign" });
        expect(find(listing, "key", "retired")).to.include({ enabled: false });
        expect(find(listing, "key", "retired").keyType).to.equal(undefined);
        expect(find(listing, "key", "web-tls")).to.include({ keyType: "RSA", managed: true });

        const sealed = find(listing, "certificate", "sealed");
        expect(sealed).to.include({ keyExportable: false, enabled: true });
        expect(sealed.tags).to.deep.equal({ team: "edge" });
        expect(sealed.expiresOn, "a certificate's exp is its validity").to.be.a("string");
        expect(find(listing, "certificate", "web-tls")).to.include({ keyExportable: true });
        expect((find(listing, "certificate", "web-tls").versions as unknown[]).length).to.equal(1);

        // No value reached the reader's process, and it asked for none.
        const stored = JSON.parse(fs.readFileSync(content, "utf8"));
        const values = Object.values(stored.vaults[VAULT].secrets as Record<string, Array<{ value: string }>>).flatMap((vs) =>
            vs.map((v) => v.value),
        );
        expect(values.length).to.equal(5);
        for (const value of values) expect(stdout).to.not.contain(value);
        expect(stdout).to.not.contain("PRIVATE KEY");
        const vaultRequests = fs
            .readFileSync(requestLog, "utf8")
            .trim()
            .split("\n")
            .map((line) => JSON.parse(line) as { service: string; method: string; path: string; status: number; clientId?: string })
            .filter((request) => request.service === "keyvault" && request.clientId === reader.clientId);
        const paths = vaultRequests.map((request) => request.path.replace(/(.)\/$/, "$1"));
        expect(paths.filter((p) => p.startsWith("/secrets/") && !p.endsWith("/versions"))).to.deep.equal([]);
        expect(paths.filter((p) => /^\/keys\/[^/]+\/?$/.test(p)).sort()).to.deep.equal(["/keys/sealed", "/keys/signing", "/keys/web-tls"]);
        expect(paths).to.include.members([
            "/certificates/sealed/policy",
            "/certificates/web-tls/policy",
            "/secrets",
            "/keys",
            "/certificates",
        ]);
        expect(vaultRequests.every((request) => request.method === "GET" && request.status === 200)).to.equal(true);
    });

    it("reports the collections an identity may not list, with the status and the service's message, instead of throwing", () => {
        const { listing } = readAs(outsider);
        expect(listing.objects).to.deep.equal([]);
        expect(listing.unreadable.map((entry) => [entry.collection, entry.status])).to.deep.equal([
            ["secret", 403],
            ["key", 403],
            ["certificate", 403],
        ]);
        for (const entry of listing.unreadable) {
            expect(entry.message).to.contain("Caller is not authorized to perform action on resource");
            expect(entry.message).to.contain(`appid=${outsider.clientId}`);
        }
        expect(listing.unreadable[0].message).to.contain("secrets/readMetadata/action");
    });

    it("lists the collections it may and reports the one it may not", () => {
        const { listing, stdout } = readAs(noSecrets);
        expect(listing.unreadable).to.have.length(1);
        expect(listing.unreadable[0]).to.include({ collection: "secret", status: 403 });
        expect(listing.unreadable[0].message).to.contain("secrets/readMetadata/action");
        expect([...new Set(listing.objects.map((object) => object.collection))]).to.deep.equal(["key", "certificate"]);
        expect(find(listing, "certificate", "sealed")).to.include({ keyExportable: false });
        expect(stdout).to.not.contain("PRIVATE KEY");
    });
});
