/**
 * promtool (Prometheus's own tool, built by the lab's builder: `localenv/localenv build promtool`) run on the
 * product's alert rules: the rules file is rendered from components/alerts/rules.ts, the unit tests (input series ->
 * expected alerts) are written here as data. The lab test and tests/e2e/alerts.test.ts use it.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { AlertKey, AlertRule, AlertRuleSettings, alertRules, promtoolRulesFile } from "../../components";
import { buildTools, toolchainPaths, toolsBuilt } from "./localenv";

/** One input series of a promtool test: `metric{labels}` and its values (`0+1x20`, `3x20`, `_x5 1 2`). */
export interface InputSeries {
    series: string;
    values: string;
}

/** One promtool unit test: series at `interval`, and per evaluation time which rule fires with which labels. */
export interface AlertTest {
    name: string;
    interval?: string;
    input: InputSeries[];
    /** At `evalTime`, rule `alert` fires exactly for these label sets (empty: it does not fire). */
    expect: Array<{ evalTime: string; alert: AlertKey; firing: Array<Record<string, string>> }>;
}

/** `{{ $labels.x }}` of an annotation, filled in as Prometheus does for one alert's labels. */
export function expandAnnotation(template: string, labels: Record<string, string>): string {
    return template.replace(/\{\{ \$labels\.([a-zA-Z_][a-zA-Z0-9_]*) \}\}/g, (_, name: string) => labels[name] ?? "");
}

/** A series selector with its labels in promtool's input notation. */
export function seriesOf(metric: string, labels: Record<string, string>): string {
    const body = Object.entries(labels)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
        .join(", ");
    return `${metric}{${body}}`;
}

/** promtool's test file for these tests against these rules (the rules file's name is `rules.yaml`). */
export function promtoolTestFile(rules: readonly AlertRule[], tests: readonly AlertTest[]): string {
    const byKey = new Map(rules.map((rule) => [rule.key, rule]));
    return stringify({
        rule_files: ["rules.yaml"],
        evaluation_interval: "30s",
        tests: tests.map((test) => ({
            name: test.name,
            interval: test.interval ?? "30s",
            input_series: test.input,
            alert_rule_test: test.expect.map((check) => {
                const rule = byKey.get(check.alert);
                if (!rule) {
                    throw new Error(`test "${test.name}": rule ${check.alert} is not enabled`);
                }
                return {
                    eval_time: check.evalTime,
                    alertname: rule.alert,
                    exp_alerts: check.firing.map((labels) => {
                        const all = { ...labels, severity: String(rule.severity) };
                        return {
                            exp_labels: all,
                            exp_annotations: { summary: rule.summary, description: expandAnnotation(rule.description, all) },
                        };
                    }),
                };
            }),
        })),
    });
}

/** The promtool binary, built when missing (about 4 min cold, docs/toolchain.md). */
export function promtool(): string {
    if (!toolsBuilt(["alerts"])) {
        buildTools(["alerts"]);
    }
    return toolchainPaths()["promtool"];
}

/** What promtool said: its exit code and output. */
export interface PromtoolRun {
    status: number | null;
    output: string;
}

/** Writes the rules (from `settings`) and the tests into a temp dir and runs `promtool check rules` and `test rules`. */
export function runPromtoolTests(tests: readonly AlertTest[], settings?: Partial<Record<AlertKey, AlertRuleSettings>>): PromtoolRun {
    const rules = alertRules(settings);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "akv-promtool-"));
    try {
        fs.writeFileSync(path.join(dir, "rules.yaml"), promtoolRulesFile(rules));
        fs.writeFileSync(path.join(dir, "tests.yaml"), promtoolTestFile(rules, tests));
        const binary = promtool();
        let output = "";
        for (const args of [
            ["check", "rules", "rules.yaml"],
            ["test", "rules", "tests.yaml"],
        ]) {
            const run = spawnSync(binary, args, { cwd: dir, encoding: "utf8" });
            output += `$ promtool ${args.join(" ")}\n${run.stdout}${run.stderr}`;
            if (run.status !== 0) {
                return { status: run.status, output };
            }
        }
        return { status: 0, output };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** One sample of a Prometheus text exposition: metric name, labels, value. */
export interface Sample {
    name: string;
    labels: Record<string, string>;
    value: number;
}

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a `/metrics` answer (Prometheus text format; comments skipped, label values unescaped). */
export function parseExposition(text: string): Sample[] {
    const samples: Sample[] = [];
    for (const line of text.split("\n")) {
        const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
        if (!match || line.startsWith("#")) {
            continue;
        }
        const labels: Record<string, string> = {};
        for (const label of (match[3] ?? "").matchAll(LABEL)) {
            labels[label[1]] = label[2].replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
        }
        samples.push({ name: match[1], labels, value: Number(match[4]) });
    }
    return samples;
}

/**
 * Scrapes taken at a fixed interval as promtool input series: one series per name and label set among `names`,
 * `_` where a scrape lacked it (a counter not yet born).
 */
export function inputSeriesOf(scrapes: readonly Sample[][], names: ReadonlySet<string>): InputSeries[] {
    const series = new Map<string, Array<number | undefined>>();
    scrapes.forEach((samples, index) => {
        for (const sample of samples.filter((candidate) => names.has(candidate.name))) {
            const key = seriesOf(sample.name, sample.labels);
            const values = series.get(key) ?? new Array<number | undefined>(scrapes.length).fill(undefined);
            values[index] = sample.value;
            series.set(key, values);
        }
    });
    return [...series].map(([key, values]) => ({
        series: key,
        values: values.map((value) => (value === undefined ? "_" : String(value))).join(" "),
    }));
}
