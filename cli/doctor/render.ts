/** The text and JSON `aks-keyvault-secrets doctor` prints: names, versions, times and causes, never a value. */
import { AppReport, Cause, DoctorReport } from "../../program/diagnosis/diagnose";

/** How the text report names each writer of a synced Secret. */
const WRITERS: Record<string, string> = { driver: "the driver", "sync-controller": "the sync controller" };

/** Exit codes of `doctor`: a pipeline can tell a failing app from a cluster it could not read. */
export const DOCTOR_EXIT_CODES = {
    /** Every app healthy. */
    healthy: 0,
    /** A usage error (bad options, unreadable --stack-outputs). */
    usage: 1,
    /** At least one app (or the cluster's addon) is failing: the report names the cause and the fix. */
    failing: 3,
    /** The cluster could not be read (kubeconfig, context, connection, permissions). */
    unreadable: 4,
} as const;

function causeLines(cause: Cause, indent: string): string[] {
    return [
        `${indent}cause [${cause.id}]${cause.pods.length > 0 ? ` (pod${cause.pods.length > 1 ? "s" : ""} ${cause.pods.join(", ")})` : ""}: ${cause.cause}`,
        ...(cause.message ? [`${indent}  message: ${cause.message}`] : []),
        `${indent}  fix: ${cause.fix}`,
    ];
}

function stateLine(app: AppReport): string {
    const ready = app.pods.filter((pod) => pod.ready).length;
    const mounted = app.pods.filter((pod) => pod.mounted).length;
    const objects = Object.keys(app.versions).length;
    const rotation = app.mountedSince
        ? app.lastRotated
            ? `last rotated ${app.lastRotated}`
            : `not rotated since the first mount ${app.mountedSince}`
        : "never mounted";
    const secrets =
        app.syncedSecrets.length === 0
            ? "no synced Secrets"
            : `synced Secrets: ${app.syncedSecrets
                  .map((secret) =>
                      secret.present
                          ? `${secret.name} present (keys ${secret.keys.join(", ") || "none"}; ${
                                secret.writtenBy.length > 0
                                    ? `written by ${secret.writtenBy.map((writer) => WRITERS[writer] ?? writer).join(" and ")}`
                                    : "not written by the driver"
                            }${secret.owners.length > 0 ? `, owner ${secret.owners.join(", ")}` : ", no owner"})`
                          : `${secret.name} absent`,
                  )
                  .join("; ")}`;
    return `${ready}/${app.pods.length} pods Ready, ${mounted} mounted (${objects} object${objects === 1 ? "" : "s"}); ${rotation}; ${secrets}`;
}

/** The report as text: a line per app, then its causes and fixes. */
export function formatText(report: DoctorReport): string {
    const failing = report.apps.filter((app) => app.status === "failing").length;
    const lines = [
        `doctor: context ${report.context}, ${report.apps.length} app${report.apps.length === 1 ? "" : "s"}, ${failing} failing (checked ${report.checkedAt})`,
        report.csiDriver ? "cluster: CSIDriver secrets-store.csi.k8s.io present" : "cluster: no CSIDriver secrets-store.csi.k8s.io",
        ...report.clusterCauses.flatMap((cause) => causeLines(cause, "  ")),
    ];
    for (const app of report.apps) {
        lines.push(
            `${app.status === "healthy" ? "ok  " : "FAIL"} ${app.app} (namespace ${app.namespace}, class ${app.classes.join(", ")}): ${stateLine(app)}`,
        );
        lines.push(...app.causes.flatMap((cause) => causeLines(cause, "     ")));
    }
    return `${lines.join("\n")}\n`;
}

/** The report as JSON (the shape of DoctorReport; docs/doctor.md). */
export function formatJson(report: DoctorReport): string {
    return `${JSON.stringify(report, null, 2)}\n`;
}
