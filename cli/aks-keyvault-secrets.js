#!/usr/bin/env node
// The `aks-keyvault-secrets` command (`npx aks-keyvault-secrets migrate ...`, `npm run migrate -- ...`).
// The code lives in components/migration/cli.ts; this file only starts it: the built copy under bin/ when it
// is at least as new as the source (an installed package builds it in `prepare`), else the TypeScript source
// through ts-node (a development checkout).
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const source = path.join(root, "components", "migration", "cli.ts");
const built = path.join(root, "bin", "components", "migration", "cli.js");

function mtime(file) {
    try {
        return fs.statSync(file).mtimeMs;
    } catch {
        return undefined;
    }
}

function load() {
    const builtTime = mtime(built);
    const sourceTime = mtime(source);
    if (builtTime !== undefined && (sourceTime === undefined || builtTime >= sourceTime)) {
        return require(built);
    }
    if (sourceTime !== undefined) {
        require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
        return require(source);
    }
    throw new Error(`aks-keyvault-secrets: neither ${built} nor ${source} exists; run npm run build`);
}

load()
    .main(process.argv.slice(2))
    .then((code) => {
        process.exitCode = code;
    })
    .catch((error) => {
        process.stderr.write(`aks-keyvault-secrets: ${error && error.stack ? error.stack : error}\n`);
        process.exitCode = 1;
    });
