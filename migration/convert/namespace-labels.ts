import { ENV_INJECTION_LABEL, ENV_INJECTOR_MARKER } from "../akv2k8s";
import { SourcedManifest } from "../manifests";
import { labelsOf, nameOf } from "../../components/shared/manifests";
import { MigrationState } from "./state";
import { NamespaceLabelAction } from "./types";

/** Which workloads of each namespace used env-injector values, converted or not. */
export class InjectionLedger {
    private readonly byNamespace = new Map<string, { converted: string[]; remaining: string[] }>();

    note(namespace: string, subject: string, converted: boolean): void {
        const entry = this.byNamespace.get(namespace) ?? { converted: [], remaining: [] };
        const list = converted ? entry.converted : entry.remaining;
        if (!list.includes(subject)) {
            list.push(subject);
        }
        this.byNamespace.set(namespace, entry);
    }

    namespaces(): string[] {
        return [...this.byNamespace.keys()];
    }

    of(namespace: string): { converted: string[]; remaining: string[] } {
        return this.byNamespace.get(namespace) ?? { converted: [], remaining: [] };
    }
}

/** Phase 10 of a conversion: the env-injection label of each namespace that has it or had injected workloads. */
export function namespaceLabelActions(
    state: MigrationState,
    namespaces: readonly SourcedManifest[],
    injection: InjectionLedger,
): NamespaceLabelAction[] {
    const labelled = new Set(
        namespaces.filter(({ manifest }) => labelsOf(manifest)[ENV_INJECTION_LABEL] === "enabled").map(({ manifest }) => nameOf(manifest)),
    );
    const actions: NamespaceLabelAction[] = [];
    for (const namespace of [...new Set([...injection.namespaces(), ...labelled])].sort()) {
        const entry = injection.of(namespace);
        const remaining = entry.remaining.filter((subject, index, all) => all.indexOf(subject) === index);
        const command = `kubectl label namespace ${namespace} ${ENV_INJECTION_LABEL}-`;
        if (remaining.length === 0) {
            const reason =
                entry.converted.length > 0
                    ? `every workload given that used ${ENV_INJECTOR_MARKER} is converted (${entry.converted.join(", ")})`
                    : `no workload given uses ${ENV_INJECTOR_MARKER}`;
            actions.push({ namespace, action: "remove", command, reason });
            state.emit(
                "info",
                "NAMESPACE_LABEL_REMOVE",
                `Namespace ${namespace}`,
                `label ${ENV_INJECTION_LABEL}`,
                `can be removed once the patched workloads run: ${reason}`,
                `${command} (check first that no other workload in the namespace uses ${ENV_INJECTOR_MARKER})`,
            );
        } else {
            const reason = `${remaining.join(", ")} still use${remaining.length === 1 ? "s" : ""} ${ENV_INJECTOR_MARKER} values that were not converted`;
            actions.push({ namespace, action: "keep", command, reason });
            state.emit(
                "review",
                "NAMESPACE_LABEL_KEEP",
                `Namespace ${namespace}`,
                `label ${ENV_INJECTION_LABEL}`,
                `must stay: ${reason}`,
                `convert those by hand, then ${command}`,
            );
        }
    }
    return actions;
}
