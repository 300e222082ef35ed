// Wrapper main for pulumi-resource-kubernetes.
//
// Upstream's cmd/pulumi-resource-kubernetes embeds schema-embed.json and
// terraform-mapping-embed.json, which `go generate` produces and which are
// therefore not part of the module zip. scripts/toolchain.sh writes both files
// next to this file (from schema.json / terraform-mapping.json in the module,
// with the schema version set) before building.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
