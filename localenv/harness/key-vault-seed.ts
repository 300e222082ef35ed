/**
 * What the Key Vault stand-in (localenv/programs/keyvault-standin) must hold for the local stack's apps to start: every
 * object the apps mount, with as many versions as they read, and every identity they read with, allowed to read
 * the vault. The plan is pure (from the stack config); `seedKeyVault` carries it out through the stand-in's own
 * `add` and `grant` commands, the same ones a user runs to rotate a secret.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import { randomBytes, randomUUID } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ApplicationConfig, serviceAccountOf, StackConfig } from "../../program/entry";
import { workloadIdentitySubject } from "../../components";

/** The audience the driver requests service-account tokens for, and Entra ID federates. */
export const FEDERATION_AUDIENCE = "api://AzureADTokenExchange";

export type StandInObjectKind = "secret" | "key" | "certificate";
/**
 * How a value is made: the stand-in's own generators (a random string, a PEM private key and certificate for a TLS
 * Secret, an RSA key, a certificate with its key), or a registry credential document written by the harness.
 */
export type StandInValue = "random" | "tls" | "rsa" | "certificate" | "dockerconfig";

export interface SeedObject {
    kind: StandInObjectKind;
    name: string;
    value: StandInValue;
    /** How many versions to create (the apps' largest `objectVersionHistory`, at least 1). */
    versions: number;
}

export type SeedIdentity =
    | { mode: "managedIdentity"; clientId: string; apps: string[] }
    | { mode: "federated"; clientId: string; issuer: string; subject: string; audience: string; apps: string[] }
    | { mode: "servicePrincipal"; namespace: string; secretName: string; apps: string[] };

export interface KeyVaultSeedPlan {
    vault: string;
    tenantId: string;
    objects: SeedObject[];
    identities: SeedIdentity[];
    /** Apps the stand-in cannot serve, with why (they are reported, not seeded). */
    skipped: Array<{ app: string; reason: string }>;
}

const OBJECT_KINDS: Record<string, StandInObjectKind> = { secret: "secret", key: "key", cert: "certificate" };

/** The Key Vault object behind a file name an app's synced Secret reads (`objectAlias` or `objectName`, `/N` for history). */
function objectOfFile(app: ApplicationConfig, fileName: string): string | undefined {
    const base = fileName.replace(/\/\d+$/, "");
    return app.objects.find((object) => (object.objectAlias ?? object.objectName) === base)?.objectName;
}

/** How a secret object's value must look for the Secrets the apps sync from it to be valid. */
function secretValue(apps: ApplicationConfig[], objectName: string): StandInValue {
    const types = apps.flatMap((app) =>
        app.syncedSecrets
            .filter((secret) => secret.data.some((entry) => objectOfFile(app, entry.objectName) === objectName))
            .map((secret) => secret.type),
    );
    if (types.includes("kubernetes.io/tls")) {
        return "tls";
    }
    return types.includes("kubernetes.io/dockerconfigjson") ? "dockerconfig" : "random";
}

/** The identity an app reads with, keyed so that apps sharing it share one entry; or why the stand-in cannot serve it. */
function seedIdentity(
    app: ApplicationConfig,
    config: StackConfig,
    issuer: string,
): { key: string; identity: SeedIdentity } | { skip: string } {
    const identity = app.identity;
    if (identity.mode === "identityBinding") {
        return { skip: "identity binding needs the AKS token proxy, which no local node has" };
    }
    if (identity.mode === "addon") {
        const clientId = config.cluster?.mode === "external" ? config.cluster.addonIdentityClientId : undefined;
        if (!clientId) {
            throw new Error(`app "${app.name}" reads with the addon identity: set cluster.addonIdentityClientId`);
        }
        return { key: `managed/${clientId}`, identity: { mode: "managedIdentity", clientId, apps: [app.name] } };
    }
    if (identity.mode === "workloadIdentity") {
        if (!identity.clientId) {
            return { skip: "workload identity without clientId creates an Azure identity, which the local stack cannot" };
        }
        const subject = workloadIdentitySubject(app.namespace, serviceAccountOf(app));
        return {
            key: `federated/${identity.clientId}/${subject}`,
            identity: { mode: "federated", clientId: identity.clientId, issuer, subject, audience: FEDERATION_AUDIENCE, apps: [app.name] },
        };
    }
    const secretName = identity.nodePublishSecretRef;
    return {
        key: `sp/${app.namespace}/${secretName}`,
        identity: { mode: "servicePrincipal", namespace: app.namespace, secretName, apps: [app.name] },
    };
}

