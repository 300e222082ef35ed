/**
 * What loading the network SDK modules costs a program that has already loaded the others it uses: the reason the
 * KeyVault component loads its private endpoint module only when one is configured. Prints CPU and wall ms of
 * loading the two modules' indexes and then of the four resource classes the endpoint uses.
 *
 *   node -r ts-node/register/transpile-only localenv/bench/network-modules.ts
 */
/* eslint-disable @typescript-eslint/no-require-imports */
function timed(run: () => void): { cpuMs: number; wallMs: number } {
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    run();
    const used = process.cpuUsage(cpu);
    return { cpuMs: (used.user + used.system) / 1000, wallMs: Number(process.hrtime.bigint() - start) / 1e6 };
}

for (const module of [
    "@pulumi/pulumi",
    "@pulumi/kubernetes",
    "@pulumi/azure-native/keyvault",
    "@pulumi/azure-native/containerservice",
    "@pulumi/azure-native/authorization",
    "@pulumi/azure-native/managedidentity",
]) {
    require(module);
}
let network: Record<string, unknown> = {};
let privatedns: Record<string, unknown> = {};
const indexes = timed(() => {
    network = require("@pulumi/azure-native/network");
    privatedns = require("@pulumi/azure-native/privatedns");
});
const classes = timed(() => [network.PrivateEndpoint, network.PrivateDnsZoneGroup, privatedns.PrivateZone, privatedns.VirtualNetworkLink]);
process.stdout.write(`${JSON.stringify({ indexes, classes })}\n`);
