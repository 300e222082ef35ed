package main

import (
	"flag"
	"fmt"
	"os"

	"aks-keyvault-secrets/localenv/internal/console"
	"aks-keyvault-secrets/localenv/internal/statedir"
)

func init() {
	register("down", "stop what up started and remove what it left (logs stay)", runDown)
}

func runDown(args []string) error {
	fs := flag.NewFlagSet("down", flag.ContinueOnError)
	stateDir := fs.String("state-dir", defaultStateDir(), "state dir of the cluster")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("down takes no arguments (got %q)", fs.Args())
	}
	sd, err := statedir.Open(*stateDir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(string(sd)); os.IsNotExist(err) {
		console.Log("nothing to stop (%s does not exist)", sd)
		return nil
	}
	stopEnvironment(sd)
	console.Log("stopped (logs kept in %s)", sd.Path("logs"))
	return nil
}
