package main

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// imdsError writes IMDS's error shape. IMDS answers 400 for an unknown identity: azidentity retries 404, 410, 429
// and 5xx, but treats 400 as final.
func imdsError(w http.ResponseWriter, e *logEntry, code, description string) {
	e.Error = code
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": description})
}

// serveIMDS hands out managed-identity tokens. Every managed identity in the content counts as assigned to "this
// machine"; a request without an identity gets the only one, or is refused like IMDS refuses when several exist.
func (s *server) serveIMDS(w http.ResponseWriter, r *http.Request, e *logEntry, c *Content) {
	if r.URL.Path != "/metadata/identity/oauth2/token" {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("Metadata") != "true" {
		imdsError(w, e, "invalid_request", "Required metadata header not specified")
		return
	}
	q := r.URL.Query()
	if q.Get("api-version") == "" {
		imdsError(w, e, "invalid_request", "Required query variable 'api-version' is missing")
		return
	}
	resource := strings.TrimSuffix(q.Get("resource"), "/.default")
	if resource == "" {
		imdsError(w, e, "invalid_request", "Required audience parameter not specified")
		return
	}
	if q.Get("msi_res_id") != "" || q.Get("mi_res_id") != "" || q.Get("object_id") != "" {
		imdsError(w, e, "invalid_request", "Identity not found (keyvault-standin serves managed identities by client_id only)")
		return
	}
	type assigned struct{ tenant, clientID string }
	var all []assigned
	for tid, t := range c.Tenants {
		for _, mi := range t.ManagedIdentities {
			all = append(all, assigned{tid, mi.ClientID})
		}
	}
	want := q.Get("client_id")
	var found *assigned
	switch {
	case want != "":
		e.ClientID = want
		for i := range all {
			if strings.EqualFold(all[i].clientID, want) {
				found = &all[i]
				break
			}
		}
	case len(all) == 1:
		found = &all[0]
	case len(all) > 1:
		imdsError(w, e, "invalid_request", "Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in the token request")
		return
	}
	if found == nil {
		imdsError(w, e, "invalid_request", "Identity not found")
		return
	}
	e.ClientID, e.Tenant = found.clientID, found.tenant
	token, exp, err := s.issue(found.tenant, found.clientID, resource)
	if err != nil {
		http.Error(w, "token signing failed", http.StatusInternalServerError)
		return
	}
	now := s.opts.now()
	secs := strconv.FormatInt(int64(exp.Sub(now)/time.Second), 10)
	writeJSON(w, http.StatusOK, map[string]string{
		"access_token":   token,
		"client_id":      found.clientID,
		"expires_in":     secs,
		"expires_on":     strconv.FormatInt(exp.Unix(), 10),
		"ext_expires_in": secs,
		"not_before":     strconv.FormatInt(now.Unix(), 10),
		"resource":       resource,
		"token_type":     "Bearer",
	})
}
