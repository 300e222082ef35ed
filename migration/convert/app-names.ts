import { MigratedIdentity, VaultApplication } from "../application";
import { givenNameProblems } from "../names";
import { toDnsLabel, uniqueName } from "../../components/shared/naming";
import { NAMESPACE_SERVICE_ACCOUNT } from "../../components/workload/types";
import { AppBuilder, AppSet } from "./app-builder";
import { MigrationState } from "./state";

/** An app with its name and identity chosen. */
export interface NamedApp {
    builder: AppBuilder;
    name: string;
    identity: MigratedIdentity;
}

/**
 * Phase 6 of a conversion: the apps' names (the namespace when it has one app per identity and is not "default",
 * else namespace-vault; `--app-name` overrides) and identities, in namespace, vault and identity order.
 */
export function nameApps(state: MigrationState, apps: AppSet, adopted: readonly VaultApplication[]): NamedApp[] {
    const { options } = state;
    const usedAppNames = new Set(adopted.map(({ app }) => app.name));
    const usedOverrides = new Set<string>();
    const builders = [...apps.all()].sort(
        (a, b) =>
            a.namespace.localeCompare(b.namespace) ||
            a.vault.localeCompare(b.vault) ||
            (a.azureIdentity ?? "").localeCompare(b.azureIdentity ?? ""),
    );
    const named = builders.map((builder) => {
        const alone = builders.filter((b) => b.namespace === builder.namespace && b.azureIdentity === builder.azureIdentity).length === 1;
        const selectors = [
            `${builder.namespace}/${builder.vault}`,
            ...(apps.inNamespace(builder.namespace).length === 1 ? [builder.namespace] : []),
        ];
        const override = builder.azureIdentity
            ? undefined
            : selectors.flatMap((selector) => {
                  const given = options.appNames?.[selector];
                  return given !== undefined ? [{ selector, given }] : [];
              })[0];
        let base: string;
        if (override) {
            usedOverrides.add(override.selector);
            base = override.given;
            for (const problem of givenNameProblems("app", base, `--app-name ${override.selector}`)) {
                state.emit("error", "APP_NAME_INVALID", "command line", problem.where, problem.message, problem.fix);
            }
            if (usedAppNames.has(base)) {
                state.emit(
                    "error",
                    "APP_NAME_INVALID",
                    "command line",
                    `--app-name ${override.selector}`,
                    `"${base}" is already the name of another app`,
                    "pick another name",
                );
            }
        } else {
            // An app's name is its ServiceAccount's, so the namespace "default" alone would name the namespace's own account.
            const byNamespace = alone && toDnsLabel(builder.namespace) !== NAMESPACE_SERVICE_ACCOUNT;
            base = toDnsLabel(
                [builder.namespace, byNamespace ? undefined : builder.vault, builder.azureIdentity].filter(Boolean).join("-"),
            );
        }
        const name = uniqueName(base, (candidate) => usedAppNames.has(candidate), 63);
        usedAppNames.add(name);
        const identity: MigratedIdentity = builder.azureIdentity ? { mode: "workloadIdentity" } : (options.identity ?? { mode: "addon" });
        return { builder, name, identity };
    });
    for (const selector of Object.keys(options.appNames ?? {})) {
        if (!usedOverrides.has(selector)) {
            state.emit(
                "error",
                "APP_NAME_OVERRIDE_UNUSED",
                "command line",
                `--app-name ${selector}`,
                "matches no converted app (use NAMESPACE when the namespace has one app, else NAMESPACE/VAULT)",
                "check the selector against the apps in the report",
            );
        }
    }
    return named;
}
