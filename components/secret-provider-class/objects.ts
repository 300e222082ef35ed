import { Problem } from "../shared/validation";
import { MAX_FILE_NAME_BYTES, MAX_PATH_BYTES, cleanPath, collision, fileNameOf, longestPath, writesPath, writtenFiles } from "./paths";
import {
    KEY_VAULT_OBJECT_ENCODINGS,
    KEY_VAULT_OBJECT_FORMATS,
    KEY_VAULT_OBJECT_TYPES,
    KeyVaultObject,
    OBJECT_STRING_FIELDS,
} from "./types";

/**
 * Checks of the provider's `objects`, one by one and as a set (the files they write into the mount), as the provider
 * (`pkg/provider`) and the driver's file writer would apply them at pod start.
 */

const KEY_VAULT_OBJECT_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const OCTAL = /^[0-7]+$/;
const INT32_MAX = 2147483647;
/** Most versions one object may sync: each is a Key Vault read per pod on every mount and rotation poll. */
export const MAX_OBJECT_VERSION_HISTORY = 100;

export function describeObject(object: KeyVaultObject, index: number): string {
    return `objects[${index}] "${object.objectName ?? ""}"`;
}

/** Fields with leading or trailing white space: the provider trims them, so they would not mean what they say. */
function paddedFieldProblems(object: KeyVaultObject, where: string): { padded: Set<string>; problems: Problem[] } {
    const paddedValues = OBJECT_STRING_FIELDS.flatMap((field) => {
        const value = object[field];
        return typeof value === "string" && value !== value.trim() ? [{ field, value }] : [];
    });
    const problems = paddedValues.map(({ field, value }) => ({
        where: `${where}.${field}`,
        message: `"${value}" has leading or trailing white space, which the provider strips`,
        fix: `write "${value.trim()}"`,
    }));
    return { padded: new Set(paddedValues.map(({ field }) => field)), problems };
}

function byteLength(value: string): number {
    return Buffer.byteLength(value, "utf8");
}

/** Problems with the file name an object writes: the provider's path checks, then the driver's writer's. */
function fileNameProblems(object: KeyVaultObject, where: string): Problem[] {
    const file = fileNameOf(object);
    const field = object.objectAlias ? "objectAlias" : "objectName";
    const at = `${where}.${field}`;
    if (typeof file !== "string" || file === "") {
        return [];
    }
    if (file.startsWith("/")) {
        return [
            {
                where: at,
                message: `"${file}" is an absolute path; the provider refuses it`,
                fix: "use a file name relative to the mount path",
            },
        ];
    }
    if (/^[A-Za-z]:[\\/]/.test(file)) {
        return [
            {
                where: at,
                message: `"${file}" is an absolute path on Windows nodes; the provider refuses it there`,
                fix: "use a file name relative to the mount path",
            },
        ];
    }
    if (file.includes("..")) {
        return [
            {
                where: at,
                message: `"${file}" contains '..'; the provider refuses it`,
                fix: "use a file name inside the mount, without '..'",
            },
        ];
    }
    const files = writtenFiles(object);
    const problems: Problem[] = [];
    if (files.lastVersion === undefined && file === ".") {
        problems.push({ where: at, message: '"." names the mount directory itself, not a file', fix: "give the file a name" });
    } else if (files.lastVersion === undefined && cleanPath(file) !== file) {
        problems.push({
            where: at,
            message: `"${file}" is not a clean relative path; the driver writes a path only as its cleaned form ("${cleanPath(file)}")`,
            fix: `write "${cleanPath(file)}"`,
        });
    }
    const longName = files.path.split("/").find((name) => byteLength(name) > MAX_FILE_NAME_BYTES);
    if (longName !== undefined) {
        problems.push({
            where: at,
            message: `has a file or directory name of ${byteLength(longName)} bytes ("${longName.slice(0, 16)}..."); the driver allows at most ${MAX_FILE_NAME_BYTES}`,
            fix: "shorten that part of the path",
        });
    }
    const longest = longestPath(files);
    if (byteLength(longest) > MAX_PATH_BYTES) {
        problems.push({
            where: at,
            message: `writes a path of ${byteLength(longest)} bytes; the driver allows at most ${MAX_PATH_BYTES}`,
            fix: "use a shorter path",
        });
    }
    return problems;
}

/** Problems with `objectVersionHistory`: a whole number the provider decodes, within our bound. */
function versionHistoryProblems(history: number, where: string): Problem[] {
    const at = `${where}.objectVersionHistory`;
    if (!Number.isFinite(history)) {
        return [
            {
                where: at,
                message: `${history} is not a number the provider can read`,
                fix: "use 0 (latest only) or the number of versions to fetch, e.g. 2",
            },
        ];
    }
    if (!Number.isInteger(history)) {
        return [
            {
                where: at,
                message: `${history} is not a whole number; the provider truncates it to ${Math.trunc(history)}`,
                fix: `write ${Math.trunc(history)}`,
            },
        ];
    }
    if (history < 0) {
        return [
            {
                where: at,
                message: `${history} is negative; the provider reads it as "latest only"`,
                fix: "use 0 (latest only) or the number of versions to fetch, e.g. 2",
            },
        ];
    }
    if (history > INT32_MAX) {
        return [
            {
                where: at,
                message: `${history} does not fit the provider's 32-bit field; it fails to decode the object`,
                fix: `use at most ${MAX_OBJECT_VERSION_HISTORY}`,
            },
        ];
    }
    if (history > MAX_OBJECT_VERSION_HISTORY) {
        return [
            {
                where: at,
                message: `${history} versions is more than this library allows (${MAX_OBJECT_VERSION_HISTORY}): the provider reads every version from Key Vault on each mount and rotation poll and writes each as a file`,
                fix: "sync only the versions the app reads, e.g. 2 (the current and the previous one)",
            },
        ];
    }
    return [];
}

