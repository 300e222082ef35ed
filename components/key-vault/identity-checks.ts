import { Problem } from "../shared/validation";
import { KeyVaultObjectType } from "../secret-provider-class/types";
import { KEY_VAULT_ROLES, KeyVaultRoleName, ReadObject, VAULT_MANAGEMENT_ROLES, leastPrivilegedRole } from "../key-vault-access/roles";

/**
 * The preview's identity check (the identity half of the vault check): whether the identity an app's pods
 * authenticate as exists, trusts the app's ServiceAccount on this cluster, and holds a role that reads each of the
 * app's objects. Pure: it holds plain facts (what the management plane said, read by read-identities.ts) against
 * what an app uses, and returns problems (the mount would fail) and warnings (what it could not see).
 *
 * Data actions of the built-in roles, as Azure's built-in role definitions list them: Key Vault Secrets User
 * (`secrets/getSecret/action`), Secrets Officer (`secrets/*`), Certificate User (`certificates/read`,
 * `secrets/getSecret/action`, `keys/read`), Certificates Officer (`certificates/*`), Crypto Officer (`keys/*`),
 * Crypto User and Crypto Service Encryption User (`keys/read`), Administrator (`vaults/*`), Key Vault Reader
 * (`vaults/*\/read` and `secrets/readMetadata/action`: the public part of keys and certificates, never a secret's value).
 * Each objectType reads one data action (the provider v1.8.2, pkg/provider/provider.go): `secret` GetSecret
 * (`secrets/getSecret/action`), `cert` GetCertificate (`certificates/read`), `key` GetKey (`keys/read`).
 */

/** The audience a workload identity's federated credential must accept (the token the pods exchange carries it). */
export const WORKLOAD_IDENTITY_AUDIENCE = "api://AzureADTokenExchange";

/** The least role that reads what the identity check reads: identities, federated credentials, role assignments. */
export const IDENTITY_READER_ROLE = "Reader";

/**
 * Key-reading roles that KEY_VAULT_ROLES leaves out (this library never assigns them), so that an identity holding
 * one is not told it cannot read its keys.
 */
export const OTHER_KEY_READER_ROLES = {
    cryptoUser: { displayName: "Key Vault Crypto User", guid: "12338af0-0e69-4776-bea7-57ae8d297424" },
    cryptoServiceEncryptionUser: { displayName: "Key Vault Crypto Service Encryption User", guid: "e147488a-f6f5-4113-8e2d-b22465e65bf6" },
} as const;

/** The built-in Reader role: it reads the management plane, no Key Vault data. */
const READER = { displayName: "Reader", guid: "acdd72a7-3385-48ef-bd42-f606fba81ae7" };

/** Which objectTypes each known role reads, by its role-definition GUID. */
const READS: ReadonlyMap<string, { displayName: string; reads: readonly KeyVaultObjectType[] }> = new Map(
    [
        { role: KEY_VAULT_ROLES.secretsUser, reads: ["secret"] as const },
        { role: KEY_VAULT_ROLES.secretsOfficer, reads: ["secret"] as const },
        { role: KEY_VAULT_ROLES.certificateUser, reads: ["secret", "cert", "key"] as const },
        { role: KEY_VAULT_ROLES.certificatesOfficer, reads: ["cert"] as const },
        { role: KEY_VAULT_ROLES.cryptoOfficer, reads: ["key"] as const },
        { role: KEY_VAULT_ROLES.administrator, reads: ["secret", "cert", "key"] as const },
        { role: KEY_VAULT_ROLES.reader, reads: ["cert", "key"] as const },
        { role: OTHER_KEY_READER_ROLES.cryptoUser, reads: ["key"] as const },
        { role: OTHER_KEY_READER_ROLES.cryptoServiceEncryptionUser, reads: ["key"] as const },
        ...[...Object.values(VAULT_MANAGEMENT_ROLES), READER].map((role) => ({ role, reads: [] as const })),
    ].map(({ role, reads }) => [role.guid, { displayName: role.displayName, reads }]),
);

/** The display names of the roles that read `objectType`, least first as KEY_VAULT_ROLES orders them. */
export function rolesReading(objectType: KeyVaultObjectType): string[] {
    return [...READS.values()].filter((role) => role.reads.includes(objectType)).map((role) => role.displayName);
}

