import {
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidation,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { KEY_VAULT_ADDON_KEY, goDurationSeconds } from "../components/cluster/addon";
import { KEY_VAULT_ROLES, PRIVILEGED_ROLES, leastPrivilegedRole } from "../components/key-vault-access/roles";
import { PROVIDER_PARAMETER_KEYS, parseIdentity, parseObjectsParameter } from "../components/secret-provider-class/parse";
import { CSI_DRIVER_NAME } from "../components/secret-provider-class/render";
import { KeyVaultObject, SecretProviderClassSpec, SecretProviderIdentity, SyncedSecret } from "../components/secret-provider-class/types";
import { secretProviderClassProblems } from "../components/secret-provider-class/validate";
import { Problem, formatProblem, isGuid } from "../components/shared/validation";
import { POD_SPEC_PATHS } from "../components/workload/pod-templates";
import { DEFAULT_SECRET_HEURISTICS, SecretHeuristicOptions, SecretHint, isKeystoreFileName, pemLabels, isPrivatePemLabel, secretHints } from "./heuristics";
import { UNKNOWN, isMap, itemsOf, keysOf, read, stackOfUrn, stackSelected, str } from "./props";

/**
 * Policies for Azure Key Vault secrets in AKS through the Secrets Store CSI driver addon. Each policy is exported
 * on its own so tests can call `validateResource` / `validateStack` directly; `policies` lists them for the pack.
 *
 * Every check reads properties through `read()`: a value that is unknown during preview (an Output of a resource
 * not created yet) is skipped, the rest of the resource is still checked, and the update re-checks it with the
 * real value.
 */

/** A resource policy whose `validateResource` is a single function (callable from tests). */
export type ResourcePolicy = ResourceValidationPolicy & { validateResource: ResourceValidation };
/** A stack policy. */
export type StackPolicy = StackValidationPolicy & { validateStack: StackValidation };

// ---------------------------------------------------------------------------------------------------------------
// Resource kinds

const VAULT = /^azure-native:keyvault(\/v[0-9a-z]+)?:Vault$/;
const ROLE_ASSIGNMENT = /^azure-native:authorization(\/v[0-9a-z]+)?:RoleAssignment$/;
const MANAGED_CLUSTER = /^azure-native:containerservice(\/v[0-9a-z]+)?:ManagedCluster$/;
const SECRET_PROVIDER_CLASS = /^kubernetes:secrets-store\.csi\.x-k8s\.io\/v1(alpha1)?:SecretProviderClass$/;
const CONFIG_MAP = /^kubernetes:core\/v1:ConfigMap(Patch)?$/;

/** Names of the roles no service principal may hold, by role definition GUID. */
const PRIVILEGED_ROLE_NAMES: ReadonlyMap<string, string> = new Map(PRIVILEGED_ROLES.map((role) => [role.guid, role.displayName]));

/** Values ARM accepts for `principalType`. */
export const PRINCIPAL_TYPES = ["User", "Group", "ServicePrincipal", "ForeignGroup", "Device"] as const;

// ---------------------------------------------------------------------------------------------------------------
// Helpers

function displayName(args: { props: Record<string, unknown>; name: string }, nameProp: string): string {
    const value = str(read(args.props, nameProp));
    return typeof value === "string" && value !== "" ? value : args.name;
}

/** `namespace/name` of a Kubernetes object; the namespace falls back to the provider's, then `default`. */
function kubernetesName(resource: { props: Record<string, unknown>; name: string; provider?: { props: Record<string, unknown> } }): {
    namespace: string | typeof UNKNOWN;
    name: string | typeof UNKNOWN;
} {
    const name = str(read(resource.props, "metadata", "name")) ?? resource.name;
    let namespace = str(read(resource.props, "metadata", "namespace"));
    if (namespace === undefined || namespace === "") {
        const fromProvider = resource.provider ? str(read(resource.provider.props, "namespace")) : undefined;
        namespace = fromProvider === undefined || fromProvider === "" ? "default" : fromProvider;
    }
    return { namespace, name };
}

function qualified(ref: { namespace: string | typeof UNKNOWN; name: string | typeof UNKNOWN }): string {
    const part = (value: string | typeof UNKNOWN) => (value === UNKNOWN ? "(unknown)" : value);
    return `${part(ref.namespace)}/${part(ref.name)}`;
}

/** GUID of a role definition from `/subscriptions/<s>/providers/Microsoft.Authorization/roleDefinitions/<guid>` or a bare GUID. */
export function roleDefinitionGuid(roleDefinitionId: string): string | undefined {
    const last = roleDefinitionId.trim().split("/").filter((part) => part !== "").pop() ?? "";
    return isGuid(last) ? last.toLowerCase() : undefined;
}

function config<T extends object>(args: { getConfig<C extends object>(): C }, defaults: T): T {
    const given = (args.getConfig<Partial<T>>() ?? {}) as Partial<T>;
    const merged = { ...defaults } as Record<string, unknown>;
    for (const [key, value] of Object.entries(given)) {
        if (value !== undefined && key !== "enforcementLevel") {
            merged[key] = value;
        }
    }
    return merged as T;
}

// ---------------------------------------------------------------------------------------------------------------
// Key Vault

export const keyVaultRbacAuthorization: ResourcePolicy = {
    name: "keyvault-rbac-authorization",
    description: "Key Vaults use Azure RBAC (enableRbacAuthorization: true), so the role assignments given to workload and addon identities take effect.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (!VAULT.test(args.type)) {
            return;
        }
        const rbac = read(args.props, "properties", "enableRbacAuthorization");
        if (rbac === UNKNOWN || rbac === true) {
            return;
        }
        const vault = displayName(args, "vaultName");
        const state = rbac === undefined ? "does not set properties.enableRbacAuthorization, so Azure creates it with the access-policy model" : `sets properties.enableRbacAuthorization to ${JSON.stringify(rbac)}`;
        reportViolation(
            `Key Vault "${vault}" ${state}: role assignments such as "Key Vault Secrets User" for the workload and addon identities ` +
                "have no effect there, and the CSI driver gets 403 Forbidden when a pod mounts its secrets. Set properties.enableRbacAuthorization: true.",
        );
    },
};

