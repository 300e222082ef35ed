package pki

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestIssuedCertificatesVerifyForTheirUse(t *testing.T) {
	dir := t.TempDir()
	ca, err := NewCA("test-ca")
	if err != nil {
		t.Fatal(err)
	}
	if err := ca.Save(dir); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	serving, _, err := loaded.Sign(Request{CommonName: "kube-apiserver", Usage: Server,
		DNSNames: []string{"kubernetes.default.svc"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	client, _, err := loaded.Sign(Request{CommonName: "system:node:akv-node", Organization: []string{"system:nodes"}, Usage: Client})
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	for _, host := range []string{"127.0.0.1", "kubernetes.default.svc"} {
		if _, err := serving.Verify(x509.VerifyOptions{Roots: roots, DNSName: host}); err != nil {
			t.Errorf("serving certificate for %s: %v", host, err)
		}
	}
	if _, err := serving.Verify(x509.VerifyOptions{Roots: roots, DNSName: "example.com"}); err == nil {
		t.Error("serving certificate verifies for a name it does not carry")
	}
	clientUse := x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if _, err := client.Verify(clientUse); err != nil {
		t.Errorf("client certificate: %v", err)
	}
	if _, err := serving.Verify(clientUse); err == nil {
		t.Error("a serving certificate authenticates a client")
	}
	// the API server maps O to groups and CN to the user
	if !slices.Equal(client.Subject.Organization, []string{"system:nodes"}) || client.Subject.CommonName != "system:node:akv-node" {
		t.Errorf("client subject = %v", client.Subject)
	}
}

func TestServiceAccountKeysAreRSA(t *testing.T) {
	dir := t.TempDir()
	if err := WriteServiceAccountKeys(dir); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "sa.pub"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PUBLIC KEY" {
		t.Fatal("sa.pub holds no PUBLIC KEY block")
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := key.(*rsa.PublicKey); !ok {
		t.Fatalf("sa.pub is a %T, want an RSA key (the stand-in checks RS256)", key)
	}
	info, err := os.Stat(filepath.Join(dir, "sa.key"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("sa.key mode = %v, %v; want 0600", info.Mode().Perm(), err)
	}
}
