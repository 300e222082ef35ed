package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"aks-keyvault-secrets/localenv/internal/console"
	"aks-keyvault-secrets/localenv/internal/statedir"
)

func init() {
	register("run", "up in a fresh state dir, run CMD with KUBECONFIG and AKV_CLUSTER_STATE_DIR set, always down", runRun)
}

func runRun(args []string) error {
	var opts upOptions
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	upFlagSet(fs, &opts, "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	command := fs.Args()
	if len(command) == 0 {
		return errors.New("usage: localenv/localenv run [UP FLAGS] -- CMD [ARGS...]")
	}
	return withEnvironment(opts, func(sd statedir.Dir, signals <-chan os.Signal) error {
		return runCommand(sd, command, signals)
	})
}

// withEnvironment starts the environment (in a fresh temp state dir unless one is given), runs body and always
// stops it again, also on SIGINT, SIGTERM and SIGHUP, which body receives (one that comes during the start takes
// effect when the start is done). A temp state dir is removed after success and kept, with its logs, after a failure.
func withEnvironment(opts upOptions, body func(sd statedir.Dir, signals <-chan os.Signal) error) error {
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(signals)
	tempStateDir := opts.stateDir == ""
	if tempStateDir {
		dir, err := os.MkdirTemp("", "akv-cluster-state.")
		if err != nil {
			return err
		}
		opts.stateDir = dir
	}
	sd, err := startEnvironment(opts)
	if err != nil {
		return err
	}
	select {
	case sig := <-signals:
		err = exitError{128 + int(sig.(syscall.Signal))}
	default:
		err = body(sd, signals)
	}
	stopEnvironment(sd)
	if tempStateDir && err == nil {
		_ = os.RemoveAll(string(sd))
		console.Log("stopped")
	} else {
		console.Log("stopped (logs kept in %s)", sd.Path("logs"))
	}
	return err
}

// runCommand runs the command with the cluster's environment, forwards the signals this process gets to it, and
// returns its exit status as an exitError (128+N when a signal ended it).
func runCommand(sd statedir.Dir, command []string, signals <-chan os.Signal) error {
	cmd := exec.Command(command[0], command[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "KUBECONFIG="+sd.Path("kubeconfig"), "AKV_CLUSTER_STATE_DIR="+string(sd))
	console.Log("KUBECONFIG=%s; running: %s", sd.Path("kubeconfig"), strings.Join(command, " "))
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-signals:
				_ = cmd.Process.Signal(sig)
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	code := cmd.ProcessState.ExitCode()
	if status, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && status.Signaled() {
		code = 128 + int(status.Signal())
	}
	console.Log("command exited with %d", code)
	if code != 0 {
		return exitError{code}
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return fmt.Errorf("running %s: %w", command[0], err)
	}
	return nil
}
