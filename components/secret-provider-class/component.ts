import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Problem, throwIfProblems } from "../shared/validation";
import { isDnsLabel, isDnsSubdomain } from "../shared/kubernetes";
import { SECRET_PROVIDER_CLASS_API_VERSION, SECRET_PROVIDER_CLASS_KIND, renderSecretProviderClassSpec } from "./render";
import { SecretProviderClassSpec } from "./types";
import { keyVaultNameProblems, tenantIdProblems } from "../key-vault/names";
import { secretProviderClassProblems } from "./validate";

/** Inputs of a SecretProviderClass for the Azure Key Vault provider: the typed spec plus where it lives. */
export interface SecretProviderClassArgs extends SecretProviderClassSpec {
    /**
     * Namespace of the class; it must be the namespace of the pods that mount it. An Input (e.g. a Namespace
     * resource's name): it only goes into the manifest, and is checked when it resolves.
     */
    namespace: pulumi.Input<string>;
    /**
     * `metadata.name`; defaults to the resource name. Pods reference it in the CSI volume (read it from `className`).
     * Plain: checked at construction and named in the component's errors.
     */
    className?: string;
    /** Extra labels on the class. Plain: merged with the component's own label at construction. */
    labels?: Record<string, string>;
    /** Annotations on the class. Plain: declared as given. */
    annotations?: Record<string, string>;
}

/** Problems with the namespace of a class: it must be a namespace name (the pods that mount it live there). */
export function namespaceProblems(namespace: string): Problem[] {
    return isDnsLabel(namespace)
        ? []
        : [
              {
                  where: "namespace",
                  message: `"${namespace}" is not a valid namespace name`,
                  fix: "use 1-63 lower-case letters, digits and '-', starting and ending with a letter or digit",
              },
          ];
}

/** Every problem with a SecretProviderClass's arguments whose values are known now (what the constructor checks). */
export function secretProviderClassArgsProblems(className: string, args: SecretProviderClassArgs): Problem[] {
    return [
        ...(isDnsSubdomain(className)
            ? []
            : [
                  {
                      where: "className",
                      message: `"${className}" is not a valid Kubernetes name`,
                      fix: "use lower-case letters, digits, '-' and '.'",
                  },
              ]),
        ...(typeof args.namespace === "string" ? namespaceProblems(args.namespace) : []),
        ...secretProviderClassProblems(args),
    ];
}

/** Checks Output-valued fields once they resolve (during preview when known), with the same messages. */
export function checkWhenKnown(
    subject: string,
    value: pulumi.Input<string>,
    problemsOf: (value: string) => Problem[],
): pulumi.Input<string> {
    if (typeof value === "string") {
        // Plain values were checked synchronously with the rest of the spec.
        return value;
    }
    return pulumi.output(value).apply((resolved) => {
        throwIfProblems(subject, problemsOf(resolved));
        return resolved;
    });
}

/** The spec with its unknown (Output) values checked as they resolve; known values are checked synchronously. */
export function checkedWhenKnown(subject: string, spec: SecretProviderClassSpec): SecretProviderClassSpec {
    return {
        ...spec,
        keyvaultName: checkWhenKnown(subject, spec.keyvaultName, (name) => keyVaultNameProblems(name)),
        tenantID: checkWhenKnown(subject, spec.tenantID, (tenant) => tenantIdProblems(tenant)),
    };
}

/** The validated spec of a SecretProviderClass, with unknown values checked as they resolve. */
export function validatedSpec(subject: string, spec: SecretProviderClassSpec): SecretProviderClassSpec {
    throwIfProblems(subject, secretProviderClassProblems(spec));
    return checkedWhenKnown(subject, spec);
}

/** The SecretProviderClass manifest the component declares for these arguments. */
export function secretProviderClassManifest(className: string, args: SecretProviderClassArgs) {
    return {
        apiVersion: SECRET_PROVIDER_CLASS_API_VERSION,
        kind: SECRET_PROVIDER_CLASS_KIND,
        metadata: {
            name: className,
            namespace: args.namespace,
            labels: { "app.kubernetes.io/managed-by": "pulumi", ...args.labels },
            ...(args.annotations && Object.keys(args.annotations).length > 0 ? { annotations: args.annotations } : {}),
        },
        spec: renderSecretProviderClassSpec(args),
    };
}

/**
 * A typed SecretProviderClass (`secrets-store.csi.x-k8s.io/v1`) for the Azure provider: one Kubernetes custom
 * resource (no wrapper component), validated before it is declared. Everything the provider would silently
 * ignore or reject at pod start fails here, at preview.
 */
export class SecretProviderClass extends k8s.apiextensions.CustomResource {
    /** `metadata.name` of the class, for the pod's CSI volume `volumeAttributes.secretProviderClass`. */
    public readonly className: pulumi.Output<string>;

    constructor(name: string, args: SecretProviderClassArgs, opts?: pulumi.CustomResourceOptions) {
        const className = args.className ?? name;
        const subject = `SecretProviderClass "${className}"`;
        throwIfProblems(subject, secretProviderClassArgsProblems(className, args));
        super(
            name,
            secretProviderClassManifest(className, {
                ...args,
                ...checkedWhenKnown(subject, args),
                namespace: checkWhenKnown(subject, args.namespace, namespaceProblems),
            }),
            // The name is fixed, so a replacement must delete the old class first.
            { deleteBeforeReplace: true, ...opts },
        );
        this.className = this.metadata.name;
    }
}
