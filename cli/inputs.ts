import * as fs from "fs";
import * as path from "path";
import { Finding } from "../migration/findings";
import { INPUT_LIMITS, InputBudget, LIMIT_ERRORS } from "../migration/input-limits";
import { SourcedManifest, manifestsFromText } from "../migration/manifests";
import { CliIo, display } from "./io";

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

/** Bytes as text; invalid UTF-8 is binary input, refused instead of read as replacement characters. */
function decode(bytes: Uint8Array, source: string): string {
    try {
        return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
        throw LIMIT_ERRORS.notText(source, "it is not UTF-8");
    }
}

/** A file's bytes, refused by its size before it is read. */
function readFile(file: string, source: string, budget: InputBudget): Uint8Array {
    budget.addBytes(source, fs.statSync(file).size);
    return fs.readFileSync(file);
}

/**
 * Reads files, directories and "-" (stdin) into manifests; sources are shown relative to `cwd`. Unreadable
 * paths and broken documents become error findings; input over a limit of `INPUT_LIMITS` (all inputs together)
 * or that is not text throws an `InputError`.
 */
export async function readManifestInputs(
    inputs: readonly string[],
    io: Pick<CliIo, "cwd" | "readStdin">,
): Promise<{ manifests: SourcedManifest[]; findings: Finding[] }> {
    const manifests: SourcedManifest[] = [];
    const findings: Finding[] = [];
    const budget = new InputBudget();
    const add = (read: { manifests: SourcedManifest[]; findings: Finding[] }) => {
        // One push per item: spreading a long array into push's arguments overflows the stack.
        for (const manifest of read.manifests) {
            manifests.push(manifest);
        }
        for (const finding of read.findings) {
            findings.push(finding);
        }
    };
    for (const input of inputs) {
        if (input === "-") {
            // One byte over what is left is enough to know stdin is over the limit.
            const read = await io.readStdin(INPUT_LIMITS.bytes - budget.bytes + 1);
            const bytes = typeof read === "string" ? Buffer.from(read, "utf8") : read;
            budget.addBytes("stdin", bytes.length);
            add(manifestsFromText(decode(bytes, "stdin"), "stdin", budget));
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
            const source = display(file, io.cwd);
            add(manifestsFromText(decode(readFile(file, source, budget), source), source, budget));
        }
    }
    return { manifests, findings };
}
