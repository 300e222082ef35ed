/** The SecretProviderClass policy: each class read the way the Azure provider reads it, checked by the library's rules. */
import type { Input } from "@pulumi/pulumi";
import {
    IDENTITY_MODE_FLAGS,
    PROVIDER_PARAMETER_KEYS,
    parseIdentity,
    parseObjectsParameter,
} from "../components/secret-provider-class/parse";
import {
    KeyVaultObject,
    MANAGED_IDENTITY_DEPRECATION_URL,
    SecretProviderClassSpec,
    SecretProviderIdentity,
    SyncedSecret,
} from "../components/secret-provider-class/types";
import { secretProviderClassProblems } from "../components/secret-provider-class/validate";
import { AKS_ADDON_PROVIDER, IDENTITY_BINDING_PROVIDER_VERSION } from "../components/secret-provider-class/provider-version";
import { Problem, formatProblem } from "../components/shared/validation";
import { kubernetesName, qualified } from "./kubernetes";
import { UNKNOWN, isMap, itemsOf, keysOf, read, str } from "./props";
import { ResourcePolicy, forType } from "./resource-policy";

/** SecretProviderClass of either served API version. */
export const SECRET_PROVIDER_CLASS = /^kubernetes:secrets-store\.csi\.x-k8s\.io\/v1(alpha1)?:SecretProviderClass$/;

/**
 * A parameter unknown during preview, in the typed model: an Input that never resolves. The model's checks look at
 * values known now only (as they skip an Output), so they skip it.
 */
const UNKNOWN_INPUT: Input<string> = new Promise<string>(() => undefined);

/**
 * The parameters the provider reads: their string values, the keys whose value is unknown during preview, and the
 * problems of keys it ignores and of values that are not strings.
 */
function readParameters(parameters: unknown): { known: Record<string, string>; unknownKeys: Set<string>; problems: Problem[] } {
    const problems: Problem[] = [];
    const known: Record<string, string> = {};
    const unknownKeys = new Set<string>();
    for (const key of keysOf(parameters)) {
        const value = read(parameters, key);
        if (value === undefined) {
            continue;
        }
        if (!(PROVIDER_PARAMETER_KEYS as readonly string[]).includes(key)) {
            const sameButCase = PROVIDER_PARAMETER_KEYS.find((candidate) => candidate.toLowerCase() === key.toLowerCase());
            problems.push({
                where: `spec.parameters.${key}`,
                message: "is not a key the Azure provider reads, so it is silently ignored",
                fix: sameButCase
                    ? `spell it "${sameButCase}" (keys are case-sensitive)`
                    : `remove it; the provider reads ${PROVIDER_PARAMETER_KEYS.join(", ")}`,
            });
            continue;
        }
        if (value === UNKNOWN) {
            unknownKeys.add(key);
        } else if (typeof value === "string") {
            known[key] = value;
        } else {
            problems.push({
                where: `spec.parameters.${key}`,
                message: `is a ${value === null ? "null" : typeof value}, but the CRD takes strings only`,
                fix: `quote the value: "${String(value)}"`,
            });
        }
    }
    return { known, unknownKeys, problems };
}

/** The identity with an ID that is not known yet standing in for it, so its checks wait for the value. */
function withUnknownIds(identity: SecretProviderIdentity, unknownKeys: ReadonlySet<string>): SecretProviderIdentity {
    if ((identity.mode === "workloadIdentity" || identity.mode === "identityBinding") && unknownKeys.has("clientID")) {
        return { mode: identity.mode, clientID: UNKNOWN_INPUT };
    }
    if (identity.mode === "managedIdentity" && unknownKeys.has("userAssignedIdentityID")) {
        return { mode: "managedIdentity", userAssignedIdentityID: UNKNOWN_INPUT };
    }
    return identity;
}

/**
 * Problems of one SecretProviderClass `spec`, read the way the Azure provider reads it, using the typed model's
 * parser (`parseObjectsParameter`, `parseIdentity`, `PROVIDER_PARAMETER_KEYS`) and rules
 * (`secretProviderClassProblems`, which runs `keyVaultObjectProblems`, `objectSetProblems` and the synced-Secret,
 * identity, name and tenant checks). Values unknown during preview are skipped.
 */
