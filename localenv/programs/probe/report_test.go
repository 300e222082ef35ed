package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestHashIsTheFirst16HexOfSHA256(t *testing.T) {
	sum := sha256.Sum256([]byte("s3cr3t-value"))
	want := "sha256:" + hex.EncodeToString(sum[:])[:16]
	if got := Hash([]byte("s3cr3t-value")); got != want {
		t.Fatalf("Hash = %q, want %q", got, want)
	}
}

// The layout the kubelet's atomic writer and the CSI driver leave: a timestamped dir, "..data" pointing at it,
// and one top-level symlink per file into "..data".
func TestScanFilesFollowsTheAtomicWriterLayoutAndNeverPrintsValues(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "..2026_12_02_04_00_00.000", "db-password"), "hunter2-db")
	write(t, filepath.Join(dir, "..2026_12_02_04_00_00.000", "api-key"), "hunter2-api")
	if err := os.Symlink("..2026_12_02_04_00_00.000", filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"db-password", "api-key"} {
		if err := os.Symlink(filepath.Join("..data", n), filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(dir, "tls", "tls.crt"), "CERT-BODY")
	if err := os.Symlink("nowhere", filepath.Join(dir, "dangling")); err != nil {
		t.Fatal(err)
	}

	line, err := Line(Report{Files: ScanFiles(dir), Env: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	want := `akv-probe {"files":{"api-key":"` + Hash([]byte("hunter2-api")) + `","db-password":"` +
		Hash([]byte("hunter2-db")) + `","tls/tls.crt":"` + Hash([]byte("CERT-BODY")) + `"},"env":{}}`
	if line != want {
		t.Fatalf("line\n got %s\nwant %s", line, want)
	}
	for _, v := range []string{"hunter2", "CERT-BODY", "..data", "..2026"} {
		if strings.Contains(line, v) {
			t.Fatalf("line contains %q: %s", v, line)
		}
	}
}

func TestAMissingDirPrintsFilesNull(t *testing.T) {
	line, err := Line(Scan(filepath.Join(t.TempDir(), "absent"), nil))
	if err != nil {
		t.Fatal(err)
	}
	if want := `akv-probe {"files":null,"env":{}}`; line != want {
		t.Fatalf("got %s, want %s", line, want)
	}
}

func TestAnEmptyDirPrintsNoFiles(t *testing.T) {
	line, _ := Line(Scan(t.TempDir(), nil))
	if want := `akv-probe {"files":{},"env":{}}`; line != want {
		t.Fatalf("got %s, want %s", line, want)
	}
}

func TestScanEnvKeepsOnlyTheWorkloadsOwnVariablesSortedAndHashed(t *testing.T) {
	environ := []string{
		"ZED_SECRET=zzz-value", "DB_PASSWORD=hunter2", "EMPTY=", "WITH_EQUALS=a=b",
		"PATH=/usr/bin", "HOME=/root", "HOSTNAME=pod-1", "TERM=xterm", "AKV_PROBE_DIR=/x",
		"KUBERNETES_SERVICE_HOST=10.0.0.1", "KUBERNETES_PORT=tcp://10.0.0.1:443",
		"MYSVC_SERVICE_HOST=10.0.0.9", "MYSVC_SERVICE_PORT_HTTP=80", "MYSVC_PORT=tcp://10.0.0.9:80",
		"MYSVC_PORT_80_TCP_ADDR=10.0.0.9", "not-a-pair",
	}
	line, _ := Line(Report{Files: nil, Env: ScanEnv(environ)})
	want := `akv-probe {"files":null,"env":{"DB_PASSWORD":"` + Hash([]byte("hunter2")) + `","EMPTY":"` + Hash(nil) +
		`","WITH_EQUALS":"` + Hash([]byte("a=b")) + `","ZED_SECRET":"` + Hash([]byte("zzz-value")) + `"}}`
	if line != want {
		t.Fatalf("line\n got %s\nwant %s", line, want)
	}
	for _, v := range []string{"hunter2", "zzz-value", "10.0.0"} {
		if strings.Contains(line, v) {
			t.Fatalf("line contains the value %q: %s", v, line)
		}
	}
}

func TestExcluded(t *testing.T) {
	for name, want := range map[string]bool{
		"PATH": true, "HOME": true, "HOSTNAME": true, "TERM": true, "AKV_PROBE_DIR": true,
		"KUBERNETES_SERVICE_PORT_HTTPS": true, "A_SERVICE_HOST": true, "A_PORT": true, "A_PORT_53_UDP": true,
		"PASSWORD": false, "PATHS": false, "SERVICE": false, "PORTAL_KEY": false, "TERMINAL": false,
	} {
		if got := Excluded(name); got != want {
			t.Errorf("Excluded(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestEqualPicturesGiveEqualLines(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "b"), "2")
	write(t, filepath.Join(dir, "a"), "1")
	env := []string{"Y=2", "X=1"}
	first, _ := Line(Scan(dir, env))
	second, _ := Line(Scan(dir, []string{"X=1", "Y=2"}))
	if first != second {
		t.Fatalf("%s != %s", first, second)
	}
	write(t, filepath.Join(dir, "a"), "rotated")
	third, _ := Line(Scan(dir, env))
	if third == first {
		t.Fatal("a changed file did not change the line")
	}
}
