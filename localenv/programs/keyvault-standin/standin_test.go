package main

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	tTenant   = "7e000000-0000-4000-8000-000000000001"
	tOther    = "7e000000-0000-4000-8000-000000000002"
	tVault    = "unit-vault"
	tSP       = "5b000000-0000-4000-8000-000000000001"
	tSPSecret = "sp-secret-do-not-print-0123456789"
	tOutsider = "5b000000-0000-4000-8000-000000000002"
	tMI       = "a0000000-0000-4000-8000-000000000001"
	tWI       = "f1000000-0000-4000-8000-000000000001"
	tIssuer   = "https://issuer.example"
	tSubject  = "system:serviceaccount:apps:web"
)

type fixture struct {
	t       *testing.T
	dir     string
	content string
	reqLog  string
	srv     *server
	proxy   *httptest.Server
	client  *http.Client
	saKey   *rsa.PrivateKey
}

func newFixture(t *testing.T, pageSize int) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{t: t, dir: dir, content: filepath.Join(dir, "kv.json"), reqLog: filepath.Join(dir, "req.jsonl")}
	c := (&Content{}).normalized()
	now := time.Unix(1_700_000_000, 0)
	for i := 0; i < 5; i++ {
		addVersion(c, tVault, tTenant, "secret", "db-password", randomSecret(), "", now)
	}
	tlsPEM, err := selfSignedPEM("web", "rsa")
	if err != nil {
		t.Fatal(err)
	}
	addVersion(c, tVault, tTenant, "secret", "tls-pem", tlsPEM, contentTypePEM, now)
	for _, k := range []string{"rsa", "ec"} {
		key, _ := generateKey(k)
		p, _ := privateKeyPEM(key)
		addVersion(c, tVault, tTenant, "key", "signing-"+k, p, "", now)
	}
	certPEM, _ := selfSignedPEM("web-tls", "ec")
	addVersion(c, tVault, tTenant, "certificate", "web-tls", certPEM, "", now)
	applyGrant(c, grant{tenant: tTenant, vault: tVault, clientID: tSP, servicePrincipal: &ServicePrincipal{tSP, tSPSecret}})
	applyGrant(c, grant{tenant: tTenant, clientID: tOutsider, servicePrincipal: &ServicePrincipal{tOutsider, tSPSecret + "-outsider"}})
	applyGrant(c, grant{tenant: tTenant, vault: tVault, clientID: tMI, managedIdentity: &ManagedIdentity{tMI}})
	applyGrant(c, grant{tenant: tTenant, vault: tVault, clientID: tWI, federated: &FederatedCredential{tWI, tIssuer, tSubject, defaultFederatedAudience}})
	applyGrant(c, grant{tenant: tOther, clientID: tSP, servicePrincipal: &ServicePrincipal{tSP, tSPSecret}})
	if err := writeContent(f.content, c); err != nil {
		t.Fatal(err)
	}
	if f.saKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&f.saKey.PublicKey)
	saPub := filepath.Join(dir, "sa.pub")
	os.WriteFile(saPub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600)

	f.srv, err = newServer(serverOptions{caDir: filepath.Join(dir, "ca"), contentPath: f.content, requestLog: f.reqLog,
		serviceAccountKey: saPub, pageSize: pageSize})
	if err != nil {
		t.Fatal(err)
	}
	f.proxy = httptest.NewServer(f.srv)
	t.Cleanup(f.proxy.Close)
	f.client = f.clientFor(f.proxy.URL)
	return f
}

func (f *fixture) clientFor(proxyURL string) *http.Client {
	caPEM, err := os.ReadFile(filepath.Join(f.dir, "ca", "ca.pem"))
	if err != nil {
		f.t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	pu, _ := url.Parse(proxyURL)
	return &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu), TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func (f *fixture) contentNow() *Content {
	c, err := readContent(f.content)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (f *fixture) do(method, rawURL, token string, form url.Values, header map[string]string) reply {
	f.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, rawURL, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	json.Unmarshal(raw, &r.body)
	return r
}

func vaultURL(path string) string {
	return "https://" + tVault + vaultDNSSuffix + path + "?api-version=7.4"
}

func tokenURL(tenant string) string {
	return "https://" + entraHost + "/" + tenant + "/oauth2/v2.0/token"
}

func (f *fixture) spToken(clientID, secret string) string {
	f.t.Helper()
	r := f.do("POST", tokenURL(tTenant), "", url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID},
		"client_secret": {secret}, "scope": {"https://vault.azure.net/.default"}}, nil)
	if r.status != 200 {
		f.t.Fatalf("token: %d %s", r.status, r.raw)
	}
	return r.body["access_token"].(string)
}

