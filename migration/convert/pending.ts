import { AzureKeyVaultSecretResource } from "../akv2k8s";
import { FindingCode, FindingSeverity } from "../findings";
import { SourcedManifest } from "../manifests";
import { PodTemplate } from "../../components/workload/pod-templates";
import { AppBuilder, AppSet, BuilderSecret } from "./app-builder";
import { Akv2k8sInventory } from "./inventory";
import { InjectionLedger } from "./namespace-labels";
import { MigrationState } from "./state";
import { CutoverLedger } from "./cutover";

/** A workload while the converter scans it: the edits its patch will make, and what still uses akv2k8s. */

/** `reference`: the variable read an akv2k8s Secret (else it was an env-injector value). */
export type EnvEdit = {
    containerIndex: number;
    envIndex: number;
    builder: AppBuilder;
    secret: BuilderSecret;
    key: string;
    reference: boolean;
};
export type EnvFromEdit = { containerIndex: number; envFromIndex: number; targets: Array<{ builder: AppBuilder; secret: BuilderSecret }> };
export type VolumeEdit = { volumeIndex: number; builder: AppBuilder; secret: BuilderSecret };

export interface PendingWorkload {
    sourced: SourcedManifest;
    /** Its pod template, as read. */
    template: PodTemplate & { spec: Record<string, unknown> };
    kind: string;
    namespace: string;
    name: string;
    subject: string;
    envEdits: EnvEdit[];
    envFromEdits: EnvFromEdit[];
    volumeEdits: VolumeEdit[];
    /** Containers that read each app's Secrets (they get its volume mounted). */
    containers: Map<AppBuilder, Set<string>>;
    /** It had env-injector values. */
    injected: boolean;
    /** Locations that still use akv2k8s after the patch. */
    remaining: string[];
}

/** What scanning a workload reads: the AKVS, the apps so far and which AKVS converted, and where injection is recorded. */
export interface ScanContext {
    state: MigrationState;
    inventory: Akv2k8sInventory;
    apps: AppSet;
    converted: ReadonlySet<AzureKeyVaultSecretResource>;
    injection: InjectionLedger;
    cutover: CutoverLedger;
}

/** Scanning one workload: its pending patch, and the findings about it. */
export class WorkloadScan {
    constructor(
        readonly context: ScanContext,
        readonly work: PendingWorkload,
    ) {}

    /** A finding about the workload; anything but info leaves `where` on akv2k8s. */
    note(severity: FindingSeverity, code: FindingCode, where: string, message: string, fix: string): void {
        if (severity !== "info") {
            this.work.remaining.push(where);
        }
        this.context.state.emit(severity, code, this.work.subject, where, message, fix, this.work.sourced.source);
    }

    /** The pod reads an app's Secrets (from `container`, when one is named): it will mount the app's volume. */
    use(builder: AppBuilder, container?: string): void {
        const set = this.work.containers.get(builder) ?? new Set<string>();
        if (container) {
            set.add(container);
        }
        this.work.containers.set(builder, set);
    }

    /** Records whether an env-injector use of this workload was converted (for its namespace's label). */
    injection(converted: boolean): void {
        this.context.injection.note(this.work.namespace, this.work.subject, converted);
    }

    /** True when akv2k8s writes Secret `name` in the workload's namespace. */
    isAkv2k8sSecret(name: string): boolean {
        return this.context.inventory.akv2k8sSecrets.has(`${this.work.namespace}/${name}`);
    }
}
