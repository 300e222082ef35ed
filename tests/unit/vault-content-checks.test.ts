/** components/key-vault/content-checks.ts: objects held against what the vault holds (metadata only). */
import { expect } from "chai";
import * as fc from "fast-check";
import {
    DEFAULT_EXPIRY_WARNING_DAYS,
    MAX_SUGGESTED_NAMES,
    closestNames,
    vaultContentProblems,
    versionsWritten,
} from "../../components/key-vault/content-checks";
import { VaultCollection } from "../../components/key-vault/contents";
import { requestsPerMount } from "../../components/key-vault/request-budget";
import { KeyVaultObject } from "../../components/secret-provider-class/types";
import { LISTING_NOW, listedObject, listedVersions, vaultListing } from "../mocks";

const DAY_MS = 24 * 60 * 60 * 1000;

function inDays(days: number): Date {
    return new Date(LISTING_NOW.getTime() + days * DAY_MS);
}

function check(objects: KeyVaultObject[], listing = vaultListing([]), expiryWarningDays?: number) {
    return vaultContentProblems(objects, listing, { now: LISTING_NOW, expiryWarningDays });
}

describe("vault content checks", () => {
    it("passes objects the vault has, in any case, and says nothing of them", () => {
        const listing = vaultListing([
            listedObject("secret", "db-password"),
            listedObject("key", "signing", { keyType: "RSA-HSM" }),
            listedObject("certificate", "tls"),
        ]);
        const objects: KeyVaultObject[] = [
            { objectName: "DB-Password", objectType: "secret" },
            { objectName: "signing", objectType: "key" },
            { objectName: "TLS", objectType: "cert" },
        ];
        expect(check(objects, listing)).to.deep.equal({ problems: [], warnings: [] });
    });

    describe("an object its collection does not have", () => {
        const listing = vaultListing([
            listedObject("secret", "db-password"),
            listedObject("secret", "db-passwd"),
            listedObject("secret", "api-key"),
            listedObject("key", "signing"),
            listedObject("certificate", "signing"),
        ]);

        it("names the closest names of that collection", () => {
            expect(check([{ objectName: "db-pasword", objectType: "secret" }], listing).problems).to.deep.equal([
                {
                    where: 'objects[0] "db-pasword".objectName',
                    message: 'Key Vault "kv-orders" has no secret "db-pasword"; the closest secrets it has: "db-password", "db-passwd"',
                    fix: 'name an existing secret (e.g. "db-password"), or create "db-pasword" in the vault',
                },
            ]);
        });

        it("names the objectTypes that read another collection's object of that name", () => {
            expect(check([{ objectName: "Signing", objectType: "secret" }], listing).problems).to.deep.equal([
                {
                    where: 'objects[0] "Signing".objectName',
                    message:
                        'Key Vault "kv-orders" has no secret "Signing"; it has a key and a certificate of that name, which objectType "key" or "cert" reads',
                    fix: 'set objectType "key" or "cert", or name an existing secret',
                },
            ]);
        });

        it("says what to create when nothing is close", () => {
            expect(check([{ objectName: "nothing-like-it", objectType: "cert" }], listing).problems).to.deep.equal([
                {
                    where: 'objects[0] "nothing-like-it".objectName',
                    message: 'Key Vault "kv-orders" has no certificate "nothing-like-it"',
                    fix: 'create certificate "nothing-like-it" in the vault, or name one it has',
                },
            ]);
        });
    });

    it("fails a key of a type the provider does not read, and a certificate's secret of an unknown content type", () => {
        const listing = vaultListing([
            listedObject("key", "wrap", { keyType: "oct-HSM" }),
            listedObject("key", "ec", { keyType: "EC" }),
            listedObject("secret", "legacy-cert", { managed: true, contentType: "application/json" }),
            listedObject("secret", "json", { contentType: "application/json" }),
        ]);
        const { problems } = check(
            [
                { objectName: "wrap", objectType: "key" },
                { objectName: "ec", objectType: "key" },
                { objectName: "legacy-cert", objectType: "secret" },
                { objectName: "json", objectType: "secret" },
            ],
            listing,
        );
        expect(problems).to.deep.equal([
            {
                where: 'objects[0] "wrap".objectType',
                message:
                    'key "wrap" is of type oct-HSM; the provider writes the public key of RSA, RSA-HSM, EC, EC-HSM keys only and fails the mount on any other type',
                fix: "name an RSA or EC key, or remove the object (a symmetric key has no public part to write)",
            },
            {
                where: 'objects[2] "legacy-cert".objectType',
                message:
                    'secret "legacy-cert" belongs to a certificate but has content type "application/json"; the provider reads a certificate\'s secret only as application/x-pkcs12 or application/x-pem-file and fails the mount on any other',
                fix: 'read it as objectType "cert" (the certificate as PEM), or import the certificate again as PKCS#12 or PEM',
            },
        ]);
    });

    describe("versions", () => {
        const listing = vaultListing([
            listedObject("secret", "off", { enabled: false }),
            listedObject("secret", "rotated", { versions: listedVersions(4, { v2: { enabled: false } }) }),
        ]);

        it("fails a disabled current version, a disabled objectVersion and one that does not exist", () => {
            const { problems } = check(
                [
                    { objectName: "off", objectType: "secret" },
                    { objectName: "rotated", objectType: "secret", objectVersion: "v2" },
                    { objectName: "rotated", objectType: "secret", objectVersion: "v2", objectVersionHistory: 3 },
                    { objectName: "rotated", objectType: "secret", objectVersion: "v9" },
                    { objectName: "rotated", objectType: "secret", objectVersion: "V3" },
                ],
                listing,
            );
            expect(problems).to.deep.equal([
                {
                    where: 'objects[0] "off".objectName',
                    message: 'secret "off" is disabled in Key Vault "kv-orders"; the provider\'s read of it fails, and so does the mount',
                    fix: "enable it, or set objectVersion to an enabled version",
                },
                {
                    where: 'objects[1] "rotated".objectVersion',
                    message: 'version "v2" of secret "rotated" is disabled; the provider\'s read of it fails, and so does the mount',
                    fix: "enable that version, or name an enabled one (or remove objectVersion to read the newest)",
                },
                {
                    where: 'objects[2] "rotated".objectVersion',
                    message:
                        'version "v2" of secret "rotated" is disabled; with objectVersionHistory the provider lists only enabled versions and writes from objectVersion on, so it writes no file for this object',
                    fix: "enable that version, or name an enabled one (or remove objectVersion to read the newest)",
                },
                {
                    where: 'objects[3] "rotated".objectVersion',
                    message: 'secret "rotated" has no version "v9" (it has 4 versions)',
                    fix: 'name one of its versions (the newest is "v4"), or remove objectVersion to read the newest',
                },
            ]);
        });

        it('leaves a single read of objectVersion "latest" unchecked: the provider passes it to Key Vault as a version ID', () => {
            expect(check([{ objectName: "off", objectType: "secret", objectVersion: "latest" }], listing)).to.deep.equal({
                problems: [],
                warnings: [],
            });
        });

        it("does not fail a disabled current version that a version history skips", () => {
            const history = vaultListing([
                listedObject("secret", "off", { enabled: false, versions: listedVersions(3, { v3: { enabled: false } }) }),
            ]);
            expect(check([{ objectName: "off", objectType: "secret", objectVersionHistory: 2 }], history)).to.deep.equal({
                problems: [],
                warnings: [],
            });
        });

        it("warns when objectVersionHistory asks for more versions than are enabled (from objectVersion on)", () => {
            const { warnings } = check(
                [
                    { objectName: "rotated", objectType: "secret", objectVersionHistory: 5 },
                    { objectName: "rotated", objectType: "secret", objectVersionHistory: 2, objectVersion: "v1", objectAlias: "db" },
                    { objectName: "rotated", objectType: "secret", objectVersionHistory: 3 },
                ],
                listing,
            );
            expect(warnings).to.deep.equal([
                {
                    where: 'objects[0] "rotated".objectVersionHistory',
                    message:
                        'asks for 5 versions of secret "rotated", which has 3 enabled versions; the mount writes only rotated/0 to rotated/2',
                    fix: "lower objectVersionHistory to 3, or keep 5 if more versions are coming and the app expects the files to appear",
                },
                {
                    where: 'objects[1] "rotated".objectVersionHistory',
                    message:
                        'asks for 2 versions of secret "rotated", which has 1 enabled version from "v1" on; the mount writes only db/0',
                    fix: "lower objectVersionHistory to 1, or keep 2 if more versions are coming and the app expects the files to appear",
                },
            ]);
        });

        it("lists the versions a history writes as the provider does: enabled only, newest first, N + 1 from objectVersion", () => {
            const info = listedObject("secret", "s", { versions: listedVersions(5, { v4: { enabled: false } }) });
            const names = (object: Pick<KeyVaultObject, "objectVersion" | "objectVersionHistory">) =>
                versionsWritten(object, info)?.map((version) => version.version);
            expect(names({ objectVersionHistory: 2 })).to.deep.equal(["v5", "v3", "v2"]);
            expect(names({ objectVersionHistory: 2, objectVersion: "v3" })).to.deep.equal(["v3", "v2", "v1"]);
            expect(names({ objectVersionHistory: 2, objectVersion: "latest" })).to.deep.equal(["v5", "v3", "v2"]);
            expect(names({ objectVersionHistory: 2, objectVersion: "v4" })).to.deep.equal([]);
            expect(names({ objectVersionHistory: 1 })).to.equal(undefined);
            expect(versionsWritten({ objectVersionHistory: 3 }, listedObject("secret", "s"))).to.equal(undefined);
        });
    });

    describe("expiry", () => {
        const listing = vaultListing([
            listedObject("secret", "soon", { expiresOn: inDays(14.5) }),
            listedObject("secret", "later", { expiresOn: inDays(DEFAULT_EXPIRY_WARNING_DAYS + 1) }),
            listedObject("secret", "gone", { expiresOn: inDays(-3) }),
            listedObject("secret", "tls", { managed: true, contentType: "application/x-pkcs12", expiresOn: inDays(2) }),
            listedObject("secret", "pinned", {
                versions: listedVersions(2, { v1: { expiresOn: inDays(1) }, v2: { expiresOn: inDays(-1) } }),
            }),
        ]);

        it("warns of the version the mount reads when it expires within the window, or has expired", () => {
            const { problems, warnings } = check(
                [
                    { objectName: "soon", objectType: "secret" },
                    { objectName: "later", objectType: "secret" },
                    { objectName: "gone", objectType: "secret" },
                    { objectName: "tls", objectType: "secret" },
                    { objectName: "pinned", objectType: "secret", objectVersion: "v1" },
                    { objectName: "pinned", objectType: "secret", objectVersionHistory: 2 },
                ],
                listing,
            );
            expect(problems).to.deep.equal([]);
            expect(warnings).to.deep.equal([
                {
                    where: 'objects[0] "soon".objectName',
                    message: 'secret "soon", which the mount reads, expires on 2026-12-15, in 15 days',
                    fix: "set a new version of the secret with a later expiry before then",
                },
                {
                    where: 'objects[2] "gone".objectName',
                    message: 'secret "gone", which the mount reads, expired on 2026-11-28',
                    fix: "set a new version of the secret with a later expiry",
                },
                {
                    where: 'objects[3] "tls".objectName',
                    message: 'secret "tls", which the mount reads, expires on 2026-12-03, in 2 days',
                    fix: "renew the certificate with a later expiry before then",
                },
                {
                    where: 'objects[4] "pinned".objectName',
                    message: 'version "v1" of secret "pinned", which the mount reads, expires on 2026-12-02, in 1 day',
                    fix: "set a new version of the secret with a later expiry before then",
                },
                {
                    where: 'objects[5] "pinned".objectName',
                    message: 'version "v2" of secret "pinned", which the mount reads, expired on 2026-11-30',
                    fix: "set a new version of the secret with a later expiry",
                },
            ]);
        });

        it("takes the window from expiryWarningDays", () => {
            expect(
                check([{ objectName: "later", objectType: "secret" }], listing, DEFAULT_EXPIRY_WARNING_DAYS + 2).warnings,
            ).to.have.length(1);
            expect(check([{ objectName: "soon", objectType: "secret" }], listing, 7).warnings).to.deep.equal([]);
        });
    });

    describe("formats", () => {
        const listing = vaultListing([
            listedObject("secret", "plain"),
            listedObject("secret", "pem-cert", { managed: true, contentType: "application/x-pem-file" }),
            listedObject("certificate", "pem-cert", { keyExportable: true }),
            listedObject("secret", "locked", { managed: true, contentType: "application/x-pkcs12" }),
            listedObject("certificate", "locked", { keyExportable: false }),
        ]);

        it("warns when pfx does not apply, and when a certificate's secret leaves its key out", () => {
            const { problems, warnings } = check(
                [
                    { objectName: "plain", objectType: "secret", objectFormat: "pfx" },
                    { objectName: "pem-cert", objectType: "secret", objectFormat: "pfx" },
                    { objectName: "locked", objectType: "secret", objectFormat: "pfx" },
                    { objectName: "locked", objectType: "secret" },
                    { objectName: "locked", objectType: "cert" },
                ],
                listing,
            );
            expect(problems).to.deep.equal([]);
            expect(warnings).to.deep.equal([
                {
                    where: 'objects[0] "plain".objectFormat',
                    message:
                        '"pfx" does not apply: secret "plain" does not belong to a certificate, and the provider converts only a certificate\'s secret',
                    fix: "remove objectFormat (the provider writes the value as stored)",
                },
                {
                    where: 'objects[1] "pem-cert".objectFormat',
                    message:
                        '"pfx" does not apply: certificate "pem-cert" is stored as PEM (application/x-pem-file), which the provider writes as stored',
                    fix: "remove objectFormat, or import the certificate as PKCS#12 (application/x-pkcs12) to read a PFX",
                },
                {
                    where: 'objects[2] "locked".objectFormat',
                    message:
                        'reads the secret of certificate "locked", whose key is not exportable: Key Vault leaves the private key out, so the pfx file holds the certificate alone',
                    fix: 'read it as objectType "cert" if the certificate is all the app needs, or create the certificate with an exportable key (policy keyProperties.exportable)',
                },
                {
                    where: 'objects[3] "locked".objectName',
                    message:
                        'reads the secret of certificate "locked", whose key is not exportable: Key Vault leaves the private key out, so the pem file holds the certificate alone',
                    fix: 'read it as objectType "cert" if the certificate is all the app needs, or create the certificate with an exportable key (policy keyProperties.exportable)',
                },
            ]);
        });
    });

    it("skips what the listing could not read, with one warning per collection naming the role that reads metadata", () => {
        const listing = vaultListing(
            [listedObject("secret", "locked", { managed: true, contentType: "application/x-pkcs12" })],
            ["key", "certificate"],
        );
        const findings = check(
            [
                { objectName: "anything", objectType: "key" },
                { objectName: "other", objectType: "key" },
                { objectName: "locked", objectType: "secret" },
                { objectName: "tls", objectType: "cert" },
            ],
            listing,
        );
        expect(findings).to.deep.equal({
            problems: [],
            warnings: [
                {
                    where: 'Key Vault "kv-orders"',
                    message:
                        'the preview could not list its keys (403), so 2 objects went unchecked against them (objects[0] "anything", objects[1] "other"); ' +
                        "Key Vault Reader, a data-plane role, is the least that lists them (metadata only, never a value)",
                    fix: "assign the identity that runs the preview the Key Vault Reader role on the vault, or leave these objects to be checked at pod start",
                },
                {
                    where: 'Key Vault "kv-orders"',
                    message:
                        'the preview could not list its certificates (403), so 2 objects went unchecked against them (objects[2] "locked", objects[3] "tls"); ' +
                        "Key Vault Reader, a data-plane role, is the least that lists them (metadata only, never a value)",
                    fix: "assign the identity that runs the preview the Key Vault Reader role on the vault, or leave these objects to be checked at pod start",
                },
            ],
        });
    });

    it("names objects as the caller calls them", () => {
        const findings = vaultContentProblems([{ objectName: "gone", objectType: "secret" }], vaultListing([]), {
            now: LISTING_NOW,
            describe: (_object, index) => `app "orders": secrets[${index}]`,
        });
        expect(findings.problems.map((problem) => problem.where)).to.deep.equal(['app "orders": secrets[0].objectName']);
    });

    describe("properties", () => {
        const name = fc.stringMatching(/^[0-9a-zA-Z-]{1,24}$/);
        const collection = fc.constantFrom<VaultCollection>("secret", "key", "certificate");
        const listed = fc.uniqueArray(fc.record({ name, collection }), {
            maxLength: 12,
            selector: (object) => `${object.collection}/${object.name.toLowerCase()}`,
        });
        const OBJECT_TYPE = { secret: "secret", key: "key", certificate: "cert" } as const;

        it("an object named as a vault object, in any case, never fails the existence check", () => {
            fc.assert(
                fc.property(
                    listed.filter((objects) => objects.length > 0),
                    fc.nat(),
                    fc.array(fc.boolean()),
                    (objects, pick, upper) => {
                        const chosen = objects[pick % objects.length];
                        const spelled = [...chosen.name]
                            .map((letter, index) => (upper[index] ? letter.toUpperCase() : letter.toLowerCase()))
                            .join("");
                        const listing = vaultListing(objects.map((object) => listedObject(object.collection, object.name)));
                        const { problems } = check([{ objectName: spelled, objectType: OBJECT_TYPE[chosen.collection] }], listing);
                        expect(problems.filter((problem) => problem.message.includes("has no"))).to.deep.equal([]);
                    },
                ),
                { seed: 20261201 },
            );
        });

        it("closest names are names the vault has, at most MAX_SUGGESTED_NAMES, and a name that is there comes first", () => {
            fc.assert(
                fc.property(name, fc.uniqueArray(name, { maxLength: 15 }), (wanted, names) => {
                    const closest = closestNames(wanted, names);
                    expect(closest.length).to.be.at.most(MAX_SUGGESTED_NAMES);
                    expect(names).to.include.members(closest);
                    if (names.some((candidate) => candidate.toLowerCase() === wanted.toLowerCase())) {
                        expect(closest[0].toLowerCase()).to.equal(wanted.toLowerCase());
                    }
                }),
                { seed: 20261202 },
            );
        });

        it("the findings do not depend on the listing's order", () => {
            const objects = fc.array(fc.record({ objectName: name, objectType: fc.constantFrom("secret", "key", "cert" as const) }), {
                maxLength: 6,
            });
            fc.assert(
                fc.property(listed, objects, fc.func(fc.integer()), (listedObjects, wanted, order) => {
                    const listing = vaultListing(listedObjects.map((object) => listedObject(object.collection, object.name)));
                    const shuffled = vaultListing(
                        [...listing.objects].sort((a, b) => order(a.name, a.collection) - order(b.name, b.collection)),
                    );
                    expect(check(wanted, shuffled)).to.deep.equal(check(wanted, listing));
                }),
                { seed: 20261203 },
            );
        });
    });
});

