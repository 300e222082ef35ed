import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { KeyVaultPodWiring, attachKeyVaultSecrets } from "./pod";
import { throwIfProblems } from "../shared/validation";
import { isObject, labelsOf, nameOf, namespaceOf } from "../shared/manifests";
import { POD_TEMPLATE_TYPE_TOKENS, PodTemplate, PodTemplateKind, podTemplateKind, podTemplateOf, withPodTemplate } from "./pod-templates";

/**
 * Wiring Key Vault secrets into pods of workloads you don't write yourself (a Helm chart, a YAML bundle): a
 * Pulumi resource transform that finds Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs by
 * kind, name, namespace and labels and applies `attachKeyVaultSecrets` to their pod template, so the chart
 * needs no edit.
 *
 * ```ts
 * const app = new AppWorkload("orders", { ... });           // or a SecretProviderClass
 * new k8s.helm.v4.Chart("orders", { chart: "./charts/orders", namespace: "orders" }, {
 *     transforms: [keyVaultSecretsTransform([{
 *         match: { kinds: ["Deployment"], name: /orders$/ },
 *         wiring: { secretProviderClassName: app.secretProviderClassName,
 *                   env: [{ name: "DB_PASSWORD", secretName: "orders-csi", key: "db-password" }] },
 *         replaceEnv: true,
 *     }])],
 * });
 * ```
 */

/**
 * Which workloads a rule applies to; every given field must match. Plain values: the transform compares them with
 * each manifest as it sees it.
 */
export interface PodTemplateSelector {
    /** Workload kinds; default all kinds with a pod template. */
    kinds?: PodTemplateKind[];
    /** `metadata.name`: exact, or a regular expression (chart names carry the release name). */
    name?: string | RegExp;
    /** `metadata.namespace`, when the rendered manifest has one. */
    namespace?: string;
    /** Labels the workload's `metadata.labels` must all have. */
    labels?: Record<string, string>;
}

/** One rule: which workloads, and how their pods get Key Vault secrets. */
export interface KeyVaultWiringRule {
    /** The workloads the rule applies to. */
    match: PodTemplateSelector;
    /** What their pods get: the class to mount, env vars from synced Secrets, which containers. */
    wiring: KeyVaultPodWiring;
    /**
     * Replace env vars the chart already sets with the same names (e.g. a placeholder value or another Secret),
     * in place, keeping their position. Default false: an existing variable is an error. Plain: decides how the
     * pod template is rewritten.
     */
    replaceEnv?: boolean;
    /**
     * Run the pods as this ServiceAccount (workload identity: the one federated with the app's identity), e.g. an
     * AppWorkload's `serviceAccountName`.
     */
    serviceAccountName?: pulumi.Input<string>;
}

/** True when a workload manifest is selected. */
export function matchesPodTemplate(manifest: Record<string, unknown>, selector: PodTemplateSelector): boolean {
    const kind = podTemplateKind(manifest);
    if (!kind || (selector.kinds && !selector.kinds.includes(kind))) {
        return false;
    }
    const name = nameOf(manifest);
    if (selector.name !== undefined && !(typeof selector.name === "string" ? selector.name === name : selector.name.test(name))) {
        return false;
    }
    if (selector.namespace !== undefined && namespaceOf(manifest) !== undefined && namespaceOf(manifest) !== selector.namespace) {
        return false;
    }
    const labels = labelsOf(manifest);
    return Object.entries(selector.labels ?? {}).every(([key, value]) => labels[key] === value);
}

type Container = k8s.types.input.core.v1.Container;
type EnvVar = k8s.types.input.core.v1.EnvVar;

/** Applies one rule to a pod template (pure). */
export function applyWiringRule(template: PodTemplate, rule: KeyVaultWiringRule, subject: string): PodTemplate {
    // plain values (attachKeyVaultSecrets refuses Outputs and Promises)
    const spec = template.spec as k8s.types.input.core.v1.PodSpec | undefined;
    if (!isObject(spec)) {
        throw new Error(`${subject}: the pod template has no spec`);
    }
    const containers = (Array.isArray(spec.containers) ? spec.containers : []) as Container[];
    const wanted = rule.wiring.containers ?? containers.map((container) => container.name as string);
    const envNames = new Set((rule.wiring.env ?? []).map((variable) => variable.name));
    // Remember where replaced variables were, so they come back in place ($(VAR) references depend on order).
    const positions = new Map<string, Map<string, number>>();
    let prepared = template;
    if (rule.replaceEnv && envNames.size > 0) {
        prepared = {
            ...template,
            spec: {
                ...spec,
                containers: containers.map((container) => {
                    if (!wanted.includes(container.name as string) || !Array.isArray(container.env)) {
                        return container;
                    }
                    const env = container.env as EnvVar[];
                    positions.set(
                        container.name as string,
                        new Map(
                            env
                                .map((variable, index) => [variable.name as string, index] as [string, number])
                                .filter(([name]) => envNames.has(name)),
                        ),
                    );
                    return { ...container, env: env.filter((variable) => !envNames.has(variable.name as string)) };
                }),
            },
        };
    }
    let wired: PodTemplate;
    try {
        wired = attachKeyVaultSecrets(prepared, rule.wiring);
    } catch (error) {
        throw new Error(`${subject}: ${(error as Error).message}`, { cause: error });
    }
    const wiredSpec = wired.spec as k8s.types.input.core.v1.PodSpec;
    const restored = (wiredSpec.containers as Container[]).map((container) => {
        const places = positions.get(container.name as string);
        if (!places || places.size === 0) {
            return container;
        }
        const env = [...(container.env as EnvVar[])];
        const moved = [...places.entries()].sort(([, a], [, b]) => a - b);
        for (const [name, index] of moved) {
            const from = env.findIndex((variable) => variable.name === name && variable.valueFrom !== undefined);
            if (from < 0) {
                continue;
            }
            const [variable] = env.splice(from, 1);
            env.splice(Math.min(index, env.length), 0, variable);
        }
        return { ...container, env };
    });
    return {
        ...wired,
        spec: { ...wiredSpec, containers: restored, ...(rule.serviceAccountName ? { serviceAccountName: rule.serviceAccountName } : {}) },
    };
}

