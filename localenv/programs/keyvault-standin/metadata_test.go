package main

import (
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// metadataFixture adds to the unit fixture what the metadata reads show: a disabled version, an expiring and
// not-yet-valid secret with tags and a content type, a tagged key, and a certificate whose key may not leave the
// vault.
func metadataFixture(t *testing.T, pageSize int) (*fixture, *Vault) {
	t.Helper()
	f := newFixture(t, pageSize)
	c := f.contentNow()
	now := time.Unix(1_700_000_100, 0)
	off := false
	addVersion(c, tVault, "", "secret", "feature-flag", "flag-value-old-0123456789", "", now)
	addVersionWith(c, tVault, "", "secret", "feature-flag", "flag-value-new-0123456789", "", now, Attributes{Enabled: &off}, nil)
	addVersionWith(c, tVault, "", "secret", "api-token", "api-token-value-0123456789", "text/plain", now,
		Attributes{Expires: 1_900_000_000, NotBefore: 1_650_000_000, Tags: map[string]string{"owner": "payments", "rotation": "90d"}}, nil)
	key, _ := generateKey("rsa")
	keyPEM, _ := privateKeyPEM(key)
	addVersionWith(c, tVault, "", "key", "wrapping", keyPEM, "", now, Attributes{Tags: map[string]string{"use": "wrap"}}, nil)
	certPEM, _ := selfSignedPEM("sealed.example", "rsa")
	addVersionWith(c, tVault, "", "certificate", "sealed", certPEM, "", now, Attributes{Tags: map[string]string{"team": "edge"}}, &off)
	if err := writeContent(f.content, c); err != nil {
		t.Fatal(err)
	}
	return f, c.Vaults[tVault]
}

// allValues are the strings no metadata response may hold: every secret value and the PEM lines of every private
// key. A certificate's own lines are public (`cer` is its DER), and so is a key's public part, which a private key's
// DER also holds (an RSA modulus, an EC point): a line that is part of a public encoding is left out.
func allValues(v *Vault) []string {
	var out []string
	for _, vs := range v.Secrets {
		for _, x := range vs {
			out = append(out, x.Value)
		}
	}
	var public []string
	var bundles []string
	for _, m := range []map[string][]PEMVersion{v.Keys, v.Certificates} {
		for _, vs := range m {
			for _, x := range vs {
				bundles = append(bundles, x.PEM)
				p, err := parsePEMBundle(x.PEM)
				if err != nil {
					continue
				}
				if p.leaf != nil {
					public = append(public, base64.StdEncoding.EncodeToString(p.leaf))
				}
				if jwk, err := jwkOf(p.publicKey); err == nil {
					for _, k := range []string{"n", "x", "y"} {
						if s, ok := jwk[k].(string); ok {
							public = append(public, s)
						}
					}
				}
			}
		}
	}
	isPublic := func(line string) bool {
		url := strings.NewReplacer("+", "-", "/", "_").Replace(line)
		for _, p := range public {
			if strings.Contains(p, line) || strings.Contains(p, url) {
				return true
			}
		}
		return false
	}
	for _, b := range bundles {
		inKey := false
		for _, line := range strings.Split(b, "\n") {
			switch {
			case strings.HasPrefix(line, "-----BEGIN"):
				inKey = strings.Contains(line, "PRIVATE KEY")
			case inKey && len(line) > 40 && !isPublic(line):
				out = append(out, line)
			}
		}
	}
	return append(out, "PRIVATE KEY")
}

// listAll follows nextLink to the end and returns every item, checking each page for values.
func (f *fixture) listAll(path, token string, values []string) []map[string]any {
	f.t.Helper()
	var items []map[string]any
	next := vaultURL(path)
	for pages := 0; next != ""; pages++ {
		if pages > 20 {
			f.t.Fatalf("%s: nextLink never ends", path)
		}
		r := f.do("GET", next, token, nil, nil)
		if r.status != 200 {
			f.t.Fatalf("%s page %d: %d %s", path, pages, r.status, r.raw)
		}
		for _, value := range values {
			if strings.Contains(string(r.raw), value) {
				f.t.Fatalf("%s page %d holds a value or a private key: %s", path, pages, r.raw)
			}
		}
		for _, item := range r.body["value"].([]any) {
			m := item.(map[string]any)
			if _, has := m["value"]; has {
				f.t.Errorf("%s: an item with a value: %v", path, m)
			}
			items = append(items, m)
		}
		next, _ = r.body["nextLink"].(string)
		if next != "" && (!strings.Contains(next, "api-version=7.4") || !strings.Contains(next, "$skiptoken=") && !strings.Contains(next, "%24skiptoken=")) {
			f.t.Fatalf("nextLink %s", next)
		}
	}
	return items
}

func lastSegment(id any) string {
	s := fmt.Sprint(id)
	return s[strings.LastIndex(s, "/")+1:]
}

func byName(items []map[string]any, idField string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, m := range items {
		out[lastSegment(m[idField])] = m
	}
	return out
}

func sortedKeys[T any](m map[string]T) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestListSecretsPagesTheCurrentVersionsMetadataWithoutValues(t *testing.T) {
	f, v := metadataFixture(t, 2)
	tok := f.spToken(tSP, tSPSecret)
	items := f.listAll("/secrets", tok, allValues(v))
	got := byName(items, "id")
	if names := sortedKeys(got); strings.Join(names, ",") != "api-token,db-password,feature-flag,sealed,tls-pem,web-tls" {
		t.Fatalf("listed %v: want the secrets and the certificates' managed secrets, once each", names)
	}
	for name, m := range got {
		if strings.Count(fmt.Sprint(m["id"]), "/") != 4 {
			t.Errorf("%s: the list's id names the object, not a version: %v", name, m["id"])
		}
	}
	a := got["api-token"]
	attrs := a["attributes"].(map[string]any)
	if a["contentType"] != "text/plain" || attrs["exp"] != float64(1_900_000_000) || attrs["nbf"] != float64(1_650_000_000) ||
		attrs["enabled"] != true || attrs["recoveryLevel"] != "Recoverable+Purgeable" || attrs["created"] == nil || attrs["updated"] == nil {
		t.Errorf("api-token: %v", a)
	}
	if tags := a["tags"].(map[string]any); tags["owner"] != "payments" || tags["rotation"] != "90d" {
		t.Errorf("api-token tags %v", tags)
	}
	if got["feature-flag"]["attributes"].(map[string]any)["enabled"] != false {
		t.Errorf("feature-flag's current version is disabled: %v", got["feature-flag"])
	}
	if got["web-tls"]["managed"] != true || got["web-tls"]["contentType"] != contentTypePEM || got["db-password"]["managed"] != nil {
		t.Errorf("managed: web-tls %v, db-password %v", got["web-tls"], got["db-password"])
	}
	if _, has := got["db-password"]["attributes"].(map[string]any)["exp"]; has {
		t.Errorf("exp is absent when not set: %v", got["db-password"])
	}
	// A page size from the client, as the SDK's maxresults.
	r := f.do("GET", vaultURL("/secrets")+"&maxresults=25", tok, nil, nil)
	if r.status != 200 || len(r.body["value"].([]any)) != 6 || r.body["nextLink"] != nil {
		t.Errorf("maxresults 25: %d %s", r.status, r.raw)
	}
	if r := f.do("GET", vaultURL("/secrets/")+"&maxresults=0", tok, nil, nil); r.status != 400 || errorCode(r) != "BadParameter" {
		t.Errorf("maxresults 0: %d %s", r.status, r.raw)
	}
}

func TestListKeysAndCertificates(t *testing.T) {
	f, v := metadataFixture(t, 2)
	tok := f.spToken(tSP, tSPSecret)
	keys := byName(f.listAll("/keys", tok, allValues(v)), "kid")
	if names := sortedKeys(keys); strings.Join(names, ",") != "sealed,signing-ec,signing-rsa,web-tls,wrapping" {
		t.Fatalf("keys %v", names)
	}
	if keys["wrapping"]["tags"].(map[string]any)["use"] != "wrap" || keys["wrapping"]["managed"] != nil || keys["sealed"]["managed"] != true {
		t.Errorf("keys: wrapping %v, sealed %v", keys["wrapping"], keys["sealed"])
	}
	if _, has := keys["wrapping"]["key"]; has {
		t.Errorf("a key list item carries no key material: %v", keys["wrapping"])
	}
	certs := byName(f.listAll("/certificates", tok, allValues(v)), "id")
	if names := sortedKeys(certs); strings.Join(names, ",") != "sealed,web-tls" {
		t.Fatalf("certificates %v", names)
	}
	parts, _ := parsePEMBundle(v.Certificates["sealed"][0].PEM)
	if certs["sealed"]["x5t"] != thumbprint(parts.leaf) || certs["sealed"]["tags"].(map[string]any)["team"] != "edge" ||
		certs["sealed"]["attributes"].(map[string]any)["enabled"] != true {
		t.Errorf("sealed: %v", certs["sealed"])
	}
	leaf, _ := x509.ParseCertificate(parts.leaf)
	if a := certs["sealed"]["attributes"].(map[string]any); a["exp"] != float64(leaf.NotAfter.Unix()) || a["nbf"] != float64(leaf.NotBefore.Unix()) {
		t.Errorf("a certificate's exp and nbf are its validity: %v", a)
	}
	if a := keys["sealed"]["attributes"].(map[string]any); a["exp"] != float64(leaf.NotAfter.Unix()) {
		t.Errorf("the certificate's key carries its exp: %v", a)
	}
	if _, has := certs["sealed"]["cer"]; has {
		t.Errorf("a certificate list item has no cer: %v", certs["sealed"])
	}
}

func TestVersionListsCarryEachVersionsAttributes(t *testing.T) {
	f, v := metadataFixture(t, 1)
	tok := f.spToken(tSP, tSPSecret)
	items := f.listAll("/secrets/feature-flag/versions", tok, allValues(v))
	want := v.Secrets["feature-flag"]
	if len(items) != 2 || lastSegment(items[0]["id"]) != want[0].Version || lastSegment(items[1]["id"]) != want[1].Version {
		t.Fatalf("versions %v", items)
	}
	if items[0]["attributes"].(map[string]any)["enabled"] != true || items[1]["attributes"].(map[string]any)["enabled"] != false {
		t.Errorf("enabled per version: %v", items)
	}
	keyItems := f.listAll("/keys/wrapping/versions", tok, allValues(v))
	if len(keyItems) != 1 || lastSegment(keyItems[0]["kid"]) != v.Keys["wrapping"][0].Version || keyItems[0]["tags"].(map[string]any)["use"] != "wrap" {
		t.Errorf("key versions %v", keyItems)
	}
	certItems := f.listAll("/certificates/sealed/versions", tok, allValues(v))
	if len(certItems) != 1 || certItems[0]["x5t"] == nil {
		t.Errorf("certificate versions %v", certItems)
	}
}

func TestGetKeyIsThePublicJWKWithAttributes(t *testing.T) {
	f, v := metadataFixture(t, 25)
	tok := f.spToken(tSP, tSPSecret)
	for name, kty := range map[string]string{"wrapping": "RSA", "signing-ec": "EC", "sealed": "RSA"} {
		r := f.do("GET", vaultURL("/keys/"+name), tok, nil, nil)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", name, r.status, r.raw)
		}
		jwk := r.body["key"].(map[string]any)
		if jwk["kty"] != kty || !strings.HasPrefix(fmt.Sprint(jwk["kid"]), "https://unit-vault.vault.azure.net/keys/"+name+"/") {
			t.Errorf("%s: %v", name, jwk)
		}
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
			if _, has := jwk[private]; has {
				t.Errorf("%s: the JWK has the private part %s", name, private)
			}
		}
		for _, value := range allValues(v) {
			if strings.Contains(string(r.raw), value) {
				t.Errorf("%s: a value in the key bundle", name)
			}
		}
		if r.body["attributes"].(map[string]any)["enabled"] != true {
			t.Errorf("%s: attributes %v", name, r.body["attributes"])
		}
	}
	if r := f.do("GET", vaultURL("/keys/wrapping"), tok, nil, nil); r.body["tags"].(map[string]any)["use"] != "wrap" {
		t.Errorf("key tags %v", r.body["tags"])
	}
}

