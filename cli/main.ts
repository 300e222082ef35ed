import { EXIT_CODES } from "../migration/findings";
import { InputError } from "../migration/input-limits";
import { UsageError, parseArgs } from "./args";
import { runCheckNames } from "./check-names";
import { runDoctor } from "./doctor";
import { CliIo, processIo } from "./io";
import { runMigrate } from "./migrate";
import { USAGE } from "./usage";

/**
 * The `aks-keyvault-secrets` command (started by cli/aks-keyvault-secrets.ts). Commands:
 * - `migrate`: akv2k8s manifests, workloads and hand-written SecretProviderClasses -> stack config + patches.
 * - `check-names`: refuse stack config whose synced Secrets would overwrite akv2k8s Secrets.
 * - `doctor`: read a cluster and say, per app, whether its secrets arrive, and for each failure the cause and the fix.
 */

/** Runs the command; resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
    try {
        const args = parseArgs(argv);
        if (
            args.command === "" ||
            args.command === "help" ||
            args.command === "--help" ||
            args.command === "-h" ||
            args.flags.has("help")
        ) {
            io.stdout(USAGE);
            return args.command === "" ? EXIT_CODES.error : EXIT_CODES.converted;
        }
        if (args.command === "migrate") {
            return await runMigrate(args, io);
        }
        if (args.command === "doctor") {
            return await runDoctor(args, io);
        }
        if (args.command === "check-names") {
            return await runCheckNames(args, io);
        }
        throw new UsageError(`unknown command "${args.command}"`);
    } catch (error) {
        if (error instanceof UsageError) {
            io.stderr(`aks-keyvault-secrets: ${error.message}\n\n${USAGE}`);
            return EXIT_CODES.error;
        }
        if (error instanceof InputError) {
            // The input can't be read further (over a limit, or not text): no report, since it would be partial.
            io.stderr(`aks-keyvault-secrets: ${error.message}\n`);
            return EXIT_CODES.error;
        }
        throw error;
    }
}
