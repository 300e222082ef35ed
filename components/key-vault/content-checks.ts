import { Problem, editDistance } from "../shared/validation";
import { describeObject } from "../secret-provider-class/objects";
import { fileNameOf, versionHistoryOf } from "../secret-provider-class/paths";
import { KEY_VAULT_OBJECT_TYPES, KeyVaultObject, KeyVaultObjectType } from "../secret-provider-class/types";
import { VAULT_COLLECTIONS, VaultCollection, VaultListing, VaultObjectInfo, VaultObjectVersion } from "./contents";

/**
 * The preview's vault check: each object of a class held against what the vault holds (VaultListing, metadata
 * only), for what would otherwise fail or surprise only at pod start. What the provider does with each object is
 * as secrets-store-csi-driver-provider-azure v1.8.2 reads it (pkg/provider/provider.go, pkg/provider/keyvault.go).
 */

/**
 * The collection each objectType reads (pkg/provider/provider.go, getKeyVaultObjectContent): `secret` gets a secret,
 * `key` a key, `cert` a certificate.
 */
export const COLLECTION_OF: Readonly<Record<KeyVaultObjectType, VaultCollection>> = { secret: "secret", key: "key", cert: "certificate" };

const OBJECT_TYPE_OF: Readonly<Record<VaultCollection, KeyVaultObjectType>> = { secret: "secret", key: "key", certificate: "cert" };
const PLURAL: Readonly<Record<VaultCollection, string>> = { secret: "secrets", key: "keys", certificate: "certificates" };

/** Days before an object's expiry from which the check warns. */
export const DEFAULT_EXPIRY_WARNING_DAYS = 30;
/** Most vault names a "no such object" problem suggests. */
export const MAX_SUGGESTED_NAMES = 3;
/** Largest edit distance (case-insensitive) at which a vault name counts as close to a mistyped one. */
export const MAX_SUGGESTION_DISTANCE = 3;

/**
 * Key types `key` can read (pkg/provider/provider.go, getKey): the provider writes the public key of RSA and EC keys
 * (software or HSM) as PEM and fails the mount on any other type ("key type ... currently not supported"), so on
 * symmetric `oct` keys, which have no public part.
 */
export const READABLE_KEY_TYPES = ["RSA", "RSA-HSM", "EC", "EC-HSM"] as const;

/**
 * Content types of a certificate's secret that `secret` can read (pkg/provider/provider.go, getSecret; the constants
 * in pkg/provider/types/types.go): a PKCS#12 one is converted to PEM (key, then certificates) unless objectFormat is
 * `pfx`, which writes it as stored (base64); a PEM one is written as stored whatever objectFormat says; any other
 * content type fails the mount ("unknown content type"). The secret of a plain secret is written as stored.
 */
export const CERTIFICATE_SECRET_CONTENT_TYPES = { pfx: "application/x-pkcs12", pem: "application/x-pem-file" } as const;

/** The least Azure role that lists a vault's secrets, keys and certificates with their metadata (never a value). */
export const METADATA_READER_ROLE = "Key Vault Reader";

/** What the vault check found: problems fail the preview, warnings are printed. */
export interface VaultContentFindings {
    /** What would fail a mount. */
    problems: Problem[];
    /** What would surprise: fewer files, an expiry, a format the provider does not apply, a check skipped. */
    warnings: Problem[];
}

