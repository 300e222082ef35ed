import { Finding, FindingCode, FindingSeverity } from "../findings";
import { DEFAULT_SECRET_SUFFIX } from "../../program/secret-names";
import { MigrateOptions } from "./types";

/** What every phase of a conversion shares: the options with their defaults, and the findings so far. */
export interface MigrationState {
    readonly options: MigrateOptions;
    readonly defaultNamespace: string;
    /** Suffix of synced Secrets that replace akv2k8s Secrets. */
    readonly suffix: string;
    readonly findings: Finding[];
    /** Records a finding. */
    emit(severity: FindingSeverity, code: FindingCode, subject: string, where: string, message: string, fix: string, source?: string): void;
}

export function startMigration(options: MigrateOptions): MigrationState {
    const findings: Finding[] = [];
    return {
        options,
        defaultNamespace: options.defaultNamespace ?? "default",
        suffix: options.secretSuffix ?? DEFAULT_SECRET_SUFFIX,
        findings,
        emit: (severity, code, subject, where, message, fix, source) =>
            findings.push({ severity, code, subject, where, message, fix, ...(source ? { source } : {}) }),
    };
}
