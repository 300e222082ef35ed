package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"strings"
	"time"
)

// Image is what one archive holds: one binary at Path, run as the entrypoint.
type Image struct {
	Binary string // file on this machine
	Path   string // absolute path inside the image
	Name   string // reference the archive is imported under
	Arch   string // GOARCH spelling, which is also the OCI one for linux
}

const (
	mediaIndex    = "application/vnd.oci.image.index.v1+json"
	mediaManifest = "application/vnd.oci.image.manifest.v1+json"
	mediaConfig   = "application/vnd.oci.image.config.v1+json"
	mediaLayer    = "application/vnd.oci.image.layer.v1.tar"
)

// epoch is the fixed time of every tar entry, so archives are reproducible.
var epoch = time.Unix(0, 0).UTC()

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int               `json:"size"`
	Platform    *platform         `json:"platform,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type platform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
}

type blob struct {
	digest string
	data   []byte
}

func newBlob(data []byte) blob {
	sum := sha256.Sum256(data)
	return blob{digest: "sha256:" + hex.EncodeToString(sum[:]), data: data}
}

func (b blob) describe(mediaType string) descriptor {
	return descriptor{MediaType: mediaType, Digest: b.digest, Size: len(b.data)}
}

// Layer is an uncompressed tar with the binary at img.Path (mode 0755, owned by root) and its parent directories.
func Layer(img Image, binary []byte) ([]byte, error) {
	if !path.IsAbs(img.Path) || path.Clean(img.Path) != img.Path || img.Path == "/" {
		return nil, fmt.Errorf("--path %q: give a clean absolute file path such as /probe", img.Path)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	rel := strings.TrimPrefix(img.Path, "/")
	parts := strings.Split(rel, "/")
	for i := 1; i < len(parts); i++ {
		dir := strings.Join(parts[:i], "/") + "/"
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir, Mode: 0o755, ModTime: epoch, Format: tar.FormatPAX}); err != nil {
			return nil, err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: rel, Mode: 0o755, Size: int64(len(binary)), ModTime: epoch, Format: tar.FormatPAX}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(binary); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Layout returns the files of the OCI image layout (path -> content) in the order they are written.
func Layout(img Image, binary []byte) ([]string, map[string][]byte, error) {
	if img.Name == "" || strings.ContainsAny(img.Name, " \t\n") {
		return nil, nil, fmt.Errorf("--name %q: give an image reference such as localhost/akv-probe:1", img.Name)
	}
	layerBytes, err := Layer(img, binary)
	if err != nil {
		return nil, nil, err
	}
	layer := newBlob(layerBytes)
	configBytes, err := json.Marshal(map[string]any{
		"architecture": img.Arch,
		"os":           "linux",
		"created":      epoch.Format(time.RFC3339),
		"config": map[string]any{
			"Entrypoint": []string{img.Path},
			"Env":        []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		},
		"rootfs":  map[string]any{"type": "layers", "diff_ids": []string{layer.digest}},
		"history": []map[string]string{{"created": epoch.Format(time.RFC3339), "created_by": "oci-images " + img.Path}},
	})
	if err != nil {
		return nil, nil, err
	}
	config := newBlob(configBytes)
	manifestBytes, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     mediaManifest,
		"config":        config.describe(mediaConfig),
		"layers":        []descriptor{layer.describe(mediaLayer)},
	})
	if err != nil {
		return nil, nil, err
	}
	manifest := newBlob(manifestBytes)
	top := manifest.describe(mediaManifest)
	top.Platform = &platform{Architecture: img.Arch, OS: "linux"}
	top.Annotations = map[string]string{
		"io.containerd.image.name":          img.Name,
		"org.opencontainers.image.ref.name": refName(img.Name),
	}
	indexBytes, err := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": mediaIndex, "manifests": []descriptor{top}})
	if err != nil {
		return nil, nil, err
	}
	files := map[string][]byte{
		"oci-layout": []byte(`{"imageLayoutVersion":"1.0.0"}`),
		"index.json": indexBytes,
	}
	order := []string{"oci-layout", "index.json"}
	for _, b := range []blob{layer, config, manifest} {
		name := "blobs/sha256/" + strings.TrimPrefix(b.digest, "sha256:")
		files[name] = b.data
		order = append(order, name)
	}
	return order, files, nil
}

// refName is the tag of a reference (what org.opencontainers.image.ref.name holds), or "latest" without one.
func refName(ref string) string {
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[i+1:]
	}
	return "latest"
}

// WriteArchive writes the image layout as a tar archive to out (through a temporary file, so a failure leaves no
// half archive behind).
func WriteArchive(img Image, out string) error {
	binary, err := os.ReadFile(img.Binary)
	if err != nil {
		return err
	}
	order, files, err := Layout(img, binary)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "blobs/", Mode: 0o755, ModTime: epoch}); err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "blobs/sha256/", Mode: 0o755, ModTime: epoch}); err != nil {
		return err
	}
	for _, name := range order {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(files[name])), ModTime: epoch}); err != nil {
			return err
		}
		if _, err := tw.Write(files[name]); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}
