/** The SecretSync policy: what the SecretSync CRD refuses and what the sync controller needs, found at preview. */
import {
    SECRET_SYNC_API_VERSION,
    SECRET_SYNC_CONTROLLER_URL,
    SECRET_SYNC_KIND,
    reservedKeyProblems,
} from "../components/secret-provider-class/secret-sync";
import { isDnsSubdomain } from "../components/shared/kubernetes";
import { Problem, formatProblem } from "../components/shared/validation";
import { kubernetesName, qualified } from "./kubernetes";
import { UNKNOWN, keysOf, read, str } from "./props";
import { ResourcePolicy, forType } from "./resource-policy";

const SECRET_SYNC = new RegExp(`^kubernetes:${SECRET_SYNC_API_VERSION.replace(/[./]/g, "\\$&")}:${SECRET_SYNC_KIND}$`);

const REFERENCES = {
    secretProviderClassName: "the SecretProviderClass (in the same namespace) whose parameters the controller passes to the provider",
    serviceAccountName: "the ServiceAccount whose token the controller requests for the provider (workload identity authenticates as it)",
} as const;

/** The keys of a map as a map, for the checks that look at keys only; unknown maps have none. */
function keysMap(value: unknown): Record<string, string> {
    return Object.fromEntries(keysOf(value).map((key) => [key, ""]));
}

/** Problems of one SecretSync `spec`; values unknown during preview are skipped. */
export function secretSyncSpecProblems(spec: unknown): Problem[] {
    const problems: Problem[] = [];
    for (const [field, what] of Object.entries(REFERENCES)) {
        const value = str(read(spec, field));
        if (value === UNKNOWN) {
            continue;
        }
        if (value === undefined || value === "") {
            problems.push({ where: `spec.${field}`, message: `is missing; the CRD requires it: it names ${what}`, fix: `set ${field}` });
        } else if (!isDnsSubdomain(value)) {
            problems.push({
                where: `spec.${field}`,
                message: `"${value}" is not a valid Kubernetes name`,
                fix: "use lower-case letters, digits, '-' and '.'",
            });
        }
    }
    const secretObject = read(spec, "secretObject");
    if (secretObject !== UNKNOWN) {
        problems.push(
            ...reservedKeyProblems(
                { labels: keysMap(read(secretObject, "labels")), annotations: keysMap(read(secretObject, "annotations")) },
                "spec.secretObject",
            ),
        );
    }
    return problems;
}

export const secretSyncWellFormed: ResourcePolicy = {
    name: "secret-sync-well-formed",
    description:
        "SecretSync objects (secrets-store-sync-controller) name their SecretProviderClass and ServiceAccount, and put no label or annotation with the prefix the controller reserves on their Secret.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Set spec.secretProviderClassName and spec.serviceAccountName, and remove labels and annotations that start with secrets-store.sync.x-k8s.io from spec.secretObject (the controller sets its own); the AppWorkload component with syncMechanism: secretSync refuses the same problems at construction.",
    url: SECRET_SYNC_CONTROLLER_URL,
    tags: ["secrets-store-sync", "kubernetes"],
    validateResource: forType(SECRET_SYNC, (args, reportViolation) => {
        const spec = read(args.props, "spec");
        if (spec === UNKNOWN) {
            return;
        }
        const ref = qualified(kubernetesName(args));
        for (const problem of secretSyncSpecProblems(spec)) {
            reportViolation(`SecretSync "${ref}": ${formatProblem(problem)}`);
        }
    }),
};
