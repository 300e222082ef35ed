package kube

import (
	"encoding/base64"
	"strings"
	"testing"
)

// fieldsOf reads "key: value" lines of the rendered kubeconfig, whatever their indent.
func fieldsOf(config string) map[string]string {
	fields := map[string]string{}
	for _, line := range strings.Split(config, "\n") {
		key, value, ok := strings.Cut(strings.TrimLeft(line, " -"), ": ")
		if ok {
			fields[key] = strings.Trim(value, `"`)
		}
	}
	return fields
}

func TestTokenKubeconfig(t *testing.T) {
	ca := []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	config := Kubeconfig{Server: "https://127.0.0.1:6443", CAPEM: ca, User: "akv-e2e-admin", Token: "t0k",
		Namespace: "default"}.Render()
	fields := fieldsOf(config)
	if fields["server"] != "https://127.0.0.1:6443" || fields["token"] != "t0k" || fields["namespace"] != "default" ||
		fields["current-context"] != ContextName || fields["user"] != "akv-e2e-admin" {
		t.Fatalf("unexpected kubeconfig:\n%s", config)
	}
	decoded, err := base64.StdEncoding.DecodeString(fields["certificate-authority-data"])
	if err != nil || string(decoded) != string(ca) {
		t.Fatalf("certificate-authority-data does not decode to the CA: %v", err)
	}
	if _, ok := fields["client-certificate"]; ok {
		t.Fatal("a token kubeconfig names a client certificate")
	}
}

func TestClientCertificateKubeconfig(t *testing.T) {
	config := Kubeconfig{Server: "https://127.0.0.1:6443", CAPEM: []byte("x"), User: "system:node:akv-node",
		ClientCert: "/s/pki/kubelet.crt", ClientKey: "/s/pki/kubelet.key"}.Render()
	fields := fieldsOf(config)
	if fields["client-certificate"] != "/s/pki/kubelet.crt" || fields["client-key"] != "/s/pki/kubelet.key" {
		t.Fatalf("client certificate and key not named:\n%s", config)
	}
	// a user name with a colon must stay one YAML scalar
	if !strings.Contains(config, `user: "system:node:akv-node"`) {
		t.Fatalf("user name not quoted:\n%s", config)
	}
	for _, absent := range []string{"token", "namespace"} {
		if _, ok := fields[absent]; ok {
			t.Errorf("kubeconfig has %s", absent)
		}
	}
}
