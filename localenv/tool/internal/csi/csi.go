// Package csi runs the Secrets Store CSI driver, the Azure Key Vault provider, our plugin registrar and our
// secrets-store-sync-controller stand-in as host processes next to the node's kubelet, and the CSIDriver object that
// tells the kubelet how to call the driver.
//
// The provider's only way out is the Key Vault stand-in, as its HTTPS_PROXY/HTTP_PROXY, trusting only the
// stand-in's CA. It runs with an otherwise empty environment, so no proxy exception, Azure identity variable or
// system CA of the host applies. Without a stand-in it gets a proxy port where nothing listens: every fetch fails,
// nothing leaves the machine. It runs in a network namespace of its own (localenv netjail, see startProvider), so
// the healthz and metrics ports it opens on every interface are reachable only through our forwarder on loopback.
package csi

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"aks-keyvault-secrets/localenv/internal/console"
	"aks-keyvault-secrets/localenv/internal/kube"
	"aks-keyvault-secrets/localenv/internal/proc"
	"aks-keyvault-secrets/localenv/internal/standin"
	"aks-keyvault-secrets/localenv/internal/statedir"
	"aks-keyvault-secrets/localenv/internal/versions"
)

// DriverName is the CSI driver's name.
const DriverName = "secrets-store.csi.k8s.io"

const driverObjectPath = "/apis/storage.k8s.io/v1/csidrivers"

// Daemons are the pid file names, in start order.
var Daemons = []string{"csi-provider", "csi-driver", "csi-registrar", SecretSyncDaemon}

// SecretSyncDaemon is the pid file name of the sync controller stand-in (tests/e2e/doctor.test.ts reads it).
const SecretSyncDaemon = "secretsync-standin"

// the driver runs mount and umount
const hostPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Binaries are the CSI part's programs from the toolchain.
type Binaries struct {
	Driver, Provider, Registrar, Call string
	// SecretSync is our stand-in for the secrets-store-sync-controller (docs/secret-sync.md)
	SecretSync string
}

// Config is what `up --node` asks of the CSI part.
type Config struct {
	State statedir.Dir
	Bins  Binaries
	// Lane is the driver/provider pair the binaries were built for: how the driver rotates depends on its version.
	Lane                 versions.Lane
	RotationPollInterval time.Duration
	LogLevel             int
	NodeName             string
	Timeout              time.Duration
}

// paths of the sockets and dirs, all in the data dir
type paths struct {
	pluginDir, socket, registrySocket, providerDir, providerSocket, noSystemCAs string
}

func pathsOf(dataDir string) paths {
	plugin := filepath.Join(dataDir, "kubelet", "plugins", "csi-secrets-store")
	providers := filepath.Join(dataDir, "providers")
	return paths{
		pluginDir:      plugin,
		socket:         filepath.Join(plugin, "csi.sock"),
		registrySocket: filepath.Join(dataDir, "kubelet", "plugins_registry", DriverName+"-reg.sock"),
		providerDir:    providers,
		providerSocket: filepath.Join(providers, "azure.sock"),
		noSystemCAs:    filepath.Join(dataDir, "csi-no-system-cas"),
	}
}

// Start creates the CSIDriver object and runs provider, driver and registrar, waiting for each socket and for the
// driver to answer GetPluginInfo/Probe.
func Start(cfg Config) error {
	sd := cfg.State
	p := pathsOf(sd.DataDir())
	for _, dir := range []string{p.pluginDir, filepath.Dir(p.registrySocket), p.providerDir, p.noSystemCAs} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	client, err := sd.Kube()
	if err != nil {
		return err
	}
	if err := createDriverObject(sd, client, rotatesThroughRepublish(cfg.Lane.Driver)); err != nil {
		return err
	}
	if err := startProvider(cfg, p); err != nil {
		return err
	}
	if err := startDriver(cfg, p); err != nil {
		return err
	}
	console.Log("plugin registrar on %s", p.registrySocket)
	registrar := proc.Daemon{Name: "csi-registrar", Log: sd.Log("csi-registrar"), Argv: []string{cfg.Bins.Registrar,
		"--registration-socket", p.registrySocket, "--csi-endpoint", p.socket, "--driver-name", DriverName}}
	if err := startAndWait(cfg, registrar, "plugin registration socket", socketUp(p.registrySocket)); err != nil {
		return err
	}
	return startSecretSync(cfg, p)
}