/** A user-assigned managed identity, as the management plane lists it. */
export interface ManagedIdentityFacts {
    /** Its client (application) ID: what a SecretProviderClass names. */
    clientId: string;
    /** Its principal (object) ID: what role assignments name. */
    principalId: string;
    /** Its ARM resource ID. */
    resourceId: string;
}

/** One federated identity credential of a user-assigned identity. */
export interface FederatedCredentialFacts {
    /** The credential's name. */
    name: string;
    /** The token issuer it trusts (the cluster's OIDC issuer URL). */
    issuer: string;
    /** The token subject it trusts (`system:serviceaccount:<namespace>:<name>`). */
    subject: string;
    /** The audiences it accepts. */
    audiences: readonly string[];
}

/** One role assignment. */
export interface RoleAssignmentFacts {
    /** `/subscriptions/<id>/providers/Microsoft.Authorization/roleDefinitions/<guid>` (or the bare GUID). */
    roleDefinitionId: string;
    /** Where it is assigned: a management group, subscription, resource group, the vault or one of its objects. */
    scope: string;
    /** Who holds it. */
    principalId: string;
}

/** A read of the management plane: what it returned, or why not (a refusal's status, or no answer at all). */
export type ManagementRead<T> = { value: T } | { status?: number; reason: string };

/** What the management plane said about the identities the apps use. */
export interface IdentityFacts {
    /** Where the identities were listed: a subscription (`/subscriptions/<id>`) or a resource group's ID. */
    identityScope: string;
    /** The user-assigned identities listed there. */
    identities: ManagementRead<readonly ManagedIdentityFacts[]>;
    /** Each identity's federated credentials, by its resource ID (any case). */
    federatedCredentials: Readonly<Record<string, ManagementRead<readonly FederatedCredentialFacts[]>>>;
    /** Each principal's role assignments at, above and below the vault, by principal ID (any case). */
    roleAssignments: Readonly<Record<string, ManagementRead<readonly RoleAssignmentFacts[]>>>;
}

/** What one app uses: its identity, its ServiceAccount and the objects it reads. */
export interface IdentityUse {
    /** How its pods authenticate (servicePrincipal apps are not checked). */
    mode: "addon" | "workloadIdentity" | "identityBinding";
    /** The client ID the SecretProviderClass names. */
    clientId: string;
    /** The app's ServiceAccount (workloadIdentity: what the federated credential must trust). */
    serviceAccount?: { namespace: string; name: string };
    /** The objects it reads from the vault. */
    objects: readonly ReadObject[];
    /** True when this deploy grants the identity its roles on the vault: they are not checked. */
    rolesGranted?: boolean;
}

/** What is known of the vault and the cluster. */
export interface IdentityCheckContext {
    /** The vault's ARM resource ID. */
    vaultId: string;
    /** The cluster's OIDC issuer URL, when known. */
    oidcIssuerUrl?: string;
    /** The client ID of the cluster's addon identity, when the cluster is known. */
    addonIdentityClientId?: string;
}

/** What the identity check found: problems fail the preview, warnings are printed. */
export interface IdentityFindings {
    /** What would fail the mount. */
    problems: Problem[];
    /** What the check could not see. */
    warnings: Problem[];
}

const COLLECTION_PATH: Readonly<Record<KeyVaultObjectType, string>> = { secret: "secrets", cert: "certificates", key: "keys" };
const KIND: Readonly<Record<KeyVaultObjectType, string>> = { secret: "secret", cert: "certificate", key: "key" };

const lower = (value: string) => value.toLowerCase();

/** The entry of `record` under `key`, compared case-insensitively (ARM IDs and GUIDs are). */
function lookup<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
    const found = Object.keys(record).find((candidate) => lower(candidate) === lower(key));
    return found === undefined ? undefined : record[found];
}

/** The last segment of an ARM ID. */
function lastSegment(id: string): string {
    return id.split("/").filter(Boolean).pop() ?? id;
}

