/** Pods the node's end-to-end tests make by hand, beside what the stack declares, and how they wait for them. */

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
