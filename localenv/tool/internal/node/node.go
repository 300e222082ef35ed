// Package node runs the local cluster's node: containerd with runc and the CNI bridge, a kubelet registered as
// akv-node, and kube-scheduler. Everything it writes lives in the cluster's data dir D or is named after it (the
// bridge, the cgroup root), and is recorded in <state dir>/node/ before it exists, so Stop removes exactly what this
// node left, also after a half-failed start, and never what another cluster on this machine owns.
//
// Layout: kubelet root D/kubelet, containerd D/containerd/{root,state,opt}, socket D/containerd.sock, CNI config
// D/cni, host-local's state D/cni-ipam, pod logs D/pod-logs; config files and the kubelet's kubeconfig in
// <state dir>/node; logs in <state dir>/logs/{containerd,kube-scheduler,kubelet}.log.
package node

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"aks-keyvault-secrets/localenv/internal/console"
	"aks-keyvault-secrets/localenv/internal/kube"
	"aks-keyvault-secrets/localenv/internal/pki"
	"aks-keyvault-secrets/localenv/internal/proc"
	"aks-keyvault-secrets/localenv/internal/statedir"
)

// Name is the node's name.
const Name = "akv-node"

const cniNetwork = "akv-pods"

// Daemons are the node's pid file names, in start order.
var Daemons = []string{"containerd", "kube-scheduler", "kubelet"}

// Binaries are the node's programs and files from the toolchain.
type Binaries struct {
	Kubelet, Scheduler, Containerd, Ctr, Runc string
	// CNIBinDir holds the bridge, host-local and loopback plugins.
	CNIBinDir string
	// ImagesDir holds pause.tar and probe.tar.
	ImagesDir string
}

// Config is what `up --node` asks of the node.
type Config struct {
	State         statedir.Dir
	Bins          Binaries
	SyncFrequency time.Duration
	Timeout       time.Duration
}

// Node is one started (or half-started) node of a state dir.
type Node struct {
	sd      statedir.Dir
	dataDir string
	bins    Binaries
}

func open(sd statedir.Dir, bins Binaries) (*Node, error) {
	data := sd.DataDir()
	if data == "" {
		return nil, fmt.Errorf("no data dir recorded in %s", sd)
	}
	return &Node{sd: sd, dataDir: data, bins: bins}, nil
}

func socket(dataDir string) string { return dataDir + "/containerd.sock" }

// suffix is the data dir's random part, which names what the node creates outside it.
func (n *Node) suffix() string { return n.dataDir[strings.LastIndexByte(n.dataDir, '.')+1:] }

// bridgeName fits the kernel's 15 characters.
func (n *Node) bridgeName() string {
	var alnum strings.Builder
	for _, r := range n.suffix() {
		if (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			alnum.WriteRune(r)
		}
	}
	name := alnum.String()
	return "akv" + name[:min(len(name), 10)]
}

func (n *Node) cgroupRoot() string { return "/akv-node-" + n.suffix() }

func (n *Node) path(elem ...string) string {
	return filepath.Join(append([]string{n.dataDir}, elem...)...)
}

// Start runs containerd, kube-scheduler and the kubelet after the control plane, and waits until the node is Ready
// and schedulable.
func Start(cfg Config) error {
	n, err := open(cfg.State, cfg.Bins)
	if err != nil {
		return err
	}
	if err := n.prepare(); err != nil {
		return err
	}
	snapshotter, err := n.startContainerd(cfg.Timeout)
	if err != nil {
		return err
	}
	if err := n.importPause(snapshotter); err != nil {
		return err
	}
	client, err := cfg.State.Kube()
	if err != nil {
		return err
	}
	if err := grantAPIServerKubeletAccess(client); err != nil {
		return err
	}
	if err := n.startScheduler(cfg.Timeout); err != nil {
		return err
	}
	return n.startKubelet(cfg, client)
}

