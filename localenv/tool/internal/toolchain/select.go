package toolchain

import (
	"fmt"
	"sort"
	"strings"
)

// Select resolves tool names and purposes into tools in build order (Tools' order), each once; with neither it is
// every tool.
func Select(purposes, names []string) ([]Tool, error) {
	if len(purposes) == 0 && len(names) == 0 {
		return Tools, nil
	}
	wanted := map[string]bool{}
	for _, purpose := range purposes {
		members, ok := Purposes[purpose]
		if !ok {
			return nil, fmt.Errorf("unknown purpose %q (known: %s)", purpose, strings.Join(PurposeNames(), " "))
		}
		for _, name := range members {
			wanted[name] = true
		}
	}
	for _, name := range names {
		if _, err := Lookup(name); err != nil {
			return nil, err
		}
		wanted[name] = true
	}
	var out []Tool
	for _, tool := range Tools {
		if wanted[tool.Name] {
			out = append(out, tool)
		}
	}
	return out, nil
}

// PurposeNames lists the purposes, sorted.
func PurposeNames() []string {
	names := make([]string, 0, len(Purposes))
	for name := range Purposes {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// PathDirs are the bin dirs a shell's PATH gets: the tools of purpose first (in its own order, so that `--for
// policy` puts the policy CLI's `pulumi` before the engine's), then every other tool's. Not the CNI plugins' or
// the images' dirs: `bridge` would shadow iproute2's, and nobody runs those by hand.
func (t *Toolchain) PathDirs(purpose string) ([]string, error) {
	order := []string{}
	if purpose != "" {
		members, ok := Purposes[purpose]
		if !ok {
			return nil, fmt.Errorf("unknown purpose %q (known: %s)", purpose, strings.Join(PurposeNames(), " "))
		}
		order = append(order, members...)
	}
	for _, tool := range Tools {
		order = append(order, tool.Name)
	}
	seen := map[string]bool{"cni-plugins": true, "node-images": true}
	var dirs []string
	for _, name := range order {
		if seen[name] {
			continue
		}
		seen[name] = true
		tool, _ := Lookup(name)
		dirs = append(dirs, t.BinDir(tool))
	}
	return dirs, nil
}
