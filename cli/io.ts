import * as path from "path";

/** What the command needs from its environment (tests pass their own). */
export interface CliIo {
    cwd: string;
    stdout: (text: string) => void;
    stderr: (text: string) => void;
    /** Stdin's bytes (or text), at most about `maxBytes` of them: reading stops there, so no input is held whole. */
    readStdin: (maxBytes: number) => Promise<Uint8Array | string>;
}

/** The real process environment. */
export function processIo(): CliIo {
    return {
        cwd: process.cwd(),
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
        readStdin: (maxBytes) =>
            new Promise((resolve, reject) => {
                const chunks: Buffer[] = [];
                let length = 0;
                const done = () => resolve(Buffer.concat(chunks));
                process.stdin.on("data", (chunk: Buffer) => {
                    chunks.push(chunk);
                    length += chunk.length;
                    if (length >= maxBytes) {
                        // Enough to refuse it: the rest is not read (the writer gets EPIPE).
                        process.stdin.destroy();
                        done();
                    }
                });
                process.stdin.on("end", done);
                process.stdin.on("error", reject);
            }),
    };
}

/** A path as shown in reports: relative to `cwd`, with forward slashes. */
export function display(file: string, cwd: string): string {
    const relative = path.relative(cwd, file);
    return (path.isAbsolute(relative) ? file : relative).split(path.sep).join("/");
}
