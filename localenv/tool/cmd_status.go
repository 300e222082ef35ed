package main

import (
	"flag"
	"fmt"
	"os"

	"aks-keyvault-secrets/localenv/internal/cluster"
	"aks-keyvault-secrets/localenv/internal/statedir"
)

func init() {
	register("status", "exit 0 when the cluster's API server answers /readyz", runStatus)
}

func runStatus(args []string) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	stateDir := fs.String("state-dir", defaultStateDir(), "state dir of the cluster")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	sd, err := statedir.Open(*stateDir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(sd.Path("apiserver.port")); err != nil {
		fmt.Println("not running")
		return exitError{1}
	}
	if ready, _ := cluster.Ready(sd); !ready {
		fmt.Println("not ready")
		return exitError{1}
	}
	fmt.Printf("running: %s\n", sd.Path("kubeconfig"))
	return nil
}