func errorCode(r reply) string {
	if e, ok := r.body["error"].(map[string]any); ok {
		return fmt.Sprint(e["code"])
	}
	return fmt.Sprint(r.body["error"])
}

func errorText(r reply) string {
	if e, ok := r.body["error"].(map[string]any); ok {
		return fmt.Sprint(e["message"])
	}
	return fmt.Sprint(r.body["error_description"])
}

func TestChallengeNamesTheVaultTenantAndResource(t *testing.T) {
	f := newFixture(t, 25)
	r := f.do("GET", vaultURL("/secrets/db-password/"), "", nil, nil)
	if r.status != 401 || errorCode(r) != "Unauthorized" {
		t.Fatalf("got %d %s", r.status, r.raw)
	}
	want := `Bearer authorization="https://login.microsoftonline.com/` + tTenant + `", resource="https://vault.azure.net"`
	if got := r.header.Get("WWW-Authenticate"); got != want {
		t.Fatalf("WWW-Authenticate %q, want %q", got, want)
	}
}

func TestOpenIDConfigurationAndInstanceDiscovery(t *testing.T) {
	f := newFixture(t, 25)
	r := f.do("GET", "https://"+entraHost+"/"+tTenant+"/v2.0/.well-known/openid-configuration", "", nil, nil)
	if r.status != 200 || r.body["token_endpoint"] != tokenURL(tTenant) || r.body["issuer"] != "https://"+entraHost+"/"+tTenant+"/v2.0" || r.body["authorization_endpoint"] == nil {
		t.Fatalf("openid configuration: %d %s", r.status, r.raw)
	}
	r = f.do("GET", "https://"+entraHost+"/nobody/v2.0/.well-known/openid-configuration", "", nil, nil)
	if r.status != 400 || r.body["error"] != "invalid_tenant" || !strings.HasPrefix(errorText(r), "AADSTS90002: Tenant 'nobody' not found") {
		t.Fatalf("unknown tenant: %d %s", r.status, r.raw)
	}
	r = f.do("GET", "https://"+entraHost+"/common/discovery/instance?api-version=1.1&authorization_endpoint="+
		url.QueryEscape("https://"+entraHost+"/"+tTenant+"/oauth2/v2.0/authorize"), "", nil, nil)
	if r.status != 200 || r.body["tenant_discovery_endpoint"] != "https://"+entraHost+"/"+tTenant+"/v2.0/.well-known/openid-configuration" {
		t.Fatalf("instance discovery: %d %s", r.status, r.raw)
	}
}

func TestClientSecretGrant(t *testing.T) {
	f := newFixture(t, 25)
	form := func(id, secret string) url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}, "scope": {"https://vault.azure.net/.default"}}
	}
	r := f.do("POST", tokenURL(tTenant), "", form(tSP, tSPSecret), nil)
	if r.status != 200 || r.body["token_type"] != "Bearer" || r.body["expires_in"] == nil {
		t.Fatalf("good secret: %d %s", r.status, r.raw)
	}
	claims, err := f.srv.tokens.verify(r.body["access_token"].(string))
	if err != nil || claims.TenantID != tTenant || claims.AppID != tSP || claims.ObjectID == "" || claims.Audience != "https://vault.azure.net" {
		t.Fatalf("claims %+v, %v", claims, err)
	}
	cases := []struct {
		name   string
		form   url.Values
		status int
		code   string
	}{
		{"wrong secret", form(tSP, "nope"), 401, "AADSTS7000215"},
		{"unknown client", form("00000000-0000-4000-8000-000000000000", tSPSecret), 400, "AADSTS700016"},
		{"no scope", url.Values{"grant_type": {"client_credentials"}, "client_id": {tSP}, "client_secret": {tSPSecret}}, 400, "AADSTS900144"},
		{"other grant", url.Values{"grant_type": {"password"}, "client_id": {tSP}}, 400, "AADSTS70003"},
		{"no credential", url.Values{"grant_type": {"client_credentials"}, "client_id": {tSP}, "scope": {"https://vault.azure.net/.default"}}, 401, "AADSTS7000218"},
	}
	for _, tc := range cases {
		r := f.do("POST", tokenURL(tTenant), "", tc.form, nil)
		if r.status != tc.status || !strings.HasPrefix(errorText(r), tc.code+": ") {
			t.Errorf("%s: %d %s", tc.name, r.status, r.raw)
		}
	}
	if r := f.do("POST", tokenURL("nobody"), "", form(tSP, tSPSecret), nil); r.status != 400 || r.body["error"] != "invalid_tenant" {
		t.Errorf("unknown tenant: %d %s", r.status, r.raw)
	}
}

