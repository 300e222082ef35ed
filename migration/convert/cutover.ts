import { AzureKeyVaultSecretResource, akvsSubject } from "../akv2k8s";
import { needsManualWork } from "../findings";
import { AppBuilder, BuilderSecret } from "./app-builder";
import { AssembledApp } from "./assemble";
import { Akv2k8sInventory } from "./inventory";
import { MigrationState } from "./state";
import { AkvsCutover } from "./types";

/** One use of an AKVS in an app: the object that stands for it, and the synced Secret keys its value fills. */
interface AkvsUse {
    builder: AppBuilder;
    object: number;
    secret?: BuilderSecret;
    keys: readonly string[];
}

/**
 * What each AKVS turned into, written down by the phases that convert it (its own output Secret in phase 4,
 * env-injector values in phase 5); names are read at the end, when they are chosen.
 */
export class CutoverLedger {
    private readonly uses = new Map<AzureKeyVaultSecretResource, AkvsUse[]>();

    record(
        resource: AzureKeyVaultSecretResource,
        builder: AppBuilder,
        object: number,
        secret?: BuilderSecret,
        keys: readonly string[] = [],
    ): void {
        const uses = this.uses.get(resource) ?? [];
        const same = uses.find((use) => use.builder === builder && use.object === object && use.secret === secret);
        if (same) {
            same.keys = [...new Set([...same.keys, ...keys])];
        } else {
            uses.push({ builder, object, secret, keys });
        }
        this.uses.set(resource, uses);
    }

    usesOf(resource: AzureKeyVaultSecretResource): readonly AkvsUse[] {
        return this.uses.get(resource) ?? [];
    }
}

/**
 * Phase 11 of a conversion: for every AKVS of the input (namespace/name), the apps, objects and synced Secrets it
 * became, or why it became nothing, so a team can delete the AKVS one by one as their consumers cut over.
 */
export function cutoverTrace(
    state: MigrationState,
    inventory: Akv2k8sInventory,
    ledger: CutoverLedger,
    assembled: readonly AssembledApp[],
): AkvsCutover[] {
    const assembledOf = new Map(assembled.map((entry) => [entry.builder, entry]));
    const why = (namespace: string, name: string) =>
        state.findings
            .filter(
                (finding) => finding.subject === akvsSubject(namespace, name) && (needsManualWork(finding) || finding.severity === "error"),
            )
            .map((finding) => finding.code);
    const read: AkvsCutover[] = inventory.resources.map((resource) => {
        const becomes = ledger.usesOf(resource).flatMap((use) => {
            const entry = assembledOf.get(use.builder);
            if (!entry) {
                return [];
            }
            const object = entry.app.objects[use.object];
            return [
                {
                    app: entry.app.name,
                    vault: use.builder.vault,
                    objectName: object.objectName,
                    file: object.objectAlias ?? object.objectName,
                    ...(use.secret ? { syncedSecret: entry.secretNames.get(use.secret), keys: [...use.keys] } : {}),
                },
            ];
        });
        // A mounted file that a synced Secret of the same app also reads is said once, with the Secret.
        const said = becomes.filter(
            (use) =>
                use.syncedSecret !== undefined ||
                !becomes.some((other) => other.syncedSecret !== undefined && other.app === use.app && other.file === use.file),
        );
        const open = unique(why(resource.namespace, resource.name));
        const cutover: AkvsCutover = { namespace: resource.namespace, name: resource.name, source: resource.source, becomes: said };
        if (said.length === 0) {
            return { ...cutover, nothingBecause: open };
        }
        return open.length > 0 ? { ...cutover, openFindings: open } : cutover;
    });
    const rejected: AkvsCutover[] = [...inventory.rejected].map((key) => {
        const [namespace, name] = key.split("/");
        return { namespace, name, becomes: [], nothingBecause: unique(why(namespace, name || "(no name)")) };
    });
    return [...read, ...rejected].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

function unique(codes: readonly string[]): string[] {
    return [...new Set(codes)];
}
