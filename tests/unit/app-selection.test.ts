/** program/object-selection.ts: each app's selectObjects expanded against the vault's listing, before the program declares anything. */
import { expect } from "chai";
import * as fc from "fast-check";
import { addonReadObjects, parseStackConfig, stackConfigProblems } from "../../program/config";
import { expandAppSelections } from "../../program/object-selection";
import { checkVaultContents, vaultCheckFindings, vaultCheckPlan } from "../../program/vault-check";
import { StackConfigError, formatConfigProblem } from "../../program/problems";
import { LISTED_VAULT, LISTING_NOW, listedObject, rejection, vaultListing } from "../mocks";

const TENANT = "6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const DAY_MS = 24 * 60 * 60 * 1000;

/** A stack of one addon-mode app with these objects and selections, on the listed vault. */
function rawStack(objects: unknown[], selectObjects?: unknown[], keyVault: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        cluster: { mode: "external", addonIdentityClientId: "3b1d7f0e-5a2c-4e8b-9d6f-1a2b3c4d5e6f" },
        keyVault: { mode: "external", name: LISTED_VAULT, tenantId: TENANT, ...keyVault },
        applications: [
            { name: "orders-api", namespace: "orders", identity: { mode: "addon" }, objects, ...(selectObjects ? { selectObjects } : {}) },
        ],
    };
}

const ORDERS = { objectType: "secret", namePrefix: "orders-" };

const listing = vaultListing([
    listedObject("secret", "orders-db"),
    listedObject("secret", "orders-api", { expiresOn: new Date(LISTING_NOW.getTime() + 5 * DAY_MS) }),
    listedObject("secret", "billing-db"),
]);

