package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

func init() {
	register("lint", "actionlint on .github/workflows (shellcheck on their run: steps), shellcheck on every shell file of the repository", runLint)
}

func runLint(args []string) error {
	if err := parseFlags(newFlags("lint"), args); err != nil {
		return err
	}
	tc, err := openToolchain("")
	if err != nil {
		return err
	}
	actionlint, err := tc.EnsureBuilt("actionlint", os.Stderr)
	if err != nil {
		return err
	}
	shellcheck, err := findShellcheck()
	if err != nil {
		return err
	}
	root := repoRoot()
	workflows, _ := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.yml"))
	yamlWorkflows, _ := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.yaml"))
	workflows = append(workflows, yamlWorkflows...)
	if len(workflows) == 0 {
		return fmt.Errorf("no workflow files under %s/.github/workflows", root)
	}
	scripts, err := trackedShellFiles(root)
	if err != nil {
		return err
	}
	// -pyflakes= : the workflows contain no Python steps
	workflowsClean := runIn(root, actionlint, append([]string{"-no-color", "-pyflakes=", "-shellcheck=" + shellcheck}, workflows...)...)
	scriptsClean := runIn(root, shellcheck, scripts...) && withinLengthLimit(root, scripts)
	fmt.Fprintf(os.Stderr, "[localenv] lint: %d workflow file(s) %s, %d shell file(s) %s\n",
		len(workflows), verdict(workflowsClean), len(scripts), verdict(scriptsClean))
	if !workflowsClean || !scriptsClean {
		return exitError{1}
	}
	return nil
}

// maxShellLines keeps shell to thin glue: logic (supervision, waits, clean-up) belongs in this Go tool, with tests.
const maxShellLines = 150

func withinLengthLimit(root string, scripts []string) bool {
	within := true
	for _, script := range scripts {
		data, err := os.ReadFile(filepath.Join(root, script))
		if err != nil {
			continue
		}
		if lines := bytes.Count(data, []byte("\n")); lines > maxShellLines {
			fmt.Fprintf(os.Stderr, "%s: %d lines, over the limit of %d for shell: move its logic into localenv/tool\n", script, lines, maxShellLines)
			within = false
		}
	}
	return within
}

func verdict(clean bool) string {
	if clean {
		return "clean"
	}
	return "with findings (above)"
}

func runIn(dir, name string, args ...string) bool {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return cmd.Run() == nil
}

// findShellcheck is shellcheck's path; as root with apt-get (a CI box, a dev container) it installs Debian's
// package first when it is missing.
func findShellcheck() (string, error) {
	if path, err := exec.LookPath("shellcheck"); err == nil {
		return path, nil
	}
	if _, err := exec.LookPath("apt-get"); err != nil || os.Geteuid() != 0 {
		return "", fmt.Errorf("shellcheck not found: install it (apt-get install shellcheck) to lint the shell files")
	}
	fmt.Fprintln(os.Stderr, "[localenv] lint: shellcheck not found, installing it with apt-get")
	aptGet := func(args ...string) error {
		cmd := exec.Command("apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		return cmd.Run()
	}
	if aptGet("install", "-y", "-qq", "shellcheck") != nil {
		if err := aptGet("update", "-qq"); err != nil {
			return "", fmt.Errorf("apt-get update: %w", err)
		}
		if err := aptGet("install", "-y", "-qq", "shellcheck"); err != nil {
			return "", fmt.Errorf("apt-get install shellcheck: %w", err)
		}
	}
	return exec.LookPath("shellcheck")
}

// trackedShellFiles are the files git tracks that are shell scripts and exist in the work tree, relative to root.
func trackedShellFiles(root string) ([]string, error) {
	out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files: %w", err)
	}
	var scripts []string
	for _, name := range strings.Split(string(out), "\x00") {
		if name == "" {
			continue
		}
		head, err := readHead(filepath.Join(root, name), 128)
		if err != nil {
			continue // deleted in the work tree, or not a file
		}
		if isShellScript(name, head) {
			scripts = append(scripts, name)
		}
	}
	return scripts, nil
}

func readHead(path string, n int) ([]byte, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	head := make([]byte, n)
	read, err := file.Read(head)
	if read == 0 && err != nil {
		return nil, err
	}
	return head[:read], nil
}

var shellShebang = regexp.MustCompile(`^#!\s*(/usr/bin/env\s+|/usr/bin/|/bin/)(ba)?sh(\s|$)`)

// isShellScript: a *.sh file, or one whose first line is a bash or sh shebang.
func isShellScript(name string, head []byte) bool {
	if strings.HasSuffix(name, ".sh") {
		return true
	}
	firstLine, _, _ := bytes.Cut(head, []byte("\n"))
	return shellShebang.Match(firstLine)
}