/** Config of a policy that applies on some stacks only. */
interface StackScopedConfig {
    stacks: string[];
}

/** Config schema of a stack-scoped policy (default: prod). */
function stackScopedSchema(description: string): PolicyConfigSchema {
    return { properties: { stacks: { type: "array", items: { type: "string" }, default: ["prod"], description } } };
}

/** The stack of the resource when the policy's `stacks` config selects it, else undefined. */
function selectedStack(args: ResourceValidationArgs): string | undefined {
    const { stacks } = config<StackScopedConfig>(args, { stacks: ["prod"] });
    const stack = stackOfUrn(args.urn);
    return stackSelected(stacks, stack) ? stack : undefined;
}

export const keyVaultPurgeProtection: ResourcePolicy = {
    name: "keyvault-purge-protection",
    description: "Key Vaults on the configured stacks keep soft delete on and enable purge protection, so a deleted vault or secret can be recovered.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: stackScopedSchema(
        'Stacks where purge protection is required; "*" means every stack. Dev stacks that are torn down often may leave it off, since a purge-protected vault keeps its name reserved for the whole retention period.',
    ),
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (!VAULT.test(args.type)) {
            return;
        }
        const stack = selectedStack(args);
        if (!stack) {
            return;
        }
        const vault = displayName(args, "vaultName");
        const purge = read(args.props, "properties", "enablePurgeProtection");
        if (purge !== UNKNOWN && purge !== true) {
            reportViolation(
                `Key Vault "${vault}" on stack "${stack}" must enable purge protection (properties.enablePurgeProtection: true): without it ` +
                    "a deleted vault or secret can be purged at once and is gone for good. Note that purge protection cannot be turned off once on.",
            );
        }
        const softDelete = read(args.props, "properties", "enableSoftDelete");
        if (softDelete === false) {
            reportViolation(
                `Key Vault "${vault}" on stack "${stack}" sets properties.enableSoftDelete: false; soft delete is required for purge protection ` +
                    "and cannot be turned off on existing vaults. Remove the setting or set it to true.",
            );
        }
    },
};

