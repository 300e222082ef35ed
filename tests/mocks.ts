/**
 * The one Pulumi mock monitor of the unit tests (loaded once by .mocharc.json). It records every registered
 * resource and answers the invokes the components make, with fixtures tests can change.
 */
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { deterministicGuid } from "../components/shared/naming";
import { VaultCollection, VaultListing, VaultObjectInfo, VaultObjectVersion } from "../components/key-vault/contents";
import type { AccessToken, TokenCredential } from "@azure/identity";
import type { IdentityReadOptions } from "../components/key-vault/read-identities";

export const SUBSCRIPTION_ID = "11111111-2222-3333-4444-555555555555";
export const TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47";

/** One registered resource, as the engine would have received it. */
export interface Registration {
    type: string;
    name: string;
    inputs: Record<string, any>;
    custom: boolean;
    /** Provider reference (`<urn>::<id>`) when the resource has an explicit provider. */
    provider?: string;
}

export const registrations: Registration[] = [];
/** `protect` per resource, read from the register request (the mock callback does not receive options). */
export const protectedResources = new Map<string, boolean | undefined>();
/** Options of each register request by `<type>::<name>` (the mock callback does not receive them): parent URN, aliases, dependsOn. */
export const registeredOptions = new Map<
    string,
    { parent: string; aliases: string[]; dependencies: string[]; deleteBeforeReplace: boolean }
>();
export const invokes: Array<{ token: string; inputs: Record<string, any> }> = [];

/** Live Azure state the read-only components see; tests edit it. */
export const azureState = {
    managedClusters: {} as Record<string, Record<string, any>>,
    vaults: {} as Record<string, Record<string, any>>,
    groups: {} as Record<string, string>,
};

/** The `platform` output every StackReference sees (a platform stack of this program); tests edit it and call resetPlatformStackOutput. */
export let platformStackOutput: Record<string, any> = {};

/** Back to a platform stack with a created cluster and vault, and no Kubernetes objects of its own. */
export function resetPlatformStackOutput(): void {
    platformStackOutput = {
        keyVaultName: "kv-from-platform",
        keyVaultId: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-platform/providers/Microsoft.KeyVault/vaults/kv-from-platform`,
        tenantId: TENANT_ID,
        addonIdentity: addonIdentityOf("aks-from-platform"),
        oidcIssuerUrl: "https://issuer.example/aks-from-platform/",
        kubeconfig: "apiVersion: v1\nkind: Config\n# aks-from-platform\n",
        kubernetesObjects: [],
    };
}

/** Fake but stable GUID for a resource, so outputs look like Azure's. */
export function fakeGuid(...parts: string[]): string {
    return deterministicGuid("mock", ...parts);
}

export function addonIdentityOf(clusterName: string) {
    return {
        clientId: fakeGuid(clusterName, "addon-client"),
        objectId: fakeGuid(clusterName, "addon-object"),
        resourceId: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/MC_${clusterName}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/azurekeyvaultsecretsprovider-${clusterName}`,
    };
}

resetPlatformStackOutput();

