/**
 * `migrate` on hostile input, through the real CLI: writes five inputs into a temp directory (a 60 MB file of
 * 24,000 documents, a List of 200,000 items, a YAML alias bomb, a recursive alias, 1 MB of binary junk), runs
 * `aks-keyvault-secrets migrate` on each under `/usr/bin/time -v`, and prints per input the exit code, the
 * stderr lines, the wall time and the peak RSS as the table docs/migration.md records; then three inputs just
 * under the limits, which are accepted. Exits 1 when an input misses the target: no stack trace, at most 10 s and
 * 500 MB, and for the hostile five exit code 1 with one stderr line.
 *
 *   node -r ts-node/register/transpile-only localenv/bench/migrate-hostile.ts [--keep]
 */
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");
const TIME = "/usr/bin/time";
const TARGET_SECONDS = 10;
const TARGET_MB = 500;

/**
 * One Deployment of about `bytes` bytes (57 YAML nodes as migrate counts them; the padding is a long annotation, as
 * last-applied-configuration is).
 */
function deployment(index: number, bytes: number): string {
    const head = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-${index}
  namespace: team-${index % 50}
  annotations:
    note: "`;
    const tail = `"
spec:
  selector:
    matchLabels:
      app: app-${index}
  template:
    metadata:
      labels:
        app: app-${index}
    spec:
      containers:
        - name: app
          image: registry.example/app:1.0.0
          env:
            - name: DB_PASSWORD
              value: db-password-${index}@azurekeyvault
`;
    return head + "x".repeat(Math.max(0, bytes - head.length - tail.length)) + tail;
}

/** The inputs by file name: what the issue measured on main. */
/** One AzureKeyVaultSecret with a synced Secret, as kubectl prints it (39 YAML nodes as migrate counts them). */
function akvs(index: number): string {
    return `apiVersion: spv.no/v2beta1
kind: AzureKeyVaultSecret
metadata:
  name: secret-${index}
  namespace: team-${index % 100}
spec:
  vault:
    name: kv-team-${index % 100}
    object:
      name: secret-${index}
      type: secret
  output:
    secret:
      name: secret-${index}
      dataKey: value
`;
}

interface Input {
    name: string;
    what: string;
    /** Input the command must refuse with one line; the others are accepted and only measured. */
    refused: boolean;
    content: () => string | Buffer;
}

/** The inputs: what the issue measured on main, then input just under the limits, accepted. */
export function hostileInputs(): Input[] {
    return [
        {
            name: "big.yaml",
            what: "60 MB file of 24,000 documents",
            refused: true,
            content: () =>
                Array.from({ length: 24_000 }, (_, i) => deployment(i, 2_500))
                    .map((doc) => `---\n${doc}`)
                    .join(""),
        },
        {
            name: "list.json",
            what: "List of 200,000 items",
            refused: true,
            content: () =>
                JSON.stringify({
                    apiVersion: "v1",
                    kind: "List",
                    items: Array.from({ length: 200_000 }, (_, i) => ({
                        apiVersion: "v1",
                        kind: "ConfigMap",
                        metadata: { name: `c-${i}` },
                    })),
                }),
        },
        {
            name: "alias-bomb.yaml",
            what: "alias bomb (billion laughs)",
            refused: true,
            content: () => {
                const lines = [
                    "apiVersion: v1",
                    "kind: ConfigMap",
                    "metadata: {name: lol}",
                    'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
                ];
                for (let level = 1; level <= 9; level++) {
                    const previous = Array.from({ length: 9 }, () => `*l${level - 1}`).join(",");
                    lines.push(`l${level}: &l${level} [${previous}]`);
                }
                return `${lines.join("\n")}\n`;
            },
        },
        {
            name: "recursive-alias.yaml",
            what: "recursive alias",
            refused: true,
            // A List that is its own item: expanding Lists into their items never ends.
            content: () => "&loop\napiVersion: v1\nkind: List\nitems:\n  - *loop\n",
        },
        {
            name: "junk.yaml",
            what: "1 MB of binary junk",
            refused: true,
            // A fixed seed, so every run measures the same bytes.
            content: () => {
                const out = Buffer.alloc(1 << 20);
                let block = crypto.createHash("sha256").update("junk").digest();
                for (let at = 0; at < out.length; at += block.length) {
                    block.copy(out, at);
                    block = crypto.createHash("sha256").update(block).digest();
                }
                return out;
            },
        },
        {
            name: "limit-akvs.yaml",
            what: "accepted: 5,000 AKVS in 100 namespaces (195,000 nodes)",
            refused: false,
            content: () =>
                Array.from({ length: 5_000 }, (_, i) => akvs(i))
                    .map((doc) => `---\n${doc}`)
                    .join(""),
        },
        {
            name: "limit-nodes.yaml",
            what: "accepted: one flow list of 199,000 nodes",
            refused: false,
            content: () => `[${Array.from({ length: 199_000 }, () => "a").join(",")}]\n`,
        },
        {
            name: "limit-bytes.yaml",
            what: "accepted: 16.7 MB of Deployments (3,400 documents, 194,000 nodes)",
            refused: false,
            content: () =>
                Array.from({ length: 3_400 }, (_, i) => deployment(i, 4_900))
                    .map((doc) => `---\n${doc}`)
                    .join(""),
        },
    ];
}

