/** The package's entry points: what package.json maps, and a Kubernetes-only stack without the Azure SDKs. */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");
const FIXTURE = path.join(ROOT, "tests/fixtures/kubernetes-only");
const packageJson = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

describe("entry points", () => {
    it("package.json maps '.' and './kubernetes' to the built index and kubernetes modules; the Azure SDKs are optional peers", () => {
        expect(packageJson.exports["."]).to.deep.equal({ types: "./bin/components/index.d.ts", default: "./bin/components/index.js" });
        expect(packageJson.exports["./kubernetes"]).to.deep.equal({
            types: "./bin/components/kubernetes.d.ts",
            default: "./bin/components/kubernetes.js",
        });
        expect(packageJson.main).to.equal("bin/components/index.js");
        // TypeScript's classic (node10) resolution ignores `exports`: typesVersions gives it the subpath's types.
        expect(packageJson.typesVersions["*"].kubernetes).to.deep.equal(["bin/components/kubernetes.d.ts"]);
        expect(packageJson.peerDependenciesMeta).to.deep.equal({
            "@pulumi/azure-native": { optional: true },
            "@pulumi/azuread": { optional: true },
        });
        expect(Object.keys(packageJson.peerDependencies)).to.include.members(["@pulumi/azure-native", "@pulumi/azuread"]);
    });

    it("a stack on the Kubernetes entry point runs without @pulumi/azure-native and @pulumi/azuread, and says to install them only for an identity it creates", function () {
        this.timeout(120000);
        const run = spawnSync(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", "-r", path.join(FIXTURE, "without-azure-sdks.ts"), path.join(FIXTURE, "stack.ts")],
            { cwd: ROOT, encoding: "utf8" },
        );
        expect(run.status, run.stderr).to.equal(0);
        const result = JSON.parse(run.stdout.trim().split("\n").pop()!);
        expect(result.azureSdkFiles).to.deep.equal([]);
        expect(result.types).to.include.members([
            "akvsecrets:index:AppWorkload",
            "akvsecrets:index:IdentityBindingAccess",
            "kubernetes:apps/v1:Deployment",
            "kubernetes:core/v1:ServiceAccount",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
            "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass",
        ]);
        expect(result.types.filter((type: string) => type.startsWith("azure"))).to.deep.equal([]);
        expect(result.managedIdentity).to.contain(
            'app "payments" with a managed identity creates Azure resources: install @pulumi/azure-native and @pulumi/azuread',
        );
        // The hook works: the main entry point, which declares Azure resources, does not load without them.
        expect(result.mainEntryPoint).to.contain("Cannot find module '@pulumi/azure-native");
    });
});
