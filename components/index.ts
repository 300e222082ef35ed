/**
 * The component library: import from here in your own stacks.
 * Every component validates its inputs at construction, so bad configuration fails at `pulumi preview`.
 */
export * from "./shared/validation";
export * from "./shared/arm-ids";
export { deterministicGuid } from "./shared/naming";
export * from "./shared/kubernetes-client";

export * from "./cluster/addon";
export * from "./cluster/component";

export * from "./key-vault/names";
export * from "./key-vault/request-budget";
export * from "./key-vault/network";
export * from "./key-vault/component";

export * from "./key-vault-access/roles";
export * from "./key-vault-access/component";

export * from "./secret-provider-class/types";
export * from "./secret-provider-class/paths";
export * from "./secret-provider-class/objects";
export * from "./secret-provider-class/synced-secrets";
export * from "./secret-provider-class/secret-sync";
export * from "./secret-provider-class/validate";
export * from "./secret-provider-class/render";
export * from "./secret-provider-class/parse";
export * from "./secret-provider-class/provider-version";
export * from "./secret-provider-class/component";

export * from "./workload/pod";
export { POD_TEMPLATE_KINDS, POD_TEMPLATE_PATHS, POD_TEMPLATE_TYPE_TOKENS, PodTemplateKind, podTemplateOf, withPodTemplate } from "./workload/pod-templates";
export * from "./workload/helm-transform";
export * from "./workload/types";
export * from "./workload/validate";
export * from "./workload/render";
export * from "./workload/component";
export * from "./workload/identity-binding";
