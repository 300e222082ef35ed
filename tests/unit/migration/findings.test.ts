import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { readManifestInputs } from "../../../cli/inputs";
import { migrate } from "../../../migration/convert/migrate";
import { FINDING_CODES, Finding, FindingCode, formatFinding } from "../../../migration/findings";
import { manifestsFromText } from "../../../migration/manifests";
import { FIXTURES, SPC_FIXTURES, TWO_IDENTITIES, manifestsOf, manifestsOfText } from "./helpers";

/**
 * One test per report message: every finding code the migration tools can produce, triggered by a fixture,
 * with its exact line as the report prints it (`[severity] subject where: message. Fix: fix.`).
 */

const BAD_NAMESPACE = `apiVersion: spv.no/v2beta1
kind: AzureKeyVaultSecret
metadata: { name: a, namespace: Team_A }
spec:
  vault: { name: kv-a, object: { name: a, type: secret } }
`;

/** Every finding of the scenarios, in order. */
async function allFindings(): Promise<Finding[]> {
    const everything = migrate([
        ...manifestsOf(
            "akv2k8s/mappings.yaml",
            "akv2k8s/versions.yaml",
            "akv2k8s/unsupported.yaml",
            "akv2k8s/kubectl-list.yaml",
            "akv2k8s/nested/deeper/no-namespace.yml",
            "workloads/shop.yaml",
            "workloads/legacy.yaml",
            "spc/hand-written.yaml",
            "spc/sp-workload.yaml",
            "basic/akv2k8s/mount-only-no-secret-name-v1alpha1.yaml",
            path.join(SPC_FIXTURES, "sync-tls-service-principal.yaml"),
            path.join(SPC_FIXTURES, "certificate-parts-and-pfx.yaml"),
        ),
        ...manifestsOf("akv2k8s/mappings.yaml").slice(0, 1),
    ]);
    const collisions = migrate(manifestsOf("spc/collision.yaml", "akv2k8s/kubectl-list.yaml"), {
        secretNames: { "billing/billing": "billing", "orders/missing": "x", "orders/orders-csi": "Not_Valid" },
        appNames: { billing: "Billing!", nowhere: "x" },
    });
    const twoIdentities = migrate(manifestsOfText(TWO_IDENTITIES));
    const badNamespace = migrate(manifestsOfText(BAD_NAMESPACE));
    const nothing = migrate([]);
    const invalidYaml = manifestsFromText("kind: [broken", "broken.yaml").findings;
    const unreadable = (await readManifestInputs(["does-not-exist.yaml"], { cwd: FIXTURES, readStdin: async () => "" })).findings;
    return [
        ...everything.findings,
        ...collisions.findings,
        ...twoIdentities.findings,
        ...badNamespace.findings,
        ...nothing.findings,
        ...invalidYaml,
        ...unreadable,
    ];
}

/** The expected first line of each code. */
const EXPECTED: Record<FindingCode, string> = JSON.parse(fs.readFileSync(path.join(FIXTURES, "golden/findings.json"), "utf8"));

describe("migration: one test per report message", () => {
    let findings: Finding[];
    before(async () => {
        findings = await allFindings();
        if (process.env.UPDATE_GOLDEN) {
            const lines = Object.fromEntries(
                FINDING_CODES.map((code) => [
                    code,
                    findings.find((f) => f.code === code) ? formatFinding(findings.find((f) => f.code === code)!) : "MISSING",
                ]),
            );
            fs.writeFileSync(path.join(FIXTURES, "golden/findings.json"), `${JSON.stringify(lines, null, 2)}\n`);
        }
    });

    it("the catalogue lists every code once", () => {
        expect(Object.keys(EXPECTED).sort()).to.deep.equal([...FINDING_CODES].sort());
    });

    for (const code of FINDING_CODES) {
        it(code, () => {
            const finding = findings.find((f) => f.code === code);
            expect(finding, `no scenario produces ${code}`).to.not.equal(undefined);
            expect(formatFinding(finding!)).to.equal(EXPECTED[code]);
        });
    }
});
