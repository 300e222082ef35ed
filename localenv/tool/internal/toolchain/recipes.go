package toolchain

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// A recipe makes one tool: prepare writes the wrapper module into the src dir (network: the module proxy only), then
// `go mod tidy` runs there, then build writes the first binary to out (a temporary name the builder renames) and any
// other binaries into the same folder.
type recipe struct {
	prepare func(s *step) error
	build   func(s *step, out string) error
	// notGo fetches a release that is no Go module (Node.js): build alone makes the tool, in an empty src dir.
	notGo bool
}

const (
	pulumiVersionPackage = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"
	driverModule         = "sigs.k8s.io/secrets-store-csi-driver"
	azureProviderModule  = "github.com/Azure/secrets-store-csi-driver-provider-azure"
	containerdModule     = "github.com/containerd/containerd/v2"
	cniModule            = "github.com/containernetworking/plugins"
	actionlintModule     = "github.com/rhysd/actionlint"
)

func (t *Toolchain) recipe(tool Tool) (recipe, error) {
	v := t.Versions
	switch tool.Name {
	case "pulumi":
		return pulumiRecipe(v.Pulumi.CLI), nil
	case "pulumi-policy-cli":
		return policyCLIRecipe(v.Pulumi.PolicyCLI), nil
	case "pulumi-language-nodejs":
		return recipe{
			prepare: templateGoMod("pulumi-language-nodejs/go.mod.tmpl", nil),
			build: goBuild("-tags", "osusergo,grpcnotrace", "-ldflags", "-s -w -X "+pulumiVersionPackage+"=v"+v.Pulumi.LanguageHostSDK,
				"github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"),
		}, nil
	case "pulumi-resource-kubernetes":
		return kubernetesProviderRecipe(v.KubernetesProvider.Module, v.KubernetesProvider.Version), nil
	case "etcd":
		return recipe{prepare: templateGoMod("etcd/go.mod.tmpl", nil), build: goBuild("-ldflags", "-s -w", "go.etcd.io/etcd/server/v3")}, nil
	case "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet":
		return kubernetesRecipe(tool.Name, v.Kubernetes.Version), nil
	case "containerd":
		return containerdRecipe(v.Containerd.Version), nil
	case "runc":
		return runcRecipe(v.Runc.Version), nil
	case "cni-plugins":
		return cniRecipe(v.CNIPlugins.Version), nil
	case "node-images":
		return nodeImagesRecipe(), nil
	case "keyvault-standin", "csi-call":
		return recipe{prepare: copyOwnProgram(tool.Name), build: goBuild("-ldflags", "-s -w", ".")}, nil
	case "csi-registrar", "secretsync-standin":
		// Its unit tests run first: a registrar the kubelet cannot talk to, or a sync stand-in that writes Secrets unlike
		// the controller, must not land in the cache.
		return recipe{prepare: copyOwnProgram(tool.Name), build: func(s *step, out string) error {
			if err := s.goCommand("test", "-count=1", "."); err != nil {
				return err
			}
			return goBuild("-ldflags", "-s -w", ".")(s, out)
		}}, nil
	case "secrets-store-csi-driver":
		return driverRecipe(t.SelectedLane().Driver), nil
	case "secrets-store-csi-driver-provider-azure":
		provider := t.SelectedLane().Provider
		return recipe{
			prepare: all(templateGoMod("secrets-store-csi-driver-provider-azure/go.mod.tmpl", nil), seedGoSum(azureProviderModule+"@"+provider)),
			build:   goBuild("-ldflags", "-s -w -X "+azureProviderModule+"/pkg/version.BuildVersion="+provider, azureProviderModule+"/cmd"),
		}, nil
	case "helm-template":
		return helmTemplateRecipe(v.Helm.Version), nil
	case "actionlint":
		return recipe{
			prepare: writeGoMod(wrapperGoMod("actionlint", actionlintModule, v.Actionlint.Version, actionlintModule+"/cmd/actionlint")),
			// built outside its own module, actionlint would call itself "(devel)"
			build: goBuild("-ldflags", "-s -w -X "+actionlintModule+".version="+v.Actionlint.Version, actionlintModule+"/cmd/actionlint"),
		}, nil
	case "promtool":
		// the release version (the module's v0.3xx.y is release 3.xx.y) stamped as upstream's .promu.yml does
		return recipe{
			prepare: templateGoMod("promtool/go.mod.tmpl", nil),
			build:   goBuild("-tags", "netgo", "-ldflags", "-s -w -X github.com/prometheus/common/version.Version="+v.Promtool.Release, "github.com/prometheus/prometheus/cmd/promtool"),
		}, nil
	case "nodejs":
		return nodejsRecipe(v.CurrentRuntime.Node), nil
	case "conformance-oracle":
		return conformanceOracleRecipe(t.SelectedLane().Driver, v.Kubernetes.Version), nil
	case "conformance-provider":
		return conformanceProviderRecipe(t.SelectedLane().Provider), nil
	}
	return recipe{}, fmt.Errorf("no recipe for tool %q", tool.Name)
}

