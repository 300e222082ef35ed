import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { TOKEN_PREFIX } from "../shared/token";
import { markChecked, wasChecked } from "../shared/checked";
import { Problem, isGuid, throwIfProblems } from "../shared/validation";
import { dns1123LabelErrors, isDnsLabel, isDnsSubdomain, isEnvVarName, mountPathErrors, portNumberErrors } from "../shared/kubernetes";
import { SecretProviderClass } from "../secret-provider-class/component";
import { AzureCloudName, KeyVaultObject, SecretProviderClassSpec, SecretProviderIdentity, SyncMechanism, SyncedSecret } from "../secret-provider-class/types";
import { secretProviderClassProblems } from "../secret-provider-class/validate";
import { syncedSecretProblems } from "../secret-provider-class/synced-secrets";
import { podsMountVolume, renderSecretSync, syncChoiceProblems } from "../secret-provider-class/secret-sync";
import { KeyVaultAccess } from "../key-vault-access/component";
import { AccessScope } from "../key-vault-access/roles";
import { SecretEnvVar, attachKeyVaultSecrets, secretEnvProblems, DEFAULT_MOUNT_PATH } from "./pod";
import { BoundCluster, IdentityBindingAccess, USE_IDENTITY_BINDING_ANNOTATION } from "./identity-binding";

/** Audience of tokens exchanged for Entra tokens by workload identity. */
export const WORKLOAD_IDENTITY_AUDIENCE = "api://AzureADTokenExchange";
/** Annotation read by the Stakater Reloader controller to restart pods when the listed Secrets change. */
export const RELOADER_SECRET_ANNOTATION = "secret.reloader.stakater.com/reload";
/** Annotation that tells the Pulumi Kubernetes provider not to wait for a rollout. */
export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";
/**
 * The ServiceAccount the API server puts in every namespace. An app must not create it: the create fails with
 * AlreadyExists at `pulumi up`, and a stack that owned it would delete it on destroy.
 */
export const NAMESPACE_SERVICE_ACCOUNT = "default";

/** A user-assigned identity this app creates, with least-privilege roles on the vault. */
export interface OwnIdentity {
    /** Resource group of the identity. */
    resourceGroupName: pulumi.Input<string>;
    /** Region of the identity. */
    location: pulumi.Input<string>;
    /** ARM ID of the vault, for the role assignments. */
    vaultId: pulumi.Input<string>;
    /** Role scope: "vault" (default) or "object". */
    accessScope?: AccessScope;
}

/** A federated identity this app creates: user-assigned identity, federated credential, least-privilege roles. */
export interface ManagedWorkloadIdentity extends OwnIdentity {
    /** OIDC issuer URL of the cluster. */
    oidcIssuerUrl: pulumi.Input<string>;
}

/** An identity this app creates and binds to the cluster (AKS makes its federated credential), with its roles. */
export interface ManagedIdentityBinding extends OwnIdentity {
    /** The cluster to bind the identity to. */
    cluster: Omit<BoundCluster, "identityResourceId">;
}

/**
 * How the app's pods authenticate to Key Vault.
 * - `addon`: the cluster's addon identity (shared by all apps; its roles are granted once per vault).
 * - `workloadIdentity` with `clientId`: an existing federated identity.
 * - `workloadIdentity` with `managed`: this component creates the identity, its federated credential and its roles.
 * - `identityBinding` (AKS preview) with `clientId`: an identity already bound to the cluster; with `managed`: this
 *   component creates the identity, its roles and its binding. Either way it creates the RBAC that lets the
 *   ServiceAccount use the identity.
 * - `servicePrincipal`: credentials in a Kubernetes Secret (`nodePublishSecretRef`); a last resort.
 */
export type AppIdentity =
    | { mode: "addon"; clientId: pulumi.Input<string> }
    | { mode: "workloadIdentity"; clientId: pulumi.Input<string>; managed?: undefined }
    | { mode: "workloadIdentity"; managed: ManagedWorkloadIdentity; clientId?: undefined }
    | { mode: "identityBinding"; clientId: pulumi.Input<string>; managed?: undefined }
    | { mode: "identityBinding"; managed: ManagedIdentityBinding; clientId?: undefined }
    | { mode: "servicePrincipal"; nodePublishSecretRef: string };

