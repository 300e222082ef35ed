package toolchain

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// A step is one tool's build in progress: its folders, its log, the environment of its go commands and the name
// of what it is doing now (for the progress lines).
type step struct {
	toolchain *Toolchain
	tool      Tool
	version   string
	// srcDir holds the wrapper module; go commands run there.
	srcDir string
	log    io.Writer
	env    []string

	mu      sync.Mutex
	current string
}

// goEnv is the environment of every build: no cgo unless a recipe asks, GOFLAGS as given, and never another Go
// toolchain fetched behind our back unless GOTOOLCHAIN says so.
func goEnv(environ []string, goflags string) []string {
	env := []string{"CGO_ENABLED=0", "GOFLAGS=" + goflags}
	toolchainSet := false
	for _, entry := range environ {
		name, value, _ := strings.Cut(entry, "=")
		switch name {
		case "CGO_ENABLED", "GOFLAGS":
			continue
		case "GOTOOLCHAIN":
			toolchainSet = value != ""
		}
		env = append(env, entry)
	}
	if !toolchainSet {
		env = append(env, "GOTOOLCHAIN=local")
	}
	return env
}

// wrapperGoflags lets the wrapper's go.mod and go.sum change (go.sum is made there) and skips VCS stamping.
func wrapperGoflags(inherited string) string {
	return strings.TrimSpace(inherited + " -mod=mod -buildvcs=false")
}

// begin names what the step does now, in the log and for the progress lines.
func (s *step) begin(what string) {
	s.mu.Lock()
	s.current = what
	s.mu.Unlock()
	fmt.Fprintf(s.log, "== %s %s\n", time.Now().UTC().Format(time.RFC3339), what)
}

func (s *step) doing() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current
}

// note is one line for the log that the user should also see when the build fails.
func (s *step) note(line string) { fmt.Fprintf(s.log, "[localenv] %s\n", line) }

func (s *step) programDir(name string) string { return filepath.Join(s.toolchain.ProgramsDir(), name) }

func (s *step) goCommand(args ...string) error { return s.goIn(s.srcDir, args...) }

// goIn runs a go command in dir, as the step named by its words.
func (s *step) goIn(dir string, args ...string) error {
	s.begin("go " + commandWords(args))
	return s.run(dir, "go", args...)
}

// commandWords are the go command's words before its first flag ("mod tidy", "build"), to name a step.
func commandWords(args []string) string {
	for i, arg := range args {
		if strings.HasPrefix(arg, "-") {
			return strings.Join(args[:i], " ")
		}
	}
	return strings.Join(args, " ")
}

func (s *step) run(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = s.env
	cmd.Stdout = s.log
	cmd.Stderr = s.log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

// Download is what `go mod download -json` says of one module.
type Download struct {
	Error, GoMod, Dir string
}

func (s *step) download(moduleAtVersion string) (Download, error) {
	s.begin("go mod download " + moduleAtVersion)
	return DownloadModule(moduleAtVersion, s.env, s.log)
}

func (s *step) moduleDir(moduleAtVersion string) (string, error) {
	download, err := s.download(moduleAtVersion)
	return download.Dir, err
}

// DownloadModule fetches MODULE@VERSION into the Go module cache (the proxy, once) and says where it is. It runs
// outside any module, so no go.mod of a checkout takes part.
func DownloadModule(moduleAtVersion string, env []string, log io.Writer) (Download, error) {
	cmd := exec.Command("go", "mod", "download", "-json", moduleAtVersion)
	cmd.Dir = os.TempDir()
	cmd.Env = env
	cmd.Stderr = log
	out, runErr := cmd.Output()
	var download Download
	if err := json.Unmarshal(out, &download); err != nil {
		if runErr != nil {
			return Download{}, fmt.Errorf("go mod download %s: %w", moduleAtVersion, runErr)
		}
		return Download{}, fmt.Errorf("go mod download %s: %w", moduleAtVersion, err)
	}
	if download.Error != "" || download.Dir == "" {
		return Download{}, fmt.Errorf("go mod download %s: %s", moduleAtVersion, download.Error)
	}
	return download, nil
}

// BuildEnv is the environment the builder gives go commands, for callers that run go themselves.
func BuildEnv() []string { return goEnv(os.Environ(), wrapperGoflags(os.Getenv("GOFLAGS"))) }
