import * as pulumi from "@pulumi/pulumi";
import { CONFIG_KEYS, parseStackConfig } from "./config";
import { ProgramOutputs, runProgram } from "./main";

/**
 * The whole stack program: reads every key of the stack config, checks it before any resource is declared (so
 * bad config fails the preview up front), then wires the components. Used by index.ts (the Pulumi CLI) and by
 * the Automation API runs of the local stack (which have no separate language host).
 */
export function stackProgram(): ProgramOutputs {
    const config = new pulumi.Config();
    const raw = Object.fromEntries(CONFIG_KEYS.map((key) => [key, config.getObject(key) ?? config.get(key)]).filter(([, value]) => value !== undefined));
    return runProgram(parseStackConfig(raw));
}
