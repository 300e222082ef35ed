import { Problem } from "../../components/shared/validation";
import { parseSecretProviderClassManifest } from "../../components/secret-provider-class/parse";
import { KeyVaultObject, SecretProviderClassSpec, SyncedSecret } from "../../components/secret-provider-class/types";
import { secretProviderClassProblems } from "../../components/secret-provider-class/validate";
import { writesFile } from "../../components/secret-provider-class/paths";
import { MigratedApplication, MigratedIdentity, VaultApplication, migratedApplicationProblems } from "../application";
import { Finding, FindingCode, FindingSeverity } from "../findings";
import { SourcedManifest } from "../manifests";
import { isObject, nameOf, namespaceOf } from "../../components/shared/manifests";
import { toDnsLabel } from "../../components/shared/naming";
import { podTemplateOf } from "../../components/workload/pod-templates";

/**
 * Adopting hand-written SecretProviderClass manifests: read them the way the provider does
 * (`parseSecretProviderClassManifest`), keep what the typed model accepts, and report what it rejects and why.
 * What the provider ignores today is dropped without changing behaviour; what would make the class fail at pod
 * start (an invalid object, a synced Secret pointing at no file) is reported and left out.
 */

/** API group of SecretProviderClass. */
export const SECRET_PROVIDER_CLASS_GROUP = "secrets-store.csi.x-k8s.io";

/** True for a SecretProviderClass manifest (v1 or the deprecated v1alpha1). */
export function isSecretProviderClass(manifest: Record<string, unknown>): boolean {
    return manifest.kind === "SecretProviderClass" && typeof manifest.apiVersion === "string" && manifest.apiVersion.startsWith(`${SECRET_PROVIDER_CLASS_GROUP}/`);
}

/** Context for adoption: workloads that mount classes (they hold the service-principal Secret and the ServiceAccount). */
export interface AdoptOptions {
    defaultNamespace: string;
    workloads?: readonly SourcedManifest[];
    /** Client ID of the cluster's addon identity, to recognise classes that already use it. */
    addonClientId?: string;
}

/** Where a problem from the parser belongs. */
type ProblemClass =
    | { kind: "object"; index: number }
    | { kind: "secret"; index?: number; name?: string }
    | { kind: "ignoredKey"; misspelled: boolean }
    | { kind: "notString" }
    | { kind: "tenant" }
    | { kind: "identityId" }
    | { kind: "servicePrincipalFallback" }
    | { kind: "class" };

const IGNORED_KEY_MESSAGE = "is not a key the provider reads, so it is silently ignored";

function classify(problem: Problem): ProblemClass {
    if (problem.message === IGNORED_KEY_MESSAGE) {
        return { kind: "ignoredKey", misspelled: problem.fix.startsWith("spell it") };
    }
    if (problem.message.includes("but the CRD takes strings only")) {
        return { kind: "notString" };
    }
    if (problem.where === "spec.parameters.tenantId" || problem.where === "tenantID") {
        return { kind: "tenant" };
    }
    if (problem.where === "identity.userAssignedIdentityID") {
        return { kind: "identityId" };
    }
    if (problem.where === "spec.parameters" && problem.message.startsWith("sets no identity mode")) {
        return { kind: "servicePrincipalFallback" };
    }
    const object = /^objects\[(\d+)\]/.exec(problem.where);
    if (object) {
        return { kind: "object", index: Number(object[1]) };
    }
    const secret = /^secretObjects\[(\d+)\]/.exec(problem.where);
    if (secret) {
        return { kind: "secret", index: Number(secret[1]) };
    }
    const named = /^secretObjects "(.*)"$/.exec(problem.where);
    if (named) {
        return { kind: "secret", name: named[1] };
    }
    return { kind: "class" };
}

/** The CSI volumes of workloads that mount a class: their service-principal Secret and ServiceAccount. */
function mountsOf(workloads: readonly SourcedManifest[], namespace: string, className: string, defaultNamespace: string) {
    const found: Array<{ nodePublishSecretRef?: string; serviceAccountName: string }> = [];
    for (const { manifest } of workloads) {
        if ((namespaceOf(manifest) ?? defaultNamespace) !== namespace) {
            continue;
        }
        const spec = podTemplateOf(manifest)?.spec as Record<string, unknown> | undefined;
        const volumes = Array.isArray(spec?.volumes) ? (spec!.volumes as Array<Record<string, unknown>>) : [];
        for (const volume of volumes) {
            const csi = volume.csi;
            if (!isObject(csi) || !isObject(csi.volumeAttributes) || csi.volumeAttributes.secretProviderClass !== className) {
                continue;
            }
            const ref = isObject(csi.nodePublishSecretRef) && typeof csi.nodePublishSecretRef.name === "string" ? csi.nodePublishSecretRef.name : undefined;
            found.push({ nodePublishSecretRef: ref, serviceAccountName: typeof spec?.serviceAccountName === "string" ? spec.serviceAccountName : "default" });
        }
    }
    return found;
}

