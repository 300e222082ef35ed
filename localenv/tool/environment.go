package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"aks-keyvault-secrets/localenv/internal/cluster"
	"aks-keyvault-secrets/localenv/internal/console"
	"aks-keyvault-secrets/localenv/internal/csi"
	"aks-keyvault-secrets/localenv/internal/node"
	"aks-keyvault-secrets/localenv/internal/proc"
	"aks-keyvault-secrets/localenv/internal/standin"
	"aks-keyvault-secrets/localenv/internal/statedir"
	"aks-keyvault-secrets/localenv/internal/toolchain"
)

// upOptions are the flags of `up` (and of `run`), as localenv/README.md lists them.
type upOptions struct {
	stateDir                                   string
	lane                                       string
	node, noCRDs, noControllerManager          bool
	crds                                       repeatable
	etcd, apiServer, controllerManager         string
	images                                     commaList
	rotationPollInterval, kubeletSyncFrequency time.Duration
	csiLogLevel                                int
	timeout                                    time.Duration
}

// daemons lists every pid file name, for the check that nothing of an earlier start still runs.
func daemons() []string {
	all := append(append([]string{}, cluster.Daemons...), standin.Daemon)
	return append(append(all, node.Daemons...), csi.Daemons...)
}

// startEnvironment brings up what the options ask for in the state dir and writes its env file. On failure it
// stops what it started.
func startEnvironment(opts upOptions) (statedir.Dir, error) {
	sd, err := statedir.Open(opts.stateDir)
	if err != nil {
		return "", err
	}
	for _, name := range daemons() {
		if proc.RunningByName(string(sd), name) {
			return "", fmt.Errorf("%s of an earlier start is still running for %s (localenv/localenv down --state-dir %s first)", name, sd, sd)
		}
	}
	plan, err := planEnvironment(opts, sd)
	if err != nil {
		return "", err
	}
	if err := plan.start(); err != nil {
		console.Log("start failed; stopping what was started")
		stopEnvironment(sd)
		console.Log("stopped (logs kept in %s)", sd.Path("logs"))
		return "", err
	}
	if err := sd.Write("env", "export KUBECONFIG="+shellQuote(sd.Path("kubeconfig"))); err != nil {
		stopEnvironment(sd)
		return "", err
	}
	return sd, nil
}

// environmentPlan is every part's config, resolved (binaries found, CRD files listed) before anything starts.
type environmentPlan struct {
	cluster       cluster.Config
	withNode      bool
	standinBinary string
	node          node.Config
	csi           csi.Config
	images        []string
}

func planEnvironment(opts upOptions, sd statedir.Dir) (environmentPlan, error) {
	tc, err := openToolchain(opts.lane)
	if err != nil {
		return environmentPlan{}, err
	}
	bins := binaryResolver{tc: tc}
	plan := environmentPlan{withNode: opts.node, images: opts.images}
	plan.cluster = cluster.Config{State: sd, WithNode: opts.node, Timeout: opts.timeout,
		Etcd: bins.get("etcd", opts.etcd), APIServer: bins.get("kube-apiserver", opts.apiServer)}
	if !opts.noControllerManager {
		plan.cluster.ControllerManager = bins.get("kube-controller-manager", opts.controllerManager)
	}
	if plan.cluster.CRDFiles, err = crdList(opts); err != nil {
		return environmentPlan{}, err
	}
	if opts.node {
		if err := plan.planNode(opts, sd, &bins); err != nil {
			return environmentPlan{}, err
		}
	} else if len(opts.images) > 0 {
		return environmentPlan{}, errors.New("--images needs --node")
	}
	return plan, bins.err
}

