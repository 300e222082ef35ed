package cluster

import (
	"slices"
	"strings"
	"testing"
)

// flagValues maps each --flag of an argv to its values (the next word, or the part after "=").
func flagValues(argv []string) map[string][]string {
	values := map[string][]string{}
	for i := 1; i < len(argv); i++ {
		name, value, hasValue := strings.Cut(argv[i], "=")
		if !hasValue && i+1 < len(argv) && !strings.HasPrefix(argv[i+1], "--") {
			value = argv[i+1]
			i++
		}
		values[name] = append(values[name], value)
	}
	return values
}

func TestEtcdListensOnLoopbackOnly(t *testing.T) {
	flags := flagValues(etcdArgs("/bin/etcd", "/d/etcd", 2379, 2380))
	for _, name := range []string{"--listen-client-urls", "--listen-peer-urls", "--advertise-client-urls"} {
		if len(flags[name]) != 1 || !strings.HasPrefix(flags[name][0], "http://127.0.0.1:") {
			t.Errorf("%s = %q, want one loopback URL", name, flags[name])
		}
	}
}

func TestAPIServerArgs(t *testing.T) {
	for _, withNode := range []bool{false, true} {
		argv := apiServerArgs(apiServerFlags{binary: "/bin/kube-apiserver", etcdPort: 1, port: 2, pkiDir: "/s/pki",
			generated: "/d/pki/generated", withNode: withNode})
		flags := flagValues(argv)
		for name, values := range flags {
			if len(values) > 1 {
				t.Errorf("node=%v: %s given %d times", withNode, name, len(values))
			}
		}
		if flags["--bind-address"][0] != "127.0.0.1" {
			t.Errorf("node=%v: bind address %q", withNode, flags["--bind-address"])
		}
		_, kubeletClient := flags["--kubelet-client-certificate"]
		if kubeletClient != withNode {
			t.Errorf("node=%v: kubelet client certificate given: %v", withNode, kubeletClient)
		}
		authz := flags["--authorization-mode"][0]
		if withNode && authz != "Node,RBAC" || !withNode && authz != "RBAC" {
			t.Errorf("node=%v: authorization mode %s", withNode, authz)
		}
		// pods are admitted with their ServiceAccount only when a node runs them
		_, noServiceAccount := flags["--disable-admission-plugins"]
		if noServiceAccount == withNode {
			t.Errorf("node=%v: ServiceAccount admission disabled: %v", withNode, noServiceAccount)
		}
	}
}

func TestControllerManagerArgs(t *testing.T) {
	plain := flagValues(controllerManagerArgs("/bin/kcm", "/s/kubeconfig", "/s/pki", false))
	withNode := flagValues(controllerManagerArgs("/bin/kcm", "/s/kubeconfig", "/s/pki", true))
	if plain["--secure-port"][0] != "0" {
		t.Error("the controller manager would listen")
	}
	plainList := strings.Split(plain["--controllers"][0], ",")
	nodeList := strings.Split(withNode["--controllers"][0], ",")
	if slices.Contains(plainList, NodeLifecycleController) || !slices.Contains(nodeList, NodeLifecycleController) {
		t.Errorf("node-lifecycle controller: without node %v, with node %v", plainList, nodeList)
	}
	if len(Controllers) != len(plainList) || slices.Contains(Controllers, NodeLifecycleController) {
		t.Errorf("building the node's list changed the shared one: %v", Controllers)
	}
}

func TestMetadataName(t *testing.T) {
	crd := `# comment
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  annotations:
    controller-gen.kubebuilder.io/version: v0.9.0
  name: secretproviderclasses.secrets-store.csi.x-k8s.io
spec:
  names:
    name: not-this
`
	if got := metadataName([]byte(crd)); got != "secretproviderclasses.secrets-store.csi.x-k8s.io" {
		t.Fatalf("metadataName = %q", got)
	}
	if got := metadataName([]byte("kind: X\nspec:\n  name: nope\n")); got != "" {
		t.Fatalf("metadataName without metadata = %q", got)
	}
}