func pulumiRecipe(version string) recipe {
	return recipe{
		prepare: templateGoMod("pulumi/go.mod.tmpl", map[string]string{"PULUMI_VERSION": version}),
		build: goBuild("-tags", "osusergo,grpcnotrace", "-ldflags", "-s -w -X "+pulumiVersionPackage+"=v"+version,
			"github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"),
	}
}

// policyAnalyzerShim runs a Node.js policy pack with the @pulumi/pulumi it resolves from the pack's directory (the
// CLI starts it there).
const policyAnalyzerShim = `#!/bin/sh
# Runs a Node.js policy pack with the @pulumi/pulumi it resolves from the pack's directory (the CLI starts it there).
exec node "$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/run-policy-pack'))")" "$@"
`

// policyCLIRecipe is the older CLI plus what makes it usable: `bin/pulumi` (PulumiCommand.get({ root }) looks for
// that name) and the `pulumi-analyzer-policy` plugin the CLI looks for next to itself.
func policyCLIRecipe(version string) recipe {
	cli := pulumiRecipe(version)
	return recipe{prepare: cli.prepare, build: func(s *step, out string) error {
		if err := cli.build(s, out); err != nil {
			return err
		}
		dir := filepath.Dir(out)
		if err := linkOrCopy(out, filepath.Join(dir, "pulumi")); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, "pulumi-analyzer-policy"), []byte(policyAnalyzerShim), 0o755)
	}}
}

func kubernetesProviderRecipe(module, version string) recipe {
	return recipe{
		prepare: func(s *step) error {
			if err := templateGoMod("pulumi-resource-kubernetes/go.mod.tmpl", nil)(s); err != nil {
				return err
			}
			main, err := recipeFiles.ReadFile("recipes/pulumi-resource-kubernetes/main.go.tmpl")
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(s.srcDir, "main.go"), main, 0o644); err != nil {
				return err
			}
			dir, err := s.moduleDir("github.com/pulumi/pulumi-kubernetes/provider/v4@" + module)
			if err != nil {
				return err
			}
			return writeProviderEmbeds(dir, s.srcDir, version)
		},
		build: goBuild("-ldflags", "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version="+version, "."),
	}
}

func kubernetesRecipe(command, version string) recipe {
	return recipe{
		prepare: func(s *step) error {
			download, err := s.download("k8s.io/kubernetes@v" + version)
			if err != nil {
				return err
			}
			upstream, err := os.ReadFile(download.GoMod)
			if err != nil {
				return err
			}
			gomod, err := kubernetesWrapperGoMod(string(upstream), version, command)
			if err != nil {
				return err
			}
			return writeGoMod(gomod)(s)
		},
		build: goBuild("-pgo=off", "-tags", "selinux,notest,grpcnotrace", "-ldflags", kubernetesLdflags(version), "k8s.io/kubernetes/cmd/"+command),
	}
}

