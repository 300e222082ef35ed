package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

func init() {
	register("smoke", "[--lane L] [node|standin]: the node's smoke test; the stand-in against the Azure provider's own code (default: both)", runSmoke)
}

func runSmoke(args []string) error {
	flags := newFlags("smoke")
	lane := flags.String("lane", "", "the driver/provider lane of versions.json to run (default: its default lane)")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	switch args := flags.Args(); {
	case len(args) == 1 && args[0] == "node":
		return smokeNode(*lane)
	case len(args) == 1 && args[0] == "standin":
		return smokeStandin(*lane)
	case len(args) == 0:
		if err := smokeStandin(*lane); err != nil {
			return err
		}
		return smokeNode(*lane)
	}
	return errors.New("usage: localenv/localenv smoke [--lane L] [node|standin]")
}

// smokeStandin runs the stand-in's provider test: the Azure provider's own gRPC Mount in each identity mode against
// the stand-in, both as built in the toolchain; the provider is the lane's.
func smokeStandin(lane string) error {
	tc, err := openToolchain(lane)
	if err != nil {
		return err
	}
	provider, err := tc.BuiltBinary("secrets-store-csi-driver-provider-azure")
	if err != nil {
		return err
	}
	standinBinary, err := tc.BuiltBinary("keyvault-standin")
	if err != nil {
		return err
	}
	test := exec.Command("go", "test", "-count=1", ".")
	test.Dir = filepath.Join(tc.ProgramsDir(), "keyvault-standin", "providertest")
	test.Env = append(os.Environ(), "AKV_PROVIDER_BIN="+provider, "AKV_STANDIN_BIN="+standinBinary, "GOTOOLCHAIN=local")
	test.Stdout, test.Stderr = os.Stdout, os.Stderr
	if err := test.Run(); err != nil {
		return fmt.Errorf("the stand-in's provider test (%s): %w", test.Dir, err)
	}
	return nil
}
