package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	registerapi "k8s.io/kubelet/pkg/apis/pluginregistration/v1"
)

// startRegistrar serves a registrar on a fresh socket and returns a client like the kubelet's plugin watcher uses,
// and the channel serve's result arrives on.
func startRegistrar(t *testing.T, ctx context.Context) (registerapi.RegistrationClient, string, <-chan error) {
	t.Helper()
	dir, err := os.MkdirTemp("", "reg") // short: unix socket paths are limited to ~100 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	socket := filepath.Join(dir, "secrets-store.csi.k8s.io-reg.sock")
	if err := os.WriteFile(socket, nil, 0o600); err != nil { // a stale file from an earlier run
		t.Fatal(err)
	}
	lis, err := listen(socket)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- serve(ctx, lis, newRegistrar("secrets-store.csi.k8s.io", "/k/plugins/csi-secrets-store/csi.sock")) }()
	conn, err := grpc.NewClient("unix://"+socket, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return registerapi.NewRegistrationClient(conn), socket, done
}

func TestGetInfoDescribesTheDriver(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client, socket, done := startRegistrar(t, ctx)

	info, err := client.GetInfo(ctx, &registerapi.InfoRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Type != registerapi.CSIPlugin || info.Name != "secrets-store.csi.k8s.io" ||
		info.Endpoint != "/k/plugins/csi-secrets-store/csi.sock" ||
		strings.Join(info.SupportedVersions, ",") != "1.0.0" {
		t.Fatalf("unexpected plugin info: %+v", info)
	}
	fi, err := os.Stat(socket)
	if err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o700 {
		t.Fatalf("registration socket: %v %v", fi, err)
	}

	if _, err := client.NotifyRegistrationStatus(ctx, &registerapi.RegistrationStatus{PluginRegistered: true}); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("a successful registration and a stop should end serve without error, got %v", err)
	}
}

func TestFailedRegistrationEndsServing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client, _, done := startRegistrar(t, ctx)

	if _, err := client.NotifyRegistrationStatus(ctx, &registerapi.RegistrationStatus{Error: "version 1.0.0 not supported"}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "version 1.0.0 not supported") {
			t.Fatalf("want the kubelet's error, got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not end after a failed registration")
	}
}
