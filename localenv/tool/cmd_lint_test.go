package main

import "testing"

func TestIsShellScript(t *testing.T) {
	for _, c := range []struct {
		name, head string
		want       bool
	}{
		{"localenv/bench/run.sh", "", true},
		{"localenv/localenv", "#!/usr/bin/env bash\nset -e\n", true},
		{".ci/run", "#!/bin/sh\n", true},
		{"tools/x", "#! /bin/bash -eu\n", true},
		{"tools/fish", "#!/usr/bin/env fish\n", false},
		{"tools/bashful.py", "#!/usr/bin/env python3\n# bash\n", false},
		{"README.md", "# sh\n", false},
		{"tools/shx", "#!/usr/bin/env shx\n", false},
	} {
		if got := isShellScript(c.name, []byte(c.head)); got != c.want {
			t.Errorf("%s %q: %v, want %v", c.name, c.head, got, c.want)
		}
	}
}
