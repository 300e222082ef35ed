package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"aks-keyvault-secrets/localenv/internal/toolchain"
)

func init() {
	register("paths", "every binary of every tool with its path in the cache, built or not: [--json] [--lane L]", runPaths)
}

func runPaths(args []string) error {
	flags := newFlags("paths")
	asJSON := flags.Bool("json", false, "one JSON object: binary name -> path")
	lane := flags.String("lane", "", "the driver/provider lane of versions.json (default: its default lane)")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	tc, err := openToolchain(*lane)
	if err != nil {
		return err
	}
	paths := tc.Paths()
	if *asJSON {
		encoder := json.NewEncoder(os.Stdout)
		encoder.SetIndent("", "  ")
		return encoder.Encode(paths)
	}
	for _, tool := range toolchain.Tools {
		for _, binary := range tool.Binaries {
			// a name two tools provide (the policy CLI's pulumi) is the first tool's
			if paths[binary] == filepath.Join(tc.BinDir(tool), binary) {
				fmt.Printf("%s\t%s\n", binary, paths[binary])
			}
		}
	}
	return nil
}
