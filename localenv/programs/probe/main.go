// Command probe is the test app of the local cluster's node: it reports, as one log line, which files its secrets
// directory holds and which environment variables it was given, each with a short hash of the content, never the
// content itself. It prints the line at start and again whenever the picture changes, so a reader of the pod's log
// sees a mount, a rotation or a missing env var without the log ever holding a secret.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

const (
	defaultDir   = "/mnt/secrets-store"
	scanInterval = 2 * time.Second
)

func main() {
	dir := os.Getenv("AKV_PROBE_DIR")
	if dir == "" {
		dir = defaultDir
	}
	// As PID 1 of its container the probe gets no default signal handling: without this it would ignore SIGTERM
	// and every pod deletion would wait out the grace period.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)

	ticker := time.NewTicker(scanInterval)
	defer ticker.Stop()
	last := ""
	for {
		line, err := Line(Scan(dir, os.Environ()))
		if err != nil {
			fmt.Fprintln(os.Stderr, "akv-probe: cannot encode the report:", err)
			os.Exit(1)
		}
		if line != last {
			fmt.Println(line)
			last = line
		}
		select {
		case <-stop:
			return
		case <-ticker.C:
		}
	}
}
