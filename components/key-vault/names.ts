import { Problem, isGuid } from "../shared/validation";

/** Azure's rules for a Key Vault's name and tenant, used wherever a vault is named (the vault itself, every class). */

const KEY_VAULT_NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;

/** Problems with a Key Vault name, per Azure's naming rule (stricter than the provider's own check). */
export function keyVaultNameProblems(name: string, where = "keyvaultName"): Problem[] {
    if (KEY_VAULT_NAME.test(name) && !name.includes("--")) {
        return [];
    }
    return [
        {
            where,
            message: `"${name}" is not a valid Key Vault name`,
            fix: "use 3-24 characters of letters, digits and single hyphens, starting with a letter and ending with a letter or digit",
        },
    ];
}

/** Problems with a tenant ID. */
export function tenantIdProblems(tenantId: string, where = "tenantID"): Problem[] {
    return isGuid(tenantId)
        ? []
        : [
              {
                  where,
                  message: `"${tenantId}" is not a GUID`,
                  fix: "use the vault's Entra tenant ID, e.g. from `az account show --query tenantId`",
              },
          ];
}
