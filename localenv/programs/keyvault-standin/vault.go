package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// objectKinds maps a Key Vault collection to what the stand-in calls it, the error code for a miss, and the RBAC
// data action a read needs.
var objectKinds = map[string]struct {
	kind, notFound, getAction, listAction string
}{
	"secrets":      {"secret", "SecretNotFound", "secrets/getSecret/action", "secrets/readMetadata/action"},
	"keys":         {"key", "KeyNotFound", "keys/read", "keys/read"},
	"certificates": {"certificate", "CertificateNotFound", "certificates/read", "certificates/read"},
}

func vaultError(w http.ResponseWriter, e *logEntry, status int, code, message string) {
	e.Error = code
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": message}})
}

// challenge is Key Vault's 401: the authority of the vault's tenant and the resource to get a token for.
func (s *server) challenge(w http.ResponseWriter, e *logEntry, tenantID, message string) {
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer authorization="https://%s/%s", resource="%s"`, entraHost, tenantID, keyVaultResource))
	vaultError(w, e, http.StatusUnauthorized, "Unauthorized", message)
}

// version is one version of an object as Key Vault serves it, whichever collection it is read through.
type version struct {
	id          string
	created     int64
	value       string // secret value (for a certificate: its PEM, key first)
	contentType string
	pem         string // key or certificate PEM
	managed     bool   // backs a certificate
	attrs       Attributes
	exportable  *bool // a certificate's key_props.exportable (nil: true)
}

func (v version) isExportable() bool { return v.exportable == nil || *v.exportable }

// vaultRequest is what a data-plane path asks for: a collection's list, an object's versions, an object (a version
// of it), or a certificate's policy.
type vaultRequest struct {
	collection, name, version string
	op                        string // list, versions, get, policy
}

func parseVaultPath(p string) (vaultRequest, bool) {
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	r := vaultRequest{collection: segs[0]}
	if _, ok := objectKinds[r.collection]; !ok {
		return r, false
	}
	switch {
	case len(segs) == 1 || len(segs) == 2 && segs[1] == "":
		r.op = "list"
		return r, true
	case len(segs) == 2 || len(segs) == 3 && segs[2] == "":
		r.op, r.name = "get", segs[1]
	case len(segs) == 3 && segs[2] == "versions":
		r.op, r.name = "versions", segs[1]
	case len(segs) == 3 && segs[2] == "policy" && r.collection == "certificates":
		r.op, r.name = "policy", segs[1]
	case len(segs) == 3:
		r.op, r.name, r.version = "get", segs[1], segs[2]
	default:
		return r, false
	}
	return r, r.name != ""
}

func (s *server) serveVault(w http.ResponseWriter, r *http.Request, e *logEntry, c *Content, vaultName string) {
	name, v := c.findVault(vaultName)
	if v == nil {
		vaultError(w, e, http.StatusNotFound, "VaultNotFound", fmt.Sprintf("The vault %s does not exist (it was removed from the stand-in's content).", vaultName))
		return
	}
	e.Vault = name
	if v.Hung {
		// Held until the client gives up (nothing is answered: its status is logged as 0) or the fault is cleared,
		// then served from the content of that moment.
		for {
			select {
			case <-r.Context().Done():
				e.Error = "Hung"
				return
			case <-time.After(250 * time.Millisecond):
			}
			if now, err := s.current(); err == nil {
				if _, held := now.findVault(vaultName); held != nil && !held.Hung {
					s.serveVault(w, r, e, now, vaultName)
					return
				}
			}
		}
	}
	if v.Throttled {
		// Key Vault's answer past its limit: 429 with Retry-After; the SDK retries, then gives up with this error.
		w.Header().Set("Retry-After", "1")
		vaultError(w, e, http.StatusTooManyRequests, "Throttled", "Request was not allowed because of throttling. Please retry after 1 seconds. (keyvault-standin: the vault is throttled; use the throttle subcommand with --off)")
		return
	}
	req, ok := parseVaultPath(r.URL.Path)
	if !ok {
		vaultError(w, e, http.StatusNotFound, "NotFound", "The requested path is not served by the stand-in: it serves GET of the secrets, keys and certificates lists, of an object by name and version, of its version list, and of a certificate's policy.")
		return
	}
	coll := objectKinds[req.collection]
	e.Kind, e.Object, e.Version = coll.kind, req.name, req.version
	if r.URL.Query().Get("api-version") == "" {
		vaultError(w, e, http.StatusBadRequest, "BadParameter", "The api-version query parameter is required.")
		return
	}
	claims, ok := s.authorize(w, r, e, v)
	if !ok {
		return
	}
	action := coll.getAction
	if req.op == "list" || req.op == "versions" {
		action = coll.listAction
	}
	if !v.canRead(claims.AppID, req.collection) {
		resource := name + "/" + req.collection
		if req.name != "" {
			resource += "/" + req.name
		}
		vaultError(w, e, http.StatusForbidden, "Forbidden", fmt.Sprintf(
			"Caller is not authorized to perform action on resource.\r\nCaller: appid=%s;oid=%s;iss=%s\r\nAction: 'Microsoft.KeyVault/vaults/%s'\r\nResource: '%s'\r\nAssignment: (not found)\r\nVault: %s (keyvault-standin: the caller's client ID %s; use the grant subcommand)",
			claims.AppID, claims.ObjectID, claims.Issuer, action, resource, name, refusedBecause(v, claims.AppID, req.collection)))
		return
	}
	if r.Method != http.MethodGet {
		vaultError(w, e, http.StatusMethodNotAllowed, "MethodNotAllowed", "The stand-in is read-only over HTTP; change its content with the add subcommand.")
		return
	}
	base := "https://" + strings.ToLower(name) + vaultDNSSuffix
	if req.op == "list" {
		s.listObjects(w, r, e, base, req.collection, coll.kind, v)
		return
	}
	versions, realName := objectVersions(v, coll.kind, req.name)
	if len(versions) == 0 {
		vaultError(w, e, http.StatusNotFound, coll.notFound, fmt.Sprintf("A %s with (name/id) %s was not found in this key vault. If you recently deleted this %s you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182", coll.kind, strings.TrimSuffix(req.name+"/"+req.version, "/"), coll.kind))
		return
	}
	if req.op == "versions" {
		items := make([]map[string]any, 0, len(versions))
		for _, ver := range versions {
			items = append(items, listItem(base, coll.kind, realName, ver, true))
		}
		s.writePage(w, r, e, base, req.collection+"/"+url.PathEscape(realName)+"/versions", items)
		return
	}
	ver := versions[len(versions)-1]
	if req.version != "" {
		found := false
		for _, x := range versions {
			if strings.EqualFold(x.id, req.version) {
				ver, found = x, true
			}
		}
		if !found {
			vaultError(w, e, http.StatusNotFound, coll.notFound, fmt.Sprintf("A %s with (name/id) %s/%s was not found in this key vault. If you recently deleted this %s you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182", coll.kind, req.name, req.version, coll.kind))
			return
		}
	}
	e.Version = ver.id
	if !ver.attrs.enabled() && coll.kind != "certificate" {
		// Key Vault refuses to read a disabled secret or key (its metadata stays listable).
		e.Error = "Forbidden"
		inner := map[string]string{"secret": "SecretDisabled", "key": "KeyDisabled"}[coll.kind]
		writeJSON(w, http.StatusForbidden, map[string]any{"error": map[string]any{
			"code": "Forbidden", "message": fmt.Sprintf("Operation get is not allowed on a disabled %s.", coll.kind),
			"innererror": map[string]any{"code": inner}}})
		return
	}
	var body map[string]any
	var err error
	if req.op == "policy" {
		body, err = certificatePolicy(base, realName, ver)
	} else {
		body, err = bundle(base, coll.kind, realName, ver)
	}
	if err != nil {
		vaultError(w, e, http.StatusInternalServerError, "InternalError", fmt.Sprintf("The stand-in cannot serve %s %s: %v", coll.kind, realName, err))
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func refusedBecause(v *Vault, clientID, collection string) string {
	if v.isReader(clientID) {
		return "may read only some collections of the vault, not " + collection
	}
	return "is not in the vault's readers"
}

// authorize checks the bearer token: missing gives the challenge, a bad one the challenge with the reason.
func (s *server) authorize(w http.ResponseWriter, r *http.Request, e *logEntry, v *Vault) (accessClaims, bool) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		s.challenge(w, e, v.TenantID, "AKV10000: Request is missing a Bearer or PoP token.")
		return accessClaims{}, false
	}
	raw, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		s.challenge(w, e, v.TenantID, "AKV10001: The authorization scheme must be Bearer.")
		return accessClaims{}, false
	}
	claims, err := s.tokens.verify(raw)
	if err != nil {
		s.challenge(w, e, v.TenantID, "AKV10022: Invalid token: "+err.Error()+".")
		return claims, false
	}
	e.ClientID, e.Tenant = claims.AppID, claims.TenantID
	if strings.TrimSuffix(claims.Audience, "/") != keyVaultResource {
		s.challenge(w, e, v.TenantID, fmt.Sprintf("AKV10022: Invalid audience. Expected %s, found: %s.", keyVaultResource, claims.Audience))
		return claims, false
	}
	if claims.TenantID != v.TenantID {
		s.challenge(w, e, v.TenantID, fmt.Sprintf("AKV10032: Invalid issuer. Expected one of https://sts.windows.net/%s/, found https://sts.windows.net/%s/.", v.TenantID, claims.TenantID))
		return claims, false
	}
	return claims, true
}

// objectVersions returns an object's versions oldest first. A certificate is also readable as a secret (its PEM,
// the backing secret the provider reads for a certificate with its private key) and as a key (its public key), as
// in Key Vault.
func objectVersions(v *Vault, kind, name string) ([]version, string) {
	var out []version
	certs := func() string {
		n, cs := lookupName(v.Certificates, name)
		for _, c := range cs {
			value := c.PEM
			if c.Exportable != nil && !*c.Exportable {
				// A certificate whose key may not leave the vault: its secret holds the certificate only.
				value = certificateBlocks(c.PEM)
			}
			out = append(out, version{id: c.Version, created: c.Created, value: value, contentType: contentTypePEM, pem: c.PEM,
				managed: kind != "certificate", attrs: certificateAttributes(c), exportable: c.Exportable})
		}
		return n
	}
	var realName string
	switch kind {
	case "secret":
		n, ss := lookupName(v.Secrets, name)
		for _, x := range ss {
			out = append(out, version{id: x.Version, created: x.Created, value: x.Value, contentType: x.ContentType, attrs: x.Attributes})
		}
		realName = n
		if len(out) == 0 {
			realName = certs()
		}
	case "key":
		n, ks := lookupName(v.Keys, name)
		for _, x := range ks {
			out = append(out, version{id: x.Version, created: x.Created, pem: x.PEM, attrs: x.Attributes})
		}
		realName = n
		if len(out) == 0 {
			realName = certs()
		}
	case "certificate":
		realName = certs()
	}
	fillCreated(out)
	return out, realName
}

// certificateAttributes are a certificate version's attributes: as in Key Vault, nbf and exp are the certificate's
// validity unless the content sets them. The certificate's secret and key carry the same.
func certificateAttributes(c PEMVersion) Attributes {
	a := c.Attributes
	if a.Expires != 0 && a.NotBefore != 0 {
		return a
	}
	p, err := parsePEMBundle(c.PEM)
	if err != nil || p.leaf == nil {
		return a
	}
	leaf, err := x509.ParseCertificate(p.leaf)
	if err != nil {
		return a
	}
	if a.Expires == 0 {
		a.Expires = leaf.NotAfter.Unix()
	}
	if a.NotBefore == 0 {
		a.NotBefore = leaf.NotBefore.Unix()
	}
	return a
}

// fillCreated gives versions without a creation time one a second after the previous version's.
func fillCreated(vs []version) {
	prev := int64(1_600_000_000)
	for i := range vs {
		if vs[i].created <= 0 {
			vs[i].created = prev + 1
		}
		prev = vs[i].created
	}
}

// attributes are a version's attributes as every response carries them: exp and nbf only when set.
func attributes(v version) map[string]any {
	a := map[string]any{"enabled": v.attrs.enabled(), "created": v.created, "updated": v.created, "recoveryLevel": "Recoverable+Purgeable", "recoverableDays": 90}
	if v.attrs.Expires != 0 {
		a["exp"] = v.attrs.Expires
	}
	if v.attrs.NotBefore != 0 {
		a["nbf"] = v.attrs.NotBefore
	}
	return a
}

func tags(v version) map[string]string {
	if v.attrs.Tags == nil {
		return map[string]string{}
	}
	return v.attrs.Tags
}

func bundle(base, kind, name string, v version) (map[string]any, error) {
	switch kind {
	case "secret":
		b := map[string]any{"value": v.value, "id": base + "/secrets/" + name + "/" + v.id, "attributes": attributes(v), "tags": tags(v)}
		if v.contentType != "" {
			b["contentType"] = v.contentType
		}
		if v.managed {
			b["kid"] = base + "/keys/" + name + "/" + v.id
			b["managed"] = true
		}
		return b, nil
	case "key":
		p, err := parsePEMBundle(v.pem)
		if err != nil {
			return nil, err
		}
		jwk, err := jwkOf(p.publicKey)
		if err != nil {
			return nil, err
		}
		jwk["kid"] = base + "/keys/" + name + "/" + v.id
		b := map[string]any{"key": jwk, "attributes": attributes(v), "tags": tags(v)}
		if v.managed {
			b["managed"] = true
		}
		return b, nil
	case "certificate":
		p, err := parsePEMBundle(v.pem)
		if err != nil {
			return nil, err
		}
		if p.leaf == nil {
			return nil, errors.New("no CERTIFICATE block")
		}
		policy, err := certificatePolicy(base, name, v)
		if err != nil {
			return nil, err
		}
		return map[string]any{
			"id":          base + "/certificates/" + name + "/" + v.id,
			"kid":         base + "/keys/" + name + "/" + v.id,
			"sid":         base + "/secrets/" + name + "/" + v.id,
			"x5t":         thumbprint(p.leaf),
			"cer":         base64.StdEncoding.EncodeToString(p.leaf),
			"attributes":  attributes(v),
			"tags":        tags(v),
			"contentType": contentTypePEM,
			"policy":      policy,
		}, nil
	}
	return nil, fmt.Errorf("unknown kind %s", kind)
}

func thumbprint(der []byte) string {
	sum := sha1.Sum(der)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// jwkOf is the public JSON Web Key Key Vault returns for a key (RFC 7518: unpadded base64url big-endian integers).
func jwkOf(pub crypto.PublicKey) (map[string]any, error) {
	b64 := base64.RawURLEncoding.EncodeToString
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return map[string]any{"kty": "RSA", "key_ops": []string{"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"},
			"n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())}, nil
	case *ecdsa.PublicKey:
		crv := map[int]string{256: "P-256", 384: "P-384", 521: "P-521"}[k.Curve.Params().BitSize]
		if crv == "" {
			return nil, fmt.Errorf("unsupported curve %s", k.Curve.Params().Name)
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		point, err := k.Bytes() // uncompressed: 0x04 || X || Y, each padded to the curve size
		if err != nil {
			return nil, err
		}
		x, y := point[1:1+size], point[1+size:]
		return map[string]any{"kty": "EC", "key_ops": []string{"sign", "verify"}, "crv": crv, "x": b64(x), "y": b64(y)}, nil
	}
	return nil, fmt.Errorf("unsupported key type %T", pub)
}

// listItem is one item of a list: the metadata of a version (or, in a collection list, of the object's current
// version, with an ID without the version), never a value.
func listItem(base, kind, name string, v version, withVersion bool) map[string]any {
	suffix := ""
	if withVersion {
		suffix = "/" + v.id
	}
	item := map[string]any{"attributes": attributes(v), "tags": tags(v)}
	switch kind {
	case "secret":
		item["id"] = base + "/secrets/" + name + suffix
		if v.contentType != "" {
			item["contentType"] = v.contentType
		}
		if v.managed {
			item["managed"] = true
		}
	case "key":
		item["kid"] = base + "/keys/" + name + suffix
		if v.managed {
			item["managed"] = true
		}
	case "certificate":
		item["id"] = base + "/certificates/" + name + suffix
		if p, err := parsePEMBundle(v.pem); err == nil && p.leaf != nil {
			item["x5t"] = thumbprint(p.leaf)
		}
	}
	return item
}

// listObjects serves one page of a collection: each object once, by name, with its current version's metadata. As
// in Key Vault, a certificate's secret and key are listed among the secrets and keys, as managed.
func (s *server) listObjects(w http.ResponseWriter, r *http.Request, e *logEntry, base, collection, kind string, v *Vault) {
	seen := map[string]bool{}
	var names []string
	add := func(n string) {
		if !seen[strings.ToLower(n)] {
			seen[strings.ToLower(n)] = true
			names = append(names, n)
		}
	}
	switch kind {
	case "secret":
		for n := range v.Secrets {
			add(n)
		}
	case "key":
		for n := range v.Keys {
			add(n)
		}
	}
	for n := range v.Certificates {
		add(n)
	}
	sort.Slice(names, func(i, j int) bool { return strings.ToLower(names[i]) < strings.ToLower(names[j]) })
	items := []map[string]any{}
	for _, n := range names {
		versions, realName := objectVersions(v, kind, n)
		if len(versions) > 0 {
			items = append(items, listItem(base, kind, realName, versions[len(versions)-1], false))
		}
	}
	s.writePage(w, r, e, base, collection, items)
}

// writePage serves one page of items, with nextLink ($skiptoken) when more remain. maxresults is 1 to 25, as in Key
// Vault; without it the stand-in's page size applies.
func (s *server) writePage(w http.ResponseWriter, r *http.Request, e *logEntry, base, path string, all []map[string]any) {
	q := r.URL.Query()
	size := s.opts.pageSize
	if m := q.Get("maxresults"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 || n > 25 {
			vaultError(w, e, http.StatusBadRequest, "BadParameter", "maxresults must be an integer from 1 to 25.")
			return
		}
		size = n
	}
	offset := 0
	if tok := q.Get("$skiptoken"); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(raw), "offset:"))
		if err != nil || err2 != nil || n < 0 || n > len(all) {
			vaultError(w, e, http.StatusBadRequest, "BadParameter", "The $skiptoken is invalid.")
			return
		}
		offset = n
	}
	end := min(offset+size, len(all))
	body := map[string]any{"value": all[offset:end], "nextLink": nil}
	if end < len(all) {
		next := url.Values{}
		next.Set("api-version", q.Get("api-version"))
		next.Set("$skiptoken", base64.RawURLEncoding.EncodeToString([]byte("offset:"+strconv.Itoa(end))))
		next.Set("maxresults", strconv.Itoa(size))
		body["nextLink"] = base + ":443/" + path + "?" + next.Encode()
	}
	writeJSON(w, http.StatusOK, body)
}

// certificatePolicy is a certificate's policy as Key Vault returns it (alone, or in the certificate's bundle):
// the key's properties (exportability, type, size or curve), the secret's content type, the subject and SANs.
func certificatePolicy(base, name string, v version) (map[string]any, error) {
	p, err := parsePEMBundle(v.pem)
	if err != nil {
		return nil, err
	}
	keyProps := map[string]any{"exportable": v.isExportable(), "reuse_key": false}
	switch k := p.publicKey.(type) {
	case *rsa.PublicKey:
		keyProps["kty"], keyProps["key_size"] = "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		keyProps["kty"], keyProps["crv"] = "EC", k.Curve.Params().Name
	}
	x509Props := map[string]any{"key_usage": []string{}, "ekus": []string{}}
	if leaf, err := x509.ParseCertificate(p.leaf); err == nil {
		x509Props["subject"] = leaf.Subject.String()
		if len(leaf.DNSNames) > 0 {
			x509Props["sans"] = map[string]any{"dns_names": leaf.DNSNames}
		}
		x509Props["validity_months"] = max(1, int(leaf.NotAfter.Sub(leaf.NotBefore).Hours()/24/30))
	}
	return map[string]any{
		"id":           base + "/certificates/" + name + "/policy",
		"key_props":    keyProps,
		"secret_props": map[string]any{"contentType": contentTypePEM},
		"x509_props":   x509Props,
		"issuer":       map[string]any{"name": "Self"},
		"attributes":   map[string]any{"enabled": true, "created": v.created, "updated": v.created},
	}, nil
}

// certificateBlocks keeps only the CERTIFICATE blocks of a PEM bundle.
func certificateBlocks(bundle string) string {
	var out []byte
	rest := []byte(bundle)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return string(out)
		}
		if b.Type == pemCertificate {
			out = append(out, pem.EncodeToMemory(b)...)
		}
	}
}