const unique = <T>(values: T[]) => [...new Set(values)];

/**
 * Adopts one SecretProviderClass manifest into the stack-config app form. `adopted` is undefined when what
 * remains can't be a valid app (the findings say why and what to do).
 */
export function adoptSecretProviderClass(sourced: SourcedManifest, options: AdoptOptions): { adopted?: VaultApplication; findings: Finding[] } {
    const { manifest, source } = sourced;
    const className = nameOf(manifest);
    const namespace = namespaceOf(manifest) ?? options.defaultNamespace;
    const subject = `SecretProviderClass ${namespace}/${className}`;
    const findings: Finding[] = [];
    const emit = (severity: FindingSeverity, code: FindingCode, where: string, message: string, fix: string) =>
        findings.push({ severity, code, subject, where, message, fix, source });
    const parsed = parseSecretProviderClassManifest(manifest);
    const spec = parsed.value.spec;

    if (!namespaceOf(manifest)) {
        emit("info", "NAMESPACE_DEFAULTED", "metadata.namespace", `is not set; using "${namespace}"`, "pass --namespace NAMESPACE if the class lives elsewhere (a class must be in its pods' namespace)");
    }

    const droppedObjects = new Map<number, Problem[]>();
    const droppedSecrets = new Map<string, Problem[]>();
    const classProblems: Problem[] = [];
    let identityIdProblem: Problem | undefined;
    const tenantProblems: Problem[] = [];
    const secretKey = (index: number | undefined, name: string | undefined) => (index !== undefined ? `#${index}` : `"${name}"`);
    for (const problem of parsed.problems) {
        const kind = classify(problem);
        switch (kind.kind) {
            case "ignoredKey":
                emit(
                    kind.misspelled ? "review" : "info",
                    kind.misspelled ? "SPC_MISSPELLED_KEY" : "SPC_IGNORED_KEY",
                    problem.where,
                    kind.misspelled
                        ? `${problem.message}; it is dropped, which keeps today's behaviour (the provider never used it)`
                        : `${problem.message}; dropped, no behaviour change`,
                    kind.misspelled ? `if the value is meant to apply, ${problem.fix} in the config and check what changes` : "nothing to do",
                );
                break;
            case "notString":
                emit("review", "SPC_NOT_A_STRING", problem.where, `${problem.message}, so the API server rejects the manifest as written; adopted as the string`, problem.fix);
                break;
            case "tenant":
                tenantProblems.push(problem);
                break;
            case "identityId":
                identityIdProblem = problem;
                break;
            case "servicePrincipalFallback":
                break;
            case "object":
                droppedObjects.set(kind.index, [...(droppedObjects.get(kind.index) ?? []), problem]);
                break;
            case "secret": {
                const key = secretKey(kind.index, kind.name);
                droppedSecrets.set(key, [...(droppedSecrets.get(key) ?? []), problem]);
                break;
            }
            default:
                classProblems.push(problem);
        }
    }

    if (tenantProblems.length > 0) {
        emit(
            "info",
            "SPC_TENANT_FROM_STACK",
            tenantProblems[0].where,
            `${tenantProblems.map((p) => p.message).join("; ")}; the stack config takes the tenant from the stack's Key Vault, not per app`,
            "nothing to do; check the stack's vault is the one this class reads",
        );
    }

    // Objects the provider would reject are left out; each is reported with the model's reason.
    const objects: KeyVaultObject[] = [];
    spec.objects.forEach((object, index) => {
        const problems = droppedObjects.get(index);
        if (problems) {
            emit(
                "unsupported",
                "SPC_OBJECT_REJECTED",
                `objects[${index}] "${object.objectName}"`,
                `is left out, the mount fails on it today: ${problems.map((p) => `${p.where.replace(/^objects\[\d+\]( "[^"]*")?\.?/, "") || "object"} ${p.message}`).join("; ")}`,
                problems.map((p) => p.fix).join("; "),
            );
        } else {
            objects.push(object);
        }
    });
    // Synced Secrets: drop the ones the model rejects, then the ones that now point at no file.
    const secrets: SyncedSecret[] = [];
    (spec.secretObjects ?? []).forEach((secret, index) => {
        // Which files exist is decided below, against the adopted objects only.
        const problems = [...(droppedSecrets.get(secretKey(index, undefined)) ?? []), ...(droppedSecrets.get(secretKey(undefined, secret.secretName)) ?? [])].filter(
            (problem) => !problem.message.endsWith("is not a file any object writes"),
        );
        const missing = secret.data.filter((entry) => !writesFile(objects, entry.objectName));
        if (problems.length === 0 && missing.length > 0) {
            problems.push({
                where: `secretObjects[${index}]`,
                message: `reads ${missing.map((entry) => `"${entry.objectName}"`).join(", ")}, which no adopted object writes`,
                fix: "fix or re-add the object it reads, then add this Secret by hand",
            });
        }
        if (problems.length > 0) {
            emit(
                "unsupported",
                "SPC_SYNCED_SECRET_REJECTED",
                `secretObjects[${index}] "${secret.secretName}"`,
                `is left out: ${problems.map((p) => p.message).join("; ")}`,
                unique(problems.map((p) => p.fix)).join("; "),
            );
        } else {
            secrets.push(secret);
        }
    });

    // What's left must be a valid class (tenant checked by the stack, identity below).
    const remaining: SecretProviderClassSpec = { ...spec, tenantID: "00000000-0000-0000-0000-000000000000", objects, secretObjects: secrets };
    const leftover = secretProviderClassProblems(remaining).filter((p) => !p.where.startsWith("identity"));
    const rejectClass = (problems: Problem[]) => {
        for (const problem of problems) {
            emit("unsupported", "SPC_CLASS_REJECTED", problem.where, `${problem.message}; the class is not adopted`, problem.fix);
        }
        return { findings };
    };
    if (classProblems.length > 0 || leftover.length > 0) {
        return rejectClass([...classProblems, ...leftover]);
    }

    const mounts = mountsOf(options.workloads ?? [], namespace, className, options.defaultNamespace);
    let identity: MigratedIdentity;
    let serviceAccountName: string | undefined;
    switch (spec.identity.mode) {
        case "managedIdentity": {
            identity = { mode: "addon" };
            const id = spec.identity.userAssignedIdentityID ? String(spec.identity.userAssignedIdentityID) : "";
            if (!id || id !== options.addonClientId) {
                emit(
                    "review",
                    "SPC_IDENTITY_ADDON",
                    "spec.parameters.userAssignedIdentityID",
                    `${id ? `"${id}"` : "the VMSS system-assigned identity"} becomes identity mode addon: the program sets the cluster's addon identity client ID${identityIdProblem ? ` (and ${identityIdProblem.message})` : ""}`,
                    "check it is the addon identity (az aks show --query addonProfiles.azureKeyvaultSecretsProvider.identity.clientId, or pass --addon-client-id); if it is another identity, use identity mode workloadIdentity with its client ID",
                );
            }
            break;
        }
        case "workloadIdentity": {
            identity = { mode: "workloadIdentity", clientId: String(spec.identity.clientID) };
            const accounts = unique(mounts.map((mount) => mount.serviceAccountName));
            if (accounts.length === 1) {
                serviceAccountName = accounts[0];
            }
            emit(
                "review",
                "SPC_IDENTITY_SERVICE_ACCOUNT",
                "spec.parameters.clientID",
                `workload identity: the app's ServiceAccount (${serviceAccountName ? `"${serviceAccountName}", from the workloads that mount the class` : "default: the app name"}) must be the one federated with ${identity.clientId}, and AppWorkload creates it`,
                serviceAccountName
                    ? `import the existing ServiceAccount into the stack (pulumi import kubernetes:core/v1:ServiceAccount ${className}-sa ${namespace}/${serviceAccountName}) or delete it right before pulumi up`
                    : "set serviceAccountName to the ServiceAccount the pods use (pass their manifests to find it)",
            );
            break;
        }
        default: {
            const refs = unique(mounts.map((mount) => mount.nodePublishSecretRef).filter((ref): ref is string => !!ref));
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
                return { findings };
            }
            identity = { mode: "servicePrincipal", nodePublishSecretRef: refs[0] };
        }
    }

    const name = toDnsLabel(className);
    if (name !== className) {
        emit("review", "APP_NAME_SANITIZED", "metadata.name", `"${className}" is not a DNS label, so the app (and its class) is named "${name}"`, `change volumeAttributes.secretProviderClass of the pods to "${name}"`);
    } else {
        emit(
            "info",
            "SPC_SAME_NAME",
            "metadata.name",
            `the app keeps the class name "${className}", so pods keep mounting it unchanged`,
            `the stack creates the class, so the hand-written one must go first: kubectl delete secretproviderclass -n ${namespace} ${className} right before pulumi up (running pods keep their mounts), or import it`,
        );
    }
    const app: MigratedApplication = {
        name,
        namespace,
        ...(serviceAccountName ? { serviceAccountName } : {}),
        identity,
        objects,
        syncedSecrets: secrets,
        ...(spec.cloudName ? { cloudName: spec.cloudName } : {}),
    };
    const vault = String(spec.keyvaultName);
    const invalid = migratedApplicationProblems(app, vault);
    if (invalid.length > 0) {
        return rejectClass(invalid);
    }
    return { adopted: { vault, app }, findings };
}
