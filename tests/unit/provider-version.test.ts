/** Which Azure Key Vault provider releases read identity binding: the pure core of the program's rule (fast-check). */
import { expect } from "chai";
import fc from "fast-check";
import {
    AKS_ADDON_PROVIDER,
    IDENTITY_BINDING_PROVIDER_VERSION,
    isProviderVersion,
    parseProviderVersion,
    providerReadsIdentityBinding,
} from "../../components/secret-provider-class/provider-version";

const part = fc.nat({ max: 30 });
const release = fc.tuple(part, part, part);
const written = (version: readonly number[], prefix: boolean) => `${prefix ? "v" : ""}${version.join(".")}`;
/** Lexicographic order of releases, written out independently of the module's own comparison. */
const atLeast = ([a, b, c]: readonly number[], [x, y, z]: readonly number[]) => a > x || (a === x && (b > y || (b === y && c >= z)));

describe("provider releases and identity binding", () => {
    it("reads releases as major.minor.patch, with or without a leading v, and nothing else", () => {
        expect(parseProviderVersion("1.8.2")).to.deep.equal([1, 8, 2]);
        expect(parseProviderVersion("v1.10.0")).to.deep.equal([1, 10, 0]);
        for (const text of ["1.8", "1.8.2-rc.1", "V1.8.2", " 1.8.2", "01.8.2", "1.8.x", ""]) {
            expect(isProviderVersion(text), text).to.equal(false);
        }
    });

    it("never accepts a release before v1.8.1, always accepts v1.8.1 and later (property)", () => {
        const first = parseProviderVersion(IDENTITY_BINDING_PROVIDER_VERSION)!;
        fc.assert(
            fc.property(release, fc.boolean(), (version, prefix) => {
                expect(providerReadsIdentityBinding(written(version, prefix))).to.equal(atLeast(version, first));
            }),
        );
        // The boundary, whatever the generator draws.
        expect(["1.8.0", "1.7.99", "0.99.99"].map(providerReadsIdentityBinding)).to.deep.equal([false, false, false]);
        expect(["1.8.1", "1.9.0", "2.0.0"].map(providerReadsIdentityBinding)).to.deep.equal([true, true, true]);
    });

    it("takes an absent version as the AKS addon's provider, which does not read it; and vouches for no text that is not a release", () => {
        expect(AKS_ADDON_PROVIDER.version).to.equal("1.7.2");
        expect(providerReadsIdentityBinding(undefined)).to.equal(false);
        fc.assert(
            fc.property(fc.string(), (text) => {
                fc.pre(!isProviderVersion(text));
                expect(providerReadsIdentityBinding(text)).to.equal(false);
            }),
        );
    });
});