func TestGetCertificateAndPolicyTellExportability(t *testing.T) {
	f, v := metadataFixture(t, 25)
	tok := f.spToken(tSP, tSPSecret)
	for name, exportable := range map[string]bool{"web-tls": true, "sealed": false} {
		cert := v.Certificates[name][0]
		parts, _ := parsePEMBundle(cert.PEM)
		r := f.do("GET", vaultURL("/certificates/"+name), tok, nil, nil)
		if r.status != 200 || lastSegment(r.body["id"]) != cert.Version || r.body["cer"] == nil || r.body["x5t"] != thumbprint(parts.leaf) {
			t.Fatalf("%s: %d %s", name, r.status, r.raw)
		}
		policy := r.body["policy"].(map[string]any)
		props := policy["key_props"].(map[string]any)
		if props["exportable"] != exportable || props["kty"] == nil || policy["id"] != "https://unit-vault.vault.azure.net/certificates/"+name+"/policy" {
			t.Errorf("%s: policy %v", name, policy)
		}
		if r.body["attributes"].(map[string]any)["enabled"] != true {
			t.Errorf("%s: attributes %v", name, r.body["attributes"])
		}
		p := f.do("GET", vaultURL("/certificates/"+name+"/policy"), tok, nil, nil)
		if p.status != 200 || p.body["key_props"].(map[string]any)["exportable"] != exportable ||
			p.body["secret_props"].(map[string]any)["contentType"] != contentTypePEM || p.body["x509_props"].(map[string]any)["subject"] != "CN="+map[string]string{"web-tls": "web-tls", "sealed": "sealed.example"}[name] {
			t.Errorf("%s: GET policy %d %s", name, p.status, p.raw)
		}
		for _, value := range allValues(v) {
			if strings.Contains(string(r.raw)+string(p.raw), value) {
				t.Errorf("%s: a value or private key in the certificate or its policy: %q", name, value)
			}
		}
	}
	// The secret of a certificate whose key may not leave the vault holds the certificate only.
	r := f.do("GET", vaultURL("/secrets/sealed"), tok, nil, nil)
	if s := fmt.Sprint(r.body["value"]); r.status != 200 || strings.Contains(s, "PRIVATE KEY") || !strings.Contains(s, "BEGIN CERTIFICATE") {
		t.Errorf("non-exportable certificate's secret: %d %s", r.status, r.raw)
	}
	if r := f.do("GET", vaultURL("/secrets/db-password/policy"), tok, nil, nil); r.status != 404 || errorCode(r) != "SecretNotFound" {
		t.Errorf("a secret has no policy (the path names a version): %d %s", r.status, r.raw)
	}
}

