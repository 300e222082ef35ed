package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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
}

func (s *server) serveVault(w http.ResponseWriter, r *http.Request, e *logEntry, c *Content, vaultName string) {
	name, v := c.findVault(vaultName)
	if v == nil {
		vaultError(w, e, http.StatusNotFound, "VaultNotFound", fmt.Sprintf("The vault %s does not exist (it was removed from the stand-in's content).", vaultName))
		return
	}
	e.Vault = name
	segs := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	coll, ok := objectKinds[segs[0]]
	if !ok || len(segs) < 2 || segs[1] == "" || len(segs) > 3 {
		vaultError(w, e, http.StatusNotFound, "NotFound", "The requested path is not served by the stand-in: it serves GET of secrets, keys and certificates by name, version, and version lists.")
		return
	}
	e.Kind, e.Object = coll.kind, segs[1]
	listing := len(segs) == 3 && segs[2] == "versions"
	versionID := ""
	if len(segs) == 3 && !listing {
		versionID = segs[2]
		e.Version = versionID
	}
	if r.URL.Query().Get("api-version") == "" {
		vaultError(w, e, http.StatusBadRequest, "BadParameter", "The api-version query parameter is required.")
		return
	}
	claims, ok := s.authorize(w, r, e, v)
	if !ok {
		return
	}
	action := coll.getAction
	if listing {
		action = coll.listAction
	}
	if !v.isReader(claims.AppID) {
		vaultError(w, e, http.StatusForbidden, "Forbidden", fmt.Sprintf(
			"Caller is not authorized to perform action on resource.\r\nCaller: appid=%s;oid=%s;iss=%s\r\nAction: 'Microsoft.KeyVault/vaults/%s'\r\nResource: '%s/%s/%s'\r\nAssignment: (not found)\r\nVault: %s (keyvault-standin: the caller's client ID is not in the vault's readers; use the grant subcommand)",
			claims.AppID, claims.ObjectID, claims.Issuer, action, name, segs[0], segs[1], name))
		return
	}
	if r.Method != http.MethodGet {
		vaultError(w, e, http.StatusMethodNotAllowed, "MethodNotAllowed", "The stand-in is read-only over HTTP; change its content with the add subcommand.")
		return
	}
	base := "https://" + strings.ToLower(name) + vaultDNSSuffix
	versions, realName := objectVersions(v, coll.kind, segs[1])
	if len(versions) == 0 {
		vaultError(w, e, http.StatusNotFound, coll.notFound, fmt.Sprintf("A %s with (name/id) %s was not found in this key vault. If you recently deleted this %s you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182", coll.kind, strings.TrimSuffix(segs[1]+"/"+versionID, "/"), coll.kind))
		return
	}
	if listing {
		s.listVersions(w, r, e, base, segs[0], realName, coll.kind, versions)
		return
	}
	ver := versions[len(versions)-1]
	if versionID != "" {
		found := false
		for _, x := range versions {
			if strings.EqualFold(x.id, versionID) {
				ver, found = x, true
			}
		}
		if !found {
			vaultError(w, e, http.StatusNotFound, coll.notFound, fmt.Sprintf("A %s with (name/id) %s/%s was not found in this key vault. If you recently deleted this %s you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182", coll.kind, segs[1], versionID, coll.kind))
			return
		}
	}
	e.Version = ver.id
	body, err := bundle(base, coll.kind, realName, ver)
	if err != nil {
		vaultError(w, e, http.StatusInternalServerError, "InternalError", fmt.Sprintf("The stand-in cannot serve %s %s: %v", coll.kind, realName, err))
		return
	}
	writeJSON(w, http.StatusOK, body)
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
			out = append(out, version{id: c.Version, created: c.Created, value: c.PEM, contentType: contentTypePEM, pem: c.PEM, managed: kind != "certificate"})
		}
		return n
	}
	var realName string
	switch kind {
	case "secret":
		n, ss := lookupName(v.Secrets, name)
		for _, x := range ss {
			out = append(out, version{id: x.Version, created: x.Created, value: x.Value, contentType: x.ContentType})
		}
		realName = n
		if len(out) == 0 {
			realName = certs()
		}
	case "key":
		n, ks := lookupName(v.Keys, name)
		for _, x := range ks {
			out = append(out, version{id: x.Version, created: x.Created, pem: x.PEM})
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

func attributes(created int64) map[string]any {
	return map[string]any{"enabled": true, "created": created, "updated": created, "recoveryLevel": "Recoverable+Purgeable", "recoverableDays": 90}
}

func bundle(base, kind, name string, v version) (map[string]any, error) {
	switch kind {
	case "secret":
		b := map[string]any{"value": v.value, "id": base + "/secrets/" + name + "/" + v.id, "attributes": attributes(v.created), "tags": map[string]string{}}
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
		b := map[string]any{"key": jwk, "attributes": attributes(v.created), "tags": map[string]string{}}
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
		return map[string]any{
			"id":         base + "/certificates/" + name + "/" + v.id,
			"kid":        base + "/keys/" + name + "/" + v.id,
			"sid":        base + "/secrets/" + name + "/" + v.id,
			"x5t":        thumbprint(p.leaf),
			"cer":        base64.StdEncoding.EncodeToString(p.leaf),
			"attributes": attributes(v.created),
			"tags":       map[string]string{},
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

// listVersions serves one page of an object's versions, with nextLink ($skiptoken) when more remain.
func (s *server) listVersions(w http.ResponseWriter, r *http.Request, e *logEntry, base, collection, name, kind string, versions []version) {
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
		if err != nil || err2 != nil || n < 0 || n > len(versions) {
			vaultError(w, e, http.StatusBadRequest, "BadParameter", "The $skiptoken is invalid.")
			return
		}
		offset = n
	}
	end := min(offset+size, len(versions))
	items := []map[string]any{}
	for _, v := range versions[offset:end] {
		item := map[string]any{"attributes": attributes(v.created), "tags": map[string]string{}}
		switch kind {
		case "secret":
			item["id"] = base + "/secrets/" + name + "/" + v.id
			if v.contentType != "" {
				item["contentType"] = v.contentType
			}
			if v.managed {
				item["managed"] = true
			}
		case "key":
			item["kid"] = base + "/keys/" + name + "/" + v.id
			if v.managed {
				item["managed"] = true
			}
		case "certificate":
			item["id"] = base + "/certificates/" + name + "/" + v.id
			if p, err := parsePEMBundle(v.pem); err == nil && p.leaf != nil {
				item["x5t"] = thumbprint(p.leaf)
			}
		}
		items = append(items, item)
	}
	body := map[string]any{"value": items, "nextLink": nil}
	if end < len(versions) {
		next := url.Values{}
		next.Set("api-version", q.Get("api-version"))
		next.Set("$skiptoken", base64.RawURLEncoding.EncodeToString([]byte("offset:"+strconv.Itoa(end))))
		next.Set("maxresults", strconv.Itoa(size))
		body["nextLink"] = base + ":443/" + collection + "/" + url.PathEscape(name) + "/versions?" + next.Encode()
	}
	writeJSON(w, http.StatusOK, body)
}
