/**
 * policy/package.json: the pack installs its own dependencies for the engine, while its type check and the tests
 * resolve them from the root. Every package both name is pinned to one version, and both lock files hold it.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..", "..");

interface Manifest {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
}

/** A lock file: its own entry (`""`) restates the manifest, the others are what gets installed. */
interface LockFile {
    packages: Record<string, Manifest & { version?: string }>;
}

function json<T>(...parts: string[]): T {
    return JSON.parse(fs.readFileSync(path.join(ROOT, ...parts), "utf8"));
}

/** What a manifest installs (peer ranges are the consumer's business, not what runs here). */
function installed(manifest: Manifest): Record<string, string> {
    return { ...manifest.dependencies, ...manifest.devDependencies };
}

describe("policy pack: dependencies", () => {
    const root = installed(json<Manifest>("package.json"));
    const pack = installed(json<Manifest>("policy", "package.json"));
    const shared = Object.keys(pack).filter((name) => name in root);

    it("pins every package it shares with the root to the root's exact version", () => {
        expect(shared).to.include.members(["@pulumi/policy", "@pulumi/pulumi", "typescript"]);
        for (const name of shared) {
            expect(pack[name], `${name} in policy/package.json`).to.match(/^\d+\.\d+\.\d+$/);
            expect(root[name], `${name} in package.json`).to.equal(pack[name]);
        }
    });

    it("resolves those packages to the same version in both lock files", () => {
        const rootLock = json<LockFile>("package-lock.json");
        const packLock = json<LockFile>("policy", "package-lock.json");
        for (const name of shared) {
            expect(rootLock.packages[`node_modules/${name}`]?.version, `${name} in package-lock.json`).to.equal(pack[name]);
            expect(packLock.packages[`node_modules/${name}`]?.version, `${name} in policy/package-lock.json`).to.equal(pack[name]);
            expect(installed(rootLock.packages[""])[name], `${name} in package-lock.json's own entry`).to.equal(pack[name]);
            expect(installed(packLock.packages[""])[name], `${name} in policy/package-lock.json's own entry`).to.equal(pack[name]);
        }
    });
});
