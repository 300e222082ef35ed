import { stackProgram } from "./program/entry";

/**
 * The program. Stack outputs: `platform`, what app stacks and teams need (kubeconfig is a secret), and
 * `applications`, per application its namespace, SecretProviderClass, ServiceAccount, client ID, Deployment and
 * synced Secrets.
 */
async function program() {
    const outputs = await stackProgram();
    return { platform: outputs.platform, applications: outputs.applications };
}

// `export =`: the Node.js host calls a module.exports function (a CommonJS `default` export it would not call).
export = program;
