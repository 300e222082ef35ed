/**
 * Moving to this project from akv2k8s and from hand-written SecretProviderClass YAML: the converter behind the
 * `aks-keyvault-secrets migrate` command, adoption of SecretProviderClass manifests, the side-by-side safety
 * checks, and the resource transform that wires Key Vault secrets into Helm-deployed workloads.
 */
export * from "./findings";
export { SourcedManifest, ReadManifests, manifestsFromText } from "./manifests";
export { readManifestInputs } from "./inputs";
export * from "./akv2k8s";
export * from "./mapping";
export * from "./names";
export * from "./application";
export { AdoptOptions, adoptSecretProviderClass, isSecretProviderClass } from "./adopt";
export * from "./convert";
export { reportText, stackConfigDocuments, stackConfigYaml, typescriptFor, workloadYaml } from "./emit";
export { main as runMigrationCli, USAGE as MIGRATION_CLI_USAGE, CliIo } from "./cli";