describe("selectObjects (program)", () => {
    it("passes the config checks with selections only, while an app with neither objects nor selections still fails", () => {
        expect(stackConfigProblems(rawStack([], [ORDERS]))).to.deep.equal([]);
        expect(stackConfigProblems(rawStack([])).map(formatConfigProblem)).to.deep.equal([
            'aks-keyvault-secrets:applications[0].objects (app "orders-api"): is empty; the pod would mount nothing. Fix: list at least one Key Vault object.',
        ]);
    });

    it("lets a synced Secret name a file a selected object writes: checked once the selections have expanded", () => {
        const raw = rawStack([], [ORDERS]);
        (raw.applications as Array<Record<string, unknown>>)[0].syncedSecrets = [
            { secretName: "orders", type: "Opaque", data: [{ key: "db", objectName: "orders-db" }] },
        ];
        expect(stackConfigProblems(raw)).to.deep.equal([]);
        const config = parseStackConfig(raw);
        expect(expandAppSelections(config, listing, LISTING_NOW).problems).to.deep.equal([]);
        const without = vaultListing([listedObject("secret", "orders-api")]);
        expect(expandAppSelections(config, without, LISTING_NOW).problems.map(formatConfigProblem)).to.deep.equal([
            'aks-keyvault-secrets:applications[0].syncedSecrets[0].data[0].objectName (app "orders-api"): "orders-db" is not a file any object writes. ' +
                "Fix: reference one of: orders-api.",
        ]);
        // Without selections the same reference fails the config checks, as before.
        const written = rawStack([{ objectName: "orders-api", objectType: "secret" }]);
        (written.applications as Array<Record<string, unknown>>)[0].syncedSecrets = [
            { secretName: "orders", type: "Opaque", data: [{ key: "db", objectName: "orders-db" }] },
        ];
        expect(stackConfigProblems(written).map((problem) => problem.message)).to.deep.equal([
            '"orders-db" is not a file any object writes',
        ]);
    });

    it("refuses a selection without a criterion or with an invalid pattern in the config checks, at the selection's key", () => {
        const problems = stackConfigProblems(rawStack([], [{ objectType: "secret" }, { objectType: "key", namePattern: "(" }]));
        expect(problems.map(formatConfigProblem)).to.deep.equal([
            'aks-keyvault-secrets:applications[0].selectObjects[0] (app "orders-api"): names no namePrefix, namePattern or tags, so it would select every secret of the vault. ' +
                "Fix: add a namePrefix, a namePattern or tags, or list the objects by name.",
            'aks-keyvault-secrets:applications[0].selectObjects[1].namePattern (app "orders-api"): "(" is not a valid regular expression (Invalid regular expression: /(/i: Unterminated group). ' +
                'Fix: correct the pattern; it must match the whole name, in any case (e.g. "orders-.*").',
        ]);
    });

    it("appends the selected objects after the written ones, sorted by name, each once, and says which selection took each", () => {
        const config = parseStackConfig(rawStack([{ objectName: "orders-db", objectType: "secret" }], [ORDERS]));
        const expansion = expandAppSelections(config, listing, LISTING_NOW);
        expect(expansion.problems).to.deep.equal([]);
        expect(expansion.warnings).to.deep.equal([]);
        expect(expansion.config.applications[0].objects).to.deep.equal([
            { objectName: "orders-db", objectType: "secret" },
            { objectName: "orders-api", objectType: "secret" },
        ]);
        expect(expansion.selectedBy).to.deep.equal([[undefined, 0]]);
    });

    it("plans the addon identity's roles from the expanded objects", () => {
        const expanded = expandAppSelections(parseStackConfig(rawStack([], [ORDERS])), listing, LISTING_NOW).config;
        expect(addonReadObjects(expanded)).to.deep.equal([
            { objectName: "orders-api", objectType: "secret" },
            { objectName: "orders-db", objectType: "secret" },
        ]);
    });

    it("puts an expanded object's problem at the selection that took it, and names no objects[n] the config does not have", () => {
        const config = parseStackConfig(rawStack([{ objectName: "billing-db", objectType: "secret", objectAlias: "orders-db" }], [ORDERS]));
        const expansion = expandAppSelections(config, listing, LISTING_NOW);
        expect(expansion.problems.map(formatConfigProblem)).to.deep.equal([
            'aks-keyvault-secrets:applications[0].objects (app "orders-api"): file "orders-db" is written by more than one object (objects[0] "billing-db", selectObjects[0] "orders-db"). ' +
                "Fix: give each object a distinct objectAlias.",
        ]);
    });

    it("holds the selected objects against the vault, with findings at the selection", () => {
        const expansion = expandAppSelections(parseStackConfig(rawStack([], [ORDERS])), listing, LISTING_NOW);
        const findings = vaultCheckFindings(expansion.config, listing, LISTING_NOW, 30, expansion.selectedBy);
        expect(findings.problems).to.deep.equal([]);
        expect(findings.warnings.map(formatConfigProblem)).to.deep.equal([
            'aks-keyvault-secrets:applications[0].selectObjects[0] (app "orders-api", selected secret "orders-api"): secret "orders-api", which the mount reads, expires on 2026-12-06, in 5 days. ' +
                "Fix: set a new version of the secret with a later expiry before then.",
        ]);
    });

    it("warns of a selection that matches nothing, and fails an app whose selections leave it nothing to mount", () => {
        const some = expandAppSelections(
            parseStackConfig(rawStack([], [ORDERS, { objectType: "cert", namePrefix: "x" }])),
            listing,
            LISTING_NOW,
        );
        expect(some.problems).to.deep.equal([]);
        expect(some.warnings.map(formatConfigProblem)).to.deep.equal([
            'aks-keyvault-secrets:applications[0].selectObjects[1] (app "orders-api"): matches no certificate of Key Vault "kv-orders". ' +
                "Fix: check namePrefix, namePattern and tags against the vault's certificates, or remove the entry.",
        ]);
        const none = expandAppSelections(parseStackConfig(rawStack([], [ORDERS])), vaultListing([]), LISTING_NOW);
        expect(none.problems.map(formatConfigProblem)).to.deep.equal([
            'aks-keyvault-secrets:applications[0].selectObjects (app "orders-api"): selects no object of Key Vault "kv-orders" and the app lists none in `objects`, so the pod would mount nothing. ' +
                "Fix: correct the selections (see the warnings), or list the objects by name in `objects`.",
        ]);
    });

    it("fails a selection of a collection the preview could not list", () => {
        const expansion = expandAppSelections(parseStackConfig(rawStack([], [ORDERS])), vaultListing([], ["secret"]), LISTING_NOW);
        expect(expansion.problems.map(formatConfigProblem)).to.deep.equal([
            'aks-keyvault-secrets:applications[0].selectObjects[0] (app "orders-api"): selects secrets of Key Vault "kv-orders", which the preview could not list (403), so it cannot know which to mount. ' +
                "Fix: assign the identity that runs the preview the Key Vault Reader role on the vault (a data-plane role: metadata only, never a value), or list the objects by name.",
        ]);
    });

    it("fails an app with selections when there is no listing, saying why and how to get one", () => {
        const problemsWithout = (config: ReturnType<typeof parseStackConfig>) =>
            expandAppSelections(config, undefined, LISTING_NOW).problems.map(formatConfigProblem);
        const prefix =
            'aks-keyvault-secrets:applications[0].selectObjects (app "orders-api"): selects objects by pattern, which needs the vault check\'s listing of the vault, but ';
        expect(problemsWithout(parseStackConfig(rawStack([], [ORDERS])))).to.deep.equal([
            `${prefix}Key Vault "kv-orders" could not be read (see the warning at keyVault). ` +
                "Fix: give the identity that runs the preview the Key Vault Reader role on the vault and a route to it, or list the objects by name in `objects`.",
        ]);
        expect(problemsWithout(parseStackConfig(rawStack([], [ORDERS], { checkContents: false })))).to.deep.equal([
            `${prefix}keyVault.checkContents is false. ` +
                "Fix: set keyVault.checkContents: true (the identity that runs the preview needs the Key Vault Reader role on the vault), or list the objects by name in `objects`.",
        ]);
        const appStack = {
            ...parseStackConfig(rawStack([], [ORDERS])),
            keyVault: undefined,
            platformStack: "organization/aks-keyvault-secrets/dev",
        };
        expect(problemsWithout(appStack)).to.deep.equal([
            `${prefix}an app stack does not read its platform stack's vault. ` +
                "Fix: list the objects by name in `objects`, or declare the app in the platform stack.",
        ]);
    });

    it("reads the vault for an app with selections only, and fails the preview without reading when the check is off", async () => {
        expect(vaultCheckPlan(parseStackConfig(rawStack([], [ORDERS])))).to.include({ vaultName: LISTED_VAULT });
        const error = await rejection(checkVaultContents(parseStackConfig(rawStack([], [ORDERS], { checkContents: false }))));
        expect(error).to.be.instanceOf(StackConfigError);
        expect((error as StackConfigError).problems).to.deep.equal([
            'aks-keyvault-secrets:applications[0].selectObjects (app "orders-api"): selects objects by pattern, which needs the vault check\'s listing of the vault, but keyVault.checkContents is false. ' +
                "Fix: set keyVault.checkContents: true (the identity that runs the preview needs the Key Vault Reader role on the vault), or list the objects by name in `objects`.",
        ]);
    });

    describe("properties", () => {
        const names = fc.constantFrom("orders-db", "orders-api", "Orders-Web", "billing-db", "billing-api");
        const vaultObjects = fc
            .uniqueArray(names, { selector: (name) => name.toLowerCase() })
            .map((picked) => picked.map((name) => listedObject("secret", name)));
        const selections = fc.array(
            fc.record({ objectType: fc.constant("secret"), namePrefix: fc.constantFrom("orders-", "billing-", "o", "b") }),
            { minLength: 1, maxLength: 3 },
        );
        const written = fc.uniqueArray(
            names.map((objectName) => ({ objectName, objectType: "secret" })),
            { selector: (object) => object.objectName.toLowerCase(), maxLength: 2 },
        );

        it("expanding twice is the same as expanding once", () => {
            fc.assert(
                fc.property(vaultObjects, selections, written, (objects, selectObjects, writtenObjects) => {
                    const config = parseStackConfig(rawStack(writtenObjects, selectObjects));
                    const once = expandAppSelections(config, vaultListing(objects), LISTING_NOW).config;
                    expect(expandAppSelections(once, vaultListing(objects), LISTING_NOW).config).to.deep.equal(once);
                }),
            );
        });

        it("returns a config without selectObjects unchanged, with or without a listing", () => {
            fc.assert(
                fc.property(vaultObjects, written, fc.boolean(), (objects, writtenObjects, listed) => {
                    const config = parseStackConfig(
                        rawStack(writtenObjects.length > 0 ? writtenObjects : [{ objectName: "x", objectType: "secret" }]),
                    );
                    const expansion = expandAppSelections(config, listed ? vaultListing(objects) : undefined, LISTING_NOW);
                    expect(expansion.config).to.deep.equal(config);
                    expect(expansion.problems).to.deep.equal([]);
                    expect(expansion.warnings).to.deep.equal([]);
                }),
            );
        });
    });
});