// startSecretSync runs the sync controller stand-in against the provider's socket dir, as the controller's chart
// runs the controller with the provider as a sidecar: the token audience is the one docs/secret-sync.md tells AKS
// users to set for workload identity, and it re-fetches every SecretSync at the driver's rotation interval (the
// chart's 12 h default would show no rotation here). It uses the admin token; the controller has its own
// ServiceAccount with the chart's RBAC.
func startSecretSync(cfg Config, p paths) error {
	sd := cfg.State
	port, err := sd.Port("apiserver")
	if err != nil {
		return err
	}
	console.Log("secrets-store-sync-controller stand-in (SecretSync objects; re-sync every %s)", cfg.RotationPollInterval)
	daemon := proc.Daemon{Name: SecretSyncDaemon, Log: sd.Log(SecretSyncDaemon),
		// the controller passes its own pod's name and UID (downward API) to the provider as the mount's pod
		Env: []string{"PATH=" + hostPath, "SYNC_CONTROLLER_POD_NAME=" + SecretSyncDaemon, "SYNC_CONTROLLER_POD_UID=" + cfg.NodeName + "-" + SecretSyncDaemon},
		Argv: []string{cfg.Bins.SecretSync, "serve", "--server", "https://127.0.0.1:" + strconv.Itoa(port),
			"--ca-file", sd.PKI("ca.crt"), "--token-file", sd.PKI("token"), "--provider-volume", p.providerDir,
			"--token-request-audience", "api://AzureADTokenExchange",
			"--rotation-poll-interval", cfg.RotationPollInterval.String()}}
	return startAndWait(cfg, daemon, "sync controller stand-in", func() (bool, error) {
		log, err := os.ReadFile(sd.Log(SecretSyncDaemon))
		return err == nil && strings.Contains(string(log), "secretsync-standin: providers in"), nil
	})
}

// rotatesThroughRepublish says whether a driver version rotates when the kubelet republishes its volumes (v1.6 and
// later: the rotation reconciler is gone) rather than through its own rotation reconciler, which re-mounts by
// itself. A version it cannot read counts as the newer kind.
func rotatesThroughRepublish(driver string) bool {
	var major, minor int
	if _, err := fmt.Sscanf(driver, "v%d.%d.", &major, &minor); err != nil {
		return true
	}
	return major > 1 || major == 1 && minor >= 6
}

// driverObject is the CSIDriver object as the driver's own Helm chart renders it with secret rotation on and the
// workload identity audience in tokenRequests (the AKS addon's own manifests are not public; the chart is the closest
// record): inline (Ephemeral) volumes only, pod info and the pod's token in every NodePublishVolume. A driver that
// rotates through republish also gets requiresRepublish, and the token in the request's secrets rather than its
// volume context (the chart's choice from Kubernetes 1.35 on; such a driver reads both). A driver with its own
// reconciler gets neither: its chart has no such fields, and for its re-mounts it asks the API server for the pod's
// token itself, for the audiences of tokenRequests.
func driverObject(republish bool) map[string]any {
	spec := map[string]any{"podInfoOnMount": true, "attachRequired": false,
		"volumeLifecycleModes": []string{"Ephemeral"},
		"tokenRequests":        []any{map[string]any{"audience": "api://AzureADTokenExchange"}}}
	if republish {
		spec["requiresRepublish"] = true
		spec["serviceAccountTokenInSecrets"] = true
	}
	return map[string]any{"apiVersion": "storage.k8s.io/v1", "kind": "CSIDriver",
		"metadata": map[string]any{"name": DriverName}, "spec": spec}
}

