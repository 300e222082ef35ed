/**
 * Shared by the migration*.test.ts files: fixture paths, reading manifests, and the program's own checks of
 * converted apps (its stack config schema and the AppWorkload checks), so the tests prove the output is
 * accepted by the program, not only by the converter.
 */
import * as fs from "fs";
import * as path from "path";
import { expect } from "chai";
import { appWorkloadProblems } from "../../../components/workload/validate";
import { VaultApplication, applicationConfig } from "../../../migration/application";
import { migrate } from "../../../migration/convert/migrate";
import { MigrateOptions, MigrationResult } from "../../../migration/convert/types";
import { Finding, FindingCode } from "../../../migration/findings";
import { SourcedManifest, manifestsFromText } from "../../../migration/manifests";
import { parseStackConfig, stackConfigSchema, toAppWorkloadArgs } from "../../../program/config";
import { TENANT_ID } from "../../mocks";

export const FIXTURES = path.resolve(__dirname, "../../fixtures/migration");
export { SPC_FIXTURES } from "../fixture-paths";

/** Manifests of fixture files (paths relative to tests/fixtures/migration, or absolute). */
export function manifestsOf(...files: string[]): SourcedManifest[] {
    return files.flatMap((file) => {
        const absolute = path.isAbsolute(file) ? file : path.join(FIXTURES, file);
        const read = manifestsFromText(fs.readFileSync(absolute, "utf8"), path.basename(file));
        expect(read.findings, `${file} parses`).to.deep.equal([]);
        return read.manifests;
    });
}

/** Manifests of an inline YAML text. */
export function manifestsOfText(text: string): SourcedManifest[] {
    const read = manifestsFromText(text, "inline.yaml");
    expect(read.findings).to.deep.equal([]);
    return read.manifests;
}

/** Runs the converter on fixture files. */
export function convert(files: string[], options: MigrateOptions = {}): MigrationResult {
    return migrate(manifestsOf(...files), options);
}

export function withCode(result: { findings: Finding[] } | Finding[], code: FindingCode): Finding[] {
    return (Array.isArray(result) ? result : result.findings).filter((finding) => finding.code === code);
}

export function appNamed(result: MigrationResult, name: string): VaultApplication {
    const found = result.applications.find(({ app }) => app.name === name);
    expect(found, `app ${name} in ${result.applications.map(({ app }) => app.name).join(", ")}`).to.not.equal(undefined);
    return found!;
}

/**
 * Asserts what the program would do with the converted apps: each vault's list parses with the stack config
 * schema, passes the AppWorkload checks, and a whole stack config with it passes parseStackConfig.
 */
export function expectAcceptedByProgram(applications: readonly VaultApplication[]): void {
    const vaults = [...new Set(applications.map(({ vault }) => vault))];
    for (const vault of vaults) {
        const apps = applications.filter((entry) => entry.vault === vault).map(({ app }) => applicationConfig(app));
        const parsed = stackConfigSchema.shape.applications.safeParse(apps);
        expect(parsed.success, `${vault}: ${parsed.success ? "" : JSON.stringify(parsed.error.issues)}`).to.equal(true);
        for (const app of parsed.data!) {
            const problems = appWorkloadProblems(
                app.name,
                toAppWorkloadArgs(app, { keyVaultName: vault, tenantId: TENANT_ID, addonClientId: "0f4c8b1e-3c2a-4a55-9d1e-6b7a8c9d0e1f" }),
            );
            expect(problems, `${vault}/${app.name}`).to.deep.equal([]);
        }
        expect(
            () =>
                parseStackConfig({
                    azure: { location: "westeurope", resourceGroupName: "rg-apps" },
                    // A provider that reads every identity mode a hand-written class may use (identity binding from v1.8.1).
                    cluster: {
                        mode: "external",
                        addonIdentityClientId: "0f4c8b1e-3c2a-4a55-9d1e-6b7a8c9d0e1f",
                        oidcIssuerUrl: "https://oidc.example/issuer/",
                        keyVaultProvider: { version: "1.8.2" },
                    },
                    keyVault: {
                        mode: "external",
                        name: vault.length >= 3 ? vault : `${vault}-kv`,
                        tenantId: TENANT_ID,
                        id: `/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/${vault}`,
                    },
                    applications: apps,
                }),
            vault,
        ).to.not.throw();
    }
}

/** Two AKVS of one namespace and vault with different identities, and a Deployment that reads both. */
export const TWO_IDENTITIES = `apiVersion: spv.no/v2beta1
kind: AzureKeyVaultSecret
metadata: { name: a, namespace: two }
spec:
  vault: { name: kv-two, azureIdentity: { name: id-a }, object: { name: a, type: secret } }
---
apiVersion: spv.no/v2beta1
kind: AzureKeyVaultSecret
metadata: { name: b, namespace: two }
spec:
  vault: { name: kv-two, azureIdentity: { name: id-b }, object: { name: b, type: secret } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: both, namespace: two }
spec:
  selector: { matchLabels: { app: both } }
  template:
    metadata: { labels: { app: both } }
    spec:
      containers:
        - { name: app, image: "app:1", env: [{ name: A, value: a@azurekeyvault }, { name: B, value: b@azurekeyvault }] }
`;

/** An AzureKeyVaultSecret manifest with the given spec (YAML, indented under spec:). */
export function akvs(spec: string, apiVersion = "spv.no/v2beta1", name = "x", namespace = "ns"): string {
    return `apiVersion: ${apiVersion}\nkind: AzureKeyVaultSecret\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n${spec
        .trim()
        .split("\n")
        .map((line) => `  ${line}`)
        .join("\n")}\n`;
}

/** An env var of a patched manifest. */
export type Env = { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } };

/** The pod spec of a workload manifest. */
export function podSpecOf(manifest: Record<string, any>): Record<string, any> {
    return manifest.kind === "CronJob" ? manifest.spec.jobTemplate.spec.template.spec : manifest.spec.template.spec;
}
