package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"aks-keyvault-secrets/localenv/internal/toolchain"
)

func init() {
	register("env", "export lines for a shell (eval \"$(localenv/localenv env)\"): [--for PURPOSE] [--state-dir DIR] [--lane L]", runEnv)
}

func runEnv(args []string) error {
	flags := newFlags("env")
	purpose := flags.String("for", "", purposeHelp+"; its tools come first on PATH")
	stateDir := flags.String("state-dir", "", "a cluster's state dir, whose env file `up` wrote (default <repo>/.local/cluster)")
	lane := flags.String("lane", "", "the driver/provider lane of versions.json (default: its default lane)")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	if *stateDir == "" {
		*stateDir = filepath.Join(repoRoot(), ".local", "cluster")
	}
	tc, err := openToolchain(*lane)
	if err != nil {
		return err
	}
	dirs, err := tc.PathDirs(*purpose)
	if err != nil {
		return err
	}
	warnUnbuilt(tc, *purpose)
	fmt.Print(envLines(dirs, tc.Cache))
	return appendStateEnv(os.Stdout, filepath.Join(*stateDir, "env"))
}

// envLines are the toolchain's export lines: its bin dirs before the inherited PATH, and the Pulumi settings of an
// offline machine (no update check, no plugin downloads: the toolchain has them).
func envLines(pathDirs []string, cache string) string {
	return "export PATH=" + shellQuote(strings.Join(pathDirs, ":")) + ":\"$PATH\"\n" +
		"export PULUMI_SKIP_UPDATE_CHECK=true\n" +
		"export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true\n" +
		"export AKV_TOOLCHAIN_CACHE=" + shellQuote(cache) + "\n"
}

// shellQuote makes s one word for a POSIX shell, whatever it contains.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func warnUnbuilt(tc *toolchain.Toolchain, purpose string) {
	var purposes []string
	if purpose != "" {
		purposes = []string{purpose}
	}
	tools, _ := toolchain.Select(purposes, nil)
	for _, tool := range tools {
		if !tc.Built(tool) {
			fmt.Fprintf(os.Stderr, "[localenv] warning: %s is not built yet (localenv/localenv build %s)\n", tool.Name, tool.Name)
		}
	}
}

// appendStateEnv copies a running cluster's env file (KUBECONFIG and the like, written by `up`); no file, no lines.
func appendStateEnv(out io.Writer, path string) error {
	file, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer file.Close()
	scanner := bufio.NewScanner(file)
	for scanner.Scan() {
		if _, err := fmt.Fprintln(out, scanner.Text()); err != nil {
			return err
		}
	}
	return scanner.Err()
}
