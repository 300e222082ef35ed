/** What the policy tests share: running a policy the way the policy server does, and the resources they check. */
import { expect } from "chai";
import { PolicyProviderResource, PolicyResource, PolicyResourceOptions, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { ResourcePolicy, StackPolicy } from "../../../policy/resource-policy";

// The proxy @pulumi/policy wraps resource properties in during preview, to test unknown values the real way.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- proxy.d.ts declares no exports: the type is given here
export const policyProxy = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy<T>(value: T): T;
    unknownStringValue: unknown;
    unknownObjectValue: unknown;
    unknownArrayValue: unknown;
};
export const U = policyProxy.unknownStringValue;
export const U_OBJECT = policyProxy.unknownObjectValue;

export const PROJECT = "aks-keyvault-secrets";
export const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
export const ADDON_CLIENT_ID = "6e0f4c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b";
export const WORKLOAD_CLIENT_ID = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
const SPC_TYPE = "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass";

export interface ResourceCase {
    type: string;
    props: Record<string, unknown>;
    name?: string;
    stack?: string;
    config?: Record<string, unknown>;
    providerProps?: Record<string, unknown>;
    /** Wrap props in @pulumi/policy's unknown-checking proxy (as during preview). */
    preview?: boolean;
}

function urnOf(stack: string, type: string, name: string): string {
    return `urn:pulumi:${stack}::${PROJECT}::${type}::${name}`;
}

const OPTIONS: PolicyResourceOptions = {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
};

function kubernetesProvider(props: Record<string, unknown> | undefined): { provider?: PolicyProviderResource } {
    return props ? { provider: { type: "pulumi:providers:kubernetes", props, urn: "urn:provider", name: "aks" } } : {};
}

/** The policy server's `getConfig`: the policy's config as given, whatever type the policy reads it as. */
function configOf(config: object): <T extends object>() => T {
    return <T extends object>() => config as T;
}

function notApplicable(reason?: string): never {
    throw new Error(`notApplicable: ${reason}`);
}

/** Runs a resource policy the way the policy server does and returns the violation messages. */
export function violations(policy: ResourcePolicy, input: ResourceCase): string[] {
    const found: string[] = [];
    const name = input.name ?? "res";
    const stack = input.stack ?? "prod";
    const args: ResourceValidationArgs = {
        type: input.type,
        props: input.preview ? policyProxy.unknownCheckingProxy(input.props) : input.props,
        urn: urnOf(stack, input.type, name),
        name,
        opts: OPTIONS,
        ...kubernetesProvider(input.providerProps),
        stackTags: new Map<string, string>(),
        isType: () => false,
        asType: () => undefined,
        getConfig: configOf(input.config ?? {}),
        notApplicable,
    };
    const result = policy.validateResource(args, (message: string) => found.push(message));
    expect(result).to.equal(undefined, "policies are synchronous");
    return found;
}

export interface StackResourceInput {
    type: string;
    name: string;
    props: Record<string, unknown>;
    providerProps?: Record<string, unknown>;
    /** Names of the other inputs this resource depends on. */
    dependsOn?: string[];
}

/** Runs a stack policy and returns `{ message, urn }` for each violation. */
export function stackViolations(
    policy: StackPolicy,
    resources: StackResourceInput[],
    options: { preview?: boolean; stack?: string } = {},
): Array<{ message: string; urn?: string }> {
    const found: Array<{ message: string; urn?: string }> = [];
    const stack = options.stack ?? "prod";
    const policyResources = resources.map((resource): PolicyResource => ({
        type: resource.type,
        name: resource.name,
        urn: urnOf(stack, resource.type, resource.name),
        props: options.preview ? policyProxy.unknownCheckingProxy(resource.props) : resource.props,
        opts: OPTIONS,
        ...kubernetesProvider(resource.providerProps),
        dependencies: [],
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
    }));
    policyResources.forEach((resource, index) => {
        resource.dependencies = (resources[index].dependsOn ?? [])
            .map((name) => policyResources.find((other) => other.name === name))
            .filter((other): other is PolicyResource => other !== undefined);
    });
    const args: StackValidationArgs = {
        resources: policyResources,
        stackTags: new Map<string, string>(),
        getConfig: configOf({}),
        notApplicable,
    };
    const result = policy.validateStack(args, (message: string, urn?: string) => found.push({ message, urn }));
    expect(result).to.equal(undefined, "policies are synchronous");
    return found;
}

export const OBJECTS = [
    "array:",
    "  - |",
    "    objectName: db-password",
    "    objectType: secret",
    "  - |",
    "    objectName: tls",
    "    objectType: secret",
    "    objectAlias: tls-bundle",
    "",
].join("\n");

export function spcSpec(
    parameters: Record<string, unknown>,
    secretObjects?: unknown[],
    provider: unknown = "azure",
): Record<string, unknown> {
    return {
        provider,
        parameters: withoutUndefined({
            keyvaultName: "kv-orders-prod",
            tenantID: TENANT,
            useVMManagedIdentity: "true",
            userAssignedIdentityID: ADDON_CLIENT_ID,
            objects: OBJECTS,
            ...parameters,
        }),
        ...(secretObjects ? { secretObjects } : {}),
    };
}

/** `namespace: null` leaves metadata.namespace out. */
export function spc(
    spec: Record<string, unknown>,
    name = "orders",
    namespace: string | null = "orders",
    extra: Partial<ResourceCase> = {},
): ResourceCase {
    return {
        type: SPC_TYPE,
        name,
        props: {
            apiVersion: "secrets-store.csi.x-k8s.io/v1",
            kind: "SecretProviderClass",
            metadata: { name, ...(namespace ? { namespace } : {}) },
            spec,
        },
        ...extra,
    };
}

/** Removes keys whose value is undefined (a test's way of deleting a default parameter). */
export function withoutUndefined(map: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(map).filter(([, value]) => value !== undefined));
}

// Random values for the entropy rule, generated once; none is a real credential.
export const RANDOM_KEY = "q7Rk2Vx9LmZp4Tn8Bw3Yc6Hd1Jf5Gs0aE2uK9iO7yXv";
export const RANDOM_HEX = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
export const FAKE_PRIVATE_KEY = [
    "-----BEGIN RSA PRIVATE KEY-----",
    "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu",
    "-----END RSA PRIVATE KEY-----",
    "",
].join("\n");
export const FAKE_CERTIFICATE = [
    "-----BEGIN CERTIFICATE-----",
    "MIIBszCCAVmgAwIBAgIUB2l0ZXN0LWNlcnRpZmljYXRlLWZvci10ZXN0cw==",
    "-----END CERTIFICATE-----",
    "",
].join("\n");
export const FAKE_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0LXVzZXIifQ.c2lnbmF0dXJlLWZvci10ZXN0cw";
