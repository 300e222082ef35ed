package mounts

import (
	"slices"
	"testing"
)

const procMounts = `overlay / overlay rw,relatime 0 0
tmpfs /tmp/akv-cluster.123/kubelet/pods/p1/volumes/kubernetes.io~empty-dir/secrets tmpfs rw 0 0
shm /tmp/akv-cluster.123/containerd/state/io.containerd.grpc.v1.cri/sandboxes/abc/shm tmpfs rw 0 0
/dev/sda1 /tmp/akv-cluster.123/kubelet ext4 rw 0 0
overlay /tmp/akv-cluster.1234/containerd/rootfs overlay rw 0 0
tmpfs /tmp/akv-cluster.123/with\040space tmpfs rw 0 0
/dev/sda1 /tmp/akv-cluster.123/kubelet ext4 rw 0 0
`

func TestUnderListsOnlyThatDirDeepestFirst(t *testing.T) {
	got := Under(procMounts, "/tmp/akv-cluster.123/")
	want := []string{
		"/tmp/akv-cluster.123/containerd/state/io.containerd.grpc.v1.cri/sandboxes/abc/shm",
		"/tmp/akv-cluster.123/kubelet/pods/p1/volumes/kubernetes.io~empty-dir/secrets",
		"/tmp/akv-cluster.123/with space",
		"/tmp/akv-cluster.123/kubelet",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Under = %q, want %q (a sibling with a longer name is not under it; each point once; \\040 is a space)", got, want)
	}
}

func TestUnderMatchesTheDirItself(t *testing.T) {
	got := Under("tmpfs /d tmpfs rw 0 0\ntmpfs /dd tmpfs rw 0 0\n", "/d")
	if !slices.Equal(got, []string{"/d"}) {
		t.Fatalf("Under = %q, want only /d", got)
	}
}
