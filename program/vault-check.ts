import * as pulumi from "@pulumi/pulumi";
import type { TokenCredential } from "@azure/identity";
import { VaultCollection, VaultListing, VaultObjectInfo } from "../components/key-vault/contents";
import {
    COLLECTION_OF,
    DEFAULT_EXPIRY_WARNING_DAYS,
    METADATA_READER_ROLE,
    vaultContentProblems,
} from "../components/key-vault/content-checks";
import { hasTags, nameMatcher } from "../components/key-vault/selection";
import { AzureCloudName } from "../components/secret-provider-class/types";
import { Problem } from "../components/shared/validation";
import { ConfigProblem, StackConfigError, atPath, formatConfigProblem } from "./problems";
import { StackConfig } from "./schema";
import { expandAppSelections, expandedObjectProblemAt, renameSelectedObjects } from "./object-selection";

/**
 * The preview's vault check: each app's objects held against what the stack's vault holds (its metadata, never a
 * value), so a mistyped, disabled or missing object fails `pulumi preview` instead of a pod's mount. The program reads
 * the vault as the identity that runs it (Azure CLI login, environment, managed identity: DefaultAzureCredential),
 * over the vault's data plane, which needs the Key Vault Reader role.
 */

/** The DNS suffix of Key Vault's data plane in each Azure cloud, as the provider's cloudName names them. */
export const VAULT_DNS_SUFFIXES: Readonly<Record<AzureCloudName, string>> = {
    AzurePublicCloud: "vault.azure.net",
    AzureUSGovernmentCloud: "vault.usgovcloudapi.net",
    AzureChinaCloud: "vault.azure.cn",
    AzureGermanCloud: "vault.microsoftazure.de",
};

/** What the check needs of the config: the vault, and where to reach it. */
export interface VaultCheckPlan {
    /** The vault's name. */
    vaultName: string;
    /** Its data plane URL, `https://<name>.<cloud's suffix>/`. */
    vaultUrl: string;
    /** True when this stack creates the vault: before its first `up` there is nothing to read. */
    createdHere: boolean;
    /** Warn about objects that expire within this many days. */
    expiryWarningDays: number;
}

/**
 * Whether and where the check reads: never in an app stack (its platform stack's vault is read when that stack
 * previews), nor with `keyVault.checkContents: false`, nor without an object to check or a selection to expand. The vault's cloud is the apps'
 * `cloudName` (the provider reads the vault in that cloud), public by default.
 */
export function vaultCheckPlan(config: StackConfig): VaultCheckPlan | undefined {
    const vault = config.keyVault;
    const checksNothing = config.applications.every((app) => app.objects.length === 0 && (app.selectObjects ?? []).length === 0);
    if (!vault || !vault.checkContents || checksNothing) {
        return undefined;
    }
    const cloud = config.applications.find((app) => app.cloudName)?.cloudName ?? "AzurePublicCloud";
    return {
        vaultName: vault.name,
        vaultUrl: `https://${vault.name}.${VAULT_DNS_SUFFIXES[cloud]}/`,
        createdHere: vault.mode === "create",
        expiryWarningDays: vault.expiryWarningDays,
    };
}

/** What the check found, at the config's key paths: problems fail the preview, warnings are printed. */
export interface VaultCheckFindings {
    /** What would fail a pod's mount. */
    problems: ConfigProblem[];
    /** What would surprise, or what the check could not see. */
    warnings: ConfigProblem[];
}

/**
 * Each app's objects against the listing (pure: `now` is the caller's clock). `selectedBy`: per app, the selection
 * that took each object of an expanded config (expandAppSelections), where its findings are reported.
 */
export function vaultCheckFindings(
    config: StackConfig,
    listing: VaultListing,
    now: Date,
    expiryWarningDays = DEFAULT_EXPIRY_WARNING_DAYS,
    selectedBy: ReadonlyArray<ReadonlyArray<number | undefined>> = [],
): VaultCheckFindings {
    const findings: VaultCheckFindings = { problems: [], warnings: [] };
    config.applications.forEach((app, index) => {
        const found = vaultContentProblems(app.objects, listing, {
            now,
            expiryWarningDays,
            describe: (_object, position) => `objects[${position}]`,
        });
        // An object's finding is at its key; one about the vault as a whole (a collection it could not list) at the
        // app's objects, naming the vault.
        const selected = selectedBy[index] ?? [];
        const at = (finding: Problem): ConfigProblem =>
            finding.where.startsWith("objects[")
                ? expandedObjectProblemAt(index, app, selected, finding)
                : {
                      ...atPath(["applications", index, "objects"], finding, `app "${app.name}", ${finding.where}`),
                      message: renameSelectedObjects(finding.message, selected),
                  };
        findings.problems.push(...found.problems.map(at));
        findings.warnings.push(...found.warnings.map(at));
    });
    return findings;
}

