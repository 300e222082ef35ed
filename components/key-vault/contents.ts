/**
 * What a vault holds, as its metadata says: names, kinds, attributes, versions and tags, never a value. The preview's
 * vault check reads this (from the data plane's list and get operations) and holds each app's objects against it.
 */

/** The three collections of a vault: the data plane lists each on its own. */
export const VAULT_COLLECTIONS = ["secret", "key", "certificate"] as const;
/** One of VAULT_COLLECTIONS. */
export type VaultCollection = (typeof VAULT_COLLECTIONS)[number];

/** One version of an object, as the vault's list of versions gives it. */
export interface VaultObjectVersion {
    /** The version's ID (the last segment of its URL). */
    version: string;
    /** False when the version is disabled: a read of it fails. */
    enabled: boolean;
    /** When the version was created. */
    createdOn?: Date;
    /** When the version expires (`exp`): a read after it fails. */
    expiresOn?: Date;
    /** Before this (`nbf`) a read fails. */
    notBefore?: Date;
}

/** One object of a vault, with the attributes of its current version and its versions. */
export interface VaultObjectInfo {
    /** The name as the vault spells it (Key Vault compares names case-insensitively). */
    name: string;
    /** The collection the object is listed in. */
    collection: VaultCollection;
    /** False when the current version is disabled. */
    enabled: boolean;
    /** When the current version expires. */
    expiresOn?: Date;
    /** Before this the current version cannot be read. */
    notBefore?: Date;
    /** A secret's content type (e.g. `application/x-pkcs12` for a certificate's secret). */
    contentType?: string;
    /** A key's type (`RSA`, `RSA-HSM`, `EC`, `EC-HSM`, `oct`, `oct-HSM`): the provider reads only some of them. */
    keyType?: string;
    /** True for the secret or key Key Vault keeps for a certificate (same name as the certificate). */
    managed?: boolean;
    /** A certificate's policy: whether its private key may leave the vault (needed to read it as `pfx`). */
    keyExportable?: boolean;
    /** The object's tags. */
    tags: Record<string, string>;
    /** Every version, newest first; absent when the listing did not read them. */
    versions?: VaultObjectVersion[];
}

/** What one read of a vault found. */
export interface VaultListing {
    /** The vault's name. */
    vaultName: string;
    /** Every object the identity could list, of the collections it could list. */
    objects: VaultObjectInfo[];
    /** Collections the identity could not list (403), with the status and the role that would let it. */
    unreadable: Array<{ collection: VaultCollection; status: number; message: string }>;
}
