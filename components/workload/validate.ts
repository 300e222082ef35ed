import * as pulumi from "@pulumi/pulumi";
import { Problem, isGuid } from "../shared/validation";
import { dns1123LabelErrors, isDnsLabel, isDnsSubdomain, isEnvVarName, mountPathErrors, portNumberErrors } from "../shared/kubernetes";
import { secretProviderClassProblems } from "../secret-provider-class/validate";
import { syncedSecretProblems } from "../secret-provider-class/synced-secrets";
import { syncChoiceProblems } from "../secret-provider-class/secret-sync";
import { InputPaths } from "../secret-provider-class/input-paths";
import { DEFAULT_MOUNT_PATH, SecretEnvVar, secretEnvProblems } from "./pod";
import { APP_IDENTITY_MODES, AppDeployment, AppWorkloadArgs, NAMESPACE_SERVICE_ACCOUNT } from "./types";
import { AppVault, appSecretProviderClassSpec, appVaults } from "./render";

/**
 * The AppWorkloadArgs paths of what the class's checks find in the spec the app renders (render.ts), so the app's
 * problems name its own inputs.
 */
function appInputPaths(vault: AppVault): InputPaths {
    const prefix = vault.inputPrefix;
    return {
        keyvaultName: prefix ? `${prefix}name` : "keyVault.name",
        tenantID: prefix ? `${prefix}tenantId` : "keyVault.tenantId",
        clientID: "identity.clientId",
        userAssignedIdentityID: "identity.clientId",
        object: (_, index) => `${prefix}objects[${index}]`,
        syncedSecrets: `${prefix}syncedSecrets`,
        syncedSecret: (_, index) => `${prefix}syncedSecrets[${index}]`,
        // Said of a name declared more than once: its last declaration, the one to merge or remove.
        repeatedSyncedSecret: (name) =>
            `${prefix}syncedSecrets[${Math.max(0, vault.syncedSecrets.map((secret) => secret.secretName).lastIndexOf(name))}]`,
    };
}

/** True when `inner` is `outer` or lies inside it, as directories. */
function isWithin(inner: string, outer: string): boolean {
    const trimmed = (path: string) => path.replace(/\/+$/, "");
    return trimmed(inner) === trimmed(outer) || trimmed(inner).startsWith(`${trimmed(outer)}/`);
}

/**
 * Problems of an app with several vaults: names that would collide (classes, volumes, folders), a folder inside
 * another vault's read-only mount, a Secret synced from two vaults, an identity the app creates without a vault's ID.
 */
export function additionalVaultProblems(args: AppWorkloadArgs, vaults: AppVault[] = appVaults(args)): Problem[] {
    const additional = args.additionalVaults ?? [];
    if (additional.length === 0) {
        return [];
    }
    const problems: Problem[] = [];
    if (typeof args.keyVault.name !== "string") {
        problems.push({
            where: "keyVault.name",
            message: "is an Output, but with additionalVaults it names the folder of its files (`<mountPath>/<name>`)",
            fix: "pass the vault's name as a string",
        });
    }
    const names = [
        typeof args.keyVault.name === "string" ? args.keyVault.name.toLowerCase() : undefined,
        ...additional.map((vault) => vault.name.toLowerCase()),
    ];
    additional.forEach((vault, index) => {
        const where = `additionalVaults[${index}]`;
        if (names.indexOf(vault.name.toLowerCase()) <= index) {
            problems.push({
                where: `${where}.name`,
                message: `"${vault.name}" is ${names.indexOf(vault.name.toLowerCase()) === 0 ? "keyVault itself" : "another of additionalVaults"} (Key Vault names ignore case)`,
                fix: "list each vault once, its objects together",
            });
        }
        const identity = args.identity;
        const createsIdentity =
            (identity?.mode === "workloadIdentity" || identity?.mode === "identityBinding") && identity.managed !== undefined;
        if (createsIdentity && vault.id === undefined) {
            problems.push({
                where: `${where}.id`,
                message: "is missing, but the app creates its identity, whose roles are granted on each vault it reads",
                fix: "set the vault's resource ID, or give identity.clientId of an identity that holds its roles",
            });
        }
        const errors = mountPathErrors(vault.mountPath ?? "/");
        if (errors.length > 0) {
            problems.push({
                where: `${where}.mountPath`,
                message: `"${vault.mountPath}" ${errors.join("; ")}`,
                fix: "use an absolute directory, or omit it",
            });
        }
    });
    const vaultName = (position: number) => (position === 0 ? "keyVault" : vaults[position].inputPrefix.slice(0, -1));
    vaults.forEach((vault, index) => {
        const other = vaults.findIndex(
            (candidate, position) =>
                position < index && (isWithin(vault.mountPath, candidate.mountPath) || isWithin(candidate.mountPath, vault.mountPath)),
        );
        if (other !== -1) {
            problems.push({
                where: `${vault.inputPrefix}mountPath`,
                message: `puts this vault's files at ${vault.mountPath}, which overlaps the read-only mount of ${vaultName(other)} at ${vaults[other].mountPath}: a vault's mount point cannot be made inside another's, nor share it`,
                fix: "give each vault a folder of its own, side by side",
            });
        }
    });
    const syncedBy = new Map<string, number>();
    vaults.forEach((vault, index) =>
        vault.syncedSecrets.forEach((secret, position) => {
            const first = syncedBy.get(secret.secretName);
            if (first === undefined) {
                syncedBy.set(secret.secretName, index);
            } else if (first !== index) {
                problems.push({
                    where: `${vault.inputPrefix}syncedSecrets[${position}].secretName`,
                    message: `"${secret.secretName}" is also synced from ${vaultName(first)}; the two classes would overwrite each other's Secret`,
                    fix: "give each Secret one vault: rename one of them",
                });
            }
        }),
    );
    return problems;
}

