package main

import (
	"errors"
	"time"

	"aks-keyvault-secrets/localenv/internal/console"
	"aks-keyvault-secrets/localenv/internal/standin"
	"aks-keyvault-secrets/localenv/internal/statedir"
)

func init() {
	register("standin", "stop|start: a Key Vault outage: stop the node's stand-in, start it again on its port with its CA and token key", runStandin)
}

func runStandin(args []string) error {
	flags := newFlags("standin")
	stateDir := flags.String("state-dir", defaultStateDir(), "state dir of the cluster (started with up --node)")
	timeout := flags.Duration("timeout", 180*time.Second, "how long start waits for the stand-in to answer")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	sd, err := statedir.Open(*stateDir)
	if err != nil {
		return err
	}
	switch args := flags.Args(); {
	case len(args) == 1 && args[0] == "stop":
		if err := standin.Halt(sd); err != nil {
			return err
		}
		console.Log("Key Vault stand-in stopped; its port, CA and token key stay for `standin start`")
		return nil
	case len(args) == 1 && args[0] == "start":
		// The stand-in is built once for every lane, so the default lane's toolchain finds the binary `up` ran.
		tc, err := openToolchain("")
		if err != nil {
			return err
		}
		binary, err := tc.BuiltBinary("keyvault-standin")
		if err != nil {
			return err
		}
		return standin.Resume(sd, binary, *timeout)
	}
	return errors.New("usage: localenv/localenv standin [--state-dir D] stop|start")
}
