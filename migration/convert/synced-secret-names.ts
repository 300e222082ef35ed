import { VaultApplication } from "../application";
import { givenNameProblems } from "../names";
import { uniqueName } from "../../components/shared/naming";
import { BuilderSecret } from "./app-builder";
import { NamedApp } from "./app-names";
import { Akv2k8sInventory } from "./inventory";
import { MigrationState } from "./state";
import { SecretRename } from "./types";

/** An app with the names of its synced Secrets, in the order of its secrets. */
export interface NamedSecrets extends NamedApp {
    secretNames: string[];
}

/**
 * Phase 7 of a conversion: the synced Secrets' names, never one akv2k8s (or --existing-secrets) uses;
 * `--secret-name` overrides, refused when it collides. Returns the apps with those names and the renames.
 */
export function nameSyncedSecrets(
    state: MigrationState,
    apps: readonly NamedApp[],
    adopted: readonly VaultApplication[],
    inventory: Akv2k8sInventory,
): { apps: NamedSecrets[]; renames: SecretRename[] } {
    const { options, suffix } = state;
    const { akv2k8sSecrets, protectedSecrets } = inventory;
    const usedSecretNames = new Set([
        ...protectedSecrets,
        ...adopted.flatMap(({ app }) => app.syncedSecrets.map((s) => `${app.namespace}/${s.secretName}`)),
    ]);
    const usedSecretOverrides = new Set<string>();
    const renames: SecretRename[] = [];
    const named = apps.map((named) => {
        const { builder } = named;
        const taken = (name: string) => usedSecretNames.has(`${builder.namespace}/${name}`);
        const nameFor = (secret: BuilderSecret): string => {
            if (secret.kind === "env") {
                return uniqueName(`${named.name}-env${suffix}`, taken);
            }
            if (secret.kind === "env-tls") {
                return uniqueName(`${secret.akvsName}-tls${suffix}`, taken);
            }
            const key = `${builder.namespace}/${secret.origin}`;
            const given = options.secretNames?.[key];
            const fallback = uniqueName(`${secret.origin}${suffix}`, taken);
            if (given === undefined) {
                return fallback;
            }
            usedSecretOverrides.add(key);
            for (const problem of givenNameProblems("secret", given, `--secret-name ${key}`)) {
                state.emit("error", "SECRET_NAME_INVALID", "command line", problem.where, problem.message, problem.fix);
            }
            if (taken(given)) {
                const owner = akv2k8sSecrets.has(`${builder.namespace}/${given}`)
                    ? "akv2k8s writes"
                    : protectedSecrets.has(`${builder.namespace}/${given}`)
                      ? "--existing-secrets lists"
                      : "another synced Secret has";
                state.emit(
                    "error",
                    "SECRET_NAME_COLLISION",
                    "command line",
                    `--secret-name ${key}=${given}`,
                    `"${given}" is a Secret ${owner} in ${builder.namespace}: the CSI driver would overwrite it and Kubernetes would delete it with the pods' ReplicaSet`,
                    `use a free name such as "${fallback}" (the default)`,
                );
            }
            return given;
        };
        const secretNames: string[] = new Array(builder.secrets.length);
        // Named in id order, so the names do not depend on the order the AKVS came in.
        for (const index of builder.secrets.map((_, i) => i).sort((a, b) => builder.secrets[a].id.localeCompare(builder.secrets[b].id))) {
            const secret = builder.secrets[index];
            const name = nameFor(secret);
            secretNames[index] = name;
            usedSecretNames.add(`${builder.namespace}/${name}`);
            if (secret.kind === "akv2k8s") {
                renames.push({
                    namespace: builder.namespace,
                    akv2k8sSecret: secret.origin,
                    csiSecret: name,
                    app: named.name,
                    vault: builder.vault,
                });
            }
        }
        return { ...named, secretNames };
    });
    for (const key of Object.keys(options.secretNames ?? {})) {
        if (!usedSecretOverrides.has(key)) {
            state.emit(
                "error",
                "SECRET_NAME_INVALID",
                "command line",
                `--secret-name ${key}`,
                "matches no akv2k8s Secret of a converted AKVS",
                "use NAMESPACE/AKV2K8S-SECRET=NEW-NAME",
            );
        }
    }
    reportSplitSecrets(state, renames);
    return { apps: named, renames };
}

/** An akv2k8s Secret filled from several vaults or identities becomes one synced Secret per app. */
function reportSplitSecrets(state: MigrationState, renames: readonly SecretRename[]): void {
    const byOrigin = new Map<string, SecretRename[]>();
    for (const rename of renames) {
        const key = `${rename.namespace}/${rename.akv2k8sSecret}`;
        byOrigin.set(key, [...(byOrigin.get(key) ?? []), rename]);
    }
    for (const [key, list] of byOrigin) {
        if (list.length > 1) {
            state.emit(
                "review",
                "AKVS_SECRET_SPLIT_ACROSS_APPS",
                `Secret ${key}`,
                "",
                `gets keys from ${list.length} vaults or identities, and a SecretProviderClass reads one vault with one identity, so it becomes ${list.map((r) => `"${r.csiSecret}" (app ${r.app})`).join(" and ")}`,
                "env references are rewritten per key; check consumers that read the whole Secret (envFrom, volumes)",
            );
        }
    }
}
