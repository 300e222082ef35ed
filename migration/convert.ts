import { MigratedApplication, MigratedIdentity, VaultApplication, migratedApplicationProblems } from "./application";
import { AppBuilder, BuilderSecret, orderedObject } from "./app-builder";
import { AzureKeyVaultSecretResource, ENV_INJECTION_LABEL, akv2k8sSecretNames, isAzureKeyVaultSecret, readAzureKeyVaultSecret } from "./akv2k8s";
import { adoptSecretProviderClass, isSecretProviderClass } from "./adopt";
import { Finding, FindingCode, FindingSeverity } from "./findings";
import { SourcedManifest, groupOf } from "./manifests";
import { isObject, labelsOf, nameOf, namespaceOf } from "../components/shared/manifests";
import { mapAzureKeyVaultSecret, mapEnvReference } from "./mapping";
import { givenNameProblems } from "./names";
import { toDnsLabel, uniqueName } from "../components/shared/naming";
import { DEFAULT_SECRET_SUFFIX, secretNameCollisionProblems } from "../program/secret-names";
import { podTemplateKind, podTemplateOf } from "../components/workload/pod-templates";
import { PendingWorkload, patchWorkload } from "./workloads";

/**
 * akv2k8s -> this project: AzureKeyVaultSecrets become apps (one per namespace, vault and identity, since a
 * SecretProviderClass reads one vault and the stack config has one vault per stack), their output Secrets
 * become synced Secrets under new names, and workloads (env-injector `@azurekeyvault` values and references to
 * akv2k8s Secrets) are patched to read the synced Secrets. Hand-written SecretProviderClasses in the input are
 * adopted too. Pure: manifests in, config, manifests and findings out.
 */

export interface MigrateOptions {
    /** Namespace of manifests without one (default "default"). */
    defaultNamespace?: string;
    /** Identity of converted apps (default `{ mode: "addon" }`); AKVS with `vault.azureIdentity` get workload identity. */
    identity?: Extract<MigratedIdentity, { mode: "addon" | "workloadIdentity" }>;
    /** Suffix of synced Secrets that replace akv2k8s Secrets (default "-csi"). */
    secretSuffix?: string;
    /** App names by `namespace` (when it has one app) or `namespace/vault`. */
    appNames?: Record<string, string>;
    /** Synced Secret names by akv2k8s Secret `namespace/name`; refused when they collide. */
    secretNames?: Record<string, string>;
    /** More Secrets (`namespace/name`) that synced Secrets must not overwrite. */
    existingSecrets?: readonly string[];
    /** Client ID of the addon identity, to recognise adopted classes that use it. */
    addonClientId?: string;
}

/** A workload manifest rewritten to read synced Secrets. */
export interface PatchedWorkload {
    namespace: string;
    kind: string;
    name: string;
    source: string;
    /** Apps (SecretProviderClasses) whose volume it now mounts. */
    apps: string[];
    /** What still uses akv2k8s (env injector values or Secrets that were not converted), by location. */
    remaining: string[];
    manifest: Record<string, unknown>;
}

/** An akv2k8s Secret and the synced Secret that replaces it. */
export interface SecretRename {
    namespace: string;
    akv2k8sSecret: string;
    csiSecret: string;
    app: string;
    vault: string;
}

/** What to do with the env-injection label of a namespace. */
export interface NamespaceLabelAction {
    namespace: string;
    action: "remove" | "keep";
    command: string;
    reason: string;
}

export interface MigrationResult {
    /** Converted and adopted apps, by vault then name. */
    applications: VaultApplication[];
    workloads: PatchedWorkload[];
    secretRenames: SecretRename[];
    namespaceLabels: NamespaceLabelAction[];
    findings: Finding[];
    counts: { azureKeyVaultSecrets: number; workloads: number; secretProviderClasses: number; ignored: number };
}

const ENV_REFERENCE = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)@azurekeyvault(?:\?([a-zA-Z_][a-zA-Z0-9_.]*))?$/;
const ENV_MARKER = "@azurekeyvault";

