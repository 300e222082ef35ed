import { expect } from "chai";
import { parseCurrentRuntime, sameMajor, withLaneVersions } from "../current-runtime";

describe("the runtime lane current", () => {
    it("reads the node version and the packages of versions.json's currentRuntime, without its source", () => {
        const versions = JSON.stringify({
            pulumi: { cli: "9.1.0" },
            currentRuntime: { node: "30.2.1", "@pulumi/pulumi": "9.1.0", typescript: "7.0.1", source: "made up" },
        });
        expect(parseCurrentRuntime(versions)).to.deep.equal({
            node: "30.2.1",
            packages: { "@pulumi/pulumi": "9.1.0", typescript: "7.0.1" },
        });
    });

    it("sets the named packages where the manifest pins them, leaves peer ranges alone and names the rest", () => {
        const manifest = {
            name: "x",
            dependencies: { "@pulumi/policy": "1.0.0" },
            peerDependencies: { "@pulumi/pulumi": "^9.0.0" },
            devDependencies: { "@pulumi/pulumi": "9.0.0", mocha: "1.0.0" },
        };
        const changed = withLaneVersions(JSON.stringify(manifest), {
            "@pulumi/pulumi": "9.1.0",
            "@pulumi/policy": "1.1.0",
            typescript: "7.0.1",
        });
        expect(JSON.parse(changed.manifest)).to.deep.equal({
            ...manifest,
            dependencies: { "@pulumi/policy": "1.1.0" },
            devDependencies: { "@pulumi/pulumi": "9.1.0", mocha: "1.0.0" },
        });
        expect(changed.unnamed).to.deep.equal(["typescript"]);
    });

    it("takes the machine's node when its major is the lane's", () => {
        expect(sameMajor("v30.0.4", "30.2.1")).to.equal(true);
        expect(sameMajor("v3.0.4", "30.2.1")).to.equal(false);
    });
});
