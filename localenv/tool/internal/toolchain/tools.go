// Package toolchain knows every tool the local environment uses: its version (from versions.json, or a hash of our
// own source), the binaries it provides and where they live in the cache outside the repository:
//
//	<cache>/<tool>-<version>/bin/<binary>
//
// with <cache> = $AKV_TOOLCHAIN_CACHE or ~/.cache/aks-keyvault-secrets-toolchain. A tool whose first binary exists
// is built.
package toolchain

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"aks-keyvault-secrets/localenv/internal/versions"
)

// Tool is one thing the builder makes: one Go build (or a few of one module), or one fetched release (Node.js), into
// <cache>/<name>-<version>/bin.
type Tool struct {
	Name string
	// Binaries it puts into its bin dir; the first is the one whose presence means "built".
	Binaries []string
	// Typical is the cold build time measured on a 2-core machine with empty Go caches (docs/toolchain.md).
	Typical time.Duration
	// version is the cache key: an upstream version from versions.json, or a hash of our own source.
	version func(t *Toolchain) string
}

// Toolchain resolves tools against one checkout and one cache.
type Toolchain struct {
	// Dir is the checkout's localenv folder.
	Dir      string
	Cache    string
	Versions *versions.Versions
	// Lane names the driver/provider pair the node tools are built for ("" = the default lane).
	Lane string

	hashes map[string]string
}

// DefaultCache is $AKV_TOOLCHAIN_CACHE, or ~/.cache/aks-keyvault-secrets-toolchain.
func DefaultCache() string {
	if dir := os.Getenv("AKV_TOOLCHAIN_CACHE"); dir != "" {
		return dir
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = os.TempDir()
	}
	return filepath.Join(home, ".cache", "aks-keyvault-secrets-toolchain")
}

// Open reads versions.json of the checkout whose localenv folder is dir.
func Open(dir, cache, lane string) (*Toolchain, error) {
	v, err := versions.Load(dir)
	if err != nil {
		return nil, err
	}
	if _, err := v.Lane(lane); err != nil {
		return nil, err
	}
	return &Toolchain{Dir: dir, Cache: cache, Versions: v, Lane: lane, hashes: map[string]string{}}, nil
}

// ProgramsDir holds our own Go programs (one module each).
func (t *Toolchain) ProgramsDir() string { return filepath.Join(t.Dir, "programs") }

// SelectedLane is the driver/provider pair the node tools are built for.
func (t *Toolchain) SelectedLane() versions.Lane {
	lane, _ := t.Versions.Lane(t.Lane) // checked by Open
	return lane
}

// LaneModules are the lane's driver and provider modules, each with its version.
func (t *Toolchain) LaneModules() map[string]string {
	lane := t.SelectedLane()
	return map[string]string{driverModule: lane.Driver, azureProviderModule: lane.Provider}
}

func upstream(get func(v *versions.Versions) string) func(t *Toolchain) string {
	return func(t *Toolchain) string { return get(t.Versions) }
}

func ownSource(dirs ...string) func(t *Toolchain) string {
	return func(t *Toolchain) string { return "src." + t.SourceHash(dirs...) }
}

func kubernetes(v *versions.Versions) string { return v.Kubernetes.Version }

