import * as fs from "fs";
import * as path from "path";
import { Finding } from "../migration/findings";
import { SourcedManifest, manifestsFromText } from "../migration/manifests";
import { display } from "./io";

/** Reading the command's inputs (files, directories, stdin) into manifests. */

/** Input files of a path: a file, or a directory recursively (*.yaml, *.yml, *.json), in name order. */
function expand(input: string, cwd: string): string[] {
    const absolute = path.resolve(cwd, input);
    if (!fs.statSync(absolute).isDirectory()) {
        return [absolute];
    }
    return fs
        .readdirSync(absolute, { withFileTypes: true })
        .sort((a, b) => a.name.localeCompare(b.name))
        .flatMap((entry) => {
            const child = path.join(absolute, entry.name);
            if (entry.isDirectory()) {
                return expand(child, cwd);
            }
            return /\.(ya?ml|json)$/i.test(entry.name) ? [child] : [];
        });
}

/**
 * Reads files, directories and "-" (stdin) into manifests; sources are shown relative to `cwd`. Unreadable
 * paths and broken documents become error findings.
 */
export async function readManifestInputs(
    inputs: readonly string[],
    io: { cwd: string; readStdin: () => Promise<string> },
): Promise<{ manifests: SourcedManifest[]; findings: Finding[] }> {
    const manifests: SourcedManifest[] = [];
    const findings: Finding[] = [];
    for (const input of inputs) {
        if (input === "-") {
            const read = manifestsFromText(await io.readStdin(), "stdin");
            manifests.push(...read.manifests);
            findings.push(...read.findings);
            continue;
        }
        let files: string[];
        try {
            files = expand(input, io.cwd);
        } catch (error) {
            findings.push({
                severity: "error",
                code: "INPUT_UNREADABLE",
                subject: input,
                where: "",
                message: `can't be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
                fix: "check the path",
            });
            continue;
        }
        for (const file of files) {
            const read = manifestsFromText(fs.readFileSync(file, "utf8"), display(file, io.cwd));
            manifests.push(...read.manifests);
            findings.push(...read.findings);
        }
    }
    return { manifests, findings };
}
