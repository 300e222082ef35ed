import { Problem } from "../shared/validation";
import { KEY_VAULT_OBJECT_TYPES, KeyVaultObject, KeyVaultObjectType } from "../secret-provider-class/types";
import { COLLECTION_OF, METADATA_READER_ROLE, compareNames, unreadableKind } from "./content-checks";
import { VaultListing, VaultObjectInfo } from "./contents";

/**
 * Objects chosen by pattern instead of one by one: a selection expands, against the vault's listing, into the
 * objects it matches, each mounted as a file of its own name. Without a listing there is nothing to expand.
 */

/** Which objects a selection takes: those of `objectType`'s collection that match every criterion given (at least one). */
export interface KeyVaultObjectCriteria {
    /** The collection to select from, as the objectType that reads it. */
    objectType: KeyVaultObjectType;
    /** Names that start with this (compared case-insensitively, as Key Vault compares names). */
    namePrefix?: string;
    /** A regular expression (JavaScript source) the whole name matches, case-insensitively: `orders-.*`. */
    namePattern?: string;
    /** Tags every selected object carries, with these exact values. */
    tags?: Record<string, string>;
}

/** An `objects` entry that selects objects by pattern. */
export interface KeyVaultObjectSelection {
    /** What to select. */
    select: KeyVaultObjectCriteria;
}

/** One entry of an object list: an object named explicitly, or a selection. */
export type KeyVaultObjectEntry = KeyVaultObject | KeyVaultObjectSelection;

/** True for a selection entry. */
export function isObjectSelection(entry: KeyVaultObjectEntry): entry is KeyVaultObjectSelection {
    return "select" in entry;
}

/** How to expand selections. */
export interface SelectionOptions {
    /** The moment expiry dates are compared to (the caller's clock, so the expansion stays pure). */
    now: Date;
    /** What a problem's `where` calls entry `index`; default `objects[<index>]`. */
    describeEntry?: (index: number) => string;
}

/** Explicit objects for every entry, and what kept a selection from expanding as asked. */
export interface ObjectExpansion {
    /** The explicit entries in their order, then the selected objects by name (case-insensitive), each object once. */
    objects: KeyVaultObject[];
    /** Selections that cannot expand: no criterion, an invalid objectType or pattern, a collection not listed. */
    problems: Problem[];
    /** Selections that match nothing, and matching objects left out (disabled, expired, unreadable as the objectType). */
    warnings: Problem[];
}

/** A name test from the criteria, or the problem with its namePattern. */
export function nameMatcher(
    criteria: Pick<KeyVaultObjectCriteria, "namePrefix" | "namePattern">,
): ((name: string) => boolean) | { error: string } {
    const prefix = criteria.namePrefix?.toLowerCase() ?? "";
    let pattern: RegExp | undefined;
    if (criteria.namePattern) {
        try {
            // Checked alone first, so that the error quotes what the user wrote, not the anchored form.
            new RegExp(criteria.namePattern, "i");
            pattern = new RegExp(`^(?:${criteria.namePattern})$`, "i");
        } catch (error) {
            return { error: (error as Error).message };
        }
    }
    return (name) => name.toLowerCase().startsWith(prefix) && (pattern === undefined || pattern.test(name));
}

/** True when `info` carries every tag of `tags` with its value. */
export function hasTags(info: Pick<VaultObjectInfo, "tags">, tags: Record<string, string> | undefined): boolean {
    return Object.entries(tags ?? {}).every(([key, value]) => Object.hasOwn(info.tags, key) && info.tags[key] === value);
}

/** Why a matching object is left out, or undefined when it is selected: the provider could not mount it as asked. */
export function exclusionReason(objectType: KeyVaultObjectType, info: VaultObjectInfo, now: Date): string | undefined {
    if (!info.enabled) {
        return "disabled";
    }
    if (info.expiresOn !== undefined && info.expiresOn.getTime() <= now.getTime()) {
        return `expired on ${info.expiresOn.toISOString().slice(0, 10)}`;
    }
    if (unreadableKind(objectType, info) !== undefined) {
        return objectType === "key"
            ? `key type ${info.keyType}, which the provider does not read`
            : `content type ${info.contentType}, which the provider does not read`;
    }
    return undefined;
}

function hasCriterion(criteria: KeyVaultObjectCriteria): boolean {
    return Boolean(criteria.namePrefix) || Boolean(criteria.namePattern) || Object.keys(criteria.tags ?? {}).length > 0;
}

