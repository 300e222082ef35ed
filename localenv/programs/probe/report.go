package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
)

// Report is what one scan saw: file and variable names, each mapped to Hash of its content.
// Files is nil when the directory does not exist (or cannot be read), which prints as "files":null.
type Report struct {
	Files map[string]string `json:"files"`
	Env   map[string]string `json:"env"`
}

// Prefix starts every report line, so a reader can pick the probe's lines out of any log.
const Prefix = "akv-probe "

// Hash is "sha256:" and the first 16 hex digits of the SHA-256 of b: enough to see that a value changed or that two
// values are equal, and nothing to recover a secret from.
func Hash(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])[:16]
}

// Line renders a report; encoding/json writes map keys sorted, so equal pictures give equal lines.
func Line(r Report) (string, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return "", err
	}
	return Prefix + string(b), nil
}

// Scan reads dir and environ (KEY=VALUE entries, as os.Environ gives them).
func Scan(dir string, environ []string) Report {
	return Report{Files: ScanFiles(dir), Env: ScanEnv(environ)}
}

// ScanFiles hashes every regular file under dir, by its path relative to dir. Symlinks are followed (the CSI driver
// and the kubelet write each file as a symlink into a "..data" directory that is swapped atomically); names that
// start with ".." are that machinery and are skipped. A file that cannot be read right now (a rotation is swapping
// it) is left out of this scan; the next scan sees it.
func ScanFiles(dir string) map[string]string {
	files := map[string]string{}
	if err := scanDir(dir, "", files, 0); err != nil {
		return nil
	}
	return files
}

// maxDepth bounds the walk: symlinks are followed, so a link to a parent would otherwise loop for ever.
const maxDepth = 8

func scanDir(dir, rel string, files map[string]string, depth int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, "..") {
			continue
		}
		full, key := filepath.Join(dir, name), filepath.Join(rel, name)
		info, err := os.Stat(full)
		if err != nil {
			continue
		}
		switch {
		case info.IsDir():
			if depth+1 < maxDepth {
				_ = scanDir(full, key, files, depth+1) // a subdir that vanished mid-scan: the next scan sees the new one
			}
		case info.Mode().IsRegular():
			if b, err := os.ReadFile(full); err == nil {
				files[key] = Hash(b)
			}
		}
	}
	return nil
}

// ScanEnv hashes the environment variables a workload was given on purpose: not the ones every container gets
// (PATH, HOME, HOSTNAME, TERM), not the Kubernetes service links (KUBERNETES_*, <SVC>_SERVICE_*, <SVC>_PORT,
// <SVC>_PORT_*), and not the probe's own AKV_PROBE_DIR.
func ScanEnv(environ []string) map[string]string {
	env := map[string]string{}
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" || Excluded(name) {
			continue
		}
		env[name] = Hash([]byte(value))
	}
	return env
}

// Excluded tells whether ScanEnv leaves the variable out.
func Excluded(name string) bool {
	switch name {
	case "PATH", "HOME", "HOSTNAME", "TERM", "AKV_PROBE_DIR":
		return true
	}
	return strings.HasPrefix(name, "KUBERNETES_") ||
		strings.Contains(name, "_SERVICE_") ||
		strings.HasSuffix(name, "_PORT") || strings.Contains(name, "_PORT_")
}