func TestDisabledVersionsCannotBeReadButAreListed(t *testing.T) {
	f, v := metadataFixture(t, 25)
	tok := f.spToken(tSP, tSPSecret)
	ff := v.Secrets["feature-flag"]
	r := f.do("GET", vaultURL("/secrets/feature-flag/"), tok, nil, nil)
	inner, _ := r.body["error"].(map[string]any)["innererror"].(map[string]any)
	if r.status != 403 || errorCode(r) != "Forbidden" || errorText(r) != "Operation get is not allowed on a disabled secret." || inner["code"] != "SecretDisabled" {
		t.Errorf("disabled current version: %d %s", r.status, r.raw)
	}
	if strings.Contains(string(r.raw), ff[1].Value) {
		t.Errorf("the refusal holds the value")
	}
	if r := f.do("GET", vaultURL("/secrets/feature-flag/"+ff[0].Version), tok, nil, nil); r.status != 200 || r.body["value"] != ff[0].Value {
		t.Errorf("the enabled older version: %d", r.status)
	}
}

func TestListsRefuseANonReaderWithTheListAction(t *testing.T) {
	f, _ := metadataFixture(t, 25)
	outsider := f.spToken(tOutsider, tSPSecret+"-outsider")
	for path, action := range map[string]string{
		"/secrets": "secrets/readMetadata/action", "/keys": "keys/read", "/certificates": "certificates/read",
		"/certificates/web-tls/policy": "certificates/read",
	} {
		r := f.do("GET", vaultURL(path), outsider, nil, nil)
		if r.status != 403 || errorCode(r) != "Forbidden" || !strings.Contains(errorText(r), "Action: 'Microsoft.KeyVault/vaults/"+action+"'") {
			t.Errorf("%s: %d %s", path, r.status, r.raw)
		}
	}
	if r := f.do("GET", vaultURL("/secrets"), "", nil, nil); r.status != 401 || r.header.Get("WWW-Authenticate") == "" {
		t.Errorf("a list without a token gets the challenge: %d", r.status)
	}
}

