import { AzureKeyVaultSecretResource, ENV_INJECTOR_MARKER, ENV_INJECTOR_REFERENCE } from "../akv2k8s";
import { EnvMapping, mapEnvReference } from "../mapping/env-reference";
import { AppBuilder, BuilderSecret } from "./app-builder";
import { ContainerUse, EnvVarUse } from "./env";
import { WorkloadScan } from "./pending";

/**
 * An env-injector value (`<akvs>@azurekeyvault[?query]`) of a regular container becomes a `secretKeyRef` to a key
 * of a synced Secret of the AKVS's app: one that already holds the object's file, else the app's env Secret (or,
 * for `?tls.key`, a TLS Secret).
 */
export function convertInjectedValue(scan: WorkloadScan, container: ContainerUse, variable: EnvVarUse, value: string): void {
    const { work, context } = scan;
    const { where } = variable;
    work.injected = true;
    const match = ENV_INJECTOR_REFERENCE.exec(value);
    if (!match) {
        scan.injection(false);
        scan.note(
            "unsupported",
            "ENV_INJECTOR_SYNTAX",
            where,
            `"${value}" contains ${ENV_INJECTOR_MARKER} but is not <akvs-name>${ENV_INJECTOR_MARKER}[?query], so the env injector fails on it`,
            "fix the value to the documented syntax, then convert again",
        );
        return;
    }
    const [, akvsName, , query] = match;
    const resource = context.inventory.resources.find((r) => r.namespace === work.namespace && r.name === akvsName);
    if (!resource) {
        scan.injection(false);
        scan.note(
            "unsupported",
            "ENV_INJECTOR_AKVS_NOT_FOUND",
            where,
            context.inventory.rejected.has(`${work.namespace}/${akvsName}`)
                ? `references AzureKeyVaultSecret ${work.namespace}/${akvsName}, which could not be read (see its findings)`
                : `references AzureKeyVaultSecret ${work.namespace}/${akvsName}, which is not in the input`,
            `add it to the input (kubectl get akvs -n ${work.namespace} ${akvsName} -o yaml) and convert again`,
        );
        return;
    }
    const mapped = mapEnvReference(resource, query, work.subject, where, work.sourced.source);
    context.state.findings.push(...mapped.findings);
    if (!mapped.object || !mapped.need) {
        scan.injection(false);
        work.remaining.push(where);
        return;
    }
    const builder = context.apps.for(resource);
    const object = builder.objectFor(mapped.object);
    const target = targetKey(builder, resource, object, mapped.need);
    context.cutover.record(resource, builder, object, target.secret, [target.key]);
    work.envEdits.push({
        containerIndex: container.containerIndex,
        envIndex: variable.envIndex,
        builder,
        secret: target.secret,
        key: target.key,
        reference: false,
    });
    scan.use(builder, container.containerName);
    scan.injection(true);
}

/** The synced Secret key a value reads: a key that already holds the object's file, else a new one. */
function targetKey(
    builder: AppBuilder,
    resource: AzureKeyVaultSecretResource,
    object: number,
    need: NonNullable<EnvMapping["need"]>,
): { secret: BuilderSecret; key: string } {
    if (need.kind === "opaque") {
        for (const secret of builder.secrets.filter((s) => s.type === "Opaque")) {
            const entry = secret.data.find((e) => e.object === object);
            if (entry) {
                return { secret, key: entry.key };
            }
        }
        let envSecret = builder.secret("env");
        if (!envSecret) {
            envSecret = { id: "env", kind: "env", type: "Opaque", data: [] };
            builder.secrets.push(envSecret);
        }
        const key = `${resource.name}${need.keySuffix}`;
        if (!envSecret.data.some((entry) => entry.key === key)) {
            envSecret.data.push({ key, object });
        }
        return { secret: envSecret, key };
    }
    const reuse = builder.secrets.find(
        (secret) => secret.type === "kubernetes.io/tls" && secret.data.some((entry) => entry.key === "tls.key" && entry.object === object),
    );
    let tlsSecret = reuse ?? builder.secret(`env-tls:${resource.name}`);
    if (!tlsSecret) {
        tlsSecret = {
            id: `env-tls:${resource.name}`,
            kind: "env-tls",
            akvsName: resource.name,
            type: "kubernetes.io/tls",
            data: [
                { key: "tls.crt", object },
                { key: "tls.key", object },
            ],
        };
        builder.secrets.push(tlsSecret);
    }
    return { secret: tlsSecret, key: "tls.key" };
}
