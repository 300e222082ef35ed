/**
 * policy/policies.ts against what users read and configure: the policy table of docs/ci.md, and the per-stack config
 * files that pulumi/actions passes with the pack.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { policies } from "../../../policy/policies";

const ROOT = path.join(__dirname, "..", "..", "..");
const STACKS = ["dev", "prod"];

interface DocumentedPolicy {
    name: string;
    stackPolicy: boolean;
    level: string;
    /** The stack whose config file makes the policy mandatory ("advisory; **mandatory in prod** via config"). */
    mandatoryIn?: string;
}

/** The rows of the policy table in docs/ci.md. */
function documentedPolicies(): DocumentedPolicy[] {
    const text = fs.readFileSync(path.join(ROOT, "docs", "ci.md"), "utf8");
    return [...text.matchAll(/^\| `([a-z0-9-]+)`( \(stack\))? \| ([a-z]+)(?:; \*\*mandatory in ([a-z]+)\*\* via config)? \|/gm)].map(
        (match) => ({
            name: match[1],
            stackPolicy: match[2] !== undefined,
            level: match[3],
            mandatoryIn: match[4],
        }),
    );
}

function stackConfig(stack: string): Record<string, Record<string, unknown>> {
    return JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "config", `${stack}.json`), "utf8"));
}

describe("policy pack", () => {
    it("is the table of docs/ci.md: every policy with its level and kind (resource or stack), and no other", () => {
        const documented = documentedPolicies();
        expect(documented.map((row) => row.name).sort()).to.deep.equal(policies.map((policy) => policy.name).sort());
        for (const row of documented) {
            const policy = policies.find((candidate) => candidate.name === row.name)!;
            expect(policy.enforcementLevel, row.name).to.equal(row.level);
            expect("validateStack" in policy, `${row.name} is a stack policy`).to.equal(row.stackPolicy);
        }
    });

    it("gives every policy what the engine prints with a violation: remediation steps, a URL and tags", () => {
        for (const policy of policies) {
            expect(policy.remediationSteps, policy.name).to.be.a("string").and.not.equal("");
            expect(() => new URL(policy.url ?? ""), policy.name).to.not.throw();
            expect(policy.tags, policy.name).to.be.an("array").that.has.lengthOf.above(0);
        }
    });

    for (const stack of STACKS) {
        it(`policy/config/${stack}.json configures only policies and properties that exist, at the levels docs/ci.md gives for ${stack}`, () => {
            const configuration = stackConfig(stack);
            for (const [name, settings] of Object.entries(configuration)) {
                const policy = policies.find((candidate) => candidate.name === name);
                expect(policy, `${name} is a policy`).to.not.equal(undefined);
                for (const key of Object.keys(settings).filter((setting) => setting !== "enforcementLevel")) {
                    expect(policy?.configSchema?.properties, `${name}.${key}`).to.have.property(key);
                }
            }
            for (const row of documentedPolicies()) {
                const effective = configuration[row.name]?.enforcementLevel ?? row.level;
                expect(effective, `${row.name} in ${stack}`).to.equal(row.mandatoryIn === stack ? "mandatory" : row.level);
            }
        });
    }
});