interface Measurement {
    input: string;
    refused: boolean;
    what: string;
    bytes: number;
    code: number | null;
    lines: number;
    stack: boolean;
    seconds: number;
    mb: number;
    firstLine: string;
}

function measure(dir: string, input: Input): Measurement {
    const file = path.join(dir, input.name);
    const timeFile = path.join(dir, `${input.name}.time`);
    const command = [
        "-v",
        "-o",
        timeFile,
        process.execPath,
        "-r",
        "ts-node/register/transpile-only",
        "cli/aks-keyvault-secrets.ts",
        "migrate",
        file,
    ];
    const run = spawnSync(TIME, command, { cwd: ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    const time = fs.readFileSync(timeFile, "utf8");
    const elapsed = /Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)/.exec(time);
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(time);
    if (!elapsed || !rss) {
        throw new Error(`can't read ${TIME}'s output:\n${time}`);
    }
    const stderr = run.stderr.replace(/\n$/, "");
    return {
        input: input.name,
        refused: input.refused,
        what: input.what,
        bytes: fs.statSync(file).size,
        code: run.status,
        lines: stderr === "" ? 0 : stderr.split("\n").length,
        stack: /^\s+at /m.test(stderr),
        seconds: Number(elapsed[1] ?? 0) * 3600 + Number(elapsed[2]) * 60 + Number(elapsed[3]),
        mb: Number(rss[1]) / 1024,
        firstLine: stderr.split("\n")[0].slice(0, 300),
    };
}

function main(): number {
    if (!fs.existsSync(TIME)) {
        process.stderr.write(`${TIME} is missing: apt-get install time\n`);
        return 1;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "migrate-hostile-"));
    const rows: Measurement[] = [];
    try {
        for (const input of hostileInputs()) {
            fs.writeFileSync(path.join(dir, input.name), input.content());
            rows.push(measure(dir, input));
        }
    } finally {
        if (!process.argv.includes("--keep")) {
            fs.rmSync(dir, { recursive: true, force: true });
        } else {
            process.stdout.write(`inputs kept in ${dir}\n`);
        }
    }
    process.stdout.write("| input | size | exit code | stderr lines | wall time (s) | peak RSS (MB) |\n|---|---:|---:|---:|---:|---:|\n");
    for (const row of rows) {
        process.stdout.write(
            `| ${row.what} | ${row.bytes < 1e6 ? `${(row.bytes / 1e3).toFixed(2)} KB` : `${(row.bytes / 1e6).toFixed(1)} MB`} | ${row.code} | ${row.lines} | ${row.seconds.toFixed(1)} | ${Math.round(row.mb)} |\n`,
        );
    }
    process.stdout.write("\nFirst stderr line of each:\n");
    for (const row of rows) {
        process.stdout.write(`  ${row.input}: ${row.firstLine}\n`);
    }
    const missed = rows.filter(
        (row) => (row.refused && (row.code !== 1 || row.lines !== 1)) || row.stack || row.seconds > TARGET_SECONDS || row.mb > TARGET_MB,
    );
    for (const row of missed) {
        process.stderr.write(
            `${row.input} misses the target (${row.refused ? "exit 1, one line, " : ""}no stack, <= ${TARGET_SECONDS} s, <= ${TARGET_MB} MB): exit ${row.code}, ${row.lines} lines${row.stack ? ", a stack trace" : ""}, ${row.seconds.toFixed(1)} s, ${Math.round(row.mb)} MB\n`,
        );
    }
    return missed.length > 0 ? 1 : 0;
}

if (require.main === module) {
    process.exitCode = main();
}
