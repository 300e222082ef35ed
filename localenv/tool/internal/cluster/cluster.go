// Package cluster runs the control plane: etcd, kube-apiserver and kube-controller-manager on 127.0.0.1 (free ports,
// each its own process group), with keys, certificates and etcd's data in a throwaway data dir, and the CRDs.
package cluster

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"aks-keyvault-secrets/localenv/internal/console"
	"aks-keyvault-secrets/localenv/internal/kube"
	"aks-keyvault-secrets/localenv/internal/mounts"
	"aks-keyvault-secrets/localenv/internal/pki"
	"aks-keyvault-secrets/localenv/internal/proc"
	"aks-keyvault-secrets/localenv/internal/statedir"
)

// AdminUser is the static token's user, in system:masters (which bypasses RBAC).
const AdminUser = "akv-e2e-admin"

// dataDirPrefix names every data dir; down removes nothing else.
const dataDirPrefix = "akv-cluster."

// Daemons are the control plane's pid file names, in start order.
var Daemons = []string{"etcd", "kube-apiserver", "kube-controller-manager"}

// Config is what `up` asks of the control plane.
type Config struct {
	State     statedir.Dir
	Etcd      string
	APIServer string
	// ControllerManager is "" for none (then foreground deletes and Namespace deletion hang).
	ControllerManager string
	CRDFiles          []string
	// WithNode prepares the API server for a kubelet and runs the node-lifecycle controller.
	WithNode bool
	Timeout  time.Duration
}

// Start brings the control plane up and writes the admin kubeconfig. On failure it leaves what it started for Stop.
func Start(cfg Config) error {
	sd := cfg.State
	data, err := prepareDirs(sd)
	if err != nil {
		return err
	}
	ports, err := proc.FreePorts(3)
	if err != nil {
		return err
	}
	etcdPort, peerPort, apiPort := ports[0], ports[1], ports[2]
	for name, port := range map[string]int{"etcd": etcdPort, "etcd-peer": peerPort, "apiserver": apiPort} {
		if err := sd.Write(name+".port", fmt.Sprint(port)); err != nil {
			return err
		}
	}
	if err := writePKI(sd.Path("pki"), cfg.WithNode); err != nil {
		return fmt.Errorf("keys and certificates: %w", err)
	}
	if err := startEtcd(cfg, data, etcdPort, peerPort); err != nil {
		return err
	}
	if err := startAPIServer(cfg, data, etcdPort, apiPort); err != nil {
		return err
	}
	if err := writeKubeconfig(sd, apiPort); err != nil {
		return err
	}
	client, err := sd.Kube()
	if err != nil {
		return err
	}
	if err := installCRDs(client, cfg.CRDFiles, cfg.Timeout); err != nil {
		return err
	}
	if cfg.ControllerManager == "" {
		return nil
	}
	// after the CRDs are served, so that the garbage collector's first discovery already covers them (it
	// rediscovers only every 30 s; a foreground delete of a kind it does not watch yet waits for that)
	return startControllerManager(cfg, client)
}

// prepareDirs makes the data dir (recorded in the state dir first, so that down finds it) and links pki/ into it.
func prepareDirs(sd statedir.Dir) (string, error) {
	if err := os.MkdirAll(string(sd), 0o755); err != nil {
		return "", err
	}
	data, err := os.MkdirTemp("", dataDirPrefix)
	if err != nil {
		return "", err
	}
	if err := sd.Write("datadir", data); err != nil {
		return "", err
	}
	for _, stale := range []string{"pki", "logs"} {
		if err := os.RemoveAll(sd.Path(stale)); err != nil {
			return "", err
		}
	}
	for _, dir := range []string{sd.Path("logs"), filepath.Join(data, "etcd"), filepath.Join(data, "pki")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
	}
	return data, os.Symlink(filepath.Join(data, "pki"), sd.Path("pki"))
}

func writePKI(dir string, withNode bool) error {
	ca, err := pki.NewCA("akv-e2e-ca")
	if err != nil {
		return err
	}
	if err := ca.Save(dir); err != nil {
		return err
	}
	serving := pki.Request{CommonName: "kube-apiserver", Usage: pki.Server, IPs: []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"}}
	if err := ca.Issue(dir, "apiserver", serving); err != nil {
		return err
	}
	if withNode {
		kubeletClient := pki.Request{CommonName: "kube-apiserver-kubelet-client", Usage: pki.Client}
		if err := ca.Issue(dir, "kubelet-client", kubeletClient); err != nil {
			return err
		}
	}
	if err := pki.WriteServiceAccountKeys(dir); err != nil {
		return err
	}
	token, err := pki.NewToken()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte(token+"\n"), 0o600); err != nil {
		return err
	}
	line := fmt.Sprintf("%s,%s,%s,\"system:masters\"\n", token, AdminUser, AdminUser)
	return os.WriteFile(filepath.Join(dir, "tokens.csv"), []byte(line), 0o600)
}

func startEtcd(cfg Config, data string, port, peerPort int) error {
	sd := cfg.State
	console.Log("etcd on 127.0.0.1:%d (data: %s)", port, filepath.Join(data, "etcd"))
	daemon := proc.Daemon{Name: "etcd", Log: sd.Log("etcd"),
		Argv: etcdArgs(cfg.Etcd, filepath.Join(data, "etcd"), port, peerPort)}
	if _, err := proc.Start(string(sd), daemon); err != nil {
		return err
	}
	health := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{Proxy: nil}}
	url := fmt.Sprintf("http://127.0.0.1:%d/health", port)
	return waitOrTail(sd, "etcd", "etcd /health", cfg.Timeout, func() (bool, error) {
		if err := proc.Alive(string(sd), "etcd"); err != nil {
			return false, err
		}
		resp, err := health.Get(url)
		if err != nil {
			return false, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return strings.Contains(string(body), `"health":"true"`), err
	})
}

