package providertest

// The differential test: the stand-in is right when the Azure Key Vault provider (the version go.mod pins), built from its module and
// unchanged, mounts the right bytes through it in every identity mode, and fails with the cause named when Azure
// would refuse. It runs the stand-in and the provider as processes and calls the provider's gRPC Mount the way the
// Secrets Store CSI driver does. It compares SHA-256 hashes and never prints a value.
//
// Run: cd scripts/node/keyvault-standin/providertest && go test -count=1 .
// AKV_PROVIDER_BIN / AKV_STANDIN_BIN use prebuilt binaries instead of building them (Go build cache).

import (
	"bufio"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"sigs.k8s.io/secrets-store-csi-driver/provider/v1alpha1"
)

const (
	tenantID   = "7a1e0000-0000-4000-8000-00000000aaaa"
	vaultName  = "kv-standin-test"
	spID       = "5e000000-0000-4000-8000-000000000001"
	spOutsider = "5e000000-0000-4000-8000-000000000002"
	miID       = "a1000000-0000-4000-8000-000000000003"
	miOutsider = "a1000000-0000-4000-8000-000000000004"
	wiID       = "f0000000-0000-4000-8000-000000000005"
	saIssuer   = "https://kubernetes.default.svc.cluster.local"
	saSubject  = "system:serviceaccount:apps:web"
)

type world struct {
	dir, content, requestLog, ca, socket string
	spSecret, outsiderSecret             string
	saKey, strangerKey                   *rsa.PrivateKey
	scanFiles                            []string
	issuedAssertions                     []string
}

var w *world

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "providertest:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "kvs-pt-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	w = &world{dir: dir, content: filepath.Join(dir, "keyvault.json"), requestLog: filepath.Join(dir, "requests.jsonl"),
		ca: filepath.Join(dir, "ca"), socket: filepath.Join(dir, "azure.sock")}

	standin, err := binary("AKV_STANDIN_BIN", filepath.Join(dir, "keyvault-standin"), "..", ".")
	if err != nil {
		return 0, err
	}
	provider, err := binary("AKV_PROVIDER_BIN", filepath.Join(dir, "provider"), ".", "github.com/Azure/secrets-store-csi-driver-provider-azure/cmd")
	if err != nil {
		return 0, err
	}
	if err := w.seed(standin); err != nil {
		return 0, fmt.Errorf("seeding the content: %w", err)
	}
	saPub := filepath.Join(dir, "sa.pub")
	der, _ := x509.MarshalPKIXPublicKey(&w.saKey.PublicKey)
	if err := os.WriteFile(saPub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		return 0, err
	}

	port, err := freePort()
	if err != nil {
		return 0, err
	}
	standinOut := filepath.Join(dir, "standin.out")
	stopStandin, err := start(standinOut, nil, standin, "serve", "--listen", fmt.Sprintf("127.0.0.1:%d", port),
		"--ca-dir", w.ca, "--content", w.content, "--request-log", w.requestLog,
		"--service-account-key", saPub, "--page-size", "2")
	if err != nil {
		return 0, err
	}
	defer stopStandin()
	if err := waitFor(func() bool {
		_, err := os.Stat(filepath.Join(w.ca, "ca.pem"))
		return err == nil && dialable(fmt.Sprintf("127.0.0.1:%d", port))
	}); err != nil {
		return 0, fmt.Errorf("stand-in did not start (see %s)", standinOut)
	}

	healthz, _ := freePort()
	metricsPort, _ := freePort()
	proxy := fmt.Sprintf("http://127.0.0.1:%d", port)
	providerOut := filepath.Join(dir, "provider.out")
	stopProvider, err := start(providerOut, []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir,
		"HTTPS_PROXY=" + proxy, "HTTP_PROXY=" + proxy, "SSL_CERT_FILE=" + filepath.Join(w.ca, "ca.pem")},
		provider, "--endpoint", "unix://"+w.socket, "--healthz-port", fmt.Sprint(healthz),
		"--prometheus-port", fmt.Sprint(metricsPort), "-v", "2")
	if err != nil {
		return 0, err
	}
	defer stopProvider()
	if err := waitFor(func() bool { _, err := os.Stat(w.socket); return err == nil }); err != nil {
		return 0, fmt.Errorf("provider did not create its socket (see %s)", providerOut)
	}
	w.scanFiles = []string{w.requestLog, standinOut, providerOut}
	return m.Run(), nil
}

