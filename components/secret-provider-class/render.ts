import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { KeyVaultObject, SecretProviderClassSpec, SecretProviderIdentity, SyncedSecret } from "./types";

export const SECRET_PROVIDER_CLASS_API_VERSION = "secrets-store.csi.x-k8s.io/v1";
export const SECRET_PROVIDER_CLASS_KIND = "SecretProviderClass";
export const CSI_DRIVER_NAME = "secrets-store.csi.k8s.io";

/** Field order in each rendered object: the order of the provider's own struct, for readable diffs. */
const OBJECT_FIELD_ORDER: Array<keyof KeyVaultObject> = [
    "objectName",
    "objectType",
    "objectAlias",
    "objectVersion",
    "objectVersionHistory",
    "objectFormat",
    "objectEncoding",
    "filePermission",
];

/** One object as the YAML document the provider unmarshals; strings are quoted where YAML would retype them. */
export function renderKeyVaultObject(object: KeyVaultObject): string {
    const ordered: Record<string, string | number> = {};
    for (const field of OBJECT_FIELD_ORDER) {
        const value = object[field];
        if (value !== undefined) {
            ordered[field] = value;
        }
    }
    return YAML.stringify(ordered, { lineWidth: 0 });
}

/**
 * The `objects` parameter in exactly the form the provider parses: a YAML map with one key `array` whose items
 * are block strings, each itself a YAML document.
 */
export function renderObjectsParameter(objects: KeyVaultObject[]): string {
    const items = objects.map((object) => {
        const body = renderKeyVaultObject(object)
            .trimEnd()
            .split("\n")
            .map((line) => `    ${line}`)
            .join("\n");
        return `  - |\n${body}`;
    });
    return `array:\n${items.join("\n")}\n`;
}

/** Identity keys of the parameters map, with the provider's exact casing. */
export function renderIdentityParameters(identity: SecretProviderIdentity): Record<string, pulumi.Input<string>> {
    switch (identity.mode) {
        case "managedIdentity":
            return identity.userAssignedIdentityID === undefined
                ? { useVMManagedIdentity: "true" }
                : { useVMManagedIdentity: "true", userAssignedIdentityID: identity.userAssignedIdentityID };
        case "workloadIdentity":
            return { clientID: identity.clientID };
        case "identityBinding":
            return { useAzureTokenProxy: "true", clientID: identity.clientID };
        case "servicePrincipal":
            // Credentials come from the volume's nodePublishSecretRef, not from parameters.
            return {};
    }
}

/** The `spec.parameters` map; every value is a string, as the CRD requires. */
export function renderParameters(spec: SecretProviderClassSpec): Record<string, pulumi.Input<string>> {
    return {
        keyvaultName: spec.keyvaultName,
        tenantID: spec.tenantID,
        ...(spec.cloudName === undefined ? {} : { cloudName: spec.cloudName }),
        ...renderIdentityParameters(spec.identity),
        objects: renderObjectsParameter(spec.objects),
    };
}

/** A synced Secret's labels and annotations, each left out when empty, so no-op diffs never appear. */
export function renderSecretMetadata(secret: Pick<SyncedSecret, "labels" | "annotations">): {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
} {
    return {
        ...(secret.labels && Object.keys(secret.labels).length > 0 ? { labels: secret.labels } : {}),
        ...(secret.annotations && Object.keys(secret.annotations).length > 0 ? { annotations: secret.annotations } : {}),
    };
}

/** `spec.secretObjects` with empty optional maps left out. */
export function renderSecretObjects(secretObjects: SyncedSecret[]): Record<string, unknown>[] {
    return secretObjects.map((secret) => ({
        secretName: secret.secretName,
        type: secret.type,
        data: secret.data.map((entry) => ({ objectName: entry.objectName, key: entry.key })),
        ...renderSecretMetadata(secret),
    }));
}

/** The full SecretProviderClass `spec` for the Azure provider. */
export function renderSecretProviderClassSpec(spec: SecretProviderClassSpec): Record<string, unknown> {
    const secretObjects = spec.secretObjects ?? [];
    return {
        provider: "azure",
        parameters: renderParameters(spec),
        ...(secretObjects.length > 0 ? { secretObjects: renderSecretObjects(secretObjects) } : {}),
    };
}
