package toolchain

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// runcPackages are the Debian packages runc's build needs beyond Go: a C compiler for its nsenter (cgo), and
// libseccomp's headers with pkg-config for the seccomp tag (without them it builds without seccomp).
type runcPackages struct {
	compiler, seccomp bool
}

func (p runcPackages) missing() []string {
	var names []string
	if p.compiler {
		names = append(names, "gcc", "libc6-dev")
	}
	if p.seccomp {
		names = append(names, "libseccomp-dev", "pkg-config")
	}
	return names
}

// ensureRuncBuildDeps installs what runc's build lacks, when this runs as root on a machine with apt-get, saying
// what and why before it does; a machine where it may not gets the command to run, and only a missing C compiler
// stops the build (without libseccomp, runc builds without seccomp, which a local test node does not need).
func ensureRuncBuildDeps(progress io.Writer) error {
	need := runcPackages{compiler: !hasCCompiler(), seccomp: !hasLibseccomp()}
	packages := need.missing()
	if len(packages) == 0 {
		return nil
	}
	install := "apt-get install -y " + strings.Join(packages, " ")
	_, aptErr := exec.LookPath("apt-get")
	if os.Geteuid() == 0 && aptErr == nil {
		fmt.Fprintf(progress, "[localenv] runc (the node's container runtime) is built with cgo and seccomp and needs %s: running apt-get update and %s\n",
			strings.Join(packages, ", "), install)
		if err := aptGet(progress, "update", "-qq"); err == nil {
			if err := aptGet(progress, append([]string{"install", "-y", "-qq"}, packages...)...); err == nil {
				return nil
			}
		}
		fmt.Fprintln(progress, "[localenv] apt-get failed (see above)")
	}
	if hasCCompiler() {
		fmt.Fprintf(progress, "[localenv] runc: building without seccomp (%s adds it)\n", install)
		return nil
	}
	return fmt.Errorf("runc is built with cgo and needs a C compiler: run %s as root (or `npm run local -- --no-node`, which needs no runc)", install)
}

func aptGet(progress io.Writer, args ...string) error {
	cmd := exec.Command("apt-get", args...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	cmd.Stdout, cmd.Stderr = progress, progress
	return cmd.Run()
}

// hasCCompiler: cgo compiles with $CC, or gcc.
func hasCCompiler() bool {
	compiler := os.Getenv("CC")
	if compiler == "" {
		compiler = "gcc"
	}
	_, err := exec.LookPath(strings.Fields(compiler + " x")[0])
	return err == nil
}