// Tools lists every tool, in build order: the Pulumi side, the control plane, then the node.
var Tools = []Tool{
	{Name: "pulumi", Binaries: []string{"pulumi"}, Typical: 240 * time.Second, version: upstream(func(v *versions.Versions) string { return v.Pulumi.CLI })},
	{Name: "pulumi-language-nodejs", Binaries: []string{"pulumi-language-nodejs"}, Typical: 30 * time.Second, version: upstream(func(v *versions.Versions) string { return v.Pulumi.LanguageHostSDK })},
	{Name: "pulumi-resource-kubernetes", Binaries: []string{"pulumi-resource-kubernetes"}, Typical: 480 * time.Second, version: upstream(func(v *versions.Versions) string { return v.KubernetesProvider.Version })},
	{Name: "pulumi-policy-cli", Binaries: []string{"pulumi-policy-cli", "pulumi", "pulumi-analyzer-policy"}, Typical: 240 * time.Second, version: upstream(func(v *versions.Versions) string { return v.Pulumi.PolicyCLI })},
	{Name: "etcd", Binaries: []string{"etcd"}, Typical: 60 * time.Second, version: upstream(func(v *versions.Versions) string { return v.Etcd.Version })},
	{Name: "kube-apiserver", Binaries: []string{"kube-apiserver"}, Typical: 420 * time.Second, version: upstream(kubernetes)},
	{Name: "kube-controller-manager", Binaries: []string{"kube-controller-manager"}, Typical: 120 * time.Second, version: upstream(kubernetes)},
	// after kube-apiserver; 544 s as the first Kubernetes build
	{Name: "kube-scheduler", Binaries: []string{"kube-scheduler"}, Typical: 120 * time.Second, version: upstream(kubernetes)},
	{Name: "kubelet", Binaries: []string{"kubelet"}, Typical: 120 * time.Second, version: upstream(kubernetes)},
	{Name: "containerd", Binaries: []string{"containerd", "ctr", "containerd-shim-runc-v2"}, Typical: 120 * time.Second, version: upstream(func(v *versions.Versions) string { return v.Containerd.Version })},
	{Name: "runc", Binaries: []string{"runc"}, Typical: 20 * time.Second, version: upstream(func(v *versions.Versions) string { return v.Runc.Version })},
	{Name: "cni-plugins", Binaries: []string{"bridge", "host-local", "loopback"}, Typical: 15 * time.Second, version: upstream(func(v *versions.Versions) string { return v.CNIPlugins.Version })},
	{Name: "node-images", Binaries: []string{"oci-images", "probe", "pause"}, Typical: 5 * time.Second, version: func(t *Toolchain) string { return t.SourceHash("oci-images", "probe", "pause") }},
	{Name: "keyvault-standin", Binaries: []string{"keyvault-standin"}, Typical: 20 * time.Second, version: ownSource("keyvault-standin")},
	// the driver's cache key also covers our mlog replacement compiled into it
	{Name: "secrets-store-csi-driver", Binaries: []string{"secrets-store-csi-driver"}, Typical: 150 * time.Second, version: func(t *Toolchain) string { return t.SelectedLane().Driver + "-mlog." + t.SourceHash("mlog") }},
	{Name: "secrets-store-csi-driver-provider-azure", Binaries: []string{"secrets-store-csi-driver-provider-azure"}, Typical: 120 * time.Second, version: func(t *Toolchain) string { return t.SelectedLane().Provider }},
	{Name: "csi-registrar", Binaries: []string{"csi-registrar"}, Typical: 40 * time.Second, version: ownSource("csi-registrar")},
	{Name: "csi-call", Binaries: []string{"csi-call"}, Typical: 40 * time.Second, version: ownSource("csi-call")},
	// our stand-in for the secrets-store-sync-controller, which the module proxy does not serve (docs/secret-sync.md)
	{Name: "secretsync-standin", Binaries: []string{"secretsync-standin"}, Typical: 40 * time.Second, version: ownSource("secretsync-standin")},
	{Name: "helm-template", Binaries: []string{"helm-template"}, Typical: 90 * time.Second, version: func(t *Toolchain) string { return t.Versions.Helm.Version + "-src." + t.SourceHash("helm-template") }},
	{Name: "actionlint", Binaries: []string{"actionlint"}, Typical: 60 * time.Second, version: upstream(func(v *versions.Versions) string { return v.Actionlint.Version })},
	// the conformance oracle's two halves (docs/conformance.md): the lane's provider; the lane's driver with the API
	// server validation of the Kubernetes release
	{Name: "conformance-provider", Binaries: []string{"conformance-provider"}, Typical: 60 * time.Second, version: func(t *Toolchain) string {
		return t.SelectedLane().Provider + "-src." + t.SourceHash("conformance-provider")
	}},
	{Name: "conformance-oracle", Binaries: []string{"conformance-oracle"}, Typical: 300 * time.Second, version: func(t *Toolchain) string {
		return t.SelectedLane().Driver + "-k8s" + t.Versions.Kubernetes.Version + "-src." + t.SourceHash("conformance-oracle")
	}},
	// Prometheus's promtool: the alert rules' unit tests (docs/alerts.md)
	{Name: "promtool", Binaries: []string{"promtool"}, Typical: 240 * time.Second, version: upstream(func(v *versions.Versions) string { return v.Promtool.Module })},
	// the runtime lane `current`'s Node.js, fetched when the machine's node is another major (npm run test:current-runtime)
	{Name: "nodejs", Binaries: []string{"node", "npm", "npx"}, Typical: 30 * time.Second, version: upstream(func(v *versions.Versions) string { return v.CurrentRuntime.Node })},
}

// Purposes name the tools one kind of use needs; `build --for PURPOSE` builds exactly these.
var Purposes = map[string][]string{
	// npm run local and the end-to-end tests' control plane: the engine, its provider and the API server.
	"main": {"pulumi", "pulumi-resource-kubernetes", "etcd", "kube-apiserver", "kube-controller-manager"},
	// the node of npm run local (as root) and of the secrets-flow tests
	"node": {"kube-scheduler", "kubelet", "containerd", "runc", "cni-plugins", "node-images", "keyvault-standin",
		"secrets-store-csi-driver", "secrets-store-csi-driver-provider-azure", "csi-registrar", "csi-call", "secretsync-standin"},
	// a consumer stack run with the `pulumi` CLI (needs the Node.js language host)
	"consumer": {"pulumi", "pulumi-language-nodejs", "pulumi-resource-kubernetes"},
	// `pulumi preview --policy-pack policy`
	"policy": {"pulumi-policy-cli", "pulumi-language-nodejs", "pulumi-resource-kubernetes"},
	"lint":   {"actionlint"},
	// the alert rules' promtool tests (npm run test:lab, tests/e2e/alerts.test.ts)
	"alerts":      {"promtool"},
	"helm":        {"helm-template"},
	"conformance": {"conformance-provider", "conformance-oracle"},
	// the runtime lane `current` when the machine's node is not its major
	"current-runtime": {"nodejs"},
}

