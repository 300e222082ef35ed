import * as path from "path";

/** What the command needs from its environment (tests pass their own). */
export interface CliIo {
    cwd: string;
    stdout: (text: string) => void;
    stderr: (text: string) => void;
    readStdin: () => Promise<string>;
}

/** The real process environment. */
export function processIo(): CliIo {
    return {
        cwd: process.cwd(),
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
        readStdin: () =>
            new Promise((resolve, reject) => {
                let text = "";
                process.stdin.setEncoding("utf8");
                process.stdin.on("data", (chunk) => (text += chunk));
                process.stdin.on("end", () => resolve(text));
                process.stdin.on("error", reject);
            }),
    };
}

/** A path as shown in reports: relative to `cwd`, with forward slashes. */
export function display(file: string, cwd: string): string {
    const relative = path.relative(cwd, file);
    return (path.isAbsolute(relative) ? file : relative).split(path.sep).join("/");
}
