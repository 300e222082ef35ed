import { AzureKeyVaultSecretResource, akv2k8sSecretNames, akvsSubject, readAzureKeyVaultSecret } from "../akv2k8s";
import { SourcedManifest } from "../manifests";
import { nameOf, namespaceOf } from "../../components/shared/manifests";
import { MigrationState } from "./state";

/** Phase 2 of a conversion: the AKVS read (the first of duplicates wins), and the Secrets akv2k8s writes. */
export interface Akv2k8sInventory {
    /** The AKVS that could be read, by namespace then name. */
    resources: AzureKeyVaultSecretResource[];
    /** `namespace/name` of AKVS that could not be read. */
    rejected: Set<string>;
    /** `namespace/name` of the Secrets akv2k8s writes. */
    akv2k8sSecrets: Set<string>;
    /** Those and `existingSecrets`: names no synced Secret may take. */
    protectedSecrets: Set<string>;
}

export function readInventory(state: MigrationState, manifests: readonly SourcedManifest[]): Akv2k8sInventory {
    const resources: AzureKeyVaultSecretResource[] = [];
    const rejected = new Set<string>();
    for (const sourced of manifests) {
        const read = readAzureKeyVaultSecret(sourced, state.defaultNamespace);
        state.findings.push(...read.findings);
        const resource = read.resource;
        if (!resource) {
            rejected.add(`${namespaceOf(sourced.manifest) ?? state.defaultNamespace}/${nameOf(sourced.manifest)}`);
            continue;
        }
        const first = resources.find((other) => other.namespace === resource.namespace && other.name === resource.name);
        if (first) {
            state.emit(
                "info",
                "INPUT_DUPLICATE",
                akvsSubject(resource.namespace, resource.name),
                "",
                `appears again (first in ${first.source}); the first one is used`,
                "pass each manifest once",
                resource.source,
            );
            continue;
        }
        resources.push(resource);
    }
    resources.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    const akv2k8sSecrets = akv2k8sSecretNames(resources);
    return {
        resources,
        rejected,
        akv2k8sSecrets,
        protectedSecrets: new Set([...akv2k8sSecrets, ...(state.options.existingSecrets ?? [])]),
    };
}
