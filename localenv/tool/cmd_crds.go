package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"aks-keyvault-secrets/localenv/internal/toolchain"
	"aks-keyvault-secrets/localenv/internal/versions"
)

func init() {
	register("crds", "the CRD files the local cluster serves: the Secrets Store CSI CRDs from the driver's module, our SecretSync fixture", runCRDs)
}

const secretsStoreDriverModule = "sigs.k8s.io/secrets-store-csi-driver"

// secretsStoreCRDs are the driver's CRD files by the kind each must define.
var secretsStoreCRDs = []struct{ file, kind string }{
	{"secrets-store.csi.x-k8s.io_secretproviderclasses.yaml", "SecretProviderClass"},
	{"secrets-store.csi.x-k8s.io_secretproviderclasspodstatuses.yaml", "SecretProviderClassPodStatus"},
}

func runCRDs(args []string) error {
	if err := parseFlags(newFlags("crds"), args); err != nil {
		return err
	}
	files, err := crdFiles()
	if err != nil {
		return err
	}
	for _, file := range files {
		fmt.Println(file)
	}
	return nil
}

// crdFiles are the CRD files the local cluster serves: the driver's, each checked to define its kind, downloaded into
// the Go module cache once; then our SecretSync fixture.
func crdFiles() ([]string, error) {
	v, err := versions.Load(localenvDir())
	if err != nil {
		return nil, err
	}
	module := secretsStoreDriverModule + "@" + v.SecretsStoreCRDs.Driver
	download, err := toolchain.DownloadModule(module, toolchain.BuildEnv(), os.Stderr)
	if err != nil {
		return nil, fmt.Errorf("the CRDs come from the Go module %s: %w", module, err)
	}
	var files []string
	for _, crd := range secretsStoreCRDs {
		path := filepath.Join(download.Dir, "config", "crd", "bases", crd.file)
		text, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s has no config/crd/bases/%s", module, crd.file)
		}
		if err := checkCRD(string(text), crd.kind); err != nil {
			return nil, fmt.Errorf("%s of %s: %w", crd.file, module, err)
		}
		files = append(files, path)
	}
	secretSync := filepath.Join(localenvDir(), "crds", "secret-sync.x-k8s.io_secretsyncs.yaml")
	if _, err := os.Stat(secretSync); err != nil {
		return nil, err
	}
	return append(files, secretSync), nil
}

var (
	crdNamesKind = regexp.MustCompile(`(?m)^    kind: *(\S+)`)
	crdVersion   = regexp.MustCompile(`^  - name: (\S+)$`)
)

// checkCRD says whether a controller-gen CRD file defines kind in the Secrets Store group with a served storage
// version v1: a check of the lines at their usual indentation, not a YAML parse.
func checkCRD(text, kind string) error {
	want := fmt.Sprintf("not the %s CRD with a served storage version v1", kind)
	if !strings.Contains(text, "\nkind: CustomResourceDefinition\n") || !strings.Contains(text, "\n  group: secrets-store.csi.x-k8s.io\n") {
		return fmt.Errorf("%s (kind or group)", want)
	}
	if match := crdNamesKind.FindStringSubmatch(text); match == nil || match[1] != kind {
		return fmt.Errorf("%s (names.kind)", want)
	}
	inV1, served, storage := false, false, false
	for _, line := range strings.Split(text, "\n") {
		if match := crdVersion.FindStringSubmatch(line); match != nil {
			inV1 = match[1] == "v1"
			continue
		}
		if strings.HasPrefix(line, "  - ") {
			inV1 = false
		}
		served = served || (inV1 && line == "    served: true")
		storage = storage || (inV1 && line == "    storage: true")
	}
	if !served || !storage {
		return fmt.Errorf("%s (versions)", want)
	}
	return nil
}
