import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

/**
 * Policy pack for the aks-keyvault-secrets program. Run it with the program:
 *
 *   npm install --prefix policy      # once; the pack also needs the repository's root `npm ci` (it reuses components/)
 *   pulumi preview --stack prod --policy-pack policy --policy-pack-config policy/config/prod.json
 *
 * The policies live with their resource family (key-vault.ts, role-assignments.ts, secret-provider-class.ts,
 * workloads.ts, cluster.ts, secret-values.ts; ./policies.ts lists them); docs/ci.md describes the per-stack configuration.
 */
export const pack = new PolicyPack("aks-keyvault-secrets", {
    description: "Guardrails for putting Azure Key Vault secrets into AKS workloads through the Secrets Store CSI driver addon.",
    displayName: "AKS Key Vault secrets",
    provider: "azure",
    tags: ["azure", "kubernetes", "keyvault", "secrets-store-csi"],
    policies,
});
