import { Problem } from "../components/shared/validation";
import { uniqueName } from "../components/shared/naming";
import { SyncMechanism } from "../components/secret-provider-class/types";

/**
 * The side-by-side safety rule: a Secret the CSI driver syncs must never have the name of a Secret akv2k8s writes.
 * The driver updates an existing Secret of that name and makes the pods' ReplicaSet its owner, so both tools would
 * overwrite each other and Kubernetes would delete the Secret with the ReplicaSet. The program applies it to
 * `akv2k8sSecrets`; the migration tool picks names around it and checks stack config with it.
 */

/** Default suffix of synced Secrets that replace akv2k8s Secrets (and of the free names suggested). */
export const DEFAULT_SECRET_SUFFIX = "-csi";

/** A synced Secret of an app, for collision checks. */
export interface SyncedSecretName {
    namespace: string;
    secretName: string;
    /** App that syncs it. */
    app: string;
    /** Who syncs it; default `secretObjects` (the CSI driver). */
    syncMechanism?: SyncMechanism;
}

/** What happens to a Secret another tool writes when an app syncs one of the same name. */
function collisionEffect(secret: SyncedSecretName): string {
    return secret.syncMechanism === "secretSync"
        ? "the sync controller updates only Secrets its SecretSync owns, so the SecretSync would fail for as long as akv2k8s keeps the Secret"
        : "the CSI driver would overwrite it and Kubernetes would delete it together with the pods' ReplicaSet, while akv2k8s keeps rewriting it";
}

/**
 * Problems for synced Secrets whose name is taken by a Secret another tool writes (`protectedSecrets` holds
 * `namespace/name`), each with a free name to use instead.
 */
export function secretNameCollisionProblems(
    synced: readonly SyncedSecretName[],
    protectedSecrets: ReadonlySet<string>,
    suffix = DEFAULT_SECRET_SUFFIX,
): Problem[] {
    const used = new Set(synced.map((secret) => `${secret.namespace}/${secret.secretName}`));
    const problems: Problem[] = [];
    for (const secret of synced) {
        const key = `${secret.namespace}/${secret.secretName}`;
        if (!protectedSecrets.has(key)) {
            continue;
        }
        const suggestion = uniqueName(
            `${secret.secretName}${suffix}`,
            (name) => protectedSecrets.has(`${secret.namespace}/${name}`) || used.has(`${secret.namespace}/${name}`),
        );
        used.add(`${secret.namespace}/${suggestion}`);
        problems.push({
            where: `app "${secret.app}" syncedSecrets "${secret.secretName}"`,
            message: `has the name of Secret ${key}, which akv2k8s writes: ${collisionEffect(secret)}`,
            fix: `name it "${suggestion}" and point consumers at it when they cut over (the akv2k8s Secret stays until its AKVS is deleted)`,
        });
    }
    return problems;
}
