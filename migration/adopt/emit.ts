import { Finding, FindingCode, FindingSeverity } from "../findings";

/** Records a finding about the class being adopted. */
export type AdoptEmit = (severity: FindingSeverity, code: FindingCode, where: string, message: string, fix: string) => void;

/** An emitter that adds findings about `subject` (from `source`) to `findings`. */
export function adoptEmitter(findings: Finding[], subject: string, source: string): AdoptEmit {
    return (severity, code, where, message, fix) => findings.push({ severity, code, subject, where, message, fix, source });
}

export const unique = <T>(values: T[]): T[] => [...new Set(values)];