/** The app's Deployment. */
export interface AppDeployment {
    /** Container image. */
    image: pulumi.Input<string>;
    /** Replicas; default 1. */
    replicas?: number;
    /** Container name; default the app name. */
    containerName?: string;
    /** Container ports. */
    ports?: number[];
    /** Command override. */
    command?: string[];
    /** Arguments. */
    args?: string[];
    /** Plain (non-secret) env vars. */
    env?: Record<string, string>;
    /** Resource requests and limits. */
    resources?: k8s.types.input.core.v1.ResourceRequirements;
    /** Don't wait for the rollout (for clusters without a controller manager, such as the local test stack). */
    skipAwait?: boolean;
}

/** Inputs of one application. */
export interface AppWorkloadArgs {
    /** Namespace of every Kubernetes object of the app. */
    namespace: string;
    /** Create the namespace; default false (platform teams usually own namespaces). */
    createNamespace?: boolean;
    /** Service account name; default the app name. Not "default" when the app creates it (every namespace has one). */
    serviceAccountName?: string;
    /**
     * Create the ServiceAccount; default true. False: the pods use `serviceAccountName` as declared elsewhere (by
     * another app sharing it, by you, or the namespace's own "default"); pass a resource you declare in `dependsOn`
     * so the pods wait for it.
     */
    createServiceAccount?: boolean;
    /** The vault the app reads. */
    keyVault: { name: pulumi.Input<string>; tenantId: pulumi.Input<string> };
    /** How pods authenticate. */
    identity: AppIdentity;
    /** Key Vault objects mounted as files under `mountPath`. */
    objects: KeyVaultObject[];
    /** Kubernetes Secrets synced from Key Vault objects (their files), by the mechanism `syncMechanism` names. */
    syncedSecrets?: SyncedSecret[];
    /**
     * Who keeps `syncedSecrets`: `secretObjects` (default) the CSI driver, from the class's `secretObjects`, only while
     * pods mount the volume; `secretSync` the secrets-store-sync-controller, one SecretSync per Secret and a class
     * without `secretObjects` (experimental, not an AKS addon: install the controller yourself).
     */
    syncMechanism?: SyncMechanism;
    /**
     * With `secretSync`, mount the CSI volume in the pods too, for apps that read files; default false (env vars
     * only, no mount). With `secretObjects` pods always mount it, so false is an error.
     */
    mountFiles?: boolean;
    /** Env vars from synced Secrets. */
    env?: SecretEnvVar[];
    /** Where files appear; default "/mnt/secrets-store". */
    mountPath?: string;
    /** Sovereign cloud. */
    cloudName?: AzureCloudName;
    /** The Deployment; omit to create only the ServiceAccount and SecretProviderClass (use `attachKeyVaultSecrets` in your own pods). */
    deployment?: AppDeployment;
    /**
     * Restart pods when a synced Secret changes, through the Stakater Reloader annotation (install Reloader in
     * the cluster). Env vars never change in running pods otherwise; mounted files do with rotation on.
     */
    restartOnSecretChange?: boolean;
}

/** The SecretProviderClass identity for an app identity (and the managed identity's client ID, when created). */
export function providerIdentity(identity: AppIdentity, managedClientId?: pulumi.Input<string>): SecretProviderIdentity {
    switch (identity.mode) {
        case "addon":
            return { mode: "managedIdentity", userAssignedIdentityID: identity.clientId };
        case "workloadIdentity":
        case "identityBinding":
            if (identity.managed === undefined) {
                return { mode: identity.mode, clientID: identity.clientId };
            }
            if (managedClientId === undefined) {
                throw new Error("providerIdentity: an identity the app creates has a client ID only once it exists; pass that Output as managedClientId");
            }
            return { mode: identity.mode, clientID: managedClientId };
        case "servicePrincipal":
            return { mode: "servicePrincipal", nodePublishSecretRef: identity.nodePublishSecretRef };
    }
}

