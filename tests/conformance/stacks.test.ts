import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CONFIG_NAMESPACE, parseStackConfig } from "../../program/config";
import { runProgram } from "../../program/main";
import { Registration, ofType, resetRegistrations, settle, valueOf } from "../mocks";
import { OracleCase, runOracle } from "./oracle";
import { report } from "./report";

const ROOT = path.resolve(__dirname, "../..");
const STACKS = ["dev", "prod", "local"];
const SPC_TYPE = "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass";

/** The project namespace of a stack file's config, as the program reads it. */
function stackConfig(stack: string): Record<string, unknown> {
    const file = YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"));
    return Object.fromEntries(
        Object.entries(file.config as Record<string, unknown>)
            .filter(([key]) => key.startsWith(`${CONFIG_NAMESPACE}:`))
            .map(([key, value]) => [key.slice(CONFIG_NAMESPACE.length + 1), value]),
    );
}

/** The nodePublishSecretRef a registered Deployment passes to a class's CSI volume, if any. */
function nodePublishSecretRefOf(deployments: Registration[], namespace: string, className: string): string | undefined {
    for (const deployment of deployments.filter((d) => d.inputs.metadata?.namespace === namespace)) {
        for (const volume of deployment.inputs.spec?.template?.spec?.volumes ?? []) {
            if (volume.csi?.volumeAttributes?.secretProviderClass === className) {
                return volume.csi.nodePublishSecretRef?.name;
            }
        }
    }
    return undefined;
}

describe("the project's own stacks (dev, prod, local) as rendered by the program under mocks", () => {
    const cases: OracleCase[] = [];

    before(async function () {
        this.timeout(600_000);
        for (const stack of STACKS) {
            resetRegistrations();
            await valueOf((await runProgram(parseStackConfig(stackConfig(stack)))).applications);
            await settle();
            const deployments = ofType("kubernetes:apps/v1:Deployment");
            for (const registration of ofType(SPC_TYPE)) {
                const { metadata, spec, apiVersion, kind } = registration.inputs;
                const ref = nodePublishSecretRefOf(deployments, metadata.namespace, metadata.name);
                cases.push({
                    id: `${stack}/${registration.name}`,
                    manifest: { apiVersion, kind, metadata, spec },
                    ...(ref ? { nodePublishSecretRef: ref } : {}),
                });
            }
        }
    });

    it("renders classes for every stack", () => {
        expect(STACKS.every((stack) => cases.some((c) => c.id.startsWith(`${stack}/`)))).to.equal(true);
    });

    it("every class the program declares passes upstream (provider, driver, API server)", async function () {
        this.timeout(600_000);
        const { verdicts } = await runOracle(cases);
        const failing = cases.filter((c) => verdicts.get(c.id)!.verdict !== "PASS");
        report("stacks", { classes: cases.length, ids: cases.map((c) => c.id), failing: failing.map((c) => c.id) });
        expect(
            failing.map((c) => `${c.id}: ${(verdicts.get(c.id)!.failures ?? []).map((f) => `${f.stage}: ${f.error}`).join(" | ")}`),
        ).to.deep.equal([]);
    });
});
