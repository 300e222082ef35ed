package toolchain

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The hash must equal the one the shell builder computed (`find DIRS -type f | sort | xargs sha256sum | sha256sum`),
// so caches built before carry over; checked against those very commands.
func TestSourceHashMatchesSha256sumPipeline(t *testing.T) {
	root, _ := filepath.Abs("../../../programs")
	for _, dirs := range [][]string{{"keyvault-standin"}, {"oci-images", "probe", "pause"}} {
		ours, err := sourceHash(root, dirs...)
		if err != nil {
			t.Fatal(err)
		}
		script := `cd "$0" && find "$@" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12`
		out, err := exec.Command("bash", append([]string{"-c", script, root}, dirs...)...).Output()
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.TrimSpace(string(out)); ours != want {
			t.Errorf("%v: %s, the pipeline says %s", dirs, ours, want)
		}
	}
}
