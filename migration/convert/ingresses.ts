import { SourcedManifest } from "../manifests";
import { isObject, nameOf, namespaceOf } from "../../components/shared/manifests";
import { AppSet } from "./app-builder";
import { indexedObjects } from "./env";
import { Akv2k8sInventory } from "./inventory";
import { MigrationState } from "./state";

/** Ingresses are not pods: a TLS Secret akv2k8s writes is reported, with when the synced copy can replace it. */
export function reportIngresses(
    state: MigrationState,
    ingresses: readonly SourcedManifest[],
    inventory: Akv2k8sInventory,
    apps: AppSet,
): void {
    for (const sourced of ingresses) {
        const namespace = namespaceOf(sourced.manifest) ?? state.defaultNamespace;
        const spec = isObject(sourced.manifest.spec) ? sourced.manifest.spec : {};
        for (const { item: tls } of indexedObjects(spec.tls)) {
            const origin = String(tls.secretName);
            if (!inventory.akv2k8sSecrets.has(`${namespace}/${origin}`)) {
                continue;
            }
            state.emit(
                "review",
                "INGRESS_TLS_REFERENCE",
                `Ingress ${namespace}/${nameOf(sourced.manifest)}`,
                `tls secretName "${origin}"`,
                "is written by akv2k8s; an Ingress is not a pod, so the synced copy exists only while a pod of the app mounts its volume",
                apps.replacing(namespace, origin).length > 0
                    ? `switch it to the synced Secret (see "Secret names") once a workload mounting that app's volume runs, and keep one running`
                    : "keep the AKVS until it is converted by hand",
                sourced.source,
            );
        }
    }
}
