package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"aks-keyvault-secrets/localenv/internal/kube"
	"aks-keyvault-secrets/localenv/internal/statedir"
)

const (
	smokeName     = "akv-node-smoke"
	smokeImage    = "registry.example/demo:1"
	smokeEnvValue = "smoke-value-never-printed"
	smokeTimeout  = 120 * time.Second
	smokePods     = "/api/v1/namespaces/default/pods"
)

func smokeLog(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[node-smoke] "+format+"\n", args...)
}

// nodeTraces is what the node leaves outside the state dir, recorded while it runs, for the check after down.
type nodeTraces struct {
	dataDir, bridge, cgroupRoot string
	sandboxes, shimSockets      []string
}

// smokeNode runs a private cluster with the node: a 2-replica Deployment of the probe comes up, every port of the
// environment is on loopback (the kubelet's API on the node's address) and the Azure provider in a network namespace
// of its own, a pod's log comes through the API server (names and hashes, never the value), the Deployment's
// deletion takes its pods; one pod is left running for down. After down, nothing of the node may be left.
func smokeNode(lane string) error {
	netnsBefore := netnsNames()
	var traces nodeTraces
	opts := upOptions{node: true, lane: lane, images: commaList{smokeImage}, timeout: 180 * time.Second,
		rotationPollInterval: 10 * time.Second, kubeletSyncFrequency: 10 * time.Second, csiLogLevel: 2}
	err := withEnvironment(opts, func(sd statedir.Dir, signals <-chan os.Signal) error {
		return smokeInside(sd, &traces, signals)
	})
	if err != nil {
		return err
	}
	return checkNothingLeft(traces, netnsBefore)
}

func smokeInside(sd statedir.Dir, traces *nodeTraces, signals <-chan os.Signal) error {
	until := func(what string, timeout time.Duration, ok func() (bool, error)) error {
		return pollUntil(what, timeout, signals, ok)
	}
	traces.dataDir = sd.DataDir()
	traces.bridge, _ = sd.Read("node/bridge")
	traces.cgroupRoot, _ = sd.Read("node/cgroup-root")
	client, err := sd.Kube()
	if err != nil {
		return err
	}
	created := time.Now()
	if resp, err := client.PostJSON("/apis/apps/v1/namespaces/default/deployments", smokeDeployment()); err != nil || resp.Status != http.StatusCreated {
		return errors.Join(err, resp.Failed("creating Deployment "+smokeName))
	}
	smokeLog("Deployment %s created (2 replicas, image %s)", smokeName, smokeImage)
	if err := until("both pods Ready", smokeTimeout, readyPods(client, 2)); err != nil {
		return err
	}
	smokeLog("both pods Ready after %s", time.Since(created).Round(time.Second))
	if err := checkListeners(sd); err != nil {
		return err
	}
	traces.record()
	if len(traces.sandboxes) == 0 {
		return fmt.Errorf("no pod sandboxes in %s", traces.dataDir)
	}
	if err := checkProbeLog(client, until); err != nil {
		return err
	}
	deleted := time.Now()
	if _, err := client.Delete("/apis/apps/v1/namespaces/default/deployments/"+smokeName, "Foreground"); err != nil {
		return err
	}
	if err := until("the pods gone after deleting the Deployment", smokeTimeout, podCount(client, 0)); err != nil {
		return err
	}
	smokeLog("Deployment deleted; its pods gone after %s", time.Since(deleted).Round(time.Second))
	// a pod still running when the cluster stops: down must take it down too
	if resp, err := client.PostJSON(smokePods, smokeLeftPod()); err != nil || resp.Status != http.StatusCreated {
		return errors.Join(err, resp.Failed("creating pod "+smokeName+"-left-running"))
	}
	if err := until("pod "+smokeName+"-left-running Ready", smokeTimeout, readyPods(client, 1)); err != nil {
		return err
	}
	traces.record()
	smokeLog("pod %s-left-running (a tmpfs emptyDir) left running for down to remove", smokeName)
	return nil
}

func smokeDeployment() map[string]any {
	labels := map[string]any{"app": smokeName}
	container := map[string]any{"name": "probe", "image": smokeImage,
		"env":          []any{map[string]any{"name": "SMOKE_SECRET", "value": smokeEnvValue}},
		"volumeMounts": []any{map[string]any{"name": "secrets", "mountPath": "/mnt/secrets-store"}}}
	return map[string]any{"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": smokeName, "namespace": "default"},
		"spec": map[string]any{"replicas": 2, "selector": map[string]any{"matchLabels": labels},
			"template": map[string]any{"metadata": map[string]any{"labels": labels},
				"spec": map[string]any{"terminationGracePeriodSeconds": 5, "containers": []any{container},
					"volumes": []any{map[string]any{"name": "secrets", "emptyDir": map[string]any{}}}}}}}
}

func smokeLeftPod() map[string]any {
	return map[string]any{"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": smokeName + "-left-running", "namespace": "default",
			"labels": map[string]any{"app": smokeName}},
		"spec": map[string]any{"containers": []any{map[string]any{"name": "probe", "image": smokeImage,
			"volumeMounts": []any{map[string]any{"name": "secrets", "mountPath": "/mnt/secrets-store"}}}},
			"volumes": []any{map[string]any{"name": "secrets", "emptyDir": map[string]any{"medium": "Memory"}}}}}
}

type podList struct {
	Items []struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Status struct {
			PodIP      string           `json:"podIP"`
			Conditions []kube.Condition `json:"conditions"`
		} `json:"status"`
	} `json:"items"`
}

