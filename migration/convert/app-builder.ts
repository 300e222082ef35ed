import { KeyVaultObject, SyncedSecretType } from "../../components/secret-provider-class/types";
import { AzureKeyVaultSecretResource } from "../akv2k8s";
import { ObjectSpec } from "../mapping/objects";
import { uniqueName } from "../../components/shared/naming";

/*
 * Apps while the converter assembles them: objects are deduplicated and file names chosen at the end, so the
 * plainest use of a Key Vault object keeps the object's name.
 */

/** A synced Secret of an app being assembled: one replacing an akv2k8s Secret, or one made for env-injector values. */
export type BuilderSecret = {
    id: string;
    type: SyncedSecretType;
    /** Keys and the index of the object whose file fills them. */
    data: Array<{ key: string; object: number }>;
} & (
    | { kind: "akv2k8s"; /** The akv2k8s Secret it replaces. */ origin: string }
    | { kind: "env" }
    | { kind: "env-tls"; /** The AKVS whose certificate it holds. */ akvsName: string }
);

/** An app being assembled: objects (deduplicated) and synced Secrets; names and file names are chosen at the end. */
export class AppBuilder {
    readonly objects: ObjectSpec[] = [];
    readonly secrets: BuilderSecret[] = [];

    constructor(
        readonly namespace: string,
        readonly vault: string,
        readonly azureIdentity: string | undefined,
    ) {}

    /** Index of an object, added when no equal object is there yet. */
    objectFor(spec: ObjectSpec): number {
        const key = canonical(spec);
        const index = this.objects.findIndex((existing) => canonical(existing) === key);
        if (index >= 0) {
            return index;
        }
        this.objects.push(spec);
        return this.objects.length - 1;
    }

    secret(id: string): BuilderSecret | undefined {
        return this.secrets.find((secret) => secret.id === id);
    }

    /**
     * File name of each object: the object name for the plainest object of that name (a secret's value, else
     * the certificate, else the key), `<name>-<variant>` (cert, key, pfx, decoded, v<version>) for the others.
     */
    files(): string[] {
        const files: string[] = new Array(this.objects.length);
        const taken = new Set<string>();
        const rank = (spec: ObjectSpec) =>
            variantTag(spec).split("-").filter(Boolean).length * 10 + ["secret", "cert", "key"].indexOf(spec.objectType);
        const byName = new Map<string, number[]>();
        this.objects.forEach((spec, index) => byName.set(spec.objectName, [...(byName.get(spec.objectName) ?? []), index]));
        for (const [name, indexes] of byName) {
            const ordered = [...indexes].sort((a, b) => rank(this.objects[a]) - rank(this.objects[b]) || a - b);
            ordered.forEach((index, position) => {
                const file =
                    position === 0
                        ? name
                        : uniqueName(
                              `${name}-${variantTag(this.objects[index]) || "2"}`,
                              (candidate) => taken.has(candidate) || byName.has(candidate),
                          );
                files[index] = file;
                taken.add(file);
            });
        }
        return files;
    }
}

/** The apps being assembled, one per namespace, vault and identity, in the order they were first needed. */
export class AppSet {
    private readonly builders: AppBuilder[] = [];

    /** The app of an AKVS's namespace, vault and identity (added when it is the first). */
    for(resource: AzureKeyVaultSecretResource): AppBuilder {
        let builder = this.builders.find(
            (b) => b.namespace === resource.namespace && b.vault === resource.vault && b.azureIdentity === resource.azureIdentity,
        );
        if (!builder) {
            builder = new AppBuilder(resource.namespace, resource.vault, resource.azureIdentity);
            this.builders.push(builder);
        }
        return builder;
    }

    /** Every app, in the order they were first needed. */
    all(): readonly AppBuilder[] {
        return this.builders;
    }

    inNamespace(namespace: string): AppBuilder[] {
        return this.builders.filter((builder) => builder.namespace === namespace);
    }

    /** The synced Secrets that replace akv2k8s Secret `origin` of a namespace (one per app whose AKVS write it), with their apps. */
    replacing(namespace: string, origin: string): Array<{ builder: AppBuilder; secret: BuilderSecret }> {
        return this.inNamespace(namespace).flatMap((builder) =>
            builder.secrets
                .filter((secret) => secret.kind === "akv2k8s" && secret.origin === origin)
                .map((secret) => ({ builder, secret })),
        );
    }
}

function canonical(spec: ObjectSpec): string {
    return JSON.stringify([
        spec.objectName,
        spec.objectType,
        spec.objectVersion,
        spec.objectVersionHistory,
        spec.objectFormat,
        spec.objectEncoding,
        spec.filePermission,
    ]);
}

/** What sets an object apart from the plain secret of its name. */
function variantTag(spec: ObjectSpec): string {
    return [
        spec.objectType === "secret" ? "" : spec.objectType,
        spec.objectFormat ?? "",
        spec.objectEncoding ? (spec.objectEncoding === "base64" ? "decoded" : spec.objectEncoding) : "",
        spec.objectVersion ? `v${spec.objectVersion.slice(0, 8).toLowerCase()}` : "",
    ]
        .filter((part) => part !== "")
        .join("-");
}

/** Field order of rendered objects (the provider's struct order). */
export function orderedObject(spec: ObjectSpec, file: string): KeyVaultObject {
    return {
        objectName: spec.objectName,
        objectType: spec.objectType,
        ...(file !== spec.objectName ? { objectAlias: file } : {}),
        ...(spec.objectVersion !== undefined ? { objectVersion: spec.objectVersion } : {}),
        ...(spec.objectVersionHistory !== undefined ? { objectVersionHistory: spec.objectVersionHistory } : {}),
        ...(spec.objectFormat !== undefined ? { objectFormat: spec.objectFormat } : {}),
        ...(spec.objectEncoding !== undefined ? { objectEncoding: spec.objectEncoding } : {}),
        ...(spec.filePermission !== undefined ? { filePermission: spec.filePermission } : {}),
    };
}