/** Every problem with an app's arguments, each naming the app. */
export function appWorkloadProblems(app: string, args: AppWorkloadArgs): Problem[] {
    const problems: Problem[] = [];
    if (!isDnsLabel(app)) {
        problems.push({ where: "name", message: `"${app}" is not a valid app name`, fix: "use lower-case letters, digits and '-', at most 63 characters" });
    }
    if (!isDnsLabel(args.namespace ?? "")) {
        problems.push({ where: "namespace", message: `"${args.namespace ?? ""}" is not a valid namespace`, fix: "use lower-case letters, digits and '-'" });
    }
    if (args.serviceAccountName !== undefined && !isDnsSubdomain(args.serviceAccountName)) {
        problems.push({ where: "serviceAccountName", message: `"${args.serviceAccountName}" is not a valid name`, fix: "use lower-case letters, digits, '-' and '.'" });
    }
    if (args.createServiceAccount !== false && (args.serviceAccountName ?? app) === NAMESPACE_SERVICE_ACCOUNT) {
        problems.push({
            where: args.serviceAccountName === undefined ? "name" : "serviceAccountName",
            message: `would create ServiceAccount "${NAMESPACE_SERVICE_ACCOUNT}"${args.serviceAccountName === undefined ? " (the app name is its ServiceAccount's name)" : ""}, which the API server already keeps in every namespace: \`pulumi up\` fails with AlreadyExists`,
            fix: `set serviceAccountName to a name of the app's own`,
        });
    }
    const identity = args.identity;
    const modes = ["addon", "workloadIdentity", "identityBinding", "servicePrincipal"];
    let identityUsable = true;
    if (!identity || !modes.includes(identity.mode)) {
        identityUsable = false;
        problems.push({ where: "identity.mode", message: `"${(identity as { mode?: string })?.mode ?? ""}" is not an identity mode`, fix: `use one of ${modes.join(", ")}` });
    } else if ((identity.mode === "workloadIdentity" || identity.mode === "identityBinding") && (identity.clientId === undefined) === (identity.managed === undefined)) {
        identityUsable = false;
        problems.push({
            where: "identity",
            message: `${identity.mode === "workloadIdentity" ? "workload identity" : "identity binding"} needs exactly one of clientId (existing identity) or managed (create one)`,
            fix: "set one of them",
        });
    } else if (identity.mode === "addon" && typeof identity.clientId === "string" && !isGuid(identity.clientId)) {
        identityUsable = false;
        problems.push({ where: "identity.clientId", message: `"${identity.clientId}" is not a GUID`, fix: "use the addon identity's clientId (az aks show --query addonProfiles.azureKeyvaultSecretsProvider.identity.clientId)" });
    }
    if (identityUsable) {
        // A managed identity's client ID is unknown until it exists; an Output stands for it.
        problems.push(...secretProviderClassProblems(appSecretProviderClassSpec(args, pulumi.output("pending"))));
    }
    problems.push(...syncChoiceProblems({ ...args, identityMode: identity?.mode ?? "", syncedSecrets: args.syncedSecrets ?? [] }));
    if (args.syncMechanism === "secretSync") {
        problems.push(...syncedSecretProblems(args.syncedSecrets ?? [], args.objects ?? [], "secretSync"));
    }
    problems.push(...secretEnvProblems(args.env ?? [], args.syncedSecrets ?? []));
    if (args.deployment && !args.deployment.image) {
        problems.push({ where: "deployment.image", message: "is missing", fix: "set the container image" });
    }
    if (args.deployment) {
        problems.push(...deploymentProblems(app, args.deployment, args.env ?? []));
    }
    const mountPathErrorList = mountPathErrors(args.mountPath ?? DEFAULT_MOUNT_PATH);
    if (mountPathErrorList.length > 0) {
        problems.push({ where: "mountPath", message: `"${args.mountPath}" ${mountPathErrorList.join("; ")}`, fix: `use an absolute directory such as "${DEFAULT_MOUNT_PATH}", or omit mountPath` });
    }
    if (args.deployment?.replicas !== undefined && (!Number.isInteger(args.deployment.replicas) || args.deployment.replicas < 0)) {
        problems.push({ where: "deployment.replicas", message: `${args.deployment.replicas} is not a replica count`, fix: "use a whole number >= 0" });
    }
    if ((args.env ?? []).length > 0 && !args.deployment) {
        problems.push({ where: "env", message: "is set but the app has no deployment to put it in", fix: "add a deployment, or wire your own pods with attachKeyVaultSecrets" });
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
            problems.push({ where: `deployment.ports[${index}]`, message: `${port} ${errors.join("; ")}`, fix: "use the port the container listens on, from 1 to 65535" });
        }
    });
    for (const name of Object.keys(deployment.env ?? {})) {
        if (!isEnvVarName(name)) {
            problems.push({ where: `deployment.env["${name}"]`, message: `"${name}" is not a valid variable name`, fix: "use letters, digits and '_', not starting with a digit" });
        }
        if (secretEnv.some((variable) => variable.name === name)) {
            problems.push({ where: `deployment.env["${name}"]`, message: "is also set from a synced Secret in env", fix: "keep one of the two" });
        }
    }
    return problems;
}

