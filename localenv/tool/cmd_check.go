package main

import (
	"fmt"

	"aks-keyvault-secrets/localenv/internal/toolchain"
)

func init() {
	register("check", "one line per tool, ok or missing; exit 1 when one is missing: [--for PURPOSE]... [--lane L]", runCheck)
}

func runCheck(args []string) error {
	flags := newFlags("check")
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
	missing := false
	for _, tool := range tools {
		state := "ok"
		if !tc.Built(tool) {
			state, missing = "missing", true
		}
		fmt.Printf("%-7s %s %s\n", state, tool.Name, tc.Version(tool))
	}
	if missing {
		return exitError{1}
	}
	return nil
}
