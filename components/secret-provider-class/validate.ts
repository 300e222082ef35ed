import { Problem, isGuid } from "../shared/validation";
import { isDnsSubdomain } from "../shared/kubernetes";
import { keyVaultNameProblems, tenantIdProblems } from "../key-vault/names";
import { keyVaultObjectProblems, objectSetProblems } from "./objects";
import { syncedSecretProblems } from "./synced-secrets";
import { AZURE_CLOUD_NAMES, AzureCloudName, SecretProviderClassSpec, SecretProviderIdentity } from "./types";
import { CLASS_INPUT_PATHS, InputPaths } from "./input-paths";

/**
 * Pure checks for everything the Azure provider or the CSI driver would ignore or reject only at pod start.
 * Values that are still unknown (Outputs) are skipped here and checked when they resolve. Each rule is tested
 * against upstream's own code by the conformance suite (docs/conformance.md), which also lists where we are
 * deliberately stricter. Objects: objects.ts; synced Secrets: synced-secrets.ts; vault name and tenant: key-vault/.
 */

const IDENTITY_FIELDS: Record<SecretProviderIdentity["mode"], string> = {
    managedIdentity: "userAssignedIdentityID",
    workloadIdentity: "clientID",
    identityBinding: "clientID",
    servicePrincipal: "nodePublishSecretRef",
};

/** Problems with the identity choice: an unknown mode, fields of more than one mode, malformed IDs. */
export function identityProblems(
    identity: SecretProviderIdentity,
    paths: Pick<InputPaths, "clientID" | "userAssignedIdentityID"> = CLASS_INPUT_PATHS,
): Problem[] {
    const modes = Object.keys(IDENTITY_FIELDS) as Array<SecretProviderIdentity["mode"]>;
    if (!identity || !modes.includes(identity.mode)) {
        return [
            {
                where: "identity.mode",
                message: `"${identity?.mode ?? ""}" is not an identity mode`,
                fix: `use one of ${modes.join(", ")}`,
            },
        ];
    }
    const fields = new Map<string, unknown>(Object.entries(identity));
    // Workload identity and identity binding both name the identity by clientID: a field counts once, for its first mode.
    const present = modes.filter(
        (mode) =>
            IDENTITY_FIELDS[mode] !== IDENTITY_FIELDS[identity.mode] &&
            fields.get(IDENTITY_FIELDS[mode]) !== undefined &&
            modes.find((other) => IDENTITY_FIELDS[other] === IDENTITY_FIELDS[mode]) === mode,
    );
    if (present.length > 0) {
        return [
            {
                where: "identity",
                message: `sets fields of more than one identity mode (${[identity.mode, ...present].join(" and ")}); the provider allows one`,
                fix: `keep only the fields of mode "${identity.mode}" (${IDENTITY_FIELDS[identity.mode]})`,
            },
        ];
    }
    const problems: Problem[] = [];
    if (identity.mode === "workloadIdentity" || identity.mode === "identityBinding") {
        problems.push(...clientIdProblems(identity, paths.clientID));
    }
    if (
        identity.mode === "managedIdentity" &&
        typeof identity.userAssignedIdentityID === "string" &&
        identity.userAssignedIdentityID !== "" &&
        !isGuid(identity.userAssignedIdentityID)
    ) {
        problems.push({
            where: paths.userAssignedIdentityID,
            message: `"${identity.userAssignedIdentityID}" is not a GUID`,
            fix: "use the client ID (not the object or resource ID) of the addon identity",
        });
    }
    if (identity.mode === "servicePrincipal" && !isDnsSubdomain(identity.nodePublishSecretRef ?? "")) {
        problems.push({
            where: "identity.nodePublishSecretRef",
            message: `"${identity.nodePublishSecretRef ?? ""}" is not a valid Secret name`,
            fix: "name the Secret that holds clientid and clientsecret",
        });
    }
    return problems;
}

/** The client ID of a workload identity or an identity binding: a GUID, and never missing. */
function clientIdProblems(
    identity: Extract<SecretProviderIdentity, { mode: "workloadIdentity" | "identityBinding" }>,
    where: string,
): Problem[] {
    const whose = identity.mode === "workloadIdentity" ? "the federated identity" : "the managed identity bound to the cluster";
    if (identity.clientID === undefined || identity.clientID === "") {
        return [
            {
                where,
                message:
                    identity.mode === "workloadIdentity"
                        ? "is missing"
                        : 'is missing; the provider refuses an identity-binding mount without it ("clientID is required for identity binding")',
                fix: `set the client ID of ${whose}`,
            },
        ];
    }
    if (typeof identity.clientID === "string" && !isGuid(identity.clientID)) {
        return [{ where, message: `"${identity.clientID}" is not a GUID`, fix: `use the client ID of ${whose}` }];
    }
    return [];
}

/** Other names the provider's cloud lookup (go-autorest, case-insensitive) takes for the same clouds. */
const CLOUD_NAME_ALIASES: Record<string, AzureCloudName> = { azurecloud: "AzurePublicCloud", azureusgovernment: "AzureUSGovernmentCloud" };

/** Problems with `cloudName`: a named cloud the AKS addon's provider can use. */
export function cloudNameProblems(cloudName: string | undefined): Problem[] {
    if (cloudName === undefined || cloudName === "" || (AZURE_CLOUD_NAMES as readonly string[]).includes(cloudName)) {
        return [];
    }
    if (cloudName.toLowerCase() === "azurestackcloud") {
        return [
            {
                where: "cloudName",
                message: `"${cloudName}" needs cloudEnvFileName, a JSON file of endpoints on every node, which the AKS addon does not provide; the provider fails every mount without it`,
                fix: `use one of ${AZURE_CLOUD_NAMES.join(", ")}, or manage an Azure Stack class outside this library`,
            },
        ];
    }
    const sameCloud =
        AZURE_CLOUD_NAMES.find((name) => name.toLowerCase() === cloudName.toLowerCase()) ?? CLOUD_NAME_ALIASES[cloudName.toLowerCase()];
    if (sameCloud) {
        return [
            {
                where: "cloudName",
                message: `"${cloudName}" is another spelling the provider takes for "${sameCloud}"; this library writes each cloud one way`,
                fix: `write "${sameCloud}"`,
            },
        ];
    }
    return [
        {
            where: "cloudName",
            message: `"${cloudName}" is not a cloud the provider knows`,
            fix: `use one of ${AZURE_CLOUD_NAMES.join(", ")}`,
        },
    ];
}

/**
 * Every problem with a spec whose values are known now; Output values are checked once they resolve. `paths`: what
 * the caller calls the spec's inputs (default: the CRD's words).
 */
export function secretProviderClassProblems(spec: SecretProviderClassSpec, paths: InputPaths = CLASS_INPUT_PATHS): Problem[] {
    const objects = spec.objects ?? [];
    return [
        ...(typeof spec.keyvaultName === "string" ? keyVaultNameProblems(spec.keyvaultName, paths.keyvaultName) : []),
        ...(typeof spec.tenantID === "string" ? tenantIdProblems(spec.tenantID, paths.tenantID) : []),
        ...cloudNameProblems(spec.cloudName),
        ...identityProblems(spec.identity, paths),
        ...objects.flatMap((object, index) => keyVaultObjectProblems(object, index, paths.object(object, index))),
        ...objectSetProblems(objects),
        ...syncedSecretProblems(spec.secretObjects ?? [], objects, "secretObjects", paths),
    ];
}
