package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"aks-keyvault-secrets/localenv/internal/toolchain"
)

func init() {
	register("tool", "build one of our helper programs if needed and run it: NAME [--] [ARGS...]; conformance-oracle --module M", runTool)
}

func runTool(args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(os.Stderr, "usage: localenv/localenv tool NAME [--] [ARGS...] (helm-template, conformance-oracle, any tool of `check`)\n"+
			"       localenv/localenv tool conformance-oracle --module MODULE   the module dir of a dependency at the oracle's pinned version")
		return exitError{2}
	}
	name, rest := args[0], args[1:]
	if name == "conformance-oracle" && len(rest) == 2 && rest[0] == "--module" {
		return printOracleModuleDir(rest[1])
	}
	if len(rest) > 0 && rest[0] == "--" {
		rest = rest[1:]
	}
	tc, err := openToolchain("")
	if err != nil {
		return err
	}
	binary, err := tc.EnsureBuilt(name, os.Stderr)
	if err != nil {
		return err
	}
	argv := append([]string{binary}, rest...)
	if name == "conformance-oracle" {
		// upstream's validation code must not reach out: a network namespace without a route
		argv = append([]string{"unshare", "-n"}, argv...)
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return err
	}
	// exec, not a child: a caller's signals and its wait reach the program itself
	return syscall.Exec(path, argv, os.Environ())
}

// printOracleModuleDir prints where dependency module is in the module cache at the version the oracle's go.mod
// pins (downloading it if needed), verified against the oracle's committed go.sum.
func printOracleModuleDir(module string) error {
	oracle := filepath.Join(localenvDir(), "programs", "conformance-oracle")
	env := append(toolchain.BuildEnv(), "GOFLAGS=-mod=readonly")
	download := exec.Command("go", "mod", "download", module)
	download.Dir, download.Env, download.Stderr = oracle, env, os.Stderr
	if err := download.Run(); err != nil {
		return fmt.Errorf("go mod download %s for the conformance oracle: %w", module, err)
	}
	list := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", module)
	list.Dir, list.Env, list.Stderr = oracle, env, os.Stderr
	out, err := list.Output()
	if err != nil {
		return fmt.Errorf("go list -m %s for the conformance oracle: %w", module, err)
	}
	fmt.Println(strings.TrimSpace(string(out)))
	return nil
}