/** The warning when the vault could not be read at all: the check is skipped, the deploy goes on. */
export function unreadVaultWarning(plan: VaultCheckPlan, error: unknown): ConfigProblem {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return {
        path: ["keyVault"],
        context: `Key Vault "${plan.vaultName}"`,
        message: plan.createdHere
            ? `could not be read (${reason}); a vault this stack creates holds nothing before its first \`pulumi up\`, so its objects are checked from the next preview on`
            : `could not be read at ${plan.vaultUrl} (${reason}), so no object was checked against it`,
        fix: `give the identity that runs the preview the ${METADATA_READER_ROLE} role on the vault and a route to ${plan.vaultUrl}, or set keyVault.checkContents: false`,
    };
}

/**
 * The listed objects the check needs more of (versions, a key's type, a certificate's policy): those an app names
 * (case-insensitively, as Key Vault compares names) and those an app's selection takes. The rest are listed only,
 * which is what their near names and the other collections' names need.
 */
export function detailsNeeded(config: StackConfig): (collection: VaultCollection, info: VaultObjectInfo) => boolean {
    const named = new Set(
        config.applications.flatMap((app) =>
            app.objects.map((object) => `${COLLECTION_OF[object.objectType]}/${object.objectName.toLowerCase()}`),
        ),
    );
    const selections = config.applications.flatMap((app) =>
        (app.selectObjects ?? []).flatMap((criteria) => {
            const matches = nameMatcher(criteria);
            return typeof matches === "function" ? [{ collection: COLLECTION_OF[criteria.objectType], matches, tags: criteria.tags }] : [];
        }),
    );
    return (collection, info) =>
        named.has(`${collection}/${info.name.toLowerCase()}`) ||
        selections.some(
            (selection) => selection.collection === collection && selection.matches(info.name) && hasTags(info, selection.tags),
        );
}

/** Reads the vault; the reader and the credential are loaded only when a check runs. */
async function readListing(plan: VaultCheckPlan, config: StackConfig, credential?: TokenCredential): Promise<VaultListing> {
    const [{ DefaultAzureCredential }, { readVaultContents }] = await Promise.all([
        import("@azure/identity"),
        import("../components/key-vault/read-contents"),
    ]);
    return readVaultContents(plan.vaultUrl, credential ?? new DefaultAzureCredential(), { detailsOf: detailsNeeded(config) });
}

/** The stack's config once the vault check has run: selections expanded, and the listing the check read. */
export interface CheckedVault {
    /** The config with each app's selected objects in `objects`: what the program declares. */
    config: StackConfig;
    /** The vault's listing (the request budget counts the real versions from it), or undefined when nothing was read. */
    listing?: VaultListing;
}

/** Prints each warning as the vault check does, and throws StackConfigError with the problems, if any. */
function report(findings: VaultCheckFindings): void {
    for (const warning of findings.warnings) {
        pulumi.log.warn(formatConfigProblem(warning));
    }
    if (findings.problems.length > 0) {
        throw new StackConfigError(findings.problems);
    }
}

/** One of the other vaults apps read (`additionalVaults`), as a stack of its own the check reads like the stack's vault. */
export interface OtherVaultCheck {
    /** The config the check reads: this vault as `keyVault`, each app that reads it with this vault's objects alone. */
    config: StackConfig;
    /** Where each of its apps came from: the app's index and the vault's place in its `additionalVaults`. */
    origins: Array<{ index: number; vaultIndex: number }>;
}

/**
 * The other vaults of the stack's apps, each once (Key Vault names ignore case), read in every kind of stack: an app
 * stack reads them too (only the platform's own vault is read when the platform stack previews). The stack's
 * `keyVault.checkContents` and `expiryWarningDays` hold for them.
 */
export function otherVaultChecks(config: StackConfig): OtherVaultCheck[] {
    const checks = new Map<string, OtherVaultCheck>();
    config.applications.forEach((app, index) =>
        (app.additionalVaults ?? []).forEach((vault, vaultIndex) => {
            const key = vault.name.toLowerCase();
            const check = checks.get(key) ?? {
                config: {
                    ...config,
                    platformStack: undefined,
                    keyVault: {
                        mode: "external",
                        name: vault.name,
                        tenantId: vault.tenantId ?? "",
                        checkContents: config.keyVault?.checkContents ?? true,
                        expiryWarningDays: config.keyVault?.expiryWarningDays ?? DEFAULT_EXPIRY_WARNING_DAYS,
                    },
                    applications: [],
                },
                origins: [],
            };
            check.config.applications.push({
                ...app,
                objects: vault.objects,
                syncedSecrets: vault.syncedSecrets,
                selectObjects: vault.selectObjects,
                additionalVaults: undefined,
                env: [],
                deployment: undefined,
            });
            check.origins.push({ index, vaultIndex });
            checks.set(key, check);
        }),
    );
    return [...checks.values()];
}

