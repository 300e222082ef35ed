import { expect } from "chai";
import * as childProcess from "child_process";
import * as fc from "fast-check";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cpuSecondsByCommand, parseProcStat, readAllProcesses } from "../process-cpu";
import { SPAN, parseOtlpJsonLines, tracePhases } from "../otel-trace";
import { ENGINE_VARIANTS, chosenVariants, flagLauncher } from "../engine-options";

/** One OTLP/JSON export line with spans of one service; times in seconds from 1000 s after the epoch. */
function exportLine(service: string, spans: Array<[string, number, number]>): string {
    const nanos = (seconds: number) => String(BigInt(Math.round((1000 + seconds) * 1e6)) * 1000n);
    return JSON.stringify({
        resourceSpans: [
            {
                resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] },
                scopeSpans: [
                    {
                        scope: {},
                        spans: spans.map(([name, start, end]) => ({ name, startTimeUnixNano: nanos(start), endTimeUnixNano: nanos(end) })),
                    },
                ],
            },
        ],
    });
}

describe("benchmark: CPU time per process from /proc", () => {
    it("reads utime + stime after the command, which may hold spaces and parentheses", () => {
        const stat = "4242 (pulumi-resource) S 1 2 3 4 5 6 7 8 9 10 120 35 0 0 20 0 12 0 99 0 0";
        expect(parseProcStat(4242, stat)).to.deep.equal({ pid: 4242, command: "pulumi-resource", ticks: 155 });
        expect(parseProcStat(7, "7 (a (b) c) R 1 2 3 4 5 6 7 8 9 10 3 4 0")).to.deep.equal({ pid: 7, command: "a (b) c", ticks: 7 });
        expect(parseProcStat(8, "garbage")).to.equal(undefined);
    });

    it("counts new processes from zero, exited ones up to their last reading, and leaves out excluded ones", () => {
        const first = [
            { pid: 1, command: "kube-apiserver", ticks: 1000 },
            { pid: 2, command: "node", ticks: 500 },
        ];
        const seen = [
            { pid: 1, command: "kube-apiserver", ticks: 1250 },
            { pid: 2, command: "node", ticks: 900 },
            { pid: 3, command: "pulumi", ticks: 300 },
            { pid: 4, command: "pulumi", ticks: 20 },
        ];
        expect([...cpuSecondsByCommand(first, seen, new Set([2]))]).to.deep.equal([
            ["kube-apiserver", 2.5],
            ["pulumi", 3.2],
        ]);
    });

    it("never reports negative or idle time, whatever the readings", () => {
        fc.assert(
            fc.property(
                fc.array(fc.record({ pid: fc.integer({ min: 1, max: 20 }), command: fc.constantFrom("a", "b"), ticks: fc.nat(10_000) })),
                (readings) => {
                    const first = readings.slice(0, readings.length / 2);
                    for (const seconds of cpuSecondsByCommand(first, readings).values()) {
                        expect(seconds).to.be.greaterThan(0);
                    }
                },
            ),
        );
    });

    it("finds this process among all of them", () => {
        expect(readAllProcesses().find((found) => found.pid === process.pid)?.ticks).to.be.a("number");
    });
});

describe("benchmark: phases of the CLI's OpenTelemetry trace", () => {
    const trace = [
        exportLine("pulumi-cli", [
            [SPAN.run, 0.5, 9],
            [SPAN.registerResource, 0.6, 0.7],
            [SPAN.registerResource, 4, 6],
            [SPAN.registerResource, 5, 7],
            [SPAN.configure, 3, 3.5],
            [SPAN.check, 3.6, 3.7],
            [SPAN.create, 3.7, 6],
            [SPAN.create, 4, 7],
            [SPAN.log, 1, 1.1],
            [SPAN.log, 7.5, 7.6],
            [SPAN.log, 8, 8.1],
        ]),
        "",
        exportLine("pulumi-resource-provider", [
            [SPAN.providerCreate, 3.8, 3.9],
            [SPAN.providerCreate, 4.1, 4.4],
        ]),
    ].join("\n");

    it("parses every export line and every service's spans", () => {
        const spans = parseOtlpJsonLines(trace);
        expect(spans).to.have.length(13);
        expect(spans.filter((span) => span.service === "pulumi-resource-provider").map((span) => span.name)).to.deep.equal([
            SPAN.providerCreate,
            SPAN.providerCreate,
        ]);
        expect(spans[0].end - spans[0].start).to.be.closeTo(8.5, 1e-6);
    });

    it("tells the registrations, the provider's steps, the program's end and the Log calls after the last Create", () => {
        const phases = tracePhases(parseOtlpJsonLines(trace));
        const rounded = Object.fromEntries(Object.entries(phases).map(([key, value]) => [key, Math.round(value * 1000) / 1000]));
        expect(rounded).to.deep.equal({
            firstRegistration: 0.1,
            lastRegistration: 4.5,
            registrations: 3,
            providerConfigured: 3,
            firstCheck: 3.1,
            lastCreateEnd: 6.5,
            programEnd: 8.5,
            end: 8.5,
            creates: 2,
            providerCreateMedian: 0.3,
            providerCreateP90: 0.3,
            logCalls: 3,
            logCallsAfterLastCreate: 2,
        });
    });

    it("refuses an empty trace", () => {
        expect(() => tracePhases([])).to.throw("the trace has no spans");
    });
});

describe("benchmark: the CLI launcher that adds flags", () => {
    it("adds the flags to preview and up, with the command's name, and passes everything else through", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "akv-launcher-"));
        try {
            const fake = path.join(dir, "fake-pulumi");
            fs.writeFileSync(fake, '#!/bin/sh\necho "$@"\n', { mode: 0o755 });
            const launcher = flagLauncher(fake, path.join(dir, "launcher"), "--otel-traces file:///t/x-$command.json");
            const run = (...args: string[]) => childProcess.execFileSync(launcher, args, { encoding: "utf8" }).trim();
            expect(run("preview", "--stack", "s")).to.equal("preview --otel-traces file:///t/x-preview.json --stack s");
            expect(run("up", "--yes")).to.equal("up --otel-traces file:///t/x-up.json --yes");
            expect(run("stack", "ls")).to.equal("stack ls");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("benchmark: the engine-option variants a run measures", () => {
    it("runs all without --variants, else the defaults and the named ones, in their order", () => {
        expect(chosenVariants(["node", "engine-options.ts", "500"])).to.equal(ENGINE_VARIANTS);
        expect(chosenVariants(["node", "engine-options.ts", "500", "--variants", "5,1"]).map((variant) => variant.name)).to.deep.equal(
            [0, 1, 5].map((index) => ENGINE_VARIANTS[index].name),
        );
        expect(ENGINE_VARIANTS[0].name).to.equal("defaults");
    });

    it("names the variants it does not know and how many there are", () => {
        expect(() => chosenVariants(["--variants", "1,99,x"])).to.throw(
            `--variants: no variant "99", "x"; there are 0 to ${ENGINE_VARIANTS.length - 1}`,
        );
    });

    it("compares the provider's own client rate with the program's, set in the stack file", () => {
        const ownRate = ENGINE_VARIANTS.find((variant) => variant.name.startsWith("the provider's own client rate"));
        expect(ownRate?.providerConfig).to.deep.equal({});
        expect(ENGINE_VARIANTS[0].providerConfig).to.equal(undefined);
    });
});
