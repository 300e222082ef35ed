package main

import (
	"os/exec"
	"strings"
	"testing"
)

// What env prints must give a real shell the values back exactly, quotes and spaces included.
func TestEnvLinesSurviveAShell(t *testing.T) {
	dirs := []string{"/c/it's here/bin", "/c/$HOME `x`/bin"}
	script := envLines(dirs, "/cache with 'quotes'") + `printf '%s\n' "$PATH" "$AKV_TOOLCHAIN_CACHE" "$PULUMI_SKIP_UPDATE_CHECK"`
	cmd := exec.Command("sh", "-c", script)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join(dirs, ":") + ":/usr/bin:/bin\n/cache with 'quotes'\ntrue\n"
	if string(out) != want {
		t.Errorf("got %q, want %q", out, want)
	}
}
