import { expect } from "chai";
import { parseCurrentRuntime, sameMajor, withLaneDevDependencies } from "../current-runtime";

describe("the runtime lane current", () => {
    it("reads the node version and the packages of versions.json's currentRuntime, without its source", () => {
        const versions = JSON.stringify({ pulumi: { cli: "9.1.0" }, currentRuntime: { node: "30.2.1", "@pulumi/pulumi": "9.1.0", typescript: "7.0.1", source: "made up" } });
        expect(parseCurrentRuntime(versions)).to.deep.equal({ node: "30.2.1", packages: { "@pulumi/pulumi": "9.1.0", typescript: "7.0.1" } });
    });

    it("sets only the named devDependencies and leaves dependencies and peer ranges alone", () => {
        const manifest = { name: "x", dependencies: { yaml: "1.0.0" }, peerDependencies: { "@pulumi/pulumi": "^9.0.0" }, devDependencies: { "@pulumi/pulumi": "9.0.0", mocha: "1.0.0" } };
        const changed = JSON.parse(withLaneDevDependencies(JSON.stringify(manifest), { "@pulumi/pulumi": "9.1.0" }));
        expect(changed).to.deep.equal({ ...manifest, devDependencies: { "@pulumi/pulumi": "9.1.0", mocha: "1.0.0" } });
    });

    it("refuses a package that is not a devDependency (a typo would install nothing the tests use)", () => {
        expect(() => withLaneDevDependencies(JSON.stringify({ devDependencies: {} }), { "@pulumi/pulumii": "9.1.0" })).to.throw(/@pulumi\/pulumii/);
    });

    it("takes the machine's node when its major is the lane's", () => {
        expect(sameMajor("v30.0.4", "30.2.1")).to.equal(true);
        expect(sameMajor("v3.0.4", "30.2.1")).to.equal(false);
    });
});