/** The stand-in's content for a stack config whose vault is external (the local stack). */
export function keyVaultSeedPlan(config: StackConfig, issuer: string): KeyVaultSeedPlan {
    if (config.keyVault?.mode !== "external") {
        throw new Error(
            "the Key Vault stand-in serves stacks whose keyVault is external (name and tenantId given), like Pulumi.local.yaml",
        );
    }
    const objects = new Map<string, SeedObject>();
    // Apps that read with the same identity share one entry.
    const identities = new Map<string, SeedIdentity>();
    const skipped: KeyVaultSeedPlan["skipped"] = [];
    for (const app of config.applications) {
        const found = seedIdentity(app, config, issuer);
        if ("skip" in found) {
            skipped.push({ app: app.name, reason: found.skip });
            continue;
        }
        const shared = identities.get(found.key);
        if (shared) {
            shared.apps.push(app.name);
        } else {
            identities.set(found.key, found.identity);
        }
        for (const object of app.objects) {
            const kind = OBJECT_KINDS[object.objectType];
            const key = `${kind}/${object.objectName}`;
            const versions = Math.max(1, object.objectVersionHistory ?? 1);
            const existing = objects.get(key);
            if (existing) {
                existing.versions = Math.max(existing.versions, versions);
            } else {
                const value: StandInValue =
                    kind === "secret" ? secretValue(config.applications, object.objectName) : kind === "key" ? "rsa" : "certificate";
                objects.set(key, { kind, name: object.objectName, value, versions });
            }
        }
    }
    return {
        vault: config.keyVault.name,
        tenantId: config.keyVault.tenantId,
        objects: [...objects.values()],
        identities: [...identities.values()],
        skipped,
    };
}

/** A Kubernetes Secret the harness creates: a service principal's credentials in the shape the provider reads. */
export interface CredentialSecret {
    /** The apps that read with it. */
    apps: string[];
    namespace: string;
    name: string;
    clientId: string;
    clientSecret: string;
}

export interface StandInFiles {
    /** The stand-in binary. */
    binary: string;
    /** Its content file. */
    content: string;
    /** A private scratch directory (values written for `--value-file`/`--secret-file` are removed at once). */
    scratch: string;
}