/**
 * Applies every matching rule to a workload manifest (plain values, as a chart renders them). Returns the new
 * manifest and the indexes of the rules that matched; non-workload manifests come back unchanged.
 */
export function wireKeyVaultSecrets<T extends Record<string, unknown>>(
    manifest: T,
    rules: readonly KeyVaultWiringRule[],
): { manifest: T; matched: number[] } {
    const template = podTemplateOf(manifest);
    if (!template) {
        return { manifest, matched: [] };
    }
    const matched = rules.map((rule, index) => (matchesPodTemplate(manifest, rule.match) ? index : -1)).filter((index) => index >= 0);
    if (matched.length === 0) {
        return { manifest, matched };
    }
    const subject = `${String(manifest.kind)} ${namespaceOf(manifest) ? `${namespaceOf(manifest)}/` : ""}${nameOf(manifest)}`;
    const wired = matched.reduce((current, index) => applyWiringRule(current, rules[index], subject), template);
    return { manifest: withPodTemplate(manifest, wired), matched };
}

/** Problems with rules that would fail for every workload (checked once, when the transform is created). */
function ruleProblems(rules: readonly KeyVaultWiringRule[]) {
    return rules.flatMap((rule, index) =>
        rule.match.kinds?.some((kind) => !Object.values(POD_TEMPLATE_TYPE_TOKENS).includes(kind))
            ? [
                  {
                      where: `rules[${index}].match.kinds`,
                      message: `contains a kind without a pod template`,
                      fix: `use ${Object.values(POD_TEMPLATE_TYPE_TOKENS).join(", ")}`,
                  },
              ]
            : [],
    );
}

/**
 * A resource transform (the `transforms` resource option; it reaches the children of components such as
 * `k8s.helm.v4.Chart` and `k8s.yaml.v2.ConfigGroup`) that wires Key Vault secrets into matching workloads.
 */
export function keyVaultSecretsTransform(rules: readonly KeyVaultWiringRule[]): pulumi.ResourceTransform {
    throwIfProblems("keyVaultSecretsTransform", ruleProblems(rules));
    return (args: pulumi.ResourceTransformArgs): pulumi.ResourceTransformResult | undefined => {
        if (!args.custom || !(args.type in POD_TEMPLATE_TYPE_TOKENS)) {
            return undefined;
        }
        const props = args.props as Record<string, unknown>;
        // The kind decides where the pod template is; the type token says it even when props don't.
        const { manifest, matched } = wireKeyVaultSecrets(
            props.kind ? props : { ...props, kind: POD_TEMPLATE_TYPE_TOKENS[args.type] },
            rules,
        );
        if (matched.length === 0) {
            return undefined;
        }
        if (!props.kind) {
            delete manifest.kind;
        }
        return { props: manifest, opts: args.opts };
    };
}

/**
 * The same for the older `transformations` option (`k8s.helm.v3.Chart`, `k8s.yaml.ConfigFile`): mutates the
 * manifest object in place, as those options expect.
 */
export function keyVaultSecretsTransformation(
    rules: readonly KeyVaultWiringRule[],
): (manifest: unknown, opts: pulumi.CustomResourceOptions) => void {
    throwIfProblems("keyVaultSecretsTransformation", ruleProblems(rules));
    return (manifest: unknown) => {
        if (!isObject(manifest)) {
            return;
        }
        const { manifest: wired, matched } = wireKeyVaultSecrets(manifest, rules);
        if (matched.length > 0) {
            for (const key of Object.keys(manifest)) {
                // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- empties the object in place: the transformations option expects the manifest it passed to be changed
                delete manifest[key];
            }
            Object.assign(manifest, wired);
        }
    };
}
