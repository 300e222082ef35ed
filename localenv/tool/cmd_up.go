package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"time"

	"aks-keyvault-secrets/localenv/internal/console"
)

func init() {
	register("up", "start a cluster (with --node also the node, the CSI driver, the Azure provider and the Key Vault stand-in); prints the kubeconfig path", runUp)
}

func defaultStateDir() string { return filepath.Join(repoRoot(), ".local", "cluster") }

// upFlagSet declares the flags of up on fs; run shares them.
func upFlagSet(fs *flag.FlagSet, opts *upOptions, stateDirDefault string) {
	fs.StringVar(&opts.stateDir, "state-dir", stateDirDefault, "`DIR` for the kubeconfig, pids, ports and logs")
	fs.StringVar(&opts.lane, "lane", "", "with --node: the driver/provider `LANE` of versions.json the node runs (default: its default lane)")
	fs.BoolVar(&opts.node, "node", false, "also run the node (root): Key Vault stand-in, containerd, kubelet, kube-scheduler, CSI driver, Azure provider, plugin registrar")
	fs.BoolVar(&opts.noCRDs, "no-crds", false, "install no CRDs")
	fs.Var(&opts.crds, "crd", "`FILE` to install as a CRD (repeatable; default: the files localenv/localenv crds prints)")
	fs.BoolVar(&opts.noControllerManager, "no-controller-manager", false, "run no kube-controller-manager (then foreground deletes and Namespace deletion hang)")
	fs.StringVar(&opts.etcd, "etcd", "", "etcd binary `PATH` (default: the toolchain's)")
	fs.StringVar(&opts.apiServer, "kube-apiserver", "", "kube-apiserver binary `PATH` (default: the toolchain's)")
	fs.StringVar(&opts.controllerManager, "kube-controller-manager", "", "kube-controller-manager binary `PATH` (default: the toolchain's)")
	fs.Var(&opts.images, "images", "with --node: `NAME,...` to import the probe image under")
	fs.DurationVar(&opts.rotationPollInterval, "rotation-poll-interval", 10*time.Second, "the CSI driver's rotation poll interval")
	fs.DurationVar(&opts.kubeletSyncFrequency, "kubelet-sync-frequency", 10*time.Second, "the kubelet's pod resync, also how often it republishes CSI volumes")
	fs.IntVar(&opts.csiLogLevel, "csi-log-level", 2, "klog -v of the CSI driver and the Azure provider (2: names, never values)")
	fs.DurationVar(&opts.timeout, "timeout", 180*time.Second, "how long to wait for each part to be ready")
}

func runUp(args []string) error {
	var opts upOptions
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	upFlagSet(fs, &opts, defaultStateDir())
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("up takes no arguments (got %q)", fs.Args())
	}
	sd, err := startEnvironment(opts)
	if err != nil {
		return err
	}
	console.Log("ready; kubeconfig: %s  (stop: localenv/localenv down --state-dir %s)", sd.Path("kubeconfig"), sd)
	fmt.Println(sd.Path("kubeconfig"))
	return nil
}
