import { quote } from "../migration/input-limits";

/** The variable that makes the command print the stack trace of an unexpected error (for whoever fixes it). */
export const STACK_VARIABLE = "AKS_KEYVAULT_SECRETS_STACK";

/**
 * What the command prints for an error it did not expect (a bug, or input no check foresaw): one line with the
 * error's first line, quoted and capped since it may carry input, and how to get the stack trace; the trace itself
 * only with {@link STACK_VARIABLE}=1, as users need the line and the fix, not the trace.
 */
export function unexpectedErrorText(error: unknown, env: NodeJS.ProcessEnv): string {
    if (env[STACK_VARIABLE] === "1") {
        return `aks-keyvault-secrets: ${error instanceof Error && error.stack ? error.stack : String(error)}\n`;
    }
    const name = error instanceof Error ? error.name : typeof error;
    const message = error instanceof Error ? error.message : String(error);
    return `aks-keyvault-secrets: unexpected error: ${name} ${quote(message.split("\n")[0])}; rerun with ${STACK_VARIABLE}=1 for the stack trace and report it with that output\n`;
}
