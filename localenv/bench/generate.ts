/**
 * Stack configurations of any size for the benchmark: N apps, 5 secrets each, identity modes mixed
 * (addon, a workload identity the program creates, an existing workload identity).
 */
import { deterministicGuid } from "../../program/entry";

export const SECRETS_PER_APP = 5;
export const TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47";

/** The `applications` config of `apps` apps. `localOnly` avoids modes that need Azure (for the real-engine run). */
export function benchApplications(apps: number, localOnly: boolean): Record<string, unknown>[] {
    return Array.from({ length: apps }, (_, index) => {
        const name = `app-${String(index).padStart(4, "0")}`;
        const secrets = Array.from({ length: SECRETS_PER_APP }, (_, s) => `${name}-secret-${s}`);
        const mode = index % 3;
        const identity =
            mode === 0
                ? { mode: "addon" }
                : mode === 1 && !localOnly
                  ? { mode: "workloadIdentity" }
                  : { mode: "workloadIdentity", clientId: deterministicGuid("bench", name) };
        return {
            name,
            namespace: `team-${index % 10}`,
            identity,
            objects: secrets.map((objectName, s) => ({ objectName, objectType: "secret", ...(s === 0 ? { objectAlias: "primary" } : {}) })),
            syncedSecrets: [
                {
                    secretName: `${name}-kv`,
                    type: "Opaque",
                    data: secrets.map((objectName, s) => ({ key: `key-${s}`, objectName: s === 0 ? "primary" : objectName })),
                },
            ],
            env: secrets.map((_, s) => ({ name: `SECRET_${s}`, secretName: `${name}-kv`, key: `key-${s}` })),
            deployment: { image: "registry.example/app:1.0.0", ...(localOnly ? { skipAwait: true } : {}) },
        };
    });
}

/** A full platform config (new cluster and vault) with `apps` apps, as the program reads it. */
export function benchPlatformConfig(apps: number, scope: "vault" | "object" = "vault"): Record<string, unknown> {
    return {
        azure: { location: "westeurope", resourceGroupName: "rg-bench", tenantId: TENANT_ID },
        cluster: {
            mode: "create",
            name: "aks-bench",
            systemNodePool: { vmSize: "Standard_D4ds_v5", count: 3 },
            secretRotation: { enabled: true },
        },
        keyVault: { mode: "create", name: "kv-bench" },
        access: { scope },
        applications: benchApplications(apps, false),
    };
}

/** An app-side-only config (external cluster and vault: Kubernetes objects only), for the local stack. */
export function benchLocalConfig(apps: number): Record<string, unknown> {
    return {
        cluster: { mode: "external", addonIdentityClientId: deterministicGuid("bench", "addon") },
        keyVault: { mode: "external", name: "kv-bench", tenantId: TENANT_ID },
        applications: benchApplications(apps, true),
    };
}
