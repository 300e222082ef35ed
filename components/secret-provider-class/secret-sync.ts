import * as pulumi from "@pulumi/pulumi";
import { Problem } from "../shared/validation";
import { renderSecretMetadata } from "./render";
import { DEFAULT_SYNC_MECHANISM, SYNC_MECHANISMS, SyncMechanism, SyncedSecret } from "./types";

/**
 * The secrets-store-sync-controller's `SecretSync` (`secret-sync.x-k8s.io/v1alpha1`, controller v0.0.4): one object
 * per synced Secret, named like it, that the controller reconciles by calling the provider with the class's
 * parameters and the ServiceAccount's token, then applying the Secret it owns. What is checked here is what the
 * CRD's schema and the controller refuse (api/v1alpha1/secretsync_types.go, internal/controller); the rules shared
 * with `secretObjects` (types, keys, names, labels) are in synced-secrets.ts.
 */

export const SECRET_SYNC_API_VERSION = "secret-sync.x-k8s.io/v1alpha1";
export const SECRET_SYNC_KIND = "SecretSync";
/** Where upstream documents the controller (experimental; installed with its Helm chart, Kubernetes >= 1.30). */
export const SECRET_SYNC_CONTROLLER_URL = "https://github.com/kubernetes-sigs/secrets-store-sync-controller";

/**
 * Label and annotation keys the controller reserves: the CRD refuses a SecretSync whose `secretObject` labels or
 * annotations start with it (a CEL `startsWith`, so without the slash), and the controller labels every Secret it
 * owns `secrets-store.sync.x-k8s.io/secretsync`.
 */
export const SECRET_SYNC_RESERVED_PREFIX = "secrets-store.sync.x-k8s.io";

/** Longest `sourcePath` and `targetKey` the CRD takes. */
export const SECRET_SYNC_PATH_MAX_LENGTH = 253;

/**
 * True when `value` matches the CRD's pattern for `sourcePath` and `targetKey`,
 * `^[A-Za-z0-9.]([-A-Za-z0-9]+([-._a-zA-Z0-9]?[A-Za-z0-9])*)?(\/([0-9]+))*$`, written without nested quantifiers
 * (the API server's RE2 is linear; the same pattern in JavaScript backtracks exponentially on a long mismatch).
 * Read left to right: a letter, digit or '.'; then letters, digits and '-'; then runs where each '.', '_' or '-' is
 * followed by a letter or digit; then any number of `/<digits>` (version files). Tests compare it with the pattern.
 */
export function isSecretSyncPath(value: string): boolean {
    const [head, ...versions] = value.split("/");
    if (!versions.every((version) => /^[0-9]+$/.test(version)) || !/^[A-Za-z0-9.]/.test(head)) {
        return false;
    }
    const rest = head.slice(1);
    const hyphenated = rest.match(/^[-A-Za-z0-9]*/)?.[0] ?? "";
    const tail = rest.slice(hyphenated.length);
    return rest === "" || (hyphenated !== "" && /^(?:[._-]?[A-Za-z0-9])*$/.test(tail));
}

/** Why `value` cannot be a `sourcePath` or `targetKey` (empty when it can). */
export function secretSyncPathErrors(value: string): string[] {
    const errors = value.length > SECRET_SYNC_PATH_MAX_LENGTH ? [`must be no more than ${SECRET_SYNC_PATH_MAX_LENGTH} characters`] : [];
    if (!isSecretSyncPath(value)) {
        errors.push(
            "must match the SecretSync CRD's pattern: a letter, digit or '.'; then at least one letter, digit or '-' before any '.' or '_'; each '.' or '_' followed by a letter or digit; only /<n> version parts after that",
        );
    }
    return errors;
}

/** Problems with the labels and annotations of a SecretSync's Secret that the CRD reserves for the controller. */
export function reservedKeyProblems(secret: Pick<SyncedSecret, "labels" | "annotations">, where: string): Problem[] {
    const reserved = (kind: "labels" | "annotations") =>
        Object.keys(secret[kind] ?? {})
            .filter((key) => key.startsWith(SECRET_SYNC_RESERVED_PREFIX))
            .map((key) => ({
                where: `${where}.${kind}["${key}"]`,
                message: `starts with ${SECRET_SYNC_RESERVED_PREFIX}, which the SecretSync CRD reserves for the sync controller (it labels each Secret it writes ${SECRET_SYNC_RESERVED_PREFIX}, an empty value); the API server refuses the SecretSync`,
                fix: `remove it, or use a key with a prefix of your own (e.g. example.com/${key.split("/").pop()})`,
            }));
    return [...reserved("labels"), ...reserved("annotations")];
}

