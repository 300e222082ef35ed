package main

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

const (
	tokenLifetime       = time.Hour
	clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
)

// objectIDFor gives every client ID a stable object ID (oid), shaped like a GUID.
func objectIDFor(tenant, clientID string) string {
	sum := sha256.Sum256([]byte("oid:" + tenant + ":" + strings.ToLower(clientID)))
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// entraError writes an OAuth error the way Entra ID does: error, error_description starting with the AADSTS code,
// error_codes.
func entraError(w http.ResponseWriter, e *logEntry, status int, oauthError string, code int, description string) {
	e.Error = fmt.Sprintf("AADSTS%d", code)
	now := time.Now().UTC()
	writeJSON(w, status, map[string]any{
		"error":             oauthError,
		"error_description": fmt.Sprintf("AADSTS%d: %s (keyvault-standin) Timestamp: %s", code, description, now.Format("2006-01-02 15:04:05Z")),
		"error_codes":       []int{code},
		"timestamp":         now.Format("2006-01-02 15:04:05Z"),
		"trace_id":          newVersionID(),
		"correlation_id":    newVersionID(),
	})
}

func (s *server) serveEntra(w http.ResponseWriter, r *http.Request, e *logEntry, c *Content) {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(segs) == 0 || segs[0] == "" {
		http.NotFound(w, r)
		return
	}
	tenantID := segs[0]
	rest := strings.Join(segs[1:], "/")
	e.Tenant = tenantID
	if tenantID == "common" && rest == "discovery/instance" {
		s.instanceDiscovery(w, r, e)
		return
	}
	if _, ok := c.Tenants[tenantID]; !ok {
		entraError(w, e, http.StatusBadRequest, "invalid_tenant", 90002,
			fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenantID))
		return
	}
	switch rest {
	case "v2.0/.well-known/openid-configuration":
		base := "https://" + entraHost + "/" + tenantID
		writeJSON(w, http.StatusOK, map[string]any{
			"token_endpoint":                        base + "/oauth2/v2.0/token",
			"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
			"issuer":                                base + "/v2.0",
			"jwks_uri":                              "https://" + entraHost + "/" + tenantID + "/discovery/v2.0/keys",
			"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
			"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
			"tenant_region_scope":                   "EU",
			"cloud_instance_name":                   "microsoftonline.com",
		})
	case "oauth2/v2.0/token":
		if r.Method != http.MethodPost {
			entraError(w, e, http.StatusMethodNotAllowed, "invalid_request", 900561, "The endpoint only accepts POST requests.")
			return
		}
		s.token(w, r, e, c, tenantID)
	default:
		http.NotFound(w, r)
	}
}

func (s *server) instanceDiscovery(w http.ResponseWriter, r *http.Request, e *logEntry) {
	tenant := "common"
	if u, err := url.Parse(r.URL.Query().Get("authorization_endpoint")); err == nil {
		if segs := strings.Split(strings.Trim(u.Path, "/"), "/"); len(segs) > 0 && segs[0] != "" {
			tenant = segs[0]
		}
	}
	e.Tenant = tenant
	writeJSON(w, http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": "https://" + entraHost + "/" + tenant + "/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata": []map[string]any{{
			"preferred_network": entraHost,
			"preferred_cache":   "login.windows.net",
			"aliases":           []string{entraHost, "login.windows.net", "login.microsoft.com", "sts.windows.net"},
		}},
	})
}