/** Problems with one Key Vault object; `where`: what the caller calls it (default: the CRD's `objects[0] "name"`). */
export function keyVaultObjectProblems(object: KeyVaultObject, index: number, where = describeObject(object, index)): Problem[] {
    const { padded, problems } = paddedFieldProblems(object, where);
    if (!padded.has("objectName") && (typeof object.objectName !== "string" || !KEY_VAULT_OBJECT_NAME.test(object.objectName))) {
        problems.push({
            where: `${where}.objectName`,
            message: `"${object.objectName ?? ""}" is not a Key Vault object name`,
            fix: "use the object's name in the vault: 1-127 letters, digits and hyphens",
        });
    }
    if (!padded.has("objectType") && !KEY_VAULT_OBJECT_TYPES.includes(object.objectType)) {
        problems.push({
            where: `${where}.objectType`,
            message: `"${object.objectType ?? ""}" is not an object type the provider knows (it compares case-sensitively)`,
            fix: `use one of ${KEY_VAULT_OBJECT_TYPES.join(", ")}`,
        });
    }
    if (!padded.has("objectAlias") && !padded.has("objectName")) {
        problems.push(...fileNameProblems(object, where));
    }
    if (object.objectVersionHistory !== undefined) {
        problems.push(...versionHistoryProblems(object.objectVersionHistory, where));
    }
    const secretOnly: Array<[keyof KeyVaultObject, readonly string[]]> = [
        ["objectFormat", KEY_VAULT_OBJECT_FORMATS],
        ["objectEncoding", KEY_VAULT_OBJECT_ENCODINGS],
    ];
    for (const [field, allowed] of secretOnly) {
        const value = object[field];
        // An empty value is the provider's default, like an absent one.
        if (value === undefined || value === "" || padded.has(field)) {
            continue;
        }
        if (object.objectType !== "secret") {
            problems.push({
                where: `${where}.${field}`,
                message: `is set on objectType "${object.objectType}"; the provider supports it only for secrets`,
                fix: `remove ${field}, or fetch the object with objectType: secret`,
            });
        } else if (typeof value !== "string" || !allowed.includes(value.toLowerCase())) {
            problems.push({
                where: `${where}.${field}`,
                message: `"${String(value)}" is not supported`,
                fix: `use one of ${allowed.join(", ")}`,
            });
        }
    }
    if (
        object.objectType === "secret" &&
        String(object.objectFormat).toLowerCase() === "pfx" &&
        String(object.objectEncoding).toLowerCase() === "hex"
    ) {
        problems.push({
            where: `${where}.objectEncoding`,
            message:
                "hex cannot decode a PFX: Key Vault returns a certificate's PFX as base64 text, so the provider fails to write the file",
            fix: "use objectEncoding base64 for the PFX binary, or leave it out for the base64 text",
        });
    }
    const permission = object.filePermission;
    if (
        permission !== undefined &&
        permission !== "" &&
        !padded.has("filePermission") &&
        !(OCTAL.test(permission) && parseInt(permission, 8) <= 0o777)
    ) {
        problems.push({
            where: `${where}.filePermission`,
            message: `"${permission}" is not an octal file mode (the provider would write the file with mode 0000)`,
            fix: 'use a quoted octal string such as "0440" or "0644"',
        });
    }
    return problems;
}

/** The problem of an empty object list. */
const EMPTY_OBJECTS_PROBLEM: Problem = {
    where: "objects",
    message: "is empty; the pod would mount nothing",
    fix: "list at least one Key Vault object",
};

/** True for the problem of an empty object list (a caller that fills the list later sets it aside). */
export function isEmptyObjectsProblem(problem: Problem): boolean {
    return problem.where === EMPTY_OBJECTS_PROBLEM.where && problem.message === EMPTY_OBJECTS_PROBLEM.message;
}

/** Problems across objects: files written twice, and a file where another object needs a directory. */
export function objectSetProblems(objects: KeyVaultObject[]): Problem[] {
    if (objects.length === 0) {
        return [{ ...EMPTY_OBJECTS_PROBLEM }];
    }
    const files = objects.map(writtenFiles);
    const sameFile = new Map<string, Set<number>>();
    const problems: Problem[] = [];
    files.forEach((first, i) => {
        files.slice(i + 1).forEach((second, offset) => {
            const j = i + 1 + offset;
            const found = collision(first, second);
            if (found?.kind === "same file") {
                sameFile.set(found.path, new Set([...(sameFile.get(found.path) ?? []), i, j]));
            } else if (found) {
                const [holder, needer] = writesPath(first, found.file) ? [i, j] : [j, i];
                problems.push({
                    where: "objects",
                    message: `${describeObject(objects[holder], holder)} writes the file "${found.file}" where ${describeObject(objects[needer], needer)} needs a directory (for "${found.inside}"); the driver cannot write both`,
                    fix: "give one of them another objectAlias",
                });
            }
        });
    });
    for (const [path, writers] of sameFile) {
        problems.unshift({
            where: "objects",
            message: `file "${path}" is written by more than one object (${[...writers]
                .sort((a, b) => a - b)
                .map((index) => describeObject(objects[index], index))
                .join(", ")})`,
            fix: "give each object a distinct objectAlias",
        });
    }
    return problems;
}
