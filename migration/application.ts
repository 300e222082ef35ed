import { Problem } from "../components/shared/validation";
import { AzureCloudName, KeyVaultObject, SyncedSecret } from "../components/secret-provider-class/types";
import { AppWorkloadArgs, appWorkloadProblems } from "../components/workload/component";

/**
 * One entry of the stack config's `aks-keyvault-secrets:applications` list, as the migration tools write it
 * (the keys and meaning are the program's: see the configuration reference in README.md). Converted apps
 * have no `deployment`: the team's own Deployment (or Helm chart) stays, and is wired to the app's
 * SecretProviderClass with the patched manifest or the Helm transform.
 */
export interface MigratedApplication {
    name: string;
    namespace: string;
    serviceAccountName?: string;
    identity: MigratedIdentity;
    objects: KeyVaultObject[];
    syncedSecrets: SyncedSecret[];
    cloudName?: AzureCloudName;
}

/** The `identity` key of an app in stack config. */
export type MigratedIdentity =
    | { mode: "addon" }
    | { mode: "workloadIdentity"; clientId?: string }
    | { mode: "servicePrincipal"; nodePublishSecretRef: string };

/** An app with the vault it reads: one vault per stack, so apps are written per vault. */
export interface VaultApplication {
    vault: string;
    app: MigratedApplication;
}

const PLACEHOLDER_GUID = "00000000-0000-0000-0000-000000000000";

/**
 * Component args for an app as the program would build them, with placeholders for what only the platform
 * knows (tenant, addon identity, a managed identity's client ID), to run the component's own checks.
 */
export function placeholderWorkloadArgs(app: MigratedApplication, vault: string): AppWorkloadArgs {
    const identity: AppWorkloadArgs["identity"] =
        app.identity.mode === "addon"
            ? { mode: "addon", clientId: PLACEHOLDER_GUID }
            : app.identity.mode === "servicePrincipal"
              ? { mode: "servicePrincipal", nodePublishSecretRef: app.identity.nodePublishSecretRef }
              : { mode: "workloadIdentity", clientId: app.identity.clientId ?? PLACEHOLDER_GUID };
    return {
        namespace: app.namespace,
        serviceAccountName: app.serviceAccountName,
        keyVault: { name: vault, tenantId: PLACEHOLDER_GUID },
        identity,
        objects: app.objects,
        syncedSecrets: app.syncedSecrets,
        cloudName: app.cloudName,
    };
}

/** Every problem the AppWorkload component would raise for this app (so the program's preview would fail). */
export function migratedApplicationProblems(app: MigratedApplication, vault: string): Problem[] {
    return appWorkloadProblems(app.name, placeholderWorkloadArgs(app, vault));
}

/** The app in stack-config form: keys in the order of the configuration reference, empty keys left out. */
export function applicationConfig(app: MigratedApplication): Record<string, unknown> {
    return {
        name: app.name,
        namespace: app.namespace,
        ...(app.serviceAccountName ? { serviceAccountName: app.serviceAccountName } : {}),
        identity: { ...app.identity },
        objects: app.objects.map((object) => ({ ...object })),
        ...(app.syncedSecrets.length > 0
            ? {
                  syncedSecrets: app.syncedSecrets.map((secret) => ({
                      secretName: secret.secretName,
                      type: secret.type,
                      data: secret.data.map((entry) => ({ key: entry.key, objectName: entry.objectName })),
                      ...(secret.labels && Object.keys(secret.labels).length > 0 ? { labels: { ...secret.labels } } : {}),
                      ...(secret.annotations && Object.keys(secret.annotations).length > 0 ? { annotations: { ...secret.annotations } } : {}),
                  })),
              }
            : {}),
        ...(app.cloudName ? { cloudName: app.cloudName } : {}),
    };
}