function computedState(type: string, name: string, inputs: Record<string, any>): { id: string; state: Record<string, any> } {
    switch (type) {
        case "azure-native:containerservice:ManagedCluster": {
            const cluster = inputs.resourceName ?? name;
            const addonProfiles = Object.fromEntries(
                Object.entries(inputs.addonProfiles ?? {}).map(([key, profile]: [string, any]) => [
                    key,
                    { ...profile, identity: addonIdentityOf(cluster) },
                ]),
            );
            return {
                id: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${inputs.resourceGroupName}/providers/Microsoft.ContainerService/managedClusters/${cluster}`,
                state: {
                    ...inputs,
                    name: cluster,
                    addonProfiles,
                    oidcIssuerProfile: {
                        ...inputs.oidcIssuerProfile,
                        issuerURL: `https://westeurope.oic.prod-aks.azure.com/${TENANT_ID}/${fakeGuid(cluster)}/`,
                    },
                },
            };
        }
        case "azure-native:keyvault:Vault":
            return {
                id: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${inputs.resourceGroupName}/providers/Microsoft.KeyVault/vaults/${inputs.vaultName}`,
                state: {
                    ...inputs,
                    name: inputs.vaultName,
                    properties: { ...inputs.properties, vaultUri: `https://${inputs.vaultName}.vault.azure.net/` },
                },
            };
        case "azure-native:network:PrivateEndpoint":
            return {
                id: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${inputs.resourceGroupName}/providers/Microsoft.Network/privateEndpoints/${inputs.privateEndpointName}`,
                state: { ...inputs, name: inputs.privateEndpointName },
            };
        case "azure-native:privatedns:PrivateZone":
            return {
                id: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${inputs.resourceGroupName}/providers/Microsoft.Network/privateDnsZones/${inputs.privateZoneName}`,
                state: { ...inputs, name: inputs.privateZoneName },
            };
        case "azure-native:managedidentity:UserAssignedIdentity":
            return {
                id: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${inputs.resourceGroupName}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`,
                state: {
                    ...inputs,
                    name,
                    clientId: fakeGuid(name, "client"),
                    principalId: fakeGuid(name, "principal"),
                    tenantId: TENANT_ID,
                },
            };
        case "pulumi:pulumi:StackReference":
            return { id: inputs.name, state: { ...inputs, outputs: { platform: platformStackOutput }, secretOutputNames: [] } };
        case "azure-native:authorization:RoleAssignment":
            return { id: `${inputs.scope}/providers/Microsoft.Authorization/roleAssignments/${inputs.roleAssignmentName}`, state: inputs };
        default:
            return { id: `${name}-id`, state: inputs };
    }
}

// The program reads the stack's cluster before declaring anything (program/cluster-checks.ts): through the ambient
// kubeconfig, or Resource Manager when a subscription is known. Unit tests never reach the developer's cluster or
// subscription; tests that read a cluster give a fake one explicitly.
process.env.KUBECONFIG = path.join(os.tmpdir(), "aks-keyvault-secrets-unit-tests-read-no-cluster");
delete process.env.ARM_SUBSCRIPTION_ID;

// setMocks is async by signature only: the mocks are in place when it returns (a module mocha requires cannot await)
void pulumi.runtime.setMocks(
    {
        newResource(args: pulumi.runtime.MockResourceArgs) {
            registrations.push({
                type: args.type,
                name: args.name,
                inputs: args.inputs,
                custom: args.custom ?? true,
                provider: args.provider,
            });
            return computedState(args.type, args.name, args.inputs);
        },
        call(args: pulumi.runtime.MockCallArgs) {
            invokes.push({ token: args.token, inputs: args.inputs });
            switch (args.token) {
                case "azure-native:authorization:getClientConfig":
                    return {
                        subscriptionId: SUBSCRIPTION_ID,
                        tenantId: TENANT_ID,
                        clientId: fakeGuid("deployer"),
                        objectId: fakeGuid("deployer-object"),
                    };
                case "azure-native:containerservice:listManagedClusterUserCredentials":
                    return {
                        kubeconfigs: [
                            {
                                name: "clusterUser",
                                value: Buffer.from(`apiVersion: v1\nkind: Config\n# ${args.inputs.resourceName}\n`).toString("base64"),
                            },
                        ],
                    };
                case "azure-native:containerservice:getManagedCluster": {
                    const cluster = azureState.managedClusters[args.inputs.resourceName];
                    if (!cluster) {
                        throw new Error(`ResourceNotFound: managed cluster ${args.inputs.resourceName}`);
                    }
                    return cluster;
                }
                case "azure-native:keyvault:getVault": {
                    const vault = azureState.vaults[args.inputs.vaultName];
                    if (!vault) {
                        throw new Error(`ResourceNotFound: vault ${args.inputs.vaultName}`);
                    }
                    return vault;
                }
                case "azuread:index/getGroup:getGroup":
                    return {
                        objectId: azureState.groups[args.inputs.displayName] ?? fakeGuid("group", args.inputs.displayName),
                        displayName: args.inputs.displayName,
                    };
                default:
                    throw new Error(`unexpected invoke ${args.token}`);
            }
        },
    },
    "aks-keyvault-secrets",
    "test",
    false,
    // The DIY backends' organization, which the program's owner annotation names.
    "organization",
);