/** A finding of an other vault's check at the key the user wrote: `applications[i].additionalVaults[j]...`. */
export function otherVaultFindingAt(check: OtherVaultCheck, finding: ConfigProblem): ConfigProblem {
    const [root, position, ...rest] = finding.path;
    const origin = check.origins[typeof position === "number" ? position : 0];
    const atVault = ["applications", origin.index, "additionalVaults", origin.vaultIndex];
    return { ...finding, path: root === "applications" ? [...atVault, ...rest] : atVault };
}

/** What the check of one other vault found, and its apps' objects with their selections expanded (by origin). */
interface OtherVaultResult extends VaultCheckFindings {
    /** Per origin of the check, the vault's objects after expansion. */
    objects: KeyVaultObjectConfig[][];
}

type KeyVaultObjectConfig = StackConfig["applications"][number]["objects"][number];

/**
 * Reads one other vault, expands its apps' selections against it and holds their objects against it; its findings at
 * their keys.
 */
async function checkOtherVault(check: OtherVaultCheck, now: Date, credential?: TokenCredential): Promise<OtherVaultResult> {
    const plan = vaultCheckPlan(check.config);
    let listing: VaultListing | undefined;
    const warnings: ConfigProblem[] = [];
    if (plan) {
        try {
            listing = await readListing(plan, check.config, credential);
        } catch (error) {
            warnings.push(unreadVaultWarning(plan, error));
        }
    }
    const expansion = expandAppSelections(check.config, listing, now);
    const at = (finding: ConfigProblem) => otherVaultFindingAt(check, finding);
    const result = (found: VaultCheckFindings): OtherVaultResult => ({
        problems: found.problems.map(at),
        warnings: [...warnings, ...found.warnings].map(at),
        objects: expansion.config.applications.map((app) => app.objects),
    });
    if (!plan || !listing || expansion.problems.length > 0) {
        return result(expansion);
    }
    const findings = vaultCheckFindings(expansion.config, listing, now, plan.expiryWarningDays, expansion.selectedBy);
    const objects = expansion.config.applications.reduce((total, app) => total + app.objects.length, 0);
    pulumi.log.info(
        `Key Vault "${plan.vaultName}": ${objects} objects of ${check.config.applications.length} apps checked against its ${listing.objects.length} listed objects`,
    );
    return result({ problems: [...expansion.problems, ...findings.problems], warnings: [...expansion.warnings, ...findings.warnings] });
}

/** The config with each other vault's objects as its check expanded them. */
export function withOtherVaultObjects(config: StackConfig, checks: OtherVaultCheck[], objects: KeyVaultObjectConfig[][][]): StackConfig {
    if (checks.length === 0) {
        return config;
    }
    const applications = config.applications.map((app) =>
        app.additionalVaults ? { ...app, additionalVaults: app.additionalVaults.map((vault) => ({ ...vault })) } : app,
    );
    checks.forEach((check, position) =>
        check.origins.forEach(({ index, vaultIndex }, origin) => {
            const vault = applications[index].additionalVaults?.[vaultIndex];
            if (vault) {
                vault.objects = objects[position][origin];
            }
        }),
    );
    return { ...config, applications };
}

/**
 * Runs the vault check for the stack: reads the vault, expands each app's selections against it (an app with
 * selections and no listing fails), holds every object, written or selected, against it; throws StackConfigError
 * with every problem and prints every warning.
 */
export async function checkVaultContents(stackConfig: StackConfig, now = new Date(), credential?: TokenCredential): Promise<CheckedVault> {
    const checks = otherVaultChecks(stackConfig);
    const others = await Promise.all(checks.map((check) => checkOtherVault(check, now, credential)));
    // The other vaults' selections are expanded first, so the app's own checks (in the expansion below) see every object.
    const config = withOtherVaultObjects(
        stackConfig,
        checks,
        others.map((other) => other.objects),
    );
    // Every vault's findings fail the preview together, so one run names every problem.
    const withOthers = (found: VaultCheckFindings): VaultCheckFindings => ({
        problems: [...found.problems, ...others.flatMap((other) => other.problems)],
        warnings: [...found.warnings, ...others.flatMap((other) => other.warnings)],
    });
    const plan = vaultCheckPlan(config);
    let listing: VaultListing | undefined;
    if (plan) {
        try {
            listing = await readListing(plan, config, credential);
        } catch (error) {
            pulumi.log.warn(formatConfigProblem(unreadVaultWarning(plan, error)));
        }
    }
    const expansion = expandAppSelections(config, listing, now);
    if (expansion.problems.length > 0 || !plan || !listing) {
        report(withOthers(expansion));
        return { config: expansion.config };
    }
    report(expansion);
    const expanded = expansion.config;
    report(withOthers(vaultCheckFindings(expanded, listing, now, plan.expiryWarningDays, expansion.selectedBy)));
    const objects = expanded.applications.reduce((total, app) => total + app.objects.length, 0);
    pulumi.log.info(
        `Key Vault "${plan.vaultName}": ${objects} objects of ${expanded.applications.length} apps checked against its ${listing.objects.length} listed objects`,
    );
    return { config: expanded, listing };
}
