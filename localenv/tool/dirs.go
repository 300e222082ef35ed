package main

import (
	"os"
	"path/filepath"
)

// localenvDir is the checkout's localenv folder, which the entry point passes as LOCALENV_DIR.
func localenvDir() string {
	if dir := os.Getenv("LOCALENV_DIR"); dir != "" {
		return dir
	}
	// run without the entry point (go run .): the tool's own folder is localenv/tool
	wd, _ := os.Getwd()
	return filepath.Dir(wd)
}

// repoRoot is the checkout: the localenv folder's parent.
func repoRoot() string { return filepath.Dir(localenvDir()) }
