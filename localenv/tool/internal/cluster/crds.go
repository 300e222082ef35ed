package cluster

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"aks-keyvault-secrets/localenv/internal/console"
	"aks-keyvault-secrets/localenv/internal/kube"
	"aks-keyvault-secrets/localenv/internal/proc"
)

const crdPath = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"

// installCRDs posts each file as YAML (the API server reads it; no kubectl needed), then waits until each CRD is
// Established and every group/version it serves answers.
func installCRDs(client *kube.Client, files []string, timeout time.Duration) error {
	var names []string
	for _, file := range files {
		name, err := installCRD(client, file)
		if err != nil {
			return err
		}
		names = append(names, name)
	}
	served := map[string]bool{}
	for _, name := range names {
		var crd kube.CRD
		err := proc.WaitFor("CRD "+name+" Established", timeout, func() (bool, error) {
			status, err := client.Get(crdPath+"/"+name, &crd)
			return status == http.StatusOK && kube.HasTrue(crd.Status.Conditions, "Established"), err
		})
		if err != nil {
			return err
		}
		for _, groupVersion := range crd.ServedGroupVersions() {
			if served[groupVersion] {
				continue
			}
			served[groupVersion] = true
			err := proc.WaitFor("API group "+groupVersion+" served", timeout, func() (bool, error) {
				status, err := client.Get("/apis/"+groupVersion, nil)
				return status == http.StatusOK, err
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func installCRD(client *kube.Client, file string) (string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("CRD file: %w", err)
	}
	name := metadataName(data)
	if name == "" {
		return "", fmt.Errorf("no metadata.name in %s", file)
	}
	resp, err := client.Do(http.MethodPost, crdPath, "application/yaml", data)
	if err != nil {
		return "", err
	}
	switch resp.Status {
	case http.StatusCreated:
		console.Log("CRD %s created", name)
	case http.StatusConflict:
		console.Log("CRD %s already exists", name)
	default:
		return "", resp.Failed("creating CRD from " + file)
	}
	return name, nil
}

// metadataName reads metadata.name of a YAML document written in block style, as CRD files are.
func metadataName(yaml []byte) string {
	inMetadata := false
	scanner := bufio.NewScanner(bytes.NewReader(yaml))
	for scanner.Scan() {
		line := scanner.Text()
		switch {
		case line == "metadata:":
			inMetadata = true
		case inMetadata && strings.HasPrefix(line, "  name:"):
			return strings.Trim(strings.TrimSpace(strings.TrimPrefix(line, "  name:")), `"'`)
		case inMetadata && line != "" && line[0] != ' ' && line[0] != '#':
			inMetadata = false
		}
	}
	return ""
}
