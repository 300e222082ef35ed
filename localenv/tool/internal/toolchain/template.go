package toolchain

import (
	"embed"
	"fmt"
	"regexp"
	"strings"
)

// The wrapper modules' fixed files, one folder per tool. Templates end in .tmpl so that none is compiled into this
// module.
//
//go:embed recipes
var recipeFiles embed.FS

var placeholder = regexp.MustCompile(`@[A-Z0-9_]+@`)

// fillTemplate replaces every @NAME@ of text by values[NAME]; a placeholder without a value is an error, so a
// template never reaches the go command half filled.
func fillTemplate(text string, values map[string]string) (string, error) {
	var unknown []string
	filled := placeholder.ReplaceAllStringFunc(text, func(match string) string {
		value, ok := values[strings.Trim(match, "@")]
		if !ok {
			unknown = append(unknown, match)
			return match
		}
		return value
	})
	if len(unknown) > 0 {
		return "", fmt.Errorf("no value for %s", strings.Join(unknown, ", "))
	}
	return filled, nil
}

// recipeTemplate is a recipe file filled with the toolchain's versions.
func (t *Toolchain) recipeTemplate(path string, overrides map[string]string) (string, error) {
	data, err := recipeFiles.ReadFile("recipes/" + path)
	if err != nil {
		return "", err
	}
	lane := t.SelectedLane()
	values := map[string]string{
		"PULUMI_VERSION":              t.Versions.Pulumi.CLI,
		"K8S_PROVIDER_MODULE_VERSION": t.Versions.KubernetesProvider.Module,
		"ETCD_VERSION":                t.Versions.Etcd.Version,
		"LANGHOST_SDK_VERSION":        t.Versions.Pulumi.LanguageHostSDK,
		"CSI_DRIVER_VERSION":          lane.Driver,
		"AZURE_PROVIDER_VERSION":      lane.Provider,
		"PROMTOOL_MODULE_VERSION":     t.Versions.Promtool.Module,
	}
	for name, value := range overrides {
		values[name] = value
	}
	filled, err := fillTemplate(string(data), values)
	if err != nil {
		return "", fmt.Errorf("recipe %s: %w", path, err)
	}
	return filled, nil
}