func createDriverObject(sd statedir.Dir, client *kube.Client, republish bool) error {
	object := driverObject(republish)
	resp, err := client.PostJSON(driverObjectPath, object)
	if err != nil {
		return err
	}
	verb := "created"
	if resp.Status == http.StatusConflict {
		// left by an earlier start against the same API server: replace it, so that its spec is ours
		if _, err := client.Delete(driverObjectPath+"/"+DriverName, ""); err != nil {
			return err
		}
		if resp, err = client.PostJSON(driverObjectPath, object); err != nil {
			return err
		}
		verb = "recreated"
	}
	if resp.Status != http.StatusCreated {
		return resp.Failed("creating CSIDriver " + DriverName)
	}
	console.Log("CSIDriver %s %s (requiresRepublish %v)", DriverName, verb, republish)
	return sd.Write("csi-driver-object", DriverName)
}

func startProvider(cfg Config, p paths) error {
	sd := cfg.State
	proxyPort, err := sd.Port("standin")
	if err != nil {
		ports, err := proc.FreePorts(1)
		if err != nil {
			return err
		}
		proxyPort = ports[0]
		console.Log("warning: no Key Vault stand-in: the provider's proxy is 127.0.0.1:%d, where nothing listens, so every fetch fails", proxyPort)
	}
	ca := standin.CAFile(sd)
	if _, err := os.Stat(ca); err != nil {
		console.Log("warning: no stand-in CA at %s: the provider trusts no server certificate", ca)
	}
	// The provider opens its health and metrics ports on every interface (":PORT"; no flag names an address), so it
	// runs in a network namespace of its own under `localenv netjail`, where every interface is that namespace's lo:
	// its healthz stays in there (nothing outside needs it), its metrics are forwarded from the host's
	// 127.0.0.1:<same port>, and 127.0.0.1:<proxy port> inside is forwarded to the stand-in's on the host. Its gRPC
	// socket is a Unix socket in the data dir, which a network namespace does not affect.
	ports, err := proc.FreePorts(2)
	if err != nil {
		return err
	}
	healthzPort, metricsPort := ports[0], ports[1]
	// tests/e2e/alerts.test.ts scrapes the provider's metrics (http://127.0.0.1:<csi-provider-metrics.port>/metrics)
	if err := sd.Write("csi-provider-metrics.port", strconv.Itoa(metricsPort)); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	proxy := "http://127.0.0.1:" + strconv.Itoa(proxyPort)
	console.Log("Azure Key Vault provider %s on %s (proxy %s), in a network namespace of its own (metrics forwarded from 127.0.0.1:%d)",
		cfg.Lane.Provider, p.providerSocket, proxy, metricsPort)
	provider := proc.Daemon{Name: "csi-provider", Log: sd.Log("csi-provider"),
		Env: []string{"PATH=" + hostPath, "HTTPS_PROXY=" + proxy, "HTTP_PROXY=" + proxy,
			"SSL_CERT_FILE=" + ca, "SSL_CERT_DIR=" + p.noSystemCAs},
		Argv: []string{self, "netjail", "--in", strconv.Itoa(proxyPort),
			"--out", strconv.Itoa(metricsPort) + "=" + strconv.Itoa(metricsPort), "--",
			cfg.Bins.Provider, "--endpoint", unixEndpoint(p.providerSocket),
			"--healthz-port", strconv.Itoa(healthzPort), "--prometheus-port", strconv.Itoa(metricsPort),
			"-v=" + strconv.Itoa(cfg.LogLevel)}}
	return startAndWait(cfg, provider, "Azure provider socket", socketUp(p.providerSocket))
}

