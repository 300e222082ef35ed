// Package standin runs the Key Vault / Entra ID / IMDS stand-in (docs/keyvault-standin.md) that the Azure provider
// uses as its proxy. It serves <state dir>/keyvault.json (the harness's data, written with `keyvault-standin add` and
// `grant`, reloaded on change), logs every request to logs/keyvault-requests.jsonl, and checks workload-identity
// assertions against the cluster's service-account key.
package standin

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"

	"aks-keyvault-secrets/localenv/internal/proc"
	"aks-keyvault-secrets/localenv/internal/statedir"
)

// Daemon is the stand-in's pid file name.
const Daemon = "keyvault-standin"

// ContentFile is the content the stand-in serves.
func ContentFile(sd statedir.Dir) string { return sd.Path("keyvault.json") }

// CAFile is the stand-in's CA, the only one the provider trusts.
func CAFile(sd statedir.Dir) string { return sd.Path("standin", "ca.pem") }

// Start runs the stand-in on a free loopback port and writes standin.port once it answers.
func Start(sd statedir.Dir, binary string, timeout time.Duration) error {
	ports, err := proc.FreePorts(1)
	if err != nil {
		return err
	}
	if err := run(sd, binary, ports[0], timeout); err != nil {
		return err
	}
	return sd.Write("standin.port", strconv.Itoa(ports[0]))
}

// Halt stops the stand-in's process only, a Key Vault outage: the port file, the CA and the token-signing key stay,
// so Resume brings back the same service at the same address (the provider's HTTPS_PROXY names it).
func Halt(sd statedir.Dir) error {
	if _, err := sd.Port("standin"); err != nil {
		return fmt.Errorf("no stand-in was started in %s (no standin.port)", sd)
	}
	proc.Stop(string(sd), Daemon)
	return nil
}

// Resume starts a halted stand-in again on the port of standin.port, with the CA and token-signing key it left in
// standin/ (the stand-in reuses both), so clients that trusted it and hold its tokens need nothing new.
func Resume(sd statedir.Dir, binary string, timeout time.Duration) error {
	port, err := sd.Port("standin")
	if err != nil {
		return fmt.Errorf("no stand-in was started in %s (no standin.port)", sd)
	}
	if proc.RunningByName(string(sd), Daemon) {
		return fmt.Errorf("the stand-in already runs on 127.0.0.1:%d", port)
	}
	return run(sd, binary, port, timeout)
}

// run starts the stand-in on 127.0.0.1:port and waits until it answers.
func run(sd statedir.Dir, binary string, port int, timeout time.Duration) error {
	// Readable by all: ca.pem is public; the stand-in writes its private keys (ca-key.pem, token-key) 0600 itself.
	if err := os.MkdirAll(sd.Path("standin"), 0o755); err != nil {
		return err
	}
	address := "127.0.0.1:" + strconv.Itoa(port)
	argv := []string{binary, "serve", "--listen", address, "--ca-dir", sd.Path("standin"),
		"--content", ContentFile(sd), "--request-log", sd.Path("logs", "keyvault-requests.jsonl")}
	if _, err := os.Stat(sd.PKI("sa.pub")); err == nil {
		argv = append(argv, "--service-account-key", sd.PKI("sa.pub"))
	}
	if _, err := proc.Start(string(sd), proc.Daemon{Name: Daemon, Log: sd.Log(Daemon), Argv: argv}); err != nil {
		return err
	}
	health := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{Proxy: nil}}
	err := proc.WaitFor("Key Vault stand-in on "+address, timeout, func() (bool, error) {
		if err := proc.Alive(string(sd), Daemon); err != nil {
			return false, err
		}
		resp, err := health.Get("http://" + address + "/healthz")
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		proc.TailLog(sd.Log(Daemon), 20)
		return fmt.Errorf("the Key Vault stand-in did not start: %w; log: %s", err, sd.Log(Daemon))
	}
	return nil
}

// Stop stops it and removes its port file and CA; the content file and the logs stay.
func Stop(sd statedir.Dir) {
	proc.Stop(string(sd), Daemon)
	_ = os.Remove(sd.Path("standin.port"))
	_ = os.RemoveAll(sd.Path("standin"))
}
