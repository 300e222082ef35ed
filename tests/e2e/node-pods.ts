/** Objects the node's end-to-end tests make by hand, beside what the stack declares, and how they wait for them. */
import { renderObjectsParameter } from "../../components/secret-provider-class/render";
import { KeyVaultObject } from "../../components/secret-provider-class/types";
import { StackConfig } from "../../program/schema";

/** A bare pod of the probe image that mounts a class's CSI volume at /mnt/secrets-store. */
export function podMounting(name: string, className: string) {
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name },
        spec: {
            containers: [
                {
                    name: "app",
                    image: "registry.example/orders-api:1.4.2",
                    volumeMounts: [{ name: "secrets", mountPath: "/mnt/secrets-store", readOnly: true }],
                },
            ],
            volumes: [
                {
                    name: "secrets",
                    csi: { driver: "secrets-store.csi.k8s.io", readOnly: true, volumeAttributes: { secretProviderClass: className } },
                },
            ],
        },
    };
}

/** The first defined answer of `probe`, asked every second; fails naming `what` after `deadlineMs`. */
export async function until<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
        const found = await probe();
        if (found !== undefined) {
            return found;
        }
        if (Date.now() > deadline) {
            throw new Error(`${what}: not within ${deadlineMs / 1000} s`);
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
    }
}

/** A SecretProviderClass that reads the stack's vault with a managed identity (what the addon identity renders). */
export function managedIdentityClass(
    name: string,
    config: StackConfig,
    clientId: string,
    objects: KeyVaultObject[],
    secretObjects?: unknown[],
) {
    return {
        apiVersion: "secrets-store.csi.x-k8s.io/v1",
        kind: "SecretProviderClass",
        metadata: { name },
        spec: {
            provider: "azure",
            parameters: {
                keyvaultName: (config.keyVault as { name: string }).name,
                tenantId: (config.keyVault as { tenantId: string }).tenantId,
                useVMManagedIdentity: "true",
                userAssignedIdentityID: clientId,
                objects: renderObjectsParameter(objects),
            },
            ...(secretObjects ? { secretObjects } : {}),
        },
    };
}

/** The env-without-mount trap: a Deployment of the probe image whose env reads a synced Secret, with no CSI volume. */
export function envWithoutMountDeployment(name: string, secretName: string, key: string) {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name },
        spec: {
            selector: { matchLabels: { app: name } },
            template: {
                metadata: { labels: { app: name } },
                spec: {
                    containers: [
                        {
                            name: "app",
                            image: "registry.example/orders-api:1.4.2",
                            env: [{ name: "PASSWORD", valueFrom: { secretKeyRef: { name: secretName, key } } }],
                        },
                    ],
                },
            },
        },
    };
}
