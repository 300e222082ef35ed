import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { getClientConfigOutput } from "@pulumi/azure-native/authorization";
import { AksCluster, AppWorkload, KeyVault, KeyVaultAccess, KeyVaultObject, kubernetesClientSettings } from "aks-keyvault-secrets";

const config = new pulumi.Config();
const resourceGroupName = config.require("resourceGroupName"); // an existing resource group
const location = config.require("location");

// AKS with the azure-keyvault-secrets-provider addon; mounted files re-read every 2 minutes.
const cluster = new AksCluster("payments", {
    resourceGroupName,
    location,
    systemNodePool: { vmSize: "Standard_D4ds_v5", count: 3 },
    secretRotation: { enabled: true, pollInterval: "2m" },
});

// A vault in RBAC mode; the addon identity may read exactly the objects the app mounts (Key Vault Secrets User).
const vault = new KeyVault("payments", {
    mode: "create",
    name: "kv-payments-dev",
    resourceGroupName,
    location,
    tenantId: getClientConfigOutput().tenantId,
});
const objects: KeyVaultObject[] = [{ objectName: "orders-db-password", objectType: "secret" }];
const access = new KeyVaultAccess("addon-reads-orders", { vaultId: vault.vaultId, principalId: cluster.addonIdentity.objectId, objects });

const provider = new k8s.Provider("payments", {
    kubeconfig: cluster.kubeconfig,
    kubeClientSettings: kubernetesClientSettings(process.env),
});

// ServiceAccount, SecretProviderClass, a synced Secret and a Deployment that mounts the volume and reads it as env.
new AppWorkload(
    "orders-api",
    {
        namespace: "orders",
        createNamespace: true,
        keyVault: { name: vault.vaultName, tenantId: vault.tenantId },
        identity: { mode: "addon", clientId: cluster.addonIdentity.clientId }, // in code the client ID is yours to pass
        objects,
        syncedSecrets: [{ secretName: "orders-db", type: "Opaque", data: [{ key: "password", objectName: "orders-db-password" }] }],
        env: [{ name: "DB_PASSWORD", secretName: "orders-db", key: "password" }],
        deployment: { image: "registry.example/orders-api:1.4.0", replicas: 2 },
    },
    { providers: { kubernetes: provider }, dependsOn: [access] },
); // pods mount once the role exists