describe("Key Vault request budget with the vault's listing", () => {
    const listing = vaultListing(
        [
            listedObject("secret", "few", { versions: listedVersions(2) }),
            listedObject("secret", "many", { versions: listedVersions(60, { v60: { enabled: false } }) }),
            listedObject("secret", "unlisted"),
            listedObject("key", "k", { versions: listedVersions(1) }),
        ],
        ["certificate"],
    );

    it("counts the versions the provider writes and the pages its list takes, where the listing read them", () => {
        // few: 1 page + 2 versions; many: 3 pages (60 versions) + 6 enabled of history 5; unlisted and cert: the bound.
        expect(requestsPerMount([{ objectName: "few", objectType: "secret", objectVersionHistory: 10 }], listing)).to.equal(3);
        expect(requestsPerMount([{ objectName: "many", objectType: "secret", objectVersionHistory: 5 }], listing)).to.equal(9);
        expect(requestsPerMount([{ objectName: "unlisted", objectType: "secret", objectVersionHistory: 5 }], listing)).to.equal(7);
        expect(requestsPerMount([{ objectName: "few", objectType: "cert", objectVersionHistory: 5 }], listing)).to.equal(7);
        expect(requestsPerMount([{ objectName: "FEW", objectType: "secret" }, { objectVersionHistory: 3 }], listing)).to.equal(6);
        expect(
            requestsPerMount([{ objectName: "few", objectType: "secret", objectVersionHistory: 3, objectVersion: "v9" }], listing),
        ).to.equal(1);
    });

    it("never counts more than the bound without a listing for objects of one page of versions", () => {
        const object = fc.record({
            objectName: fc.constantFrom("few", "k", "unlisted", "absent"),
            objectType: fc.constantFrom("secret", "key", "cert" as const),
            objectVersionHistory: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
        });
        fc.assert(
            fc.property(fc.array(object, { maxLength: 10 }), (objects) => {
                expect(requestsPerMount(objects, listing)).to.be.at.most(requestsPerMount(objects));
                expect(requestsPerMount(objects, listing)).to.be.at.least(objects.length);
            }),
            { seed: 20261204 },
        );
    });
});
