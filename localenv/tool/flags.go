package main

import (
	"errors"
	"flag"
	"os"
	"strings"

	"aks-keyvault-secrets/localenv/internal/toolchain"
)

// repeatable collects every value of a flag given more than once.
type repeatable []string

func (r *repeatable) String() string     { return strings.Join(*r, " ") }
func (r *repeatable) Set(v string) error { *r = append(*r, v); return nil }

// commaList splits NAME,... into its names.
type commaList []string

func (c *commaList) String() string { return strings.Join(*c, ",") }
func (c *commaList) Set(v string) error {
	for _, name := range strings.Split(v, ",") {
		if name = strings.TrimSpace(name); name != "" {
			*c = append(*c, name)
		}
	}
	return nil
}

const purposeHelp = "a purpose: main, node, consumer, policy, lint, helm, conformance (localenv/README.md)"

// newFlags is a flag set whose errors and -h go to stderr and end the command.
func newFlags(name string) *flag.FlagSet {
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	flags.SetOutput(os.Stderr)
	return flags
}

// parseFlags parses args; -h ends the command with exit 0 and a bad flag with exit 2 (flag has said why).
func parseFlags(flags *flag.FlagSet, args []string) error {
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitError{0}
		}
		return exitError{2}
	}
	return nil
}

// openToolchain is the checkout's toolchain in the cache, for the lane given ("" = the default lane).
func openToolchain(lane string) (*toolchain.Toolchain, error) {
	return toolchain.Open(localenvDir(), toolchain.DefaultCache(), lane)
}

// selectedTools reads the flags build and check share (--for PURPOSE..., --lane, TOOL...) and resolves the tools.
func selectedTools(command string, args []string) (*toolchain.Toolchain, []toolchain.Tool, error) {
	flags := newFlags(command)
	var purposes repeatable
	flags.Var(&purposes, "for", purposeHelp+" (repeatable)")
	lane := flags.String("lane", "", "the driver/provider lane of versions.json (default: its default lane)")
	if err := parseFlags(flags, args); err != nil {
		return nil, nil, err
	}
	tc, err := openToolchain(*lane)
	if err != nil {
		return nil, nil, err
	}
	tools, err := toolchain.Select(purposes, flags.Args())
	return tc, tools, err
}
