package main

import (
	"os"
	"path/filepath"
)

// localenvDir is the checkout's localenv folder: the entry script sets LOCALENV_DIR, because the binary itself
// lives in the toolchain cache, outside the checkout.
func localenvDir() string {
	if dir := os.Getenv("LOCALENV_DIR"); dir != "" {
		return dir
	}
	os.Stderr.WriteString("[localenv] ERROR: LOCALENV_DIR is not set: run this tool through localenv/localenv\n")
	os.Exit(2)
	return ""
}

// repoRoot is the checkout: the parent of its localenv folder.
func repoRoot() string { return filepath.Dir(localenvDir()) }
