/** The stack policy on workloads: a pod template that reads a synced Secret mounts the class that syncs it. */
import { PolicyResource, ReportViolation } from "@pulumi/policy";
import { CSI_DRIVER_NAME } from "../components/secret-provider-class/render";
import { POD_SPEC_PATHS } from "../components/workload/pod-templates";
import { kubernetesName, qualified } from "./kubernetes";
import { UNKNOWN, itemsOf, read, str } from "./props";
import { StackPolicy } from "./resource-policy";
import { SECRET_PROVIDER_CLASS } from "./secret-provider-class";

interface SyncingClass {
    name: string;
    namespace: string;
}

/** How a pod template reads a Secret. */
interface SecretUse {
    secret: string;
    how: string;
}

function secretUses(podSpec: unknown): SecretUse[] {
    const uses: SecretUse[] = [];
    for (const field of ["initContainers", "containers"]) {
        for (const container of itemsOf(read(podSpec, field))) {
            const containerName = str(read(container, "name"));
            const label = typeof containerName === "string" ? `container "${containerName}"` : "a container";
            for (const env of itemsOf(read(container, "env"))) {
                const secret = str(read(env, "valueFrom", "secretKeyRef", "name"));
                if (typeof secret === "string") {
                    const envName = str(read(env, "name"));
                    uses.push({ secret, how: `env ${typeof envName === "string" ? envName : "(unknown)"} (secretKeyRef) of ${label}` });
                }
            }
            for (const envFrom of itemsOf(read(container, "envFrom"))) {
                const secret = str(read(envFrom, "secretRef", "name"));
                if (typeof secret === "string") {
                    uses.push({ secret, how: `envFrom secretRef of ${label}` });
                }
            }
        }
    }
    for (const volume of itemsOf(read(podSpec, "volumes"))) {
        const secret = str(read(volume, "secret", "secretName"));
        const volumeName = str(read(volume, "name"));
        if (typeof secret === "string") {
            uses.push({ secret, how: `secret volume "${typeof volumeName === "string" ? volumeName : "(unknown)"}"` });
        }
        for (const source of itemsOf(read(volume, "projected", "sources"))) {
            const projected = str(read(source, "secret", "name"));
            if (typeof projected === "string") {
                uses.push({ secret: projected, how: `projected volume "${typeof volumeName === "string" ? volumeName : "(unknown)"}"` });
            }
        }
    }
    return uses;
}

/** SecretProviderClass names of the CSI volumes a pod template mounts; `UNKNOWN` entries for unknown ones. */
function mountedClasses(podSpec: unknown): Array<string | typeof UNKNOWN> {
    const classes: Array<string | typeof UNKNOWN> = [];
    for (const volume of itemsOf(read(podSpec, "volumes"))) {
        const driver = str(read(volume, "csi", "driver"));
        if (driver === UNKNOWN) {
            classes.push(UNKNOWN);
        } else if (driver === CSI_DRIVER_NAME) {
            const spc = str(read(volume, "csi", "volumeAttributes", "secretProviderClass"));
            classes.push(spc === undefined ? "" : spc);
        }
    }
    return classes;
}

function kindOf(type: string): string {
    return type.split(":").pop() ?? type;
}

export const syncedSecretConsumersMountCsiVolume: StackPolicy = {
    name: "synced-secret-consumers-mount-csi-volume",
    description:
        "A pod template that reads a Secret synced by a SecretProviderClass (secretObjects) in its namespace also mounts a CSI volume of that class: the driver only creates and refreshes the Secret while a pod mounts the volume.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Mount the CSI volume of the class that syncs the Secret in every pod that reads it (attachKeyVaultSecrets or AppWorkload do): the driver creates a synced Secret only when a pod mounts the class, and deletes it when the last such pod goes.",
    url: "https://secrets-store-csi-driver.sigs.k8s.io/topics/sync-as-kubernetes-secret",
    tags: ["secrets-store-csi", "kubernetes"],
    validateStack: (args, reportViolation) => {
        // namespace -> secretName -> classes that sync it
        const synced = new Map<string, Map<string, SyncingClass[]>>();
        for (const resource of args.resources) {
            if (!SECRET_PROVIDER_CLASS.test(resource.type)) {
                continue;
            }
            const { namespace, name } = kubernetesName(resource);
            if (namespace === UNKNOWN || name === UNKNOWN) {
                continue;
            }
            for (const secretObject of itemsOf(read(resource.props, "spec", "secretObjects"))) {
                const secretName = str(read(secretObject, "secretName"));
                if (typeof secretName !== "string" || secretName === "") {
                    continue;
                }
                const byName = synced.get(namespace) ?? new Map<string, SyncingClass[]>();
                byName.set(secretName, [...(byName.get(secretName) ?? []), { name, namespace }]);
                synced.set(namespace, byName);
            }
        }
        if (synced.size === 0) {
            return;
        }
        for (const resource of args.resources) {
            const path = POD_SPEC_PATHS[resource.type];
            if (!path) {
                continue;
            }
            checkWorkload(resource, path, synced, reportViolation);
        }
    },
};

function checkWorkload(
    resource: PolicyResource,
    path: readonly string[],
    synced: Map<string, Map<string, SyncingClass[]>>,
    reportViolation: ReportViolation,
): void {
    const { namespace, name } = kubernetesName(resource);
    if (namespace === UNKNOWN) {
        return;
    }
    const byName = synced.get(namespace);
    if (!byName) {
        return;
    }
    const podSpec = read(resource.props, ...path);
    if (podSpec === UNKNOWN || read(podSpec, "volumes") === UNKNOWN) {
        return;
    }
    const mounted = mountedClasses(podSpec);
    if (mounted.includes(UNKNOWN)) {
        return;
    }
    const reported = new Set<string>();
    for (const use of secretUses(podSpec)) {
        const classes = byName.get(use.secret);
        if (!classes || classes.some((spc) => mounted.includes(spc.name)) || reported.has(use.secret)) {
            continue;
        }
        reported.add(use.secret);
        const classList = classes.map((spc) => `"${spc.name}"`).join(" or ");
        const workload = `${kindOf(resource.type)} "${qualified({ namespace, name })}"`;
        const mountedText =
            mounted.length === 0
                ? `mounts no ${CSI_DRIVER_NAME} volume`
                : `mounts ${CSI_DRIVER_NAME} volumes only for SecretProviderClass ${mounted.map((spc) => `"${String(spc)}"`).join(", ")}`;
        reportViolation(
            `${workload} reads Secret "${use.secret}" through ${use.how}, and that Secret is synced by SecretProviderClass ${classList} ` +
                `(secretObjects), but the pod template ${mountedText}. The driver creates and refreshes a synced Secret only while a pod ` +
                `mounts the CSI volume, so these pods can fail with CreateContainerConfigError (secret not found). Add a volume ` +
                `{ csi: { driver: "${CSI_DRIVER_NAME}", readOnly: true, volumeAttributes: { secretProviderClass: "${classes[0].name}" } } } ` +
                "and mount it in a container.",
            resource.urn,
        );
    }
}
