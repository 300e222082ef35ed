import { isAzureKeyVaultSecret } from "../akv2k8s";
import { isSecretProviderClass } from "../adopt/adopt";
import { SourcedManifest, groupOf } from "../manifests";
import { podTemplateKind } from "../../components/workload/pod-templates";
import { MigrationState } from "./state";

/** Phase 1 of a conversion: the input sorted by kind; other kinds are counted and reported once. */
export interface SortedInput {
    akvs: SourcedManifest[];
    classes: SourcedManifest[];
    workloads: SourcedManifest[];
    namespaces: SourcedManifest[];
    ingresses: SourcedManifest[];
    ignored: number;
}

export function sortInput(state: MigrationState, manifests: readonly SourcedManifest[]): SortedInput {
    const input: SortedInput = { akvs: [], classes: [], workloads: [], namespaces: [], ingresses: [], ignored: 0 };
    for (const sourced of manifests) {
        const manifest = sourced.manifest;
        const group = groupOf(manifest.apiVersion);
        if (isAzureKeyVaultSecret(manifest)) {
            input.akvs.push(sourced);
        } else if (isSecretProviderClass(manifest)) {
            input.classes.push(sourced);
        } else if (podTemplateKind(manifest) && (group === "apps" || group === "batch")) {
            input.workloads.push(sourced);
        } else if (manifest.kind === "Namespace" && manifest.apiVersion === "v1") {
            input.namespaces.push(sourced);
        } else if (manifest.kind === "Ingress" && group === "networking.k8s.io") {
            input.ingresses.push(sourced);
        } else {
            input.ignored++;
        }
    }
    if (input.ignored > 0) {
        state.emit(
            "info",
            "INPUT_OTHER_KINDS_IGNORED",
            "input",
            "",
            `${input.ignored} document(s) of other kinds were ignored`,
            "nothing to do (read: AzureKeyVaultSecret, SecretProviderClass, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Namespace, Ingress)",
        );
    }
    return input;
}
