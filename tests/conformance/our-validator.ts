/** Our side of the comparison: the SecretProviderClass component's checks, under a time and memory bound. */
import { fork } from "child_process";
import * as path from "path";
import { GeneratedCase } from "./generator";

/** Bounds on our validator; a case over either is a failure, like a crash. */
export const VALIDATOR_BOUNDS = { millisPerCase: 250, heapMiB: 256 };

export interface OurVerdict {
    id: string;
    /** Formatted problems; empty means we accept. */
    problems: string[];
    millis: number;
}

/** Cases per child process: the heap bound is for one case's work, not for holding thousands of inputs. */
const CHUNK = 200;

/** Our verdict on every case, in child processes (two at a time); rejects naming the case that crashed, hung or ran out of memory. */
export async function ourVerdicts(cases: Array<{ id: string; generated: GeneratedCase }>): Promise<Map<string, OurVerdict>> {
    const chunks: Array<typeof cases> = [];
    for (let start = 0; start < cases.length; start += CHUNK) {
        chunks.push(cases.slice(start, start + CHUNK));
    }
    const verdicts = new Map<string, OurVerdict>();
    for (let next = 0; next < chunks.length; next += 2) {
        for (const chunk of await Promise.all(chunks.slice(next, next + 2).map(verdictsInChild))) {
            chunk.forEach((verdict, id) => verdicts.set(id, verdict));
        }
    }
    return verdicts;
}

function verdictsInChild(cases: Array<{ id: string; generated: GeneratedCase }>): Promise<Map<string, OurVerdict>> {
    return new Promise((resolve, reject) => {
        const child = fork(path.join(__dirname, "validator-worker.ts"), [], {
            execArgv: ["--require", "ts-node/register/transpile-only", `--max-old-space-size=${VALIDATOR_BOUNDS.heapMiB}`],
            stdio: ["ignore", "inherit", "pipe", "ipc"],
        });
        const verdicts = new Map<string, OurVerdict>();
        let current = "(before the first case)";
        let stderr = "";
        // A generous overall bound (ts-node start-up included); each case's own time is checked by compare().
        const timeout = setTimeout(() => child.kill("SIGKILL"), 30_000 + cases.length * VALIDATOR_BOUNDS.millisPerCase);
        child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
            stderr += chunk;
        });
        child.on("message", (message: { started: string } | { done: true } | OurVerdict) => {
            if ("done" in message) {
                child.disconnect();
            } else if ("started" in message) {
                current = message.started;
            } else {
                verdicts.set(message.id, message);
            }
        });
        child.on("exit", (code, signal) => {
            clearTimeout(timeout);
            if (code === 0 && verdicts.size === cases.length) {
                resolve(verdicts);
            } else {
                const cause = /heap out of memory/.test(stderr)
                    ? "ran out of memory"
                    : signal === "SIGKILL"
                      ? "ran over the time bound"
                      : `crashed (exit ${code ?? signal})`;
                reject(new Error(`our validator ${cause} on case ${current}\n${stderr.split("\n").slice(0, 5).join("\n")}`));
            }
        });
        child.send(cases);
    });
}
