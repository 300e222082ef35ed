import { stackProgram } from "./program/entry";

/**
 * The program. Stack outputs: `platform`, what app stacks and teams need (kubeconfig is a secret), and
 * `applications`, per application its namespace, SecretProviderClass, ServiceAccount, client ID, Deployment and
 * synced Secrets; with the `alerts` key also `alerts` (rule group ID, alert names, the scrape config: docs/alerts.md).
 */
async function program() {
    const outputs = await stackProgram();
    return { platform: outputs.platform, applications: outputs.applications, ...(outputs.alerts ? { alerts: outputs.alerts } : {}) };
}

// `export =`: the Node.js host calls a module.exports function (a CommonJS `default` export it would not call).
export = program;
