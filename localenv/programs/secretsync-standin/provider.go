package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"sigs.k8s.io/secrets-store-csi-driver/provider/v1alpha1"
)

// The controller's gRPC service config for the provider: wait until the socket answers, and retry a call the
// provider was UNAVAILABLE for up to 3 attempts (1 s backoff growing by 1.1 up to 10 s).
const providerServiceConfig = `{"methodConfig": [{
	"name": [{"service": "v1alpha1.CSIDriverProvider"}],
	"waitForReady": true,
	"retryPolicy": {"MaxAttempts": 3, "InitialBackoff": "1s", "MaxBackoff": "10s", "BackoffMultiplier": 1.1,
		"RetryableStatusCodes": ["UNAVAILABLE"]}}]}`

// the controller's rule for a provider name, which names the socket <provider volume>/<name>.sock
var providerNameRe = regexp.MustCompile(`^[a-zA-Z0-9_-]{0,30}$`)

var (
	errInvalidProvider  = errors.New("invalid provider")
	errProviderNotFound = errors.New("provider not found")
)

type v1alpha1Client = v1alpha1.CSIDriverProviderClient

// providers keeps one gRPC client per provider name, made on first use, as the controller's PluginClientBuilder does.
type providers struct {
	dir     string
	maxRecv int
	mu      sync.Mutex
	clients map[string]v1alpha1Client
	conns   []*grpc.ClientConn
}

func (p *providers) get(name string) (v1alpha1.CSIDriverProviderClient, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if client, ok := p.clients[name]; ok {
		return client, nil
	}
	if !providerNameRe.MatchString(name) {
		return nil, fmt.Errorf("%w: provider %q", errInvalidProvider, name)
	}
	socket := filepath.Join(p.dir, name+".sock")
	if _, err := os.Stat(socket); err != nil {
		return nil, fmt.Errorf("%w: provider %q", errProviderNotFound, name)
	}
	conn, err := grpc.NewClient("unix://"+socket,
		grpc.WithTransportCredentials(insecure.NewCredentials()), // the socket's file permissions are its only guard
		grpc.WithDefaultServiceConfig(providerServiceConfig),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(p.maxRecv)))
	if err != nil {
		return nil, err
	}
	client := v1alpha1.NewCSIDriverProviderClient(conn)
	p.clients[name] = client
	p.conns = append(p.conns, conn)
	return client, nil
}

func (p *providers) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, conn := range p.conns {
		_ = conn.Close()
	}
}

// mountContent is one Mount call as the controller makes it: no secrets (an empty map: no nodePublishSecretRef),
// permission 0644, no current object versions, the fixed target path /mnt/secrets-store (the provider writes
// nothing there: it returns the files). It answers the files by path.
func mountContent(ctx context.Context, client v1alpha1.CSIDriverProviderClient, attributes string) (map[string][]byte, error) {
	permission, err := json.Marshal(os.FileMode(0o644))
	if err != nil {
		return nil, err
	}
	resp, err := client.Mount(ctx, &v1alpha1.MountRequest{
		Attributes:           attributes,
		Secrets:              "{}",
		Permission:           string(permission),
		CurrentObjectVersion: []*v1alpha1.ObjectVersion{},
		TargetPath:           "/mnt/secrets-store",
	})
	if err != nil {
		return nil, err
	}
	if resp.GetError() != nil && resp.GetError().Code != "" {
		return nil, fmt.Errorf("mount request failed with provider error code %s", resp.GetError().Code)
	}
	if resp.GetObjectVersion() == nil {
		return nil, errors.New("missing object versions")
	}
	files := make(map[string][]byte, len(resp.GetFiles()))
	for _, file := range resp.GetFiles() {
		files[file.GetPath()] = file.GetContents()
	}
	return files, nil
}

// tokenStatus is a TokenRequest's status, which the provider reads per audience from
// csi.storage.k8s.io/serviceAccount.tokens, as from the kubelet.
type tokenStatus struct {
	Token               string    `json:"token"`
	ExpirationTimestamp time.Time `json:"expirationTimestamp"`
}

// tokenExpirationSeconds is what the controller asks for; it keeps a token until 80% of that has passed.
const tokenExpirationSeconds = 600

type cachedToken struct {
	status tokenStatus
	issued time.Time
}

// tokens requests service account tokens and caches them per service account and audience, with the kubelet's
// token manager's refresh rule that the controller copied: refresh once 80% of the lifetime (less a jitter of up to
// 10 s) has passed or the token is 24 h old; a failed refresh keeps a token that has not expired yet.
type tokens struct {
	api   *apiClient
	mu    sync.Mutex
	cache map[string]cachedToken
}

func (t *tokens) get(namespace, serviceAccount, audience string) (tokenStatus, error) {
	key := namespace + "/" + serviceAccount + "/" + audience
	t.mu.Lock()
	cached, ok := t.cache[key]
	t.mu.Unlock()
	now := time.Now()
	if ok && !needsRefresh(cached, now) {
		return cached.status, nil
	}
	request := map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
		"spec": map[string]any{"audiences": []string{audience}, "expirationSeconds": tokenExpirationSeconds}}
	var answer struct {
		Status tokenStatus `json:"status"`
	}
	path := "/api/v1/namespaces/" + url.PathEscape(namespace) + "/serviceaccounts/" + url.PathEscape(serviceAccount) + "/token"
	if err := t.api.do("POST", path, "application/json", request, &answer); err != nil {
		switch {
		case !ok:
			return tokenStatus{}, fmt.Errorf("failed to fetch token: %w", err)
		case now.After(cached.status.ExpirationTimestamp):
			return tokenStatus{}, fmt.Errorf("token %s expired and refresh failed: %w", key, err)
		}
		return cached.status, nil
	}
	t.mu.Lock()
	t.cache[key] = cachedToken{status: answer.Status, issued: now}
	t.mu.Unlock()
	return answer.Status, nil
}

func needsRefresh(cached cachedToken, now time.Time) bool {
	jitter := time.Duration(rand.Float64()*10) * time.Second
	if now.After(cached.issued.Add(24*time.Hour - jitter)) {
		return true
	}
	return now.After(cached.status.ExpirationTimestamp.Add(-tokenExpirationSeconds*20/100*time.Second - jitter))
}

// tokenAttributes is csi.storage.k8s.io/serviceAccount.tokens for the configured audiences, or nothing without any.
func (t *tokens) attributes(namespace, serviceAccount string, audiences []string) (map[string]string, error) {
	if len(audiences) == 0 {
		return nil, nil
	}
	out := map[string]tokenStatus{}
	for _, audience := range audiences {
		status, err := t.get(namespace, serviceAccount, audience)
		if err != nil {
			return nil, err
		}
		out[audience] = status
	}
	data, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	return map[string]string{"csi.storage.k8s.io/serviceAccount.tokens": string(data)}, nil
}