func (plan *environmentPlan) planNode(opts upOptions, sd statedir.Dir, bins *binaryResolver) error {
	if opts.noControllerManager {
		return errors.New("--node needs the controller manager (its node-lifecycle controller makes the node schedulable)")
	}
	if os.Geteuid() != 0 {
		return errors.New("--node needs root (containerd, mounts, network namespaces, cgroups)")
	}
	plan.standinBinary = bins.get("keyvault-standin", "")
	bridge := bins.get("bridge", "")
	plan.node = node.Config{State: sd, SyncFrequency: opts.kubeletSyncFrequency, Timeout: opts.timeout,
		Bins: node.Binaries{Kubelet: bins.get("kubelet", ""), Scheduler: bins.get("kube-scheduler", ""),
			Containerd: bins.get("containerd", ""), Ctr: bins.get("ctr", ""), Runc: bins.get("runc", ""),
			CNIBinDir: filepath.Dir(bridge), ImagesDir: bins.tc.NodeImagesDir()}}
	for _, name := range []string{"containerd-shim-runc-v2", "host-local", "loopback"} {
		bins.get(name, "")
	}
	plan.csi = csi.Config{State: sd, RotationPollInterval: opts.rotationPollInterval, LogLevel: opts.csiLogLevel,
		NodeName: node.Name, Timeout: opts.timeout, Lane: bins.tc.SelectedLane(),
		Bins: csi.Binaries{Driver: bins.get("secrets-store-csi-driver", ""),
			Provider:  bins.get("secrets-store-csi-driver-provider-azure", ""),
			Registrar: bins.get("csi-registrar", ""), Call: bins.get("csi-call", ""),
			SecretSync: bins.get("secretsync-standin", "")}}
	for _, archive := range []string{"pause.tar", "probe.tar"} {
		if _, err := os.Stat(filepath.Join(plan.node.Bins.ImagesDir, archive)); err != nil && bins.err == nil {
			bins.err = fmt.Errorf("%s is not built: run localenv/localenv build node-images", archive)
		}
	}
	return nil
}

func crdList(opts upOptions) ([]string, error) {
	if opts.noCRDs {
		console.Log("not installing CRDs (--no-crds)")
		return nil, nil
	}
	files := []string(opts.crds)
	if len(files) == 0 {
		var err error
		if files, err = crdFiles(); err != nil {
			return nil, fmt.Errorf("the default CRD files: %w", err)
		}
	}
	for _, file := range files {
		if _, err := os.Stat(file); err != nil {
			return nil, fmt.Errorf("CRD file not found: %s", file)
		}
	}
	return files, nil
}

// binaryResolver finds binaries in the toolchain (or takes the one a flag names) and keeps the first failure.
type binaryResolver struct {
	tc  *toolchain.Toolchain
	err error
}

func (b *binaryResolver) get(name, override string) string {
	if override != "" {
		return override
	}
	path, err := b.tc.BuiltBinary(name)
	if err != nil && b.err == nil {
		b.err = err
	}
	return path
}

func (plan environmentPlan) start() error {
	if err := cluster.Start(plan.cluster); err != nil {
		return err
	}
	if !plan.withNode {
		return nil
	}
	if err := standin.Start(plan.cluster.State, plan.standinBinary, plan.cluster.Timeout); err != nil {
		return err
	}
	if err := node.Start(plan.node); err != nil {
		return err
	}
	if len(plan.images) > 0 {
		if err := node.ImportImages(plan.cluster.State, plan.node.Bins, plan.images); err != nil {
			return err
		}
	}
	return csi.Start(plan.csi)
}

// stopEnvironment undoes whatever a start left in the state dir, whichever parts it started.
func stopEnvironment(sd statedir.Dir) {
	csi.Stop(sd, func() bool { ready, _ := cluster.Ready(sd); return ready })
	node.Stop(sd, ctrBinary())
	standin.Stop(sd)
	cluster.Stop(sd)
}

// ctrBinary is the toolchain's ctr, "" when it is not there (then down kills the containers without containerd).
func ctrBinary() string {
	tc, err := toolchain.Open(localenvDir(), toolchain.DefaultCache(), "")
	if err != nil {
		return ""
	}
	path, err := tc.BuiltBinary("ctr")
	if err != nil {
		return ""
	}
	return path
}
