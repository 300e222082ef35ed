import { AssembledApp } from "./assemble";
import { InjectionLedger } from "./namespace-labels";
import { PendingWorkload } from "./pending";
import { patchWorkload } from "./patch-workload";
import { MigrationState } from "./state";
import { PatchedWorkload } from "./types";

/** Phase 9 of a conversion: each scanned workload patched to read its apps' synced Secrets, by namespace, kind and name. */
export function patchWorkloads(
    state: MigrationState,
    pending: readonly PendingWorkload[],
    apps: readonly AssembledApp[],
    injection: InjectionLedger,
): PatchedWorkload[] {
    const patched: PatchedWorkload[] = [];
    for (const work of pending) {
        const result = patchWorkload(work, apps);
        if ("error" in result) {
            state.emit("unsupported", "WORKLOAD_NOT_PATCHED", work.subject, "", result.error, result.fix, work.sourced.source);
            if (work.injected) {
                injection.note(work.namespace, work.subject, false);
            }
            continue;
        }
        state.findings.push(...result.findings.map((f) => ({ ...f, subject: work.subject, source: work.sourced.source })));
        patched.push({
            namespace: work.namespace,
            kind: work.kind,
            name: work.name,
            source: work.sourced.source,
            apps: result.apps,
            remaining: work.remaining,
            manifest: result.manifest,
        });
        if (work.injected) {
            state.emit(
                "info",
                "ENV_INJECTOR_VALUE_IN_SECRET",
                work.subject,
                "",
                "env-injector values now come from synced Kubernetes Secrets (stored in etcd) instead of being fetched by the process at start",
                "if that matters, read the files under the mount path instead of env vars",
                work.sourced.source,
            );
        }
    }
    return patched.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}
