package toolchain

import (
	"reflect"
	"testing"
)

func TestRuncPackagesNamesWhatIsMissing(t *testing.T) {
	for _, c := range []struct {
		need runcPackages
		want []string
	}{
		{runcPackages{}, nil},
		{runcPackages{compiler: true}, []string{"gcc", "libc6-dev"}},
		{runcPackages{seccomp: true}, []string{"libseccomp-dev", "pkg-config"}},
		{runcPackages{compiler: true, seccomp: true}, []string{"gcc", "libc6-dev", "libseccomp-dev", "pkg-config"}},
	} {
		if got := c.need.missing(); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%+v: %v, want %v", c.need, got, c.want)
		}
	}
}
