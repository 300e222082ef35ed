import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { TOKEN_PREFIX } from "../shared/token";
import { throwIfProblems } from "../shared/validation";
import { SecretProviderClass } from "../secret-provider-class/component";
import { podsMountVolume, renderSecretSync } from "../secret-provider-class/secret-sync";
import { attachKeyVaultSecrets } from "./pod";
import { IdentityBindingAccess, USE_IDENTITY_BINDING_ANNOTATION } from "./identity-binding";
import {
    AppDeployment,
    AppWorkloadArgs,
    DEFAULT_REPLICAS,
    RELOADER_SECRET_ANNOTATION,
    SKIP_AWAIT_ANNOTATION,
    WORKLOAD_IDENTITY_USE_LABEL,
} from "./types";
import { loadAzureIdentity } from "./azure-loader";
import { AppVault, appSecretProviderClassSpec, appVaults, vaultVolumeName, workloadIdentitySubject } from "./render";
import { appWorkloadProblems } from "./validate";

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
    /** Name of the SecretProviderClass (of `keyVault`, the app's first vault). */
    public readonly secretProviderClassName: pulumi.Output<string>;
    /** Names of the SecretProviderClasses of `additionalVaults`, in their order. */
    public readonly additionalSecretProviderClassNames: pulumi.Output<string>[];
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
        throwIfProblems(`app "${name}"`, appWorkloadProblems(name, args), this);
        const serviceAccountName = args.serviceAccountName ?? name;
        const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/managed-by": "pulumi" };
        const annotations = args.annotations && Object.keys(args.annotations).length > 0 ? args.annotations : undefined;

        const waitFor = pulumi.output(opts?.dependsOn ?? []).apply((dependsOn) => (Array.isArray(dependsOn) ? dependsOn : [dependsOn]));
        const namespace = args.createNamespace
            ? new k8s.core.v1.Namespace(
                  namespaceResourceName(args.namespace),
                  { metadata: { name: args.namespace, labels, annotations } },
                  { parent: this, dependsOn: waitFor, aliases: [{ name: `${name}-ns` }] },
              )
            : undefined;
        const childDependsOn = namespace ? waitFor.apply((resources) => [...resources, namespace]) : waitFor;
        const childOpts: pulumi.CustomResourceOptions = { parent: this, dependsOn: childDependsOn };

        const identity = args.identity;
        const vaults = appVaults(args);
        const ownsIdentity = identity.mode === "workloadIdentity" || identity.mode === "identityBinding";
        // The app's own identity, its federated credential (workload identity only: for identity binding AKS makes it)
        // and its roles. The class waits for them, so that switching an app to its own identity changes the class (and
        // restarts its pods) only once the identity can be used.
        const created =
            ownsIdentity && identity.managed
                ? loadAzureIdentity(`app "${name}" with a managed identity`).createManagedIdentity(this, name, identity, {
                      objects: args.objects,
                      subject: workloadIdentitySubject(args.namespace, serviceAccountName),
                      // Checked at construction: every other vault of an app that creates its identity has its ID.
                      otherVaults: vaults
                          .slice(1)
                          .flatMap((vault) =>
                              vault.id !== undefined
                                  ? [{ vaultId: vault.id, objects: vault.objects, nameSuffix: vault.nameSuffix ?? "" }]
                                  : [],
                          ),
                  })
                : undefined;
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
                          bind:
                              identity.managed && created
                                  ? { ...identity.managed.cluster, identityResourceId: created.resourceId }
                                  : undefined,
                          labels,
                          annotations,
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
                                      ? {
                                            ...annotations,
                                            "azure.workload.identity/client-id": workloadClientId,
                                            "azure.workload.identity/tenant-id": args.keyVault.tenantId,
                                        }
                                      : annotations,
                          },
                      },
                      { ...childOpts, aliases: [{ name: `${name}-sa` }] },
                  );

        const classOpts =
            grants.length > 0 ? { parent: this, dependsOn: childDependsOn.apply((resources) => [...resources, ...grants]) } : childOpts;
        // One class per vault: the provider reads one vault per class. The first keeps the names of a one-vault app.
        const classes = vaults.map(
            (vault) =>
                new SecretProviderClass(
                    `${name}-spc${vault.nameSuffix ?? ""}`,
                    {
                        namespace: args.namespace,
                        className: `${name}${vault.nameSuffix ?? ""}`,
                        labels,
                        annotations,
                        ...appSecretProviderClassSpec(args, workloadClientId, vault),
                    },
                    classOpts,
                ),
        );
        const secretProviderClass = classes[0];
        this.syncedSecretNames = vaults.flatMap((vault) => vault.syncedSecrets.map((secret) => secret.secretName));
        const serviceAccountRef = serviceAccount ? serviceAccount.metadata.name : pulumi.output(serviceAccountName);
        // Referencing the class's and the ServiceAccount's names orders each SecretSync after both.
        const secretSyncs =
            args.syncMechanism === "secretSync"
                ? vaults.flatMap((vault, position) =>
                      vault.syncedSecrets.map(
                          (secret) =>
                              new k8s.apiextensions.CustomResource(
                                  `${name}-secretsync-${secret.secretName}`,
                                  renderSecretSync(secret, {
                                      namespace: args.namespace,
                                      secretProviderClassName: classes[position].className,
                                      serviceAccountName: serviceAccountRef,
                                      labels,
                                      annotations,
                                  }),
                                  childOpts,
                              ),
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
                vaults: vaults.map((vault, position) => ({ vault, className: classes[position].className })),
                childOpts:
                    secretSyncs.length > 0
                        ? { ...childOpts, dependsOn: childDependsOn.apply((resources) => [...resources, ...secretSyncs]) }
                        : childOpts,
            });
            deploymentName = deployment.metadata.name;
        }

        this.secretProviderClassName = secretProviderClass.className;
        this.additionalSecretProviderClassNames = classes.slice(1).map((spc) => spc.className);
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

    private createDeployment(
        name: string,
        args: AppWorkloadArgs,
        deployment: AppDeployment,
        wiring: {
            labels: Record<string, string>;
            serviceAccountName: pulumi.Output<string>;
            workloadIdentity: boolean;
            identityBinding: boolean;
            vaults: Array<{ vault: AppVault; className: pulumi.Output<string> }>;
            childOpts: pulumi.CustomResourceOptions;
        },
    ): k8s.apps.v1.Deployment {
        const container = {
            name: deployment.containerName ?? name,
            image: deployment.image,
            command: deployment.command,
            args: deployment.args,
            ports: deployment.ports?.map((containerPort) => ({ containerPort })),
            env: Object.entries(deployment.env ?? {})
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([envName, value]) => ({ name: envName, value })),
            resources: deployment.resources,
        };
        const template: k8s.types.input.core.v1.PodTemplateSpec = {
            metadata: {
                labels: { ...wiring.labels, ...(wiring.workloadIdentity ? { [WORKLOAD_IDENTITY_USE_LABEL]: "true" } : {}) },
                ...(wiring.identityBinding ? { annotations: { [USE_IDENTITY_BINDING_ANNOTATION]: "true" } } : {}),
            },
            spec: { serviceAccountName: wiring.serviceAccountName, containers: [container] },
        };
        // A volume per vault; the env vars (from any vault's Secrets) are wired once, with the first.
        const podTemplate = wiring.vaults.reduce(
            (wired, { vault, className }, position) =>
                attachKeyVaultSecrets(wired, {
                    secretProviderClassName: className,
                    volumeName: vaultVolumeName(vault),
                    mountPath: vault.mountPath,
                    env: position === 0 ? args.env : undefined,
                    nodePublishSecretRef: args.identity.mode === "servicePrincipal" ? args.identity.nodePublishSecretRef : undefined,
                    mountVolume: podsMountVolume(args),
                }),
            template,
        );
        const annotations: Record<string, string> = {
            ...args.annotations,
            ...(args.restartOnSecretChange && this.syncedSecretNames.length > 0
                ? { [RELOADER_SECRET_ANNOTATION]: this.syncedSecretNames.join(",") }
                : {}),
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
                    replicas: deployment.replicas ?? DEFAULT_REPLICAS,
                    selector: { matchLabels: { "app.kubernetes.io/name": name } },
                    template: podTemplate,
                },
            },
            wiring.childOpts,
        );
    }
}
