import { Problem } from "../../components/shared/validation";
import { writesFile } from "../../components/secret-provider-class/paths";
import { KeyVaultObject, SyncedSecret } from "../../components/secret-provider-class/types";
import { AdoptEmit, unique } from "./emit";
import { SortedProblems, syncedSecretKey } from "./parser-problems";

/** What of a class's objects and synced Secrets is adopted: what the model accepts; the rest is reported and left out. */

/** Objects the provider would reject are left out; each is reported with the model's reason. */
export function keptObjects(objects: readonly KeyVaultObject[], problems: SortedProblems, emit: AdoptEmit): KeyVaultObject[] {
    return objects.filter((object, index) => {
        const rejected = problems.objects.get(index);
        if (!rejected) {
            return true;
        }
        emit(
            "unsupported",
            "SPC_OBJECT_REJECTED",
            `objects[${index}] "${object.objectName}"`,
            `is left out, the mount fails on it today: ${rejected.map((p) => `${p.where.replace(/^objects\[\d+\]( "[^"]*")?\.?/, "") || "object"} ${p.message}`).join("; ")}`,
            rejected.map((p) => p.fix).join("; "),
        );
        return false;
    });
}

/** Synced Secrets: the ones the model rejects are left out, then the ones that now point at no kept object's file. */
export function keptSecrets(
    secrets: readonly SyncedSecret[],
    objects: KeyVaultObject[],
    problems: SortedProblems,
    emit: AdoptEmit,
): SyncedSecret[] {
    return secrets.filter((secret, index) => {
        // Which files exist is decided here, against the kept objects only.
        const rejected: Problem[] = [
            ...(problems.secrets.get(syncedSecretKey(index, undefined)) ?? []),
            ...(problems.secrets.get(syncedSecretKey(undefined, secret.secretName)) ?? []),
        ].filter((problem) => !problem.message.endsWith("is not a file any object writes"));
        const missing = secret.data.filter((entry) => !writesFile(objects, entry.objectName));
        if (rejected.length === 0 && missing.length > 0) {
            rejected.push({
                where: `secretObjects[${index}]`,
                message: `reads ${missing.map((entry) => `"${entry.objectName}"`).join(", ")}, which no adopted object writes`,
                fix: "fix or re-add the object it reads, then add this Secret by hand",
            });
        }
        if (rejected.length === 0) {
            return true;
        }
        emit(
            "unsupported",
            "SPC_SYNCED_SECRET_REJECTED",
            `secretObjects[${index}] "${secret.secretName}"`,
            `is left out: ${rejected.map((p) => p.message).join("; ")}`,
            unique(rejected.map((p) => p.fix)).join("; "),
        );
        return false;
    });
}
