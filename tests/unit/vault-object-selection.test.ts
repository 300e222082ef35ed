/** components/key-vault/selection.ts: objects selected by pattern, expanded against the vault's listing. */
import { expect } from "chai";
import * as fc from "fast-check";
import { VaultCollection, VaultObjectInfo } from "../../components/key-vault/contents";
import { KeyVaultObjectEntry, expandObjectSelections, hasTags, nameMatcher } from "../../components/key-vault/selection";
import { KEY_VAULT_OBJECT_TYPES, KeyVaultObjectType } from "../../components/secret-provider-class/types";
import { LISTING_NOW, listedObject, vaultListing } from "../mocks";

const DAY_MS = 24 * 60 * 60 * 1000;

function expand(entries: KeyVaultObjectEntry[], objects: VaultObjectInfo[], unreadable: Parameters<typeof vaultListing>[1] = []) {
    return expandObjectSelections(entries, vaultListing(objects, unreadable), { now: LISTING_NOW });
}

describe("object selections", () => {
    const vault = [
        listedObject("secret", "orders-db", { tags: { app: "orders" } }),
        listedObject("secret", "Orders-API", { tags: { app: "orders", tier: "web" } }),
        listedObject("secret", "orders-old", { enabled: false }),
        listedObject("secret", "orders-gone", { expiresOn: new Date(LISTING_NOW.getTime() - DAY_MS) }),
        listedObject("secret", "orders-tls", { managed: true, contentType: "application/json" }),
        listedObject("secret", "billing-db", { tags: { app: "billing" } }),
        listedObject("key", "orders-signing", { keyType: "RSA" }),
        listedObject("key", "orders-wrap", { keyType: "oct" }),
        listedObject("certificate", "orders-db"),
    ];

    it("expands a prefix, a pattern or tags into the matching objects, sorted by name in any case, after the explicit entries", () => {
        const { objects, problems } = expand(
            [
                { objectName: "billing-db", objectType: "secret", objectAlias: "billing" },
                { select: { objectType: "secret", tags: { app: "orders" } } },
                { select: { objectType: "key", namePattern: "ORDERS-S.*" } },
                { select: { objectType: "cert", namePrefix: "orders" } },
            ],
            vault,
        );
        expect(problems).to.deep.equal([]);
        expect(objects).to.deep.equal([
            { objectName: "billing-db", objectType: "secret", objectAlias: "billing" },
            { objectName: "Orders-API", objectType: "secret" },
            { objectName: "orders-db", objectType: "secret" },
            { objectName: "orders-db", objectType: "cert" },
            { objectName: "orders-signing", objectType: "key" },
        ]);
    });

    it("takes every criterion together, and anchors the pattern at both ends", () => {
        const { objects } = expand(
            [
                { select: { objectType: "secret", namePrefix: "orders-", tags: { tier: "web" } } },
                { select: { objectType: "secret", namePattern: "db" } },
            ],
            vault,
        );
        expect(objects).to.deep.equal([{ objectName: "Orders-API", objectType: "secret" }]);
    });

    it("drops objects an explicit entry or another selection already names, in any case", () => {
        const { objects } = expand(
            [
                { select: { objectType: "secret", namePrefix: "orders" } },
                { objectName: "ORDERS-DB", objectType: "secret" },
                { select: { objectType: "secret", tags: { app: "orders" } } },
            ],
            vault,
        );
        expect(objects).to.deep.equal([
            { objectName: "ORDERS-DB", objectType: "secret" },
            { objectName: "Orders-API", objectType: "secret" },
        ]);
    });

    it("leaves out disabled, expired and unreadable objects, and says which", () => {
        const { objects, warnings } = expand(
            [{ select: { objectType: "secret", namePrefix: "orders-" } }, { select: { objectType: "key", namePrefix: "orders-" } }],
            vault,
        );
        expect(objects.map((object) => object.objectName)).to.deep.equal(["Orders-API", "orders-db", "orders-signing"]);
        expect(warnings).to.deep.equal([
            {
                where: "objects[0].select",
                message:
                    'leaves out 3 matching secrets: "orders-gone" (expired on 2026-11-30), "orders-old" (disabled), "orders-tls" (content type application/json, which the provider does not read)',
                fix: "enable, renew or replace them if the app needs them; the selection takes them once they can be read",
            },
            {
                where: "objects[1].select",
                message: 'leaves out 1 matching key: "orders-wrap" (key type oct, which the provider does not read)',
                fix: "enable, renew or replace them if the app needs them; the selection takes them once they can be read",
            },
        ]);
    });

    it("warns of a selection that matches nothing", () => {
        expect(expand([{ select: { objectType: "cert", tags: { app: "payments" } } }], vault)).to.deep.equal({
            objects: [],
            problems: [],
            warnings: [
                {
                    where: "objects[0].select",
                    message: 'matches no certificate of Key Vault "kv-orders"',
                    fix: "check namePrefix, namePattern and tags against the vault's certificates, or remove the entry",
                },
            ],
        });
    });

    it("refuses a selection without a criterion, of an unknown objectType, with an invalid pattern, or of a collection it cannot list", () => {
        const { objects, problems } = expand(
            [
                { select: { objectType: "secret", namePrefix: "", tags: {} } },
                { select: { objectType: "Secret" as KeyVaultObjectType, namePrefix: "orders" } },
                { select: { objectType: "secret", namePattern: "orders-(db" } },
                { select: { objectType: "key", namePrefix: "orders" } },
            ],
            vault,
            ["key"],
        );
        expect(objects).to.deep.equal([]);
        expect(problems).to.deep.equal([
            {
                where: "objects[0].select",
                message: "names no namePrefix, namePattern or tags, so it would select every secret of the vault",
                fix: "add a namePrefix, a namePattern or tags, or list the objects by name",
            },
            {
                where: "objects[1].select.objectType",
                message: '"Secret" is not an objectType',
                fix: "use one of secret, key, cert",
            },
            {
                where: "objects[2].select.namePattern",
                message: '"orders-(db" is not a valid regular expression (Invalid regular expression: /orders-(db/i: Unterminated group)',
                fix: 'correct the pattern; it must match the whole name, in any case (e.g. "orders-.*")',
            },
            {
                where: "objects[3].select",
                message: 'selects keys of Key Vault "kv-orders", which the preview could not list (403), so it cannot know which to mount',
                fix: "assign the identity that runs the preview the Key Vault Reader role on the vault (a data-plane role: metadata only, never a value), or list the objects by name",
            },
        ]);
    });

    it("names entries as the caller calls them", () => {
        const { warnings } = expandObjectSelections([{ select: { objectType: "secret", namePrefix: "none-" } }], vaultListing(vault), {
            now: LISTING_NOW,
            describeEntry: (index) => `app "orders": secrets[${index}]`,
        });
        expect(warnings.map((warning) => warning.where)).to.deep.equal(['app "orders": secrets[0].select']);
    });

    describe("properties", () => {
        const name = fc.stringMatching(/^[0-9a-zA-Z-]{1,12}$/);
        const listed = fc.uniqueArray(
            fc.record({
                name,
                collection: fc.constantFrom("secret" as const, "key" as const, "certificate" as const),
                enabled: fc.boolean(),
                expiresInDays: fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined }),
                team: fc.constantFrom("a", "b"),
            }),
            { maxLength: 20, selector: (object) => `${object.collection}/${object.name.toLowerCase()}` },
        );
        const toListing = (
            objects: Array<{ name: string; collection: VaultCollection; enabled: boolean; expiresInDays?: number; team: string }>,
        ) =>
            objects.map((object) =>
                listedObject(object.collection, object.name, {
                    enabled: object.enabled,
                    tags: { team: object.team },
                    expiresOn:
                        object.expiresInDays === undefined ? undefined : new Date(LISTING_NOW.getTime() + object.expiresInDays * DAY_MS),
                }),
            );
        const selection = fc.record({
            select: fc.record(
                {
                    objectType: fc.constantFrom(...KEY_VAULT_OBJECT_TYPES),
                    namePrefix: fc.stringMatching(/^[0-9a-zA-Z-]{1,2}$/),
                    namePattern: fc.constantFrom(".*", "[a-m].*", ".*-.*", "[0-9]+"),
                    tags: fc.constantFrom({ team: "a" }, { team: "b" }),
                },
                { requiredKeys: ["objectType"] },
            ),
        });
        const explicit = fc.record({ objectName: name, objectType: fc.constantFrom(...KEY_VAULT_OBJECT_TYPES) });
        const entries = fc.array(fc.oneof(selection, explicit), { maxLength: 6 });

        it("does not depend on the listing's order or on the selections' order", () => {
            fc.assert(
                fc.property(listed, entries, fc.func(fc.integer()), (objects, wanted, order) => {
                    const infos = toListing(objects);
                    const shuffled = [...infos].sort((a, b) => order(a.name, a.collection) - order(b.name, b.collection));
                    const result = expand(wanted, infos);
                    expect(expand(wanted, shuffled)).to.deep.equal(result);
                    const selectionsReversed = [
                        ...wanted.filter((entry) => !("select" in entry)),
                        ...wanted.filter((entry) => "select" in entry).reverse(),
                    ];
                    expect(expand(selectionsReversed, infos).objects).to.deep.equal(result.objects);
                }),
                { seed: 20261205 },
            );
        });

        it("selects only objects that exist, are enabled, have not expired and match; explicit entries first, each object once, by name", () => {
            fc.assert(
                fc.property(listed, entries, (objects, wanted) => {
                    const infos = toListing(objects);
                    const { objects: expanded, problems } = expand(wanted, infos);
                    const explicitEntries = wanted.filter((entry) => !("select" in entry));
                    const selections = wanted.flatMap((entry) => ("select" in entry ? [entry.select] : []));
                    expect(expanded.slice(0, explicitEntries.length)).to.deep.equal(explicitEntries);
                    const selected = expanded.slice(explicitEntries.length);
                    const keys = expanded.map((object) => `${object.objectType}/${object.objectName.toLowerCase()}`);
                    expect(new Set(keys.slice(explicitEntries.length)).size).to.equal(selected.length);
                    for (const object of selected) {
                        const info = infos.find(
                            (candidate) =>
                                candidate.name === object.objectName &&
                                candidate.collection === { secret: "secret", key: "key", cert: "certificate" }[object.objectType],
                        );
                        expect(info, object.objectName).to.not.equal(undefined);
                        expect(info?.enabled).to.equal(true);
                        expect(info?.expiresOn === undefined || info.expiresOn > LISTING_NOW).to.equal(true);
                        expect(
                            selections.some((criteria) => {
                                const matches = nameMatcher(criteria);
                                return (
                                    criteria.objectType === object.objectType &&
                                    typeof matches === "function" &&
                                    matches(object.objectName) &&
                                    info !== undefined &&
                                    hasTags(info, criteria.tags)
                                );
                            }),
                        ).to.equal(true);
                        expect(keys.indexOf(`${object.objectType}/${object.objectName.toLowerCase()}`)).to.be.at.least(
                            explicitEntries.length,
                        );
                    }
                    const names = selected.map((object) => object.objectName.toLowerCase());
                    expect(names).to.deep.equal([...names].sort((a, b) => a.localeCompare(b, "en")));
                    // The only problem these selections can have: no criterion at all.
                    expect(problems.map((problem) => problem.message)).to.satisfy((messages: string[]) =>
                        messages.every((message) => message.startsWith("names no namePrefix")),
                    );
                }),
                { seed: 20261206 },
            );
        });
    });
});