export const keyVaultPublicNetworkAccess: ResourcePolicy = {
    name: "keyvault-public-network-access",
    description: "Key Vaults on the configured stacks do not accept data-plane traffic from every network.",
    enforcementLevel: "advisory",
    severity: "medium",
    configSchema: stackScopedSchema('Stacks where the vault must be network-restricted; "*" means every stack.'),
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (!VAULT.test(args.type)) {
            return;
        }
        const stack = selectedStack(args);
        if (!stack) {
            return;
        }
        const access = str(read(args.props, "properties", "publicNetworkAccess"));
        const defaultAction = str(read(args.props, "properties", "networkAcls", "defaultAction"));
        if (access === UNKNOWN || defaultAction === UNKNOWN) {
            return;
        }
        if ((access ?? "").toLowerCase() === "disabled" || (defaultAction ?? "").toLowerCase() === "deny") {
            return;
        }
        reportViolation(
            `Key Vault "${displayName(args, "vaultName")}" on stack "${stack}" accepts data-plane requests from any network ` +
                `(publicNetworkAccess is ${access === undefined ? "not set" : `"${access}"`} and networkAcls.defaultAction is not "Deny"). ` +
                'Use a private endpoint with publicNetworkAccess: "Disabled", or networkAcls { defaultAction: "Deny", bypass: "AzureServices" } ' +
                "with the AKS node subnet in virtualNetworkRules.",
        );
    },
};

// ---------------------------------------------------------------------------------------------------------------
// Role assignments

interface PrivilegedRoleConfig {
    additionalForbiddenRoleDefinitionIds: string[];
    exemptPrincipalIds: string[];
}

export const noPrivilegedRolesForServicePrincipals: ResourcePolicy = {
    name: "keyvault-no-privileged-roles-for-service-principals",
    description:
        "Service principals (workload and addon identities) get read roles only: no Key Vault Administrator, Secrets/Certificates/Crypto Officer, Contributor, Owner or access-granting role. People (User, Group) may hold them.",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema: {
        properties: {
            additionalForbiddenRoleDefinitionIds: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: "More role definition GUIDs (e.g. custom roles) service principals must not hold.",
            },
            exemptPrincipalIds: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: "Object IDs of service principals allowed to hold these roles anyway (e.g. a break-glass automation identity).",
            },
        },
    },
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (!ROLE_ASSIGNMENT.test(args.type)) {
            return;
        }
        const principalType = str(read(args.props, "principalType"));
        const roleDefinitionId = str(read(args.props, "roleDefinitionId"));
        if (typeof principalType !== "string" || principalType.toLowerCase() !== "serviceprincipal" || typeof roleDefinitionId !== "string") {
            return;
        }
        const cfg = config<PrivilegedRoleConfig>(args, { additionalForbiddenRoleDefinitionIds: [], exemptPrincipalIds: [] });
        const guid = roleDefinitionGuid(roleDefinitionId);
        const extra = cfg.additionalForbiddenRoleDefinitionIds.map((id) => roleDefinitionGuid(id) ?? id.toLowerCase());
        if (!guid || (!PRIVILEGED_ROLE_NAMES.has(guid) && !extra.includes(guid))) {
            return;
        }
        const principalId = str(read(args.props, "principalId"));
        if (typeof principalId === "string" && cfg.exemptPrincipalIds.map((id) => id.toLowerCase()).includes(principalId.toLowerCase())) {
            return;
        }
        const privileged = PRIVILEGED_ROLE_NAMES.get(guid);
        const role = privileged ? `"${privileged}" role (${guid})` : `role ${guid} (forbidden by policy config)`;
        const who = typeof principalId === "string" ? `service principal ${principalId}` : "a service principal";
        const secretReader = KEY_VAULT_ROLES[leastPrivilegedRole("secret")];
        const certificateReader = KEY_VAULT_ROLES[leastPrivilegedRole("cert")];
        reportViolation(
            `Role assignment "${args.name}" gives ${who} the ${role}. Workload and addon identities only read from Key Vault: use ` +
                `"${secretReader.displayName}" (${secretReader.guid}) for objectType secret, or "${certificateReader.displayName}" ` +
                `(${certificateReader.guid}) for cert and key objects. Officer, administrator, contributor, owner and access-granting roles ` +
                "are for people (principalType User or Group).",
        );
    },
};

export const roleAssignmentPrincipalType: ResourcePolicy = {
    name: "role-assignment-principal-type",
    description: "Role assignments set principalType, so a just-created identity is not looked up in Entra ID before it has replicated.",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (!ROLE_ASSIGNMENT.test(args.type)) {
            return;
        }
        const principalType = read(args.props, "principalType");
        if (principalType === UNKNOWN) {
            return;
        }
        if (principalType === undefined || principalType === "") {
            reportViolation(
                `Role assignment "${args.name}" does not set principalType. Set it ("ServicePrincipal" for managed identities and apps, ` +
                    '"Group" or "User" for people): without it ARM looks the principal up in Entra ID, and an identity created moments earlier ' +
                    "fails with PrincipalNotFound until replication catches up.",
            );
            return;
        }
        if (typeof principalType !== "string" || !PRINCIPAL_TYPES.some((type) => type.toLowerCase() === principalType.toLowerCase())) {
            reportViolation(
                `Role assignment "${args.name}" sets principalType ${JSON.stringify(principalType)}, which is not one of ${PRINCIPAL_TYPES.join(", ")}.`,
            );
        }
    },
};