// binary returns $ENV, or builds PKG in DIR (relative to this test) into OUT.
func binary(env, out, dir, pkg string) (string, error) {
	if p := os.Getenv(env); p != "" {
		return p, nil
	}
	start := time.Now()
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	fmt.Fprintf(os.Stderr, "providertest: built %s in %s\n", pkg, time.Since(start).Round(time.Millisecond))
	return out, nil
}

func start(logFile string, env []string, bin string, args ...string) (func(), error) {
	f, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	// the processes die with the test, also when it is interrupted
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if env != nil {
		cmd.Env = env
	}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		cmd.Process.Kill()
		cmd.Wait()
		f.Close()
	}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func dialable(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err == nil {
		c.Close()
	}
	return err == nil
}

func waitFor(ok func() bool) error {
	for i := 0; i < 300; i++ {
		if ok() {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("timed out")
}

func randomString() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// seed builds the content only through the stand-in's own subcommands, as the harness and users do.
func (w *world) seed(bin string) error {
	var err error
	if w.saKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return err
	}
	if w.strangerKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return err
	}
	w.spSecret, w.outsiderSecret = randomString(), randomString()
	sf, of := filepath.Join(w.dir, "sp-secret"), filepath.Join(w.dir, "outsider-secret")
	os.WriteFile(sf, []byte(w.spSecret+"\n"), 0o600)
	os.WriteFile(of, []byte(w.outsiderSecret), 0o600)
	blob := filepath.Join(w.dir, "blob")
	raw := make([]byte, 48)
	rand.Read(raw)
	os.WriteFile(blob, []byte(base64.StdEncoding.EncodeToString(raw)), 0o600)

	c := "--content=" + w.content
	steps := [][]string{
		{"add", c, "--vault", vaultName, "--tenant", tenantID, "--kind", "secret", "--name", "db-password"},
		{"add", c, "--vault", vaultName, "--kind", "secret", "--name", "db-password"},
		{"add", c, "--vault", vaultName, "--kind", "secret", "--name", "db-password"},
		{"add", c, "--vault", vaultName, "--kind", "secret", "--name", "tls-pem", "--generate", "tls"},
		{"add", c, "--vault", vaultName, "--kind", "secret", "--name", "blob", "--value-file", blob},
		{"add", c, "--vault", vaultName, "--kind", "key", "--name", "signing-rsa", "--generate", "rsa"},
		{"add", c, "--vault", vaultName, "--kind", "key", "--name", "signing-ec", "--generate", "ec"},
		{"add", c, "--vault", vaultName, "--kind", "certificate", "--name", "web-tls", "--generate", "tls"},
		{"grant", c, "--tenant", tenantID, "--service-principal", spID, "--secret-file", sf, "--vault", vaultName},
		{"grant", c, "--tenant", tenantID, "--service-principal", spOutsider, "--secret-file", of},
		{"grant", c, "--tenant", tenantID, "--managed-identity", miID, "--vault", vaultName},
		{"grant", c, "--tenant", tenantID, "--managed-identity", miOutsider},
		{"grant", c, "--tenant", tenantID, "--federated", wiID, "--issuer", saIssuer, "--subject", saSubject, "--vault", vaultName},
	}
	for _, s := range steps {
		if out, err := exec.Command(bin, s...).CombinedOutput(); err != nil {
			return fmt.Errorf("%v: %v: %s", s[:1], err, out)
		}
	}
	return nil
}

// content is the test's own reading of the content file, to compute what the provider must write.
type content struct {
	Vaults map[string]struct {
		Secrets      map[string][]struct{ Version, Value string }
		Keys         map[string][]struct{ Version, PEM string }
		Certificates map[string][]struct{ Version, PEM string }
	}
}

