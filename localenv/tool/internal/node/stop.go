package node

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"aks-keyvault-secrets/localenv/internal/console"
	"aks-keyvault-secrets/localenv/internal/mounts"
	"aks-keyvault-secrets/localenv/internal/proc"
	"aks-keyvault-secrets/localenv/internal/statedir"
)

// Stop undoes what Start left, in any state: processes, containers, mounts under the data dir, the bridge, the
// cgroups, the CNI results and shim sockets outside it. ctr may be "" (then containers are only killed).
func Stop(sd statedir.Dir, ctr string) {
	n, err := open(sd, Binaries{Ctr: ctr})
	if err != nil {
		return
	}
	if _, err := os.Stat(n.dataDir); err != nil {
		return
	}
	cgroupRoot, _ := sd.Read("node/cgroup-root")
	sandboxes := n.sandboxIDs()
	sockets := n.shimSockets()
	proc.Stop(string(sd), "kubelet")
	proc.Stop(string(sd), "kube-scheduler")
	n.removeContainers(cgroupRoot)
	proc.Stop(string(sd), "containerd")
	n.killLeftovers(cgroupRoot)
	for _, s := range sockets {
		// containerd 2 keeps shim sockets there; remove nothing else a task file might name
		if strings.HasPrefix(s, "/run/containerd/s/") {
			_ = os.Remove(s)
		}
	}
	n.unmountAll()
	n.deleteBridge()
	if cgroupRoot != "" {
		for _, left := range removeCgroups(cgroupRoot) {
			console.Log("warning: cgroup %s not removed", left)
		}
	}
	removeCNIResults(sandboxes)
	_ = os.Remove(sd.Path("kubelet.port"))
	_ = os.Remove(sd.Path("kubelet-healthz.port"))
	_ = os.RemoveAll(sd.Path("node"))
}

// removeContainers kills and deletes every task and container through containerd while it still runs, so that the
// shims exit and clean up after themselves.
func (n *Node) removeContainers(cgroupRoot string) {
	if n.bins.Ctr == "" || !proc.RunningByName(string(n.sd), "containerd") {
		return
	}
	for _, id := range n.ctrList("tasks", "ls", "-q") {
		_, _ = n.ctr("tasks", "kill", "-s", "SIGKILL", id)
	}
	for deadline := time.Now().Add(5 * time.Second); cgroupRoot != "" && time.Now().Before(deadline); {
		if len(cgroupPids(cgroupRoot)) == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, id := range n.ctrList("tasks", "ls", "-q") {
		_, _ = n.ctr("tasks", "delete", "--force", id)
	}
	for _, id := range n.ctrList("containers", "ls", "-q") {
		_, _ = n.ctr("containers", "delete", id)
	}
}

// killLeftovers SIGKILLs what survived: processes in the node's cgroups and shims naming this node's containerd.
func (n *Node) killLeftovers(cgroupRoot string) {
	var pids []int
	for range 4 {
		pids = n.shimPids()
		if cgroupRoot != "" {
			pids = append(pids, cgroupPids(cgroupRoot)...)
		}
		if len(pids) == 0 {
			return
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(300 * time.Millisecond)
	}
	console.Log("warning: processes of the node still alive: %v", pids)
}

// shimPids are the processes whose command line names this node's containerd (-address D/containerd.sock); the
// data dir is a unique name, so this matches nothing of another cluster.
func (n *Node) shimPids() []int {
	needle := "-address " + socket(n.dataDir)
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var pids []int
	for _, file := range cmdlines {
		data, err := os.ReadFile(file)
		if err != nil || !strings.Contains(strings.ReplaceAll(string(data), "\x00", " "), needle) {
			continue
		}
		if pid, err := strconv.Atoi(filepath.Base(filepath.Dir(file))); err == nil && proc.Running(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// shimSockets are the sockets the tasks' bundles in our state dir name in their "address" files.
func (n *Node) shimSockets() []string {
	files, _ := filepath.Glob(n.path("containerd", "state", "io.containerd.runtime.v2.task", "*", "*", "address"))
	var sockets []string
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err == nil {
			sockets = append(sockets, strings.TrimPrefix(strings.TrimSpace(string(data)), "unix://"))
		}
	}
	return sockets
}

// sandboxIDs are the pod sandboxes containerd knows of, by their state dirs.
func (n *Node) sandboxIDs() []string {
	var ids []string
	for _, dir := range []string{n.path("containerd", "state", "io.containerd.grpc.v1.cri", "sandboxes"),
		n.path("containerd", "state", "io.containerd.runtime.v2.task", "k8s.io")} {
		entries, _ := os.ReadDir(dir)
		for _, entry := range entries {
			ids = append(ids, entry.Name())
		}
	}
	return ids
}

// unmountAll: the kubelet's volumes (tmpfs, CSI), the containers' rootfs and shm, the pods' network namespaces,
// deepest first.
func (n *Node) unmountAll() {
	points, err := mounts.UnderNow(n.dataDir)
	if err != nil {
		console.Log("warning: %v", err)
		return
	}
	for _, point := range points {
		if syscall.Unmount(point, 0) != nil && syscall.Unmount(point, syscall.MNT_DETACH) != nil {
			console.Log("warning: cannot unmount %s", point)
		}
	}
	if left, _ := mounts.UnderNow(n.dataDir); len(left) > 0 {
		console.Log("warning: mounts left under %s: %s", n.dataDir, strings.Join(left, " "))
	}
}

// deleteBridge deletes the bridge recorded at start (the pods' veth ends went with their network namespaces).
func (n *Node) deleteBridge() {
	bridge, _ := n.sd.Read("node/bridge")
	if bridge == "" {
		return
	}
	if _, err := os.Stat("/sys/class/net/" + bridge); err != nil {
		return
	}
	if err := deleteLink(bridge); err != nil {
		console.Log("warning: cannot delete bridge %s: %v", bridge, err)
	}
}

// removeCNIResults: libcni's result cache stays in /var/lib/cni (containerd has no setting for it), named
// <network>-<sandbox id>-<ifname> for our network and containerd's loopback one; a pod stopped through the CRI
// removes its own, a killed one not.
func removeCNIResults(sandboxes []string) {
	for _, id := range sandboxes {
		if len(id) != 64 {
			continue
		}
		for _, network := range []string{cniNetwork, "cni-loopback"} {
			files, _ := filepath.Glob(fmt.Sprintf("/var/lib/cni/results/%s-%s-*", network, id))
			for _, file := range files {
				_ = os.Remove(file)
			}
		}
	}
}
