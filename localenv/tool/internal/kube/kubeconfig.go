package kube

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// Kubeconfig is a one-cluster, one-user kubeconfig.
type Kubeconfig struct {
	Server string
	CAPEM  []byte
	User   string
	// Either a bearer token or a client certificate and key (file paths).
	Token      string
	ClientCert string
	ClientKey  string
	// Namespace of the context; "" leaves it out.
	Namespace string
}

// ContextName is the one context (and cluster) name the environment's kubeconfigs use.
const ContextName = "akv-local"

// Render writes the kubeconfig as YAML. Values are quoted as JSON strings, which YAML reads the same way.
func (k Kubeconfig) Render() string {
	var user strings.Builder
	if k.Token != "" {
		fmt.Fprintf(&user, "    token: %q\n", k.Token)
	} else {
		fmt.Fprintf(&user, "    client-certificate: %q\n    client-key: %q\n", k.ClientCert, k.ClientKey)
	}
	namespace := ""
	if k.Namespace != "" {
		namespace = fmt.Sprintf("    namespace: %q\n", k.Namespace)
	}
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: %[1]s
  cluster:
    server: %[2]q
    certificate-authority-data: %[3]s
users:
- name: %[4]q
  user:
%[5]scontexts:
- name: %[1]s
  context:
    cluster: %[1]s
    user: %[4]q
%[6]scurrent-context: %[1]s
`, ContextName, k.Server, base64.StdEncoding.EncodeToString(k.CAPEM), k.User, user.String(), namespace)
}
