#!/usr/bin/env node
// The `aks-keyvault-secrets` command. Installed, the package's bin runs the build of this file
// (bin/cli/aks-keyvault-secrets.js, made by `prepare`); in a checkout, `npm run migrate -- ...` runs it
// through ts-node, or `npm run build` makes the same build.
import { main } from "./main";
import { unexpectedErrorText } from "./unexpected";

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (error: unknown) => {
        process.stderr.write(unexpectedErrorText(error, process.env));
        process.exitCode = 1;
    },
);
