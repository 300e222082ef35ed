/**
 * Numbers of the last run, for docs/conformance.md: written to $AKV_CONFORMANCE_REPORT (JSON) when it is set.
 */
import * as fs from "fs";

const sections: Record<string, unknown> = {};

export function report(section: string, value: unknown): void {
    sections[section] = value;
    const file = process.env.AKV_CONFORMANCE_REPORT;
    if (file) {
        fs.writeFileSync(file, JSON.stringify(sections, null, 2) + "\n");
    }
}