func readContent(t *testing.T) content {
	t.Helper()
	var c content
	data, err := os.ReadFile(w.content)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func publicKeyPEM(t *testing.T, keyPEM string) []byte {
	t.Helper()
	block, _ := pem.Decode([]byte(keyPEM))
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(k.(crypto.Signer).Public())
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func certificatePEM(t *testing.T, bundle string) []byte {
	t.Helper()
	rest := []byte(bundle)
	for {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			t.Fatal("no certificate in bundle")
		}
		if b.Type == "CERTIFICATE" {
			return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: b.Bytes})
		}
	}
}

type mode struct {
	name    string
	attrs   map[string]string
	secrets map[string]string
}

func servicePrincipal(clientID, secret string) mode {
	return mode{name: "service-principal", secrets: map[string]string{"clientid": clientID, "clientsecret": secret}}
}

func managedIdentity(clientID string) mode {
	return mode{name: "managed-identity", attrs: map[string]string{"useVMManagedIdentity": "true", "userAssignedIdentityID": clientID}}
}

// workloadIdentity is what the driver passes with tokenRequests: the pod's service-account token for
// api://AzureADTokenExchange, here signed by key with the given subject.
func workloadIdentity(t *testing.T, key *rsa.PrivateKey, subject string) mode {
	t.Helper()
	exp := time.Now().Add(time.Hour)
	token := signRS256(t, key, map[string]any{"iss": saIssuer, "sub": subject, "aud": []string{"api://AzureADTokenExchange"},
		"exp": exp.Unix(), "iat": time.Now().Unix(), "nbf": time.Now().Unix()})
	w.issuedAssertions = append(w.issuedAssertions, token)
	tokens, _ := json.Marshal(map[string]any{"api://AzureADTokenExchange": map[string]any{"token": token, "expirationTimestamp": exp.UTC().Format(time.RFC3339)}})
	return mode{name: "workload-identity", attrs: map[string]string{"clientID": wiID, "csi.storage.k8s.io/serviceAccount.tokens": string(tokens)}}
}