/** The SecretProviderClass spec of an app. */
export function appSecretProviderClassSpec(args: AppWorkloadArgs, managedClientId?: pulumi.Input<string>): SecretProviderClassSpec {
    return {
        keyvaultName: args.keyVault.name,
        tenantID: args.keyVault.tenantId,
        identity: providerIdentity(args.identity, managedClientId),
        objects: args.objects,
        secretObjects: args.syncMechanism === "secretSync" ? undefined : args.syncedSecrets,
        cloudName: args.cloudName,
    };
}

/**
 * Resource names of the Namespace and ServiceAccount children: named after the Kubernetes object, not the app, so
 * the object keeps its URN when another app sharing it takes over declaring it (a URN has the parents' types,
 * not their names). The old per-app names are aliases, so stacks made before keep their objects.
 */
export function namespaceResourceName(namespace: string): string {
    return `namespace/${namespace}`;
}

export function serviceAccountResourceName(namespace: string, serviceAccountName: string): string {
    return `serviceaccount/${namespace}/${serviceAccountName}`;
}

/**
 * One application: ServiceAccount, SecretProviderClass and a Deployment whose pods mount the CSI volume (so the
 * driver syncs the Secrets) and read env vars from synced Secrets; with `syncMechanism: secretSync`, one SecretSync
 * per Secret instead, and pods that mount the volume only for files (`mountFiles`). With a managed workload identity it also
 * creates the Azure identity, its federated credential and least-privilege Key Vault roles. Its Kubernetes objects
 * wait for the component's `dependsOn` too (e.g. a namespace or ServiceAccount another app declares).
 */
export class AppWorkload extends pulumi.ComponentResource {
    /** Name of the SecretProviderClass. */
    public readonly secretProviderClassName: pulumi.Output<string>;
    /** Name of the ServiceAccount. */
    public readonly serviceAccountName: pulumi.Output<string>;
    /** Client ID the pods authenticate as (undefined for service-principal mode). */
    public readonly clientId: pulumi.Output<string | undefined>;
    /** Name of the Deployment, when one is created. */
    public readonly deploymentName: pulumi.Output<string | undefined>;
    /** Names of the synced Secrets (kept by the driver, or by the app's SecretSync objects). */
    public readonly syncedSecretNames: string[];
    /** The Namespace, when this app creates it. */
    public readonly namespaceResource?: k8s.core.v1.Namespace;
    /** The ServiceAccount, when this app creates it. */
    public readonly serviceAccountResource?: k8s.core.v1.ServiceAccount;

