package node

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// imageArchive is what the environment reads from one of our OCI image archives (pause.tar, probe.tar).
type imageArchive struct {
	name         string
	architecture string
}

// readImageArchive reads index.json of an OCI layout tar: the name our image writer put into
// io.containerd.image.name and the platform it was built for.
func readImageArchive(path string) (imageArchive, error) {
	f, err := os.Open(path)
	if err != nil {
		return imageArchive{}, err
	}
	defer f.Close()
	archive := tar.NewReader(f)
	for {
		header, err := archive.Next()
		if errors.Is(err, io.EOF) {
			return imageArchive{}, fmt.Errorf("%s: no index.json", path)
		}
		if err != nil {
			return imageArchive{}, fmt.Errorf("%s: %w", path, err)
		}
		if header.Name == "index.json" || header.Name == "./index.json" {
			return parseIndex(path, archive)
		}
	}
}

func parseIndex(path string, r io.Reader) (imageArchive, error) {
	var index struct {
		Manifests []struct {
			Annotations map[string]string `json:"annotations"`
			Platform    struct {
				Architecture string `json:"architecture"`
			} `json:"platform"`
		} `json:"manifests"`
	}
	if err := json.NewDecoder(r).Decode(&index); err != nil {
		return imageArchive{}, fmt.Errorf("%s: index.json: %w", path, err)
	}
	if len(index.Manifests) == 0 {
		return imageArchive{}, fmt.Errorf("%s: index.json lists no manifest", path)
	}
	m := index.Manifests[0]
	name := m.Annotations["io.containerd.image.name"]
	if name == "" || m.Platform.Architecture == "" {
		return imageArchive{}, fmt.Errorf("%s: no image name or platform in index.json", path)
	}
	return imageArchive{name: name, architecture: m.Platform.Architecture}, nil
}
