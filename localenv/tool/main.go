// Command localenv is the local environment of aks-keyvault-secrets: the toolchain it builds from the Go module
// proxy, the private control plane, the node, the CSI driver and Azure provider, and the Key Vault stand-in.
// Run it through localenv/localenv, which builds it into the toolchain cache keyed by its source.
package main

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
)

// A command is one subcommand: its one-line summary and what it does with the arguments after its name.
type command struct {
	summary string
	run     func(args []string) error
	// hidden: run by the tool itself (e.g. as a daemon), not listed in the usage
	hidden bool
}

var commands = map[string]command{}

func register(name, summary string, run func(args []string) error) {
	if _, dup := commands[name]; dup {
		panic("command registered twice: " + name)
	}
	commands[name] = command{summary: summary, run: run}
}

// registerHidden registers a command the tool runs itself, left out of the usage.
func registerHidden(name string, run func(args []string) error) {
	register(name, "", run)
	cmd := commands[name]
	cmd.hidden = true
	commands[name] = cmd
}

// exitError carries an exit code through a command's error without another message (e.g. `check` found something
// missing, `run`'s command failed).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func usage() string {
	names := make([]string, 0, len(commands))
	for name, cmd := range commands {
		if cmd.hidden {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("usage: localenv/localenv COMMAND [FLAGS] (COMMAND -h for its flags)\n\ncommands:\n")
	for _, name := range names {
		fmt.Fprintf(&b, "  %-16s %s\n", name, commands[name].summary)
	}
	b.WriteString("\nSee localenv/README.md.\n")
	return b.String()
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help" {
		fmt.Print(usage())
		return
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "[localenv] ERROR: unknown command %q\n\n%s", os.Args[1], usage())
		os.Exit(2)
	}
	if err := cmd.run(os.Args[2:]); err != nil {
		var exit exitError
		if errors.As(err, &exit) {
			os.Exit(exit.code)
		}
		fmt.Fprintf(os.Stderr, "[localenv] ERROR: %v\n", err)
		os.Exit(1)
	}
}
