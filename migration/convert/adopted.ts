import { VaultApplication } from "../application";
import { adoptSecretProviderClass } from "../adopt/adopt";
import { SourcedManifest } from "../manifests";
import { MigrationState } from "./state";

/** Phase 3 of a conversion: hand-written SecretProviderClasses adopted as apps; their names are fixed (pods reference them). */
export function adoptClasses(
    state: MigrationState,
    classes: readonly SourcedManifest[],
    workloads: readonly SourcedManifest[],
): VaultApplication[] {
    const adopted: VaultApplication[] = [];
    for (const sourced of classes) {
        const result = adoptSecretProviderClass(sourced, {
            defaultNamespace: state.defaultNamespace,
            workloads,
            addonClientId: state.options.addonClientId,
        });
        state.findings.push(...result.findings);
        if (result.adopted) {
            adopted.push(result.adopted);
        }
    }
    return adopted;
}
