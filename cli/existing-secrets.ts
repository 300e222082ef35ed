import * as fs from "fs";
import * as path from "path";
import { isDnsSubdomain } from "../components/shared/kubernetes";
import { quote } from "../migration/input-limits";
import { UsageError } from "./args";

/** `namespace/name` entries of an --existing-secrets file. */
export function readExistingSecrets(file: string | undefined, cwd: string): string[] {
    if (!file) {
        return [];
    }
    let text: string;
    try {
        text = fs.readFileSync(path.resolve(cwd, file), "utf8");
    } catch (error) {
        throw new UsageError(
            `--existing-secrets ${file} can't be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        );
    }
    return text
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== "" && !line.startsWith("#"))
        .map((line) => {
            const parts = line.replace(/^secret\//, "").split(/[\s/]+/);
            if (parts.length !== 2 || !isDnsSubdomain(parts[0]) || !isDnsSubdomain(parts[1])) {
                throw new UsageError(`--existing-secrets ${file}: ${quote(line)} is not "namespace/name" or "namespace name"`);
            }
            return `${parts[0]}/${parts[1]}`;
        });
}
