/** The committed stack files' config, as the program reads it (keys without the project namespace), for tests. */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CONFIG_NAMESPACE } from "../program/problems";

const ROOT = path.resolve(__dirname, "..");

/** Config of `Pulumi.<stack>.yaml`, keyed without the project namespace; a fresh copy each call. */
export function stackFileConfig(stack: string): Record<string, any> {
    const file = YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"));
    return Object.fromEntries(
        Object.entries(file.config as Record<string, unknown>)
            .filter(([key]) => key.startsWith(`${CONFIG_NAMESPACE}:`))
            .map(([key, value]) => [key.slice(CONFIG_NAMESPACE.length + 1), value]),
    );
}