// containerdRecipe follows upstream's Makefile: urfave_cli_no_docs everywhere; the shim without gRPC (it speaks
// ttrpc). ctr and the shim go next to containerd.
func containerdRecipe(version string) recipe {
	m := containerdModule
	ldflags := "-s -w -X " + m + "/version.Version=v" + version + " -X " + m + "/version.Package=" + m
	return recipe{
		prepare: writeGoMod(wrapperGoMod("containerd", m, "v"+version, m+"/cmd/containerd", m+"/cmd/ctr", m+"/cmd/containerd-shim-runc-v2")),
		build: func(s *step, out string) error {
			dir := filepath.Dir(out)
			if err := goBuild("-tags", "urfave_cli_no_docs", "-ldflags", ldflags, "-o", filepath.Join(dir, "ctr"), m+"/cmd/ctr")(s, ""); err != nil {
				return err
			}
			shim := filepath.Join(dir, "containerd-shim-runc-v2")
			if err := goBuild("-tags", "urfave_cli_no_docs no_grpc", "-ldflags", ldflags, "-o", shim, m+"/cmd/containerd-shim-runc-v2")(s, ""); err != nil {
				return err
			}
			return goBuild("-tags", "urfave_cli_no_docs", "-ldflags", ldflags, m+"/cmd/containerd")(s, out)
		},
	}
}

// runcRecipe builds runc with cgo (its nsenter is C) and upstream's default tags minus libpathrs (a Rust library
// not installed here; runc falls back to pathrs-lite). Without libseccomp's headers it leaves seccomp out: a
// local test node does not need it.
func runcRecipe(version string) recipe {
	const module = "github.com/opencontainers/runc"
	return recipe{
		prepare: writeGoMod(wrapperGoMod("runc", module, "v"+version, module)),
		build: func(s *step, out string) error {
			tags := "seccomp urfave_cli_no_docs"
			if !hasLibseccomp() {
				tags = "urfave_cli_no_docs"
				s.note("runc: libseccomp-dev or pkg-config missing, building without seccomp (apt-get install -y libseccomp-dev pkg-config adds it)")
			}
			s.env = append(s.env, "CGO_ENABLED=1")
			return goBuild("-tags", tags, "-ldflags", "-s -w", module)(s, out)
		},
	}
}

func hasLibseccomp() bool {
	return exec.Command("pkg-config", "--exists", "libseccomp").Run() == nil
}

func cniRecipe(version string) recipe {
	m := cniModule
	ldflags := "-s -w -X " + m + "/pkg/utils/buildversion.BuildVersion=v" + version
	return recipe{
		prepare: writeGoMod(wrapperGoMod("cni-plugins", m, "v"+version, m+"/plugins/main/bridge", m+"/plugins/ipam/host-local", m+"/plugins/main/loopback")),
		build: func(s *step, out string) error {
			dir := filepath.Dir(out)
			for _, plugin := range []string{"ipam/host-local", "main/loopback"} {
				binary := filepath.Join(dir, filepath.Base(plugin))
				if err := goBuild("-ldflags", ldflags, "-o", binary, m+"/plugins/"+plugin)(s, ""); err != nil {
					return err
				}
			}
			return goBuild("-ldflags", ldflags, m+"/plugins/main/bridge")(s, out)
		},
	}
}

