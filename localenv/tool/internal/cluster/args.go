package cluster

import (
	"fmt"
	"strings"
)

// Controllers are the controller manager's controllers without a node: enough for foreground deletes (the garbage
// collector) and Namespace deletion to finish as on a real cluster, for ServiceAccounts and their tokens, and for
// Deployments to make ReplicaSets and Pods.
var Controllers = []string{
	"garbage-collector-controller", "namespace-controller", "serviceaccount-controller",
	"serviceaccount-token-controller", "root-ca-certificate-publisher-controller", "deployment-controller",
	"replicaset-controller",
}

// NodeLifecycleController removes the not-ready taint a node registers with; it runs only with the node.
const NodeLifecycleController = "node-lifecycle-controller"

func etcdArgs(binary, dataDir string, clientPort, peerPort int) []string {
	client := fmt.Sprintf("http://127.0.0.1:%d", clientPort)
	peer := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	return []string{binary, "--name", "akv-local", "--data-dir", dataDir,
		"--listen-client-urls", client, "--advertise-client-urls", client,
		"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
		"--initial-cluster", "akv-local=" + peer, "--initial-cluster-state", "new",
		"--unsafe-no-fsync", "--log-level", "warn"}
}

// apiServerFlags are what the API server's arguments depend on.
type apiServerFlags struct {
	binary            string
	etcdPort, port    int
	pkiDir, generated string
	withNode          bool
}

func apiServerArgs(f apiServerFlags) []string {
	pki := func(name string) string { return f.pkiDir + "/" + name }
	args := []string{f.binary,
		"--etcd-servers", fmt.Sprintf("http://127.0.0.1:%d", f.etcdPort),
		"--bind-address", "127.0.0.1", "--secure-port", fmt.Sprint(f.port),
		"--advertise-address", "127.0.0.1", "--endpoint-reconciler-type", "none",
		"--tls-cert-file", pki("apiserver.crt"), "--tls-private-key-file", pki("apiserver.key"),
		"--cert-dir", f.generated,
		"--service-cluster-ip-range", "10.0.0.0/24",
		"--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file", pki("sa.pub"), "--service-account-signing-key-file", pki("sa.key"),
		"--token-auth-file", pki("tokens.csv"),
		"--allow-privileged=true", "--profiling=false", "--v=1",
	}
	if !f.withNode {
		// nothing runs pods, and without the controller manager no `default` ServiceAccount exists to admit them with
		return append(args, "--authorization-mode", "RBAC", "--disable-admission-plugins", "ServiceAccount")
	}
	// The kubelet authenticates with its client certificate as system:node:akv-node (the Node authorizer and
	// NodeRestriction, as on a real cluster); the API server reaches the kubelet at its InternalIP, verifies its
	// serving certificate against the cluster CA and authenticates with a client certificate of its own.
	return append(args, "--authorization-mode", "Node,RBAC", "--enable-admission-plugins", "NodeRestriction",
		"--client-ca-file", pki("ca.crt"),
		"--kubelet-client-certificate", pki("kubelet-client.crt"), "--kubelet-client-key", pki("kubelet-client.key"),
		"--kubelet-certificate-authority", pki("ca.crt"), "--kubelet-preferred-address-types", "InternalIP")
}

func controllerManagerArgs(binary, kubeconfig, pkiDir string, withNode bool) []string {
	controllers := Controllers
	if withNode {
		controllers = append(append([]string{}, Controllers...), NodeLifecycleController)
	}
	return []string{binary, "--kubeconfig", kubeconfig,
		"--authentication-kubeconfig", kubeconfig, "--authorization-kubeconfig", kubeconfig,
		"--secure-port", "0", "--leader-elect=false",
		"--controllers", strings.Join(controllers, ","),
		"--root-ca-file", pkiDir + "/ca.crt", "--service-account-private-key-file", pkiDir + "/sa.key",
		"--use-service-account-credentials=false", "--v=1"}
}
