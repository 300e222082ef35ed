/**
 * Which Azure Key Vault provider releases read which SecretProviderClass parameters, as far as this library renders
 * them: a parameter an older provider does not know is ignored, never refused, so the class must not depend on it.
 */

/**
 * The first provider release that reads `useAzureTokenProxy` (identity binding): provider PR #1984, released in
 * v1.8.0, which was re-cut as v1.8.1.
 */
export const IDENTITY_BINDING_PROVIDER_VERSION = "1.8.1";

/** The provider the AKS `azure-keyvault-secrets-provider` addon ships, and on which node images. */
export const AKS_ADDON_PROVIDER = { version: "1.7.2", nodeImages: "202604.24 to 202607.09" } as const;

/** `1.8.2` or `v1.8.2` as [major, minor, patch]; undefined for anything else (no pre-release or build suffix). */
export function parseProviderVersion(text: string): [number, number, number] | undefined {
    const match = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/.exec(text);
    return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/** True for a provider release written as `1.8.2` or `v1.8.2`. */
export function isProviderVersion(text: string): boolean {
    return parseProviderVersion(text) !== undefined;
}

/**
 * True when the provider at `version` reads identity binding (`useAzureTokenProxy`): v1.8.1 or later. `undefined`
 * is the AKS addon's provider; a version that does not parse reads nothing this function can vouch for.
 */
export function providerReadsIdentityBinding(version: string | undefined): boolean {
    const parsed = parseProviderVersion(version ?? AKS_ADDON_PROVIDER.version);
    const first = parseProviderVersion(IDENTITY_BINDING_PROVIDER_VERSION) as [number, number, number];
    if (!parsed) {
        return false;
    }
    const difference = parsed.map((part, index) => part - first[index]).find((part) => part !== 0) ?? 0;
    return difference >= 0;
}
