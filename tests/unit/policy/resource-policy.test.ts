/** policy/resource-policy.ts: what every policy is built from (forType, its config, the names in messages). */
import { expect } from "chai";
import { ResourcePolicy, displayName, forType, policyConfig } from "../../../policy/resource-policy";
import { U, policyProxy, violations } from "./fixtures";

/** A policy around one check, run through the same harness as the pack's policies. */
function policyOf(validateResource: ResourcePolicy["validateResource"]): ResourcePolicy {
    return { name: "test", description: "a policy built for this test only", enforcementLevel: "mandatory", validateResource };
}

describe("policy pack: forType", () => {
    const VAULT = /^azure-native:keyvault(\/v[0-9a-z]+)?:Vault$/;

    it("runs the check on resources of the matching type only", () => {
        const seen: string[] = [];
        const policy = policyOf(
            forType(VAULT, (args, reportViolation) => {
                seen.push(args.type);
                reportViolation(`checked ${args.name}`);
            }),
        );
        expect(violations(policy, { type: "azure-native:keyvault:Vault", name: "kv", props: {} })).to.deep.equal(["checked kv"]);
        expect(violations(policy, { type: "azure-native:keyvault/v20240401preview:Vault", name: "kv2", props: {} })).to.deep.equal([
            "checked kv2",
        ]);
        expect(violations(policy, { type: "azure-native:keyvault:Secret", props: {} })).to.deep.equal([]);
        expect(violations(policy, { type: "azure-native:storage:StorageAccount", props: {} })).to.deep.equal([]);
        expect(seen).to.deep.equal(["azure-native:keyvault:Vault", "azure-native:keyvault/v20240401preview:Vault"]);
    });

    it("skips the rest of a resource whose check touches an unknown value directly, keeping what it reported before", () => {
        const policy = policyOf(
            forType(VAULT, (args, reportViolation) => {
                reportViolation(`before: ${String(args.props.sku)}`);
                reportViolation(`after: ${String(args.props.properties.tenantId)}`);
            }),
        );
        expect(
            violations(policy, {
                type: "azure-native:keyvault:Vault",
                props: { sku: "standard", properties: { tenantId: U } },
                preview: true,
            }),
        ).to.deep.equal(["before: standard"]);
        expect(
            violations(policy, {
                type: "azure-native:keyvault:Vault",
                props: { sku: "standard", properties: { tenantId: "t" } },
                preview: true,
            }),
        ).to.deep.equal(["before: standard", "after: t"]);
    });

    it("lets every other error through", () => {
        const policy = policyOf(
            forType(VAULT, () => {
                throw new Error("a bug in the check");
            }),
        );
        expect(() => violations(policy, { type: "azure-native:keyvault:Vault", props: {} })).to.throw("a bug in the check");
    });
});

describe("policy pack: config and names", () => {
    const argsWith = (config: object) => ({ getConfig: <T extends object>() => config as T });

    it("merges a policy's config over its defaults, ignoring unset values and the enforcement level", () => {
        const defaults = { stacks: ["prod"], maxPollInterval: "10m" };
        expect(policyConfig(argsWith({}), defaults)).to.deep.equal(defaults);
        expect(
            policyConfig(argsWith({ stacks: ["dev"], maxPollInterval: undefined, enforcementLevel: "advisory" }), defaults),
        ).to.deep.equal({ stacks: ["dev"], maxPollInterval: "10m" });
        expect(defaults).to.deep.equal({ stacks: ["prod"], maxPollInterval: "10m" }, "the defaults are not changed");
    });

    it("names an Azure resource by its name property, else by its Pulumi name", () => {
        expect(displayName({ name: "platform-kv", props: { vaultName: "kv-prod" } }, "vaultName")).to.equal("kv-prod");
        expect(displayName({ name: "platform-kv", props: {} }, "vaultName")).to.equal("platform-kv");
        expect(displayName({ name: "platform-kv", props: { vaultName: "" } }, "vaultName")).to.equal("platform-kv");
        expect(displayName({ name: "platform-kv", props: policyProxy.unknownCheckingProxy({ vaultName: U }) }, "vaultName")).to.equal(
            "platform-kv",
        );
    });
});