    constructor(name: string, args: AppWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${TOKEN_PREFIX}:index:AppWorkload`, name, {}, opts);
        if (!wasChecked(args)) {
            throwIfProblems(`app "${name}"`, appWorkloadProblems(name, args), this);
        }
        const serviceAccountName = args.serviceAccountName ?? name;
        const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/managed-by": "pulumi" };

        const waitFor = pulumi.output(opts?.dependsOn ?? []).apply((dependsOn) => (Array.isArray(dependsOn) ? dependsOn : [dependsOn]));
        const namespace = args.createNamespace
            ? new k8s.core.v1.Namespace(
                  namespaceResourceName(args.namespace),
                  { metadata: { name: args.namespace, labels } },
                  { parent: this, dependsOn: waitFor, aliases: [{ name: `${name}-ns` }] },
              )
            : undefined;
        const childDependsOn = namespace ? waitFor.apply((resources) => [...resources, namespace]) : waitFor;
        const childOpts: pulumi.CustomResourceOptions = { parent: this, dependsOn: childDependsOn };

        const identity = args.identity;
        const ownsIdentity = identity.mode === "workloadIdentity" || identity.mode === "identityBinding";
        const created = ownsIdentity && identity.managed ? this.createManagedIdentity(name, args, identity, serviceAccountName) : undefined;
        const workloadClientId = !ownsIdentity ? undefined : created ? created.clientId : identity.clientId;
        // Identity binding: the RBAC that lets the ServiceAccount use the identity (and, for an identity the app
        // creates, the binding itself); the class waits for it as for the roles.
        const bindingAccess =
            identity.mode === "identityBinding" && workloadClientId !== undefined
                ? new IdentityBindingAccess(
                      `${name}-identity-binding`,
                      {
                          clientId: workloadClientId,
                          namespace: args.namespace,
                          serviceAccountName,
                          app: name,
                          bind: identity.managed && created ? { ...identity.managed.cluster, identityResourceId: created.resourceId } : undefined,
                          labels,
                      },
                      { parent: this },
                  )
                : undefined;
        const grants = [...(created?.grants ?? []), ...(bindingAccess ? [bindingAccess] : [])];

        const serviceAccount =
            args.createServiceAccount === false
                ? undefined
                : new k8s.core.v1.ServiceAccount(
                      serviceAccountResourceName(args.namespace, serviceAccountName),
                      {
                          metadata: {
                              name: serviceAccountName,
                              namespace: args.namespace,
                              labels,
                              annotations:
                                  workloadClientId !== undefined
                                      ? { "azure.workload.identity/client-id": workloadClientId, "azure.workload.identity/tenant-id": args.keyVault.tenantId }
                                      : undefined,
                          },
                      },
                      { ...childOpts, aliases: [{ name: `${name}-sa` }] },
                  );

        // Checked with the app's problems above; the class still checks its values that are unknown until they resolve.
        const secretProviderClass = new SecretProviderClass(
            `${name}-spc`,
            markChecked({ namespace: args.namespace, className: name, labels, ...appSecretProviderClassSpec(args, workloadClientId) }),
            grants.length > 0 ? { parent: this, dependsOn: childDependsOn.apply((resources) => [...resources, ...grants]) } : childOpts,
        );
        this.syncedSecretNames = (args.syncedSecrets ?? []).map((secret) => secret.secretName);
        const serviceAccountRef = serviceAccount ? serviceAccount.metadata.name : pulumi.output(serviceAccountName);
        // Referencing the class's and the ServiceAccount's names orders each SecretSync after both.
        const secretSyncs =
            args.syncMechanism === "secretSync"
                ? (args.syncedSecrets ?? []).map(
                      (secret) =>
                          new k8s.apiextensions.CustomResource(
                              `${name}-secretsync-${secret.secretName}`,
                              renderSecretSync(secret, { namespace: args.namespace, secretProviderClassName: secretProviderClass.className, serviceAccountName: serviceAccountRef, labels }),
                              childOpts,
                          ),
                  )
                : [];

        let deploymentName: pulumi.Output<string | undefined> = pulumi.output(undefined);
        if (args.deployment) {
            // Referencing the ServiceAccount's and the class's names orders the Deployment after both.
            // Pods that read a SecretSync's Secret start after the SecretSync exists (the controller then creates the Secret).
            const deployment = this.createDeployment(name, args, args.deployment, {
                labels,
                serviceAccountName: serviceAccountRef,
                workloadIdentity: ownsIdentity,
                identityBinding: identity.mode === "identityBinding",
                secretProviderClassName: secretProviderClass.className,
                childOpts: secretSyncs.length > 0 ? { ...childOpts, dependsOn: childDependsOn.apply((resources) => [...resources, ...secretSyncs]) } : childOpts,
            });
            deploymentName = deployment.metadata.name;
        }

        this.secretProviderClassName = secretProviderClass.className;
        this.serviceAccountName = serviceAccountRef;
        this.namespaceResource = namespace;
        this.serviceAccountResource = serviceAccount;
        this.clientId = pulumi.output(identity.mode === "addon" ? identity.clientId : workloadClientId);
        this.deploymentName = deploymentName;
        this.registerOutputs({
            secretProviderClassName: this.secretProviderClassName,
            serviceAccountName: this.serviceAccountName,
            clientId: this.clientId,
            deploymentName: this.deploymentName,
        });
    }

    /**
     * The app's own identity, its federated credential (workload identity only: for identity binding AKS makes it)
     * and its roles. Returns its client ID, its resource ID and the resources the class waits for, so that switching
     * an app to its own identity changes the class (and restarts its pods) only once the identity can be used.
     */
    private createManagedIdentity(
        name: string,
        args: AppWorkloadArgs,
        identity: { mode: "workloadIdentity"; managed: ManagedWorkloadIdentity } | { mode: "identityBinding"; managed: ManagedIdentityBinding },
        serviceAccountName: string,
    ): { clientId: pulumi.Output<string>; resourceId: pulumi.Output<string>; grants: pulumi.Resource[] } {
        const managed = identity.managed;
        const userAssignedIdentity = new managedidentity.UserAssignedIdentity(
            `${name}-identity`,
            { resourceGroupName: managed.resourceGroupName, location: managed.location },
            { parent: this },
        );
        const federation =
            identity.mode === "workloadIdentity"
                ? new managedidentity.FederatedIdentityCredential(
                      `${name}-federation`,
                      {
                          resourceGroupName: managed.resourceGroupName,
                          resourceName: userAssignedIdentity.name,
                          issuer: identity.managed.oidcIssuerUrl,
                          subject: workloadIdentitySubject(args.namespace, serviceAccountName),
                          audiences: [WORKLOAD_IDENTITY_AUDIENCE],
                      },
                      { parent: this },
                  )
                : undefined;
        const access = new KeyVaultAccess(
            `${name}-access`,
            {
                vaultId: managed.vaultId,
                principalId: userAssignedIdentity.principalId,
                principalType: "ServicePrincipal",
                objects: args.objects,
                scope: managed.accessScope ?? "vault",
                description: `Key Vault read access for app ${name} (managed by Pulumi)`,
            },
            { parent: this },
        );
        return { clientId: userAssignedIdentity.clientId, resourceId: userAssignedIdentity.id, grants: federation ? [federation, access] : [access] };
    }

    private createDeployment(
        name: string,
        args: AppWorkloadArgs,
        deployment: AppDeployment,
        wiring: {
            labels: Record<string, string>;
            serviceAccountName: pulumi.Output<string>;
            workloadIdentity: boolean;
            identityBinding: boolean;
            secretProviderClassName: pulumi.Output<string>;
            childOpts: pulumi.CustomResourceOptions;
        },
    ): k8s.apps.v1.Deployment {
        const podTemplate = attachKeyVaultSecrets(
            {
                metadata: {
                    labels: { ...wiring.labels, ...(wiring.workloadIdentity ? { "azure.workload.identity/use": "true" } : {}) },
                    ...(wiring.identityBinding ? { annotations: { [USE_IDENTITY_BINDING_ANNOTATION]: "true" } } : {}),
                },
                spec: {
                    serviceAccountName: wiring.serviceAccountName,
                    containers: [
                        {
                            name: deployment.containerName ?? name,
                            image: deployment.image,
                            command: deployment.command,
                            args: deployment.args,
                            ports: deployment.ports?.map((containerPort) => ({ containerPort })),
                            env: Object.entries(deployment.env ?? {})
                                .sort(([a], [b]) => a.localeCompare(b))
                                .map(([envName, value]) => ({ name: envName, value })),
                            resources: deployment.resources,
                        },
                    ],
                },
            },
            {
                secretProviderClassName: wiring.secretProviderClassName,
                mountPath: args.mountPath ?? DEFAULT_MOUNT_PATH,
                env: args.env,
                nodePublishSecretRef: args.identity.mode === "servicePrincipal" ? args.identity.nodePublishSecretRef : undefined,
                mountVolume: podsMountVolume(args),
            },
        );
        const annotations: Record<string, string> = {
            ...(args.restartOnSecretChange && this.syncedSecretNames.length > 0 ? { [RELOADER_SECRET_ANNOTATION]: this.syncedSecretNames.join(",") } : {}),
            ...(deployment.skipAwait ? { [SKIP_AWAIT_ANNOTATION]: "true" } : {}),
        };
        return new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: {
                    name,
                    namespace: args.namespace,
                    labels: wiring.labels,
                    annotations: Object.keys(annotations).length > 0 ? annotations : undefined,
                },
                spec: {
                    replicas: deployment.replicas ?? 1,
                    selector: { matchLabels: { "app.kubernetes.io/name": name } },
                    template: podTemplate,
                },
            },
            wiring.childOpts,
        );
    }
}

/** The federated credential subject of a service account. */
export function workloadIdentitySubject(namespace: string, serviceAccountName: string): string {
    return `system:serviceaccount:${namespace}:${serviceAccountName}`;
}