/** The resource group (`/subscriptions/<id>/resourceGroups/<name>`) of an ARM ID, or its name alone. */
function resourceGroupOf(id: string): { id: string; name: string } | undefined {
    const match = /^(\/subscriptions\/[^/]+\/resourceGroups\/([^/]+))(\/|$)/i.exec(id);
    return match ? { id: match[1], name: match[2] } : undefined;
}

/** The subscription scope (`/subscriptions/<id>`) of an ARM ID. */
function subscriptionScopeOf(id: string): string | undefined {
    return /^(\/subscriptions\/[^/]+)(\/|$)/i.exec(id)?.[1];
}

/** `reason` of a read that failed, with its status when it has one. */
function why(read: { status?: number; reason: string }): string {
    return read.status !== undefined ? `${read.status}: ${read.reason}` : read.reason;
}

/** The ServiceAccount subject a federated credential trusts for `serviceAccount`. */
export function serviceAccountSubject(serviceAccount: { namespace: string; name: string }): string {
    return `system:serviceaccount:${serviceAccount.namespace}:${serviceAccount.name}`;
}

/**
 * True when a role assigned at `scope` applies to `object` of the vault `vaultId`: the scope is the vault, a scope
 * above it (its resource group, its subscription, a management group, the root `/`), or the object's own scope
 * `<vaultId>/secrets|certificates|keys/<name>` (compared case-insensitively). A management group is taken as above
 * the vault: the reader lists the assignments of the vault's own chain only.
 */
export function scopeCovers(scope: string, vaultId: string, object: ReadObject): boolean {
    const normalized = lower(scope).replace(/\/+$/, "");
    const vault = lower(vaultId).replace(/\/+$/, "");
    if (normalized === "" || normalized === vault || vault.startsWith(`${normalized}/`)) {
        return true;
    }
    if (normalized.startsWith("/providers/microsoft.management/managementgroups/")) {
        return true;
    }
    return normalized === `${vault}/${COLLECTION_PATH[object.objectType]}/${lower(object.objectName)}`;
}

/** The role of an assignment as the check knows it, or undefined for a role it does not know (a custom role). */
function knownRole(roleDefinitionId: string) {
    return READS.get(lower(lastSegment(roleDefinitionId)));
}

/** `"a", "b"` */
function quoted(values: readonly string[]): string {
    return values.map((value) => `"${value}"`).join(", ");
}

/** `secret "a", certificate "b"` */
function describeObjects(objects: readonly ReadObject[]): string {
    return objects.map((object) => `${KIND[object.objectType]} "${object.objectName}"`).join(", ");
}