func startAPIServer(cfg Config, data string, etcdPort, port int) error {
	sd := cfg.State
	console.Log("kube-apiserver on https://127.0.0.1:%d", port)
	args := apiServerArgs(apiServerFlags{binary: cfg.APIServer, etcdPort: etcdPort, port: port,
		pkiDir: sd.Path("pki"), generated: filepath.Join(data, "pki", "generated"), withNode: cfg.WithNode})
	daemon := proc.Daemon{Name: "kube-apiserver", Log: sd.Log("kube-apiserver"), Argv: args}
	if _, err := proc.Start(string(sd), daemon); err != nil {
		return err
	}
	return waitOrTail(sd, "kube-apiserver", "kube-apiserver /readyz", cfg.Timeout, func() (bool, error) {
		return Ready(sd)
	})
}

// Ready says whether the state dir's API server runs and answers /readyz; an error wrapping proc.ErrGone when it
// has exited.
func Ready(sd statedir.Dir) (bool, error) {
	if err := proc.Alive(string(sd), "kube-apiserver"); err != nil {
		return false, err
	}
	client, err := sd.Kube()
	if err != nil {
		return false, err
	}
	return client.Ready()
}

func writeKubeconfig(sd statedir.Dir, port int) error {
	ca, err := os.ReadFile(sd.PKI("ca.crt"))
	if err != nil {
		return err
	}
	token, err := sd.Read("pki/token")
	if err != nil {
		return err
	}
	config := kube.Kubeconfig{Server: fmt.Sprintf("https://127.0.0.1:%d", port), CAPEM: ca, User: AdminUser,
		Token: token, Namespace: "default"}
	return os.WriteFile(sd.Path("kubeconfig"), []byte(config.Render()), 0o600)
}

func startControllerManager(cfg Config, client *kube.Client) error {
	sd := cfg.State
	console.Log("kube-controller-manager (no listening port)")
	daemon := proc.Daemon{Name: "kube-controller-manager", Log: sd.Log("kube-controller-manager"),
		Argv: controllerManagerArgs(cfg.ControllerManager, sd.Path("kubeconfig"), sd.Path("pki"), cfg.WithNode)}
	if _, err := proc.Start(string(sd), daemon); err != nil {
		return err
	}
	// the serviceaccount controller creating default/default shows that the controllers run
	err := waitOrTail(sd, "kube-controller-manager", "kube-controller-manager (ServiceAccount default/default created)",
		cfg.Timeout, func() (bool, error) {
			if err := proc.Alive(string(sd), "kube-controller-manager"); err != nil {
				return false, err
			}
			status, err := client.Get("/api/v1/namespaces/default/serviceaccounts/default", nil)
			return status == http.StatusOK, err
		})
	if err != nil {
		return err
	}
	synced := proc.WaitFor("garbage collector synced", 30*time.Second, func() (bool, error) {
		logText, err := os.ReadFile(sd.Log("kube-controller-manager"))
		return strings.Contains(string(logText), "all resource monitors have synced"), err
	})
	if synced != nil {
		console.Log("warning: garbage collector not reported synced yet (see %s)", sd.Log("kube-controller-manager"))
	}
	return nil
}

// waitOrTail waits, and on failure shows the end of the daemon's log and names it.
func waitOrTail(sd statedir.Dir, name, what string, timeout time.Duration, ready func() (bool, error)) error {
	if err := proc.WaitFor(what, timeout, ready); err != nil {
		proc.TailLog(sd.Log(name), 20)
		return fmt.Errorf("%w; log: %s", err, sd.Log(name))
	}
	return nil
}

// Stop stops the control plane and removes the data dir (unless a mount is left under it) and what points into it.
func Stop(sd statedir.Dir) {
	for i := len(Daemons) - 1; i >= 0; i-- {
		proc.Stop(string(sd), Daemons[i])
	}
	if data := sd.DataDir(); data != "" {
		if err := removeDataDir(data); err != nil {
			// the record stays, so that a later down tries again
			console.Log("warning: %v", err)
		} else {
			_ = os.Remove(sd.Path("datadir"))
		}
	}
	for _, name := range []string{"pki", "kubeconfig", "env"} {
		_ = os.Remove(sd.Path(name))
	}
	ports, _ := filepath.Glob(sd.Path("*.port"))
	for _, port := range ports {
		_ = os.Remove(port)
	}
}

// removeDataDir never follows a mount that is still there (a pod volume, a container rootfs) into what it shows,
// and removes nothing but a data dir `up` made.
func removeDataDir(data string) error {
	if !strings.HasPrefix(filepath.Base(data), dataDirPrefix) {
		return fmt.Errorf("not removing unexpected data dir %q", data)
	}
	left, err := mounts.UnderNow(data)
	if err != nil {
		return err
	}
	if len(left) > 0 {
		return fmt.Errorf("not removing %s: mounts remain under it: %s", data, strings.Join(left, " "))
	}
	if err := os.RemoveAll(data); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