func TestAddSetsAttributesAndExportability(t *testing.T) {
	dir := t.TempDir()
	content := filepath.Join(dir, "kv.json")
	out, err := os.Create(filepath.Join(dir, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	base := []string{"--content", content, "--vault", "v1", "--tenant", tTenant}
	for _, args := range [][]string{
		{"--kind", "secret", "--name", "s", "--disabled", "--expires", "2030-01-02T03:04:05Z", "--not-before", "2025-01-01T00:00:00Z", "--tag", "a=1", "--tag", "b=x=y"},
		{"--kind", "key", "--name", "k", "--tag", "use=sign"},
		{"--kind", "certificate", "--name", "c", "--not-exportable"},
	} {
		if err := addCommand(append(append([]string{}, base...), args...), out); err != nil {
			t.Fatalf("add %v: %v", args, err)
		}
	}
	c, _ := readContent(content)
	v := c.Vaults["v1"]
	s := v.Secrets["s"][0]
	if s.enabled() || s.Expires != time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC).Unix() || s.NotBefore != time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Unix() ||
		s.Tags["a"] != "1" || s.Tags["b"] != "x=y" {
		t.Errorf("secret %+v", s)
	}
	if k := v.Keys["k"][0]; !k.enabled() || k.Tags["use"] != "sign" || k.Exportable != nil {
		t.Errorf("key %+v", k)
	}
	if cert := v.Certificates["c"][0]; cert.Exportable == nil || *cert.Exportable {
		t.Errorf("certificate %+v", cert)
	}
	for _, bad := range [][]string{
		{"--kind", "secret", "--name", "s", "--not-exportable"},
		{"--kind", "secret", "--name", "s", "--expires", "tomorrow"},
		{"--kind", "secret", "--name", "s", "--tag", "novalue"},
	} {
		if err := addCommand(append(append([]string{}, base...), bad...), os.Stderr); err == nil {
			t.Errorf("add %v succeeded", bad)
		}
	}
	// Versions without the new fields read as before: enabled, no exp, no tags, exportable.
	raw, _ := os.ReadFile(content)
	if strings.Contains(string(raw), `"enabled": true`) {
		t.Errorf("enabled is written only when false")
	}
}

func TestAReaderOfSomeCollections(t *testing.T) {
	f, _ := metadataFixture(t, 25)
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	os.WriteFile(secretFile, []byte(tSPSecret+"-outsider"), 0o600)
	if err := grantCommand([]string{"--content", f.content, "--tenant", tTenant, "--service-principal", tOutsider, "--secret-file", secretFile,
		"--vault", tVault, "--collections", "keys,certificates"}); err != nil {
		t.Fatal(err)
	}
	tok := f.spToken(tOutsider, tSPSecret+"-outsider")
	for path, want := range map[string]int{
		"/secrets": 403, "/secrets/db-password": 403, "/secrets/web-tls": 403, "/keys": 200, "/keys/wrapping": 200,
		"/certificates": 200, "/certificates/sealed/policy": 200,
	} {
		r := f.do("GET", vaultURL(path), tok, nil, nil)
		if r.status != want {
			t.Errorf("%s: %d, want %d: %s", path, r.status, want, r.raw)
		}
		if want == 403 && !strings.Contains(errorText(r), "may read only some collections of the vault, not secrets") {
			t.Errorf("%s: %s", path, r.raw)
		}
	}
	// A grant without --collections gives every collection again.
	if err := grantCommand([]string{"--content", f.content, "--tenant", tTenant, "--service-principal", tOutsider, "--secret-file", secretFile, "--vault", tVault}); err != nil {
		t.Fatal(err)
	}
	if r := f.do("GET", vaultURL("/secrets"), tok, nil, nil); r.status != 200 {
		t.Errorf("after a grant of all collections: %d %s", r.status, r.raw)
	}
	for _, bad := range [][]string{
		{"--content", f.content, "--tenant", tTenant, "--managed-identity", tMI, "--collections", "keys"},
		{"--content", f.content, "--tenant", tTenant, "--managed-identity", tMI, "--vault", tVault, "--collections", "blobs"},
	} {
		if err := grantCommand(bad); err == nil {
			t.Errorf("grant %v succeeded", bad)
		}
	}
}
