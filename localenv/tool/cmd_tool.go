package main

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"

	"aks-keyvault-secrets/localenv/internal/toolchain"
)

func init() {
	register("tool", "build one of our helper programs if needed and run it: [--lane L] NAME [--] [ARGS...]; conformance-oracle --module M", runTool)
}

func runTool(args []string) error {
	flags := newFlags("tool")
	lane := flags.String("lane", "", "the driver/provider lane of versions.json (default: its default lane)")
	flags.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: localenv/localenv tool [--lane L] NAME [--] [ARGS...] (helm-template, conformance-oracle, any tool of `check`)\n"+
			"       localenv/localenv tool [--lane L] conformance-oracle --module MODULE   the module dir of the lane's driver or provider")
		flags.PrintDefaults()
	}
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	if flags.NArg() == 0 {
		flags.Usage()
		return exitError{2}
	}
	name, rest := flags.Arg(0), flags.Args()[1:]
	tc, err := openToolchain(*lane)
	if err != nil {
		return err
	}
	if name == "conformance-oracle" && len(rest) == 2 && rest[0] == "--module" {
		return printLaneModuleDir(tc, rest[1])
	}
	if len(rest) > 0 && rest[0] == "--" {
		rest = rest[1:]
	}
	binary, err := tc.EnsureBuilt(name, os.Stderr)
	if err != nil {
		return err
	}
	argv := append([]string{binary}, rest...)
	if name == "conformance-oracle" {
		// the oracle runs its provider half as a child: the lane's provider, built apart (docs/conformance.md)
		provider, err := tc.EnsureBuilt("conformance-provider", os.Stderr)
		if err != nil {
			return err
		}
		// upstream's validation code must not reach out: a network namespace without a route
		argv = append([]string{"unshare", "-n", binary, "-provider", provider}, rest...)
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return err
	}
	// exec, not a child: a caller's signals and its wait reach the program itself
	return syscall.Exec(path, argv, os.Environ())
}

// printLaneModuleDir prints where the lane's driver or provider module is in the module cache (downloading it if
// needed), for tests that read upstream's files (the provider's examples).
func printLaneModuleDir(tc *toolchain.Toolchain, module string) error {
	modules := tc.LaneModules()
	version, ok := modules[module]
	if !ok {
		return fmt.Errorf("--module takes a module of the lane: %s", strings.Join(slices.Sorted(maps.Keys(modules)), ", "))
	}
	download, err := toolchain.DownloadModule(module+"@"+version, toolchain.BuildEnv(), os.Stderr)
	if err != nil {
		return err
	}
	fmt.Println(download.Dir)
	return nil
}
