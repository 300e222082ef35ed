import { stackProgram } from "./program/entry";

const outputs = stackProgram();

/** What app stacks and teams need from this stack (kubeconfig is a secret). */
export const platform = outputs.platform;
/** Per application: namespace, SecretProviderClass, ServiceAccount, client ID, Deployment, synced Secrets. */
export const applications = outputs.applications;
