package netjail

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// Outward is a way in from the host: a listener on the host's 127.0.0.1:Host, joined to 127.0.0.1:Inside in the
// namespace (e.g. the provider's metrics port).
type Outward struct{ Host, Inside int }

// Config is what Supervise runs.
type Config struct {
	// Inward are the ways out: for each port a listener on 127.0.0.1:port inside, joined to 127.0.0.1:port on the
	// host (e.g. the Key Vault stand-in, the provider's proxy).
	Inward  []int
	Outward []Outward
	// Argv is the program to run inside; it gets this process's environment, stdout and stderr.
	Argv []string
	Logf func(format string, args ...any)
}

// Supervise makes a namespace, opens the forwarders, runs the program inside and waits for it, passing on SIGTERM,
// SIGINT and SIGHUP. It returns the program's exit code (128+N for signal N) once the program has exited, so that the
// caller exits with it: the forwarders must not outlive the program. If this process dies first, the program gets
// SIGKILL (Pdeathsig).
func Supervise(cfg Config) (int, error) {
	if len(cfg.Argv) == 0 {
		return 0, errors.New("no program to run")
	}
	logf := cfg.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	jail, err := New()
	if err != nil {
		return 0, err
	}
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	for _, port := range cfg.Inward {
		address := loopback(port)
		l, err := jail.Listen(address)
		if err != nil {
			return 0, fmt.Errorf("listening on %s in the namespace: %w", address, err)
		}
		listeners = append(listeners, l)
		// dialled from a goroutine of its own, on a thread in the host's namespace
		go Forward(l, func() (net.Conn, error) { return net.DialTimeout("tcp", address, 5*time.Second) }, logf)
	}
	for _, out := range cfg.Outward {
		l, err := net.Listen("tcp", loopback(out.Host))
		if err != nil {
			return 0, fmt.Errorf("listening on %s: %w", loopback(out.Host), err)
		}
		listeners = append(listeners, l)
		inside := loopback(out.Inside)
		go Forward(l, func() (net.Conn, error) { return jail.Dial(inside) }, logf)
	}
	cmd := exec.Command(cfg.Argv[0], cfg.Argv[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(signals)
	if err := jail.Start(cmd); err != nil {
		return 0, err
	}
	ns, _ := jail.NetNS()
	logf("%s (pid %d) runs in network namespace %s; inward %v, outward %v", cfg.Argv[0], cmd.Process.Pid, ns, cfg.Inward, cfg.Outward)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for {
		select {
		case sig := <-signals:
			_ = cmd.Process.Signal(sig)
		case err := <-exited:
			code := exitCode(cmd.ProcessState)
			if err != nil {
				logf("%s exited: %v", cfg.Argv[0], err)
			}
			return code, nil
		}
	}
}

func loopback(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

func exitCode(state *os.ProcessState) int {
	if state == nil {
		return 1
	}
	if status, ok := state.Sys().(syscall.WaitStatus); ok && status.Signaled() {
		return 128 + int(status.Signal())
	}
	return state.ExitCode()
}
