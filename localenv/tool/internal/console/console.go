// Package console writes the tool's progress lines: on stderr, so that stdout carries only a command's result (the
// kubeconfig path of `up`).
package console

import (
	"fmt"
	"os"
)

// Log prints one "[localenv] ..." line on stderr.
func Log(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[localenv] "+format+"\n", args...)
}
