import { Problem, formatProblem } from "../components/shared/validation";
import { capLine, capQuotes } from "./input-limits";

/**
 * What the migration tools report. Every finding is a `Problem` (where, message, fix) plus how serious it is, a
 * stable code (tests and scripts match on it) and the manifest it is about.
 *
 * Severities, from worst:
 * - `error`: the input can't be read or the output would be unsafe (e.g. a synced Secret that overwrites an
 *   akv2k8s Secret). Nothing is written; exit code 1.
 * - `unsupported`: this part has no equivalent and was NOT converted; it is left for manual work. Exit code 2.
 * - `review`: converted and written, but it behaves differently from before; check or change the consumer. Exit 2.
 * - `info`: converted; a difference worth knowing that needs no action.
 */
export type FindingSeverity = "error" | "unsupported" | "review" | "info";

export const FINDING_SEVERITIES: readonly FindingSeverity[] = ["error", "unsupported", "review", "info"];

/** Stable identifiers of every message the migration tools produce. */
export const FINDING_CODES = [
    // reading input
    "INPUT_UNREADABLE",
    "INPUT_INVALID_YAML",
    "INPUT_NOTHING_TO_CONVERT",
    "INPUT_OTHER_KINDS_IGNORED",
    "INPUT_DUPLICATE",
    "NAMESPACE_DEFAULTED",
    // AzureKeyVaultSecret fields
    "AKVS_INVALID",
    "AKVS_FIELD_NOT_IN_VERSION",
    "AKVS_NO_OUTPUT",
    "AKVS_NO_SECRET_NAME",
    "AKVS_NO_DATA_KEY",
    "AKVS_DATA_KEY_IGNORED",
    "AKVS_MULTI_KEY_VALUE_SECRET",
    "AKVS_CONFIGMAP_OUTPUT",
    "AKVS_TRANSFORM_UNSUPPORTED",
    "AKVS_TRANSFORM_IGNORED",
    "AKVS_SECRET_TYPE_UNSUPPORTED",
    "AKVS_KEY_FORMAT",
    "AKVS_CERTIFICATE_RAW",
    "AKVS_TLS_FROM_SECRET",
    "AKVS_TLS_KEY_ENCODING",
    "AKVS_CHAIN_ORDER",
    "AKVS_AZURE_IDENTITY",
    "AKVS_SECRET_KEY_CONFLICT",
    "AKVS_SECRET_TYPE_CONFLICT",
    "AKVS_SECRET_SPLIT_ACROSS_APPS",
    // names and side-by-side safety
    "SECRET_NAME_COLLISION",
    "SECRET_NAME_INVALID",
    "APP_NAME_INVALID",
    "APP_NAME_SANITIZED",
    "APP_NAME_OVERRIDE_UNUSED",
    "APP_INVALID",
    // env injector and workloads
    "ENV_INJECTOR_SYNTAX",
    "ENV_INJECTOR_AKVS_NOT_FOUND",
    "ENV_INJECTOR_QUERY_UNSUPPORTED",
    "ENV_INJECTOR_INIT_CONTAINER",
    "ENV_INJECTOR_VALUE_IN_SECRET",
    "ENV_INJECTOR_CERTIFICATE_RAW",
    "ENV_INJECTOR_KEY_FORMAT",
    "ENV_INJECTOR_NOT_CONVERTED",
    "WORKLOAD_REFERENCE_REWRITTEN",
    "WORKLOAD_REFERENCE_NOT_CONVERTED",
    "WORKLOAD_IMAGE_PULL_SECRET",
    "WORKLOAD_SERVICE_ACCOUNT",
    "WORKLOAD_NOT_PATCHED",
    "INGRESS_TLS_REFERENCE",
    "NAMESPACE_LABEL_REMOVE",
    "NAMESPACE_LABEL_KEEP",
    // SecretProviderClass adoption
    "SPC_IGNORED_KEY",
    "SPC_MISSPELLED_KEY",
    "SPC_NOT_A_STRING",
    "SPC_TENANT_FROM_STACK",
    "SPC_OBJECT_REJECTED",
    "SPC_SYNCED_SECRET_REJECTED",
    "SPC_CLASS_REJECTED",
    "SPC_IDENTITY_ADDON",
    "SPC_IDENTITY_SERVICE_PRINCIPAL_SECRET",
    "SPC_IDENTITY_SERVICE_ACCOUNT",
    "SPC_SAME_NAME",
] as const;

export type FindingCode = (typeof FINDING_CODES)[number];

/** One finding of a migration run. */
export interface Finding extends Problem {
    severity: FindingSeverity;
    code: FindingCode;
    /** The manifest it is about, e.g. `AzureKeyVaultSecret akv-test/secret-sync`. */
    subject: string;
    /** Where the manifest came from: `file#document`. */
    source?: string;
}

/** Exit codes of the migration commands. */
export const EXIT_CODES = {
    /** Everything was converted. */
    converted: 0,
    /** Input or safety error; nothing was written. */
    error: 1,
    /** Converted what has an equivalent; the report lists manual work. */
    manualWorkRemains: 2,
} as const;

/** The exit code a set of findings calls for. */
export function exitCodeFor(findings: readonly Finding[]): number {
    if (findings.some((finding) => finding.severity === "error")) {
        return EXIT_CODES.error;
    }
    if (findings.some((finding) => finding.severity === "unsupported" || finding.severity === "review")) {
        return EXIT_CODES.manualWorkRemains;
    }
    return EXIT_CODES.converted;
}

/** True when the finding means somebody has to do something by hand. */
export function needsManualWork(finding: Finding): boolean {
    return finding.severity === "unsupported" || finding.severity === "review";
}

/** One line: `[severity] subject where: message. Fix: fix.`, quotes and line capped (they hold input). */
export function formatFinding(finding: Finding): string {
    // Each part alone, so a bare quote in a name (the subject) can't pair with a quote of the message.
    const capped = {
        ...finding,
        subject: capQuotes(finding.subject),
        where: capQuotes(finding.where),
        message: capQuotes(finding.message),
        fix: capQuotes(finding.fix),
    };
    const problem = capped.where ? formatProblem(capped) : `${capped.message}. Fix: ${capped.fix}.`;
    return capLine(`[${capped.severity}] ${capped.subject}${capped.where ? " " : ": "}${problem}`);
}

/** Findings sorted worst first, then by subject, keeping the order of equal ones. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
    return findings
        .map((finding, index) => ({ finding, index }))
        .sort(
            (a, b) =>
                FINDING_SEVERITIES.indexOf(a.finding.severity) - FINDING_SEVERITIES.indexOf(b.finding.severity) ||
                a.finding.subject.localeCompare(b.finding.subject) ||
                a.index - b.index,
        )
        .map(({ finding }) => finding);
}