// prepare makes the node's dirs and, before they exist, records the bridge and cgroup root for Stop.
func (n *Node) prepare() error {
	dirs := []string{n.sd.Path("node"), n.path("kubelet"), n.path("containerd", "root"), n.path("containerd", "state"),
		n.path("containerd", "opt"), n.path("cni"), n.path("cni-ipam"), n.path("pod-logs")}
	for _, dir := range dirs {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	if err := n.sd.Write("node/bridge", n.bridgeName()); err != nil {
		return err
	}
	if err := n.sd.Write("node/cgroup-root", n.cgroupRoot()); err != nil {
		return err
	}
	for _, hierarchy := range cgroupHierarchies() {
		if err := os.MkdirAll(filepath.Join(hierarchy, n.cgroupRoot()), 0o755); err != nil {
			return fmt.Errorf("cgroup: %w", err)
		}
	}
	return nil
}

// pickSnapshotter: overlayfs when an overlay mount works in the data dir (not on every filesystem or in every
// container), else native.
func (n *Node) pickSnapshotter() string {
	check := n.path("overlay-check")
	defer os.RemoveAll(check)
	for _, dir := range []string{"lower", "upper", "work", "merged"} {
		if err := os.MkdirAll(filepath.Join(check, dir), 0o755); err != nil {
			return "native"
		}
	}
	options := fmt.Sprintf("lowerdir=%s/lower,upperdir=%s/upper,workdir=%s/work", check, check, check)
	if syscall.Mount("overlay", filepath.Join(check, "merged"), "overlay", 0, options) != nil {
		return "native"
	}
	if syscall.Unmount(filepath.Join(check, "merged"), 0) != nil {
		_ = syscall.Unmount(filepath.Join(check, "merged"), syscall.MNT_DETACH)
		return "native"
	}
	return "overlayfs"
}

func (n *Node) startContainerd(timeout time.Duration) (string, error) {
	snapshotter := n.pickSnapshotter()
	podCIDR, err := n.writeContainerdConfig(snapshotter)
	if err != nil {
		return "", err
	}
	console.Log("containerd (snapshotter %s, socket %s, pods on %s)", snapshotter, socket(n.dataDir), podCIDR)
	// the shim is found on PATH, next to containerd
	env := append(os.Environ(), "PATH="+filepath.Dir(n.bins.Containerd)+":"+os.Getenv("PATH"))
	daemon := proc.Daemon{Name: "containerd", Log: n.sd.Log("containerd"), Env: env,
		Argv: []string{n.bins.Containerd, "--config", n.sd.Path("node", "containerd.toml"), "--log-level", "warn"}}
	if _, err := proc.Start(string(n.sd), daemon); err != nil {
		return "", err
	}
	err = n.waitOrTail("containerd", "containerd", timeout, func() (bool, error) {
		if err := proc.Alive(string(n.sd), "containerd"); err != nil {
			return false, err
		}
		_, err := n.ctr("version")
		return err == nil, err
	})
	return snapshotter, err
}

// writeContainerdConfig writes containerd's config and the pods' network on a pod CIDR it picks and records.
func (n *Node) writeContainerdConfig(snapshotter string) (netip.Prefix, error) {
	pause, err := readImageArchive(filepath.Join(n.bins.ImagesDir, "pause.tar"))
	if err != nil {
		return netip.Prefix{}, err
	}
	config := renderContainerdConfig(containerdConfig{dataDir: n.dataDir, snapshotter: snapshotter,
		pauseImage: pause.name, platform: "linux/" + pause.architecture, runc: n.bins.Runc, cniBinDir: n.bins.CNIBinDir})
	if err := os.WriteFile(n.sd.Path("node", "containerd.toml"), []byte(config), 0o644); err != nil {
		return netip.Prefix{}, err
	}
	routes, err := hostRoutes()
	if err != nil {
		return netip.Prefix{}, err
	}
	podCIDR, err := pickPodCIDR(n.suffix(), routes)
	if err != nil {
		return netip.Prefix{}, err
	}
	if err := n.sd.Write("node/pod-cidr", podCIDR.String()); err != nil {
		return netip.Prefix{}, err
	}
	cni, err := renderCNIConfig(n.bridgeName(), podCIDR, n.path("cni-ipam"))
	if err != nil {
		return netip.Prefix{}, err
	}
	return podCIDR, os.WriteFile(n.path("cni", "10-"+cniNetwork+".conflist"), []byte(cni), 0o644)
}

func (n *Node) importPause(snapshotter string) error {
	archive := filepath.Join(n.bins.ImagesDir, "pause.tar")
	pause, err := readImageArchive(archive)
	if err != nil {
		return err
	}
	if _, err := n.ctr("images", "import", "--snapshotter", snapshotter, "--label", "io.cri-containerd.pinned=pinned", archive); err != nil {
		return err
	}
	console.Log("pause image %s imported", pause.name)
	return n.sd.Write("node/snapshotter", snapshotter)
}

// grantAPIServerKubeletAccess binds the API server's kubelet client certificate to the built-in role for what it
// proxies to kubelets (logs, exec, metrics): GET .../pods/P/log needs it.
func grantAPIServerKubeletAccess(client *kube.Client) error {
	binding := map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
		"metadata": map[string]any{"name": "akv-local:kube-apiserver-kubelet-client"},
		"roleRef": map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
			"name": "system:kubelet-api-admin"},
		"subjects": []any{map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "User",
			"name": "kube-apiserver-kubelet-client"}},
	}
	resp, err := client.PostJSON("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", binding)
	if err != nil {
		return err
	}
	if resp.Status != http.StatusCreated && resp.Status != http.StatusConflict {
		return resp.Failed("binding system:kubelet-api-admin")
	}
	return nil
}

