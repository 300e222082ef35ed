package main

import (
	"os"

	"aks-keyvault-secrets/localenv/internal/toolchain"
)

func init() {
	register("build", "build missing tools into the cache: [--for PURPOSE]... [--lane L] [TOOL...] (default all)", runBuild)
}

func runBuild(args []string) error {
	flags := newFlags("build")
	var purposes repeatable
	flags.Var(&purposes, "for", purposeHelp+" (repeatable)")
	lane := flags.String("lane", "", "the driver/provider lane of versions.json (default: its default lane)")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	tc, err := openToolchain(*lane)
	if err != nil {
		return err
	}
	tools, err := toolchain.Select(purposes, flags.Args())
	if err != nil {
		return err
	}
	// build messages on stderr: a command's stdout stays its answer
	return tc.Build(tools, os.Stderr)
}
