import { AzureKeyVaultSecretResource, akvsSubject } from "../akv2k8s";
import { AkvsMapping, mapAzureKeyVaultSecret } from "../mapping/akvs";
import { ObjectSpec } from "../mapping/objects";
import { AppBuilder, AppSet, BuilderSecret } from "./app-builder";
import { CutoverLedger } from "./cutover";
import { Akv2k8sInventory } from "./inventory";
import { MigrationState } from "./state";

/**
 * Phase 4 of a conversion: each AKVS into the app of its namespace, vault and identity (a SecretProviderClass reads
 * one vault with one identity): its object, and its keys in the synced Secret that replaces its akv2k8s Secret.
 * Returns the AKVS converted.
 */
export function mapResources(
    state: MigrationState,
    inventory: Akv2k8sInventory,
    apps: AppSet,
    cutover: CutoverLedger,
): Set<AzureKeyVaultSecretResource> {
    const converted = new Set<AzureKeyVaultSecretResource>();
    for (const resource of inventory.resources) {
        const mapping = mapAzureKeyVaultSecret(resource);
        state.findings.push(...mapping.findings);
        if (!mapping.object) {
            continue;
        }
        const builder = apps.for(resource);
        if (mapping.secret) {
            if (!addSecretKeys(state, apps, cutover, builder, resource, mapping.object, mapping.secret)) {
                continue;
            }
        } else {
            cutover.record(resource, builder, builder.objectFor(mapping.object));
        }
        converted.add(resource);
        if (resource.azureIdentity) {
            state.emit(
                "review",
                "AKVS_AZURE_IDENTITY",
                akvsSubject(resource.namespace, resource.name),
                "spec.vault.azureIdentity",
                `"${resource.azureIdentity}" (an aad-pod-identity AzureIdentity) has no per-object equivalent: the provider authenticates per SecretProviderClass, so this object goes to a separate app with workload identity`,
                "the program creates a federated identity with least-privilege roles for that app; or set identity.clientId to the client ID of the identity behind the AzureIdentity (and federate it), and run the pods as the app's ServiceAccount",
                resource.source,
            );
        }
    }
    return converted;
}

/** Adds the object and its keys to the synced Secret replacing the AKVS's Secret; false when another AKVS conflicts. */
function addSecretKeys(
    state: MigrationState,
    apps: AppSet,
    cutover: CutoverLedger,
    builder: AppBuilder,
    resource: AzureKeyVaultSecretResource,
    object: ObjectSpec,
    need: NonNullable<AkvsMapping["secret"]>,
): boolean {
    const subject = akvsSubject(resource.namespace, resource.name);
    const id = `akv2k8s:${need.name}`;
    // The same akv2k8s Secret may be filled by AKVS of other vaults (other apps) too.
    const writers = apps
        .inNamespace(resource.namespace)
        .map((b) => b.secret(id))
        .filter((secret): secret is BuilderSecret => secret !== undefined);
    const otherType = writers.find((secret) => secret.type !== need.type);
    if (otherType) {
        state.emit(
            "unsupported",
            "AKVS_SECRET_TYPE_CONFLICT",
            subject,
            "spec.output.secret.type",
            `writes Secret "${need.name}" as ${need.type}, but another AKVS writes it as ${otherType.type}`,
            "give each Secret one type; this AKVS was not converted",
            resource.source,
        );
        return false;
    }
    const clash = need.keys.filter((key) => writers.some((secret) => secret.data.some((entry) => entry.key === key)));
    if (clash.length > 0) {
        state.emit(
            "unsupported",
            "AKVS_SECRET_KEY_CONFLICT",
            subject,
            "spec.output.secret.dataKey",
            `writes key(s) ${clash.join(", ")} of Secret "${need.name}", which another AKVS writes too (the last sync wins in akv2k8s)`,
            "give each AKVS its own dataKey; this AKVS was not converted",
            resource.source,
        );
        return false;
    }
    const file = builder.objectFor(object);
    let secret = builder.secret(id);
    if (!secret) {
        secret = { id, kind: "akv2k8s", origin: need.name, type: need.type, data: [] };
        builder.secrets.push(secret);
    }
    secret.data.push(...need.keys.map((key) => ({ key, object: file })));
    cutover.record(resource, builder, file, secret, need.keys);
    return true;
}
