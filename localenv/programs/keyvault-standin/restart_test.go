package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// A Key Vault outage does not rotate Entra ID's signing keys: a token minted before the stand-in restarts must
// read the vault after it, and the key that makes this so must be readable by its owner only.
func TestRestartKeepsTokenSigningKey(t *testing.T) {
	f := newFixture(t, 25)
	tok := f.spToken(tSP, tSPSecret)
	if r := f.do("GET", vaultURL("/secrets/db-password/"), tok, nil, nil); r.status != 200 {
		t.Fatalf("before the restart: %d %s", r.status, r.raw)
	}
	keyPath := filepath.Join(f.dir, "ca", "token-key")
	fi, err := os.Stat(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", keyPath, fi.Mode().Perm())
	}

	f.proxy.Close()
	f.srv.reqLog.f.Close()
	opts := f.srv.opts
	restarted, err := newServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = restarted
	f.proxy = httptest.NewServer(restarted)
	t.Cleanup(f.proxy.Close)
	f.client = f.clientFor(f.proxy.URL)
	if r := f.do("GET", vaultURL("/secrets/db-password/"), tok, nil, nil); r.status != 200 {
		t.Fatalf("after the restart, the old token: %d %s", r.status, r.raw)
	}

	// The control: a stand-in with a state directory of its own signs with another key and refuses the token,
	// so the 200 above is the kept key's doing.
	opts.caDir = filepath.Join(t.TempDir(), "ca")
	stranger, err := newServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stranger.tokens.verify(tok); err != errTokenSignature {
		t.Fatalf("another state directory's stand-in: %v, want %v", err, errTokenSignature)
	}

	// A damaged key file stops the start rather than silently minting a new key.
	if err := os.WriteFile(keyPath, []byte("not hex\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := newServer(f.srv.opts); err == nil {
		t.Fatal("a damaged token-key was accepted")
	}
}
