/** The committed stack files' config, as the program reads it (keys without the project namespace), for tests. */
import { committedStackConfig } from "../localenv/harness/stack";

/** Config of `Pulumi.<stack>.yaml`, keyed without the project namespace; a fresh copy each call. */
export const stackFileConfig = committedStackConfig;

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