/** Runs the conversion. */
export function migrate(manifests: readonly SourcedManifest[], options: MigrateOptions = {}): MigrationResult {
    const defaultNamespace = options.defaultNamespace ?? "default";
    const suffix = options.secretSuffix ?? DEFAULT_SECRET_SUFFIX;
    const findings: Finding[] = [];
    const emit = (severity: FindingSeverity, code: FindingCode, subject: string, where: string, message: string, fix: string, source?: string) =>
        findings.push({ severity, code, subject, where, message, fix, ...(source ? { source } : {}) });

    // 1. Sort the input by kind.
    const akvsManifests: SourcedManifest[] = [];
    const classes: SourcedManifest[] = [];
    const workloads: SourcedManifest[] = [];
    const namespaces: SourcedManifest[] = [];
    const ingresses: SourcedManifest[] = [];
    let ignored = 0;
    for (const sourced of manifests) {
        const manifest = sourced.manifest;
        const group = groupOf(manifest.apiVersion);
        if (isAzureKeyVaultSecret(manifest)) {
            akvsManifests.push(sourced);
        } else if (isSecretProviderClass(manifest)) {
            classes.push(sourced);
        } else if (podTemplateKind(manifest) && (group === "apps" || group === "batch")) {
            workloads.push(sourced);
        } else if (manifest.kind === "Namespace" && manifest.apiVersion === "v1") {
            namespaces.push(sourced);
        } else if (manifest.kind === "Ingress" && group === "networking.k8s.io") {
            ingresses.push(sourced);
        } else {
            ignored++;
        }
    }
    if (ignored > 0) {
        emit("info", "INPUT_OTHER_KINDS_IGNORED", "input", "", `${ignored} document(s) of other kinds were ignored`, "nothing to do (read: AzureKeyVaultSecret, SecretProviderClass, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Namespace, Ingress)");
    }

    // 2. Read the AKVS (first of duplicates wins).
    const resources: AzureKeyVaultSecretResource[] = [];
    const rejected = new Set<string>();
    for (const sourced of akvsManifests) {
        const read = readAzureKeyVaultSecret(sourced, defaultNamespace);
        findings.push(...read.findings);
        const resource = read.resource;
        if (!resource) {
            rejected.add(`${namespaceOf(sourced.manifest) ?? defaultNamespace}/${nameOf(sourced.manifest)}`);
            continue;
        }
        const first = resources.find((other) => other.namespace === resource.namespace && other.name === resource.name);
        if (first) {
            emit("info", "INPUT_DUPLICATE", `AzureKeyVaultSecret ${resource.namespace}/${resource.name}`, "", `appears again (first in ${first.source}); the first one is used`, "pass each manifest once", resource.source);
            continue;
        }
        resources.push(resource);
    }
    resources.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    const akv2k8sSecrets = akv2k8sSecretNames(resources);
    const protectedSecrets = new Set([...akv2k8sSecrets, ...(options.existingSecrets ?? [])]);

    // 3. Adopt hand-written SecretProviderClasses; their names are fixed (pods reference them).
    const adopted: VaultApplication[] = [];
    for (const sourced of classes) {
        const result = adoptSecretProviderClass(sourced, { defaultNamespace, workloads, addonClientId: options.addonClientId });
        findings.push(...result.findings);
        if (result.adopted) {
            adopted.push(result.adopted);
        }
    }

    // 4. Map each AKVS into the app of its namespace, vault and identity.
    const builders: AppBuilder[] = [];
    const builderFor = (resource: AzureKeyVaultSecretResource) => {
        let builder = builders.find((b) => b.namespace === resource.namespace && b.vault === resource.vault && b.azureIdentity === resource.azureIdentity);
        if (!builder) {
            builder = new AppBuilder(resource.namespace, resource.vault, resource.azureIdentity);
            builders.push(builder);
        }
        return builder;
    };
    const converted = new Set<AzureKeyVaultSecretResource>();
    for (const resource of resources) {
        const mapping = mapAzureKeyVaultSecret(resource);
        findings.push(...mapping.findings);
        if (!mapping.object) {
            continue;
        }
        const subject = `AzureKeyVaultSecret ${resource.namespace}/${resource.name}`;
        const builder = builderFor(resource);
        if (mapping.secret) {
            const need = mapping.secret;
            const existing = builder.secret(`akv2k8s:${need.name}`);
            // The same akv2k8s Secret may be filled by AKVS of other vaults (other apps) too.
            const writers = builders
                .filter((b) => b.namespace === resource.namespace)
                .map((b) => b.secret(`akv2k8s:${need.name}`))
                .filter((secret): secret is BuilderSecret => secret !== undefined);
            const otherType = writers.find((secret) => secret.type !== need.type);
            if (otherType) {
                emit("unsupported", "AKVS_SECRET_TYPE_CONFLICT", subject, "spec.output.secret.type", `writes Secret "${need.name}" as ${need.type}, but another AKVS writes it as ${otherType.type}`, "give each Secret one type; this AKVS was not converted", resource.source);
                continue;
            }
            const clash = need.keys.filter((key) => writers.some((secret) => secret.data.some((entry) => entry.key === key)));
            if (clash.length > 0) {
                emit("unsupported", "AKVS_SECRET_KEY_CONFLICT", subject, "spec.output.secret.dataKey", `writes key(s) ${clash.join(", ")} of Secret "${need.name}", which another AKVS writes too (the last sync wins in akv2k8s)`, "give each AKVS its own dataKey; this AKVS was not converted", resource.source);
                continue;
            }
            const object = builder.objectFor(mapping.object);
            const secret = existing ?? { id: `akv2k8s:${need.name}`, kind: "akv2k8s" as const, origin: need.name, type: need.type, data: [] };
            if (!existing) {
                builder.secrets.push(secret);
            }
            secret.data.push(...need.keys.map((key) => ({ key, object })));
        } else {
            builder.objectFor(mapping.object);
        }
        converted.add(resource);
        if (resource.azureIdentity) {
            emit(
                "review",
                "AKVS_AZURE_IDENTITY",
                subject,
                "spec.vault.azureIdentity",
                `"${resource.azureIdentity}" (an aad-pod-identity AzureIdentity) has no per-object equivalent: the provider authenticates per SecretProviderClass, so this object goes to a separate app with workload identity`,
                "the program creates a federated identity with least-privilege roles for that app; or set identity.clientId to the client ID of the identity behind the AzureIdentity (and federate it), and run the pods as the app's ServiceAccount",
                resource.source,
            );
        }
    }

    // 5. Scan workloads: env-injector values and references to akv2k8s Secrets.
    const pending: PendingWorkload[] = [];
    const injection = new Map<string, { converted: string[]; remaining: string[] }>();
    const noteInjection = (namespace: string, subject: string, ok: boolean) => {
        const entry = injection.get(namespace) ?? { converted: [], remaining: [] };
        const list = ok ? entry.converted : entry.remaining;
        if (!list.includes(subject)) {
            list.push(subject);
        }
        injection.set(namespace, entry);
    };
    const originsIn = (namespace: string, origin: string) =>
        builders
            .filter((builder) => builder.namespace === namespace)
            .flatMap((builder) => builder.secrets.filter((secret) => secret.kind === "akv2k8s" && secret.origin === origin).map((secret) => ({ builder, secret })));
    const unconvertedWriters = (namespace: string, origin: string) =>
        resources.filter((resource) => resource.namespace === namespace && resource.secretOutput?.name === origin && !converted.has(resource)).map((resource) => resource.name);

    for (const sourced of workloads) {
        const manifest = sourced.manifest;
        const kind = String(manifest.kind);
        const namespace = namespaceOf(manifest) ?? defaultNamespace;
        const name = nameOf(manifest);
        const subject = `${kind} ${namespace}/${name}`;
        const spec = podTemplateOf(manifest)?.spec as Record<string, unknown> | undefined;
        if (!spec) {
            continue;
        }
        const work: PendingWorkload = { sourced, kind, namespace, name, subject, envEdits: [], envFromEdits: [], volumeEdits: [], containers: new Map(), injected: false, remaining: [] };
        const use = (builder: AppBuilder, container?: string) => {
            const set = work.containers.get(builder) ?? new Set<string>();
            if (container) {
                set.add(container);
            }
            work.containers.set(builder, set);
        };
        const note = (severity: FindingSeverity, code: FindingCode, where: string, message: string, fix: string) => {
            if (severity !== "info") {
                work.remaining.push(where);
            }
            emit(severity, code, subject, where, message, fix, sourced.source);
        };

        const initContainers = (Array.isArray(spec.initContainers) ? spec.initContainers : []) as Array<Record<string, unknown>>;
        initContainers.forEach((container, containerIndex) => {
            const env = (Array.isArray(container.env) ? container.env : []) as Array<Record<string, unknown>>;
            env.forEach((variable) => {
                const where = `initContainers[${containerIndex}] "${String(container.name)}" env "${String(variable.name)}"`;
                if (typeof variable.value === "string" && variable.value.includes(ENV_MARKER)) {
                    work.injected = true;
                    noteInjection(namespace, subject, false);
                    note("unsupported", "ENV_INJECTOR_INIT_CONTAINER", where, `"${variable.value}" is in an init container; init containers are not wired automatically`, "move the value to a synced Secret by hand (secretKeyRef; the Secret exists once a container of the pod mounts the volume), or read it in the main container");
                }
                const ref = isObject(variable.valueFrom) && isObject(variable.valueFrom.secretKeyRef) ? variable.valueFrom.secretKeyRef : undefined;
                if (ref && akv2k8sSecrets.has(`${namespace}/${String(ref.name)}`)) {
                    note("review", "WORKLOAD_REFERENCE_NOT_CONVERTED", `${where}.valueFrom.secretKeyRef`, `still reads akv2k8s Secret "${String(ref.name)}" (init containers are not rewritten)`, "point it at the synced Secret by hand when the workload cuts over");
                }
            });
        });

        const containers = (Array.isArray(spec.containers) ? spec.containers : []) as Array<Record<string, unknown>>;
        containers.forEach((container, containerIndex) => {
            const containerName = String(container.name);
            const env = (Array.isArray(container.env) ? container.env : []) as Array<Record<string, unknown>>;
            env.forEach((variable, envIndex) => {
                const where = `containers[${containerIndex}] "${containerName}" env "${String(variable.name)}"`;
                if (typeof variable.value === "string" && variable.value.includes(ENV_MARKER)) {
                    work.injected = true;
                    const match = ENV_REFERENCE.exec(variable.value);
                    if (!match) {
                        noteInjection(namespace, subject, false);
                        note("unsupported", "ENV_INJECTOR_SYNTAX", where, `"${variable.value}" contains ${ENV_MARKER} but is not <akvs-name>${ENV_MARKER}[?query], so the env injector fails on it`, "fix the value to the documented syntax, then convert again");
                        return;
                    }
                    const [, akvsName, , query] = match;
                    const resource = resources.find((r) => r.namespace === namespace && r.name === akvsName);
                    if (!resource) {
                        noteInjection(namespace, subject, false);
                        note(
                            "unsupported",
                            "ENV_INJECTOR_AKVS_NOT_FOUND",
                            where,
                            rejected.has(`${namespace}/${akvsName}`)
                                ? `references AzureKeyVaultSecret ${namespace}/${akvsName}, which could not be read (see its findings)`
                                : `references AzureKeyVaultSecret ${namespace}/${akvsName}, which is not in the input`,
                            `add it to the input (kubectl get akvs -n ${namespace} ${akvsName} -o yaml) and convert again`,
                        );
                        return;
                    }
                    const mapped = mapEnvReference(resource, query, subject, where, sourced.source);
                    findings.push(...mapped.findings);
                    if (!mapped.object || !mapped.need) {
                        noteInjection(namespace, subject, false);
                        work.remaining.push(where);
                        return;
                    }
                    const builder = builderFor(resource);
                    const object = builder.objectFor(mapped.object);
                    let target: { secret: BuilderSecret; key: string } | undefined;
                    if (mapped.need.kind === "opaque") {
                        const reuse = builder.secrets.find((secret) => secret.type === "Opaque" && secret.data.some((entry) => entry.object === object));
                        if (reuse) {
                            target = { secret: reuse, key: reuse.data.find((entry) => entry.object === object)!.key };
                        } else {
                            let envSecret = builder.secret("env");
                            if (!envSecret) {
                                envSecret = { id: "env", kind: "env", type: "Opaque", data: [] };
                                builder.secrets.push(envSecret);
                            }
                            const key = `${resource.name}${mapped.need.keySuffix}`;
                            if (!envSecret.data.some((entry) => entry.key === key)) {
                                envSecret.data.push({ key, object });
                            }
                            target = { secret: envSecret, key };
                        }
                    } else {
                        const reuse = builder.secrets.find((secret) => secret.type === "kubernetes.io/tls" && secret.data.some((entry) => entry.key === "tls.key" && entry.object === object));
                        let tlsSecret = reuse ?? builder.secret(`env-tls:${resource.name}`);
                        if (!tlsSecret) {
                            tlsSecret = { id: `env-tls:${resource.name}`, kind: "env-tls", akvsName: resource.name, type: "kubernetes.io/tls", data: [{ key: "tls.crt", object }, { key: "tls.key", object }] };
                            builder.secrets.push(tlsSecret);
                        }
                        target = { secret: tlsSecret, key: "tls.key" };
                    }
                    work.envEdits.push({ containerIndex, envIndex, builder, secret: target.secret, key: target.key, reference: false });
                    use(builder, containerName);
                    noteInjection(namespace, subject, true);
                    return;
                }
                const ref = isObject(variable.valueFrom) && isObject(variable.valueFrom.secretKeyRef) ? variable.valueFrom.secretKeyRef : undefined;
                if (ref && akv2k8sSecrets.has(`${namespace}/${String(ref.name)}`)) {
                    const origin = String(ref.name);
                    const key = String(ref.key);
                    const target = originsIn(namespace, origin).find(({ secret }) => secret.data.some((entry) => entry.key === key));
                    if (!target) {
                        note("review", "WORKLOAD_REFERENCE_NOT_CONVERTED", `${where}.valueFrom.secretKeyRef`, `reads key "${key}" of akv2k8s Secret "${origin}", which no converted AKVS writes`, "keep the AKVS that writes it until it is converted by hand; the reference is left as it is");
                        return;
                    }
                    work.envEdits.push({ containerIndex, envIndex, builder: target.builder, secret: target.secret, key, reference: true });
                    use(target.builder, containerName);
                }
            });
            const envFrom = (Array.isArray(container.envFrom) ? container.envFrom : []) as Array<Record<string, unknown>>;
            envFrom.forEach((source, envFromIndex) => {
                const ref = isObject(source.secretRef) ? source.secretRef : undefined;
                if (!ref || !akv2k8sSecrets.has(`${namespace}/${String(ref.name)}`)) {
                    return;
                }
                const origin = String(ref.name);
                const where = `containers[${containerIndex}] "${containerName}" envFrom[${envFromIndex}]`;
                const targets = originsIn(namespace, origin);
                const missing = unconvertedWriters(namespace, origin);
                if (targets.length === 0) {
                    note("review", "WORKLOAD_REFERENCE_NOT_CONVERTED", where, `reads akv2k8s Secret "${origin}", which no converted AKVS writes`, "keep its AKVS until it is converted by hand; the reference is left as it is");
                    return;
                }
                if (missing.length > 0) {
                    note("review", "WORKLOAD_REFERENCE_NOT_CONVERTED", where, `reads all keys of akv2k8s Secret "${origin}", but AKVS ${missing.join(", ")} writing some of them were not converted`, "add those keys by hand before cutting over, or the variables will be missing");
                }
                work.envFromEdits.push({ containerIndex, envFromIndex, targets });
                for (const { builder } of targets) {
                    use(builder, containerName);
                }
            });
        });

        const volumes = (Array.isArray(spec.volumes) ? spec.volumes : []) as Array<Record<string, unknown>>;
        volumes.forEach((volume, volumeIndex) => {
            const secret = isObject(volume.secret) ? volume.secret : undefined;
            if (!secret || !akv2k8sSecrets.has(`${namespace}/${String(secret.secretName)}`)) {
                return;
            }
            const origin = String(secret.secretName);
            const where = `volumes "${String(volume.name)}"`;
            const targets = originsIn(namespace, origin);
            if (targets.length !== 1) {
                note(
                    "review",
                    "WORKLOAD_REFERENCE_NOT_CONVERTED",
                    where,
                    targets.length === 0 ? `mounts akv2k8s Secret "${origin}", which no converted AKVS writes` : `mounts akv2k8s Secret "${origin}", whose keys now come from ${targets.length} synced Secrets (one per vault)`,
                    targets.length === 0 ? "keep its AKVS until it is converted by hand" : "mount the CSI volume's files instead, or a projected volume of the synced Secrets",
                );
                return;
            }
            work.volumeEdits.push({ volumeIndex, builder: targets[0].builder, secret: targets[0].secret });
            use(targets[0].builder);
        });
        const pullSecrets = (Array.isArray(spec.imagePullSecrets) ? spec.imagePullSecrets : []) as Array<Record<string, unknown>>;
        for (const pull of pullSecrets) {
            if (akv2k8sSecrets.has(`${namespace}/${String(pull.name)}`)) {
                note(
                    "review",
                    "WORKLOAD_IMAGE_PULL_SECRET",
                    `imagePullSecrets "${String(pull.name)}"`,
                    "is written by akv2k8s and left as it is: a synced Secret exists only after a pod mounts the volume, so pulling images with it fails for the first pod",
                    "keep this AKVS (or another way to create the pull Secret) until last; remove akv2k8s only when pull Secrets no longer depend on it",
                );
            }
        }
        if (work.envEdits.length + work.envFromEdits.length + work.volumeEdits.length > 0) {
            pending.push(work);
        }
    }

    for (const sourced of ingresses) {
        const namespace = namespaceOf(sourced.manifest) ?? defaultNamespace;
        const spec = isObject(sourced.manifest.spec) ? sourced.manifest.spec : {};
        for (const tls of (Array.isArray(spec.tls) ? spec.tls : []) as Array<Record<string, unknown>>) {
            const origin = String(tls.secretName);
            const targets = originsIn(namespace, origin);
            if (akv2k8sSecrets.has(`${namespace}/${origin}`)) {
                emit(
                    "review",
                    "INGRESS_TLS_REFERENCE",
                    `Ingress ${namespace}/${nameOf(sourced.manifest)}`,
                    `tls secretName "${origin}"`,
                    "is written by akv2k8s; an Ingress is not a pod, so the synced copy exists only while a pod of the app mounts its volume",
                    targets.length > 0 ? `switch it to the synced Secret (see "Secret names") once a workload mounting that app's volume runs, and keep one running` : "keep the AKVS until it is converted by hand",
                    sourced.source,
                );
            }
        }
    }

    // 6. Name the apps: the namespace when it has one app (per identity), else namespace-vault; flags override.
    const usedAppNames = new Set(adopted.map(({ app }) => app.name));
    const usedOverrides = new Set<string>();
    const siblings = (builder: AppBuilder) => builders.filter((b) => b.namespace === builder.namespace && b.azureIdentity === builder.azureIdentity).length;
    builders.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.vault.localeCompare(b.vault) || (a.azureIdentity ?? "").localeCompare(b.azureIdentity ?? ""));
    for (const builder of builders) {
        const alone = siblings(builder) === 1;
        const selectors = [`${builder.namespace}/${builder.vault}`, ...(builders.filter((b) => b.namespace === builder.namespace).length === 1 ? [builder.namespace] : [])];
        const selector = builder.azureIdentity ? undefined : selectors.find((candidate) => options.appNames?.[candidate] !== undefined);
        let base: string;
        if (selector) {
            usedOverrides.add(selector);
            base = options.appNames![selector];
            for (const problem of givenNameProblems("app", base, `--app-name ${selector}`)) {
                emit("error", "APP_NAME_INVALID", "command line", problem.where, problem.message, problem.fix);
            }
            if (usedAppNames.has(base)) {
                emit("error", "APP_NAME_INVALID", "command line", `--app-name ${selector}`, `"${base}" is already the name of another app`, "pick another name");
            }
        } else {
            base = toDnsLabel([builder.namespace, alone ? undefined : builder.vault, builder.azureIdentity].filter(Boolean).join("-"));
        }
        builder.name = uniqueName(base, (name) => usedAppNames.has(name), 63);
        usedAppNames.add(builder.name);
        builder.identity = builder.azureIdentity ? { mode: "workloadIdentity" } : (options.identity ?? { mode: "addon" });
    }
    for (const selector of Object.keys(options.appNames ?? {})) {
        if (!usedOverrides.has(selector)) {
            emit("error", "APP_NAME_OVERRIDE_UNUSED", "command line", `--app-name ${selector}`, "matches no converted app (use NAMESPACE when the namespace has one app, else NAMESPACE/VAULT)", "check the selector against the apps in the report");
        }
    }

    // 7. Name the synced Secrets: never a name akv2k8s (or --existing-secrets) uses.
    const usedSecretNames = new Set([...protectedSecrets, ...adopted.flatMap(({ app }) => app.syncedSecrets.map((s) => `${app.namespace}/${s.secretName}`))]);
    const usedSecretOverrides = new Set<string>();
    const renames: SecretRename[] = [];
    for (const builder of builders) {
        const taken = (name: string) => usedSecretNames.has(`${builder.namespace}/${name}`);
        for (const secret of [...builder.secrets].sort((a, b) => a.id.localeCompare(b.id))) {
            let name: string;
            if (secret.kind === "akv2k8s") {
                const key = `${builder.namespace}/${secret.origin}`;
                const given = options.secretNames?.[key];
                const fallback = uniqueName(`${secret.origin}${suffix}`, taken);
                if (given !== undefined) {
                    usedSecretOverrides.add(key);
                    for (const problem of givenNameProblems("secret", given, `--secret-name ${key}`)) {
                        emit("error", "SECRET_NAME_INVALID", "command line", problem.where, problem.message, problem.fix);
                    }
                    if (taken(given)) {
                        const owner = akv2k8sSecrets.has(`${builder.namespace}/${given}`) ? "akv2k8s writes" : protectedSecrets.has(`${builder.namespace}/${given}`) ? "--existing-secrets lists" : "another synced Secret has";
                        emit(
                            "error",
                            "SECRET_NAME_COLLISION",
                            "command line",
                            `--secret-name ${key}=${given}`,
                            `"${given}" is a Secret ${owner} in ${builder.namespace}: the CSI driver would overwrite it and Kubernetes would delete it with the pods' ReplicaSet`,
                            `use a free name such as "${fallback}" (the default)`,
                        );
                    }
                    name = given;
                } else {
                    name = fallback;
                }
            } else if (secret.kind === "env") {
                name = uniqueName(`${builder.name}-env${suffix}`, taken);
            } else {
                name = uniqueName(`${secret.akvsName}-tls${suffix}`, taken);
            }
            secret.name = name;
            usedSecretNames.add(`${builder.namespace}/${name}`);
            if (secret.kind === "akv2k8s") {
                renames.push({ namespace: builder.namespace, akv2k8sSecret: secret.origin!, csiSecret: name, app: builder.name, vault: builder.vault });
            }
        }
    }
    for (const key of Object.keys(options.secretNames ?? {})) {
        if (!usedSecretOverrides.has(key)) {
            emit("error", "SECRET_NAME_INVALID", "command line", `--secret-name ${key}`, "matches no akv2k8s Secret of a converted AKVS", "use NAMESPACE/AKV2K8S-SECRET=NEW-NAME");
        }
    }
    const byOrigin = new Map<string, SecretRename[]>();
    for (const rename of renames) {
        const key = `${rename.namespace}/${rename.akv2k8sSecret}`;
        byOrigin.set(key, [...(byOrigin.get(key) ?? []), rename]);
    }
    for (const [key, list] of byOrigin) {
        if (list.length > 1) {
            emit(
                "review",
                "AKVS_SECRET_SPLIT_ACROSS_APPS",
                `Secret ${key}`,
                "",
                `gets keys from ${list.length} vaults or identities, and a SecretProviderClass reads one vault with one identity, so it becomes ${list.map((r) => `"${r.csiSecret}" (app ${r.app})`).join(" and ")}`,
                "env references are rewritten per key; check consumers that read the whole Secret (envFrom, volumes)",
            );
        }
    }

    // 8. Assemble and check the apps.
    const applications: VaultApplication[] = [...adopted];
    const builderApps = new Map<AppBuilder, MigratedApplication>();
    for (const builder of builders) {
        const files = builder.files();
        const app: MigratedApplication = {
            name: builder.name,
            namespace: builder.namespace,
            identity: builder.identity,
            objects: builder.objects.map((spec, index) => orderedObject(spec, files[index])),
            syncedSecrets: builder.secrets.map((secret) => ({
                secretName: secret.name!,
                type: secret.type,
                data: secret.data.map((entry) => ({ key: entry.key, objectName: files[entry.object] })),
            })),
        };
        for (const problem of migratedApplicationProblems(app, builder.vault)) {
            emit("error", "APP_INVALID", `app "${app.name}"`, problem.where, `${problem.message} (the program would refuse this app)`, problem.fix);
        }
        builderApps.set(builder, app);
        applications.push({ vault: builder.vault, app });
    }
    applications.sort((a, b) => a.vault.localeCompare(b.vault) || a.app.name.localeCompare(b.app.name));
    // Converted apps never collide (their names were picked around the akv2k8s ones); adopted classes might.
    for (const problem of secretNameCollisionProblems(
        applications.flatMap(({ app }) => app.syncedSecrets.map((secret) => ({ namespace: app.namespace, secretName: secret.secretName, app: app.name }))),
        akv2k8sSecrets,
        suffix,
    )) {
        emit("error", "SECRET_NAME_COLLISION", "stack config", problem.where, problem.message, problem.fix);
    }

    // 9. Patch the workloads.
    const patched: PatchedWorkload[] = [];
    for (const work of pending) {
        const result = patchWorkload(work, builderApps);
        if ("error" in result) {
            emit("unsupported", "WORKLOAD_NOT_PATCHED", work.subject, "", result.error, result.fix, work.sourced.source);
            if (work.injected) {
                noteInjection(work.namespace, work.subject, false);
            }
            continue;
        }
        findings.push(...result.findings.map((f) => ({ ...f, subject: work.subject, source: work.sourced.source })));
        patched.push({ namespace: work.namespace, kind: work.kind, name: work.name, source: work.sourced.source, apps: result.apps, remaining: work.remaining, manifest: result.manifest });
        if (work.injected) {
            emit(
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

    // 10. Namespace labels of the env injector.
    const labelled = new Set(namespaces.filter(({ manifest }) => labelsOf(manifest)[ENV_INJECTION_LABEL] === "enabled").map(({ manifest }) => nameOf(manifest)));
    const namespaceLabels: NamespaceLabelAction[] = [];
    for (const namespace of [...new Set([...injection.keys(), ...labelled])].sort()) {
        const state = injection.get(namespace) ?? { converted: [], remaining: [] };
        const remaining = state.remaining.filter((subject, index, all) => all.indexOf(subject) === index);
        const command = `kubectl label namespace ${namespace} ${ENV_INJECTION_LABEL}-`;
        if (remaining.length === 0) {
            const reason = state.converted.length > 0 ? `every workload given that used ${ENV_MARKER} is converted (${state.converted.join(", ")})` : `no workload given uses ${ENV_MARKER}`;
            namespaceLabels.push({ namespace, action: "remove", command, reason });
            emit("info", "NAMESPACE_LABEL_REMOVE", `Namespace ${namespace}`, `label ${ENV_INJECTION_LABEL}`, `can be removed once the patched workloads run: ${reason}`, `${command} (check first that no other workload in the namespace uses ${ENV_MARKER})`);
        } else {
            const reason = `${remaining.join(", ")} still use${remaining.length === 1 ? "s" : ""} ${ENV_MARKER} values that were not converted`;
            namespaceLabels.push({ namespace, action: "keep", command, reason });
            emit("review", "NAMESPACE_LABEL_KEEP", `Namespace ${namespace}`, `label ${ENV_INJECTION_LABEL}`, `must stay: ${reason}`, `convert those by hand, then ${command}`);
        }
    }

    if (resources.length === 0 && classes.length === 0 && pending.length === 0 && findings.every((f) => f.severity !== "error")) {
        emit("error", "INPUT_NOTHING_TO_CONVERT", "input", "", "contains no AzureKeyVaultSecret, SecretProviderClass or workload to convert", "pass AKVS manifests (kubectl get akvs -A -o yaml), directories of them, or '-' for stdin");
    }

    return {
        applications,
        workloads: patched.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name)),
        secretRenames: renames,
        namespaceLabels,
        findings,
        counts: { azureKeyVaultSecrets: akvsManifests.length, workloads: workloads.length, secretProviderClasses: classes.length, ignored },
    };
}

