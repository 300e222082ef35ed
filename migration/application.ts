import { z } from "zod";
import { Problem } from "../components/shared/validation";
import { AppWorkloadArgs } from "../components/workload/types";
import { appWorkloadProblems } from "../components/workload/validate";
import { ApplicationConfig, PlatformFacts, placeholderPlatform, toAppWorkloadArgs } from "../program/config";
import { renderKeyPath } from "../program/problems";
import { applicationSchema } from "../program/schema";
import { schemaProblems } from "../program/schema-problems";

/**
 * The apps the migration tools write, in the program's own terms: the type is the program's application schema (its
 * input form, as written in stack config), and every check and mapping of an app is the program's.
 */

/** An application entry as written in stack config (`aks-keyvault-secrets:applications`). */
type ApplicationEntry = z.input<typeof applicationSchema>;

/**
 * One entry of the stack config's applications list, as the migration tools write it (the keys and meaning are the
 * program's: see docs/configuration.md). Converted apps have no `deployment`: the team's own
 * Deployment (or Helm chart) stays, and is wired to the app's SecretProviderClass with the patched manifest or the
 * Helm transform.
 */
export type MigratedApplication = Pick<
    ApplicationEntry,
    "name" | "namespace" | "serviceAccountName" | "identity" | "objects" | "cloudName"
> &
    Required<Pick<ApplicationEntry, "syncedSecrets">>;

/** The `identity` key of an app in stack config. */
export type MigratedIdentity = ApplicationEntry["identity"];

/** An app with the vault it reads: one vault per stack, so apps are written per vault. */
export interface VaultApplication {
    vault: string;
    app: MigratedApplication;
}

/** The app in stack-config form: keys in the order of the configuration reference, empty keys left out. */
export function applicationConfig(app: MigratedApplication): ApplicationEntry {
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
                      ...(secret.annotations && Object.keys(secret.annotations).length > 0
                          ? { annotations: { ...secret.annotations } }
                          : {}),
                  })),
              }
            : {}),
        ...(app.cloudName ? { cloudName: app.cloudName } : {}),
    };
}

/** The app as the program reads its written entry (the schema's defaults applied), or the schema's problems with it. */
export function readByProgram(app: MigratedApplication): { config: ApplicationConfig } | { problems: Problem[] } {
    const entry = applicationConfig(app);
    const parsed = applicationSchema.safeParse(entry);
    if (parsed.success) {
        return { config: parsed.data };
    }
    return {
        problems: schemaProblems(parsed.error, applicationSchema, entry).map((problem) => ({
            where: renderKeyPath(problem.path),
            message: problem.message,
            fix: problem.fix,
        })),
    };
}

/**
 * Component args for an app as the program builds them from its written entry (the program's `toAppWorkloadArgs`),
 * with `platform` (and a managed identity, for apps that create theirs) for what only the platform knows. Throws
 * for an app the schema refuses, which `migratedApplicationProblems` reports instead.
 */
export function workloadArgsOf(app: MigratedApplication, platform: PlatformFacts, managed?: AppWorkloadArgs["identity"]): AppWorkloadArgs {
    const read = readByProgram(app);
    if ("problems" in read) {
        throw new Error(
            `app "${app.name}" does not match the stack config schema: ${read.problems.map((problem) => `${problem.where}: ${problem.message}`).join("; ")}`,
        );
    }
    return toAppWorkloadArgs(read.config, platform, managed);
}

/** The program's args for an app, with its placeholders for the platform (tenant, addon identity, a managed identity's client ID). */
export function placeholderWorkloadArgs(app: MigratedApplication, vault: string): AppWorkloadArgs {
    return workloadArgsOf(app, { ...placeholderPlatform, keyVaultName: vault });
}

/** Every problem the program would raise for this app (schema, then the AppWorkload checks), so its preview would fail. */
export function migratedApplicationProblems(app: MigratedApplication, vault: string): Problem[] {
    const read = readByProgram(app);
    return "problems" in read
        ? read.problems
        : appWorkloadProblems(app.name, toAppWorkloadArgs(read.config, { ...placeholderPlatform, keyVaultName: vault }));
}
