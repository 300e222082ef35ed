/**
 * The committed stack files, read as the engine hands them to the program: the project's config keyed without the
 * project namespace, the providers' config with full keys. The product's tests and the lab's harness read them here.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CONFIG_NAMESPACE } from "../program/config";

const PROJECT_PREFIX = `${CONFIG_NAMESPACE}:`;

function stackFileEntries(stack: string): Array<[string, unknown]> {
    const file = YAML.parse(fs.readFileSync(path.resolve(__dirname, "..", `Pulumi.${stack}.yaml`), "utf8"));
    return Object.entries(file.config as Record<string, unknown>);
}

/** A stack file's project config as the YAML holds it: the tests and the lab read and edit it by path. */
export type StackFileConfig = Record<string, any>;

/** The project's config in `Pulumi.<stack>.yaml`, keyed without the project namespace; a fresh copy each call. */
export function stackFileConfig(stack: string): StackFileConfig {
    return Object.fromEntries(
        stackFileEntries(stack).flatMap(([key, value]) =>
            key.startsWith(PROJECT_PREFIX) ? [[key.slice(PROJECT_PREFIX.length), value]] : [],
        ),
    );
}

/** The providers' config in `Pulumi.<stack>.yaml` (other namespaces, e.g. `kubernetes:kubeClientSettings`), with full keys. */
export function stackFileProviderConfig(stack: string): Record<string, unknown> {
    return Object.fromEntries(stackFileEntries(stack).filter(([key]) => !key.startsWith(PROJECT_PREFIX)));
}
