/**
 * Reads what the identity check needs from Azure Resource Manager (the management plane), with the Azure SDK's own
 * clients: the user-assigned identities of a subscription (or, when it may not list them, of a resource group) and
 * the federated credentials of the identities the apps name (`@azure/arm-msi`), the role assignments of their
 * principals at, above and below the vault (`@azure/arm-authorization`, `principalId eq` filter), and a cluster's OIDC
 * issuer and addon identity (`@azure/arm-containerservice`). Every request is a GET an identity with the Reader role
 * may make; none reads a secret, a key or a credential of any kind.
 *
 * The management endpoint is the caller's: `https://management.azure.com` in Azure's public cloud, the sovereign
 * cloud's otherwise (`https://management.chinacloudapi.cn`, `https://management.usgovcloudapi.net`), or a proxy.
 * Tokens are asked for `<endpoint>/.default`.
 */
import type { TokenCredential } from "@azure/identity";
import type { FederatedIdentityCredential, Identity, ManagedServiceIdentityClientOptionalParams } from "@azure/arm-msi";
import type { RoleAssignment } from "@azure/arm-authorization";
import { FederatedCredentialFacts, IdentityFacts, ManagedIdentityFacts, ManagementRead, RoleAssignmentFacts } from "./identity-checks";

/** Azure public cloud's Resource Manager endpoint. */
export const DEFAULT_RESOURCE_MANAGER_ENDPOINT = "https://management.azure.com";

/** What to read. */
export interface IdentityReadRequest {
    /** The subscription whose identities are listed. */
    subscriptionId: string;
    /** A resource group to list identities in when the subscription may not be listed. */
    resourceGroupName?: string;
    /** The vault's resource ID: role assignments are read at, above and below it. */
    vaultId: string;
    /** Client IDs whose federated credentials are read. */
    federatedCredentialsOf: readonly string[];
    /** Client IDs whose role assignments are read. */
    roleAssignmentsOf: readonly string[];
    /** A cluster whose OIDC issuer and addon identity are read. */
    cluster?: { resourceGroupName: string; name: string };
}

/** How to read. */
export interface IdentityReadOptions {
    /** Resource Manager's endpoint; default DEFAULT_RESOURCE_MANAGER_ENDPOINT. */
    endpoint?: string;
    /** Passed to each of the SDK's clients (retries, proxy, additional policies). */
    clientOptions?: Omit<ManagedServiceIdentityClientOptionalParams, "endpoint" | "baseUri" | "$host" | "credentialScopes" | "apiVersion">;
    /** Stops the reads. */
    abortSignal?: AbortSignal;
}

/** What a cluster's management plane says of its identities; `undefined` values are what it does not have. */
export interface ClusterIdentityFacts {
    /** Its OIDC issuer URL (with workload identity on). */
    oidcIssuerUrl?: string;
    /** The client ID of its Key Vault addon's identity. */
    addonIdentityClientId?: string;
}

/** What readIdentityFacts found. */
export interface IdentityRead {
    /** The facts the identity check holds each app against. */
    facts: IdentityFacts;
    /** The cluster's facts: undefined when none was asked for or it does not exist yet (404). */
    cluster?: ManagementRead<ClusterIdentityFacts>;
}

/** A failed read in few words: its HTTP status (a RestError's) and the first line of its message. */
export function refusalOf(error: unknown): { status?: number; reason: string } {
    const status = (error as { statusCode?: unknown } | null)?.statusCode;
    const code = (error as { code?: unknown } | null)?.code;
    const message = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    const reason = typeof code === "string" && code !== "" && !message.includes(code) ? `${code}: ${message}` : message;
    return typeof status === "number" ? { status, reason } : { reason };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
    const all: T[] = [];
    for await (const item of items) all.push(item);
    return all;
}

async function attempt<T>(read: () => Promise<T>): Promise<ManagementRead<T>> {
    try {
        return { value: await read() };
    } catch (error) {
        return refusalOf(error);
    }
}

function identityOf(identity: Identity): ManagedIdentityFacts | undefined {
    return identity.clientId && identity.principalId && identity.id
        ? { clientId: identity.clientId, principalId: identity.principalId, resourceId: identity.id }
        : undefined;
}

function credentialOf(credential: FederatedIdentityCredential): FederatedCredentialFacts {
    return {
        name: credential.name ?? "",
        issuer: credential.issuer ?? "",
        subject: credential.subject ?? "",
        audiences: credential.audiences ?? [],
    };
}

function assignmentOf(assignment: RoleAssignment): RoleAssignmentFacts {
    return {
        roleDefinitionId: assignment.roleDefinitionId ?? "",
        scope: assignment.scope ?? "",
        principalId: assignment.principalId ?? "",
    };
}

