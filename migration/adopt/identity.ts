import { Problem } from "../../components/shared/validation";
import { SecretProviderClassSpec } from "../../components/secret-provider-class/types";
import { isObject, namespaceOf } from "../../components/shared/manifests";
import { podTemplateOf } from "../../components/workload/pod-templates";
import { NAMESPACE_SERVICE_ACCOUNT } from "../../components/workload/types";
import { MigratedIdentity } from "../application";
import { SourcedManifest } from "../manifests";
import { AdoptEmit, unique } from "./emit";

/** A CSI volume of a workload that mounts the class: its service-principal Secret and the pods' ServiceAccount. */
interface ClassMount {
    nodePublishSecretRef?: string;
    serviceAccountName: string;
}

/** The CSI volumes of workloads that mount a class. */
export function mountsOf(
    workloads: readonly SourcedManifest[],
    namespace: string,
    className: string,
    defaultNamespace: string,
): ClassMount[] {
    const found: ClassMount[] = [];
    for (const { manifest } of workloads) {
        if ((namespaceOf(manifest) ?? defaultNamespace) !== namespace) {
            continue;
        }
        const spec = podTemplateOf(manifest)?.spec;
        const volumes: unknown[] = isObject(spec) && Array.isArray(spec.volumes) ? spec.volumes : [];
        for (const volume of volumes.filter(isObject)) {
            const csi = volume.csi;
            if (!isObject(csi) || !isObject(csi.volumeAttributes) || csi.volumeAttributes.secretProviderClass !== className) {
                continue;
            }
            const ref =
                isObject(csi.nodePublishSecretRef) && typeof csi.nodePublishSecretRef.name === "string"
                    ? csi.nodePublishSecretRef.name
                    : undefined;
            found.push({
                nodePublishSecretRef: ref,
                serviceAccountName:
                    isObject(spec) && typeof spec.serviceAccountName === "string" ? spec.serviceAccountName : NAMESPACE_SERVICE_ACCOUNT,
            });
        }
    }
    return found;
}

/** Where adopting the identity looks: the class, its mounts, the addon identity given, the parser's identity problem. */
export interface IdentityContext {
    className: string;
    namespace: string;
    mounts: readonly ClassMount[];
    addonClientId?: string;
    identityIdProblem?: Problem;
}

/**
 * The app identity of a class's identity mode: managed identity -> addon (for review unless it is the addon
 * identity), workload identity or identity binding -> its client ID (and the pods' ServiceAccount), none -> the service principal of
 * its pods' nodePublishSecretRef. Undefined when the pods don't tell which Secret that is.
 */
export function adoptedIdentity(
    identity: SecretProviderClassSpec["identity"],
    context: IdentityContext,
    emit: AdoptEmit,
): { identity: MigratedIdentity; serviceAccountName?: string } | undefined {
    switch (identity.mode) {
        case "managedIdentity": {
            const id = identity.userAssignedIdentityID ? String(identity.userAssignedIdentityID) : "";
            if (!id || id !== context.addonClientId) {
                emit(
                    "review",
                    "SPC_IDENTITY_ADDON",
                    "spec.parameters.userAssignedIdentityID",
                    `${id ? `"${id}"` : "the VMSS system-assigned identity"} becomes identity mode addon: the program sets the cluster's addon identity client ID${context.identityIdProblem ? ` (and ${context.identityIdProblem.message})` : ""}`,
                    "check it is the addon identity (az aks show --query addonProfiles.azureKeyvaultSecretsProvider.identity.clientId, or pass --addon-client-id); if it is another identity, use identity mode workloadIdentity with its client ID",
                );
            }
            return { identity: { mode: "addon" } };
        }
        case "workloadIdentity":
        case "identityBinding": {
            const mode = identity.mode;
            const clientId = String(identity.clientID);
            const accounts = unique(context.mounts.map((mount) => mount.serviceAccountName));
            // Identity binding: the app grants its own ServiceAccount the use of the bound identity (ClusterRole and binding).
            const what = mode === "workloadIdentity" ? "workload identity" : "identity binding";
            if (accounts.length === 1 && accounts[0] === NAMESPACE_SERVICE_ACCOUNT) {
                emit(
                    "review",
                    "SPC_IDENTITY_SERVICE_ACCOUNT",
                    "spec.parameters.clientID",
                    `${what}: the pods run as the namespace's "${NAMESPACE_SERVICE_ACCOUNT}" ServiceAccount, which an app does not create; the app gets a ServiceAccount of its own (the app name) and its pods move to it`,
                    mode === "workloadIdentity"
                        ? `add a federated credential on ${clientId} for system:serviceaccount:${context.namespace}:<app name> before pulumi up, or set serviceAccountName to another ServiceAccount federated with it`
                        : `nothing to add in Azure: the app lets its own ServiceAccount use ${clientId} (ClusterRole and ClusterRoleBinding); remove the old RBAC of "${NAMESPACE_SERVICE_ACCOUNT}" after the cutover`,
                );
                return { identity: { mode, clientId } };
            }
            const serviceAccountName = accounts.length === 1 ? accounts[0] : undefined;
            emit(
                "review",
                "SPC_IDENTITY_SERVICE_ACCOUNT",
                "spec.parameters.clientID",
                `${what}: the app's ServiceAccount (${serviceAccountName ? `"${serviceAccountName}", from the workloads that mount the class` : "default: the app name"}) must be the one ${mode === "workloadIdentity" ? "federated with" : "allowed to use"} ${clientId}, and AppWorkload creates it`,
                serviceAccountName
                    ? `import the existing ServiceAccount into the stack (pulumi import kubernetes:core/v1:ServiceAccount ${context.className}-sa ${context.namespace}/${serviceAccountName}) or delete it right before pulumi up`
                    : "set serviceAccountName to the ServiceAccount the pods use (pass their manifests to find it)",
            );
            return { identity: { mode, clientId }, ...(serviceAccountName ? { serviceAccountName } : {}) };
        }
        default: {
            const refs = unique(context.mounts.map((mount) => mount.nodePublishSecretRef).filter((ref): ref is string => !!ref));
            if (refs.length !== 1) {
                emit(
                    "unsupported",
                    "SPC_IDENTITY_SERVICE_PRINCIPAL_SECRET",
                    "spec.parameters",
                    refs.length === 0
                        ? "sets no identity mode, so the provider uses a service principal from the pod volume's nodePublishSecretRef, and no workload given mounts this class with one"
                        : `is mounted with different nodePublishSecretRef Secrets (${refs.join(", ")})`,
                    "pass the workloads that mount the class, or add the app by hand with identity { mode: servicePrincipal, nodePublishSecretRef: <Secret> }; better, move to workload identity (clientID) or the addon identity",
                );
                return undefined;
            }
            return { identity: { mode: "servicePrincipal", nodePublishSecretRef: refs[0] } };
        }
    }
}
