package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func readTar(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		out[h.Name] = b
	}
}

func digestOf(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

func blobAt(t *testing.T, files map[string][]byte, digest string) []byte {
	t.Helper()
	b, ok := files["blobs/sha256/"+digest[len("sha256:"):]]
	if !ok {
		t.Fatalf("no blob %s", digest)
	}
	if digestOf(b) != digest {
		t.Fatalf("blob %s has digest %s", digest, digestOf(b))
	}
	return b
}

// Follows the archive as an importer does: index -> manifest -> config and layer, each checked by digest.
func TestArchiveIsAConsistentImageLayout(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "probe")
	if err := os.WriteFile(bin, []byte("\x7fELF fake binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "probe.tar")
	img := Image{Binary: bin, Path: "/bin/probe", Name: "registry.example/demo:1", Arch: "amd64"}
	if err := WriteArchive(img, out); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(out)
	files := readTar(t, data)
	if string(files["oci-layout"]) != `{"imageLayoutVersion":"1.0.0"}` {
		t.Fatalf("oci-layout: %s", files["oci-layout"])
	}
	var index struct {
		Manifests []descriptor `json:"manifests"`
	}
	if err := json.Unmarshal(files["index.json"], &index); err != nil || len(index.Manifests) != 1 {
		t.Fatalf("index.json: %s (%v)", files["index.json"], err)
	}
	top := index.Manifests[0]
	if top.Annotations["io.containerd.image.name"] != "registry.example/demo:1" || top.Annotations["org.opencontainers.image.ref.name"] != "1" {
		t.Fatalf("annotations: %v", top.Annotations)
	}
	if top.Platform == nil || top.Platform.Architecture != "amd64" || top.Platform.OS != "linux" {
		t.Fatalf("platform: %+v", top.Platform)
	}
	var manifest struct {
		Config descriptor   `json:"config"`
		Layers []descriptor `json:"layers"`
	}
	if err := json.Unmarshal(blobAt(t, files, top.Digest), &manifest); err != nil || len(manifest.Layers) != 1 {
		t.Fatalf("manifest: %v", err)
	}
	var config struct {
		Config struct{ Entrypoint []string } `json:"config"`
		RootFS struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	if err := json.Unmarshal(blobAt(t, files, manifest.Config.Digest), &config); err != nil {
		t.Fatal(err)
	}
	if len(config.Config.Entrypoint) != 1 || config.Config.Entrypoint[0] != "/bin/probe" {
		t.Fatalf("entrypoint: %v", config.Config.Entrypoint)
	}
	layer := blobAt(t, files, manifest.Layers[0].Digest)
	if config.RootFS.DiffIDs[0] != manifest.Layers[0].Digest {
		t.Fatal("an uncompressed layer's diff_id is its digest")
	}
	tr := tar.NewReader(bytes.NewReader(layer))
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if h.Name == "bin/probe" {
			b, _ := io.ReadAll(tr)
			if string(b) != "\x7fELF fake binary" || h.Mode != 0o755 || h.Uid != 0 {
				t.Fatalf("bin/probe: mode %o uid %d content %q", h.Mode, h.Uid, b)
			}
		}
	}
	if len(names) != 2 || names[0] != "bin/" || names[1] != "bin/probe" {
		t.Fatalf("layer entries: %v", names)
	}

	again := filepath.Join(dir, "again.tar")
	if err := WriteArchive(img, again); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(again); !bytes.Equal(b, data) {
		t.Fatal("the same input gave a different archive")
	}
}

func TestBadInputsAreRefused(t *testing.T) {
	for _, img := range []Image{
		{Path: "probe", Name: "a:1"}, {Path: "/", Name: "a:1"}, {Path: "/a/../b", Name: "a:1"}, {Path: "/probe", Name: ""},
	} {
		if _, _, err := Layout(img, []byte("x")); err == nil {
			t.Errorf("%+v accepted", img)
		}
	}
}

func TestRefName(t *testing.T) {
	for ref, want := range map[string]string{"registry.example/demo:1": "1", "localhost:5000/x": "latest", "x": "latest", "localhost:5000/x:v2": "v2"} {
		if got := refName(ref); got != want {
			t.Errorf("refName(%q) = %q, want %q", ref, got, want)
		}
	}
}
