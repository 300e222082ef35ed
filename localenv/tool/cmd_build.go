package main

import (
	"os"
)

func init() {
	register("build", "build missing tools into the cache: [--for PURPOSE]... [--lane L] [TOOL...] (default all)", runBuild)
}

func runBuild(args []string) error {
	tc, tools, err := selectedTools("build", args)
	if err != nil {
		return err
	}
	// build messages on stderr: a command's stdout stays its answer
	return tc.Build(tools, os.Stderr)
}