/** The identity's role assignments on the vault's chain and what they read. */
function roleFindings(
    use: IdentityUse,
    identity: ManagedIdentityFacts,
    context: IdentityCheckContext,
    facts: IdentityFacts,
    label: string,
): IdentityFindings {
    const findings: IdentityFindings = { problems: [], warnings: [] };
    if (use.rolesGranted || use.objects.length === 0) {
        return findings;
    }
    const vaultName = lastSegment(context.vaultId);
    const read = lookup(facts.roleAssignments, identity.principalId);
    if (!read || !("value" in read)) {
        findings.warnings.push({
            where: "identity.clientId",
            message: `${label}: its role assignments on Key Vault "${vaultName}" could not be read (${read ? why(read) : "not read"}), so whether it may read the app's objects was not checked`,
            fix: `give the identity that runs the preview the ${IDENTITY_READER_ROLE} role on the vault or a scope above it (it holds Microsoft.Authorization/roleAssignments/read)`,
        });
        return findings;
    }
    const held = read.value.filter((assignment) => lower(assignment.principalId) === lower(identity.principalId));
    const uncovered: ReadObject[] = [];
    const unknownRoles = new Set<string>();
    const seen = new Set<string>();
    for (const object of use.objects) {
        const key = `${object.objectType}/${lower(object.objectName)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const applying = held.filter((assignment) => scopeCovers(assignment.scope, context.vaultId, object));
        if (applying.some((assignment) => knownRole(assignment.roleDefinitionId)?.reads.includes(object.objectType))) {
            continue;
        }
        const custom = applying.filter((assignment) => !knownRole(assignment.roleDefinitionId));
        if (custom.length > 0) {
            custom.forEach((assignment) => unknownRoles.add(`${lastSegment(assignment.roleDefinitionId)} at ${assignment.scope}`));
            continue;
        }
        uncovered.push(object);
    }
    if (unknownRoles.size > 0) {
        findings.warnings.push({
            where: "identity.clientId",
            message: `${label} holds roles on Key Vault "${vaultName}" the check does not know (${[...unknownRoles].sort().join("; ")}), so whether they read the app's objects was not checked`,
            fix: "make sure the custom role grants the data actions the objects need (Microsoft.KeyVault/vaults/secrets/getSecret/action, certificates/read, keys/read), or assign a built-in one",
        });
    }
    if (uncovered.length > 0) {
        const role = KEY_VAULT_ROLES[leastRoleFor(uncovered)].displayName;
        const holds = held
            .filter((assignment) => use.objects.some((object) => scopeCovers(assignment.scope, context.vaultId, object)))
            .map(
                (assignment) =>
                    `${knownRole(assignment.roleDefinitionId)?.displayName ?? lastSegment(assignment.roleDefinitionId)} at ${assignment.scope}`,
            );
        const neededBy = [...new Set(uncovered.map((object) => object.objectType))]
            .map((objectType) => `a ${KIND[objectType]}: ${rolesReading(objectType).join(", ")}`)
            .join("; ");
        findings.problems.push({
            where: "identity.clientId",
            message: `${label} holds no role that reads ${describeObjects(uncovered)} from Key Vault "${vaultName}" (at the vault, a scope above it or the object's own scope; roles held through a group are not read), so the mount would fail with 403; ${holds.length > 0 ? `on the vault it holds: ${[...new Set(holds)].sort().join("; ")}` : "it holds no role on the vault"} (roles that read ${neededBy})`,
            fix: `az role assignment create --assignee-object-id ${identity.principalId} --assignee-principal-type ServicePrincipal --role "${role}" --scope ${context.vaultId}`,
        });
    }
    return findings;
}

/** The least role that reads every one of `objects`: Secrets User for secrets alone, else Certificate User. */
function leastRoleFor(objects: readonly ReadObject[]): KeyVaultRoleName {
    return objects.some((object) => leastPrivilegedRole(object.objectType) === "certificateUser") ? "certificateUser" : "secretsUser";
}

/** Whether a workload identity trusts the app's ServiceAccount on this cluster. */
function federationFindings(
    use: IdentityUse,
    identity: ManagedIdentityFacts,
    context: IdentityCheckContext,
    facts: IdentityFacts,
    label: string,
): IdentityFindings {
    const findings: IdentityFindings = { problems: [], warnings: [] };
    if (use.mode !== "workloadIdentity" || !use.serviceAccount) {
        return findings;
    }
    const subject = serviceAccountSubject(use.serviceAccount);
    const issuer = context.oidcIssuerUrl;
    const read = lookup(facts.federatedCredentials, identity.resourceId);
    if (!read || !("value" in read)) {
        findings.warnings.push({
            where: "identity.clientId",
            message: `${label}: its federated credentials could not be read (${read ? why(read) : "not read"}), so whether it trusts ServiceAccount ${use.serviceAccount.namespace}/${use.serviceAccount.name} was not checked`,
            fix: `give the identity that runs the preview the ${IDENTITY_READER_ROLE} role on ${resourceGroupOf(identity.resourceId)?.id ?? "the identity's resource group"}`,
        });
        return findings;
    }
    const credentials = read.value;
    const trusts = (credential: FederatedCredentialFacts) =>
        credential.subject === subject &&
        (issuer === undefined || credential.issuer === issuer) &&
        credential.audiences.includes(WORKLOAD_IDENTITY_AUDIENCE);
    if (credentials.some(trusts)) {
        return findings;
    }
    const group = resourceGroupOf(identity.resourceId);
    const expected = `issuer ${issuer ? `"${issuer}"` : "(the cluster's OIDC issuer)"}, subject "${subject}", audience "${WORKLOAD_IDENTITY_AUDIENCE}"`;
    const actual =
        credentials.length === 0
            ? "it has no federated credential"
            : `it has ${credentials
                  .map(
                      (credential) =>
                          `"${credential.name}" (issuer "${credential.issuer}", subject "${credential.subject}", audiences ${quoted(credential.audiences)})`,
                  )
                  .join(", ")}`;
    const trailingSlash =
        issuer !== undefined &&
        credentials.some(
            (credential) =>
                credential.subject === subject &&
                credential.issuer !== issuer &&
                credential.issuer.replace(/\/$/, "") === issuer.replace(/\/$/, ""),
        )
            ? "; Entra ID compares the issuer exactly, trailing slash included"
            : "";
    findings.problems.push({
        where: "identity.clientId",
        message: `${label} has no federated credential for the app's ServiceAccount: the pods' token would be refused (AADSTS70021); expected ${expected}, ${actual}${trailingSlash}`,
        fix: `az identity federated-credential create --name ${use.serviceAccount.namespace}-${use.serviceAccount.name} --identity-name ${lastSegment(identity.resourceId)} --resource-group ${group?.name ?? "<resource group>"} --issuer ${issuer ?? "<the cluster's OIDC issuer URL>"} --subject ${subject} --audiences ${WORKLOAD_IDENTITY_AUDIENCE}`,
    });
    return findings;
}