/** The register request of the engine's protocol, as far as the tests read it. */
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getProtect(): boolean | undefined;
    getParent(): string;
    getAliasesList(): Array<{ toObject(): unknown }>;
    getDependenciesList(): string[];
    getDeletebeforereplace(): boolean;
}
type RegisterResource = (request: RegisterRequest, callback: unknown) => unknown;

function hasRegisterResource(value: unknown): value is { registerResource: RegisterResource } {
    return typeof value === "object" && value !== null && typeof (value as { registerResource?: unknown }).registerResource === "function";
}

// The mock callback does not see resource options; the register request the monitor receives does.
const monitor: unknown = pulumi.runtime.getMonitor();
if (!hasRegisterResource(monitor)) {
    throw new Error("the Pulumi mock monitor has no registerResource: the SDK changed");
}
const registerResource = monitor.registerResource.bind(monitor);
monitor.registerResource = (request, callback) => {
    protectedResources.set(`${request.getType()}::${request.getName()}`, request.getProtect());
    registeredOptions.set(`${request.getType()}::${request.getName()}`, {
        parent: request.getParent(),
        aliases: request.getAliasesList().map((alias) => JSON.stringify(alias.toObject())),
        dependencies: [...request.getDependenciesList()].sort(),
        deleteBeforeReplace: request.getDeletebeforereplace(),
    });
    return registerResource(request, callback);
};

/** Forgets what earlier tests registered. */
export function resetRegistrations(): void {
    registrations.length = 0;
    invokes.length = 0;
}

/**
 * The SDK's own wait for every outstanding RPC: each resource holds one from its construction until its registration
 * reaches the monitor (while its inputs are still resolving too). Not in the SDK's typings, so reached through a guard.
 */
function sdkWaitForRPCs(): () => Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const settings: unknown = require("@pulumi/pulumi/runtime/settings");
    const wait = typeof settings === "object" && settings !== null ? (settings as { waitForRPCs?: unknown }).waitForRPCs : undefined;
    if (typeof wait !== "function") {
        throw new Error("@pulumi/pulumi/runtime/settings has no waitForRPCs: the SDK changed");
    }
    return () => Promise.resolve(wait());
}
const waitForRPCs = sdkWaitForRPCs();

/** Waits until everything the program declared so far has been registered (components register children asynchronously). */
export async function settle(): Promise<void> {
    await waitForRPCs();
}

/** Resolves an Output (or plain value) for assertions. */
export function valueOf<T>(value: pulumi.Input<T>): Promise<pulumi.Unwrap<T>> {
    return new Promise((resolve) => pulumi.output(value).apply(resolve as (v: pulumi.Unwrap<T>) => void));
}

/** The registrations of one type. */
export function ofType(type: string): Registration[] {
    return registrations.filter((registration) => registration.type === type);
}

/** The single registration with this type and name; throws when absent. */
export function registered(type: string, name: string): Registration {
    const found = registrations.find((registration) => registration.type === type && registration.name === name);
    if (!found) {
        throw new Error(`no ${type} named ${name}; registered: ${registrations.map((r) => `${r.type}/${r.name}`).join(", ")}`);
    }
    return found;
}

/** The error a constructor throws (validation happens at construction, so at preview). */
export function errorFrom(construct: () => unknown): Error {
    try {
        construct();
    } catch (error) {
        return error as Error;
    }
    throw new Error("expected an error, but none was thrown");
}

/** The error an Output fails with (checks on values that resolve during preview). */
export async function outputError(output: pulumi.Output<unknown>): Promise<Error> {
    try {
        // An Output's failure surfaces only through its (internal) promise; apply never calls back on it.
        const settled: unknown = output;
        if (typeof settled !== "object" || settled === null || typeof (settled as { promise?: unknown }).promise !== "function") {
            throw new Error("this Output has no promise(): the SDK changed");
        }
        await (settled as { promise(): Promise<unknown> }).promise();
    } catch (error) {
        return error as Error;
    }
    throw new Error("expected the output to fail, but it resolved");
}

