import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { TOKEN_PREFIX } from "../shared/token";
import { loadAzureIdentity } from "./azure-loader";
import type { BoundCluster } from "./types";

/**
 * AKS identity binding (preview, feature `IdentityBindingPreview`): an `identityBindings` child resource of the
 * managed cluster maps one user-assigned identity to the cluster (AKS creates the identity's federated credential
 * itself), and in-cluster RBAC says which ServiceAccounts may use it: a ClusterRole granting the verb
 * `use-managed-identity` on the resource named by the identity's client ID, in API group `cid.wi.aks.azure.com`.
 */

/** API group AKS checks a ServiceAccount's permission to use a bound identity in. */
export const IDENTITY_BINDING_API_GROUP = "cid.wi.aks.azure.com";
/** The verb a ServiceAccount needs on the client ID of a bound identity. */
export const USE_MANAGED_IDENTITY_VERB = "use-managed-identity";
/**
 * Pod annotation that makes the AKS workload-identity webhook (its identity-binding preview version) give the app's
 * own containers the identity-binding token endpoint. The CSI mount needs neither it nor the webhook: the driver
 * requests the service-account token itself and the class names the client ID.
 */
export const USE_IDENTITY_BINDING_ANNOTATION = "azure.workload.identity/use-identity-binding";

/** The RBAC rule that lets a subject use the bound identity with this client ID. */
export function useManagedIdentityRules(clientId: pulumi.Input<string>): k8s.types.input.rbac.v1.PolicyRule[] {
    return [{ apiGroups: [IDENTITY_BINDING_API_GROUP], resources: [clientId], verbs: [USE_MANAGED_IDENTITY_VERB] }];
}

/**
 * Name of the cluster-scoped ClusterRole and ClusterRoleBinding of one app. Namespaces and app names are DNS labels
 * (no dots), so `<namespace>.<app>` is unique in the cluster, also across the stacks that share it.
 */
export function identityBindingRbacName(namespace: string, app: string): string {
    return `akvsecrets.${namespace}.${app}`;
}

/** Inputs of one ServiceAccount's use of a bound identity. */
export interface IdentityBindingAccessArgs {
    /** Client ID of the user-assigned identity; the resource name in the ClusterRole's rule. */
    clientId: pulumi.Input<string>;
    /** Namespace of the ServiceAccount. Plain: it names the ClusterRole and ClusterRoleBinding (with `app`). */
    namespace: string;
    /** The ServiceAccount allowed to use the identity; may be a ServiceAccount resource's name. */
    serviceAccountName: pulumi.Input<string>;
    /** App name, for the names of the ClusterRole and ClusterRoleBinding (see `identityBindingRbacName`); so plain. */
    app: string;
    /**
     * Create the AKS identity binding of the identity to this cluster. Omit when the identity is already bound
     * (`az aks identity-binding create`, or the stack that owns the identity): only the RBAC is created then.
     * Plain: decides whether the binding exists.
     */
    bind?: BoundCluster;
    /** Labels of the ClusterRole and ClusterRoleBinding; values may come from other resources. */
    labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Annotations of the ClusterRole and ClusterRoleBinding. */
    annotations?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * What lets one ServiceAccount use a bound identity: the AKS identity binding (when `bind` is given), a ClusterRole
 * with `use-managed-identity` on the client ID, and a ClusterRoleBinding of it to the ServiceAccount. Depend on this
 * component to start pods only once all of them exist.
 */
export class IdentityBindingAccess extends pulumi.ComponentResource {
    /**
     * The AKS identity binding (an azure-native `containerservice.IdentityBinding`), when this component creates it.
     * Typed as any custom resource so that these types need no `@pulumi/azure-native` (an optional peer dependency).
     */
    public readonly identityBinding?: pulumi.CustomResource;
    /** Name of the ClusterRole. */
    public readonly clusterRoleName: pulumi.Output<string>;

    constructor(name: string, args: IdentityBindingAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${TOKEN_PREFIX}:index:IdentityBindingAccess`, name, {}, opts);
        const rbacName = identityBindingRbacName(args.namespace, args.app);
        this.identityBinding = args.bind
            ? loadAzureIdentity(`identity binding "${name}"`).bindIdentityToCluster(this, `${name}-binding`, args.bind)
            : undefined;
        const role = new k8s.rbac.v1.ClusterRole(
            `${name}-role`,
            {
                metadata: { name: rbacName, labels: args.labels, annotations: args.annotations },
                rules: useManagedIdentityRules(args.clientId),
            },
            { parent: this },
        );
        new k8s.rbac.v1.ClusterRoleBinding(
            `${name}-role-binding`,
            {
                metadata: { name: rbacName, labels: args.labels, annotations: args.annotations },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: args.serviceAccountName, namespace: args.namespace }],
            },
            { parent: this },
        );
        this.clusterRoleName = role.metadata.name;
        this.registerOutputs({ clusterRoleName: this.clusterRoleName });
    }
}