export function secretProviderClassSpecProblems(spec: unknown): Problem[] {
    const provider = read(spec, "provider");
    if (provider === UNKNOWN || provider !== "azure") {
        return [];
    }
    const parametersValue = read(spec, "parameters");
    if (parametersValue === UNKNOWN) {
        return [];
    }
    if (!isMap(parametersValue)) {
        return [{ where: "spec.parameters", message: "is missing", fix: "set keyvaultName, tenantID, objects and one identity mode" }];
    }
    const { known, unknownKeys, problems } = readParameters(parametersValue);
    const present = (key: string) => key in known || unknownKeys.has(key);
    if (!present("keyvaultName")) {
        problems.push({
            where: "spec.parameters.keyvaultName",
            message: 'is missing; the provider fails with "keyvaultName is not provided"',
            fix: "set the vault name",
        });
    }
    if (!present("tenantID") && !present("tenantId")) {
        problems.push({
            where: "spec.parameters.tenantID",
            message: 'is missing; the provider fails with "tenantId is not provided"',
            fix: "set the vault's Entra tenant ID",
        });
    }
    if (!present("objects")) {
        problems.push({
            where: "spec.parameters.objects",
            message: 'is missing; the provider fails with "objects is not set"',
            fix: "list the Key Vault objects to mount",
        });
    }

    // Identity: resolve the mode from what is known; an unknown ID still counts as set.
    const identityUnknown = IDENTITY_MODE_FLAGS.some((key) => unknownKeys.has(key));
    let identity: SecretProviderIdentity | undefined;
    if (!identityUnknown) {
        const forMode: Record<string, string> = { ...known };
        for (const key of ["clientID", "userAssignedIdentityID"]) {
            if (unknownKeys.has(key)) {
                forMode[key] = "unknown";
            }
        }
        const parsed = parseIdentity(forMode);
        problems.push(...parsed.problems.map((problem) => ({ ...problem, where: `spec.${problem.where}` })));
        identity = withUnknownIds(parsed.value, unknownKeys);
        if (identity.mode === "servicePrincipal") {
            problems.push({
                where: "spec.parameters",
                message:
                    "sets no identity mode, so the provider falls back to a service principal whose client secret sits in a Kubernetes Secret (nodePublishSecretRef)",
                fix: 'use workload identity (clientID) or the addon identity (useVMManagedIdentity: "true" with userAssignedIdentityID)',
            });
        }
    }

    // Objects: parse exactly as the provider does.
    let objects: KeyVaultObject[] | undefined;
    if ("objects" in known) {
        const parsed = parseObjectsParameter(known.objects);
        problems.push(...parsed.problems.map((problem) => ({ ...problem, where: `spec.parameters.${problem.where}` })));
        objects = parsed.value;
    }

    const secretObjectsValue = read(spec, "secretObjects");
    const secretObjects = secretObjectsValue === UNKNOWN ? undefined : (plainCopy(secretObjectsValue) as SyncedSecret[] | undefined);
    const cloudName = str(known.cloudName);
    const model: SecretProviderClassSpec = {
        keyvaultName: "keyvaultName" in known ? known.keyvaultName.trim() : UNKNOWN_INPUT,
        tenantID: "tenantID" in known ? known.tenantID.trim() : "tenantId" in known ? known.tenantId.trim() : UNKNOWN_INPUT,
        identity: identity ?? { mode: "workloadIdentity", clientID: UNKNOWN_INPUT },
        objects: objects ?? [],
        ...(secretObjects ? { secretObjects } : {}),
        ...(typeof cloudName === "string" && cloudName.trim() !== ""
            ? { cloudName: cloudName.trim() as SecretProviderClassSpec["cloudName"] }
            : {}),
    };
    const modelProblems = secretProviderClassProblems(model).filter((problem) => {
        if (identity?.mode === "servicePrincipal" && problem.where === "identity.nodePublishSecretRef") {
            return false; // reported above in terms of parameters
        }
        if (objects === undefined && (problem.where.startsWith("objects") || /^secretObjects.*\.objectName$/.test(problem.where))) {
            return false; // objects unknown or missing: nothing to check against
        }
        return true;
    });
    problems.push(...modelProblems.map((problem) => ({ ...problem, where: manifestPath(problem.where) })));
    return problems;
}

