import * as pulumi from "@pulumi/pulumi";
import * as keyvault from "@pulumi/azure-native/keyvault";
import { TOKEN_PREFIX } from "../shared/token";
import { Problem, isGuid, throwIfProblems } from "../shared/validation";
import { keyVaultNameProblems } from "./names";

/** Inputs of a Key Vault this program creates, or one it only reads. */
export interface KeyVaultArgs {
    /** `create` a new vault, or use an `existing` one (read only, checked for RBAC mode). */
    mode: "create" | "existing";
    /** Vault name (globally unique, 3-24 characters). */
    vaultName: string;
    /** Resource group of the vault (existing for both modes). */
    resourceGroupName: pulumi.Input<string>;
    /** Region of a new vault. Required for `create`. */
    location?: pulumi.Input<string>;
    /** Entra tenant of a new vault. Required for `create`. */
    tenantId?: pulumi.Input<string>;
    /** Public network access of a new vault; default "Enabled" (AKS nodes reach it over its public endpoint). */
    publicNetworkAccess?: "Enabled" | "Disabled";
    /**
     * Purge protection of a new vault; default true. Azure cannot turn it off once on, so `false` only leaves
     * it unset on a vault that never had it.
     */
    enablePurgeProtection?: boolean;
    /** Soft-delete retention of a new vault in days (7-90); default 90. */
    softDeleteRetentionInDays?: number;
    /** SKU of a new vault; default "standard". */
    skuName?: "standard" | "premium";
    /** Tags on a new vault. */
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Problems with vault arguments. */
export function keyVaultProblems(args: KeyVaultArgs): Problem[] {
    const problems = keyVaultNameProblems(args.vaultName, "vaultName");
    if (args.mode !== "create" && args.mode !== "existing") {
        problems.push({ where: "mode", message: `"${String(args.mode)}" is not a vault mode`, fix: 'use "create" or "existing"' });
    }
    if (args.mode === "create") {
        if (args.location === undefined) {
            problems.push({ where: "location", message: "is required to create a vault", fix: 'set a region such as "westeurope"' });
        }
        if (args.tenantId === undefined) {
            problems.push({ where: "tenantId", message: "is required to create a vault", fix: "set the Entra tenant ID" });
        } else if (typeof args.tenantId === "string" && !isGuid(args.tenantId)) {
            problems.push({ where: "tenantId", message: `"${args.tenantId}" is not a GUID`, fix: "use the Entra tenant ID" });
        }
        const retention = args.softDeleteRetentionInDays;
        if (retention !== undefined && (!Number.isInteger(retention) || retention < 7 || retention > 90)) {
            problems.push({ where: "softDeleteRetentionInDays", message: `${retention} is outside 7-90`, fix: "use a whole number of days from 7 to 90" });
        }
    }
    return problems;
}

/**
 * Error for a vault whose data plane is not governed by Azure RBAC: role assignments would have no effect and
 * pods would fail with 403 at start, so this fails the preview instead.
 */
export function accessPolicyModeError(properties: { enableRbacAuthorization?: boolean }, vaultName: string, resourceGroupName: string): string | undefined {
    if (properties.enableRbacAuthorization === true) {
        return undefined;
    }
    return (
        `Key Vault "${vaultName}" uses access policies, not Azure RBAC, so the role assignments this program makes would have no effect ` +
        `and pods would get 403 when they mount secrets. Migrate it (after granting RBAC roles to everyone who uses its access policies) with:\n` +
        `    az keyvault update --name ${vaultName} --resource-group ${resourceGroupName} --enable-rbac-authorization true`
    );
}

/** A Key Vault in RBAC mode with soft delete and purge protection, created or read. */
export class KeyVault extends pulumi.ComponentResource {
    /** ARM resource ID: the scope of role assignments. */
    public readonly vaultId: pulumi.Output<string>;
    /** Vault name, for SecretProviderClass `keyvaultName`. */
    public readonly vaultName: pulumi.Output<string>;
    /** Tenant ID of the vault, for SecretProviderClass `tenantID`. */
    public readonly tenantId: pulumi.Output<string>;
    /** Vault URI. */
    public readonly vaultUri: pulumi.Output<string>;

    constructor(name: string, args: KeyVaultArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${TOKEN_PREFIX}:index:KeyVault`, name, {}, opts);
        throwIfProblems(`KeyVault "${name}"`, keyVaultProblems(args), this);
        if (args.mode === "create") {
            const vault = new keyvault.Vault(
                `${name}-vault`,
                {
                    resourceGroupName: args.resourceGroupName,
                    location: args.location,
                    vaultName: args.vaultName,
                    properties: {
                        tenantId: args.tenantId!,
                        sku: { family: "A", name: args.skuName ?? "standard" },
                        enableRbacAuthorization: true,
                        enableSoftDelete: true,
                        softDeleteRetentionInDays: args.softDeleteRetentionInDays ?? 90,
                        enablePurgeProtection: args.enablePurgeProtection === false ? undefined : true,
                        publicNetworkAccess: args.publicNetworkAccess ?? "Enabled",
                    },
                    tags: args.tags,
                },
                { parent: this },
            );
            this.vaultId = vault.id;
            this.vaultName = vault.name;
            this.tenantId = vault.properties.tenantId;
            this.vaultUri = vault.properties.apply((properties) => properties.vaultUri ?? "");
        } else {
            const live = keyvault.getVaultOutput({ resourceGroupName: args.resourceGroupName, vaultName: args.vaultName }, { parent: this });
            const checked = pulumi.all([live, args.resourceGroupName]).apply(([vault, resourceGroupName]) => {
                const error = accessPolicyModeError(vault.properties, args.vaultName, resourceGroupName);
                if (error) {
                    throw new pulumi.ResourceError(error, this, true);
                }
                return vault;
            });
            this.vaultId = checked.id;
            this.vaultName = checked.name;
            this.tenantId = checked.properties.tenantId;
            this.vaultUri = checked.properties.apply((properties) => properties.vaultUri ?? "");
        }
        this.registerOutputs({ vaultId: this.vaultId, vaultName: this.vaultName, tenantId: this.tenantId, vaultUri: this.vaultUri });
    }
}