/** One selection expanded: the objects it selects, or the problems that stop it. */
function expandSelection(
    criteria: KeyVaultObjectCriteria,
    where: string,
    listing: VaultListing,
    now: Date,
): { selected: VaultObjectInfo[]; problems: Problem[]; warnings: Problem[] } {
    const none = { selected: [], warnings: [] };
    if (!(KEY_VAULT_OBJECT_TYPES as readonly string[]).includes(criteria.objectType)) {
        return {
            ...none,
            problems: [
                {
                    where: `${where}.objectType`,
                    message: `"${criteria.objectType}" is not an objectType`,
                    fix: `use one of ${KEY_VAULT_OBJECT_TYPES.join(", ")}`,
                },
            ],
        };
    }
    const collection = COLLECTION_OF[criteria.objectType];
    if (!hasCriterion(criteria)) {
        return {
            ...none,
            problems: [
                {
                    where,
                    message: `names no namePrefix, namePattern or tags, so it would select every ${collection} of the vault`,
                    fix: "add a namePrefix, a namePattern or tags, or list the objects by name",
                },
            ],
        };
    }
    const matchesName = nameMatcher(criteria);
    if (typeof matchesName !== "function") {
        return {
            ...none,
            problems: [
                {
                    where: `${where}.namePattern`,
                    message: `"${criteria.namePattern}" is not a valid regular expression (${matchesName.error})`,
                    fix: 'correct the pattern; it must match the whole name, in any case (e.g. "orders-.*")',
                },
            ],
        };
    }
    const unreadable = listing.unreadable.find((entry) => entry.collection === collection);
    if (unreadable) {
        return {
            ...none,
            problems: [
                {
                    where,
                    message: `selects ${collection}s of Key Vault "${listing.vaultName}", which the preview could not list (${unreadable.status}), so it cannot know which to mount`,
                    fix: `assign the identity that runs the preview the ${METADATA_READER_ROLE} role on the vault (a data-plane role: metadata only, never a value), or list the objects by name`,
                },
            ],
        };
    }
    const matching = listing.objects
        .filter((info) => info.collection === collection && matchesName(info.name) && hasTags(info, criteria.tags))
        .sort((a, b) => compareNames(a.name, b.name));
    const leftOut = matching.flatMap((info) => {
        const reason = exclusionReason(criteria.objectType, info, now);
        return reason === undefined ? [] : [`"${info.name}" (${reason})`];
    });
    const warnings: Problem[] = [];
    if (matching.length === 0) {
        warnings.push({
            where,
            message: `matches no ${collection} of Key Vault "${listing.vaultName}"`,
            fix: `check namePrefix, namePattern and tags against the vault's ${collection}s, or remove the entry`,
        });
    }
    if (leftOut.length > 0) {
        warnings.push({
            where,
            message: `leaves out ${leftOut.length} matching ${collection}${leftOut.length === 1 ? "" : "s"}: ${leftOut.join(", ")}`,
            fix: "enable, renew or replace them if the app needs them; the selection takes them once they can be read",
        });
    }
    const selected = matching.filter((info) => exclusionReason(criteria.objectType, info, now) === undefined);
    return { selected, problems: [], warnings };
}

/** The identity of an object in a vault: its collection and its name in one case. */
function objectKey(objectType: KeyVaultObjectType, name: string): string {
    return `${objectType}/${name.toLowerCase()}`;
}

/**
 * Expands every selection of `entries` against the vault's listing into explicit objects (each mounted as a file of
 * its name): explicit entries first, as written, then the selected objects sorted by name (case-insensitive, then by
 * objectType), without those an explicit entry or an earlier selection already names. The order depends on neither
 * the listing's order nor the selections' order, so the rendered class changes only when the vault does.
 */
export function expandObjectSelections(
    entries: readonly KeyVaultObjectEntry[],
    listing: VaultListing,
    options: SelectionOptions,
): ObjectExpansion {
    const describeEntry = options.describeEntry ?? ((index: number) => `objects[${index}]`);
    const explicit = entries.filter((entry): entry is KeyVaultObject => !isObjectSelection(entry));
    const expansions = entries.flatMap((entry, index) =>
        isObjectSelection(entry)
            ? [
                  {
                      objectType: entry.select.objectType,
                      ...expandSelection(entry.select, `${describeEntry(index)}.select`, listing, options.now),
                  },
              ]
            : [],
    );
    const named = new Set(explicit.map((object) => objectKey(object.objectType, object.objectName)));
    const selected = expansions
        .flatMap(({ objectType, selected: infos }) => infos.map((info): KeyVaultObject => ({ objectName: info.name, objectType })))
        .sort(
            (a, b) =>
                compareNames(a.objectName, b.objectName) ||
                KEY_VAULT_OBJECT_TYPES.indexOf(a.objectType) - KEY_VAULT_OBJECT_TYPES.indexOf(b.objectType),
        )
        .filter((object) => {
            const key = objectKey(object.objectType, object.objectName);
            const isNew = !named.has(key);
            named.add(key);
            return isNew;
        });
    return {
        objects: [...explicit, ...selected],
        problems: expansions.flatMap((expansion) => expansion.problems),
        warnings: expansions.flatMap((expansion) => expansion.warnings),
    };
}
