/** Doctor's cluster facts for unit tests: one healthy orders-api and the node's recorded messages. */
import * as fs from "fs";
import * as path from "path";
import { ClassFact, ClusterFacts, EventFact, PodFact, PodStatusFact, SecretFact } from "../../../program/diagnosis/facts";

/** Messages the local node printed for each fault (tests/e2e/doctor.test.ts injects them). */
export const NODE: Record<string, string> = JSON.parse(
    fs.readFileSync(path.join(__dirname, "../../fixtures/doctor/node-messages.json"), "utf8"),
);

export const ADDON = "3b1d7f0e-5a2c-4e8b-9d6f-1a2b3c4d5e6f";
export const NOW = "2026-12-06T01:00:00Z";

/** Key Vault's and Entra ID's documented wording on Azure (not from the node: its stand-in words some of them differently). */
export const AZURE = {
    forbiddenRbac:
        'failed to mount objects, error: failed to get objectType:secret, objectName:db, objectVersion:: GET https://kv-prod.vault.azure.net/secrets/db/\n--------------------------------------------------------------------------------\nRESPONSE 403: 403 Forbidden\nERROR CODE: Forbidden\n--------------------------------------------------------------------------------\n{\n  "error": {\n    "code": "Forbidden",\n    "message": "Caller is not authorized to perform action on resource.\\r\\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\\r\\nCaller: appid=11111111-2222-3333-4444-555555555555;oid=66666666-7777-8888-9999-000000000000;iss=https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/\\r\\nAction: \'Microsoft.KeyVault/vaults/secrets/getSecret/action\'\\r\\nResource: \'/subscriptions/0000/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv-prod/secrets/db\'\\r\\nAssignment: (not found)\\r\\nDenyAssignmentId: null\\r\\nDecisionReason: null \\r\\nVault: kv-prod;location=westeurope\\r\\n",\n    "innererror": { "code": "ForbiddenByRbac" }\n  }\n}',
    forbiddenAccessPolicy:
        'failed to get objectType:secret, objectName:db, objectVersion:: GET https://kv-old.vault.azure.net/secrets/db/\nRESPONSE 403: 403 Forbidden\nERROR CODE: Forbidden\n{"error":{"code":"Forbidden","message":"The user, group or application \'appid=11111111-2222-3333-4444-555555555555;oid=66666666-7777-8888-9999-000000000000;iss=https://sts.windows.net/t/\' does not have secrets get permission on key vault \'kv-old;location=westeurope\'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287","innererror":{"code":"AccessDenied"}}}',
    aadsts70021:
        'failed to get objectType:secret, objectName:db, objectVersion:: ClientAssertionCredential authentication failed. FromAssertion(): http call(https://login.microsoftonline.com/t/oauth2/v2.0/token)(POST) error: reply status code was 400:\n{"error":"invalid_request","error_description":"AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: \'https://westeurope.oic.prod-aks.azure.com/t/c/\'. Assertion Subject: \'system:serviceaccount:orders:orders-api\'. Assertion Audience: \'api://AzureADTokenExchange\'. https://docs.microsoft.com/azure/active-directory/develop/workload-identity-federation Trace ID: x","error_codes":[70021]}',
    driverMissing:
        'MountVolume.MountDevice failed for volume "secrets" : kubernetes.io/csi: attacher.MountDevice failed to create newCsiDriverClient: driver name secrets-store.csi.k8s.io not found in the list of registered CSI drivers',
};

export function classFact(name: string, extra: Partial<ClassFact> = {}): ClassFact {
    return {
        namespace: "orders",
        name,
        provider: "azure",
        parameters: { keyvaultName: "kv-local-demo", useVMManagedIdentity: "true", userAssignedIdentityID: ADDON },
        syncedSecrets: [],
        ...extra,
    };
}

export function pod(name: string, extra: Partial<PodFact> = {}): PodFact {
    return {
        namespace: "orders",
        name,
        uid: `uid-${name}`,
        owner: `ReplicaSet/${name.split("-").slice(0, -2).join("-") || name}-5d9c`,
        serviceAccount: "orders-api",
        ready: true,
        csiClasses: ["orders-api"],
        csiVolumes: ["keyvault-secrets"],
        envSecrets: [],
        waiting: [],
        ...extra,
    };
}

export function warning(podName: string, message: string, extra: Partial<EventFact> = {}): EventFact {
    return {
        namespace: "orders",
        podName,
        podUid: `uid-${podName}`,
        reason: "FailedMount",
        message,
        lastSeen: "2026-12-06T00:59:30Z",
        count: 3,
        ...extra,
    };
}

export function status(podName: string, extra: Partial<PodStatusFact> = {}): PodStatusFact {
    return {
        namespace: "orders",
        podName,
        className: "orders-api",
        mounted: true,
        objects: [{ id: "secret/orders-db-password", version: "4b756eac" }],
        created: "2026-12-06T00:34:19Z",
        updated: "2026-12-06T00:34:19Z",
        ...extra,
    };
}

export function secret(name: string, extra: Partial<SecretFact> = {}): SecretFact {
    return {
        namespace: "orders",
        name,
        keys: ["db-password"],
        labels: { "secrets-store.csi.k8s.io/managed": "true" },
        owners: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "orders-api-5d9c" }],
        managers: ["secrets-store-csi-driver"],
        ...extra,
    };
}

/** A healthy orders-api: one Ready pod, mounted, its synced Secret written by the driver. */
export function healthy(extra: Partial<ClusterFacts> = {}): ClusterFacts {
    return {
        now: NOW,
        context: "akv-local",
        csiDriver: true,
        classes: [classFact("orders-api", { syncedSecrets: ["orders-api-keyvault"] })],
        pods: [pod("orders-api-5d9c-x1")],
        events: [],
        podStatuses: [status("orders-api-5d9c-x1")],
        secrets: [secret("orders-api-keyvault")],
        secretSyncs: [],
        ...extra,
    };
}

/** orders-api with its pod stuck on one FailedMount message. */
export function failing(message: string, extra: Partial<ClusterFacts> = {}): ClusterFacts {
    return healthy({
        pods: [pod("orders-api-5d9c-x1", { ready: false, waiting: [{ reason: "ContainerCreating", message: "" }] })],
        podStatuses: [],
        events: [warning("orders-api-5d9c-x1", message)],
        ...extra,
    });
}