function standIn(files: StandInFiles, args: string[]): string {
    return execFileSync(files.binary, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** Runs `fn` with a 0600 file holding `text`, removed afterwards. */
function withValueFile<T>(files: StandInFiles, text: string, fn: (file: string) => T): T {
    fs.mkdirSync(files.scratch, { recursive: true, mode: 0o700 });
    const file = path.join(files.scratch, `value-${randomUUID()}`);
    fs.writeFileSync(file, text, { mode: 0o600 });
    try {
        return fn(file);
    } finally {
        fs.rmSync(file, { force: true });
    }
}

/** A registry credential document with a random password (never printed). */
function dockerConfig(): string {
    const auth = Buffer.from(`local:${randomBytes(18).toString("base64url")}`).toString("base64");
    return JSON.stringify({ auths: { "registry.example": { auth } } });
}

/** Adds one new current version of an object (creating the vault in its tenant if needed); returns its version ID (the stand-in prints only that). */
export function addVersion(
    files: StandInFiles,
    vault: Pick<KeyVaultSeedPlan, "vault" | "tenantId">,
    object: Pick<SeedObject, "kind" | "name" | "value">,
): string {
    const base = [
        "add",
        "--content",
        files.content,
        "--vault",
        vault.vault,
        "--tenant",
        vault.tenantId,
        "--kind",
        object.kind,
        "--name",
        object.name,
    ];
    if (object.value === "dockerconfig") {
        return withValueFile(files, dockerConfig(), (file) =>
            standIn(files, [...base, "--value-file", file, "--content-type", "application/json"]),
        );
    }
    return standIn(files, object.value === "certificate" ? base : [...base, "--generate", object.value]);
}

/** Carries out a plan; returns the service-principal Secrets the caller must create in the cluster. */
export function seedKeyVault(files: StandInFiles, plan: KeyVaultSeedPlan): CredentialSecret[] {
    for (const object of plan.objects) {
        for (let version = 0; version < object.versions; version++) {
            addVersion(files, plan, object);
        }
    }
    const secrets: CredentialSecret[] = [];
    const grant = (args: string[]) =>
        standIn(files, ["grant", "--content", files.content, "--tenant", plan.tenantId, ...args, "--vault", plan.vault]);
    for (const identity of plan.identities) {
        if (identity.mode === "managedIdentity") {
            grant(["--managed-identity", identity.clientId]);
        } else if (identity.mode === "federated") {
            grant(["--federated", identity.clientId, "--issuer", identity.issuer, "--subject", identity.subject]);
        } else {
            const credential: CredentialSecret = {
                apps: identity.apps,
                namespace: identity.namespace,
                name: identity.secretName,
                clientId: randomUUID(),
                clientSecret: randomBytes(24).toString("base64url"),
            };
            withValueFile(files, credential.clientSecret, (file) =>
                grant(["--service-principal", credential.clientId, "--secret-file", file]),
            );
            secrets.push(credential);
        }
    }
    return secrets;
}

/** A service principal's credential, for a process that signs in with a client secret (AZURE_CLIENT_ID and so on). */
export interface ServicePrincipalCredential {
    tenantId: string;
    clientId: string;
    clientSecret: string;
}

/**
 * Lets a service principal read `vault`, as Key Vault Reader would (the stand-in knows no role names): the identity
 * the local stack's preview reads the vault's metadata as. A new one, or `credential` (a reader of several vaults).
 */
export function grantVaultReader(
    files: StandInFiles,
    tenantId: string,
    vault: string,
    credential: ServicePrincipalCredential = { tenantId, clientId: randomUUID(), clientSecret: randomBytes(24).toString("base64url") },
): ServicePrincipalCredential {
    withValueFile(files, credential.clientSecret, (file) =>
        standIn(files, [
            "grant",
            "--content",
            files.content,
            "--tenant",
            tenantId,
            "--service-principal",
            credential.clientId,
            "--secret-file",
            file,
            "--vault",
            vault,
        ]),
    );
    return credential;
}

/** Registers a managed identity in the tenant without letting it read any vault (the refusal a missing role gives). */
export function registerManagedIdentity(files: StandInFiles, tenantId: string, clientId: string): void {
    standIn(files, ["grant", "--content", files.content, "--tenant", tenantId, "--managed-identity", clientId]);
}

/**
 * The Secret a `nodePublishSecretRef` names, in the keys the Azure provider reads. Labelled `used`, as the driver's
 * own log line asks: a driver that rotates through its own reconciler (the addon lane's) reads the Secret from a
 * cache of labelled Secrets only, and without the label never re-fetches that pod's objects (docs/local-node.md).
 */
export function credentialSecretObject(credential: CredentialSecret) {
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: credential.name, namespace: credential.namespace, labels: { "secrets-store.csi.k8s.io/used": "true" } },
        type: "Opaque",
        stringData: { clientid: credential.clientId, clientsecret: credential.clientSecret },
    };
}

/** A stand-in serving in the background: its process and the address it listens on. */
export interface ServingStandIn {
    process: ChildProcess;
    address: string;
}

/**
 * Starts `keyvault-standin serve` on a free loopback port with its CA directory, content and request log (and any
 * `more` flags), and resolves once it prints the address it listens on; rejects when it exits first.
 */
export async function serveStandIn(
    binary: string,
    files: { caDir: string; content: string; requestLog: string },
    more: string[] = [],
): Promise<ServingStandIn> {
    const args = [
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--ca-dir",
        files.caDir,
        "--content",
        files.content,
        "--request-log",
        files.requestLog,
    ];
    const child = spawn(binary, [...args, ...more], { stdio: ["ignore", "pipe", "inherit"] });
    const address = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
            out += chunk.toString();
            const match = /listening on (\S+)/.exec(out);
            if (match) resolve(match[1]);
        });
        child.on("exit", (code) => reject(new Error(`the stand-in exited (${code}) before it listened`)));
    });
    return { process: child, address };
}