/** What decides how an app's Secrets are synced and whether its pods mount the CSI volume. */
export interface SyncChoice {
    /** Default `secretObjects`. */
    syncMechanism?: SyncMechanism;
    /** With `secretSync`, mount the CSI volume in the pods too (files); default false. Must not be false with `secretObjects`. */
    mountFiles?: boolean;
    /** Where files appear; only meaningful when pods mount the volume. */
    mountPath?: string;
    /** The app's identity mode (`addon`, `workloadIdentity`, `servicePrincipal`). */
    identityMode: string;
    syncedSecrets: readonly SyncedSecret[];
}

/** True when the app's pods mount the CSI volume: always with `secretObjects`, with `secretSync` only for files. */
export function podsMountVolume(choice: Pick<SyncChoice, "syncMechanism" | "mountFiles">): boolean {
    return choice.syncMechanism !== "secretSync" || choice.mountFiles === true;
}

/** Problems with the choice of sync mechanism and pod mount. */
export function syncChoiceProblems(choice: SyncChoice): Problem[] {
    const mechanism = choice.syncMechanism ?? DEFAULT_SYNC_MECHANISM;
    if (!(SYNC_MECHANISMS as readonly string[]).includes(mechanism)) {
        return [
            { where: "syncMechanism", message: `"${mechanism}" is not a sync mechanism`, fix: `use one of ${SYNC_MECHANISMS.join(", ")}` },
        ];
    }
    const problems: Problem[] = [];
    if (mechanism === "secretObjects" && choice.mountFiles === false) {
        problems.push({
            where: "mountFiles",
            message:
                "is false, but with syncMechanism secretObjects the driver syncs a Secret only while a pod mounts the volume (the pods own it), so pods without the mount would find no Secret",
            fix: "remove mountFiles, or set syncMechanism: secretSync (the sync controller keeps the Secrets without a mount)",
        });
    }
    if (mechanism === "secretSync") {
        if (choice.syncedSecrets.length === 0) {
            problems.push({
                where: "syncMechanism",
                message: "is secretSync, but the app has no syncedSecrets for SecretSync objects",
                fix: "add syncedSecrets, or remove syncMechanism",
            });
        }
        if (choice.identityMode === "servicePrincipal") {
            problems.push({
                where: "syncMechanism",
                message:
                    "is secretSync, but the sync controller calls the provider with no node-publish secrets (v0.0.4 sends an empty map), so service-principal credentials never reach it",
                fix: "use identity mode workloadIdentity (or addon) with secretSync, or keep syncMechanism secretObjects",
            });
        }
        if (choice.mountFiles !== true && choice.mountPath !== undefined) {
            problems.push({
                where: "mountPath",
                message: "is set, but with syncMechanism secretSync pods mount no files unless mountFiles is true",
                fix: "set mountFiles: true if the pods read files, or remove mountPath",
            });
        }
    }
    return problems;
}

/** Where a SecretSync points: the app's namespace, class and ServiceAccount. */
export interface SecretSyncTarget {
    namespace: string;
    secretProviderClassName: pulumi.Input<string>;
    /** The ServiceAccount whose token the controller requests for the provider (required by the CRD). */
    serviceAccountName: pulumi.Input<string>;
    /** Labels of the SecretSync object itself. */
    labels?: Record<string, string>;
    /** Annotations of the SecretSync object itself. */
    annotations?: Record<string, string>;
}

/** The SecretSync that keeps one synced Secret; empty labels and annotations are left out, as in `secretObjects`. */
export function renderSecretSync(secret: SyncedSecret, target: SecretSyncTarget) {
    return {
        apiVersion: SECRET_SYNC_API_VERSION,
        kind: SECRET_SYNC_KIND,
        metadata: {
            name: secret.secretName,
            namespace: target.namespace,
            labels: { "app.kubernetes.io/managed-by": "pulumi", ...target.labels },
            ...(target.annotations && Object.keys(target.annotations).length > 0 ? { annotations: target.annotations } : {}),
        },
        spec: {
            secretProviderClassName: target.secretProviderClassName,
            serviceAccountName: target.serviceAccountName,
            secretObject: {
                type: secret.type,
                data: secret.data.map((entry) => ({ sourcePath: entry.objectName, targetKey: entry.key })),
                ...renderSecretMetadata(secret),
            },
        },
    };
}
