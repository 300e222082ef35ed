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

/**
 * The local stack plus an app in the identity mode the committed stacks leave out because the policy pack refuses it
 * (a service principal, a last resort): the node's end-to-end tests cover every mode the program renders.
 */
export function localConfigWithServicePrincipal(): Record<string, any> {
    const config = stackFileConfig("local");
    config.applications.push({
        name: "reports",
        namespace: "reports",
        identity: { mode: "servicePrincipal", nodePublishSecretRef: "reports-keyvault-credentials" },
        objects: [{ objectName: "reports-warehouse-password", objectType: "secret" }],
        deployment: { image: "registry.example/reports:1.1.0", skipAwait: true },
    });
    return config;
}
