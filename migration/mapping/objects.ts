import { KeyVaultObject, SyncedSecretType } from "../../components/secret-provider-class/types";
import { keyVaultObjectProblems } from "../../components/secret-provider-class/objects";
import { AKVS_TRANSFORMS, AzureKeyVaultSecretResource, akvsSubject } from "../akv2k8s";
import { Finding, FindingCode, FindingSeverity } from "../findings";

/**
 * What the akv2k8s -> Secrets Store CSI rules share: the object an AKVS stands for, its encoding, and how the
 * rules report. Facts behind them (akv2k8s controller and env injector source, provider source): see
 * docs/migration.md, "What maps to what".
 */

/** A Key Vault object without its file name (the app picks the file name, so equal objects can share a file). */
export type ObjectSpec = Omit<KeyVaultObject, "objectAlias">;

/** Keys of a synced Secret that all come from the object's one file. */
export interface SecretNeed {
    /** Type of the akv2k8s output Secret, as the synced Secret's type. */
    type: SyncedSecretType;
    /** Keys to fill from the object's file. */
    keys: string[];
}

/** Records a finding about the AKVS (or env reference) being mapped. */
export type Emit = (severity: FindingSeverity, code: FindingCode, where: string, message: string, fix: string) => void;

/** An emitter of findings about an AKVS. */
export function emitterFor(resource: AzureKeyVaultSecretResource, findings: Finding[]): Emit {
    const subject = akvsSubject(resource.namespace, resource.name);
    return (severity, code, where, message, fix) =>
        findings.push({ severity, code, subject, where, message, fix, source: resource.source });
}

/** `objectEncoding` for the AKVS's transforms, or a reason they have no equivalent. */
export function encodingFor(resource: AzureKeyVaultSecretResource): { encoding?: "base64"; unsupported?: string } {
    const transforms = resource.transforms;
    if (transforms.length === 0) {
        return {};
    }
    if (transforms.length === 1 && transforms[0] === "base64decode") {
        return { encoding: "base64" };
    }
    const unknown = transforms.filter((t) => !(AKVS_TRANSFORMS as readonly string[]).includes(t));
    if (unknown.length > 0) {
        return {
            unsupported: `contains ${unknown.map((t) => `"${t}"`).join(", ")}, which akv2k8s rejects ("transform type not currently supported"), so it never synced this object`,
        };
    }
    return {
        unsupported: `[${transforms.join(", ")}] has no equivalent: the provider can only decode (objectEncoding base64 or hex), once, and can't trim or encode`,
    };
}

/** The object and file content an AKVS's object type stands for, before output-specific changes. */
export function baseObject(resource: AzureKeyVaultSecretResource, objectType: KeyVaultObject["objectType"]): ObjectSpec {
    return {
        objectName: resource.object.name,
        objectType,
        ...(resource.object.version ? { objectVersion: resource.object.version } : {}),
    };
}

/** Model checks of an object (Key Vault names etc.); a failing object can't be converted. */
export function objectRejected(object: ObjectSpec, emit: Emit): boolean {
    const problems = keyVaultObjectProblems(object, 0);
    for (const problem of problems) {
        emit(
            "unsupported",
            "AKVS_INVALID",
            "spec.vault.object",
            `${problem.message} (${problem.where.replace(/^objects\[0\] "[^"]*"\./, "")})`,
            `${problem.fix}; the AKVS was not converted`,
        );
    }
    return problems.length > 0;
}
