// helm-template renders a local chart with Helm's own template engine (helm.sh/helm/v3, the version the
// Pulumi Kubernetes provider embeds), like `helm template`, with no helm binary and no cluster. It exists to
// refresh tests/fixtures/migration/chart.rendered.yaml; see scripts/helm-template.sh.
package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: helm-template CHART_DIR RELEASE NAMESPACE")
		os.Exit(2)
	}
	chart, err := loader.Load(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	options := chartutil.ReleaseOptions{Name: os.Args[2], Namespace: os.Args[3], Revision: 1, IsInstall: true}
	values, err := chartutil.ToRenderValues(chart, map[string]interface{}{}, options, chartutil.DefaultCapabilities)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	rendered, err := engine.Render(chart, values)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var names []string
	for name, text := range rendered {
		if strings.HasSuffix(name, ".yaml") && strings.TrimSpace(text) != "" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Printf("---\n# Source: %s\n%s\n", name, strings.TrimSpace(rendered[name]))
	}
}
