package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	"aks-keyvault-secrets/localenv/internal/netjail"
)

// netjail is how `up --node` runs the Azure provider (internal/csi): in a network namespace of its own, so that its
// healthz and metrics ports, which it opens on every interface, are reachable from nowhere but the forwarders.
func init() {
	// The main goroutine keeps the main thread, so the jail's thread is never the main one: tools that read a
	// process's namespace (/proc/PID/ns/net is the main thread's) see the supervisor in the host's.
	runtime.LockOSThread()
	registerHidden("netjail", runNetjail)
}

func runNetjail(args []string) error {
	flags := newFlags("netjail")
	var inward, outward repeatable
	flags.Var(&inward, "in", "PORT: 127.0.0.1:PORT inside is forwarded to 127.0.0.1:PORT of the host (repeatable)")
	flags.Var(&outward, "out", "HOST=INSIDE: the host's 127.0.0.1:HOST is forwarded to 127.0.0.1:INSIDE inside (repeatable)")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	cfg := netjail.Config{Argv: flags.Args(), Logf: func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "[netjail] "+format+"\n", args...)
	}}
	if len(cfg.Argv) == 0 {
		return errors.New("usage: localenv/localenv netjail [--in PORT]... [--out HOST=INSIDE]... -- PROGRAM [ARGS...]")
	}
	for _, value := range inward {
		port, err := strconv.Atoi(value)
		if err != nil {
			return fmt.Errorf("--in %q: not a port", value)
		}
		cfg.Inward = append(cfg.Inward, port)
	}
	for _, value := range outward {
		host, inside, ok := strings.Cut(value, "=")
		hostPort, err1 := strconv.Atoi(host)
		insidePort, err2 := strconv.Atoi(inside)
		if !ok || err1 != nil || err2 != nil {
			return fmt.Errorf("--out %q: want HOST=INSIDE ports", value)
		}
		cfg.Outward = append(cfg.Outward, netjail.Outward{Host: hostPort, Inside: insidePort})
	}
	code, err := netjail.Supervise(cfg)
	if err != nil {
		return err
	}
	if code != 0 {
		return exitError{code}
	}
	return nil
}
