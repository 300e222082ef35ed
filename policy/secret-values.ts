/**
 * The policy on plain configuration: no secret value in a ConfigMap's data or in a SecretProviderClass's
 * parameters (./heuristics tells a secret value from configuration).
 */
import { ResourceValidationArgs } from "@pulumi/policy";
import {
    DEFAULT_SECRET_HEURISTICS,
    SecretHeuristicOptions,
    SecretHint,
    isKeystoreFileName,
    isPrivatePemLabel,
    pemLabels,
    secretHints,
} from "./heuristics";
import { KubernetesRef, kubernetesName, qualified } from "./kubernetes";
import { UNKNOWN, keysOf, read } from "./props";
import { ResourceCheck, ResourcePolicy, forType, policyConfig } from "./resource-policy";
import { SECRET_PROVIDER_CLASS } from "./secret-provider-class";

const CONFIG_MAP = /^kubernetes:core\/v1:ConfigMap(Patch)?$/;

interface NoSecretValuesConfig extends SecretHeuristicOptions {
    allowKeys: string[];
}

const NO_SECRET_DEFAULTS: NoSecretValuesConfig = { ...DEFAULT_SECRET_HEURISTICS, allowKeys: [] };

function allowed(cfg: NoSecretValuesConfig, ref: KubernetesRef, key: string): boolean {
    const candidates = [`${qualified(ref)}/${key}`, `${String(ref.name === UNKNOWN ? "" : ref.name)}/${key}`];
    return cfg.allowKeys.some((entry) => candidates.includes(entry));
}

function describeHints(hints: SecretHint[]): string {
    return hints.map((hint) => hint.detail).join("; ");
}

const SECRET_PARAMETER_KEY = /(secret|password|passwd|token|credential|certificate|privatekey)/;

/** What every finding on one object starts from: the config, the object, its name in messages, how to allow a key. */
function findingContext(args: ResourceValidationArgs, kind: "ConfigMap" | "SecretProviderClass") {
    const cfg = policyConfig<NoSecretValuesConfig>(args, NO_SECRET_DEFAULTS);
    const ref = kubernetesName(args);
    const what = `${kind} "${qualified(ref)}"`;
    const allowHint = (key: string) => `If it is not a secret, add "${qualified(ref)}/${key}" to this policy's allowKeys.`;
    return { cfg, ref, what, allowHint };
}

const CONFIG_MAP_ADVICE =
    "ConfigMaps are readable by anyone who can read the namespace's configuration, and their values are stored in the Pulumi state in clear text. Put the value in Key Vault and mount it through a SecretProviderClass";

const configMapValues: ResourceCheck = forType(CONFIG_MAP, (args, reportViolation) => {
    const { cfg, ref, what, allowHint } = findingContext(args, "ConfigMap");
    const advice = CONFIG_MAP_ADVICE;
    const data = read(args.props, "data");
    for (const key of keysOf(data)) {
        const value = read(data, key);
        if (typeof value !== "string" || allowed(cfg, ref, key)) {
            continue;
        }
        const hints = secretHints(key, value, cfg);
        if (isKeystoreFileName(key) && !hints.some((hint) => hint.rule === "pem-private-key")) {
            hints.push({
                rule: "keystore-file",
                detail: "a key named like a keystore or private-key file (.pfx, .p12, .jks, .keystore, .key)",
            });
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
            reportViolation(
                `${what} binaryData key "${key}" holds a PEM private key (-----BEGIN ${privateLabel}-----). ${advice}. ${allowHint(key)}`,
            );
        } else if (isKeystoreFileName(key)) {
            reportViolation(
                `${what} binaryData key "${key}" holds a key named like a keystore or private-key file (.pfx, .p12, .jks, .keystore, .key). ${advice}. ${allowHint(key)}`,
            );
        }
    }
});

const SECRET_PROVIDER_CLASS_ADVICE =
    "SecretProviderClass parameters are plain configuration, stored in clear text in the cluster and the Pulumi state";

const secretProviderClassParameters: ResourceCheck = forType(SECRET_PROVIDER_CLASS, (args, reportViolation) => {
    const { cfg, ref, what, allowHint } = findingContext(args, "SecretProviderClass");
    const advice = SECRET_PROVIDER_CLASS_ADVICE;
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
});

export const noSecretValuesInManifests: ResourcePolicy = {
    name: "no-secret-values-in-manifests",
    description:
        "No secret value sits in a ConfigMap or a SecretProviderClass: no private keys, tokens, credentials or random-looking keys, and no credential-like SecretProviderClass parameters. Secrets live in Key Vault and reach pods through the CSI driver.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        "Keep the value in Key Vault and mount it through a SecretProviderClass; for a value that must be in config, set it with pulumi config set --secret. A key that is known not to be a secret goes into allowKeys.",
    url: "https://www.pulumi.com/docs/iac/concepts/secrets/",
    tags: ["secrets", "state"],
    configSchema: {
        properties: {
            allowKeys: {
                type: "array",
                items: { type: "string" },
                default: [],
                description:
                    'Keys that are known not to be secrets, as "<namespace>/<name>/<key>" or "<name>/<key>" (ConfigMap data keys or SecretProviderClass parameter names).',
            },
            minLength: { type: "integer", minimum: 8, default: 32, description: "Shortest token the entropy rule looks at." },
            entropyThreshold: {
                type: "number",
                minimum: 0,
                maximum: 8,
                default: 4.3,
                description: "Shannon entropy (bits per character) from which a token counts as random.",
            },
            allowPublicPemBlocks: {
                type: "boolean",
                default: true,
                description: "Allow PEM blocks that are public by nature (CERTIFICATE, PUBLIC KEY); private keys are never allowed.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        configMapValues(args, reportViolation);
        secretProviderClassParameters(args, reportViolation);
    },
};
