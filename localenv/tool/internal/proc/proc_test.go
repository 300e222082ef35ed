package proc

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestStopEndsTheWholeProcessGroup(t *testing.T) {
	dir := t.TempDir()
	// the shell forks a child that would outlive a signal to the shell alone
	pid, err := Start(dir, Daemon{Name: "sleeper", Log: filepath.Join(dir, "sleeper.log"),
		Argv: []string{"/bin/sh", "-c", "sleep 60 & echo $! > " + PidFile(dir, "child") + "; wait"}})
	if err != nil {
		t.Fatal(err)
	}
	var child int
	for deadline := time.Now().Add(5 * time.Second); child == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		child = ReadPid(dir, "child")
	}
	if child == 0 || !Running(pid) {
		t.Fatalf("daemon %d or its child %d not running", pid, child)
	}
	Stop(dir, "sleeper")
	time.Sleep(100 * time.Millisecond)
	if Running(pid) || Running(child) {
		t.Fatalf("still running after Stop: daemon %v, child %v", Running(pid), Running(child))
	}
	if _, err := os.Stat(PidFile(dir, "sleeper")); !os.IsNotExist(err) {
		t.Fatal("pid file left")
	}
}

func TestWaitForGivesUpWhenTheDaemonExits(t *testing.T) {
	dir := t.TempDir()
	if _, err := Start(dir, Daemon{Name: "quitter", Log: filepath.Join(dir, "quitter.log"), Argv: []string{"/bin/true"}}); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	err := WaitFor("never ready", time.Minute, func() (bool, error) { return false, Alive(dir, "quitter") })
	if !errors.Is(err, ErrGone) || time.Since(started) > 10*time.Second {
		t.Fatalf("WaitFor = %v after %s, want ErrGone at once", err, time.Since(started))
	}
}