/** Signature of a secret value in registered inputs (the SDK's wire format). */
const SECRET_SIGNATURE = { key: "4dabf18193072939515e22adb298388d", value: "1b47061264138c4ac30d75fd1eb44270" };

function isSecretValue(value: unknown): boolean {
    return (
        typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIGNATURE.key] === SECRET_SIGNATURE.value
    );
}

/** Inputs with every secret value replaced by what `secret` makes of it. */
function withSecrets(value: unknown, secret: (wrapped: Record<string, unknown>) => unknown): unknown {
    if (isSecretValue(value)) {
        return secret(value as Record<string, unknown>);
    }
    if (Array.isArray(value)) {
        return value.map((item) => withSecrets(item, secret));
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withSecrets(item, secret)]));
    }
    return value;
}

/** Inputs with every secret value left out: what the state would hold in plain text. */
export function plainPart(value: unknown): unknown {
    return withSecrets(value, () => "[secret]");
}

/** Inputs with every secret value replaced by the value it wraps (e.g. to compare names a secure config made secret). */
export function revealed(value: unknown): unknown {
    return withSecrets(value, (wrapped) => revealed(wrapped.value));
}

/** The plain values of secrets in inputs (so tests can check the secret is there, as a secret). */
export function secretParts(value: unknown): unknown[] {
    if (isSecretValue(value)) {
        return [(value as Record<string, unknown>).value];
    }
    if (Array.isArray(value)) {
        return value.flatMap(secretParts);
    }
    if (typeof value === "object" && value !== null) {
        return Object.values(value).flatMap(secretParts);
    }
    return [];
}

/** The error a promise rejects with (e.g. the program, when config is wrong). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
    try {
        await promise;
    } catch (error) {
        return error as Error;
    }
    throw new Error("expected a rejection, but the promise resolved");
}

/** The warnings `run` logs through pulumi.log.warn. */
export async function capturedWarnings(run: () => Promise<unknown>): Promise<string[]> {
    const warnings: string[] = [];
    const original = pulumi.log.warn;
    pulumi.log.warn = (message: string) => {
        warnings.push(message);
        return Promise.resolve();
    };
    try {
        await run();
    } finally {
        pulumi.log.warn = original;
    }
    return warnings;
}

/** The vault of the vault-content tests, and the clock they hold expiry dates against. */
export const LISTED_VAULT = "kv-orders";
export const LISTING_NOW = new Date("2026-12-01T00:00:00Z");

/** One listed object: enabled, no tags, with `overrides` (e.g. versions, keyType, managed). */
export function listedObject(collection: VaultCollection, name: string, overrides: Partial<VaultObjectInfo> = {}): VaultObjectInfo {
    return { name, collection, enabled: true, tags: {}, ...overrides };
}

/** A listing of LISTED_VAULT with these objects; `unreadable`: collections the preview's identity could not list. */
export function vaultListing(objects: VaultObjectInfo[], unreadable: VaultCollection[] = []): VaultListing {
    return {
        vaultName: LISTED_VAULT,
        objects,
        unreadable: unreadable.map((collection) => ({ collection, status: 403, message: "Forbidden" })),
    };
}

/** Versions "v1" (oldest) to "v<count>" (newest), newest first as the listing gives them, one day apart. */
export function listedVersions(count: number, overrides: Record<string, Partial<VaultObjectVersion>> = {}): VaultObjectVersion[] {
    return Array.from({ length: count }, (_, index) => {
        const number = count - index;
        const version = `v${number}`;
        return { version, enabled: true, createdOn: new Date(Date.UTC(2026, 0, number)), ...overrides[version] };
    });
}

/** Resource Manager on a fake HTTP client (the SDK's `httpClient` option), for the identity reader's tests. */
type ArmHttpClient = NonNullable<NonNullable<IdentityReadOptions["clientOptions"]>["httpClient"]>;
type ArmRequest = Parameters<ArmHttpClient["sendRequest"]>[0];
type ArmResponse = Awaited<ReturnType<ArmHttpClient["sendRequest"]>>;

