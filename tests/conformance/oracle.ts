/**
 * Client of the conformance oracle (localenv/programs/conformance-oracle and its provider half
 * localenv/programs/conformance-provider, built and run by `localenv/localenv tool conformance-oracle`): upstream's
 * own provider, driver and API-server code, run in batches inside a network namespace with no route, at the driver
 * and provider versions of one lane of localenv/versions.json.
 */
import { execFileSync, spawn } from "child_process";
import { LOCALENV, buildTools } from "../../localenv/harness/localenv";

/** The version lane the oracle runs ($AKV_LANE; unset: versions.json's default lane, what the AKS addon ships). */
export const ORACLE_LANE = process.env.AKV_LANE || undefined;

/** `localenv tool` for the oracle of that lane. */
const ORACLE_TOOL = ["tool", ...(ORACLE_LANE ? ["--lane", ORACLE_LANE] : []), "conformance-oracle"];

/** Upper bounds per oracle process; a run over either is a failure, like a crash. */
export const ORACLE_BOUNDS = { millisPerCase: 5_000, maxRssMiB: 1_024 };

/** One case: a SecretProviderClass manifest (object or YAML text). */
export interface OracleCase {
    id: string;
    manifest?: Record<string, unknown>;
    yaml?: string;
    /** The Secret the pod volume passes as nodePublishSecretRef (service principal credentials). */
    nodePublishSecretRef?: string;
    /** Only the provider's reading (no mount): verdict "READ". */
    readOnly?: boolean;
}

/** One upstream error and the stage (provider, driver, API server) that raised it. */
export interface OracleFailure {
    stage: string;
    error: string;
}

/** The provider's reading of a class (localenv/programs/conformance-provider, `Reading`) with the driver's secretObjects. */
export interface ProviderReading {
    keyvaultName: string;
    tenantID: string;
    cloudName: string;
    cloudEnvFileName: string;
    clientID: string;
    userAssignedIdentityID: string;
    flags: Record<string, string>;
    objectsError?: string;
    objects: Array<Record<string, unknown>>;
    secretObjects: unknown;
}

/**
 * A reading as text for "means the same" comparisons: a decoding error counts as an error, whatever its text
 * (go-yaml names the line, which moves when a field before it is dropped).
 */
export function comparableReading(reading: ProviderReading | undefined): string {
    if (!reading) {
        return "(no reading)";
    }
    return JSON.stringify({
        ...reading,
        objectsError: reading.objectsError === undefined ? undefined : "error",
        objects: reading.objects.map((object) => (object.error === undefined ? object : { error: true })),
    });
}

export interface OracleVerdict {
    id: string;
    verdict: "PASS" | "FAIL" | "READ";
    failures?: OracleFailure[];
    reading?: ProviderReading;
    files?: string[];
    millis: number;
}

/** What one oracle process did. */
export interface OracleRun {
    verdicts: Map<string, OracleVerdict>;
    maxRssMiB: number;
    wallMillis: number;
}

let built = false;

/** Builds the oracle once (cached outside the repository), so that no run's time bound includes the build. */
function buildOracle(): void {
    if (!built) {
        buildTools(["conformance"], [], ORACLE_LANE);
        built = true;
    }
}

/** Upstream module versions the oracle is built from, one `module version` per line. */
export function oracleVersions(): string {
    buildOracle();
    return execFileSync(LOCALENV, [...ORACLE_TOOL, "--", "-version"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
}

/** The module-cache directory of the lane's driver or provider module. */
export function oracleModuleDir(modulePath: string): string {
    return execFileSync(LOCALENV, [...ORACLE_TOOL, "--module", modulePath], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
    }).trim();
}

/**
 * Runs one oracle process on every case (`localenv tool` runs it inside `unshare -n`), with a wall-clock bound of
 * `ORACLE_BOUNDS.millisPerCase` per case. Rejects on a crash, a timeout, a missing verdict or a memory overrun.
 */
export function runOracle(cases: OracleCase[]): Promise<OracleRun> {
    buildOracle();
    const started = Date.now();
    return new Promise((resolve, reject) => {
        // the entry script and the tool exec, so this child is the oracle itself (a kill reaches it)
        const child = spawn(LOCALENV, ORACLE_TOOL, { stdio: ["pipe", "pipe", "pipe"] });
        const timeout = setTimeout(
            () => {
                child.kill("SIGKILL");
                reject(new Error(`oracle: over the time bound (${cases.length} cases, ${ORACLE_BOUNDS.millisPerCase} ms each)`));
            },
            ORACLE_BOUNDS.millisPerCase * Math.max(cases.length, 1),
        );
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
            stdout += chunk;
        });
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
            stderr += chunk;
        });
        child.on("error", (error) => {
            clearTimeout(timeout);
            reject(error);
        });
        // "close", not "exit": only then has all of stdout been read.
        child.on("close", (code, signal) => {
            clearTimeout(timeout);
            if (code !== 0) {
                reject(new Error(`oracle crashed (exit ${code ?? signal}): ${stderr.trim()}`));
                return;
            }
            const lines = stdout.split("\n").filter((l) => l.trim() !== "");
            // The oracle's last line is its peak memory (getrusage), the others one verdict per case.
            const summary = JSON.parse(lines.pop() ?? "{}") as { maxRssKiB?: number };
            const maxRssMiB = (summary.maxRssKiB ?? Infinity) / 1024;
            const verdicts = new Map<string, OracleVerdict>();
            for (const line of lines) {
                const verdict = JSON.parse(line) as OracleVerdict;
                verdicts.set(verdict.id, verdict);
            }
            const missing = cases.filter((c) => !verdicts.has(c.id));
            if (missing.length > 0) {
                reject(new Error(`oracle gave no verdict for ${missing.length} case(s), e.g. ${missing[0].id}`));
                return;
            }
            if (maxRssMiB > ORACLE_BOUNDS.maxRssMiB) {
                reject(new Error(`oracle: over the memory bound (${maxRssMiB.toFixed(0)} MiB > ${ORACLE_BOUNDS.maxRssMiB} MiB)`));
                return;
            }
            resolve({ verdicts, maxRssMiB, wallMillis: Date.now() - started });
        });
        child.stdin.on("error", () => undefined);
        child.stdin.end(cases.map((c) => JSON.stringify(c)).join("\n") + "\n");
    });
}