func signRS256(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"RS256","kid":"test","typ":"JWT"}`))
	body, _ := json.Marshal(claims)
	input := header + "." + enc.EncodeToString(body)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + enc.EncodeToString(sig)
}

type object map[string]any

// mountReq calls the provider's Mount with the attributes the driver sends for a pod.
func mountReq(t *testing.T, m mode, vault, tenant string, objects []object) (*v1alpha1.MountResponse, error) {
	t.Helper()
	var array []string
	for _, o := range objects {
		b, _ := json.Marshal(o)
		array = append(array, string(b))
	}
	objs, _ := json.Marshal(map[string]any{"array": array})
	attrs := map[string]string{
		"keyvaultName": vault, "tenantId": tenant, "objects": string(objs), "usePodIdentity": "false",
		"secretProviderClass": "app-secrets", "csi.storage.k8s.io/ephemeral": "true",
		"csi.storage.k8s.io/pod.name": "web-0", "csi.storage.k8s.io/pod.namespace": "apps",
		"csi.storage.k8s.io/pod.uid": "0b5e0000-0000-4000-8000-000000000000", "csi.storage.k8s.io/serviceAccount.name": "web",
	}
	for k, v := range m.attrs {
		attrs[k] = v
	}
	a, _ := json.Marshal(attrs)
	secrets := m.secrets
	if secrets == nil {
		secrets = map[string]string{}
	}
	s, _ := json.Marshal(secrets)
	conn, err := grpc.NewClient("unix://"+w.socket, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	return v1alpha1.NewCSIDriverProviderClient(conn).Mount(ctx, &v1alpha1.MountRequest{
		Attributes: string(a), Secrets: string(s), TargetPath: filepath.Join(w.dir, "target"), Permission: "420",
	})
}

func hash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// allObjects covers every object type and option the local stack uses.
func allObjects(oldest string) []object {
	return []object{
		{"objectName": "db-password", "objectType": "secret"},
		{"objectName": "db-password", "objectType": "secret", "objectAlias": "db-history", "objectVersionHistory": 3},
		{"objectName": "db-password", "objectType": "secret", "objectVersion": oldest, "objectAlias": "db-password-v1"},
		{"objectName": "blob", "objectType": "secret", "objectEncoding": "base64"},
		{"objectName": "tls-pem", "objectType": "secret"},
		{"objectName": "signing-rsa", "objectType": "key"},
		{"objectName": "signing-ec", "objectType": "key", "objectAlias": "signing-ec.pem"},
		{"objectName": "web-tls", "objectType": "cert", "objectAlias": "web-tls.crt"},
		{"objectName": "web-tls", "objectType": "secret", "objectAlias": "web-tls.pem"},
	}
}

func expectedFiles(t *testing.T) (map[string][]byte, map[string]string) {
	c := readContent(t).Vaults[vaultName]
	db := c.Secrets["db-password"]
	n := len(db)
	blob, err := base64.StdEncoding.DecodeString(c.Secrets["blob"][0].Value)
	if err != nil {
		t.Fatal(err)
	}
	web := c.Certificates["web-tls"][0]
	files := map[string][]byte{
		"db-password":    []byte(db[n-1].Value),
		"db-history/0":   []byte(db[n-1].Value),
		"db-history/1":   []byte(db[n-2].Value),
		"db-history/2":   []byte(db[n-3].Value),
		"db-password-v1": []byte(db[0].Value),
		"blob":           blob,
		"tls-pem":        []byte(c.Secrets["tls-pem"][0].Value),
		"signing-rsa":    publicKeyPEM(t, c.Keys["signing-rsa"][0].PEM),
		"signing-ec.pem": publicKeyPEM(t, c.Keys["signing-ec"][0].PEM),
		"web-tls.crt":    certificatePEM(t, web.PEM),
		"web-tls.pem":    []byte(web.PEM),
	}
	versions := map[string]string{
		"db-password": db[n-1].Version, "db-history/0": db[n-1].Version, "db-history/2": db[n-3].Version,
		"db-password-v1": db[0].Version, "signing-rsa": c.Keys["signing-rsa"][0].Version,
		"web-tls.crt": web.Version, "web-tls.pem": web.Version,
	}
	return files, versions
}

func checkFiles(t *testing.T, resp *v1alpha1.MountResponse, want map[string][]byte, versions map[string]string) {
	t.Helper()
	got := map[string][]byte{}
	for _, f := range resp.GetFiles() {
		got[f.GetPath()] = f.GetContents()
		if f.GetMode() != 0o644 {
			t.Errorf("%s: mode %o, want 644", f.GetPath(), f.GetMode())
		}
	}
	for name, content := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("file %s missing (got %v)", name, keys(got))
			continue
		}
		if hash(g) != hash(content) {
			t.Errorf("file %s: sha256 %s, want %s", name, hash(g), hash(content))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("unexpected file %s", name)
		}
	}
	// the provider reports one object version per file, in the same order (versions are keyed by file here, as
	// an object read twice, pinned and current, shares one ID)
	ov := map[string]string{}
	for i, v := range resp.GetObjectVersion() {
		if i < len(resp.GetFiles()) {
			ov[resp.GetFiles()[i].GetPath()] = v.GetVersion()
		}
	}
	for file, v := range versions {
		if ov[file] != v {
			t.Errorf("object version of file %s: %q, want %q", file, ov[file], v)
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// requestsSince returns the request-log lines written after offset, as "METHOD host path status [error]".
func requestsSince(t *testing.T, offset int64) ([]string, int64) {
	t.Helper()
	f, err := os.Open(w.requestLog)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	f.Seek(offset, 0)
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e struct {
			Method, Host, Path, Error, ClientID string
			Query                               []string
			Status                              int
		}
		json.Unmarshal(sc.Bytes(), &e)
		line := fmt.Sprintf("%s %s%s", e.Method, e.Host, e.Path)
		if len(e.Query) > 0 {
			line += "?" + strings.Join(e.Query, "&")
		}
		line += fmt.Sprintf(" -> %d", e.Status)
		if e.Error != "" {
			line += " " + e.Error
		}
		if e.ClientID != "" {
			line += " client=" + e.ClientID
		}
		out = append(out, line)
	}
	return out, fi.Size()
}

func logSize() int64 {
	fi, err := os.Stat(w.requestLog)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func TestMountEveryObjectInEveryIdentityMode(t *testing.T) {
	c := readContent(t).Vaults[vaultName]
	oldest := c.Secrets["db-password"][0].Version
	for _, m := range []mode{servicePrincipal(spID, w.spSecret), managedIdentity(miID), workloadIdentity(t, w.saKey, saSubject)} {
		t.Run(m.name, func(t *testing.T) {
			before := logSize()
			start := time.Now()
			resp, err := mountReq(t, m, vaultName, tenantID, allObjects(oldest))
			if err != nil {
				t.Fatalf("Mount: %v", err)
			}
			want, versions := expectedFiles(t)
			checkFiles(t, resp, want, versions)
			lines, _ := requestsSince(t, before)
			t.Logf("Mount took %s, %d files, %d stand-in requests:\n  %s", time.Since(start).Round(time.Millisecond),
				len(resp.GetFiles()), len(lines), strings.Join(lines, "\n  "))
		})
	}
}

func TestRotationIsServedWithoutRestart(t *testing.T) {
	bin := os.Getenv("AKV_STANDIN_BIN")
	if bin == "" {
		bin = filepath.Join(w.dir, "keyvault-standin")
	}
	out, err := exec.Command(bin, "add", "--content", w.content, "--vault", vaultName, "--kind", "secret", "--name", "db-password").Output()
	if err != nil {
		t.Fatal(err)
	}
	newVersion := strings.TrimSpace(string(out))
	resp, err := mountReq(t, servicePrincipal(spID, w.spSecret), vaultName, tenantID, []object{{"objectName": "db-password", "objectType": "secret"}})
	if err != nil {
		t.Fatalf("Mount: %v", err)
	}
	db := readContent(t).Vaults[vaultName].Secrets["db-password"]
	if db[len(db)-1].Version != newVersion {
		t.Fatalf("add printed %s, the content's current version is %s", newVersion, db[len(db)-1].Version)
	}
	checkFiles(t, resp, map[string][]byte{"db-password": []byte(db[len(db)-1].Value)}, map[string]string{"db-password": newVersion})
}

// TestRefusalsNameTheCause: what Azure refuses, the stand-in refuses, and the provider's error says why.
func TestRefusalsNameTheCause(t *testing.T) {
	secret := []object{{"objectName": "db-password", "objectType": "secret"}}
	cases := []struct {
		name          string
		mode          mode
		vault, tenant string
		objects       []object
		want          []string
	}{
		{"wrong client secret", servicePrincipal(spID, "not-the-secret"), vaultName, tenantID, secret, []string{"AADSTS7000215", "Invalid client secret", spID}},
		{"unknown client", servicePrincipal("de000000-0000-4000-8000-00000000dead", "x"), vaultName, tenantID, secret, []string{"AADSTS700016", "de000000-0000-4000-8000-00000000dead"}},
		{"service principal not a reader", servicePrincipal(spOutsider, w.outsiderSecret), vaultName, tenantID, secret, []string{"403", "Forbidden", "appid=" + spOutsider}},
		{"managed identity not a reader", managedIdentity(miOutsider), vaultName, tenantID, secret, []string{"403", "Forbidden", "appid=" + miOutsider}},
		{"managed identity not assigned", managedIdentity("00000000-0000-4000-8000-0000000000ff"), vaultName, tenantID, secret, []string{"Identity not found"}},
		{"assertion for another service account", workloadIdentity(t, w.saKey, "system:serviceaccount:apps:other"), vaultName, tenantID, secret, []string{"AADSTS700213", "system:serviceaccount:apps:other"}},
		{"assertion not signed by the cluster", workloadIdentity(t, w.strangerKey, saSubject), vaultName, tenantID, secret, []string{"AADSTS700027"}},
		{"unknown tenant", servicePrincipal(spID, w.spSecret), vaultName, "0e000000-0000-4000-8000-000000000000", secret, []string{"AADSTS90002", "0e000000-0000-4000-8000-000000000000"}},
		{"unknown secret", servicePrincipal(spID, w.spSecret), vaultName, tenantID, []object{{"objectName": "nope", "objectType": "secret"}}, []string{"SecretNotFound", "objectName:nope"}},
		{"unknown key", managedIdentity(miID), vaultName, tenantID, []object{{"objectName": "nope", "objectType": "key"}}, []string{"KeyNotFound"}},
		{"unknown certificate", managedIdentity(miID), vaultName, tenantID, []object{{"objectName": "nope", "objectType": "cert"}}, []string{"CertificateNotFound"}},
		{"unknown version", servicePrincipal(spID, w.spSecret), vaultName, tenantID, []object{{"objectName": "db-password", "objectType": "secret", "objectVersion": "00000000000000000000000000000000"}}, []string{"SecretNotFound", "00000000000000000000000000000000"}},
		{"unknown vault", servicePrincipal(spID, w.spSecret), "no-such-vault", tenantID, secret, []string{"no-such-vault.vault.azure.net", "no such host"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := logSize()
			start := time.Now()
			_, err := mountReq(t, tc.mode, tc.vault, tc.tenant, tc.objects)
			if err == nil {
				t.Fatal("Mount succeeded, want a refusal")
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error lacks %q:\n%v", s, err)
				}
			}
			lines, _ := requestsSince(t, before)
			first := strings.SplitN(err.Error(), "\n", 2)[0]
			t.Logf("refused in %s; provider error starts: %.300s\n  %s", time.Since(start).Round(time.Millisecond), first, strings.Join(lines, "\n  "))
		})
	}
}

// TestZLogsHoldNoValues runs last (go test orders tests by source order; the Z keeps it last when moved): no secret
// value, client secret, private key line or service-account token appears in the request log, the stand-in's
// output or the provider's log.
func TestZLogsHoldNoValues(t *testing.T) {
	data, err := os.ReadFile(w.content)
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Tenants map[string]struct {
			ServicePrincipals []struct{ ClientSecret string }
		}
		Vaults map[string]struct {
			Secrets      map[string][]struct{ Value string }
			Keys         map[string][]struct{ PEM string }
			Certificates map[string][]struct{ PEM string }
		}
	}
	json.Unmarshal(data, &raw)
	var needles []string
	for _, tn := range raw.Tenants {
		for _, sp := range tn.ServicePrincipals {
			needles = append(needles, sp.ClientSecret)
		}
	}
	addPEM := func(p string) {
		for _, line := range strings.Split(p, "\n") {
			if len(line) >= 40 && !strings.HasPrefix(line, "-----") {
				needles = append(needles, line)
			}
		}
	}
	for _, v := range raw.Vaults {
		for _, vs := range v.Secrets {
			for _, s := range vs {
				needles = append(needles, s.Value)
				addPEM(s.Value)
			}
		}
		for _, vs := range v.Keys {
			for _, s := range vs {
				addPEM(s.PEM)
			}
		}
		for _, vs := range v.Certificates {
			for _, s := range vs {
				addPEM(s.PEM)
			}
		}
	}
	for _, a := range w.issuedAssertions {
		needles = append(needles, a, strings.Split(a, ".")[2])
	}
	if len(needles) < 10 {
		t.Fatalf("only %d values to look for: the content was not read", len(needles))
	}
	for _, f := range w.scanFiles {
		logData, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(logData) == 0 && f == w.requestLog {
			t.Fatalf("%s is empty", f)
		}
		for _, n := range needles {
			if n != "" && strings.Contains(string(logData), n) {
				t.Errorf("%s contains a value from the content (sha256 %s)", filepath.Base(f), hash([]byte(n)))
			}
		}
	}
	t.Logf("%d values checked against %d log files", len(needles), len(w.scanFiles))
}
