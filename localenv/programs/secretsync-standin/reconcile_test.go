package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"sigs.k8s.io/secrets-store-csi-driver/provider/v1alpha1"
)

// fakeProvider answers Mount with fixed files, or with an error code, and keeps the requests.
type fakeProvider struct {
	v1alpha1.UnimplementedCSIDriverProviderServer
	mu        sync.Mutex
	files     map[string]string
	errorCode string
	requests  []*v1alpha1.MountRequest
}

func (f *fakeProvider) Mount(_ context.Context, req *v1alpha1.MountRequest) (*v1alpha1.MountResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, req)
	if f.errorCode != "" {
		return &v1alpha1.MountResponse{Error: &v1alpha1.Error{Code: f.errorCode}}, nil
	}
	resp := &v1alpha1.MountResponse{ObjectVersion: []*v1alpha1.ObjectVersion{{Id: "secret/x", Version: "1"}}}
	for path, content := range f.files {
		resp.Files = append(resp.Files, &v1alpha1.File{Path: path, Contents: []byte(content)})
	}
	return resp, nil
}

// fakeAPI is the API server as the stand-in uses it: one SecretSync, one class, token requests and Secret applies.
type fakeAPI struct {
	mu       sync.Mutex
	sync     map[string]any
	rv       int
	applies  []map[string]any
	managers []string
	tokens   []map[string]any
	applyErr string
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == "GET" && r.URL.Path == secretSyncPath("orders", "orders-notifier-smtp"):
		_ = json.NewEncoder(w).Encode(f.sync)
	case r.Method == "PUT" && r.URL.Path == secretSyncPath("orders", "orders-notifier-smtp")+"/status":
		var object map[string]any
		_ = json.Unmarshal(body, &object)
		f.rv++
		f.sync["status"] = object["status"]
		f.sync["metadata"].(map[string]any)["resourceVersion"] = strings.Repeat("1", f.rv)
		_ = json.NewEncoder(w).Encode(f.sync)
	case r.Method == "GET" && r.URL.Path == "/apis/secrets-store.csi.x-k8s.io/v1/namespaces/orders/secretproviderclasses/orders-notifier":
		_, _ = io.WriteString(w, `{"metadata":{"uid":"spc-uid","generation":1},"spec":{"provider":"azure","parameters":{"keyvaultName":"kv","clientID":"c"}}}`)
	case r.Method == "POST" && r.URL.Path == "/api/v1/namespaces/orders/serviceaccounts/orders-notifier/token":
		var request map[string]any
		_ = json.Unmarshal(body, &request)
		f.tokens = append(f.tokens, request)
		_, _ = io.WriteString(w, `{"status":{"token":"t0k3n","expirationTimestamp":"`+time.Now().Add(10*time.Minute).UTC().Format(time.RFC3339)+`"}}`)
	case r.Method == "PATCH" && r.URL.Path == "/api/v1/namespaces/orders/secrets/orders-notifier-smtp":
		if r.Header.Get("Content-Type") != "application/apply-patch+yaml" {
			w.WriteHeader(http.StatusUnsupportedMediaType)
			return
		}
		if f.applyErr != "" {
			w.WriteHeader(http.StatusConflict)
			_ = json.NewEncoder(w).Encode(map[string]string{"kind": "Status", "reason": "Conflict", "message": f.applyErr})
			return
		}
		var secret map[string]any
		_ = json.Unmarshal(body, &secret)
		f.applies = append(f.applies, secret)
		f.managers = append(f.managers, r.URL.Query().Get("fieldManager"))
		_, _ = io.WriteString(w, `{}`)
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"kind":"Status","reason":"NotFound","message":"`+r.Method+" "+r.URL.Path+` not found"}`)
	}
}

func newSecretSync() map[string]any {
	var object map[string]any
	_ = json.Unmarshal([]byte(`{"apiVersion":"secret-sync.x-k8s.io/v1alpha1","kind":"SecretSync",
		"metadata":{"name":"orders-notifier-smtp","namespace":"orders","uid":"ss-uid","generation":1,"resourceVersion":"1"},
		"spec":{"secretProviderClassName":"orders-notifier","serviceAccountName":"orders-notifier",
			"secretObject":{"type":"Opaque","labels":{"team":"orders"},"data":[{"sourcePath":"smtp-password","targetKey":"smtp-password"}]}}}`), &object)
	return object
}

type harness struct {
	api      *fakeAPI
	provider *fakeProvider
	r        *reconciler
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "ssync-") // a unix socket path must stay short
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	listener, err := net.Listen("unix", filepath.Join(dir, "azure.sock"))
	if err != nil {
		t.Fatal(err)
	}
	provider := &fakeProvider{files: map[string]string{"smtp-password": "s3cret", "other": "x"}}
	server := grpc.NewServer()
	v1alpha1.RegisterCSIDriverProviderServer(server, provider)
	go func() { _ = server.Serve(listener) }()
	t.Cleanup(server.Stop)

	api := &fakeAPI{sync: newSecretSync()}
	httpServer := httptest.NewTLSServer(api)
	t.Cleanup(httpServer.Close)
	client := &apiClient{server: httpServer.URL, token: "admin", http: httpServer.Client()}
	p := &providers{dir: dir, maxRecv: 4 << 20, clients: map[string]v1alpha1Client{}}
	t.Cleanup(p.close)
	r := &reconciler{api: client, providers: p, tokens: &tokens{api: client, cache: map[string]cachedToken{}},
		audiences: []string{"api://AzureADTokenExchange"}, podName: "sync-pod", podUID: "sync-uid", now: time.Now}
	return &harness{api: api, provider: provider, r: r}
}

func (h *harness) conditions(t *testing.T) [][3]string {
	t.Helper()
	h.api.mu.Lock()
	defer h.api.mu.Unlock()
	status, _ := h.api.sync["status"].(map[string]any)
	var out [][3]string
	for _, c := range status["conditions"].([]any) {
		m := c.(map[string]any)
		if m["lastTransitionTime"] == "" {
			t.Errorf("condition %v has no lastTransitionTime", m)
		}
		out = append(out, [3]string{m["type"].(string), m["status"].(string), m["reason"].(string)})
	}
	return out
}

func TestReconcileWritesTheSecretAsTheControllerDoes(t *testing.T) {
	h := newHarness(t)
	outcome, err := h.r.reconcile(context.Background(), "orders", "orders-notifier-smtp")
	if err != nil || outcome != "created" {
		t.Fatalf("first reconcile: %q, %v", outcome, err)
	}
	// the Mount: the class's parameters plus the pod attributes the driver would add, and the SA's token
	req := h.provider.requests[0]
	var attributes map[string]string
	if err := json.Unmarshal([]byte(req.Attributes), &attributes); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"keyvaultName": "kv", "clientID": "c", "csi.storage.k8s.io/pod.name": "sync-pod",
		"csi.storage.k8s.io/pod.uid": "sync-uid", "csi.storage.k8s.io/pod.namespace": "orders",
		"csi.storage.k8s.io/serviceAccount.name": "orders-notifier"} {
		if attributes[key] != want {
			t.Errorf("attribute %s = %q, want %q", key, attributes[key], want)
		}
	}
	var tokensAttr map[string]tokenStatus
	if err := json.Unmarshal([]byte(attributes["csi.storage.k8s.io/serviceAccount.tokens"]), &tokensAttr); err != nil {
		t.Fatal(err)
	}
	if tokensAttr["api://AzureADTokenExchange"].Token != "t0k3n" || len(tokensAttr) != 1 {
		t.Errorf("tokens attribute: %v", tokensAttr)
	}
	if req.Secrets != "{}" || req.Permission != "420" || req.TargetPath != "/mnt/secrets-store" || len(req.CurrentObjectVersion) != 0 {
		t.Errorf("mount request: secrets %q permission %q target %q versions %v", req.Secrets, req.Permission, req.TargetPath, req.CurrentObjectVersion)
	}
	spec := h.api.tokens[0]["spec"].(map[string]any)
	if spec["expirationSeconds"] != float64(600) || spec["audiences"].([]any)[0] != "api://AzureADTokenExchange" {
		t.Errorf("token request: %v", spec)
	}
	// the Secret: server-side applied by the controller's field manager, labelled and owned by the SecretSync
	if len(h.api.applies) != 1 || h.api.managers[0] != "secrets-store-sync-controller" {
		t.Fatalf("applies: %d, managers %v", len(h.api.applies), h.api.managers)
	}
	secret, _ := json.Marshal(h.api.applies[0])
	want := `{"apiVersion":"v1","data":{"smtp-password":"czNjcmV0"},"kind":"Secret","metadata":{"labels":{"secrets-store.sync.x-k8s.io":"","team":"orders"},` +
		`"name":"orders-notifier-smtp","namespace":"orders","ownerReferences":[{"apiVersion":"secret-sync.x-k8s.io/v1alpha1","kind":"SecretSync","name":"orders-notifier-smtp","uid":"ss-uid"}]},"type":"Opaque"}`
	if string(secret) != want {
		t.Errorf("applied Secret:\n%s\nwant\n%s", secret, want)
	}
	got := h.conditions(t)
	if want := [][3]string{{"SecretCreated", "True", "CreateSuccessful"}, {"SecretUpdated", "True", "SecretUpToDate"}}; !equalConditions(got, want) {
		t.Errorf("conditions %v, want %v", got, want)
	}
	status := h.api.sync["status"].(map[string]any)
	if !strings.HasPrefix(status["syncHash"].(string), "v1:") || status["lastSuccessfulSyncTime"] == "" {
		t.Errorf("status: %v", status)
	}

	// nothing changed: no write (a deleted Secret stays deleted, as with the controller)
	if outcome, err := h.r.reconcile(context.Background(), "orders", "orders-notifier-smtp"); err != nil || outcome != "unchanged" {
		t.Fatalf("second reconcile: %q, %v", outcome, err)
	}
	if len(h.api.applies) != 1 {
		t.Errorf("an unchanged SecretSync was applied again")
	}
	if len(h.api.tokens) != 1 {
		t.Errorf("the cached token was requested again: %d requests", len(h.api.tokens))
	}

	// a new forceSynchronization and generation: written again
	h.api.mu.Lock()
	h.api.sync["spec"].(map[string]any)["forceSynchronization"] = "now"
	h.api.sync["metadata"].(map[string]any)["generation"] = 2
	h.api.mu.Unlock()
	if outcome, err := h.r.reconcile(context.Background(), "orders", "orders-notifier-smtp"); err != nil || outcome != "updated" {
		t.Fatalf("third reconcile: %q, %v", outcome, err)
	}
	if len(h.api.applies) != 2 {
		t.Errorf("forceSynchronization did not write the Secret")
	}
}

func TestReconcileRecordsFailuresAndRetriesThem(t *testing.T) {
	h := newHarness(t)
	if _, err := h.r.reconcile(context.Background(), "orders", "orders-notifier-smtp"); err != nil {
		t.Fatal(err)
	}
	// the provider fails: SecretUpdated False ProviderError, the Secret untouched
	h.provider.errorCode = "Forbidden"
	_, err := h.r.reconcile(context.Background(), "orders", "orders-notifier-smtp")
	if err == nil || !strings.Contains(err.Error(), "mount request failed with provider error code Forbidden") {
		t.Fatalf("want the provider's error, got %v", err)
	}
	if got, want := h.conditions(t), [][3]string{{"SecretCreated", "True", "CreateSuccessful"}, {"SecretUpdated", "False", "ProviderError"}}; !equalConditions(got, want) {
		t.Errorf("conditions %v, want %v", got, want)
	}
	// repaired with the same data: the failed condition alone makes it write, and the condition stays as it was (the
	// controller sets SecretUpdated again only when the hash changed)
	h.provider.errorCode = ""
	if outcome, err := h.r.reconcile(context.Background(), "orders", "orders-notifier-smtp"); err != nil || outcome != "updated" {
		t.Fatalf("after the repair: %q, %v", outcome, err)
	}
	if len(h.api.applies) != 2 {
		t.Errorf("applies %d, want 2", len(h.api.applies))
	}
	// a conflicting owner of the Secret: ControllerPatchError and the previous hash kept
	h.api.mu.Lock()
	h.api.sync["metadata"].(map[string]any)["generation"] = 3
	h.api.applyErr = "Apply failed with 1 conflict: conflict with \"kubectl\": .data.smtp-password"
	previous := h.api.sync["status"].(map[string]any)["syncHash"]
	h.api.mu.Unlock()
	if _, err := h.r.reconcile(context.Background(), "orders", "orders-notifier-smtp"); err == nil || !strings.Contains(err.Error(), "conflict") {
		t.Fatalf("want the apply conflict, got %v", err)
	}
	status := h.api.sync["status"].(map[string]any)
	if status["syncHash"] != previous {
		t.Errorf("the failed apply changed the sync hash")
	}
	if got := h.conditions(t); got[1] != [3]string{"SecretUpdated", "False", "ControllerPatchError"} {
		t.Errorf("conditions %v", got)
	}
	// a file the provider does not return
	h.api.mu.Lock()
	h.api.applyErr = ""
	h.api.sync["spec"].(map[string]any)["secretObject"].(map[string]any)["data"] = []any{map[string]any{"sourcePath": "missing", "targetKey": "k"}}
	h.api.mu.Unlock()
	if _, err := h.r.reconcile(context.Background(), "orders", "orders-notifier-smtp"); err == nil || err.Error() != "file matching sourcePath missing not found in the pod" {
		t.Fatalf("want the missing file, got %v", err)
	}
	if got := h.conditions(t); got[1] != [3]string{"SecretUpdated", "False", "RemoteSecretStoreFetchFailed"} {
		t.Errorf("conditions %v", got)
	}
}

func TestReconcileRefusesTheReservedLabelAndAnnotation(t *testing.T) {
	for _, field := range []string{"labels", "annotations"} {
		h := newHarness(t)
		h.api.sync["spec"].(map[string]any)["secretObject"].(map[string]any)[field] = map[string]any{"secrets-store.sync.x-k8s.io": "x"}
		if _, err := h.r.reconcile(context.Background(), "orders", "orders-notifier-smtp"); err == nil {
			t.Fatalf("%s: reserved key accepted", field)
		}
		want := map[string]string{"labels": "InvalidClusterSecretLabelError", "annotations": "InvalidClusterSecretAnnotationError"}[field]
		if got := h.conditions(t); got[0] != [3]string{"SecretCreated", "False", want} || len(h.provider.requests) != 0 {
			t.Errorf("%s: conditions %v, provider calls %d", field, got, len(h.provider.requests))
		}
	}
}

func TestStateHashFollowsDataSpecAndForceSynchronization(t *testing.T) {
	spc := &secretProviderClass{}
	spc.Metadata.UID, spc.Metadata.Generation = "spc", 1
	ss := &secretSync{}
	ss.Metadata.UID, ss.Metadata.Generation = "ss", 1
	base, _ := stateHash(map[string][]byte{"k": []byte("v")}, spc, ss)
	again, _ := stateHash(map[string][]byte{"k": []byte("v")}, spc, ss)
	if base != again || !strings.HasPrefix(base, "v1:") || len(base) != 3+64 {
		t.Fatalf("hash %q then %q", base, again)
	}
	value, _ := stateHash(map[string][]byte{"k": []byte("w")}, spc, ss)
	ss.Spec.ForceSynchronization = "1"
	forced, _ := stateHash(map[string][]byte{"k": []byte("v")}, spc, ss)
	for name, other := range map[string]string{"value": value, "forceSynchronization": forced} {
		if other == base {
			t.Errorf("a new %s leaves the hash unchanged", name)
		}
	}
}

func TestBackoffDoublesFrom5msUpTo1000s(t *testing.T) {
	for failures, want := range map[int]time.Duration{1: 5 * time.Millisecond, 2: 10 * time.Millisecond, 11: 5120 * time.Millisecond, 40: 1000 * time.Second} {
		if got := backoff(failures); got != want {
			t.Errorf("backoff(%d) = %s, want %s", failures, got, want)
		}
	}
}

func equalConditions(a, b [][3]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The loop enqueues as the controller's watch, predicate and periodic source do.
func TestObserveEnqueuesNewSpecChangesAndPolls(t *testing.T) {
	l := newLoop(nil, nil, time.Second, time.Minute)
	item := func(name string, generation int64) listItem {
		var i listItem
		i.Metadata.Namespace, i.Metadata.Name, i.Metadata.Generation = "orders", name, generation
		return i
	}
	due := func() []string {
		var keys []string
		for key := range l.due {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		l.due = map[string]time.Time{}
		return keys
	}
	now := time.Now()
	l.observe([]listItem{item("a", 1), item("b", 1)}, now, false)
	if got := strings.Join(due(), ","); got != "orders/a,orders/b" {
		t.Errorf("first sight: %s", got)
	}
	l.observe([]listItem{item("a", 1), item("b", 1)}, now, false)
	if got := due(); len(got) != 0 {
		t.Errorf("nothing changed (a status update leaves the generation): %v", got)
	}
	l.observe([]listItem{item("a", 2), item("b", 1)}, now, false)
	if got := strings.Join(due(), ","); got != "orders/a" {
		t.Errorf("a spec change: %s", got)
	}
	l.observe([]listItem{item("a", 2)}, now, true)
	if got := strings.Join(due(), ","); got != "orders/a" {
		t.Errorf("a poll after b was deleted: %s", got)
	}
	if _, ok := l.seen["orders/b"]; ok {
		t.Errorf("a deleted SecretSync is still tracked")
	}
}
