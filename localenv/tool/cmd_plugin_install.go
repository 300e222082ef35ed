package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

func init() {
	register("plugin-install", "put the Kubernetes provider into $PULUMI_HOME/plugins (optional: the engine finds it on PATH)", runPluginInstall)
}

// runPluginInstall installs the provider as resource-kubernetes-v<version> with the CLI itself (`plugin install
// --file`), for setups that set PULUMI_IGNORE_AMBIENT_PLUGINS=true.
func runPluginInstall(args []string) error {
	if err := parseFlags(newFlags("plugin-install"), args); err != nil {
		return err
	}
	tc, err := openToolchain("")
	if err != nil {
		return err
	}
	pulumi, err := tc.BuiltBinary("pulumi")
	if err != nil {
		return err
	}
	provider, err := tc.BuiltBinary("pulumi-resource-kubernetes")
	if err != nil {
		return err
	}
	home := os.Getenv("PULUMI_HOME")
	if home == "" {
		userHome, err := os.UserHomeDir()
		if err != nil {
			return err
		}
		home = filepath.Join(userHome, ".pulumi")
	}
	version := tc.Versions.KubernetesProvider.Version
	dest := filepath.Join(home, "plugins", "resource-kubernetes-v"+version, "pulumi-resource-kubernetes")
	if sameContent(provider, dest) {
		fmt.Fprintf(os.Stderr, "[localenv] kubernetes %s already in %s/plugins\n", version, home)
		return nil
	}
	cmd := exec.Command(pulumi, "plugin", "install", "resource", "kubernetes", version, "--file", provider, "--reinstall")
	cmd.Env = append(os.Environ(), "PULUMI_SKIP_UPDATE_CHECK=true")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pulumi plugin install: %w", err)
	}
	if _, err := os.Stat(dest); err != nil {
		return fmt.Errorf("plugin install did not create %s", dest)
	}
	fmt.Fprintf(os.Stderr, "[localenv] installed kubernetes %s into %s/plugins\n", version, home)
	return nil
}

func sameContent(a, b string) bool {
	dataA, errA := os.ReadFile(a)
	dataB, errB := os.ReadFile(b)
	return errA == nil && errB == nil && bytes.Equal(dataA, dataB)
}
