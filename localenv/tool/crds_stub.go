package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"aks-keyvault-secrets/localenv/internal/versions"
)

// crdFiles are the CRD files the local cluster serves: the Secrets Store CSI CRDs from the driver's Go module (the
// release versions.json names, downloaded into the Go module cache once) and our SecretSync fixture.
func crdFiles() ([]string, error) {
	v, err := versions.Load(localenvDir())
	if err != nil {
		return nil, err
	}
	module := "sigs.k8s.io/secrets-store-csi-driver@" + v.SecretsStoreCRDs.Driver
	download := exec.Command("go", "mod", "download", "-json", module)
	// outside any module, so that no go.mod of ours is read or written
	download.Dir = os.TempDir()
	download.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
	download.Stderr = os.Stderr
	out, err := download.Output()
	if err != nil {
		return nil, fmt.Errorf("go mod download %s: %w", module, err)
	}
	var downloaded struct{ Dir string }
	if err := json.Unmarshal(out, &downloaded); err != nil || downloaded.Dir == "" {
		return nil, fmt.Errorf("go mod download %s: no module dir in its answer", module)
	}
	bases := filepath.Join(downloaded.Dir, "config", "crd", "bases")
	return []string{
		filepath.Join(bases, "secrets-store.csi.x-k8s.io_secretproviderclasses.yaml"),
		filepath.Join(bases, "secrets-store.csi.x-k8s.io_secretproviderclasspodstatuses.yaml"),
		filepath.Join(localenvDir(), "crds", "secret-sync.x-k8s.io_secretsyncs.yaml"),
	}, nil
}