func smokePodList(client *kube.Client) (podList, error) {
	var pods podList
	_, err := client.Get(smokePods+"?labelSelector=app%3D"+smokeName, &pods)
	return pods, err
}

func readyPods(client *kube.Client, want int) func() (bool, error) {
	return func() (bool, error) {
		pods, err := smokePodList(client)
		ready := 0
		for _, pod := range pods.Items {
			if kube.HasTrue(pod.Status.Conditions, "Ready") {
				ready++
			}
		}
		return ready == want, err
	}
}

func podCount(client *kube.Client, want int) func() (bool, error) {
	return func() (bool, error) {
		pods, err := smokePodList(client)
		return err == nil && len(pods.Items) == want, err
	}
}

// checkProbeLog reads a pod's log through the API server (the kubelet's serving certificate and the API server's
// client certificate at work) and its events.
func checkProbeLog(client *kube.Client, until func(string, time.Duration, func() (bool, error)) error) error {
	pods, err := smokePodList(client)
	if err != nil || len(pods.Items) == 0 {
		return errors.Join(err, errors.New("no pod to read a log from"))
	}
	pod := pods.Items[0].Metadata.Name
	var line string
	err = until("the probe's line in the log of "+pod, 20*time.Second, func() (bool, error) {
		resp, err := client.Do(http.MethodGet, smokePods+"/"+pod+"/log", "", nil)
		if err != nil || resp.Status != http.StatusOK {
			return false, err
		}
		for _, l := range strings.Split(string(resp.Body), "\n") {
			if strings.HasPrefix(l, "akv-probe ") {
				line = l
			}
		}
		return line != "", nil
	})
	if err != nil {
		return err
	}
	smokeLog("log of %s (GET %s/%s/log): %s", pod, smokePods, pod, line)
	sum := sha256.Sum256([]byte(smokeEnvValue))
	want := fmt.Sprintf(`akv-probe {"files":{},"env":{"SMOKE_SECRET":"sha256:%s"}}`, hex.EncodeToString(sum[:])[:16])
	if line != want {
		return fmt.Errorf("unexpected probe line (want %s)", want)
	}
	var events struct {
		Items []struct {
			Reason string `json:"reason"`
		} `json:"items"`
	}
	if _, err := client.Get("/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3D"+pod, &events); err != nil {
		return err
	}
	var reasons []string
	for _, e := range events.Items {
		reasons = append(reasons, e.Reason)
	}
	if !slices.Contains(reasons, "Started") {
		return fmt.Errorf("no Started event for %s (events: %s)", pod, strings.Join(reasons, ","))
	}
	smokeLog("events of %s: %s", pod, strings.Join(reasons, ","))
	return nil
}

// record adds the sandboxes and shim sockets that exist now.
func (t *nodeTraces) record() {
	entries, _ := os.ReadDir(filepath.Join(t.dataDir, "containerd", "state", "io.containerd.grpc.v1.cri", "sandboxes"))
	for _, entry := range entries {
		t.sandboxes = append(t.sandboxes, entry.Name())
	}
	files, _ := filepath.Glob(filepath.Join(t.dataDir, "containerd", "state", "io.containerd.runtime.v2.task", "k8s.io", "*", "address"))
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			t.shimSockets = append(t.shimSockets, strings.TrimPrefix(strings.TrimSpace(string(data)), "unix://"))
		}
	}
}

// pollUntil checks every second until ok, the timeout, or a signal (then the environment still goes down).
func pollUntil(what string, timeout time.Duration, signals <-chan os.Signal, ok func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		if done, _ := ok(); done {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not within %s", what, timeout)
		}
		select {
		case sig := <-signals:
			return fmt.Errorf("%s: interrupted (%s)", what, sig)
		case <-time.After(time.Second):
		}
	}
}

func netnsNames() []string {
	entries, _ := os.ReadDir("/run/netns")
	var names []string
	for _, entry := range entries {
		names = append(names, entry.Name())
	}
	return names
}

// checkNothingLeft: no process, mount, network namespace, bridge, cgroup, CNI result, shim socket or data dir.
func checkNothingLeft(t nodeTraces, netnsBefore []string) error {
	if t.dataDir == "" {
		return errors.New("the smoke test recorded no data dir")
	}
	var problems []string
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, file := range cmdlines {
		if data, err := os.ReadFile(file); err == nil && strings.Contains(string(data), t.dataDir) {
			problems = append(problems, "process "+filepath.Base(filepath.Dir(file))+" names "+t.dataDir)
		}
	}
	if mountsText, err := os.ReadFile("/proc/mounts"); err == nil && strings.Contains(string(mountsText), t.dataDir) {
		problems = append(problems, "mounts under "+t.dataDir)
	}
	leftPaths := []string{t.dataDir, "/sys/class/net/" + t.bridge}
	cgroups, _ := filepath.Glob("/sys/fs/cgroup/*" + t.cgroupRoot)
	leftPaths = append(leftPaths, cgroups...)
	for _, id := range t.sandboxes {
		results, _ := filepath.Glob("/var/lib/cni/results/*" + id + "*")
		leftPaths = append(leftPaths, results...)
	}
	leftPaths = append(leftPaths, t.shimSockets...)
	for _, path := range leftPaths {
		if _, err := os.Lstat(path); err == nil {
			problems = append(problems, path+" left")
		}
	}
	for _, name := range netnsNames() {
		if !slices.Contains(netnsBefore, name) {
			problems = append(problems, "network namespace "+name+" left")
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("after down: %s", strings.Join(problems, "; "))
	}
	smokeLog("OK: after down no process, mount, network namespace, bridge, cgroup, CNI result, shim socket or data dir of %s is left", t.dataDir)
	return nil
}
