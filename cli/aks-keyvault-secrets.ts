#!/usr/bin/env node
// The `aks-keyvault-secrets` command. Installed, the package's bin runs the build of this file
// (bin/cli/aks-keyvault-secrets.js, made by `prepare`); in a checkout, `npm run migrate -- ...` runs it
// through ts-node, or `npm run build` makes the same build.
import { main } from "./main";
import { unexpectedErrorText } from "./unexpected";

// Errors outside main's promise (a stream's error event, such as EPIPE when the reader of stdout is gone) get the
// same one line instead of Node.js's stack trace.
process.on("uncaughtException", (error) => {
    process.stderr.write(unexpectedErrorText(error, process.env));
    process.exit(1);
});

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (error: unknown) => {
        process.stderr.write(unexpectedErrorText(error, process.env));
        process.exitCode = 1;
    },
);
