package node

import (
	"fmt"
	"os/exec"
	"strings"
)

// ctr runs containerd's client against this node's containerd, in the CRI's namespace. Its output (on every call a
// warning that cgroup v1 is deprecated) is shown only in the error when it fails.
func (n *Node) ctr(args ...string) (string, error) {
	argv := append([]string{"--address", socket(n.dataDir), "--namespace", "k8s.io"}, args...)
	out, err := exec.Command(n.bins.Ctr, argv...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("ctr %s: %w\n%s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// ctrList is the first column of a `ctr ... ls -q`, without the warnings on stderr.
func (n *Node) ctrList(args ...string) []string {
	argv := append([]string{"--address", socket(n.dataDir), "--namespace", "k8s.io"}, args...)
	out, err := exec.Command(n.bins.Ctr, argv...).Output()
	if err != nil {
		return nil
	}
	return strings.Fields(string(out))
}
