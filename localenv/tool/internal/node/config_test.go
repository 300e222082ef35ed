package node

import (
	"encoding/json"
	"net/netip"
	"regexp"
	"strings"
	"testing"
)

func TestContainerdConfigStaysInTheDataDir(t *testing.T) {
	config := renderContainerdConfig(containerdConfig{dataDir: "/tmp/akv-cluster.42", snapshotter: "native",
		pauseImage: "localhost/akv/pause:src.1", platform: "linux/amd64", runc: "/cache/runc/bin/runc",
		cniBinDir: "/cache/cni/bin"})
	for _, path := range regexp.MustCompile(`"(/[^"]*)"`).FindAllStringSubmatch(config, -1) {
		p := path[1]
		if !strings.HasPrefix(p, "/tmp/akv-cluster.42/") && p != "/cache/runc/bin/runc" && p != "/cache/cni/bin" {
			t.Errorf("containerd would use %s, outside the data dir", p)
		}
	}
	for _, want := range []string{
		`imports = []`,
		`snapshotter = "native"`,
		`sandbox = "localhost/akv/pause:src.1"`,
		`platform = "linux/amd64"`,
		`stream_server_address = "127.0.0.1"`,
		`restrict_oom_score_adj = true`,
		`address = "/tmp/akv-cluster.42/containerd.sock"`,
	} {
		if !strings.Contains(config, want) {
			t.Errorf("containerd config lacks %s", want)
		}
	}
	// every address a server plugin could listen on is a socket in the data dir or empty
	for _, address := range regexp.MustCompile(`(?m)^\s*address = "([^"]*)"`).FindAllStringSubmatch(config, -1) {
		if address[1] != "" && !strings.HasPrefix(address[1], "/tmp/akv-cluster.42/") {
			t.Errorf("containerd listens on %q", address[1])
		}
	}
}

func TestCNIConfig(t *testing.T) {
	text, err := renderCNIConfig("akv42", netip.MustParsePrefix("10.244.7.0/24"), "/tmp/akv-cluster.42/cni-ipam")
	if err != nil {
		t.Fatal(err)
	}
	var config struct {
		CNIVersion string `json:"cniVersion"`
		Name       string `json:"name"`
		Plugins    []struct {
			Type   string `json:"type"`
			Bridge string `json:"bridge"`
			IPMasq bool   `json:"ipMasq"`
			IPAM   struct {
				Type    string                      `json:"type"`
				Ranges  [][]struct{ Subnet string } `json:"ranges"`
				DataDir string                      `json:"dataDir"`
			} `json:"ipam"`
		} `json:"plugins"`
	}
	if err := json.Unmarshal([]byte(text), &config); err != nil {
		t.Fatalf("conflist is no JSON: %v\n%s", err, text)
	}
	if config.Name != cniNetwork || len(config.Plugins) != 1 {
		t.Fatalf("conflist %q with %d plugins, want %q with 1", config.Name, len(config.Plugins), cniNetwork)
	}
	p := config.Plugins[0]
	if p.Type != "bridge" || p.Bridge != "akv42" || p.IPMasq {
		t.Errorf("plugin = %+v, want the bridge akv42 without masquerading (no iptables here)", p)
	}
	if p.IPAM.Type != "host-local" || p.IPAM.DataDir != "/tmp/akv-cluster.42/cni-ipam" ||
		len(p.IPAM.Ranges) != 1 || len(p.IPAM.Ranges[0]) != 1 || p.IPAM.Ranges[0][0].Subnet != "10.244.7.0/24" {
		t.Errorf("ipam = %+v, want host-local on 10.244.7.0/24 with its state in the data dir", p.IPAM)
	}
}

func TestKubeletConfig(t *testing.T) {
	config := renderKubeletConfig(kubeletConfig{dataDir: "/tmp/akv-cluster.42", pkiDir: "/state/pki",
		cgroupRoot: "/akv-node-42", address: "192.0.2.2", port: 10250, healthzPort: 10248, syncFrequency: "10s"})
	fields := map[string]string{}
	for _, line := range strings.Split(config, "\n") {
		if key, value, ok := strings.Cut(line, ": "); ok && !strings.HasPrefix(key, " ") && !strings.HasPrefix(key, "#") {
			fields[key] = strings.Trim(value, `"`)
		}
	}
	want := map[string]string{
		"kind":                     "KubeletConfiguration",
		"containerRuntimeEndpoint": "unix:///tmp/akv-cluster.42/containerd.sock",
		"failCgroupV1":             "false",
		"cgroupDriver":             "cgroupfs",
		"cgroupsPerQOS":            "false",
		"cgroupRoot":               "/akv-node-42",
		"address":                  "192.0.2.2",
		"port":                     "10250",
		"healthzBindAddress":       "127.0.0.1",
		"healthzPort":              "10248",
		"readOnlyPort":             "0",
		"tlsCertFile":              "/state/pki/kubelet-serving.crt",
		"podLogsDir":               "/tmp/akv-cluster.42/pod-logs",
		"syncFrequency":            "10s",
	}
	for key, value := range want {
		if fields[key] != value {
			t.Errorf("%s: %q, want %q", key, fields[key], value)
		}
	}
	if !strings.Contains(config, "anonymous: {enabled: false}") {
		t.Error("the kubelet would accept anonymous requests")
	}
	if strings.Contains(config, "\t") {
		t.Error("tabs in YAML")
	}
}
