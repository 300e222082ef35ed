import { Problem } from "../components/shared/validation";
import { isDnsLabel, isDnsSubdomain } from "../components/shared/kubernetes";
import { NAMESPACE_SERVICE_ACCOUNT } from "../components/workload/types";

/**
 * Names given on the command line for converted apps and synced Secrets. The names the converter picks come from
 * `toDnsLabel` and `uniqueName` (components/shared/naming.ts), around the program's side-by-side rule
 * (program/secret-names.ts).
 */

/** Problems with a name given on the command line for an app or Secret. */
export function givenNameProblems(kind: "app" | "secret", name: string, where: string): Problem[] {
    const valid = kind === "app" ? isDnsLabel(name) : isDnsSubdomain(name);
    if (!valid) {
        return [
            {
                where,
                message: `"${name}" is not a valid ${kind === "app" ? "app name (DNS label)" : "Secret name"}`,
                fix: "use lower-case letters, digits and '-'" + (kind === "secret" ? " (and '.')" : ", at most 63 characters"),
            },
        ];
    }
    if (kind === "app" && name === NAMESPACE_SERVICE_ACCOUNT) {
        return [
            {
                where,
                message: `"${name}" would name the app's ServiceAccount after the one every namespace already has`,
                fix: "pick another app name",
            },
        ];
    }
    return [];
}
