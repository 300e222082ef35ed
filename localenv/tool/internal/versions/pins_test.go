package versions

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// repoRoot is the checkout this package lives in (localenv/tool/internal/versions).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../../../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func load(t *testing.T) (*Versions, []byte) {
	t.Helper()
	data, err := os.ReadFile(File(filepath.Join(repoRoot(t), "localenv")))
	if err != nil {
		t.Fatal(err)
	}
	v, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return v, data
}

// Files that may name a version without being a pin: versions.json itself, lock files (generated), recorded test
// fixtures (what a run printed), prose (its tables are generated and checked below), the product's code and its unit
// tests (they cite the upstream version a rule was read from, a fact that stays true when the lab moves on; where the
// product states what the lab runs too, the two are checked equal below), and the files whose pins are checked equal
// to versions.json below.
func exempt(path string) bool {
	switch {
	case path == "localenv/versions.json", filepath.Base(path) == "package-lock.json", filepath.Base(path) == "go.sum",
		strings.Contains("/"+path, "/fixtures/"), strings.HasSuffix(path, ".md"), strings.HasPrefix(path, "tests/unit/"):
		return true
	}
	for _, product := range []string{"index.ts", "components/", "program/", "policy/", "migration/", "cli/"} {
		if path == product || strings.HasPrefix(path, product) {
			return true
		}
	}
	_, checked := equalPins[path]
	return checked
}

// equalPins are go.mod and package.json files that must name a version themselves (Go and npm read no other file):
// each requirement listed must equal versions.json.
var equalPins = map[string]func(v *Versions) map[string]string{
	"package.json": func(v *Versions) map[string]string {
		return map[string]string{`"@pulumi/kubernetes": "` + v.KubernetesProvider.Version + `"`: "kubernetesProvider.version"}
	},
	"localenv/programs/keyvault-standin/providertest/go.mod": func(v *Versions) map[string]string {
		return map[string]string{
			"sigs.k8s.io/secrets-store-csi-driver " + v.StandinProviderTest.Driver:      "standinProviderTest.driver",
			"secrets-store-csi-driver-provider-azure " + v.StandinProviderTest.Provider: "standinProviderTest.provider",
		}
	},
	// The product's word for what the AKS addon ships is the lab's addon lane.
	"components/secret-provider-class/provider-version.ts": func(v *Versions) map[string]string {
		addon, _ := v.Lane("addon")
		return map[string]string{`AKS_ADDON_PROVIDER = { version: "` + strings.TrimPrefix(addon.Provider, "v") + `"`: "lanes.addon.provider"}
	},
	// the sync controller stand-in calls the provider with the addon lane's driver module (provider/v1alpha1)
	"localenv/programs/secretsync-standin/go.mod": func(v *Versions) map[string]string {
		addon, _ := v.Lane("addon")
		return map[string]string{"sigs.k8s.io/secrets-store-csi-driver " + addon.Driver: "lanes.addon.driver"}
	},
	"localenv/programs/csi-registrar/go.mod": func(v *Versions) map[string]string {
		return map[string]string{"k8s.io/kubelet v0." + strings.SplitN(v.Kubernetes.Version, ".", 2)[1]: "kubernetes.version (its staging module k8s.io/kubelet)"}
	},
}

func trackedFiles(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("git", "-C", repoRoot(t), "ls-files").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// versionPattern matches the version with or without a leading v, not as part of a longer version.
func versionPattern(version string) *regexp.Regexp {
	bare := strings.TrimPrefix(version, "v")
	return regexp.MustCompile(`(?:^|[^0-9A-Za-z.\-])v?` + regexp.QuoteMeta(bare) + `(?:$|[^0-9A-Za-z.\-]|\.(?:$|[^0-9]))`)
}

func TestNoVersionIsWrittenOutsideVersionsJSON(t *testing.T) {
	v, _ := load(t)
	keysByVersion := map[string][]string{}
	for key, version := range v.Flat() {
		keysByVersion[version] = append(keysByVersion[version], key)
	}
	patterns := map[string]*regexp.Regexp{}
	for version := range keysByVersion {
		patterns[version] = versionPattern(version)
	}
	for _, path := range trackedFiles(t) {
		if exempt(path) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(repoRoot(t), path))
		if err != nil || strings.ContainsRune(string(data[:min(len(data), 8000)]), 0) {
			continue // removed in the work tree, or binary
		}
		for lineNo, line := range strings.Split(string(data), "\n") {
			for version, pattern := range patterns {
				if pattern.MatchString(line) {
					keys := keysByVersion[version]
					sort.Strings(keys)
					t.Errorf("%s:%d names %s (%s in localenv/versions.json): read it from there, or leave it out: %s",
						path, lineNo+1, version, strings.Join(keys, ", "), strings.TrimSpace(line))
				}
			}
		}
	}
}

func TestPinsThatMustBeWrittenEqualVersionsJSON(t *testing.T) {
	v, _ := load(t)
	for path, pins := range equalPins {
		data, err := os.ReadFile(filepath.Join(repoRoot(t), path))
		if err != nil {
			t.Fatal(err)
		}
		for want, key := range pins(v) {
			if !strings.Contains(string(data), want) {
				t.Errorf("%s does not pin %q: it must equal %s in localenv/versions.json", path, want, key)
			}
		}
	}
}

func TestDocsTablesAreGeneratedFromVersionsJSON(t *testing.T) {
	_, data := load(t)
	table, err := Markdown(data)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, path := range trackedFiles(t) {
		if !strings.HasSuffix(path, ".md") {
			continue
		}
		doc, err := os.ReadFile(filepath.Join(repoRoot(t), path))
		if err != nil || !strings.Contains(string(doc), MarkdownBegin) {
			continue
		}
		found++
		start := strings.Index(string(doc), MarkdownBegin)
		end := strings.Index(string(doc), MarkdownEnd)
		if end < start || string(doc)[start:end+len(MarkdownEnd)+1] != table {
			t.Errorf("%s: the versions table is stale; replace it with the output of `localenv/localenv versions --markdown`", path)
		}
	}
	if found == 0 {
		t.Error("no doc carries the versions table (docs/toolchain.md should)")
	}
}

func TestEveryVersionHasASource(t *testing.T) {
	_, data := load(t)
	var raw map[string]map[string]json.RawMessage
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatal(err)
	}
	raw = map[string]map[string]json.RawMessage{}
	for key, value := range top {
		if strings.HasPrefix(key, "$") {
			continue
		}
		entry := map[string]json.RawMessage{}
		if err := json.Unmarshal(value, &entry); err != nil {
			t.Fatal(err)
		}
		raw[key] = entry
	}
	for key, entry := range raw {
		if key == "lanes" {
			for name, lane := range entry {
				if name != "default" && !strings.Contains(string(lane), `"source"`) {
					t.Errorf("lanes.%s has no source", name)
				}
			}
			continue
		}
		if _, ok := entry["source"]; !ok {
			t.Errorf("%s has no source", key)
		}
	}
}

func TestVersionPatternDoesNotMatchLongerVersions(t *testing.T) {
	pattern := versionPattern("2.9.7")
	for text, want := range map[string]bool{
		"runc v2.9.7 built": true, "2.9.7": true, "(2.9.7)": true, "version 2.9.7.": true,
		"12.9.7": false, "2.9.70": false, "2.9.7.1": false, "v2.9.7-rc1": false, "0.2.9.7": false,
	} {
		if got := pattern.MatchString(text); got != want {
			t.Errorf("%q: match %v, want %v", text, got, want)
		}
	}
}
