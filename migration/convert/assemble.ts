import { MigratedApplication, VaultApplication, migratedApplicationProblems } from "../application";
import { secretNameCollisionProblems } from "../../program/secret-names";
import { AppBuilder, BuilderSecret, orderedObject } from "./app-builder";
import { NamedSecrets } from "./synced-secret-names";
import { Akv2k8sInventory } from "./inventory";
import { MigrationState } from "./state";

/** A converted app as written, with what its builder's synced Secrets are named (for the workload patches). */
export interface AssembledApp {
    builder: AppBuilder;
    app: MigratedApplication;
    secretNames: ReadonlyMap<BuilderSecret, string>;
}

/**
 * Phase 8 of a conversion: the apps as written (file names chosen), each checked as the program would check it,
 * with the adopted ones, by vault then name; then the synced Secrets of all of them against akv2k8s's.
 */
export function assembleApps(
    state: MigrationState,
    apps: readonly NamedSecrets[],
    adopted: readonly VaultApplication[],
    inventory: Akv2k8sInventory,
): { applications: VaultApplication[]; assembled: AssembledApp[] } {
    const applications: VaultApplication[] = [...adopted];
    const assembled = apps.map(({ builder, name, identity, secretNames }) => {
        const files = builder.files();
        const app: MigratedApplication = {
            name,
            namespace: builder.namespace,
            identity,
            objects: builder.objects.map((spec, index) => orderedObject(spec, files[index])),
            syncedSecrets: builder.secrets.map((secret, index) => ({
                secretName: secretNames[index],
                type: secret.type,
                data: secret.data.map((entry) => ({ key: entry.key, objectName: files[entry.object] })),
            })),
        };
        for (const problem of migratedApplicationProblems(app, builder.vault)) {
            state.emit(
                "error",
                "APP_INVALID",
                `app "${app.name}"`,
                problem.where,
                `${problem.message} (the program would refuse this app)`,
                problem.fix,
            );
        }
        applications.push({ vault: builder.vault, app });
        return { builder, app, secretNames: new Map(builder.secrets.map((secret, index) => [secret, secretNames[index]])) };
    });
    applications.sort((a, b) => a.vault.localeCompare(b.vault) || a.app.name.localeCompare(b.app.name));
    // Converted apps never collide (their names were picked around the akv2k8s ones); adopted classes might.
    for (const problem of secretNameCollisionProblems(
        applications.flatMap(({ app }) =>
            app.syncedSecrets.map((secret) => ({ namespace: app.namespace, secretName: secret.secretName, app: app.name })),
        ),
        inventory.akv2k8sSecrets,
        state.suffix,
    )) {
        state.emit("error", "SECRET_NAME_COLLISION", "stack config", problem.where, problem.message, problem.fix);
    }
    return { applications, assembled };
}
