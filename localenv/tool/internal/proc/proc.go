// Package proc starts the cluster's daemons and stops them again, from this process or a later one: each runs in
// its own session and process group (pid == pgid), so a stop reaches whatever it forked, and its pid is written to
// <state dir>/<name>.pid before anything waits for it.
package proc

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"aks-keyvault-secrets/localenv/internal/console"
)

// Daemon is a program to run in the background with its output in a log file.
type Daemon struct {
	// Name names the pid file <state dir>/<Name>.pid.
	Name string
	Argv []string
	// Env replaces the environment when not nil.
	Env []string
	Log string
}

// Start runs the daemon in a new session and writes its pid file. The child is reaped in the background, so a
// daemon that dies during `up` does not linger as a zombie that still answers kill -0.
func Start(stateDir string, d Daemon) (int, error) {
	logFile, err := os.OpenFile(d.Log, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return 0, err
	}
	defer logFile.Close()
	cmd := exec.Command(d.Argv[0], d.Argv[1:]...)
	cmd.Env = d.Env
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("starting %s: %w", d.Name, err)
	}
	go cmd.Wait() // reaps only: a daemon's fate is read from its pid and its log
	pid := cmd.Process.Pid
	if err := os.WriteFile(PidFile(stateDir, d.Name), []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		return 0, err
	}
	return pid, nil
}

// PidFile is <state dir>/<name>.pid.
func PidFile(stateDir, name string) string { return filepath.Join(stateDir, name+".pid") }

// ReadPid is the pid in the daemon's pid file, 0 when there is none.
func ReadPid(stateDir, name string) int {
	data, err := os.ReadFile(PidFile(stateDir, name))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 1 {
		return 0
	}
	return pid
}

// Running says whether the process exists and has not exited (a zombie has).
func Running(pid int) bool {
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// the state follows the command name, which is in parentheses and may itself hold them
	end := bytes.LastIndexByte(stat, ')')
	return end < 0 || end+2 >= len(stat) || stat[end+2] != 'Z'
}

// RunningByName says whether the daemon of the pid file runs.
func RunningByName(stateDir, name string) bool { return Running(ReadPid(stateDir, name)) }

// Stop sends SIGTERM to the daemon's process group, SIGKILL after 10 s, and removes its pid file. Without a pid file
// or a running process it only removes the file.
func Stop(stateDir, name string) {
	pid := ReadPid(stateDir, name)
	if Running(pid) {
		signalGroup(pid, syscall.SIGTERM)
		if !waitExit(pid, 10*time.Second) {
			console.Log("%s did not exit after SIGTERM; SIGKILL", name)
			signalGroup(pid, syscall.SIGKILL)
			waitExit(pid, 5*time.Second)
		}
		// what the leader forked and left behind in its group
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		console.Log("stopped %s (pid %d)", name, pid)
	}
	_ = os.Remove(PidFile(stateDir, name))
}

func signalGroup(pid int, sig syscall.Signal) {
	if syscall.Kill(-pid, sig) != nil {
		_ = syscall.Kill(pid, sig)
	}
}

func waitExit(pid int, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for Running(pid) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
	return true
}

// ErrGone says that what a wait was for cannot happen any more (its process exited): give up at once.
var ErrGone = errors.New("the process exited")

// WaitFor polls ready every half second until it says yes, returns an error wrapping ErrGone, or the timeout passes.
func WaitFor(what string, timeout time.Duration, ready func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := ready()
		if ok {
			console.Log("%s: ok", what)
			return nil
		}
		if errors.Is(err, ErrGone) {
			return fmt.Errorf("%s: %w", what, err)
		}
		if time.Now().After(deadline) {
			if err != nil {
				return fmt.Errorf("%s: not within %s (last: %v)", what, timeout, err)
			}
			return fmt.Errorf("%s: not within %s", what, timeout)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// Alive is the ready check's first step: ErrGone when the daemon of the pid file no longer runs.
func Alive(stateDir, name string) error {
	if !RunningByName(stateDir, name) {
		return fmt.Errorf("%s: %w", name, ErrGone)
	}
	return nil
}

// FreePorts picks n distinct free ports on 127.0.0.1 (all held open until each is known, so none repeats).
func FreePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// TailLog prints the last lines of a daemon's log on stderr, for a failure message to point at.
func TailLog(path string, lines int) {
	data, err := os.ReadFile(path)
	if err != nil {
		return
	}
	text := strings.TrimRight(string(data), "\n")
	if text == "" {
		return
	}
	all := strings.Split(text, "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	fmt.Fprintln(os.Stderr, strings.Join(all, "\n"))
}
