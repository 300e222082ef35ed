import { Problem } from "../../components/shared/validation";
import { parseSecretProviderClassManifest } from "../../components/secret-provider-class/parse";
import { SecretProviderClassSpec } from "../../components/secret-provider-class/types";
import { secretProviderClassProblems } from "../../components/secret-provider-class/validate";
import { nameOf, namespaceOf } from "../../components/shared/manifests";
import { toDnsLabel } from "../../components/shared/naming";
import { MigratedApplication, VaultApplication, migratedApplicationProblems } from "../application";
import { Finding } from "../findings";
import { SourcedManifest } from "../manifests";
import { keptObjects, keptSecrets } from "./contents";
import { AdoptEmit, adoptEmitter } from "./emit";
import { adoptedIdentity, mountsOf } from "./identity";
import { sortParserProblems } from "./parser-problems";

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
    return (
        manifest.kind === "SecretProviderClass" &&
        typeof manifest.apiVersion === "string" &&
        manifest.apiVersion.startsWith(`${SECRET_PROVIDER_CLASS_GROUP}/`)
    );
}

/** Context for adoption: workloads that mount classes (they hold the service-principal Secret and the ServiceAccount). */
export interface AdoptOptions {
    defaultNamespace: string;
    workloads?: readonly SourcedManifest[];
    /** Client ID of the cluster's addon identity, to recognise classes that already use it. */
    addonClientId?: string;
}

/** A placeholder tenant: the stack config takes the tenant from the stack's vault, not per app. */
const STACK_TENANT = "00000000-0000-0000-0000-000000000000";

/**
 * Adopts one SecretProviderClass manifest into the stack-config app form. `adopted` is undefined when what
 * remains can't be a valid app (the findings say why and what to do).
 */
export function adoptSecretProviderClass(
    sourced: SourcedManifest,
    options: AdoptOptions,
): { adopted?: VaultApplication; findings: Finding[] } {
    const { manifest, source } = sourced;
    const className = nameOf(manifest);
    const namespace = namespaceOf(manifest) ?? options.defaultNamespace;
    const findings: Finding[] = [];
    const emit = adoptEmitter(findings, `SecretProviderClass ${namespace}/${className}`, source);
    const parsed = parseSecretProviderClassManifest(manifest);
    const spec = parsed.value.spec;
    if (!namespaceOf(manifest)) {
        emit(
            "info",
            "NAMESPACE_DEFAULTED",
            "metadata.namespace",
            `is not set; using "${namespace}"`,
            "pass --namespace NAMESPACE if the class lives elsewhere (a class must be in its pods' namespace)",
        );
    }

    const problems = sortParserProblems(parsed.problems, emit);
    if (problems.tenant.length > 0) {
        emit(
            "info",
            "SPC_TENANT_FROM_STACK",
            problems.tenant[0].where,
            `${problems.tenant.map((p) => p.message).join("; ")}; the stack config takes the tenant from the stack's Key Vault, not per app`,
            "nothing to do; check the stack's vault is the one this class reads",
        );
    }
    const objects = keptObjects(spec.objects, problems, emit);
    const secrets = keptSecrets(spec.secretObjects ?? [], objects, problems, emit);
    // What's left must be a valid class (tenant checked by the stack, identity below).
    const remaining: SecretProviderClassSpec = { ...spec, tenantID: STACK_TENANT, objects, secretObjects: secrets };
    const leftover = secretProviderClassProblems(remaining).filter((p) => !p.where.startsWith("identity"));
    if (problems.class.length > 0 || leftover.length > 0) {
        return { findings: rejectClass([...problems.class, ...leftover], emit, findings) };
    }

    const mounts = mountsOf(options.workloads ?? [], namespace, className, options.defaultNamespace);
    const identity = adoptedIdentity(
        spec.identity,
        { className, namespace, mounts, addonClientId: options.addonClientId, identityIdProblem: problems.identityId },
        emit,
    );
    if (!identity) {
        return { findings };
    }
    const app: MigratedApplication = {
        name: adoptedName(className, namespace, emit),
        namespace,
        ...(identity.serviceAccountName ? { serviceAccountName: identity.serviceAccountName } : {}),
        identity: identity.identity,
        objects,
        syncedSecrets: secrets,
        ...(spec.cloudName ? { cloudName: spec.cloudName } : {}),
    };
    const vault = String(spec.keyvaultName);
    const invalid = migratedApplicationProblems(app, vault);
    if (invalid.length > 0) {
        return { findings: rejectClass(invalid, emit, findings) };
    }
    return { adopted: { vault, app }, findings };
}

function rejectClass(problems: readonly Problem[], emit: AdoptEmit, findings: Finding[]): Finding[] {
    for (const problem of problems) {
        emit("unsupported", "SPC_CLASS_REJECTED", problem.where, `${problem.message}; the class is not adopted`, problem.fix);
    }
    return findings;
}

/** The app's name: the class name (so pods keep mounting it), made a DNS label when it is not one. */
function adoptedName(className: string, namespace: string, emit: AdoptEmit): string {
    const name = toDnsLabel(className);
    if (name !== className) {
        emit(
            "review",
            "APP_NAME_SANITIZED",
            "metadata.name",
            `"${className}" is not a DNS label, so the app (and its class) is named "${name}"`,
            `change volumeAttributes.secretProviderClass of the pods to "${name}"`,
        );
    } else {
        emit(
            "info",
            "SPC_SAME_NAME",
            "metadata.name",
            `the app keeps the class name "${className}", so pods keep mounting it unchanged`,
            `the stack creates the class, so the hand-written one must go first: kubectl delete secretproviderclass -n ${namespace} ${className} right before pulumi up (running pods keep their mounts), or import it`,
        );
    }
    return name;
}