/** Every problem with an app's arguments, each at its AppWorkloadArgs path. */
export function appWorkloadProblems(app: string, args: AppWorkloadArgs): Problem[] {
    const problems: Problem[] = [];
    if (!isDnsLabel(app)) {
        problems.push({
            where: "name",
            message: `"${app}" is not a valid app name`,
            fix: "use lower-case letters, digits and '-', at most 63 characters",
        });
    }
    if (!isDnsLabel(args.namespace ?? "")) {
        problems.push({
            where: "namespace",
            message: `"${args.namespace ?? ""}" is not a valid namespace`,
            fix: "use lower-case letters, digits and '-'",
        });
    }
    if (args.serviceAccountName !== undefined && !isDnsSubdomain(args.serviceAccountName)) {
        problems.push({
            where: "serviceAccountName",
            message: `"${args.serviceAccountName}" is not a valid name`,
            fix: "use lower-case letters, digits, '-' and '.'",
        });
    }
    if (args.createServiceAccount !== false && (args.serviceAccountName ?? app) === NAMESPACE_SERVICE_ACCOUNT) {
        problems.push({
            where: args.serviceAccountName === undefined ? "name" : "serviceAccountName",
            message: `would create ServiceAccount "${NAMESPACE_SERVICE_ACCOUNT}"${args.serviceAccountName === undefined ? " (the app name is its ServiceAccount's name)" : ""}, which the API server already keeps in every namespace: \`pulumi up\` fails with AlreadyExists`,
            fix: `set serviceAccountName to a name of the app's own`,
        });
    }
    const identity = args.identity;
    let identityUsable = true;
    if (!identity || !(APP_IDENTITY_MODES as readonly string[]).includes(identity.mode)) {
        identityUsable = false;
        problems.push({
            where: "identity.mode",
            message: `"${(identity as { mode?: string })?.mode ?? ""}" is not an identity mode`,
            fix: `use one of ${APP_IDENTITY_MODES.join(", ")}`,
        });
    } else if (
        (identity.mode === "workloadIdentity" || identity.mode === "identityBinding") &&
        (identity.clientId === undefined) === (identity.managed === undefined)
    ) {
        identityUsable = false;
        problems.push({
            where: "identity",
            message: `${identity.mode === "workloadIdentity" ? "workload identity" : "identity binding"} needs exactly one of clientId (existing identity) or managed (create one)`,
            fix: "set one of them",
        });
    } else if (identity.mode === "addon" && typeof identity.clientId === "string" && !isGuid(identity.clientId)) {
        identityUsable = false;
        problems.push({
            where: "identity.clientId",
            message: `"${identity.clientId}" is not a GUID`,
            fix: "use the addon identity's clientId (az aks show --query addonProfiles.azureKeyvaultSecretsProvider.identity.clientId)",
        });
    }
    const vaults = appVaults(args);
    const allSyncedSecrets = vaults.flatMap((vault) => vault.syncedSecrets);
    if (identityUsable) {
        // A managed identity's client ID is unknown until it exists; an Output stands for it.
        for (const vault of vaults) {
            const found = secretProviderClassProblems(
                appSecretProviderClassSpec(args, pulumi.output("pending"), vault),
                appInputPaths(vault),
            );
            // The object-set checks say `objects`; what every class shares (identity, cloud) is said once, of the first.
            const ofThisVault = found.map((problem) =>
                problem.where.startsWith("objects") ? { ...problem, where: `${vault.inputPrefix}${problem.where}` } : problem,
            );
            problems.push(
                ...(vault.inputPrefix ? ofThisVault.filter((problem) => problem.where.startsWith(vault.inputPrefix)) : ofThisVault),
            );
        }
    }
    problems.push(...additionalVaultProblems(args, vaults));
    problems.push(...syncChoiceProblems({ ...args, identityMode: identity?.mode ?? "", syncedSecrets: allSyncedSecrets }));
    if (args.syncMechanism === "secretSync") {
        for (const vault of vaults) {
            problems.push(...syncedSecretProblems(vault.syncedSecrets, vault.objects ?? [], "secretSync", appInputPaths(vault)));
        }
    }
    problems.push(...secretEnvProblems(args.env ?? [], allSyncedSecrets));
    if (args.deployment && !args.deployment.image) {
        problems.push({ where: "deployment.image", message: "is missing", fix: "set the container image" });
    }
    if (args.deployment) {
        problems.push(...deploymentProblems(app, args.deployment, args.env ?? []));
    }
    const mountPathErrorList = mountPathErrors(args.mountPath ?? DEFAULT_MOUNT_PATH);
    if (mountPathErrorList.length > 0) {
        problems.push({
            where: "mountPath",
            message: `"${args.mountPath}" ${mountPathErrorList.join("; ")}`,
            fix: `use an absolute directory such as "${DEFAULT_MOUNT_PATH}", or omit mountPath`,
        });
    }
    if (args.deployment?.replicas !== undefined && (!Number.isInteger(args.deployment.replicas) || args.deployment.replicas < 0)) {
        problems.push({
            where: "deployment.replicas",
            message: `${args.deployment.replicas} is not a replica count`,
            fix: "use a whole number >= 0",
        });
    }
    if ((args.env ?? []).length > 0 && !args.deployment) {
        problems.push({
            where: "env",
            message: "is set but the app has no deployment to put it in",
            fix: "add a deployment, or wire your own pods with attachKeyVaultSecrets",
        });
    }
    return problems;
}

