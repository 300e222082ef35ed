package main

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// The fault subcommands, run as a test runs them: a role revoked answers 403, a removed object 404, a throttled
// vault 429 with Retry-After, and each repair serves again.
func TestRevokeRemoveAndThrottleCommands(t *testing.T) {
	f := newFixture(t, 25)
	tok := f.spToken(tSP, tSPSecret)
	url := vaultURL("/secrets/db-password/")
	if r := f.do("GET", url, tok, nil, nil); r.status != 200 {
		t.Fatalf("before: %d %s", r.status, r.raw)
	}

	if err := revokeCommand([]string{"--content", f.content, "--vault", tVault, "--client-id", strings.ToUpper(tSP)}); err != nil {
		t.Fatal(err)
	}
	if r := f.do("GET", url, tok, nil, nil); r.status != 403 || errorCode(r) != "Forbidden" || !strings.Contains(errorText(r), "appid="+tSP) {
		t.Errorf("revoked: %d %s", r.status, r.raw)
	}
	if err := revokeCommand([]string{"--content", f.content, "--vault", tVault, "--client-id", tSP}); err == nil || !strings.Contains(err.Error(), "is not a reader") {
		t.Errorf("revoking twice: %v", err)
	}
	c := f.contentNow()
	applyGrant(c, grant{tenant: tTenant, vault: tVault, clientID: tSP, servicePrincipal: &ServicePrincipal{tSP, tSPSecret}})
	writeContent(f.content, c)
	if r := f.do("GET", url, tok, nil, nil); r.status != 200 {
		t.Errorf("granted again: %d %s", r.status, r.raw)
	}

	if err := throttleCommand([]string{"--content", f.content, "--vault", tVault}); err != nil {
		t.Fatal(err)
	}
	r := f.do("GET", url, tok, nil, nil)
	if r.status != 429 || errorCode(r) != "Throttled" || r.header.Get("Retry-After") != "1" || !strings.Contains(errorText(r), "throttling") {
		t.Errorf("throttled: %d %v %s", r.status, r.header, r.raw)
	}
	if err := throttleCommand([]string{"--content", f.content, "--vault", tVault, "--off"}); err != nil {
		t.Fatal(err)
	}
	if r := f.do("GET", url, tok, nil, nil); r.status != 200 {
		t.Errorf("throttle off: %d %s", r.status, r.raw)
	}

	if err := removeCommand([]string{"--content", f.content, "--vault", tVault, "--kind", "secret", "--name", "DB-password"}); err != nil {
		t.Fatal(err)
	}
	if r := f.do("GET", url, tok, nil, nil); r.status != 404 || errorCode(r) != "SecretNotFound" {
		t.Errorf("removed: %d %s", r.status, r.raw)
	}
	if err := removeCommand([]string{"--content", f.content, "--vault", tVault, "--name", "db-password"}); err == nil || !strings.Contains(err.Error(), "no secret") {
		t.Errorf("removing twice: %v", err)
	}
	if err := removeCommand([]string{"--content", f.content, "--vault", tVault, "--kind", "blob", "--name", "x"}); err == nil {
		t.Error("unknown kind accepted")
	}
}

// A hung vault holds a request until the client gives up, and answers held requests once the hang is lifted.
func TestHangCommand(t *testing.T) {
	f := newFixture(t, 25)
	tok := f.spToken(tSP, tSPSecret)
	url := vaultURL("/secrets/db-password/")
	if err := hangCommand([]string{"--content", f.content, "--vault", tVault}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	impatient := *f.client
	impatient.Timeout = 1500 * time.Millisecond
	started := time.Now()
	if resp, err := impatient.Do(req); err == nil || time.Since(started) < time.Second {
		t.Fatalf("hung: answered (%v, %v) after %v", resp, err, time.Since(started))
	}
	answered := make(chan reply)
	go func() { answered <- f.do("GET", url, tok, nil, nil) }()
	time.Sleep(500 * time.Millisecond)
	if err := hangCommand([]string{"--content", f.content, "--vault", tVault, "--off"}); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-answered:
		if r.status != 200 {
			t.Fatalf("held request after the hang: %d %s", r.status, r.raw)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the held request was not answered after the hang was lifted")
	}
	time.Sleep(500 * time.Millisecond) // the held request's log line is written when its handler returns
	logData, _ := os.ReadFile(f.reqLog)
	hung := 0
	for _, line := range strings.Split(strings.TrimSpace(string(logData)), "\n") {
		var entry logEntry
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Error == "Hung" && entry.Status == 0 {
			hung++
		}
	}
	if hung != 1 {
		t.Fatalf("request log: %d requests logged as held without an answer, want 1", hung)
	}
}
