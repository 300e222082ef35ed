/** policy/policies.ts: the list of the pack's policies, and the per-stack config files that name them. */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { keyVaultPrivateEndpoint, keyVaultPublicNetworkAccess } from "../../../policy/key-vault";
import { aksSecretRotation } from "../../../policy/cluster";
import { policies } from "../../../policy/policies";
import { StackPolicy } from "../../../policy/resource-policy";

describe("policy pack", () => {
    it("has unique names, descriptions, enforcement levels and one validate function per policy", () => {
        const names = policies.map((policy) => policy.name);
        expect(new Set(names).size).to.equal(names.length);
        expect(names).to.have.length(12);
        for (const policy of policies) {
            expect(policy.name).to.match(/^[a-z0-9-]+$/);
            // What the engine shows next to a violation: how to fix it, where to read more, how to group it.
            expect(policy.remediationSteps?.length ?? 0, policy.name).to.be.greaterThan(40);
            expect(policy.url, policy.name).to.match(/^https:\/\/[a-z0-9.-]+\/[^\s]+$/);
            expect(policy.tags?.length ?? 0, policy.name).to.be.greaterThan(0);
            expect(policy.description.length, policy.name).to.be.greaterThan(40);
            expect(["advisory", "mandatory"]).to.include(policy.enforcementLevel);
            expect(typeof ("validateResource" in policy ? policy.validateResource : (policy as StackPolicy).validateStack)).to.equal("function");
        }
        expect(aksSecretRotation.enforcementLevel).to.equal("advisory");
        expect(keyVaultPublicNetworkAccess.enforcementLevel).to.equal("advisory");
        expect(keyVaultPrivateEndpoint.enforcementLevel).to.equal("advisory");
    });

    for (const stack of ["dev", "prod"]) {
        it(`policy/config/${stack}.json only configures policies and properties that exist`, () => {
            const file = path.join(__dirname, "..", "..", "..", "policy", "config", `${stack}.json`);
            const configuration = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, Record<string, unknown>>;
            for (const [name, settings] of Object.entries(configuration)) {
                const policy = policies.find((candidate) => candidate.name === name);
                expect(policy, `${name} is a policy`).to.not.equal(undefined);
                for (const key of Object.keys(settings)) {
                    if (key === "enforcementLevel") {
                        expect(["advisory", "mandatory", "disabled"]).to.include(settings[key]);
                    } else {
                        expect(policy?.configSchema?.properties, `${name}.${key}`).to.have.property(key);
                    }
                }
            }
        });
    }

    it("makes secret rotation mandatory in prod only", () => {
        const read = (stack: string) => JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "..", "policy", "config", `${stack}.json`), "utf8"));
        expect(read("prod")["aks-keyvault-secret-rotation"].enforcementLevel).to.equal("mandatory");
        expect(read("dev")["aks-keyvault-secret-rotation"].enforcementLevel).to.equal("advisory");
    });
});