func startDriver(cfg Config, p paths) error {
	sd := cfg.State
	how := "its rotation reconciler"
	if rotatesThroughRepublish(cfg.Lane.Driver) {
		how = "the kubelet's republish"
	}
	// The driver's metrics (controller-runtime's server; --metrics-addr takes an address) on loopback only, for
	// tests/e2e/alerts.test.ts; the driver opens no health port.
	metricsPorts, err := proc.FreePorts(1)
	if err != nil {
		return err
	}
	if err := sd.Write("csi-driver-metrics.port", strconv.Itoa(metricsPorts[0])); err != nil {
		return err
	}
	console.Log("Secrets Store CSI driver %s (lane %s) on %s (node %s, rotation every %s through %s)",
		cfg.Lane.Driver, cfg.Lane.Name, p.socket, cfg.NodeName, cfg.RotationPollInterval, how)
	driver := proc.Daemon{Name: "csi-driver", Log: sd.Log("csi-driver"),
		Env: []string{"PATH=" + hostPath, "KUBECONFIG=" + sd.Path("kubeconfig")},
		Argv: []string{cfg.Bins.Driver, "--endpoint", unixEndpoint(p.socket), "--drivername", DriverName,
			"--nodeid", cfg.NodeName, "--provider-volume", p.providerDir,
			"--additional-provider-volume-paths", p.providerDir,
			// Every version takes these two: a driver with a rotation reconciler runs it every interval; one that
			// rotates through republish re-fetches on a republish once the interval has passed since the last write.
			"--enable-secret-rotation", "--rotation-poll-interval", cfg.RotationPollInterval.String(),
			"--metrics-addr", "127.0.0.1:" + strconv.Itoa(metricsPorts[0]), "-v=" + strconv.Itoa(cfg.LogLevel)}}
	if err := startAndWait(cfg, driver, "CSI driver socket", socketUp(p.socket)); err != nil {
		return err
	}
	answers := func() (bool, error) {
		out, err := exec.Command(cfg.Bins.Call, "probe", "--endpoint", p.socket, "--driver-name", DriverName,
			"--timeout", "1s").CombinedOutput()
		if err != nil {
			return false, fmt.Errorf("%w: %s", err, strings.TrimSpace(string(out)))
		}
		return true, nil
	}
	return wait(cfg, "csi-driver", "CSI driver answers GetPluginInfo/Probe", answers)
}

// unixEndpoint is how driver and provider want a socket path: both put back the leading "/" themselves.
func unixEndpoint(path string) string { return "unix://" + strings.TrimPrefix(path, "/") }

func socketUp(path string) func() (bool, error) {
	return func() (bool, error) {
		info, err := os.Stat(path)
		return err == nil && info.Mode()&os.ModeSocket != 0, nil
	}
}

func startAndWait(cfg Config, d proc.Daemon, what string, ready func() (bool, error)) error {
	if _, err := proc.Start(string(cfg.State), d); err != nil {
		return err
	}
	return wait(cfg, d.Name, what, ready)
}

// wait gives up at once when the daemon exits, and then shows its log's end.
func wait(cfg Config, name, what string, ready func() (bool, error)) error {
	sd := cfg.State
	err := proc.WaitFor(what, cfg.Timeout, func() (bool, error) {
		if err := proc.Alive(string(sd), name); err != nil {
			return false, err
		}
		return ready()
	})
	if err != nil {
		proc.TailLog(sd.Log(name), 20)
		return fmt.Errorf("%w; log: %s", err, sd.Log(name))
	}
	return nil
}

// Stop stops them in reverse start order (the sync stand-in, then the registrar: its socket going away makes the
// kubelet deregister the driver),
// removes their sockets, and deletes the CSIDriver object while the API server still answers.
func Stop(sd statedir.Dir, apiServerReady func() bool) {
	for i := len(Daemons) - 1; i >= 0; i-- {
		proc.Stop(string(sd), Daemons[i])
	}
	if data := sd.DataDir(); data != "" {
		p := pathsOf(data)
		for _, file := range []string{p.registrySocket, p.socket, p.providerSocket} {
			_ = os.Remove(file)
		}
		_ = os.RemoveAll(p.noSystemCAs)
	}
	if _, err := os.Stat(sd.Path("csi-driver-object")); err != nil {
		return
	}
	if apiServerReady() {
		if client, err := sd.Kube(); err == nil {
			if _, err := client.Delete(driverObjectPath+"/"+DriverName, ""); err == nil {
				console.Log("CSIDriver %s deleted", DriverName)
			}
		}
	}
	_ = os.Remove(sd.Path("csi-driver-object"))
}
