package node

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
)

// containerdConfig is what the containerd config depends on.
type containerdConfig struct {
	dataDir     string
	snapshotter string
	pauseImage  string
	platform    string
	runc        string
	cniBinDir   string
}

// renderContainerdConfig keeps everything containerd writes under the data dir and reads nothing from
// /etc/containerd; it disables the plugins that would reach outside it or need what this machine lacks.
func renderContainerdConfig(c containerdConfig) string {
	d := c.dataDir
	return fmt.Sprintf(`# Written by localenv up; everything under the cluster's data dir.
version = 4
root = %[1]q
state = %[2]q
# nothing from /etc/containerd
imports = []
# plugins that would reach outside the data dir, or need what this machine lacks
disabled_plugins = ["io.containerd.nri.v1.nri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.blockfile", "io.containerd.snapshotter.v1.erofs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing", "io.containerd.image-verifier.v1.bindir"]

[plugins]
  [plugins.'io.containerd.server.v1.grpc']
    address = %[3]q
  [plugins.'io.containerd.server.v1.ttrpc']
    address = %[4]q
  [plugins.'io.containerd.server.v1.debug']
    address = ""
  [plugins.'io.containerd.server.v1.metrics']
    address = ""
  [plugins.'io.containerd.internal.v1.opt']
    path = %[5]q
  # what ctr images import unpacks into (the transfer service knows only overlayfs by default)
  [plugins.'io.containerd.transfer.v1.local']
    [[plugins.'io.containerd.transfer.v1.local'.unpack_config]]
      platform = %[6]q
      snapshotter = %[7]q
  [plugins.'io.containerd.grpc.v1.cri']
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = %[7]q
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = %[8]q
  [plugins.'io.containerd.cri.v1.runtime']
    # root lacks CAP_SYS_RESOURCE here: never ask for an oom_score_adj below containerd's own
    restrict_oom_score_adj = true
    netns_mounts_under_state_dir = true
    cdi_spec_dirs = []
    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = "runc"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          BinaryName = %[9]q
          SystemdCgroup = false
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = [%[10]q]
      conf_dir = %[11]q
      max_conf_num = 1
`, d+"/containerd/root", d+"/containerd/state", socket(d), socket(d)+".ttrpc", d+"/containerd/opt",
		c.platform, c.snapshotter, c.pauseImage, c.runc, c.cniBinDir, d+"/cni")
}

// renderCNIConfig is the pods' network: a bridge with the gateway on it and host-local addresses from the pod
// CIDR. There is no iptables here, so no masquerading and no port maps.
func renderCNIConfig(bridge string, podCIDR netip.Prefix, ipamDir string) (string, error) {
	type object = map[string]any
	config := object{
		"cniVersion": "1.0.0",
		"name":       cniNetwork,
		"plugins": []object{{
			"type":        "bridge",
			"bridge":      bridge,
			"isGateway":   true,
			"ipMasq":      false,
			"hairpinMode": true,
			"ipam": object{
				"type":    "host-local",
				"ranges":  [][]object{{{"subnet": podCIDR.String()}}},
				"routes":  []object{{"dst": "0.0.0.0/0"}},
				"dataDir": ipamDir,
			},
		}},
	}
	data, err := json.MarshalIndent(config, "", "  ")
	return string(data) + "\n", err
}

// kubeletConfig is what the kubelet's config file depends on.
type kubeletConfig struct {
	dataDir       string
	pkiDir        string
	cgroupRoot    string
	address       string
	port          int
	healthzPort   int
	syncFrequency string
}

// renderKubeletConfig: cgroups are effectively v1 here (a tmpfs of v1 hierarchies), root lacks CAP_SYS_RESOURCE, and
// the disk and memory are shared with other people's work (docs/toolchain.md, "The node").
func renderKubeletConfig(k kubeletConfig) string {
	quoted := func(s string) string { return fmt.Sprintf("%q", s) }
	lines := []string{
		"# Written by localenv up",
		"apiVersion: kubelet.config.k8s.io/v1beta1",
		"kind: KubeletConfiguration",
		"containerRuntimeEndpoint: " + quoted("unix://"+socket(k.dataDir)),
		"# the kubelet refuses cgroup v1 without this",
		"failCgroupV1: false",
		"cgroupDriver: cgroupfs",
		"# no QoS cgroups: pod and container cgroups go directly under this cluster's own cgroup root",
		"cgroupsPerQOS: false",
		"cgroupRoot: " + quoted(k.cgroupRoot),
		"enforceNodeAllocatable: []",
		"failSwapOn: false",
		"memorySwap: {}",
		"# the API server reaches the kubelet at the node's address; nothing else listens beyond loopback",
		"address: " + quoted(k.address),
		fmt.Sprintf("port: %d", k.port),
		`healthzBindAddress: "127.0.0.1"`,
		fmt.Sprintf("healthzPort: %d", k.healthzPort),
		"readOnlyPort: 0",
		"tlsCertFile: " + quoted(k.pkiDir+"/kubelet-serving.crt"),
		"tlsPrivateKeyFile: " + quoted(k.pkiDir+"/kubelet-serving.key"),
		"rotateCertificates: false",
		"serverTLSBootstrap: false",
		"authentication:",
		"  anonymous: {enabled: false}",
		"  webhook: {enabled: true}",
		"  x509: {clientCAFile: " + quoted(k.pkiDir+"/ca.crt") + "}",
		"authorization:",
		"  mode: Webhook",
		"podLogsDir: " + quoted(k.dataDir+"/pod-logs"),
		"volumePluginDir: " + quoted(k.dataDir+"/kubelet/volume-plugins"),
		"resolvConf: /etc/resolv.conf",
		"# also how often the kubelet republishes CSI volumes (requiresRepublish): how soon a rotated secret arrives",
		"syncFrequency: " + k.syncFrequency,
		"# never evict or garbage-collect images because of other people's files",
		"imageGCHighThresholdPercent: 100",
		"imageGCLowThresholdPercent: 99",
		"evictionHard:",
		"  memory.available: 50Mi",
		"  nodefs.available: 1%",
		"  nodefs.inodesFree: 1%",
		"  imagefs.available: 1%",
	}
	return strings.Join(lines, "\n") + "\n"
}