/** How to hold objects against a listing. */
export interface VaultContentOptions {
    /** The moment expiry dates are compared to (the caller's clock, so the check stays pure). */
    now: Date;
    /** Warn about objects that expire within this many days; default DEFAULT_EXPIRY_WARNING_DAYS. */
    expiryWarningDays?: number;
    /** What a problem's `where` calls an object; default the class's words (`objects[0] "db-password"`). */
    describe?: (object: KeyVaultObject, index: number) => string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function sameName(a: string, b: string): boolean {
    return a.toLowerCase() === b.toLowerCase();
}

function quoted(values: readonly string[]): string {
    return values.map((value) => `"${value}"`).join(", ");
}

function isoDate(date: Date): string {
    return date.toISOString().slice(0, 10);
}

function plural(count: number, word: string): string {
    return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** True when the listing could not read `collection` (so nothing can be said about its objects). */
export function isUnreadable(listing: VaultListing, collection: VaultCollection): boolean {
    return listing.unreadable.some((entry) => entry.collection === collection);
}

/** The object of `collection` named `name`, compared case-insensitively as Key Vault compares names. */
export function findVaultObject(listing: VaultListing, collection: VaultCollection, name: string): VaultObjectInfo | undefined {
    return listing.objects.find((object) => object.collection === collection && sameName(object.name, name));
}

/**
 * Up to MAX_SUGGESTED_NAMES of `candidates` within MAX_SUGGESTION_DISTANCE edits of `name` (case-insensitive),
 * nearest first, then by name.
 */
export function closestNames(name: string, candidates: readonly string[]): string[] {
    return candidates
        .map((candidate) => ({ candidate, distance: editDistance(name.toLowerCase(), candidate.toLowerCase()) }))
        .filter(({ distance }) => distance <= MAX_SUGGESTION_DISTANCE)
        .sort((a, b) => a.distance - b.distance || compareNames(a.candidate, b.candidate))
        .slice(0, MAX_SUGGESTED_NAMES)
        .map(({ candidate }) => candidate);
}

/** Orders names case-insensitively, then by their exact spelling, so that any order of input sorts the same. */
export function compareNames(a: string, b: string): number {
    const lower = a.toLowerCase().localeCompare(b.toLowerCase(), "en");
    return lower !== 0 ? lower : a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Why the provider cannot read `info` as `objectType`, or undefined when it can (or the listing does not say):
 * a key of a type `key` does not read, or a certificate's secret of a content type `secret` does not read.
 */
export function unreadableKind(objectType: KeyVaultObjectType, info: VaultObjectInfo): string | undefined {
    if (objectType === "key" && info.keyType !== undefined && !(READABLE_KEY_TYPES as readonly string[]).includes(info.keyType)) {
        return `key "${info.name}" is of type ${info.keyType}; the provider writes the public key of ${READABLE_KEY_TYPES.join(", ")} keys only and fails the mount on any other type`;
    }
    const certificateContentTypes: readonly string[] = Object.values(CERTIFICATE_SECRET_CONTENT_TYPES);
    if (objectType === "secret" && info.managed && info.contentType !== undefined && !certificateContentTypes.includes(info.contentType)) {
        return `secret "${info.name}" belongs to a certificate but has content type "${info.contentType}"; the provider reads a certificate's secret only as ${certificateContentTypes.join(" or ")} and fails the mount on any other`;
    }
    return undefined;
}

/** Versions newest first by creation, as the provider sorts them; a version without a date counts as 1970 as there. */
function newestFirst(versions: readonly VaultObjectVersion[]): VaultObjectVersion[] {
    return [...versions].sort((a, b) => (b.createdOn?.getTime() ?? 0) - (a.createdOn?.getTime() ?? 0));
}

/** True when objectVersion names no particular version: the provider's history reads "latest" as the newest. */
function readsLatest(objectVersion: string | undefined): boolean {
    return objectVersion === undefined || objectVersion === "" || objectVersion === "latest";
}

/**
 * The versions a mount with objectVersionHistory N > 1 writes, `<file>/0` first; undefined without such a history or
 * when the listing did not read the versions. The provider lists only enabled versions (pkg/provider/keyvault.go:
 * Get*Versions skip disabled ones), sorts them newest first by creation, starts at objectVersion (matched exactly) or
 * the newest, and writes up to N + 1 of them (pkg/provider/provider.go, getLatestNKeyVaultObjects); none when
 * objectVersion is not among them.
 */
export function versionsWritten(
    object: Pick<KeyVaultObject, "objectVersion" | "objectVersionHistory">,
    info: VaultObjectInfo,
): VaultObjectVersion[] | undefined {
    const history = versionHistoryOf(object);
    if (history === undefined || info.versions === undefined) {
        return undefined;
    }
    const enabled = newestFirst(info.versions.filter((version) => version.enabled));
    const start = readsLatest(object.objectVersion) ? 0 : enabled.findIndex((version) => version.version === object.objectVersion);
    return start < 0 ? [] : enabled.slice(start, start + history + 1);
}

/** The Key Vault object's kind in words: a certificate's secret or key is renewed with its certificate. */
function renewal(info: VaultObjectInfo): string {
    return info.managed || info.collection === "certificate" ? "renew the certificate" : `set a new version of the ${info.collection}`;
}

/** What one object's checks found, and the collections they needed but the listing could not read. */
interface ObjectFindings extends VaultContentFindings {
    unlisted: VaultCollection[];
}

/** The checks of one object whose collection the listing read. */
function objectFindings(
    object: KeyVaultObject,
    where: string,
    listing: VaultListing,
    options: Required<Pick<VaultContentOptions, "now" | "expiryWarningDays">>,
): ObjectFindings {
    const info = findVaultObject(listing, COLLECTION_OF[object.objectType], object.objectName);
    if (!info) {
        return { problems: [missingObjectProblem(object, where, listing)], warnings: [], unlisted: [] };
    }
    const reason = unreadableKind(object.objectType, info);
    const kindProblems = reason ? [{ where: `${where}.objectType`, message: reason, fix: unreadableKindFix(object.objectType) }] : [];
    const versions = versionFindings(object, where, info, listing);
    const expiry = versions.read && expiryWarning(versions.read, where, info, options);
    const formats = object.objectType === "secret" ? formatFindings(object, where, info, listing) : { warnings: [], unlisted: [] };
    return {
        problems: [...kindProblems, ...versions.problems],
        warnings: [...versions.warnings, ...(expiry ? [expiry] : []), ...formats.warnings],
        unlisted: formats.unlisted,
    };
}

function unreadableKindFix(objectType: KeyVaultObjectType): string {
    return objectType === "key"
        ? "name an RSA or EC key, or remove the object (a symmetric key has no public part to write)"
        : 'read it as objectType "cert" (the certificate as PEM), or import the certificate again as PKCS#12 or PEM';
}

/** The object names nothing in its collection: the closest names there, and other collections with that name. */
function missingObjectProblem(object: KeyVaultObject, where: string, listing: VaultListing): Problem {
    const collection = COLLECTION_OF[object.objectType];
    const names = listing.objects.filter((other) => other.collection === collection).map((other) => other.name);
    const closest = closestNames(object.objectName, names);
    const elsewhere = (Object.keys(OBJECT_TYPE_OF) as VaultCollection[]).filter(
        (other) => other !== collection && findVaultObject(listing, other, object.objectName) !== undefined,
    );
    const types = elsewhere.map((other) => `"${OBJECT_TYPE_OF[other]}"`).join(" or ");
    const message =
        `Key Vault "${listing.vaultName}" has no ${collection} "${object.objectName}"` +
        (closest.length > 0 ? `; the closest ${PLURAL[collection]} it has: ${quoted(closest)}` : "") +
        (elsewhere.length > 0 ? `; it has a ${elsewhere.join(" and a ")} of that name, which objectType ${types} reads` : "");
    const fix =
        elsewhere.length > 0
            ? `set objectType ${types}, or name an existing ${collection}`
            : closest.length > 0
              ? `name an existing ${collection} (e.g. "${closest[0]}"), or create "${object.objectName}" in the vault`
              : `create ${collection} "${object.objectName}" in the vault, or name one it has`;
    return { where: `${where}.objectName`, message, fix };
}

/** The version whose expiry matters; without `version`, the current one. */
type ReadVersion = Pick<VaultObjectVersion, "expiresOn"> & Partial<Pick<VaultObjectVersion, "version">>;

/** Version problems and warnings, and the version whose expiry matters (undefined when unknown or failed). */
interface VersionFindings extends VaultContentFindings {
    read?: ReadVersion;
}

/**
 * Problems with the version(s) the object reads: disabled, missing, fewer than the history asks for; and the version
 * whose expiry matters (the one a single read gets, or the history's `<file>/0`).
 */
function versionFindings(object: KeyVaultObject, where: string, info: VaultObjectInfo, listing: VaultListing): VersionFindings {
    const subject = `${info.collection} "${info.name}"`;
    const history = versionHistoryOf(object);
    // A single read passes "latest" to Key Vault as a version ID (only the history reads it as the newest, in
    // getLatestNKeyVaultObjects): what Key Vault answers is not in the listing, so that read goes unchecked.
    if (history === undefined && object.objectVersion === "latest") {
        return { problems: [], warnings: [] };
    }
    const named = readsLatest(object.objectVersion) ? undefined : object.objectVersion;
    const versionFix = "enable that version, or name an enabled one (or remove objectVersion to read the newest)";
    if (named !== undefined && info.versions !== undefined) {
        // A single read GETs the version by URL (Key Vault matches it case-insensitively); the history compares it exactly.
        const version = info.versions.find((candidate) =>
            history === undefined ? sameName(candidate.version, named) : candidate.version === named,
        );
        if (!version) {
            const newest = newestFirst(info.versions)[0];
            const problem = {
                where: `${where}.objectVersion`,
                message: `${subject} has no version "${named}" (it has ${plural(info.versions.length, "version")})`,
                fix: newest
                    ? `name one of its versions (the newest is "${newest.version}"), or remove objectVersion to read the newest`
                    : "remove objectVersion to read the newest",
            };
            return { problems: [problem], warnings: [] };
        }
        if (!version.enabled) {
            const problem = {
                where: `${where}.objectVersion`,
                message:
                    history === undefined
                        ? `version "${named}" of ${subject} is disabled; the provider's read of it fails, and so does the mount`
                        : `version "${named}" of ${subject} is disabled; with objectVersionHistory the provider lists only enabled versions and writes from objectVersion on, so it writes no file for this object`,
                fix: versionFix,
            };
            return { problems: [problem], warnings: [] };
        }
        if (history === undefined) {
            return { problems: [], warnings: [], read: version };
        }
    }
    if (history === undefined) {
        if (named !== undefined) {
            return { problems: [], warnings: [] };
        }
        if (!info.enabled) {
            const problem = {
                where: `${where}.objectName`,
                message: `${subject} is disabled in Key Vault "${listing.vaultName}"; the provider's read of it fails, and so does the mount`,
                fix: "enable it, or set objectVersion to an enabled version",
            };
            return { problems: [problem], warnings: [] };
        }
        return { problems: [], warnings: [], read: { expiresOn: info.expiresOn } };
    }
    const written = versionsWritten(object, info);
    if (written === undefined) {
        return { problems: [], warnings: [] };
    }
    if (written.length >= history) {
        return { problems: [], warnings: [], read: written[0] };
    }
    const file = fileNameOf(object);
    const files =
        written.length === 0 ? "no file" : written.length === 1 ? `only ${file}/0` : `only ${file}/0 to ${file}/${written.length - 1}`;
    const warning = {
        where: `${where}.objectVersionHistory`,
        message: `asks for ${history} versions of ${subject}, which has ${plural(written.length, "enabled version")}${named === undefined ? "" : ` from "${named}" on`}; the mount writes ${files}`,
        fix: `lower objectVersionHistory to ${written.length}, or keep ${history} if more versions are coming and the app expects the files to appear`,
    };
    return { problems: [], warnings: [warning], read: written[0] };
}

/**
 * A warning when the version read expires within the warning window, or has expired. A warning, not a problem:
 * whether Key Vault refuses a read after `exp` is not settled (Azure/AzureKeyVault#19 reports reads of expired
 * secrets that succeed), so the check cannot say the mount will fail.
 */
function expiryWarning(
    read: ReadVersion,
    where: string,
    info: VaultObjectInfo,
    options: Required<Pick<VaultContentOptions, "now" | "expiryWarningDays">>,
): Problem | undefined {
    if (read.expiresOn === undefined) {
        return undefined;
    }
    const remainingMs = read.expiresOn.getTime() - options.now.getTime();
    if (remainingMs > options.expiryWarningDays * DAY_MS) {
        return undefined;
    }
    const subject =
        read.version === undefined ? `${info.collection} "${info.name}"` : `version "${read.version}" of ${info.collection} "${info.name}"`;
    const when =
        remainingMs <= 0
            ? `expired on ${isoDate(read.expiresOn)}`
            : `expires on ${isoDate(read.expiresOn)}, in ${plural(Math.ceil(remainingMs / DAY_MS), "day")}`;
    return {
        where: `${where}.objectName`,
        message: `${subject}, which the mount reads, ${when}`,
        fix: `${renewal(info)} with a later expiry${remainingMs <= 0 ? "" : " before then"}`,
    };
}

/**
 * What objectFormat gives for a secret (see CERTIFICATE_SECRET_CONTENT_TYPES), and a certificate's key left out;
 * `unlisted` when the certificates, which say whether a key is exportable, could not be listed.
 */
function formatFindings(
    object: KeyVaultObject,
    where: string,
    info: VaultObjectInfo,
    listing: VaultListing,
): Pick<ObjectFindings, "warnings" | "unlisted"> {
    const format = object.objectFormat?.toLowerCase() ?? "pem";
    const formatWhere = `${where}.${object.objectFormat === undefined ? "objectName" : "objectFormat"}`;
    if (!info.managed) {
        const ignored = {
            where: formatWhere,
            message: `"pfx" does not apply: secret "${info.name}" does not belong to a certificate, and the provider converts only a certificate's secret`,
            fix: "remove objectFormat (the provider writes the value as stored)",
        };
        return { warnings: format === "pfx" ? [ignored] : [], unlisted: [] };
    }
    const pemAsPfx =
        format === "pfx" && info.contentType === CERTIFICATE_SECRET_CONTENT_TYPES.pem
            ? [
                  {
                      where: formatWhere,
                      message: `"pfx" does not apply: certificate "${info.name}" is stored as PEM (${CERTIFICATE_SECRET_CONTENT_TYPES.pem}), which the provider writes as stored`,
                      fix: `remove objectFormat, or import the certificate as PKCS#12 (${CERTIFICATE_SECRET_CONTENT_TYPES.pfx}) to read a PFX`,
                  },
              ]
            : [];
    if (isUnreadable(listing, "certificate")) {
        return { warnings: pemAsPfx, unlisted: ["certificate"] };
    }
    // Key Vault leaves the private key out of the secret of a certificate whose policy marks the key not exportable.
    const keyLeftOut =
        findVaultObject(listing, "certificate", info.name)?.keyExportable === false
            ? [
                  {
                      where: formatWhere,
                      message: `reads the secret of certificate "${info.name}", whose key is not exportable: Key Vault leaves the private key out, so the ${format} file holds the certificate alone`,
                      fix: 'read it as objectType "cert" if the certificate is all the app needs, or create the certificate with an exportable key (policy keyProperties.exportable)',
                  },
              ]
            : [];
    return { warnings: [...pemAsPfx, ...keyLeftOut], unlisted: [] };
}

/** The one warning about a collection the listing could not read, naming the objects left unchecked. */
export function unreadableCollectionWarning(listing: VaultListing, collection: VaultCollection, unchecked: readonly string[]): Problem {
    const status = listing.unreadable.find((entry) => entry.collection === collection)?.status;
    return {
        where: `Key Vault "${listing.vaultName}"`,
        message:
            `the preview could not list its ${PLURAL[collection]}${status === undefined ? "" : ` (${status})`}, so ${plural(unchecked.length, "object")} ` +
            `went unchecked against them (${unchecked.join(", ")}); ${METADATA_READER_ROLE}, a data-plane role, is the least that lists them (metadata only, never a value)`,
        fix: `assign the identity that runs the preview the ${METADATA_READER_ROLE} role on the vault, or leave these objects to be checked at pod start`,
    };
}

/**
 * Holds each object against what the vault holds. Problems: an object its collection does not have (with the closest
 * names there), of a kind its objectType cannot read, disabled, or of an objectVersion that does not exist. Warnings:
 * fewer versions than objectVersionHistory asks for, an expiry within `expiryWarningDays` (or past), an objectFormat
 * the provider does not apply, a certificate whose private key the secret leaves out; and one per collection the
 * listing could not read, whose checks are skipped.
 */
export function vaultContentProblems(
    objects: readonly KeyVaultObject[],
    listing: VaultListing,
    options: VaultContentOptions,
): VaultContentFindings {
    const describe = options.describe ?? describeObject;
    const settings = { now: options.now, expiryWarningDays: options.expiryWarningDays ?? DEFAULT_EXPIRY_WARNING_DAYS };
    const findings = objects.map((object, index): ObjectFindings & { where: string } => {
        const where = describe(object, index);
        // A missing name or an unknown objectType is objects.ts's problem; an unreadable collection leaves nothing to compare.
        if (typeof object.objectName !== "string" || !(KEY_VAULT_OBJECT_TYPES as readonly string[]).includes(object.objectType)) {
            return { where, problems: [], warnings: [], unlisted: [] };
        }
        const collection = COLLECTION_OF[object.objectType];
        if (isUnreadable(listing, collection)) {
            return { where, problems: [], warnings: [], unlisted: [collection] };
        }
        return { where, ...objectFindings(object, where, listing, settings) };
    });
    const unlistedWarnings = VAULT_COLLECTIONS.flatMap((collection) => {
        const unchecked = findings.filter((finding) => finding.unlisted.includes(collection)).map((finding) => finding.where);
        return unchecked.length > 0 ? [unreadableCollectionWarning(listing, collection, unchecked)] : [];
    });
    return {
        problems: findings.flatMap((finding) => finding.problems),
        warnings: [...findings.flatMap((finding) => finding.warnings), ...unlistedWarnings],
    };
}