/** Maps a path of the typed model (`identity.clientID`, `objects[0] "db"`) to where it sits in the manifest. */
function manifestPath(where: string): string {
    if (where.startsWith("secretObjects")) {
        return `spec.${where}`;
    }
    if (where === "identity") {
        return "spec.parameters";
    }
    if (where.startsWith("identity.")) {
        return `spec.parameters.${where.slice("identity.".length)}`;
    }
    return `spec.parameters.${where}`;
}

/** A plain (non-proxy) deep copy of a known value; unknown parts become undefined. */
function plainCopy(value: unknown): unknown {
    if (value === UNKNOWN) {
        return undefined;
    }
    if (Array.isArray(value)) {
        return itemsOf(value).map(plainCopy);
    }
    if (isMap(value)) {
        return Object.fromEntries(keysOf(value).map((key) => [key, plainCopy(read(value, key))]));
    }
    return value;
}

export const secretProviderClassWellFormed: ResourcePolicy = {
    name: "secret-provider-class-well-formed",
    description:
        "Azure SecretProviderClasses only use parameter keys the provider reads, their objects parse the way the provider parses them, and objects, identity and synced Secrets are valid.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Fix the parameter, object or synced Secret the message names (the message says how); declare classes through the SecretProviderClass or AppWorkload component, which refuse the same problems at construction.",
    url: "https://azure.github.io/secrets-store-csi-driver-provider-azure/docs/getting-started/usage/",
    tags: ["secrets-store-csi", "kubernetes"],
    validateResource: forType(SECRET_PROVIDER_CLASS, (args, reportViolation) => {
        const spec = read(args.props, "spec");
        if (spec === UNKNOWN) {
            return;
        }
        const ref = qualified(kubernetesName(args));
        for (const problem of secretProviderClassSpecProblems(spec)) {
            reportViolation(`SecretProviderClass "${ref}": ${formatProblem(problem)}`);
        }
    }),
};

export const secretProviderClassManagedIdentityDeprecated: ResourcePolicy = {
    name: "secret-provider-class-managed-identity-deprecated",
    description:
        "Azure SecretProviderClasses that authenticate with a managed identity on the nodes (useVMManagedIdentity, e.g. the AKS addon identity) are flagged: the provider plans to deprecate that mode in favour of workload identity.",
    enforcementLevel: "advisory",
    severity: "low",
    remediationSteps:
        "Move the app to workload identity: in this program, identity { mode: workloadIdentity } (the program creates the identity, its federated credential and its roles); by hand, a federated identity with clientID in the class and the pods' ServiceAccount annotated with it. " +
        `Where one identity serves many clusters or service accounts, AKS identity binding (preview, feature IdentityBindingPreview) is the alternative on a cluster whose provider is v${IDENTITY_BINDING_PROVIDER_VERSION} or later ` +
        `(the AKS addon's, v${AKS_ADDON_PROVIDER.version}, ignores it): identity { mode: identityBinding } with cluster.keyVaultProvider, or useAzureTokenProxy: "true" with clientID.`,
    url: MANAGED_IDENTITY_DEPRECATION_URL,
    tags: ["secrets-store-csi", "identity", "deprecation"],
    validateResource: forType(SECRET_PROVIDER_CLASS, (args, reportViolation) => {
        const spec = read(args.props, "spec");
        const parameters = spec === UNKNOWN ? UNKNOWN : read(spec, "parameters");
        if (read(spec, "provider") !== "azure" || !isMap(parameters)) {
            return;
        }
        const { known, unknownKeys } = readParameters(parameters);
        // A mode decided by a value not known yet is checked by the update.
        if (!IDENTITY_MODE_FLAGS.some((flag) => unknownKeys.has(flag)) && parseIdentity(known).value.mode === "managedIdentity") {
            reportViolation(
                `SecretProviderClass "${qualified(kubernetesName(args))}" authenticates with a managed identity on the nodes (useVMManagedIdentity), a mode the Azure ` +
                    `provider plans to deprecate in favour of workload identity (${MANAGED_IDENTITY_DEPRECATION_URL}). It keeps working; plan the move to workload identity.`,
            );
        }
    }),
};
