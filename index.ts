import * as pulumi from "@pulumi/pulumi";
import { CONFIG_KEYS, parseStackConfig } from "./program/config";
import { runProgram } from "./program/main";

// Every key is read and checked before any resource is declared, so bad config fails the preview up front.
const config = new pulumi.Config();
const raw = Object.fromEntries(CONFIG_KEYS.map((key) => [key, config.getObject(key) ?? config.get(key)]).filter(([, value]) => value !== undefined));
const outputs = runProgram(parseStackConfig(raw));

/** What app stacks and teams need from this stack (kubeconfig is a secret). */
export const platform = outputs.platform;
/** Per application: namespace, SecretProviderClass, ServiceAccount, client ID, Deployment, synced Secrets. */
export const applications = outputs.applications;