// Lookup finds a tool by name.
func Lookup(name string) (Tool, error) {
	for _, tool := range Tools {
		if tool.Name == name {
			return tool, nil
		}
	}
	names := make([]string, len(Tools))
	for i, tool := range Tools {
		names[i] = tool.Name
	}
	return Tool{}, fmt.Errorf("unknown tool %q (known: %s)", name, strings.Join(names, " "))
}

// Version is the tool's cache key.
func (t *Toolchain) Version(tool Tool) string { return tool.version(t) }

// ToolDir is <cache>/<tool>-<version>.
func (t *Toolchain) ToolDir(tool Tool) string {
	return filepath.Join(t.Cache, tool.Name+"-"+t.Version(tool))
}

// BinDir is where the tool's binaries go.
func (t *Toolchain) BinDir(tool Tool) string { return filepath.Join(t.ToolDir(tool), "bin") }

// Built says whether the tool's first binary exists.
func (t *Toolchain) Built(tool Tool) bool {
	return isExecutable(filepath.Join(t.BinDir(tool), tool.Binaries[0]))
}

// Binary is the path of one binary by its name (e.g. "ctr", "bridge", "kubelet"), built or not.
func (t *Toolchain) Binary(name string) (string, error) {
	for _, tool := range Tools {
		for _, binary := range tool.Binaries {
			if binary == name {
				return filepath.Join(t.BinDir(tool), binary), nil
			}
		}
	}
	return "", fmt.Errorf("no tool provides a binary %q", name)
}

// BuiltBinary is Binary, failing with the command that builds it when it is missing.
func (t *Toolchain) BuiltBinary(name string) (string, error) {
	path, err := t.Binary(name)
	if err != nil {
		return "", err
	}
	if !isExecutable(path) {
		build := "localenv/localenv build"
		if t.Lane != "" {
			build += " --lane " + t.Lane
		}
		return "", fmt.Errorf("%s is not built (%s): run %s", name, path, build)
	}
	return path, nil
}

// NodeImagesDir holds the node's OCI image archives pause.tar and probe.tar.
func (t *Toolchain) NodeImagesDir() string {
	tool, _ := Lookup("node-images")
	return filepath.Join(t.ToolDir(tool), "images")
}

// Paths lists every binary of every tool: binary name -> path, built or not. A name two tools provide (the policy
// CLI's `pulumi`) means the first tool's, as in Binary.
func (t *Toolchain) Paths() map[string]string {
	out := map[string]string{}
	for _, tool := range Tools {
		for _, binary := range tool.Binaries {
			if _, taken := out[binary]; !taken {
				out[binary] = filepath.Join(t.BinDir(tool), binary)
			}
		}
	}
	return out
}

// SourceHash is the first 12 hex digits of a hash over the names and contents of the files under the given
// folders of programs/ (content, not mtime: a fresh clone must not rebuild an identical program). It is the hash
// of `sha256sum` lines of the files in byte order, as the earlier shell builder computed it, so caches carry over.
func (t *Toolchain) SourceHash(dirs ...string) string {
	key := strings.Join(dirs, "\x00")
	if hash, ok := t.hashes[key]; ok {
		return hash
	}
	hash, err := sourceHash(t.ProgramsDir(), dirs...)
	if err != nil {
		hash = "unreadable"
	}
	t.hashes[key] = hash
	return hash
}

func sourceHash(root string, dirs ...string) (string, error) {
	var files []string
	for _, dir := range dirs {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, entry fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if entry.Type().IsRegular() {
				rel, _ := filepath.Rel(root, path)
				files = append(files, rel)
			}
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	sort.Strings(files)
	outer := sha256.New()
	for _, file := range files {
		f, err := os.Open(filepath.Join(root, file))
		if err != nil {
			return "", err
		}
		inner := sha256.New()
		_, err = io.Copy(inner, f)
		f.Close()
		if err != nil {
			return "", err
		}
		fmt.Fprintf(outer, "%s  %s\n", hex.EncodeToString(inner.Sum(nil)), file)
	}
	return hex.EncodeToString(outer.Sum(nil))[:12], nil
}

func isExecutable(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular() && info.Mode()&0o111 != 0
}
