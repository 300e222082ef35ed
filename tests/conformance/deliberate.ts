/**
 * Every rule where we are deliberately stricter than the provider, the driver and the API server: the only
 * false rejects the conformance suite allows. docs/conformance.md lists the same rules with their reasons
 * (a test keeps the two in step).
 */
export interface DeliberateRule {
    /** Short id, as in docs/conformance.md. */
    id: string;
    /** Matches our formatted problem. */
    matches: RegExp;
    /** Why we refuse what upstream accepts. */
    reason: string;
}

export const DELIBERATE_RULES: DeliberateRule[] = [];
