/**
 * Where a `pulumi preview` or `up` spends its time, from the CLI's own OpenTelemetry trace (`--otel-traces
 * file://PATH`: one OTLP/JSON export per line, with the spans of the CLI, the language host and the provider).
 * The engine's spans are its gRPC server and client calls; the provider's server-side spans start with "/".
 */
export interface Span {
    service: string;
    name: string;
    /** Seconds since the epoch. */
    start: number;
    end: number;
}

interface OtlpExport {
    resourceSpans?: Array<{
        resource?: { attributes?: Array<{ key: string; value: { stringValue?: string } }> };
        scopeSpans?: Array<{ spans?: Array<{ name: string; startTimeUnixNano: string; endTimeUnixNano: string }> }>;
    }>;
}

const nanosToSeconds = (nanos: string) => Number(BigInt(nanos) / 1000n) / 1e6;

/** The spans of an OTLP/JSON file, one export per line. */
export function parseOtlpJsonLines(text: string): Span[] {
    const spans: Span[] = [];
    for (const line of text.split("\n")) {
        if (!line.trim()) {
            continue;
        }
        for (const resourceSpans of (JSON.parse(line) as OtlpExport).resourceSpans ?? []) {
            const service =
                resourceSpans.resource?.attributes?.find((attribute) => attribute.key === "service.name")?.value.stringValue ?? "";
            for (const scope of resourceSpans.scopeSpans ?? []) {
                for (const span of scope.spans ?? []) {
                    spans.push({
                        service,
                        name: span.name,
                        start: nanosToSeconds(span.startTimeUnixNano),
                        end: nanosToSeconds(span.endTimeUnixNano),
                    });
                }
            }
        }
    }
    return spans;
}

export const SPAN = {
    registerResource: "pulumirpc.ResourceMonitor/RegisterResource",
    configure: "pulumirpc.ResourceProvider/Configure",
    check: "pulumirpc.ResourceProvider/Check",
    create: "pulumirpc.ResourceProvider/Create",
    providerCreate: "/pulumirpc.ResourceProvider/Create",
    log: "pulumirpc.Engine/Log",
    run: "pulumirpc.LanguageRuntime/Run",
} as const;

export interface TracePhases {
    /** Seconds from the trace's first span, each. */
    firstRegistration: number;
    lastRegistration: number;
    registrations: number;
    /** When the Kubernetes provider had been configured (it is started for the first custom resource). */
    providerConfigured: number;
    firstCheck: number;
    lastCreateEnd: number;
    /** When the engine's run of the program ended (the program's process was done). */
    programEnd: number;
    end: number;
    creates: number;
    /** The provider's own time per Create (its server-side span), in seconds. */
    providerCreateMedian: number;
    providerCreateP90: number;
    /** Log calls the engine received, and how many of them came after the last Create had ended. */
    logCalls: number;
    logCallsAfterLastCreate: number;
}

function quantile(sorted: number[], q: number): number {
    return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** The phases of one run: the program's registrations, the provider's steps, and what came after them. */
export function tracePhases(spans: Span[]): TracePhases {
    if (spans.length === 0) {
        throw new Error("the trace has no spans");
    }
    const origin = Math.min(...spans.map((span) => span.start));
    const named = (name: string) => spans.filter((span) => span.name === name);
    const at = (seconds: number) => seconds - origin;
    const first = (list: Span[]) => (list.length ? at(Math.min(...list.map((span) => span.start))) : NaN);
    const lastStart = (list: Span[]) => (list.length ? at(Math.max(...list.map((span) => span.start))) : NaN);
    const lastEnd = (list: Span[]) => (list.length ? at(Math.max(...list.map((span) => span.end))) : NaN);
    const registrations = named(SPAN.registerResource);
    const creates = named(SPAN.create);
    const lastCreateEnd = lastEnd(creates);
    const providerCreates = named(SPAN.providerCreate)
        .map((span) => span.end - span.start)
        .sort((a, b) => a - b);
    const logs = named(SPAN.log);
    return {
        firstRegistration: first(registrations),
        lastRegistration: lastStart(registrations),
        registrations: registrations.length,
        providerConfigured: lastEnd(named(SPAN.configure)),
        firstCheck: first(named(SPAN.check)),
        lastCreateEnd,
        programEnd: lastEnd(named(SPAN.run)),
        end: at(Math.max(...spans.map((span) => span.end))),
        creates: creates.length,
        providerCreateMedian: quantile(providerCreates, 0.5),
        providerCreateP90: quantile(providerCreates, 0.9),
        logCalls: logs.length,
        logCallsAfterLastCreate: logs.filter((span) => at(span.start) > lastCreateEnd).length,
    };
}