// ---------------------------------------------------------------------------------------------------------------
// SecretProviderClass

/** A marker the model's checks skip (they only check string values): stands for a value unknown during preview. */
const UNKNOWN_INPUT = Object.freeze({ unknownDuringPreview: true }) as unknown as string;

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
    const problems: Problem[] = [];
    const known: Record<string, string> = {};
    const unknownKeys = new Set<string>();
    for (const key of keysOf(parametersValue)) {
        const value = read(parametersValue, key);
        if (value === undefined) {
            continue;
        }
        if (!(PROVIDER_PARAMETER_KEYS as readonly string[]).includes(key)) {
            const sameButCase = PROVIDER_PARAMETER_KEYS.find((candidate) => candidate.toLowerCase() === key.toLowerCase());
            problems.push({
                where: `spec.parameters.${key}`,
                message: "is not a key the Azure provider reads, so it is silently ignored",
                fix: sameButCase ? `spell it "${sameButCase}" (keys are case-sensitive)` : `remove it; the provider reads ${PROVIDER_PARAMETER_KEYS.join(", ")}`,
            });
            continue;
        }
        if (value === UNKNOWN) {
            unknownKeys.add(key);
        } else if (typeof value === "string") {
            known[key] = value;
        } else {
            problems.push({ where: `spec.parameters.${key}`, message: `is a ${value === null ? "null" : typeof value}, but the CRD takes strings only`, fix: `quote the value: "${String(value)}"` });
        }
    }
    const present = (key: string) => key in known || unknownKeys.has(key);
    if (!present("keyvaultName")) {
        problems.push({ where: "spec.parameters.keyvaultName", message: 'is missing; the provider fails with "keyvaultName is not provided"', fix: "set the vault name" });
    }
    if (!present("tenantID") && !present("tenantId")) {
        problems.push({ where: "spec.parameters.tenantID", message: 'is missing; the provider fails with "tenantId is not provided"', fix: "set the vault's Entra tenant ID" });
    }
    if (!present("objects")) {
        problems.push({ where: "spec.parameters.objects", message: 'is missing; the provider fails with "objects is not set"', fix: "list the Key Vault objects to mount" });
    }

    // Identity: resolve the mode from what is known; an unknown ID still counts as set.
    const identityUnknown = ["usePodIdentity", "useVMManagedIdentity", "useAzureTokenProxy"].some((key) => unknownKeys.has(key));
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
        identity = parsed.value;
        if (identity.mode === "workloadIdentity" && unknownKeys.has("clientID")) {
            identity = { mode: "workloadIdentity", clientID: UNKNOWN_INPUT };
        }
        if (identity.mode === "managedIdentity" && unknownKeys.has("userAssignedIdentityID")) {
            identity = { mode: "managedIdentity", userAssignedIdentityID: UNKNOWN_INPUT };
        }
        if (identity.mode === "servicePrincipal") {
            problems.push({
                where: "spec.parameters",
                message: "sets no identity mode, so the provider falls back to a service principal whose client secret sits in a Kubernetes Secret (nodePublishSecretRef)",
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
        ...(typeof cloudName === "string" && cloudName.trim() !== "" ? { cloudName: cloudName.trim() as SecretProviderClassSpec["cloudName"] } : {}),
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
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (!SECRET_PROVIDER_CLASS.test(args.type)) {
            return;
        }
        const spec = read(args.props, "spec");
        if (spec === UNKNOWN) {
            return;
        }
        const ref = qualified(kubernetesName(args));
        for (const problem of secretProviderClassSpecProblems(spec)) {
            reportViolation(`SecretProviderClass "${ref}": ${formatProblem(problem)}`);
        }
    },
};

// ---------------------------------------------------------------------------------------------------------------
// Synced Secrets and the pods that read them

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
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
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

function checkWorkload(resource: PolicyResource, path: readonly string[], synced: Map<string, Map<string, SyncingClass[]>>, reportViolation: ReportViolation): void {
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

// ---------------------------------------------------------------------------------------------------------------
// AKS addon rotation

interface RotationConfig {
    maxPollInterval?: string;
}

export const aksSecretRotation: ResourcePolicy = {
    name: "aks-keyvault-secret-rotation",
    description:
        "AKS clusters with the Key Vault secrets provider addon turn on secret rotation, so mounted secrets follow Key Vault. Advisory by default; the prod policy config makes it mandatory.",
    enforcementLevel: "advisory",
    severity: "medium",
    configSchema: {
        properties: {
            maxPollInterval: {
                type: "string",
                pattern: "^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$",
                description: 'Longest rotationPollInterval allowed (Go duration, e.g. "10m"); unset = any.',
            },
        },
    },
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (!MANAGED_CLUSTER.test(args.type)) {
            return;
        }
        const profiles = read(args.props, "addonProfiles");
        if (profiles === UNKNOWN || !isMap(profiles)) {
            return;
        }
        const key = keysOf(profiles).find((candidate) => candidate.toLowerCase() === KEY_VAULT_ADDON_KEY.toLowerCase());
        if (!key) {
            return;
        }
        const enabled = read(profiles, key, "enabled");
        if (enabled !== true) {
            return;
        }
        const cluster = displayName(args, "resourceName");
        const rotation = read(profiles, key, "config", "enableSecretRotation");
        if (rotation === UNKNOWN) {
            return;
        }
        if (typeof rotation !== "string" || rotation.trim().toLowerCase() !== "true") {
            const state = rotation === undefined ? "does not set enableSecretRotation (AKS defaults it to \"false\")" : `sets enableSecretRotation to ${JSON.stringify(rotation)}`;
            reportViolation(
                `AKS cluster "${cluster}" enables the ${KEY_VAULT_ADDON_KEY} addon but ${state}: mounted secrets keep the value read at pod start ` +
                    'until the pod is recreated, so a rotated or revoked Key Vault secret stays in use. Set addonProfiles.azureKeyvaultSecretsProvider.config ' +
                    '{ enableSecretRotation: "true", rotationPollInterval: "2m" } (values are strings).',
            );
            return;
        }
        const { maxPollInterval } = config<RotationConfig>(args, {});
        const interval = read(profiles, key, "config", "rotationPollInterval");
        if (interval === UNKNOWN || !maxPollInterval) {
            return;
        }
        const value = typeof interval === "string" && interval !== "" ? interval : "2m";
        const seconds = goDurationSeconds(value);
        const max = goDurationSeconds(maxPollInterval);
        if (seconds === undefined) {
            reportViolation(`AKS cluster "${cluster}" sets rotationPollInterval ${JSON.stringify(interval)}, which is not a Go duration such as "2m".`);
        } else if (max !== undefined && seconds > max) {
            reportViolation(
                `AKS cluster "${cluster}" polls Key Vault for rotated secrets every ${value}, longer than the ${maxPollInterval} this stack allows ` +
                    "(policy config maxPollInterval). Lower addonProfiles.azureKeyvaultSecretsProvider.config.rotationPollInterval.",
            );
        }
    },
};

// ---------------------------------------------------------------------------------------------------------------
// Secret values in plain configuration

interface NoSecretValuesConfig extends SecretHeuristicOptions {
    allowKeys: string[];
}

const NO_SECRET_DEFAULTS: NoSecretValuesConfig = { ...DEFAULT_SECRET_HEURISTICS, allowKeys: [] };

function allowed(cfg: NoSecretValuesConfig, ref: { namespace: string | typeof UNKNOWN; name: string | typeof UNKNOWN }, key: string): boolean {
    const candidates = [`${qualified(ref)}/${key}`, `${String(ref.name === UNKNOWN ? "" : ref.name)}/${key}`];
    return cfg.allowKeys.some((entry) => candidates.includes(entry));
}

function describeHints(hints: SecretHint[]): string {
    return hints.map((hint) => hint.detail).join("; ");
}

const SECRET_PARAMETER_KEY = /(secret|password|passwd|token|credential|certificate|privatekey)/;

export const noSecretValuesInManifests: ResourcePolicy = {
    name: "no-secret-values-in-manifests",
    description:
        "No secret value sits in a ConfigMap or a SecretProviderClass: no private keys, tokens, credentials or random-looking keys, and no credential-like SecretProviderClass parameters. Secrets live in Key Vault and reach pods through the CSI driver.",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema: {
        properties: {
            allowKeys: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: 'Keys that are known not to be secrets, as "<namespace>/<name>/<key>" or "<name>/<key>" (ConfigMap data keys or SecretProviderClass parameter names).',
            },
            minLength: { type: "integer", minimum: 8, default: 32, description: "Shortest token the entropy rule looks at." },
            entropyThreshold: { type: "number", minimum: 0, maximum: 8, default: 4.3, description: "Shannon entropy (bits per character) from which a token counts as random." },
            allowPublicPemBlocks: { type: "boolean", default: true, description: "Allow PEM blocks that are public by nature (CERTIFICATE, PUBLIC KEY); private keys are never allowed." },
        },
    },
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        const isConfigMap = CONFIG_MAP.test(args.type);
        const isSpc = SECRET_PROVIDER_CLASS.test(args.type);
        if (!isConfigMap && !isSpc) {
            return;
        }
        const cfg = config<NoSecretValuesConfig>(args, NO_SECRET_DEFAULTS);
        const ref = kubernetesName(args);
        const what = `${isConfigMap ? "ConfigMap" : "SecretProviderClass"} "${qualified(ref)}"`;
        const advice = isConfigMap
            ? "ConfigMaps are readable by anyone who can read the namespace's configuration, and their values are stored in the Pulumi state in clear text. Put the value in Key Vault and mount it through a SecretProviderClass"
            : "SecretProviderClass parameters are plain configuration, stored in clear text in the cluster and the Pulumi state";
        const allowHint = (key: string) => `If it is not a secret, add "${qualified(ref)}/${key}" to this policy's allowKeys.`;

        if (isConfigMap) {
            const data = read(args.props, "data");
            for (const key of keysOf(data)) {
                const value = read(data, key);
                if (typeof value !== "string" || allowed(cfg, ref, key)) {
                    continue;
                }
                const hints = secretHints(key, value, cfg);
                if (isKeystoreFileName(key) && !hints.some((hint) => hint.rule === "pem-private-key")) {
                    hints.push({ rule: "keystore-file", detail: "a key named like a keystore or private-key file (.pfx, .p12, .jks, .keystore, .key)" });
                }
                if (hints.length > 0) {
                    reportViolation(`${what} key "${key}" holds ${describeHints(hints)}. ${advice}. ${allowHint(key)}`);
                }
            }
            const binaryData = read(args.props, "binaryData");
            for (const key of keysOf(binaryData)) {
                const value = read(binaryData, key);
                if (typeof value !== "string" || allowed(cfg, ref, key)) {
                    continue;
                }
                const decoded = Buffer.from(value, "base64").toString("latin1");
                const privateLabel = pemLabels(decoded).find(isPrivatePemLabel);
                if (privateLabel) {
                    reportViolation(`${what} binaryData key "${key}" holds a PEM private key (-----BEGIN ${privateLabel}-----). ${advice}. ${allowHint(key)}`);
                } else if (isKeystoreFileName(key)) {
                    reportViolation(
                        `${what} binaryData key "${key}" holds a key named like a keystore or private-key file (.pfx, .p12, .jks, .keystore, .key). ${advice}. ${allowHint(key)}`,
                    );
                }
            }
            return;
        }

        const parameters = read(args.props, "spec", "parameters");
        for (const key of keysOf(parameters)) {
            if (allowed(cfg, ref, key)) {
                continue;
            }
            if (SECRET_PARAMETER_KEY.test(key.toLowerCase().replace(/[^a-z0-9]/g, ""))) {
                reportViolation(
                    `${what} has parameter "${key}", which looks like a credential. The Azure provider never reads credentials from parameters ` +
                        "(a service principal's client secret comes from the pod volume's nodePublishSecretRef Secret), so the value only leaks: " +
                        'remove it and use workload identity (clientID) or the addon identity (useVMManagedIdentity: "true").',
                );
                continue;
            }
            const value = read(parameters, key);
            if (typeof value !== "string") {
                continue;
            }
            const hints = secretHints(key, value, cfg).filter((hint) => hint.rule !== "secret-named-key");
            if (hints.length > 0) {
                reportViolation(`${what} parameter "${key}" holds ${describeHints(hints)}. ${advice}. ${allowHint(key)}`);
            }
        }
    },
};

// ---------------------------------------------------------------------------------------------------------------

/** Every policy of the pack, in the order they are reported. */
export const policies: Array<ResourcePolicy | StackPolicy> = [
    keyVaultRbacAuthorization,
    keyVaultPurgeProtection,
    keyVaultPublicNetworkAccess,
    noPrivilegedRolesForServicePrincipals,
    roleAssignmentPrincipalType,
    secretProviderClassWellFormed,
    syncedSecretConsumersMountCsiVolume,
    aksSecretRotation,
    noSecretValuesInManifests,
];