// nodeImagesRecipe builds the image packer, the two static programs the images run, and the images:
// <tool dir>/images/pause.tar and probe.tar (OCI image layouts the node imports with `ctr images import`).
func nodeImagesRecipe() recipe {
	return recipe{
		// our own programs build in the repository; the wrapper dir only holds a go.mod for tidy
		prepare: writeGoMod("module local/node-images\n\ngo 1.26\n"),
		build: func(s *step, out string) error {
			dir := filepath.Dir(out)
			for _, program := range []string{"probe", "pause"} {
				if err := s.goIn(s.programDir(program), "build", "-trimpath", "-ldflags", "-s -w", "-o", filepath.Join(dir, program), "."); err != nil {
					return err
				}
			}
			if err := s.goIn(s.programDir("oci-images"), "build", "-trimpath", "-ldflags", "-s -w", "-o", out, "."); err != nil {
				return err
			}
			images := filepath.Join(filepath.Dir(dir), "images")
			if err := os.MkdirAll(images, 0o755); err != nil {
				return err
			}
			for _, program := range []string{"pause", "probe"} {
				err := s.run("", out, "--binary", filepath.Join(dir, program), "--path", "/"+program,
					"--name", NodeImageName(program, s.version), "--out", filepath.Join(images, program+".tar"))
				if err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// NodeImageName is the name under which the node's image of program (pause, probe) is built, for the node-images
// version (cache key) given.
func NodeImageName(program, nodeImagesVersion string) string {
	return "localhost/akv-" + program + ":" + nodeImagesVersion
}

func driverRecipe(driver string) recipe {
	return recipe{
		prepare: all(
			templateGoMod("secrets-store-csi-driver/go.mod.tmpl", nil),
			// monis.app/mlog is not served by the module proxy: our replacement goes next to the go.mod
			func(s *step) error {
				target := filepath.Join(s.srcDir, "mlog")
				if err := os.RemoveAll(target); err != nil {
					return err
				}
				return copyDir(s.programDir("mlog"), target)
			},
			seedGoSum(driverModule+"@"+driver),
		),
		build: goBuild("-ldflags", "-s -w -X "+driverModule+"/pkg/version.BuildVersion="+driver, driverModule+"/cmd/secrets-store-csi-driver"),
	}
}

func helmTemplateRecipe(helm string) recipe {
	return recipe{
		prepare: all(
			writeGoMod("// Generated by the localenv builder.\nmodule local/helm-template\n\ngo 1.26\n\nrequire helm.sh/helm/v3 "+helm+"\n"),
			copyProgramSources("helm-template"),
		),
		build: goBuild("-ldflags", "-s -w", "."),
	}
}

// pkcs12Require makes the oracle's PFX test material (nothing upstream encodes PKCS#12); pinned here so that every
// build resolves the same.
const pkcs12Require = "software.sslmate.com/src/go-pkcs12 v0.6.0"

// conformanceOracleRecipe builds the conformance oracle's driver and API server half (docs/conformance.md) against
// the lane's driver and the Kubernetes release of versions.json, in a wrapper module made from Kubernetes' go.mod.
func conformanceOracleRecipe(driver, kubernetes string) recipe {
	return recipe{
		prepare: all(
			func(s *step) error {
				download, err := s.download("k8s.io/kubernetes@v" + kubernetes)
				if err != nil {
					return err
				}
				upstream, err := os.ReadFile(download.GoMod)
				if err != nil {
					return err
				}
				genproto, err := genprotoRequire(string(upstream))
				if err != nil {
					return fmt.Errorf("k8s.io/kubernetes@v%s: %w", kubernetes, err)
				}
				gomod, err := kubernetesGoMod(string(upstream), kubernetes, "conformance-oracle", []string{driverModule + " " + driver, genproto, pkcs12Require})
				if err != nil {
					return err
				}
				return writeGoMod(gomod)(s)
			},
			copyProgramSources("conformance-oracle"),
		),
		build: goBuild("."),
	}
}

// conformanceProviderRecipe builds the conformance oracle's provider half in a wrapper module that requires only the
// lane's provider, so that the module graph is the provider's own (older providers import OpenTelemetry's pre-1.0
// metric API, which a graph holding a recent driver or Kubernetes lifts past); its go.sum is seeded as for the
// provider itself.
func conformanceProviderRecipe(provider string) recipe {
	return recipe{
		prepare: all(
			writeGoMod(wrapperGoMod("conformance-provider", azureProviderModule, provider)),
			seedGoSum(azureProviderModule+"@"+provider),
			copyProgramSources("conformance-provider"),
		),
		build: func(s *step, out string) error {
			dir, err := s.moduleDir(azureProviderModule + "@" + provider)
			if err != nil {
				return err
			}
			tags, err := providerHalfTags(dir)
			if err != nil {
				return err
			}
			return goBuild("-tags", tags, ".")(s, out)
		},
	}
}

// providerHalfTags are the build tags of the provider half for the provider module in dir: identitybinding when
// its pkg/auth has SetProxyTransport, the start-up step of identity binding (useAzureTokenProxy, from provider 1.8).
func providerHalfTags(dir string) (string, error) {
	auth, err := os.ReadFile(filepath.Join(dir, "pkg", "auth", "auth.go"))
	if err != nil {
		return "", err
	}
	if strings.Contains(string(auth), "func SetProxyTransport(") {
		return "identitybinding", nil
	}
	return "", nil
}

// copyProgramSources puts our program's Go sources (no go.mod: the recipe writes it) into the src dir.
func copyProgramSources(name string) func(s *step) error {
	return func(s *step) error { return copyGoFiles(s.programDir(name), s.srcDir) }
}

// copyOwnProgram puts our program's committed go.mod (exact requires) and sources into the src dir; go.sum is made
// there, never committed.
func copyOwnProgram(name string) func(s *step) error {
	return func(s *step) error {
		dir := s.programDir(name)
		if err := copyFile(filepath.Join(dir, "go.mod"), filepath.Join(s.srcDir, "go.mod"), 0o644); err != nil {
			return err
		}
		return copyGoFiles(dir, s.srcDir)
	}
}

// seedGoSum starts the wrapper's go.sum from the upstream module's own: the checksum database behind the proxy has
// no record of some versions upstream pins (the driver version the Azure provider pins), so those
// are verified against the hashes upstream recorded instead.
func seedGoSum(moduleAtVersion string) func(s *step) error {
	return func(s *step) error {
		dir, err := s.moduleDir(moduleAtVersion)
		if err != nil {
			return err
		}
		return copyFile(filepath.Join(dir, "go.sum"), filepath.Join(s.srcDir, "go.sum"), 0o644)
	}
}

func templateGoMod(path string, overrides map[string]string) func(s *step) error {
	return func(s *step) error {
		text, err := s.toolchain.recipeTemplate(path, overrides)
		if err != nil {
			return err
		}
		return writeGoMod(text)(s)
	}
}

func writeGoMod(text string) func(s *step) error {
	return func(s *step) error { return os.WriteFile(filepath.Join(s.srcDir, "go.mod"), []byte(text), 0o644) }
}

func all(steps ...func(s *step) error) func(s *step) error {
	return func(s *step) error {
		for _, step := range steps {
			if err := step(s); err != nil {
				return err
			}
		}
		return nil
	}
}

// goBuild is `go build -trimpath ARGS` in the build dir, writing to out unless ARGS name their own -o (then out is
// "").
func goBuild(args ...string) func(s *step, out string) error {
	return func(s *step, out string) error {
		full := append([]string{"build", "-trimpath"}, args[:len(args)-1]...)
		if out != "" {
			full = append(full, "-o", out)
		}
		full = append(full, args[len(args)-1])
		return s.goCommand(full...)
	}
}

func copyGoFiles(from, to string) error {
	old, _ := filepath.Glob(filepath.Join(to, "*.go"))
	for _, file := range old {
		if err := os.Remove(file); err != nil {
			return err
		}
	}
	files, err := filepath.Glob(filepath.Join(from, "*.go"))
	if err != nil {
		return err
	}
	for _, file := range files {
		if err := copyFile(file, filepath.Join(to, filepath.Base(file)), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func copyDir(from, to string) error {
	return filepath.WalkDir(from, func(path string, entry os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if entry.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		return copyFile(path, filepath.Join(to, rel), 0o644)
	})
}

func copyFile(from, to string, mode os.FileMode) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, data, mode)
}

// linkOrCopy hard-links from as to (replacing to), or copies where links do not work.
func linkOrCopy(from, to string) error {
	_ = os.Remove(to)
	if os.Link(from, to) == nil {
		return nil
	}
	return copyFile(from, to, 0o755)
}
