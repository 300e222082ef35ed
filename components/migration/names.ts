import { Problem } from "../shared/validation";
import { isDnsLabel, isDnsSubdomain } from "../shared/kubernetes";

/**
 * Names for converted apps and synced Secrets, and the side-by-side safety rule: a Secret the CSI driver syncs
 * must never have the name of a Secret akv2k8s writes. The driver updates an existing Secret of that name and
 * makes the pods' ReplicaSet its owner, so both tools would overwrite each other and Kubernetes would delete
 * the Secret with the ReplicaSet.
 */

/** Default suffix of synced Secrets that replace akv2k8s Secrets. */
export const DEFAULT_SECRET_SUFFIX = "-csi";

/** Lower-case DNS label (at most 63 characters) made from free text. */
export function toDnsLabel(text: string): string {
    const label = text
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/-+/g, "-")
        .slice(0, 63)
        .replace(/^-+|-+$/g, "");
    return label || "app";
}

/** `base`, or `base-2`, `base-3`, ... : the first that `taken` doesn't contain. Keeps within `maxLength`. */
export function uniqueName(base: string, taken: (name: string) => boolean, maxLength = 253): string {
    if (!taken(base) && base.length <= maxLength) {
        return base;
    }
    for (let n = 2; ; n++) {
        const suffix = `-${n}`;
        const candidate = `${base.slice(0, maxLength - suffix.length).replace(/-+$/, "")}${suffix}`;
        if (!taken(candidate)) {
            return candidate;
        }
    }
}

/** A synced Secret of an app, for collision checks. */
export interface SyncedSecretName {
    namespace: string;
    secretName: string;
    /** App that syncs it. */
    app: string;
}

/**
 * Problems for synced Secrets whose name is taken by a Secret another tool writes (`protectedSecrets` holds
 * `namespace/name`), each with a free name to use instead.
 */
export function secretNameCollisionProblems(synced: readonly SyncedSecretName[], protectedSecrets: ReadonlySet<string>, suffix = DEFAULT_SECRET_SUFFIX): Problem[] {
    const used = new Set(synced.map((secret) => `${secret.namespace}/${secret.secretName}`));
    const problems: Problem[] = [];
    for (const secret of synced) {
        const key = `${secret.namespace}/${secret.secretName}`;
        if (!protectedSecrets.has(key)) {
            continue;
        }
        const suggestion = uniqueName(`${secret.secretName}${suffix}`, (name) => protectedSecrets.has(`${secret.namespace}/${name}`) || used.has(`${secret.namespace}/${name}`));
        used.add(`${secret.namespace}/${suggestion}`);
        problems.push({
            where: `app "${secret.app}" syncedSecrets "${secret.secretName}"`,
            message: `has the name of Secret ${key}, which akv2k8s writes: the CSI driver would overwrite it and Kubernetes would delete it together with the pods' ReplicaSet, while akv2k8s keeps rewriting it`,
            fix: `name it "${suggestion}" and point consumers at it when they cut over (the akv2k8s Secret stays until its AKVS is deleted)`,
        });
    }
    return problems;
}

/** Problems with a name given on the command line for an app or Secret. */
export function givenNameProblems(kind: "app" | "secret", name: string, where: string): Problem[] {
    const valid = kind === "app" ? isDnsLabel(name) : isDnsSubdomain(name);
    return valid
        ? []
        : [{ where, message: `"${name}" is not a valid ${kind === "app" ? "app name (DNS label)" : "Secret name"}`, fix: "use lower-case letters, digits and '-'" + (kind === "secret" ? " (and '.')" : ", at most 63 characters") }];
}
