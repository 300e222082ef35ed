package main

import (
	"fmt"
)

func init() {
	register("check", "one line per tool, ok or missing; exit 1 when one is missing: [--for PURPOSE]... [--lane L]", runCheck)
}

func runCheck(args []string) error {
	tc, tools, err := selectedTools("check", args)
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
