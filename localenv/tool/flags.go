package main

import (
	"flag"
	"strings"
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

// parseFlags parses a command's flags; -h prints them and is no error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == flag.ErrHelp {
		return exitError{0}
	}
	if err != nil {
		return exitError{2}
	}
	return nil
}