// token is the client-credentials grant: a client secret (service principal) or a client assertion (a
// federated credential: workload identity).
func (s *server) token(w http.ResponseWriter, r *http.Request, e *logEntry, c *Content, tenantID string) {
	if err := r.ParseForm(); err != nil {
		entraError(w, e, http.StatusBadRequest, "invalid_request", 900144, "The request body could not be parsed.")
		return
	}
	f := r.PostForm
	clientID := f.Get("client_id")
	e.ClientID = clientID
	if f.Get("grant_type") != "client_credentials" {
		e.Grant = f.Get("grant_type")
		entraError(w, e, http.StatusBadRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type: only client_credentials is served.")
		return
	}
	if clientID == "" {
		entraError(w, e, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
		return
	}
	resource := resourceOfScope(f.Get("scope"))
	if resource == "" {
		entraError(w, e, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.")
		return
	}
	tenant := c.Tenants[tenantID]
	if !tenant.hasApp(clientID) {
		entraError(w, e, http.StatusBadRequest, "unauthorized_client", 700016,
			fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", clientID, tenantID))
		return
	}
	switch {
	case f.Get("client_secret") != "":
		e.Grant = "client_secret"
		if !s.checkClientSecret(w, e, tenant, clientID, f.Get("client_secret")) {
			return
		}
	case f.Get("client_assertion") != "":
		e.Grant = "client_assertion"
		if f.Get("client_assertion_type") != clientAssertionType {
			entraError(w, e, http.StatusBadRequest, "invalid_request", 700025, "client_assertion_type must be "+clientAssertionType+".")
			return
		}
		if !s.checkAssertion(w, e, tenant, clientID, f.Get("client_assertion")) {
			return
		}
	default:
		entraError(w, e, http.StatusUnauthorized, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
		return
	}
	token, expires, err := s.issue(tenantID, clientID, resource)
	if err != nil {
		http.Error(w, "token signing failed", http.StatusInternalServerError)
		return
	}
	secs := int64(time.Until(expires).Seconds())
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type":     "Bearer",
		"expires_in":     secs,
		"ext_expires_in": secs,
		"access_token":   token,
	})
}

func (s *server) issue(tenantID, clientID, resource string) (string, time.Time, error) {
	now := s.opts.now()
	exp := now.Add(tokenLifetime)
	oid := objectIDFor(tenantID, clientID)
	token, err := s.tokens.mint(accessClaims{
		Audience: resource, Issuer: "https://sts.windows.net/" + tenantID + "/", TenantID: tenantID,
		AppID: clientID, ObjectID: oid, Subject: oid, IDType: "app",
		IssuedAt: now.Unix(), NotBef: now.Unix(), Expires: exp.Unix(),
	})
	return token, exp, err
}

// resourceOfScope picks the ".default" scope MSAL sends for a confidential client and returns its resource.
func resourceOfScope(scope string) string {
	for _, sc := range strings.Fields(scope) {
		if res, ok := strings.CutSuffix(sc, "/.default"); ok {
			return res
		}
	}
	return ""
}

func (s *server) checkClientSecret(w http.ResponseWriter, e *logEntry, t *Tenant, clientID, secret string) bool {
	for _, sp := range t.ServicePrincipals {
		if strings.EqualFold(sp.ClientID, clientID) {
			if subtle.ConstantTimeCompare([]byte(sp.ClientSecret), []byte(secret)) == 1 {
				return true
			}
			break
		}
	}
	entraError(w, e, http.StatusUnauthorized, "invalid_client", 7000215,
		fmt.Sprintf("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", clientID))
	return false
}

// checkAssertion validates a service-account token against the client's federated credentials: signature (when the
// stand-in knows the cluster's key), expiry, then issuer, subject and audience, each refused with its own code.
func (s *server) checkAssertion(w http.ResponseWriter, e *logEntry, t *Tenant, clientID, assertion string) bool {
	alg, claims, signingInput, sig, err := parseAssertion(assertion)
	if err != nil {
		entraError(w, e, http.StatusBadRequest, "invalid_client", 50027, "JWT token is invalid or malformed.")
		return false
	}
	if s.saKey != nil {
		if alg != "RS256" || verifyRS256(s.saKey, signingInput, sig) != nil {
			entraError(w, e, http.StatusUnauthorized, "invalid_client", 700027, "Client assertion failed signature validation: it is not signed by the cluster's service-account key.")
			return false
		}
	}
	now := s.opts.now().Unix()
	if claims.Expires == 0 || now >= claims.Expires || (claims.NotBefore != 0 && now < claims.NotBefore-300) {
		entraError(w, e, http.StatusBadRequest, "invalid_client", 700024, "Client assertion is not within its valid time range.")
		return false
	}
	// Entra ID narrows the client's credentials claim by claim and names the first claim nothing matches.
	noMatch := func(code int, claim, value string) bool {
		entraError(w, e, http.StatusBadRequest, "invalid_client", code, fmt.Sprintf(
			"No matching federated identity record found for presented assertion %s '%s'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.", claim, value))
		return false
	}
	candidates := filter(t.FederatedCredentials, func(fc FederatedCredential) bool {
		return strings.EqualFold(fc.ClientID, clientID) && fc.Issuer == claims.Issuer
	})
	if len(candidates) == 0 {
		return noMatch(700211, "issuer", claims.Issuer)
	}
	if candidates = filter(candidates, func(fc FederatedCredential) bool { return fc.Subject == claims.Subject }); len(candidates) == 0 {
		return noMatch(700213, "subject", claims.Subject)
	}
	for _, fc := range candidates {
		aud := fc.Audience
		if aud == "" {
			aud = defaultFederatedAudience
		}
		if slices.Contains(claims.Audiences, aud) {
			return true
		}
	}
	return noMatch(700212, "audience", strings.Join(claims.Audiences, ","))
}

func filter[T any](xs []T, keep func(T) bool) []T {
	var out []T
	for _, x := range xs {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}
