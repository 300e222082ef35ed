import { ConfigProblem } from "./problems";
import { StackConfig, TopLevelKey } from "./schema";

/**
 * Which config keys may hold `secure:` values. Pulumi marks a whole top-level key secret when any value in it is
 * `secure:` (the language host learns no finer path), so the decision is per top-level key: either every value the
 * key feeds into a resource or an output becomes a Pulumi secret (`SECRET_CAPABLE`), or a secure value there is
 * refused, because it would end up in plain text anyway (resource names, URNs and IDs are never encrypted in the
 * state; plain Deployment env is plain text in the cluster) or because the key decides what the stack creates.
 * docs/configuration.md is generated from this table (`npm run docs:config`).
 */

/** Why a secure value under a key is refused for this config, or undefined when it can stay secret. */
type SecretRefusal = (config: Partial<StackConfig>) => { message: string; fix: string } | undefined;

/** One top-level key's rule for `secure:` values. */
export interface SecretRule {
    /** When the key may hold a secure value, as the configuration reference says it. */
    allowed: string;
    /** Why, for the configuration reference. */
    why: string;
    /** The refusal of a secure value for a config, or undefined when it may hold one. */
    refusal: SecretRefusal;
}

const KEEP_PLAIN = "store it as plain config (it names things, it is not a credential)";

export const SECRET_RULES: Record<TopLevelKey, SecretRule> = {
    azure: {
        allowed: "refused",
        why: "`resourceGroupName` is part of the Azure ID of everything the stack creates.",
        refusal: () => ({
            message:
                "azure.resourceGroupName is part of the Azure resource ID of everything this stack creates, and Pulumi keeps resource IDs in plain text in the state",
            fix: KEEP_PLAIN,
        }),
    },
    cluster: {
        allowed: "mode `external` only",
        why: "`addonIdentityClientId` and `oidcIssuerUrl` become secret inputs (SecretProviderClass, federated credentials) and outputs. In `create`/`existing`, `name` is part of the cluster's Azure ID.",
        refusal: (config) =>
            config.cluster?.mode === "external"
                ? undefined
                : {
                      message: `in mode ${config.cluster?.mode ?? "create"}, cluster.name is part of the cluster's Azure resource ID, which Pulumi keeps in plain text in the state`,
                      fix: KEEP_PLAIN,
                  },
    },
    keyVault: {
        allowed: "mode `external`, without `id`",
        why:
            "`name` and `tenantId` become secret inputs (SecretProviderClass `keyvaultName`/`tenantID`, the workload-identity ServiceAccount's tenant annotation) and outputs. " +
            "In `create`/`existing`, `name` is part of the vault's Azure ID; `id` becomes part of role-assignment IDs.",
        refusal: (config) => {
            if (config.keyVault?.mode !== "external") {
                return {
                    message: `in mode ${config.keyVault?.mode ?? "create"}, keyVault.name is part of the vault's Azure resource ID, which Pulumi keeps in plain text in the state`,
                    fix: KEEP_PLAIN,
                };
            }
            return config.keyVault.id
                ? {
                      message:
                          "keyVault.id becomes part of the IDs of the role assignments it scopes, which Pulumi keeps in plain text in the state",
                      fix: "store keyVault as plain config, or leave keyVault.id out (only apps that create their own identity need it)",
                  }
                : undefined;
        },
    },
    alerts: {
        allowed: "refused",
        why: "The workspace and action group IDs are part of the rule group's Azure resource, which Pulumi keeps in plain text in the state.",
        refusal: () => ({
            message: "alerts names Azure resources (the workspace, the action group) that Pulumi keeps in plain text in the state",
            fix: KEEP_PLAIN,
        }),
    },
    access: {
        allowed: "yes",
        why: "`adminGroup.objectId`/`displayName`: the group's principal ID becomes a secret input of its role assignment.",
        refusal: () => undefined,
    },
    platformStack: {
        allowed: "refused",
        why: "Decides what the stack creates; it is the StackReference's ID in the state.",
        refusal: () => ({
            message: "platformStack decides what this stack creates and is the StackReference's ID in the state",
            fix: KEEP_PLAIN,
        }),
    },
    akv2k8sSecrets: {
        allowed: "refused",
        why: "Secret names, only compared with synced Secret names.",
        refusal: () => ({
            message: "akv2k8sSecrets lists Secret names, which are only compared with synced Secret names",
            fix: KEEP_PLAIN,
        }),
    },
    applications: {
        allowed: "refused",
        why:
            "Names become Kubernetes object names and URNs, and a value in `deployment.env`, `args` or `command` would be plain text in the Deployment. " +
            "Put secret values in Key Vault: list the object in `objects`, sync it with `syncedSecrets`, read it through `env: [{ name, secretName, key }]`.",
        refusal: () => ({
            message:
                "nothing under applications can stay secret: names become Kubernetes object names and resource URNs, and a value in deployment.env, args or command sits in plain text in the Deployment for anyone who can read it",
            fix: "keep applications plain; put the secret value in Key Vault, list it in the app's objects, sync it with syncedSecrets and read it through env (`- { name: <VARIABLE>, secretName: <synced Secret>, key: <its key> }`)",
        }),
    },
};

/** Keys that may hold secure values for this config (every other secret key is refused). */
export function secretKeyProblems(config: Partial<StackConfig>, secretKeys: ReadonlySet<string>): ConfigProblem[] {
    return [...secretKeys]
        .filter((key): key is TopLevelKey => key in SECRET_RULES)
        .flatMap((key) => {
            const refusal = SECRET_RULES[key].refusal(config);
            return refusal
                ? [
                      {
                          path: [key],
                          message: `holds a secure: value (Pulumi marks the whole key secret), but ${refusal.message}`,
                          fix: refusal.fix,
                      },
                  ]
                : [];
        });
}

/** The plain texts of every string under the secret keys (a mode is no secret), for redacting messages. */
export function secretPlainTexts(raw: Record<string, unknown>, secretKeys: ReadonlySet<string>): string[] {
    const texts: string[] = [];
    const walk = (value: unknown, key?: string): void => {
        if (typeof value === "string") {
            if (key !== "mode") {
                texts.push(value);
            }
        } else if (Array.isArray(value)) {
            value.forEach((item) => walk(item));
        } else if (value && typeof value === "object") {
            Object.entries(value).forEach(([child, item]) => walk(item, child));
        }
    };
    for (const key of secretKeys) {
        walk(raw[key]);
    }
    return texts;
}