/**
 * What one app's identity lacks, from the management plane's facts: (d) an addon-mode client ID that is not the
 * cluster's addon identity; (a) a client ID that names no identity the reader listed; (b) a workload identity without
 * a federated credential for the app's ServiceAccount and the cluster's issuer; (c) no role that reads each object
 * on the vault. A read the management plane refused is a warning that names the role it needs, never a problem.
 */
export function identityFindings(use: IdentityUse, context: IdentityCheckContext, facts: IdentityFacts): IdentityFindings {
    const findings: IdentityFindings = { problems: [], warnings: [] };
    const add = (more: IdentityFindings) => {
        findings.problems.push(...more.problems);
        findings.warnings.push(...more.warnings);
    };
    if (use.mode === "addon" && context.addonIdentityClientId && lower(context.addonIdentityClientId) !== lower(use.clientId)) {
        findings.problems.push({
            where: "identity.clientId",
            message: `client ID ${use.clientId} is not the cluster's addon identity (${context.addonIdentityClientId}): the addon's pods get tokens for its own identity only, so the mount would fail`,
            fix: `set clientId to ${context.addonIdentityClientId} (the cluster's addon identity: cluster.addonIdentity.clientId), or use identity mode workloadIdentity for an identity of the app's own`,
        });
        return findings;
    }
    if (!("value" in facts.identities)) {
        findings.warnings.push({
            where: "identity.clientId",
            message: `the user-assigned identities of ${facts.identityScope} could not be listed (${why(facts.identities)}), so client ID ${use.clientId} was not checked`,
            fix: `give the identity that runs the preview the ${IDENTITY_READER_ROLE} role on ${facts.identityScope} (or on the identity's resource group)`,
        });
        return findings;
    }
    const identity = facts.identities.value.find((candidate) => lower(candidate.clientId) === lower(use.clientId));
    if (!identity) {
        const inGroup = resourceGroupOf(facts.identityScope) !== undefined;
        const finding: Problem = {
            where: "identity.clientId",
            message: `client ID ${use.clientId} names no user-assigned identity in ${inGroup ? "resource group" : "subscription"} ${facts.identityScope}${inGroup ? " (the subscription could not be listed)" : ""}: the pods would ask Entra ID for a token of an identity that does not exist there`,
            fix: `use the client ID of an existing identity (\`az identity list --query "[].{name:name, clientId:clientId}" -o table\`), or create one (\`az identity create\`); an identity of another subscription or an Entra application is not seen by this check`,
        };
        (inGroup ? findings.warnings : findings.problems).push(finding);
        return findings;
    }
    const label = `identity "${lastSegment(identity.resourceId)}" (client ID ${identity.clientId})`;
    add(federationFindings(use, identity, context, facts, label));
    add(roleFindings(use, identity, context, facts, label));
    return findings;
}

/** The subscription scope identities are best listed at for a vault, and its resource group as the fallback. */
export function identityScopesOf(vaultId: string): { subscription?: string; resourceGroup?: string } {
    return { subscription: subscriptionScopeOf(vaultId), resourceGroup: resourceGroupOf(vaultId)?.id };
}
