// Package versions reads localenv/versions.json, the one place where the project writes down the upstream versions
// it builds and checks against.
package versions

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Versions is localenv/versions.json. Every field is required; Load refuses a file that lacks one.
type Versions struct {
	Pulumi struct {
		CLI             string `json:"cli"`
		PolicyCLI       string `json:"policyCli"`
		LanguageHostSDK string `json:"languageHostSdk"`
	} `json:"pulumi"`
	KubernetesProvider struct {
		Version string `json:"version"`
		Module  string `json:"module"`
	} `json:"kubernetesProvider"`
	CurrentRuntime CurrentRuntime `json:"currentRuntime"`
	Kubernetes     single         `json:"kubernetes"`
	Etcd           single         `json:"etcd"`
	Containerd     single         `json:"containerd"`
	Runc           single         `json:"runc"`
	CNIPlugins     single         `json:"cniPlugins"`
	Helm           single         `json:"helm"`
	Actionlint     single         `json:"actionlint"`
	Promtool       struct {
		Module  string `json:"module"`
		Release string `json:"release"`
	} `json:"promtool"`
	SecretsStoreCRDs struct {
		Driver string `json:"driver"`
	} `json:"secretsStoreCrds"`
	Lanes               Lanes `json:"lanes"`
	StandinProviderTest struct {
		Driver   string `json:"driver"`
		Provider string `json:"provider"`
	} `json:"standinProviderTest"`
}

// CurrentRuntime is the runtime lane `current`: the Node.js version the toolchain provides when the machine's node is
// another major, and the npm packages (name -> version) a scratch copy of the checkout installs as devDependencies.
type CurrentRuntime struct {
	Node     string
	Packages map[string]string
}

func (c *CurrentRuntime) UnmarshalJSON(data []byte) error {
	var fields map[string]string
	if err := json.Unmarshal(data, &fields); err != nil {
		return fmt.Errorf("currentRuntime: %w", err)
	}
	c.Node = fields["node"]
	delete(fields, "node")
	delete(fields, "source")
	c.Packages = fields
	return nil
}

type single struct {
	Version string `json:"version"`
}

// Lane is one pair of the Secrets Store CSI driver and the Azure Key Vault provider: the node runs it, the
// conformance oracle runs its code.
type Lane struct {
	// Name is the lane's key in versions.json.
	Name     string `json:"-"`
	Driver   string `json:"driver"`
	Provider string `json:"provider"`
}

// Lanes are the driver/provider pairs the node can run, by name, and the name of the default one.
type Lanes struct {
	Default string
	ByName  map[string]Lane
}

func (l *Lanes) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	l.ByName = map[string]Lane{}
	for name, value := range raw {
		if name == "default" {
			if err := json.Unmarshal(value, &l.Default); err != nil {
				return fmt.Errorf("lanes.default: %w", err)
			}
			continue
		}
		lane := Lane{Name: name}
		if err := json.Unmarshal(value, &lane); err != nil {
			return fmt.Errorf("lanes.%s: %w", name, err)
		}
		l.ByName[name] = lane
	}
	return nil
}

// Lane returns the named lane, or the default one for "".
func (v *Versions) Lane(name string) (Lane, error) {
	if name == "" {
		name = v.Lanes.Default
	}
	lane, ok := v.Lanes.ByName[name]
	if !ok {
		return Lane{}, fmt.Errorf("no version lane %q in versions.json", name)
	}
	return lane, nil
}

// File is where versions.json lives in a checkout whose localenv folder is dir.
func File(localenvDir string) string { return filepath.Join(localenvDir, "versions.json") }

// Load reads and checks versions.json.
func Load(localenvDir string) (*Versions, error) {
	data, err := os.ReadFile(File(localenvDir))
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// Parse decodes versions.json and reports every missing version at once.
func Parse(data []byte) (*Versions, error) {
	var v Versions
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("versions.json: %w", err)
	}
	var missing []string
	for key, value := range v.flat() {
		if value == "" {
			missing = append(missing, key)
		}
	}
	if v.CurrentRuntime.Packages["@pulumi/pulumi"] == "" {
		missing = append(missing, "currentRuntime.@pulumi/pulumi")
	}
	if _, err := v.Lane(""); err != nil {
		missing = append(missing, "lanes.default (naming a lane)")
	}
	for name, lane := range v.Lanes.ByName {
		if lane.Driver == "" || lane.Provider == "" {
			missing = append(missing, "lanes."+name+".driver/provider")
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("versions.json lacks %v", missing)
	}
	return &v, nil
}

// Flat lists every version by its key path (lanes included), for the test that no version is written elsewhere.
func (v *Versions) Flat() map[string]string {
	out := v.flat()
	for name, lane := range v.Lanes.ByName {
		out["lanes."+name+".driver"] = lane.Driver
		out["lanes."+name+".provider"] = lane.Provider
	}
	for name, version := range v.CurrentRuntime.Packages {
		out["currentRuntime."+name] = version
	}
	return out
}

func (v *Versions) flat() map[string]string {
	return map[string]string{
		"pulumi.cli":                   v.Pulumi.CLI,
		"pulumi.policyCli":             v.Pulumi.PolicyCLI,
		"pulumi.languageHostSdk":       v.Pulumi.LanguageHostSDK,
		"currentRuntime.node":          v.CurrentRuntime.Node,
		"kubernetesProvider.version":   v.KubernetesProvider.Version,
		"kubernetesProvider.module":    v.KubernetesProvider.Module,
		"kubernetes.version":           v.Kubernetes.Version,
		"etcd.version":                 v.Etcd.Version,
		"containerd.version":           v.Containerd.Version,
		"runc.version":                 v.Runc.Version,
		"cniPlugins.version":           v.CNIPlugins.Version,
		"helm.version":                 v.Helm.Version,
		"actionlint.version":           v.Actionlint.Version,
		"promtool.module":              v.Promtool.Module,
		"promtool.release":             v.Promtool.Release,
		"secretsStoreCrds.driver":      v.SecretsStoreCRDs.Driver,
		"standinProviderTest.driver":   v.StandinProviderTest.Driver,
		"standinProviderTest.provider": v.StandinProviderTest.Provider,
	}
}