func (n *Node) startScheduler(timeout time.Duration) error {
	console.Log("kube-scheduler (no listening port)")
	kubeconfig := n.sd.Path("kubeconfig")
	daemon := proc.Daemon{Name: "kube-scheduler", Log: n.sd.Log("kube-scheduler"), Argv: []string{n.bins.Scheduler,
		"--kubeconfig", kubeconfig, "--authentication-kubeconfig", kubeconfig, "--authorization-kubeconfig", kubeconfig,
		"--secure-port", "0", "--leader-elect=false", "--v=1"}}
	if _, err := proc.Start(string(n.sd), daemon); err != nil {
		return err
	}
	return n.waitOrTail("kube-scheduler", "kube-scheduler", timeout, func() (bool, error) {
		if err := proc.Alive(string(n.sd), "kube-scheduler"); err != nil {
			return false, err
		}
		logText, err := os.ReadFile(n.sd.Log("kube-scheduler"))
		return strings.Contains(string(logText), "Starting Kubernetes Scheduler"), err
	})
}

func (n *Node) startKubelet(cfg Config, client *kube.Client) error {
	routes, err := hostRoutes()
	if err != nil {
		return err
	}
	nodeIP, err := defaultRouteIP(routes)
	if err != nil {
		return err
	}
	if err := n.writeKubeletIdentity(nodeIP); err != nil {
		return err
	}
	ports, err := proc.FreePorts(2)
	if err != nil {
		return err
	}
	port, healthzPort := ports[0], ports[1]
	if err := n.writeKubeletConfig(cfg, nodeIP, port, healthzPort); err != nil {
		return err
	}
	console.Log("kubelet %s on %s:%d (root dir %s, cgroup root %s)", Name, nodeIP, port, n.path("kubelet"), n.cgroupRoot())
	daemon := proc.Daemon{Name: "kubelet", Log: n.sd.Log("kubelet"), Argv: []string{n.bins.Kubelet,
		"--config", n.sd.Path("node", "kubelet.yaml"), "--kubeconfig", n.sd.Path("node", "kubelet.kubeconfig"),
		"--hostname-override", Name, "--node-ip", nodeIP.String(),
		"--root-dir", n.path("kubelet"), "--cert-dir", n.path("kubelet", "pki"), "--v=1"}}
	if _, err := proc.Start(string(n.sd), daemon); err != nil {
		return err
	}
	if err := n.waitOrTail("kubelet", "kubelet /healthz", cfg.Timeout, n.kubeletHealthy(healthzPort)); err != nil {
		return err
	}
	return n.waitOrTail("kubelet", "node "+Name+" Ready and schedulable", cfg.Timeout, func() (bool, error) {
		if err := proc.Alive(string(n.sd), "kubelet"); err != nil {
			return false, err
		}
		var node kube.Node
		status, err := client.Get("/api/v1/nodes/"+Name, &node)
		return status == http.StatusOK && node.Schedulable(), err
	})
}

