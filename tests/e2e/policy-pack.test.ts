/**
 * End to end: `pulumi preview --policy-pack policy` on the local stack with the real engine. The pack runs through
 * the older CLI of the toolchain (`pulumi-policy-cli`, see docs/toolchain.md): the current CLI would need the
 * current Node.js language host, which cannot be built offline.
 */
import { expect } from "chai";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Stack } from "@pulumi/pulumi/automation";
import { REPO_ROOT, openLocalStack } from "../../localenv/harness/stack";
import { LocalEnvironment, startLocalEnvironment } from "../../localenv/harness/environment";
import { policyPulumi, toolchainPaths } from "../../localenv/harness/localenv";

const POLICY_PACK = path.join(REPO_ROOT, "policy");

/** A hand edit the program would never make: the provider silently ignores the mis-cased key. */
const misCasedParameter: pulumi.ResourceTransform = (args) =>
    args.type.endsWith(":SecretProviderClass") && args.name === "orders-api-spc"
        ? {
              props: {
                  ...args.props,
                  spec: {
                      ...args.props.spec,
                      parameters: { ...args.props.spec.parameters, userAssignedIdentityId: "3b1d7f0e-5a2c-4e8b-9d6f-1a2b3c4d5e6f" },
                  },
              },
              opts: args.opts,
          }
        : undefined;

/** A hand edit the component refuses: a label with the sync controller's reserved prefix on a SecretSync's Secret. */
const reservedSecretSyncLabel: pulumi.ResourceTransform = (args) =>
    args.type.endsWith(":SecretSync") && args.name === "orders-notifier-secretsync-orders-notifier-smtp"
        ? {
              props: {
                  ...args.props,
                  spec: {
                      ...args.props.spec,
                      secretObject: { ...args.props.spec.secretObject, labels: { "secrets-store.sync.x-k8s.io/secretsync": "mine" } },
                  },
              },
              opts: args.opts,
          }
        : undefined;

describe("policy pack on the local stack (real engine)", function () {
    this.timeout(10 * 60 * 1000);
    let environment: LocalEnvironment | undefined;
    const stacks: Record<string, Stack> = {};

    before(async () => {
        environment = await startLocalEnvironment("akv-e2e-policy");
        // The analyzer plugin sits beside the policy CLI; the pack runs on the Node.js language host.
        const policyCli = policyPulumi();
        const options = {
            ...environment.stackOptions,
            pulumiBinary: policyCli,
            extraPath: [path.dirname(policyCli), path.dirname(toolchainPaths()["pulumi-language-nodejs"])],
        };
        stacks.clean = await openLocalStack({ ...options, stackName: "policy-clean" });
        stacks.violating = await openLocalStack({
            ...options,
            stackName: "policy-violating",
            transforms: [misCasedParameter, reservedSecretSyncLabel],
        });
    });

    after(() => environment?.stop());

    it("passes the committed local stack (no mandatory violation)", async () => {
        let output = "";
        const preview = await stack("clean").preview({ policyPacks: [POLICY_PACK], onOutput: (text) => (output += text) });
        expect(preview.changeSummary).to.deep.equal({ create: 19 });
        expect(output).to.not.contain("[mandatory]");
    });

    it("blocks the preview on mandatory violations: a mis-cased SecretProviderClass parameter, a SecretSync label the controller reserves", async () => {
        let output = "";
        const error = await stack("violating")
            .preview({ policyPacks: [POLICY_PACK], onOutput: (text) => (output += text) })
            .then(
                () => undefined,
                (e: Error) => e,
            );
        expect(error, "the preview must fail").to.be.instanceOf(Error);
        expect(output).to.contain("[mandatory]");
        expect(output).to.contain("secret-provider-class-well-formed");
        expect(output).to.contain("orders-api-spc");
        expect(output).to.contain('spell it "userAssignedIdentityID"');
        expect(output).to.contain("secret-sync-well-formed");
        expect(output).to.contain(
            'SecretSync "orders/orders-notifier-smtp": spec.secretObject.labels["secrets-store.sync.x-k8s.io/secretsync"]: starts with secrets-store.sync.x-k8s.io',
        );
    });

    function stack(name: string): Stack {
        return stacks[name];
    }
});