func signAssertion(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	enc := base64.RawURLEncoding
	body, _ := json.Marshal(claims)
	input := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc.EncodeToString(body)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + enc.EncodeToString(sig)
}

func TestClientAssertionGrant(t *testing.T) {
	f := newFixture(t, 25)
	stranger, _ := rsa.GenerateKey(rand.Reader, 2048)
	exp := time.Now().Add(time.Hour).Unix()
	good := map[string]any{"iss": tIssuer, "sub": tSubject, "aud": []string{defaultFederatedAudience}, "exp": exp}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for a, b := range good {
			m[a] = b
		}
		m[k] = v
		return m
	}
	post := func(key *rsa.PrivateKey, claims map[string]any) reply {
		return f.do("POST", tokenURL(tTenant), "", url.Values{"grant_type": {"client_credentials"}, "client_id": {tWI},
			"client_assertion_type": {clientAssertionType}, "client_assertion": {signAssertion(t, key, claims)},
			"scope": {"https://vault.azure.net/.default"}}, nil)
	}
	if r := post(f.saKey, good); r.status != 200 {
		t.Fatalf("good assertion: %d %s", r.status, r.raw)
	}
	if r := post(f.saKey, with("aud", defaultFederatedAudience)); r.status != 200 {
		t.Fatalf("audience as a string: %d %s", r.status, r.raw)
	}
	cases := []struct {
		name   string
		key    *rsa.PrivateKey
		claims map[string]any
		code   string
	}{
		{"another service account", f.saKey, with("sub", "system:serviceaccount:apps:other"), "AADSTS700213"},
		{"another issuer", f.saKey, with("iss", "https://elsewhere.example"), "AADSTS700211"},
		{"another audience", f.saKey, with("aud", []string{"api://other"}), "AADSTS700212"},
		{"expired", f.saKey, with("exp", time.Now().Add(-time.Minute).Unix()), "AADSTS700024"},
		{"not signed by the cluster", stranger, good, "AADSTS700027"},
	}
	for _, tc := range cases {
		r := post(tc.key, tc.claims)
		if r.status < 400 || !strings.HasPrefix(errorText(r), tc.code+": ") {
			t.Errorf("%s: %d %s", tc.name, r.status, r.raw)
		}
	}
}