func (n *Node) writeKubeletConfig(cfg Config, nodeIP net.IP, port, healthzPort int) error {
	for name, value := range map[string]int{"kubelet": port, "kubelet-healthz": healthzPort} {
		if err := n.sd.Write(name+".port", fmt.Sprint(value)); err != nil {
			return err
		}
	}
	config := renderKubeletConfig(kubeletConfig{dataDir: n.dataDir, pkiDir: n.sd.Path("pki"),
		cgroupRoot: n.cgroupRoot(), address: nodeIP.String(), port: port, healthzPort: healthzPort,
		syncFrequency: cfg.SyncFrequency.String()})
	return os.WriteFile(n.sd.Path("node", "kubelet.yaml"), []byte(config), 0o644)
}

func (n *Node) kubeletHealthy(healthzPort int) func() (bool, error) {
	health := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{Proxy: nil}}
	url := fmt.Sprintf("http://127.0.0.1:%d/healthz", healthzPort)
	return func() (bool, error) {
		if err := proc.Alive(string(n.sd), "kubelet"); err != nil {
			return false, err
		}
		resp, err := health.Get(url)
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	}
}

// writeKubeletIdentity: a client certificate as system:node:akv-node (group system:nodes), a serving certificate
// for the node's address the API server verifies, and the kubelet's kubeconfig.
func (n *Node) writeKubeletIdentity(nodeIP net.IP) error {
	dir := n.sd.Path("pki")
	ca, err := pki.LoadCA(dir)
	if err != nil {
		return err
	}
	client := pki.Request{CommonName: "system:node:" + Name, Organization: []string{"system:nodes"}, Usage: pki.Client}
	if err := ca.Issue(dir, "kubelet", client); err != nil {
		return err
	}
	serving := pki.Request{CommonName: Name, DNSNames: []string{Name}, IPs: []net.IP{nodeIP}, Usage: pki.Server}
	if err := ca.Issue(dir, "kubelet-serving", serving); err != nil {
		return err
	}
	port, err := n.sd.Port("apiserver")
	if err != nil {
		return err
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		return err
	}
	config := kube.Kubeconfig{Server: fmt.Sprintf("https://127.0.0.1:%d", port), CAPEM: caPEM,
		User: "system:node:" + Name, ClientCert: filepath.Join(dir, "kubelet.crt"), ClientKey: filepath.Join(dir, "kubelet.key")}
	return os.WriteFile(n.sd.Path("node", "kubelet.kubeconfig"), []byte(config.Render()), 0o600)
}

func (n *Node) waitOrTail(name, what string, timeout time.Duration, ready func() (bool, error)) error {
	if err := proc.WaitFor(what, timeout, ready); err != nil {
		proc.TailLog(n.sd.Log(name), 20)
		return fmt.Errorf("%w; log: %s", err, n.sd.Log(name))
	}
	return nil
}

// ImportImages imports our probe image under each name (e.g. registry.example/app:1), so pods run it without a
// registry: a tag other than :latest gives imagePullPolicy IfNotPresent.
func ImportImages(sd statedir.Dir, bins Binaries, names []string) error {
	snapshotter, err := sd.Read("node/snapshotter")
	if err != nil {
		return errors.New("no node runs for " + string(sd) + " (up --node)")
	}
	n, err := open(sd, bins)
	if err != nil {
		return err
	}
	archive := filepath.Join(bins.ImagesDir, "probe.tar")
	probe, err := readImageArchive(archive)
	if err != nil {
		return err
	}
	if _, err := n.ctr("images", "import", "--snapshotter", snapshotter, archive); err != nil {
		return err
	}
	for _, name := range names {
		if _, err := n.ctr("images", "tag", "--force", probe.name, name); err != nil {
			return err
		}
		console.Log("image %s (the probe, %s)", name, probe.name)
	}
	return nil
}