/** Response headers as the Azure SDK pipeline reads them (case-insensitive names), for fake HTTP clients. */
export function responseHeaders(values: Record<string, string>): ArmResponse["headers"] {
    const map = new Map(Object.entries(values).map(([name, value]) => [name.toLowerCase(), value]));
    return {
        get: (name: string) => map.get(name.toLowerCase()),
        has: (name: string) => map.has(name.toLowerCase()),
        set: (name: string, value: string | number | boolean) => void map.set(name.toLowerCase(), String(value)),
        delete: (name: string) => void map.delete(name.toLowerCase()),
        toJSON: () => Object.fromEntries(map),
        [Symbol.iterator]: () => map.entries(),
    };
}

export function fakeCredential(): TokenCredential & { scopes: string[] } {
    const credential = {
        scopes: [] as string[],
        async getToken(scopes: string | string[]): Promise<AccessToken> {
            credential.scopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
            return { token: "fake-token", expiresOnTimestamp: Date.now() + 3600_000 };
        },
    };
    return credential;
}

/** Resource Manager at `host`: answers a GET by its path (and `$filter`); `refused` paths get a 403. */
export function fakeArm(host: string, pages: Record<string, unknown>, refused: Record<string, number> = {}) {
    const seen: string[] = [];
    const httpClient: ArmHttpClient = {
        async sendRequest(request: ArmRequest): Promise<ArmResponse> {
            const url = new URL(request.url);
            if (url.hostname !== host) throw new Error(`unexpected host ${url.hostname}`);
            const filter = url.searchParams.get("$filter");
            const key = `${request.method} ${url.pathname}${filter ? ` ${filter}` : ""}`;
            seen.push(key);
            const reply = (status: number, body: unknown): ArmResponse => ({
                request,
                status,
                headers: responseHeaders({ "content-type": "application/json" }),
                bodyAsText: JSON.stringify(body),
            });
            if (!request.headers.get("authorization")?.startsWith("Bearer "))
                return reply(401, { error: { code: "Unauthorized", message: "no token" } });
            if (url.pathname in refused) {
                const status = refused[url.pathname];
                return reply(status, {
                    error:
                        status === 404
                            ? { code: "ResourceNotFound", message: "not found" }
                            : { code: "AuthorizationFailed", message: "The client does not have authorization" },
                });
            }
            if (!(key in pages)) throw new Error(`unexpected ${key}`);
            return reply(200, pages[key]);
        },
    };
    return { httpClient, seen };
}

/** A fake API server (plain HTTP on loopback) and a kubeconfig file that reaches it. */
export interface FakeKubeApi {
    kubeconfig: string;
    /** `METHOD path` of every request, in order. */
    requests: string[];
    close: () => void;
}

/**
 * Answers GETs of the paths in `objects` with their JSON and 404 otherwise, or `status` for every request when set;
 * for the program's cluster reads (program/cluster-api.ts).
 */
export async function fakeKubeApi(objects: Record<string, unknown>, status?: number): Promise<FakeKubeApi> {
    const requests: string[] = [];
    const server = http.createServer((request, response) => {
        requests.push(`${request.method} ${request.url}`);
        const body = objects[request.url ?? ""];
        const code = status ?? (body ? 200 : 404);
        response.writeHead(code, { "Content-Type": "application/json" });
        response.end(JSON.stringify(code === 200 ? body : { kind: "Status", message: `status ${code}` }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const kubeconfig = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "fake-kube-api-")), "kubeconfig");
    fs.writeFileSync(
        kubeconfig,
        JSON.stringify({
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name: "local", cluster: { server: `http://127.0.0.1:${port}`, "insecure-skip-tls-verify": true } }],
            users: [{ name: "local", user: { token: "t" } }],
            contexts: [{ name: "local", context: { cluster: "local", user: "local" } }],
            "current-context": "local",
        }),
    );
    return { kubeconfig, requests, close: () => server.close() };
}
