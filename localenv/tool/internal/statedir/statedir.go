// Package statedir is the layout of a cluster's state dir, which `up` writes and every later command reads:
//
//	kubeconfig, env              the admin kubeconfig and `export KUBECONFIG=...`
//	<name>.pid, <name>.port      the daemons and their ports
//	datadir                      the throwaway data dir (/tmp/akv-cluster.XXXXXX: etcd, keys, the node's files)
//	pki -> <data dir>/pki        keys and certificates
//	logs/                        the daemons' logs, kept after down
//	node/                        the node's config files and what down must remove
//	standin.port, standin/       the Key Vault stand-in's port and CA; keyvault.json its content
package statedir

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"aks-keyvault-secrets/localenv/internal/kube"
)

// Dir is an absolute state dir.
type Dir string

// Open makes path absolute (it need not exist).
func Open(path string) (Dir, error) {
	abs, err := filepath.Abs(path)
	return Dir(abs), err
}

// Path joins names onto the state dir.
func (d Dir) Path(elem ...string) string {
	return filepath.Join(append([]string{string(d)}, elem...)...)
}

// Log is logs/<name>.log.
func (d Dir) Log(name string) string { return d.Path("logs", name+".log") }

// PKI is a file in pki/.
func (d Dir) PKI(name string) string { return d.Path("pki", name) }

// Read is the trimmed content of a file in the state dir.
func (d Dir) Read(name string) (string, error) {
	data, err := os.ReadFile(d.Path(name))
	return strings.TrimSpace(string(data)), err
}

// Write writes one value and a newline.
func (d Dir) Write(name, value string) error {
	return os.WriteFile(d.Path(name), []byte(value+"\n"), 0o644)
}

// Port reads <name>.port.
func (d Dir) Port(name string) (int, error) {
	value, err := d.Read(name + ".port")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(value)
}

// DataDir is the data dir `up` recorded, "" when there is none.
func (d Dir) DataDir() string {
	data, _ := d.Read("datadir")
	return data
}

// Kube is a client of the cluster's API server as its admin (the static token).
func (d Dir) Kube() (*kube.Client, error) {
	port, err := d.Port("apiserver")
	if err != nil {
		return nil, fmt.Errorf("no API server port in %s: %w", d, err)
	}
	ca, err := os.ReadFile(d.PKI("ca.crt"))
	if err != nil {
		return nil, err
	}
	token, err := d.Read("pki/token")
	if err != nil {
		return nil, err
	}
	return kube.NewClient(fmt.Sprintf("https://127.0.0.1:%d", port), ca, token)
}
