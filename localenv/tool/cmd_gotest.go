package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"aks-keyvault-secrets/localenv/internal/toolchain"
)

// The test command lives in cmd_gotest.go: go would take cmd_test.go for a test file.
func init() {
	register("test", "the Go tests of this tool and of our programs (each in a scratch copy)", runTest)
}

func runTest(args []string) error {
	if err := parseFlags(newFlags("test"), args); err != nil {
		return err
	}
	failed := 0
	if !goTest(filepath.Join(localenvDir(), "tool"), toolchain.BuildEnv(), "localenv/tool") {
		failed++
	}
	modules, err := filepath.Glob(filepath.Join(localenvDir(), "programs", "*", "go.mod"))
	if err != nil {
		return err
	}
	for _, gomod := range modules {
		ok, err := goTestScratchCopy(filepath.Dir(gomod))
		if err != nil {
			return err
		}
		if !ok {
			failed++
		}
	}
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "[localenv] test: %d module(s) failed\n", failed)
		return exitError{1}
	}
	return nil
}

// goTestScratchCopy tests one of our programs in a copy: they commit go.mod only (exact requires) and get go.sum
// where they are built, so the test makes its go.sum in the copy and the checkout is never written.
func goTestScratchCopy(dir string) (bool, error) {
	scratch, err := os.MkdirTemp("", "localenv-test-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(scratch)
	if err := os.CopyFS(scratch, os.DirFS(dir)); err != nil {
		return false, err
	}
	return goTest(scratch, toolchain.BuildEnv(), "programs/"+filepath.Base(dir)), nil
}

func goTest(dir string, env []string, label string) bool {
	fmt.Fprintf(os.Stderr, "[localenv] test: %s\n", label)
	cmd := exec.Command("go", "test", "./...")
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return cmd.Run() == nil
}