/** Problems the API server would find in the app's Deployment: container name, ports, plain env names. */
export function deploymentProblems(app: string, deployment: AppDeployment, secretEnv: SecretEnvVar[]): Problem[] {
    const problems: Problem[] = [];
    const containerName = deployment.containerName ?? app;
    const nameErrors = dns1123LabelErrors(containerName);
    if (nameErrors.length > 0) {
        problems.push({
            where: deployment.containerName === undefined ? "name" : "deployment.containerName",
            message: `container name "${containerName}" ${nameErrors.join("; ")}`,
            fix: "use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit",
        });
    }
    (deployment.ports ?? []).forEach((port, index) => {
        const errors = portNumberErrors(port);
        if (errors.length > 0) {
            problems.push({
                where: `deployment.ports[${index}]`,
                message: `${port} ${errors.join("; ")}`,
                fix: "use the port the container listens on, from 1 to 65535",
            });
        }
    });
    for (const name of Object.keys(deployment.env ?? {})) {
        if (!isEnvVarName(name)) {
            problems.push({
                where: `deployment.env["${name}"]`,
                message: `"${name}" is not a valid variable name`,
                fix: "use letters, digits and '_', not starting with a digit",
            });
        }
        if (secretEnv.some((variable) => variable.name === name)) {
            problems.push({
                where: `deployment.env["${name}"]`,
                message: "is also set from a synced Secret in env",
                fix: "keep one of the two",
            });
        }
    }
    return problems;
}