/** `/subscriptions/<s>/resourceGroups/<g>/providers/.../<name>` -> `{ group, name }`. */
function groupAndName(resourceId: string): { group: string; name: string } | undefined {
    const match = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/.*\/([^/]+)$/i.exec(resourceId);
    return match ? { group: match[1], name: match[2] } : undefined;
}

/**
 * Reads the identities, federated credentials, role assignments and cluster facts `request` asks for, as
 * `credential` (DefaultAzureCredential: the identity that runs the preview). A read Resource Manager refuses or
 * does not answer becomes a ManagementRead with its status and reason: the check warns about it; this never throws
 * for one.
 */
export async function readIdentityFacts(
    request: IdentityReadRequest,
    credential: TokenCredential,
    options: IdentityReadOptions = {},
): Promise<IdentityRead> {
    const [{ ManagedServiceIdentityClient }, { AuthorizationManagementClient }, { ContainerServiceClient }] = await Promise.all([
        import("@azure/arm-msi"),
        import("@azure/arm-authorization"),
        import("@azure/arm-containerservice"),
    ]);
    const endpoint = (options.endpoint ?? DEFAULT_RESOURCE_MANAGER_ENDPOINT).replace(/\/+$/, "");
    const clientOptions = { ...options.clientOptions, endpoint, $host: endpoint, credentialScopes: [`${endpoint}/.default`] };
    const abortSignal = options.abortSignal;
    const msi = new ManagedServiceIdentityClient(credential, request.subscriptionId, clientOptions);
    const authorization = new AuthorizationManagementClient(credential, request.subscriptionId, clientOptions);

    const cluster = request.cluster;
    const clusterRead: Promise<ManagementRead<ClusterIdentityFacts> | undefined> = cluster
        ? (async () => {
              try {
                  const found = await new ContainerServiceClient(credential, request.subscriptionId, clientOptions).managedClusters.get(
                      cluster.resourceGroupName,
                      cluster.name,
                      { abortSignal },
                  );
                  const addon = found.addonProfiles?.["azureKeyvaultSecretsProvider"]?.identity?.clientId;
                  return { value: { oidcIssuerUrl: found.oidcIssuerProfile?.issuerURL, addonIdentityClientId: addon } };
              } catch (error) {
                  const refusal = refusalOf(error);
                  return refusal.status === 404 ? undefined : refusal;
              }
          })()
        : Promise.resolve(undefined);

    const subscriptionScope = `/subscriptions/${request.subscriptionId}`;
    let identityScope = subscriptionScope;
    let listed = await attempt(async () => collect(msi.userAssignedIdentities.listBySubscription({ abortSignal })));
    if (!("value" in listed) && (listed.status === 401 || listed.status === 403) && request.resourceGroupName) {
        const group = request.resourceGroupName;
        const inGroup = await attempt(async () => collect(msi.userAssignedIdentities.listByResourceGroup(group, { abortSignal })));
        if ("value" in inGroup) {
            identityScope = `${subscriptionScope}/resourceGroups/${group}`;
            listed = inGroup;
        }
    }
    const identities: ManagementRead<ManagedIdentityFacts[]> =
        "value" in listed ? { value: listed.value.flatMap((identity) => identityOf(identity) ?? []) } : listed;
    const named = (clientIds: readonly string[]) =>
        "value" in identities
            ? identities.value.filter((identity) =>
                  clientIds.some((clientId) => clientId.toLowerCase() === identity.clientId.toLowerCase()),
              )
            : [];

    const federatedCredentials: Record<string, ManagementRead<FederatedCredentialFacts[]>> = {};
    const roleAssignments: Record<string, ManagementRead<RoleAssignmentFacts[]>> = {};
    await Promise.all([
        ...named(request.federatedCredentialsOf).map(async (identity) => {
            const where = groupAndName(identity.resourceId);
            federatedCredentials[identity.resourceId] = where
                ? await attempt(async () =>
                      (await collect(msi.federatedIdentityCredentials.list(where.group, where.name, { abortSignal }))).map(credentialOf),
                  )
                : { reason: `"${identity.resourceId}" is not an identity's resource ID` };
        }),
        ...named(request.roleAssignmentsOf).map(async (identity) => {
            roleAssignments[identity.principalId] = await attempt(async () =>
                (
                    await collect(
                        // The SDK's path is `/{scope}/providers/...`: a scope with its leading slash would make `//subscriptions`.
                        authorization.roleAssignments.listForScope(request.vaultId.replace(/^\/+/, ""), {
                            filter: `principalId eq '${identity.principalId}'`,
                            abortSignal,
                        }),
                    )
                ).map(assignmentOf),
            );
        }),
    ]);
    return {
        facts: { identityScope, identities, federatedCredentials, roleAssignments },
        cluster: await clusterRead,
    };
}
