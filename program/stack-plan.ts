import { StackConfig } from "./schema";
import { createsIdentity } from "./config";
import { ConfigProblem, StackConfigError } from "./problems";

/**
 * What a checked stack config asks for, as types that carry what each mode needs: a created or read cluster or
 * vault comes with the `azure` block it lives in, an app stack with its platform stack. The program wires from
 * this, so no mode has to assume a key the config checks made sure of.
 */

export type AzureConfig = NonNullable<StackConfig["azure"]>;
type ClusterConfig = NonNullable<StackConfig["cluster"]>;
type VaultConfig = NonNullable<StackConfig["keyVault"]>;
type InAzure<T> = { config: T; azure: AzureConfig };

export type ClusterPlan =
    | ({ mode: "create" } & InAzure<Extract<ClusterConfig, { mode: "create" }>>)
    | ({ mode: "existing" } & InAzure<Extract<ClusterConfig, { mode: "existing" }>>)
    | { mode: "external"; config: Extract<ClusterConfig, { mode: "external" }> };

export type VaultPlan =
    | ({ mode: "create" } & InAzure<Extract<VaultConfig, { mode: "create" }>>)
    | ({ mode: "existing" } & InAzure<Extract<VaultConfig, { mode: "existing" }>>)
    | { mode: "external"; config: Extract<VaultConfig, { mode: "external" }> };

export type StackPlan =
    | { kind: "app"; platformStack: string; identityHome?: AzureConfig }
    | { kind: "platform"; cluster: ClusterPlan; vault: VaultPlan; identityHome?: AzureConfig };

/** The config's own check for a key a mode needs; only a config that skipped stackConfigProblems can fail it. */
function required<T>(value: T | undefined, problem: ConfigProblem): T {
    if (value === undefined) {
        throw new StackConfigError([problem]);
    }
    return value;
}

const AZURE_NEEDED: ConfigProblem = {
    path: ["azure"],
    message: "is required when cluster or keyVault mode is create or existing, or when an app creates its own identity",
    fix: "set azure.location and azure.resourceGroupName",
};

function inAzure<M extends "create" | "existing", T>(mode: M, config: T, azure: AzureConfig | undefined): { mode: M } & InAzure<T> {
    return { mode, config, azure: required(azure, AZURE_NEEDED) };
}

/** The plan of a config that passed stackConfigProblems. */
export function stackPlan(config: StackConfig): StackPlan {
    const identityHome = config.applications.some(createsIdentity) ? required(config.azure, AZURE_NEEDED) : undefined;
    if (config.platformStack) {
        return { kind: "app", platformStack: config.platformStack, identityHome };
    }
    const cluster = required(config.cluster, {
        path: ["cluster"],
        message: "is missing",
        fix: "set cluster.mode (create, existing or external), or platformStack",
    });
    const vault = required(config.keyVault, {
        path: ["keyVault"],
        message: "is missing",
        fix: "set keyVault.mode (create, existing or external), or platformStack",
    });
    return {
        kind: "platform",
        identityHome,
        cluster:
            cluster.mode === "create"
                ? inAzure("create", cluster, config.azure)
                : cluster.mode === "existing"
                  ? inAzure("existing", cluster, config.azure)
                  : { mode: "external", config: cluster },
        vault:
            vault.mode === "create"
                ? inAzure("create", vault, config.azure)
                : vault.mode === "existing"
                  ? inAzure("existing", vault, config.azure)
                  : { mode: "external", config: vault },
    };
}
