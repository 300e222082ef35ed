/**
 * The files an object writes into the mount, as the Azure provider names them and the CSI driver's writer
 * accepts them. Version history is described, never enumerated: `objectVersionHistory` may be up to 2^31-1.
 *
 * Provider v1.8.2: an object writes one file named after its alias (or its name) when objectVersionHistory is
 * at most 1; with N >= 2 it writes `<file>/0` (the newest version, or `objectVersion` when set) to `<file>/N`,
 * one per existing version and at most N + 1, each path joined and cleaned like Go's `filepath.Join`.
 */
import { KeyVaultObject } from "./types";

/** The driver's limits on a written path (fileutil: 255 bytes per name, 4096 bytes per path). */
export const MAX_FILE_NAME_BYTES = 255;
export const MAX_PATH_BYTES = 4096;

/** Files of one object: one `path`, or with `lastVersion` the files `<path>/0` .. `<path>/<lastVersion>`. */
export interface WrittenFiles {
    path: string;
    lastVersion?: number;
}

/** Lexically cleaned path, with the rules of Go's `path.Clean` (what `filepath.Join` applies on Linux). */
export function cleanPath(path: string): string {
    if (path === "") {
        return ".";
    }
    const rooted = path.startsWith("/");
    const parts: string[] = [];
    for (const part of path.split("/")) {
        if (part === "" || part === ".") {
            continue;
        }
        if (part === ".." && parts.length > 0 && parts[parts.length - 1] !== "..") {
            parts.pop();
        } else if (part !== ".." || !rooted) {
            parts.push(part);
        }
    }
    const cleaned = (rooted ? "/" : "") + parts.join("/");
    return cleaned === "" ? "." : cleaned;
}

/** The object's file name before versions: its alias when set (and not empty), otherwise its name. */
export function fileNameOf(object: KeyVaultObject): string {
    return object.objectAlias || object.objectName;
}

/** Version history in effect: the provider syncs versions only above 1. */
export function versionHistoryOf(object: Pick<KeyVaultObject, "objectVersionHistory">): number | undefined {
    // The provider decodes 2.5 as 2 and 1.9 as 1 (latest only): truncate first.
    const history = typeof object.objectVersionHistory === "number" ? Math.trunc(object.objectVersionHistory) : 0;
    return history > 1 ? history : undefined;
}

/** What one object writes. */
export function writtenFiles(object: KeyVaultObject): WrittenFiles {
    const lastVersion = versionHistoryOf(object);
    return lastVersion === undefined ? { path: fileNameOf(object) } : { path: cleanPath(fileNameOf(object)), lastVersion };
}

/** The path of version `index` under a history directory ("." joins to the bare index). */
function versionPath(directory: string, index: number | string): string {
    return directory === "." ? String(index) : `${directory}/${index}`;
}

/** The version index `path` names under `directory`, with what follows it, if it names one in 0..last. */
function versionUnder(directory: string, last: number, path: string): { index: number; rest: string } | undefined {
    const prefix = directory === "." ? "" : `${directory}/`;
    if (!path.startsWith(prefix)) {
        return undefined;
    }
    const [segment, ...rest] = path.slice(prefix.length).split("/");
    // Canonical decimal only: "01" is not the file "1".
    if (!/^(0|[1-9][0-9]*)$/.test(segment) || Number(segment) > last) {
        return undefined;
    }
    return { index: Number(segment), rest: rest.join("/") };
}

/** True when the files include exactly this path. */
export function writesPath(files: WrittenFiles, path: string): boolean {
    if (files.lastVersion === undefined) {
        return files.path === path;
    }
    const version = versionUnder(files.path, files.lastVersion, path);
    return version !== undefined && version.rest === "";
}

/** True when some object writes `path` (for synced Secrets' `objectName`). */
export function writesFile(objects: KeyVaultObject[], path: string): boolean {
    return objects.some((object) => writesPath(writtenFiles(object), path));
}

/** A file of `files` that sits inside `directory`, if any (so `directory` must be a directory). */
function fileInside(files: WrittenFiles, directory: string): string | undefined {
    if (files.lastVersion === undefined) {
        return files.path.startsWith(`${directory}/`) ? files.path : undefined;
    }
    if (files.path === directory || files.path.startsWith(`${directory}/`)) {
        return versionPath(files.path, 0);
    }
    return undefined;
}

/** How two objects' files collide in the mount: the same path twice, or one's file is the other's directory. */
export type Collision = { kind: "same file"; path: string } | { kind: "file and directory"; file: string; inside: string };

/** A file of `first` that `second` needs as a directory, if any. */
function fileBlocksDirectory(first: WrittenFiles, second: WrittenFiles): Collision | undefined {
    if (first.lastVersion === undefined) {
        const inside = fileInside(second, first.path);
        return inside === undefined ? undefined : { kind: "file and directory", file: first.path, inside };
    }
    // A version file of `first` is `second`'s file's directory, or its history directory (or one above it).
    const version = versionUnder(first.path, first.lastVersion, second.path);
    if (version === undefined || (second.lastVersion === undefined && version.rest === "")) {
        return undefined;
    }
    const inside = second.lastVersion === undefined ? second.path : versionPath(second.path, 0);
    return { kind: "file and directory", file: versionPath(first.path, version.index), inside };
}

/** The first collision between two objects' files, if any. */
export function collision(first: WrittenFiles, second: WrittenFiles): Collision | undefined {
    if (first.lastVersion !== undefined && second.lastVersion !== undefined && first.path === second.path) {
        return { kind: "same file", path: versionPath(first.path, 0) };
    }
    if (first.lastVersion === undefined && writesPath(second, first.path)) {
        return { kind: "same file", path: first.path };
    }
    if (second.lastVersion === undefined && writesPath(first, second.path)) {
        return { kind: "same file", path: second.path };
    }
    return fileBlocksDirectory(first, second) ?? fileBlocksDirectory(second, first);
}

/** The longest path among the files (the last version's, with history), for the driver's length limit. */
export function longestPath(files: WrittenFiles): string {
    return files.lastVersion === undefined ? files.path : versionPath(files.path, files.lastVersion);
}
