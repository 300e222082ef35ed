/**
 * CPU time per process during a run, read from /proc: the CLI, the Kubernetes provider, the language host's Node.js
 * process, the API server and etcd each have their own line. Processes that exit during the run (the CLI, the
 * provider) keep the last value read, so sample often enough: a process's last 250 ms may be missed.
 */
import * as fs from "fs";

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

export interface ProcessTicks {
    pid: number;
    /** The executable's name as the kernel keeps it (15 characters at most). */
    command: string;
    /** User plus system CPU time, in clock ticks. */
    ticks: number;
}

/** One /proc/<pid>/stat line; the command may contain spaces and parentheses, so it ends at the last ")". */
export function parseProcStat(pid: number, stat: string): ProcessTicks | undefined {
    const open = stat.indexOf("(");
    const close = stat.lastIndexOf(")");
    if (open < 0 || close < open) {
        return undefined;
    }
    // After the command: state (field 3), ..., utime (14) and stime (15), counted from 1.
    const fields = stat.slice(close + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime)
        ? { pid, command: stat.slice(open + 1, close), ticks: utime + stime }
        : undefined;
}

/** Every process's ticks now. */
export function readAllProcesses(procDir = "/proc"): ProcessTicks[] {
    const found: ProcessTicks[] = [];
    for (const entry of fs.readdirSync(procDir)) {
        if (!/^\d+$/.test(entry)) {
            continue;
        }
        try {
            const parsed = parseProcStat(Number(entry), fs.readFileSync(`${procDir}/${entry}/stat`, "utf8"));
            if (parsed) {
                found.push(parsed);
            }
        } catch {
            // The process exited between the directory listing and the read.
        }
    }
    return found;
}

/**
 * CPU seconds per command between a first and a last reading, over every process seen in between: a process seen
 * only after the first reading counts from zero, one that exited counts up to its last reading.
 */
export function cpuSecondsByCommand(
    first: ProcessTicks[],
    seen: ProcessTicks[],
    excludePids: ReadonlySet<number> = new Set(),
): Map<string, number> {
    const base = new Map(first.map((process) => [process.pid, process.ticks]));
    const latest = new Map<number, ProcessTicks>();
    for (const process of seen) {
        latest.set(process.pid, process);
    }
    const seconds = new Map<string, number>();
    for (const process of latest.values()) {
        if (excludePids.has(process.pid)) {
            continue;
        }
        const used = (process.ticks - (base.get(process.pid) ?? 0)) / TICKS_PER_SECOND;
        if (used > 0) {
            seconds.set(process.command, (seconds.get(process.command) ?? 0) + used);
        }
    }
    return seconds;
}

/** Samples every process on an interval until stopped; then tells the CPU seconds per command in between. */
export class ProcessCpuSampler {
    private readonly first = readAllProcesses();
    private readonly latest = new Map<number, ProcessTicks>();
    private readonly timer: NodeJS.Timeout;

    constructor(intervalMs = 250) {
        this.timer = setInterval(() => this.sample(), intervalMs);
    }

    private sample(): void {
        for (const process of readAllProcesses()) {
            this.latest.set(process.pid, process);
        }
    }

    /** CPU seconds per command since construction, leaving out this process (its CPU is measured by the caller). */
    stop(): Map<string, number> {
        clearInterval(this.timer);
        this.sample();
        return cpuSecondsByCommand(this.first, [...this.latest.values()], new Set([process.pid]));
    }
}