func TestIMDS(t *testing.T) {
	f := newFixture(t, 25)
	imds := "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net"
	meta := map[string]string{"Metadata": "true"}
	r := f.do("GET", imds+"&client_id="+tMI, "", nil, meta)
	if r.status != 200 || r.body["client_id"] != tMI || r.body["token_type"] != "Bearer" || r.body["expires_on"] == nil || r.body["resource"] != "https://vault.azure.net" {
		t.Fatalf("IMDS token: %d %s", r.status, r.raw)
	}
	claims, err := f.srv.tokens.verify(r.body["access_token"].(string))
	if err != nil || claims.AppID != tMI || claims.TenantID != tTenant {
		t.Fatalf("claims %+v %v", claims, err)
	}
	if r := f.do("GET", imds, "", nil, meta); r.status != 200 || r.body["client_id"] != tMI {
		t.Errorf("the only identity by default: %d %s", r.status, r.raw)
	}
	for name, tc := range map[string]struct {
		url    string
		header map[string]string
		want   string
	}{
		"no Metadata header": {imds + "&client_id=" + tMI, nil, "Required metadata header not specified"},
		"unknown identity":   {imds + "&client_id=00000000-0000-4000-8000-000000000000", meta, "Identity not found"},
		"by resource ID":     {imds + "&msi_res_id=/subscriptions/x", meta, "Identity not found"},
		"no resource":        {"http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01", meta, "Required audience parameter not specified"},
	} {
		if r := f.do("GET", tc.url, "", nil, tc.header); r.status != 400 || !strings.HasPrefix(fmt.Sprint(r.body["error_description"]), tc.want) {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	c := f.contentNow()
	c.Tenants[tTenant].ManagedIdentities = append(c.Tenants[tTenant].ManagedIdentities, ManagedIdentity{"a0000000-0000-4000-8000-000000000002"})
	writeContent(f.content, c)
	if r := f.do("GET", imds, "", nil, meta); r.status != 400 || !strings.HasPrefix(fmt.Sprint(r.body["error_description"]), "Multiple user assigned identities exist") {
		t.Errorf("several identities, none named: %d %s", r.status, r.raw)
	}
}

func TestSecretsKeysAndCertificates(t *testing.T) {
	f := newFixture(t, 25)
	tok := f.spToken(tSP, tSPSecret)
	v := f.contentNow().Vaults[tVault]
	db := v.Secrets["db-password"]

	r := f.do("GET", vaultURL("/secrets/db-password/"), tok, nil, nil)
	if r.status != 200 || r.body["value"] != db[4].Value || r.body["id"] != "https://unit-vault.vault.azure.net/secrets/db-password/"+db[4].Version {
		t.Fatalf("latest secret: %d", r.status)
	}
	r = f.do("GET", vaultURL("/secrets/DB-Password/"+db[1].Version), tok, nil, nil)
	if r.status != 200 || r.body["value"] != db[1].Value {
		t.Fatalf("secret by version, name in another case: %d", r.status)
	}
	attrs := r.body["attributes"].(map[string]any)
	if attrs["enabled"] != true || attrs["created"] != float64(db[1].Created) {
		t.Errorf("attributes %v", attrs)
	}
	if r := f.do("GET", vaultURL("/secrets/tls-pem"), tok, nil, nil); r.body["contentType"] != contentTypePEM || r.body["kid"] != nil {
		t.Errorf("PEM secret: content type %v, kid %v", r.body["contentType"], r.body["kid"])
	}

	for _, k := range []string{"rsa", "ec"} {
		r := f.do("GET", vaultURL("/keys/signing-"+k+"/"), tok, nil, nil)
		if r.status != 200 {
			t.Fatalf("key %s: %d %s", k, r.status, r.raw)
		}
		want, _ := parsePEMBundle(v.Keys["signing-"+k][0].PEM)
		if !samePublicKey(t, r.body["key"].(map[string]any), want.publicKey) {
			t.Errorf("key %s: JWK does not match the content's key", k)
		}
	}

	cert := v.Certificates["web-tls"][0]
	r = f.do("GET", vaultURL("/certificates/web-tls/"), tok, nil, nil)
	parts, _ := parsePEMBundle(cert.PEM)
	if r.status != 200 || r.body["cer"] != base64.StdEncoding.EncodeToString(parts.leaf) || r.body["id"] != "https://unit-vault.vault.azure.net/certificates/web-tls/"+cert.Version {
		t.Fatalf("certificate: %d", r.status)
	}
	// the backing secret, which the provider reads for a certificate with its private key
	r = f.do("GET", vaultURL("/secrets/web-tls/"), tok, nil, nil)
	if r.status != 200 || r.body["value"] != cert.PEM || r.body["contentType"] != contentTypePEM || r.body["kid"] != "https://unit-vault.vault.azure.net/keys/web-tls/"+cert.Version || r.body["managed"] != true {
		t.Fatalf("certificate's backing secret: %d kid=%v managed=%v", r.status, r.body["kid"], r.body["managed"])
	}
	r = f.do("GET", vaultURL("/keys/web-tls/"), tok, nil, nil)
	if r.status != 200 || !samePublicKey(t, r.body["key"].(map[string]any), parts.publicKey) {
		t.Fatalf("certificate's key: %d", r.status)
	}

	for path, code := range map[string]string{
		"/secrets/nope/": "SecretNotFound", "/keys/nope/": "KeyNotFound", "/certificates/nope/": "CertificateNotFound",
		"/secrets/db-password/00000000000000000000000000000000": "SecretNotFound",
	} {
		r := f.do("GET", vaultURL(path), tok, nil, nil)
		if r.status != 404 || errorCode(r) != code || !strings.Contains(errorText(r), "nope") && !strings.Contains(errorText(r), "db-password/0000") {
			t.Errorf("%s: %d %s", path, r.status, r.raw)
		}
	}
}

func samePublicKey(t *testing.T, jwk map[string]any, pub crypto.PublicKey) bool {
	t.Helper()
	dec := func(k string) []byte {
		b, err := base64.RawURLEncoding.DecodeString(fmt.Sprint(jwk[k]))
		if err != nil {
			t.Fatalf("JWK %s: %v", k, err)
		}
		return b
	}
	switch p := pub.(type) {
	case *rsa.PublicKey:
		return jwk["kty"] == "RSA" && new(big.Int).SetBytes(dec("n")).Cmp(p.N) == 0 && new(big.Int).SetBytes(dec("e")).Int64() == int64(p.E)
	default:
		want, err := jwkOf(pub)
		if err != nil {
			t.Fatal(err)
		}
		x, _ := base64.RawURLEncoding.DecodeString(fmt.Sprint(want["x"]))
		y, _ := base64.RawURLEncoding.DecodeString(fmt.Sprint(want["y"]))
		ec := pub.(*ecdsa.PublicKey)
		return jwk["kty"] == "EC" && jwk["crv"] == want["crv"] && bytes.Equal(dec("x"), x) && bytes.Equal(dec("y"), y) &&
			new(big.Int).SetBytes(x).Cmp(ec.X) == 0 && new(big.Int).SetBytes(y).Cmp(ec.Y) == 0
	}
}

func TestVaultRefusals(t *testing.T) {
	f := newFixture(t, 25)
	good := f.spToken(tSP, tSPSecret)
	outsider := f.spToken(tOutsider, tSPSecret+"-outsider")
	otherTenant, _, _ := f.srv.issue(tOther, tSP, "https://vault.azure.net")
	otherAudience, _, _ := f.srv.issue(tTenant, tSP, "https://management.azure.com")
	forged := good[:strings.LastIndex(good, ".")+1] + "AAAA"

	r := f.do("GET", vaultURL("/secrets/db-password/"), outsider, nil, nil)
	if r.status != 403 || errorCode(r) != "Forbidden" || !strings.Contains(errorText(r), "appid="+tOutsider) || !strings.Contains(errorText(r), "secrets/getSecret/action") {
		t.Errorf("not a reader: %d %s", r.status, r.raw)
	}
	for name, tc := range map[string]struct{ token, want string }{
		"token of another tenant":   {otherTenant, "AKV10032: Invalid issuer"},
		"token for another service": {otherAudience, "AKV10022: Invalid audience"},
		"forged token":              {forged, "AKV10022: Invalid token"},
	} {
		r := f.do("GET", vaultURL("/secrets/db-password/"), tc.token, nil, nil)
		if r.status != 401 || !strings.HasPrefix(errorText(r), tc.want) || r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	if r := f.do("GET", "https://"+tVault+vaultDNSSuffix+"/secrets/db-password/", good, nil, nil); r.status != 400 || errorCode(r) != "BadParameter" {
		t.Errorf("no api-version: %d %s", r.status, r.raw)
	}
	if r := f.do("PUT", vaultURL("/secrets/db-password"), good, url.Values{}, nil); r.status != 405 {
		t.Errorf("write: %d %s", r.status, r.raw)
	}
	_, err := f.client.Get("https://no-such-vault" + vaultDNSSuffix + "/secrets/x?api-version=7.4")
	if err == nil || !strings.Contains(err.Error(), "lookup no-such-vault.vault.azure.net: no such host") {
		t.Errorf("unknown vault: %v", err)
	}
	_, err = f.client.Get("https://example.com/")
	if err == nil || !strings.Contains(err.Error(), "no such host") {
		t.Errorf("a host outside the stand-in's world: %v", err)
	}
}

func TestVersionListPagesWithNextLink(t *testing.T) {
	f := newFixture(t, 2)
	tok := f.spToken(tSP, tSPSecret)
	db := f.contentNow().Vaults[tVault].Secrets["db-password"]
	var got []string
	next := vaultURL("/secrets/db-password/versions")
	pages := 0
	for next != "" {
		r := f.do("GET", next, tok, nil, nil)
		if r.status != 200 {
			t.Fatalf("page %d: %d %s", pages, r.status, r.raw)
		}
		if pages++; pages > 10 {
			t.Fatal("nextLink never ends")
		}
		for _, item := range r.body["value"].([]any) {
			m := item.(map[string]any)
			id := fmt.Sprint(m["id"])
			got = append(got, id[strings.LastIndex(id, "/")+1:])
			if m["attributes"].(map[string]any)["created"] == nil || m["value"] != nil {
				t.Errorf("item %v: wants created, no value", m)
			}
		}
		next, _ = r.body["nextLink"].(string)
		if next != "" && !strings.Contains(next, "api-version=7.4") {
			t.Fatalf("nextLink %s lacks the api-version the pager does not re-add", next)
		}
	}
	if pages != 3 || len(got) != 5 {
		t.Fatalf("%d pages, %d versions", pages, len(got))
	}
	for i, v := range db {
		if got[i] != v.Version {
			t.Errorf("version %d: %s, want %s", i, got[i], v.Version)
		}
	}
	r := f.do("GET", vaultURL("/certificates/web-tls/versions"), tok, nil, nil)
	if r.status != 200 || len(r.body["value"].([]any)) != 1 {
		t.Errorf("certificate versions: %d %s", r.status, r.raw)
	}
	if r := f.do("GET", vaultURL("/secrets/db-password/versions")+"&maxresults=99", tok, nil, nil); r.status != 400 {
		t.Errorf("maxresults 99: %d", r.status)
	}
}

func TestContentReloadsOnChangeAndSurvivesABrokenFile(t *testing.T) {
	f := newFixture(t, 25)
	tok := f.spToken(tSP, tSPSecret)
	c := f.contentNow()
	v := addVersion(c, tVault, "", "secret", "db-password", "rotated-value-0123456789", "", time.Now())
	if err := writeContent(f.content, c); err != nil {
		t.Fatal(err)
	}
	r := f.do("GET", vaultURL("/secrets/db-password/"), tok, nil, nil)
	if r.body["value"] != "rotated-value-0123456789" || !strings.HasSuffix(fmt.Sprint(r.body["id"]), v) {
		t.Fatalf("after rotation: %v", r.body["id"])
	}
	os.WriteFile(f.content, []byte("{ half written"), 0o600)
	r = f.do("GET", vaultURL("/secrets/db-password/"), tok, nil, nil)
	if r.status != 200 || r.body["value"] != "rotated-value-0123456789" {
		t.Fatalf("broken file: %d, want the previous content served", r.status)
	}
	// a grant takes effect without a restart too
	c.Vaults[tVault].Readers = append(c.Vaults[tVault].Readers, tOutsider)
	writeContent(f.content, c)
	if r := f.do("GET", vaultURL("/secrets/db-password/"), f.spToken(tOutsider, tSPSecret+"-outsider"), nil, nil); r.status != 200 {
		t.Fatalf("after grant: %d %s", r.status, r.raw)
	}
}

func TestAddAndGrantCommands(t *testing.T) {
	dir := t.TempDir()
	content := filepath.Join(dir, "kv.json")
	out, err := os.Create(filepath.Join(dir, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--content", content, "--vault", "V1", "--tenant", tTenant, "--kind", "secret", "--name", "s"},
		{"--content", content, "--vault", "v1", "--kind", "secret", "--name", "s"},
		{"--content", content, "--vault", "v1", "--kind", "secret", "--name", "pem", "--generate", "tls"},
		{"--content", content, "--vault", "v1", "--kind", "key", "--name", "k", "--generate", "ec"},
		{"--content", content, "--vault", "v1", "--kind", "certificate", "--name", "c"},
	} {
		if err := addCommand(args, out); err != nil {
			t.Fatalf("add %v: %v", args, err)
		}
	}
	out.Close()
	printed, _ := os.ReadFile(filepath.Join(dir, "stdout"))
	lines := strings.Fields(string(printed))
	c, _ := readContent(content)
	v := c.Vaults["v1"]
	if len(c.Vaults) != 1 || v.TenantID != tTenant || len(v.Secrets["s"]) != 2 || v.Secrets["pem"][0].ContentType != contentTypePEM {
		t.Fatalf("content %+v", v)
	}
	want := []string{v.Secrets["s"][0].Version, v.Secrets["s"][1].Version, v.Secrets["pem"][0].Version, v.Keys["k"][0].Version, v.Certificates["c"][0].Version}
	if strings.Join(lines, " ") != strings.Join(want, " ") {
		t.Fatalf("add printed %q, want only the version IDs %q", lines, want)
	}
	if v.Secrets["s"][1].Created <= v.Secrets["s"][0].Created {
		t.Errorf("versions added in the same second must keep their order")
	}
	for _, bad := range [][]string{
		{"--content", content, "--vault", "v1", "--kind", "key", "--name", "k", "--generate", "random"},
		{"--content", content, "--vault", "v1", "--kind", "secret", "--name", "s", "--generate", "rsa"},
		{"--content", content, "--vault", "v1", "--kind", "blob", "--name", "s"},
		{"--content", content, "--vault", "v1", "--kind", "secret"},
		{"--content", content, "--vault", "new-vault", "--kind", "secret", "--name", "s"},
	} {
		if err := addCommand(bad, os.Stderr); err == nil {
			t.Errorf("add %v succeeded", bad)
		}
	}
	notPEM := filepath.Join(dir, "notpem")
	os.WriteFile(notPEM, []byte("plain"), 0o600)
	if err := addCommand([]string{"--content", content, "--vault", "v1", "--kind", "certificate", "--name", "c", "--value-file", notPEM}, os.Stderr); err == nil {
		t.Errorf("a certificate without PEM was accepted")
	}

	s1, s2 := filepath.Join(dir, "s1"), filepath.Join(dir, "s2")
	os.WriteFile(s1, []byte("first-secret\n"), 0o600)
	os.WriteFile(s2, []byte("second-secret"), 0o600)
	for _, args := range [][]string{
		{"--content", content, "--tenant", tTenant, "--service-principal", tSP, "--secret-file", s1, "--vault", "v1"},
		{"--content", content, "--tenant", tTenant, "--service-principal", tSP, "--secret-file", s2, "--vault", "v1"},
		{"--content", content, "--tenant", tTenant, "--managed-identity", tMI, "--vault", "v1"},
		{"--content", content, "--tenant", tTenant, "--managed-identity", tMI},
		{"--content", content, "--tenant", tTenant, "--federated", tWI, "--issuer", tIssuer, "--subject", tSubject, "--vault", "V1"},
	} {
		if err := grantCommand(args); err != nil {
			t.Fatalf("grant %v: %v", args, err)
		}
	}
	c, _ = readContent(content)
	tn := c.Tenants[tTenant]
	if len(tn.ServicePrincipals) != 1 || tn.ServicePrincipals[0].ClientSecret != "second-secret" {
		t.Errorf("a second grant rotates the service principal's secret")
	}
	if len(tn.ManagedIdentities) != 1 || len(tn.FederatedCredentials) != 1 || tn.FederatedCredentials[0].Audience != defaultFederatedAudience {
		t.Errorf("tenant %+v", tn)
	}
	if r := c.Vaults["v1"].Readers; len(r) != 3 {
		t.Errorf("readers %v", r)
	}
	for _, bad := range [][]string{
		{"--content", content, "--tenant", tTenant},
		{"--content", content, "--tenant", tTenant, "--service-principal", tSP},
		{"--content", content, "--tenant", tTenant, "--federated", tWI, "--issuer", tIssuer},
		{"--content", content, "--tenant", tTenant, "--managed-identity", tMI, "--service-principal", tSP, "--secret-file", s1},
	} {
		if err := grantCommand(bad); err == nil {
			t.Errorf("grant %v succeeded", bad)
		}
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestNoValueOrTokenInTheLogOrOnStdout serves every endpoint through the real listener, then looks for every value
// of the content file, every private-key line and every issued token in the request log and on stdout.
func TestNoValueOrTokenInTheLogOrOnStdout(t *testing.T) {
	f := newFixture(t, 2)
	stdout := &lockedBuffer{}
	ready := make(chan string)
	go func() {
		pr, pw := io.Pipe()
		go func() {
			buf := make([]byte, 256)
			n, _ := pr.Read(buf)
			stdout.Write(buf[:n])
			ready <- strings.TrimSpace(strings.TrimPrefix(string(buf[:n]), "keyvault-standin listening on "))
			io.Copy(stdout, pr)
		}()
		f.srv.listenAndServe("127.0.0.1:0", pw)
	}()
	f.client = f.clientFor("http://" + <-ready)

	tok := f.spToken(tSP, tSPSecret)
	tokens := []string{tok}
	r := f.do("GET", "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net&client_id="+tMI, "", nil, map[string]string{"Metadata": "true"})
	tokens = append(tokens, fmt.Sprint(r.body["access_token"]))
	assertion := signAssertion(t, f.saKey, map[string]any{"iss": tIssuer, "sub": tSubject, "aud": defaultFederatedAudience, "exp": time.Now().Add(time.Hour).Unix()})
	r = f.do("POST", tokenURL(tTenant), "", url.Values{"grant_type": {"client_credentials"}, "client_id": {tWI},
		"client_assertion_type": {clientAssertionType}, "client_assertion": {assertion}, "scope": {"https://vault.azure.net/.default"}}, nil)
	tokens = append(tokens, fmt.Sprint(r.body["access_token"]), assertion)
	f.do("POST", tokenURL(tTenant), "", url.Values{"grant_type": {"client_credentials"}, "client_id": {tSP}, "client_secret": {"wrong-" + tSPSecret}, "scope": {"https://vault.azure.net/.default"}}, nil)
	for _, p := range []string{"/secrets/db-password/", "/secrets/db-password/versions", "/secrets/tls-pem", "/keys/signing-rsa", "/keys/signing-ec", "/certificates/web-tls", "/secrets/web-tls", "/secrets/nope"} {
		f.do("GET", vaultURL(p), tok, nil, nil)
	}
	f.do("GET", vaultURL("/secrets/db-password/"), "", nil, nil)

	var needles []string
	c := f.contentNow()
	for _, tn := range c.Tenants {
		for _, sp := range tn.ServicePrincipals {
			needles = append(needles, sp.ClientSecret)
		}
	}
	pemLines := func(p string) {
		for _, l := range strings.Split(p, "\n") {
			if len(l) >= 40 && !strings.HasPrefix(l, "-----") {
				needles = append(needles, l)
			}
		}
	}
	for _, v := range c.Vaults {
		for _, vs := range v.Secrets {
			for _, s := range vs {
				needles = append(needles, s.Value)
				pemLines(s.Value)
			}
		}
		for _, vs := range v.Keys {
			for _, k := range vs {
				pemLines(k.PEM)
			}
		}
		for _, vs := range v.Certificates {
			for _, k := range vs {
				pemLines(k.PEM)
			}
		}
	}
	for _, tk := range tokens {
		needles = append(needles, tk, tk[strings.LastIndex(tk, ".")+1:])
	}
	logData, err := os.ReadFile(f.reqLog)
	if err != nil || len(logData) == 0 {
		t.Fatalf("request log: %v, %d bytes", err, len(logData))
	}
	if !strings.Contains(stdout.String(), "listening on") {
		t.Fatalf("stdout %q", stdout.String())
	}
	for _, hay := range []struct{ name, text string }{{"request log", string(logData)}, {"stdout", stdout.String()}} {
		for _, n := range needles {
			if strings.Contains(hay.text, n) {
				sum := sha256.Sum256([]byte(n))
				t.Errorf("%s holds a value (sha256 %x)", hay.name, sum[:8])
			}
		}
	}
	lines := strings.Split(strings.TrimSpace(string(logData)), "\n")
	for _, l := range lines {
		var e logEntry
		if err := json.Unmarshal([]byte(l), &e); err != nil || e.Time == "" || e.Host == "" || e.Status == 0 {
			t.Errorf("log line %q: %v", l, err)
		}
	}
	t.Logf("%d values and tokens checked against %d log lines", len(needles), len(lines))

	counts, err := countRequests(bytes.NewReader(logData), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	// 3 token requests, 1 IMDS, 9 vault requests, plus one CONNECT per tunnel
	v := counts.ByVault[tVault]
	if counts.ByService["entra"] != 3 || counts.ByService["imds"] != 1 || counts.ByService["keyvault"] != 9 || v == nil ||
		v.Requests != 9 || v.Objects["secret/db-password"] != 3 || counts.ByStatus["404"] != 1 || counts.Total != len(lines) {
		t.Errorf("counts %+v, vault %+v", counts, v)
	}
	later, _ := countRequests(bytes.NewReader(logData), time.Now().Add(time.Minute))
	if later.Total != 0 {
		t.Errorf("--since in the future counted %d", later.Total)
	}
}
