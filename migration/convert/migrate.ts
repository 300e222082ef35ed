import { SourcedManifest } from "../manifests";
import { adoptClasses } from "./adopted";
import { AppSet } from "./app-builder";
import { CutoverLedger, cutoverTrace } from "./cutover";
import { nameApps } from "./app-names";
import { assembleApps } from "./assemble";
import { reportIngresses } from "./ingresses";
import { sortInput } from "./input";
import { readInventory } from "./inventory";
import { mapResources } from "./map-resources";
import { InjectionLedger, namespaceLabelActions } from "./namespace-labels";
import { patchWorkloads } from "./patch";
import { startMigration } from "./state";
import { nameSyncedSecrets } from "./synced-secret-names";
import { MigrateOptions, MigrationResult } from "./types";
import { scanWorkloads } from "./workload-scan";

/**
 * akv2k8s -> this project: AzureKeyVaultSecrets become apps (one per namespace, vault and identity, since a
 * SecretProviderClass reads one vault and the stack config has one vault per stack), their output Secrets
 * become synced Secrets under new names, and workloads (env-injector `@azurekeyvault` values and references to
 * akv2k8s Secrets) are patched to read the synced Secrets. Hand-written SecretProviderClasses in the input are
 * adopted too. Pure: manifests in, config, manifests and findings out. Each phase is a module of this folder.
 */
export function migrate(manifests: readonly SourcedManifest[], options: MigrateOptions = {}): MigrationResult {
    const state = startMigration(options);
    const input = sortInput(state, manifests);
    const inventory = readInventory(state, input.akvs);
    const adopted = adoptClasses(state, input.classes, input.workloads);
    const apps = new AppSet();
    const cutover = new CutoverLedger();
    const converted = mapResources(state, inventory, apps, cutover);
    const injection = new InjectionLedger();
    const pending = scanWorkloads({ state, inventory, apps, converted, injection, cutover }, input.workloads);
    reportIngresses(state, input.ingresses, inventory, apps);
    const named = nameApps(state, apps, adopted);
    const { apps: withSecrets, renames } = nameSyncedSecrets(state, named, adopted, inventory);
    const { applications, assembled } = assembleApps(state, withSecrets, adopted, inventory);
    const workloads = patchWorkloads(state, pending, assembled, injection);
    const namespaceLabels = namespaceLabelActions(state, input.namespaces, injection);
    if (
        inventory.resources.length === 0 &&
        input.classes.length === 0 &&
        pending.length === 0 &&
        state.findings.every((f) => f.severity !== "error")
    ) {
        state.emit(
            "error",
            "INPUT_NOTHING_TO_CONVERT",
            "input",
            "",
            "contains no AzureKeyVaultSecret, SecretProviderClass or workload to convert",
            "pass AKVS manifests (kubectl get akvs -A -o yaml), directories of them, or '-' for stdin",
        );
    }
    return {
        applications,
        workloads,
        secretRenames: renames,
        namespaceLabels,
        cutover: cutoverTrace(state, inventory, cutover, assembled),
        findings: state.findings,
        counts: {
            azureKeyVaultSecrets: input.akvs.length,
            workloads: input.workloads.length,
            secretProviderClasses: input.classes.length,
            ignored: input.ignored,
        },
    };
}
