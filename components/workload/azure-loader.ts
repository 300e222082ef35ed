import type * as azureIdentity from "./azure-identity";

/**
 * azure-identity.ts, loaded on first use. @pulumi/azure-native and @pulumi/azuread are optional peer dependencies: a
 * stack that only wires Kubernetes objects does not install them, and gets this message only if an app asks for a
 * resource in Azure.
 */
export function loadAzureIdentity(feature: string): typeof azureIdentity {
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- a require at the call, not an import at the top: that is what keeps the Azure SDKs unloaded until here
        return require("./azure-identity");
    } catch (error) {
        throw new Error(
            `${feature} creates Azure resources: install @pulumi/azure-native and @pulumi/azuread (optional peer dependencies of aks-keyvault-secrets). ${error}`,
            { cause: error },
        );
    }
}
