// ESLint: correctness only; layout is prettier's alone (eslint-config-prettier, last, turns off every rule that
// would disagree with it). `npm run lint` (--max-warnings 0) in .ci/run and the PR workflow.
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";

const TEST_FILES = ["tests/**/*.ts", "localenv/**/test/**/*.ts", ".github/preview-gate/test/**/*.ts"];

export default defineConfig(
    globalIgnores(["**/node_modules/", "bin/", ".local/", ".pulumi-state/", "docs/api/"]),
    { linterOptions: { reportUnusedDisableDirectives: "error" } },
    js.configs.recommended,
    // recommended + strict: the rules that need no type information.
    tseslint.configs.strict,
    {
        files: ["**/*.ts"],
        languageOptions: {
            // The programs tsc checks: the root one, the policy pack (its own package, its own tsconfig) and the
            // README's example stack (which imports the package by its name).
            parserOptions: {
                project: ["./tsconfig.json", "./policy/tsconfig.json", "./docs/examples/tsconfig.json"],
                tsconfigRootDir: import.meta.dirname,
            },
        },
        // A few rules that need the type checker, for bugs tsc lets through. They make a run about three times as
        // long (about 20 s of CPU instead of 7; tsc --noEmit takes 11). Not all of strictTypeChecked: that adds about
        // 1,260 findings (most are no-unsafe-* on the untyped JSON the tests and the lab read), 2 GB of memory and
        // four times the run time again.
        rules: {
            // an unawaited promise: a cleanup that has not finished when the process ends, a rejection nobody sees
            // (pulumi.log.*: the SDK keeps the program alive until the message is sent and catches its own errors)
            "@typescript-eslint/no-floating-promises": [
                "error",
                { allowForKnownSafeCalls: [{ from: "package", package: "@pulumi/pulumi", name: ["debug", "info", "warn", "error"] }] },
            ],
            "@typescript-eslint/no-misused-promises": "error",
            "@typescript-eslint/await-thenable": "error",
            // an API marked @deprecated (e.g. zod's `message`), before the next major version removes it
            "@typescript-eslint/no-deprecated": "error",
            "@typescript-eslint/no-unnecessary-type-assertion": "error",
            // As tsc's noUnusedLocals/noUnusedParameters: a leading underscore marks a name kept on purpose (a
            // parameter a signature needs, a key left out of a rest: `const { source: _source, ...rest } = o`).
            "@typescript-eslint/no-unused-vars": [
                "error",
                {
                    argsIgnorePattern: "^_",
                    varsIgnorePattern: "^_",
                    caughtErrorsIgnorePattern: "^_",
                    destructuredArrayIgnorePattern: "^_",
                    ignoreRestSiblings: true,
                },
            ],
        },
    },
    {
        files: TEST_FILES,
        rules: {
            // A test that dereferences a missing value fails with a TypeError on that line, which is the assertion
            // the `!` stands for; spelling each one out as an expect() adds lines and catches nothing more.
            "@typescript-eslint/no-non-null-assertion": "off",
            // Tests read untyped documents by path (mocked resource inputs, the API server's JSON, Pulumi state
            // files, parsed YAML); the assertions check the values, a type on each path would not catch more.
            "@typescript-eslint/no-explicit-any": "off",
        },
    },
    prettier,
);
