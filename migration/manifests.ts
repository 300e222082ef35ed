import * as YAML from "yaml";
import { Finding } from "./findings";
import { isObject } from "../components/shared/manifests";

/** A Kubernetes manifest read from input, with where it came from. */
export interface SourcedManifest {
    /** `file#n` (n = 1-based document number; `file#n.items[i]` inside a List). */
    source: string;
    manifest: Record<string, unknown>;
}

/** Result of reading input text: the manifests, and errors for what could not be read. */
export interface ReadManifests {
    manifests: SourcedManifest[];
    findings: Finding[];
}

/** Expands `kind: List` (what `kubectl get ... -o yaml` prints) and `<Kind>List` documents into their items. */
function flatten(manifest: Record<string, unknown>, source: string): SourcedManifest[] {
    const kind = typeof manifest.kind === "string" ? manifest.kind : "";
    if (Array.isArray(manifest.items) && (kind === "List" || kind.endsWith("List"))) {
        return manifest.items.flatMap((item, index) => (isObject(item) ? flatten(item, `${source}.items[${index}]`) : []));
    }
    return [{ source, manifest }];
}

/**
 * Every manifest in a YAML (or JSON) text: multi-document files and List documents are expanded. Secret
 * values are never needed; a document that fails to parse is reported, the others are still read.
 */
export function manifestsFromText(text: string, file: string): ReadManifests {
    const manifests: SourcedManifest[] = [];
    const findings: Finding[] = [];
    YAML.parseAllDocuments(text).forEach((document, index) => {
        const source = `${file}#${index + 1}`;
        if (document.errors.length > 0) {
            findings.push({
                severity: "error",
                code: "INPUT_INVALID_YAML",
                subject: source,
                where: "",
                message: `is not valid YAML: ${document.errors[0].message.split("\n")[0].replace(/:$/, "")}`,
                fix: "fix the document (kubectl apply --dry-run=client -f FILE shows the same error)",
                source,
            });
            return;
        }
        const value = document.toJS() as unknown;
        if (isObject(value)) {
            manifests.push(...flatten(value, source));
        }
    });
    return { manifests, findings };
}

/** The API group of an `apiVersion` (`""` for the core group). */
export function groupOf(apiVersion: unknown): string {
    const text = typeof apiVersion === "string" ? apiVersion : "";
    return text.includes("/") ? text.split("/")[0] : "";
}
