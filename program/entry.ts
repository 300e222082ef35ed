import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig } from "./config";
import { ProgramOutputs, runProgram } from "./main";
import { checkVaultContents } from "./vault-check";
import { ambientSubscription, checkAppIdentities } from "./identity-check";
import { checkAgainstCluster, clusterSource, kubernetesProviderConfig, reachCluster } from "./cluster-checks";
import { namespaceCheck } from "./namespace-check";
import { ownershipCheck } from "./ownership";
import { watchMountsDuringUp } from "./mount-watch";
import { changeCheck } from "./change-check";
import { kubernetesObjectPlan } from "./kubernetes-objects";
import { CONFIG_NAMESPACE } from "./problems";
import { CONFIG_KEYS, TopLevelKey, stackConfigSchema } from "./schema";

/** The SDK's own (internal) test of whether a config key holds a secure value. */
type SecretKeyTest = { isConfigSecret?: (key: string) => boolean };

/** The whole project namespace of the stack config, as given: every key present, known or not. */
export interface RawStackConfig {
    /** Values by key (without the namespace): objects and lists decoded, plain strings as written. */
    values: Record<string, unknown>;
    /** Keys that hold a `secure:` value somewhere (Pulumi marks the whole top-level key). */
    secretKeys: Set<string>;
}

/** True for keys whose value is a plain string in the stack file (so never decoded as JSON). */
function isTextKey(key: string): boolean {
    const schema = stackConfigSchema.shape[key as TopLevelKey];
    return schema !== undefined && schema.unwrap()._zod.def.type === "string";
}

/**
 * Decodes one config value. The engine hands every value over as text: objects and lists as JSON, strings as
 * written. A string where an object is expected stays a string, so the schema names the shape it expected.
 */
export function decodeConfigValue(key: string, text: string): unknown {
    if (isTextKey(key)) {
        return text;
    }
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/** Reads every key of the project namespace, and which of them hold secure values. */
export function readStackConfig(): RawStackConfig {
    const isSecret = (pulumi.runtime as SecretKeyTest).isConfigSecret;
    if (!isSecret) {
        throw new pulumi.RunError("This @pulumi/pulumi version does not say which config keys are secret; use @pulumi/pulumi 3.248.x.");
    }
    const values: Record<string, unknown> = {};
    const secretKeys = new Set<string>();
    for (const [fullKey, text] of Object.entries(pulumi.runtime.allConfig())) {
        if (!fullKey.startsWith(`${CONFIG_NAMESPACE}:`)) {
            continue;
        }
        const key = fullKey.slice(CONFIG_NAMESPACE.length + 1);
        values[key] = decodeConfigValue(key, text);
        if (isSecret(fullKey)) {
            secretKeys.add(key);
        }
    }
    return { values, secretKeys };
}

/**
 * The whole stack program: reads the whole project namespace of the stack config, checks it before any resource
 * is declared (so bad config fails the preview up front, with every problem at once), then wires the components.
 * Used by index.ts (the Pulumi CLI) and by the Automation API runs of the local stack.
 */
export async function stackProgram(): Promise<ProgramOutputs> {
    const { values, secretKeys } = readStackConfig();
    // The program declares the checked config: each app's selections expanded into explicit objects, so its
    // SecretProviderClass and its identities' roles cover the selected objects.
    const checked = await checkVaultContents(parseStackConfig(values, secretKeys));
    // The identity half: each app's existing identity against Resource Manager (program/identity-check.ts).
    await checkAppIdentities(checked.config);
    const source = clusterSource(checked.config, ambientSubscription(), kubernetesProviderConfig());
    const plan = kubernetesObjectPlan(checked.config.applications.map((app, index) => ({ index, app })));
    const reached = source
        ? await checkAgainstCluster(
              [
                  // The namespaces apps use and the stack does not create, in the cluster.
                  namespaceCheck(checked.config),
                  // No object another stack owns or no stack made is taken over.
                  ownershipCheck(checked.config, plan),
                  // No app moves namespace; files and synced keys running pods read that the change takes away.
                  changeCheck(checked.config),
              ],
              () => reachCluster(source),
          )
        : undefined;
    const outputs = await runProgram(checked.config, new Set(CONFIG_KEYS.filter((key) => secretKeys.has(key))), checked.listing);
    // While up awaits the Deployments, each app's pods that cannot mount are explained as doctor would (program/mount-watch.ts).
    watchMountsDuringUp(checked.config, outputs.applications, reached);
    return outputs;
}

// What else an inline (Automation API) run of the program and the tools around it read: the config's reader and its
// types, the program itself, and the names it derives from the config. The lab (localenv/) imports the program only
// from here.
export { CONFIG_NAMESPACE, parseStackConfig, plannedRoleAssignmentCount } from "./config";
export { AZURE_ROLE_ASSIGNMENT_LIMIT, ApplicationConfig, StackConfig } from "./schema";
export { ProgramOutputs, runProgram } from "./main";
export { serviceAccountOf } from "./kubernetes-objects";
// Internals of the library the lab's benchmark and tests need (it reaches the product only through the entry
// points; these are not part of the package's API): the GUIDs the program derives, the provider version the config
// checks identity binding against.
export { deterministicGuid } from "../components/shared/naming";
export { IDENTITY_BINDING_PROVIDER_VERSION } from "../components/secret-provider-class/provider-version";
