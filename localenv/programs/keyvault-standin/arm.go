package main

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// The few Azure Resource Manager reads the preview's identity and cluster checks make (components/key-vault/read-identities.ts,
// with @azure/arm-msi 2.2.0, @azure/arm-authorization 9.0.0 and @azure/arm-containerservice 24.1.0), answered from
// the content: every managed identity and every client ID with a federated credential is a user-assigned identity
// of resource group armResourceGroup in whatever subscription is asked for; each vault reader holds the Key Vault
// role that matches what it reads (readerCollections); the one managed cluster is the one --managed-cluster names,
// whose user credential (program/cluster-checks.ts) is the kubeconfig it names.
const (
	armHost          = "management.azure.com"
	armResource      = "https://management.azure.com"
	armResourceGroup = "rg-standin"
)

// Role-definition GUIDs of the built-in Key Vault roles a reader is shown holding.
const (
	roleSecretsUser     = "4633458b-17de-408a-b874-0445c86b69e6"
	roleCertificateUser = "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba"
	roleKeyVaultReader  = "21090545-7ca7-4776-b22c-e363652d74d2"
)

var (
	armIdentities  = regexp.MustCompile(`(?i)^/subscriptions/([^/]+)(?:/resourceGroups/([^/]+))?/providers/Microsoft\.ManagedIdentity/userAssignedIdentities/?$`)
	armFederated   = regexp.MustCompile(`(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.ManagedIdentity/userAssignedIdentities/([^/]+)/federatedIdentityCredentials/?$`)
	armAssignments = regexp.MustCompile(`(?i)^(/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.KeyVault/vaults/([^/]+))/providers/Microsoft\.Authorization/roleAssignments/?$`)
	armCluster     = regexp.MustCompile(`(?i)^/subscriptions/[^/]+/resourceGroups/([^/]+)/providers/Microsoft\.ContainerService/managedClusters/([^/]+?)(/listClusterUserCredential)?/?$`)
	armPrincipalEq = regexp.MustCompile(`(?i)^principalId eq '([^']+)'$`)
	armDoubleSlash = regexp.MustCompile(`^/+`)
)

func armError(w http.ResponseWriter, e *logEntry, status int, code, message string) {
	e.Error = code
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": message + " (keyvault-standin)"}})
}

// armIdentity is one user-assigned identity as the stand-in shows it.
type armIdentity struct {
	tenant, clientID, name string
}

// identities lists every managed identity and federated client ID of the content, once each, by name.
func armIdentitiesOf(c *Content) []armIdentity {
	seen := map[string]bool{}
	var out []armIdentity
	add := func(tenant, clientID string) {
		key := strings.ToLower(clientID)
		if seen[key] {
			return
		}
		seen[key] = true
		out = append(out, armIdentity{tenant: tenant, clientID: clientID, name: "id-" + strings.ToLower(clientID)})
	}
	tenants := make([]string, 0, len(c.Tenants))
	for id := range c.Tenants {
		tenants = append(tenants, id)
	}
	sort.Strings(tenants)
	for _, id := range tenants {
		t := c.Tenants[id]
		for _, mi := range t.ManagedIdentities {
			add(id, mi.ClientID)
		}
		for _, fc := range t.FederatedCredentials {
			add(id, fc.ClientID)
		}
	}
	return out
}

func armIdentityID(subscription string, id armIdentity) string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.ManagedIdentity/userAssignedIdentities/%s", subscription, armResourceGroup, id.name)
}

// readerRole is the Key Vault role that reads what a reader of the vault reads.
func readerRole(v *Vault, clientID string) string {
	reads := func(collection string) bool { return v.canRead(clientID, collection) }
	switch {
	case reads("secrets") && (reads("keys") || reads("certificates")):
		return roleCertificateUser
	case reads("secrets"):
		return roleSecretsUser
	default:
		return roleKeyVaultReader
	}
}

func (s *server) serveARM(w http.ResponseWriter, r *http.Request, e *logEntry, c *Content) {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		armError(w, e, http.StatusUnauthorized, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
		return
	}
	claims, err := s.tokens.verify(raw)
	if err != nil {
		armError(w, e, http.StatusUnauthorized, "InvalidAuthenticationToken", "The access token is invalid: "+err.Error()+".")
		return
	}
	e.ClientID, e.Tenant = claims.AppID, claims.TenantID
	if strings.TrimSuffix(claims.Audience, "/") != armResource {
		armError(w, e, http.StatusUnauthorized, "InvalidAuthenticationTokenAudience", fmt.Sprintf("The access token has been obtained for wrong audience or resource '%s'. It should exactly match with one of the allowed audiences '%s'.", claims.Audience, armResource))
		return
	}
	path := "/" + armDoubleSlash.ReplaceAllString(r.URL.Path, "")
	// Reads only, and the one POST that reads: a cluster's user credential.
	credentialRead := r.Method == http.MethodPost && armCluster.MatchString(path) && armCluster.FindStringSubmatch(path)[3] != ""
	if r.Method != http.MethodGet && !credentialRead {
		armError(w, e, http.StatusMethodNotAllowed, "MethodNotAllowed", "The stand-in's Resource Manager is read-only.")
		return
	}
	if r.URL.Query().Get("api-version") == "" {
		armError(w, e, http.StatusBadRequest, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
		return
	}
	identities := armIdentitiesOf(c)
	switch {
	case armIdentities.MatchString(path):
		m := armIdentities.FindStringSubmatch(path)
		items := []map[string]any{}
		if m[2] == "" || strings.EqualFold(m[2], armResourceGroup) {
			for _, id := range identities {
				items = append(items, map[string]any{
					"id": armIdentityID(m[1], id), "name": id.name, "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
					"location": "westeurope",
					"properties": map[string]any{
						"tenantId": id.tenant, "clientId": id.clientID, "principalId": objectIDFor(id.tenant, id.clientID),
					},
				})
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"value": items})
	case armFederated.MatchString(path):
		m := armFederated.FindStringSubmatch(path)
		i := slices.IndexFunc(identities, func(id armIdentity) bool { return strings.EqualFold(id.name, m[3]) })
		if i < 0 || !strings.EqualFold(m[2], armResourceGroup) {
			armError(w, e, http.StatusNotFound, "ResourceNotFound", fmt.Sprintf("The Resource 'Microsoft.ManagedIdentity/userAssignedIdentities/%s' under resource group '%s' was not found.", m[3], m[2]))
			return
		}
		id := identities[i]
		items := []map[string]any{}
		for n, fc := range c.Tenants[id.tenant].FederatedCredentials {
			if !strings.EqualFold(fc.ClientID, id.clientID) {
				continue
			}
			name := fmt.Sprintf("fic-%d", n)
			items = append(items, map[string]any{
				"id": armIdentityID(m[1], id) + "/federatedIdentityCredentials/" + name, "name": name,
				"type":       "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
				"properties": map[string]any{"issuer": fc.Issuer, "subject": fc.Subject, "audiences": []string{fc.Audience}},
			})
		}
		writeJSON(w, http.StatusOK, map[string]any{"value": items})
	case armAssignments.MatchString(path):
		m := armAssignments.FindStringSubmatch(path)
		name, v := c.findVault(m[4])
		if v == nil || !strings.EqualFold(m[3], armResourceGroup) {
			armError(w, e, http.StatusNotFound, "ResourceNotFound", fmt.Sprintf("The Resource 'Microsoft.KeyVault/vaults/%s' under resource group '%s' was not found.", m[4], m[3]))
			return
		}
		e.Vault = name
		principal := ""
		if f := r.URL.Query().Get("$filter"); f != "" {
			pm := armPrincipalEq.FindStringSubmatch(f)
			if pm == nil {
				armError(w, e, http.StatusBadRequest, "UnsupportedQuery", "The stand-in filters role assignments by principalId eq '<id>' only.")
				return
			}
			principal = pm[1]
		}
		items := []map[string]any{}
		for _, reader := range v.Readers {
			oid := objectIDFor(v.TenantID, reader)
			if principal != "" && !strings.EqualFold(principal, oid) {
				continue
			}
			role := readerRole(v, reader)
			assignment := objectIDFor("assignment:"+name, reader)
			items = append(items, map[string]any{
				"id":   m[1] + "/providers/Microsoft.Authorization/roleAssignments/" + assignment,
				"name": assignment, "type": "Microsoft.Authorization/roleAssignments",
				"properties": map[string]any{
					"roleDefinitionId": fmt.Sprintf("/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s", m[2], role),
					"principalId":      oid, "principalType": "ServicePrincipal", "scope": m[1],
				},
			})
		}
		writeJSON(w, http.StatusOK, map[string]any{"value": items})
	case armCluster.MatchString(path):
		s.serveManagedCluster(w, r, e, path)
	default:
		armError(w, e, http.StatusNotFound, "NotFound", "The stand-in's Resource Manager serves the user-assigned identities, their federated credentials and a vault's role assignments only.")
	}
}

// serveManagedCluster answers the one cluster --managed-cluster names (in armResourceGroup): a GET shows it, a POST to
// listClusterUserCredential returns its kubeconfig as Resource Manager does (base64 in kubeconfigs[0].value). Any
// other cluster does not exist.
func (s *server) serveManagedCluster(w http.ResponseWriter, r *http.Request, e *logEntry, path string) {
	m := armCluster.FindStringSubmatch(path)
	name, file, _ := strings.Cut(s.opts.managedCluster, "=")
	if name == "" || !strings.EqualFold(m[1], armResourceGroup) || !strings.EqualFold(m[2], name) {
		armError(w, e, http.StatusNotFound, "ResourceNotFound", "The Resource 'Microsoft.ContainerService/managedClusters/"+m[2]+"' under resource group '"+m[1]+"' was not found.")
		return
	}
	id := strings.TrimSuffix(strings.TrimSuffix(path, "/"), m[3])
	if r.Method == http.MethodGet {
		writeJSON(w, http.StatusOK, map[string]any{"id": id, "name": name, "type": "Microsoft.ContainerService/ManagedClusters",
			"location": "westeurope", "properties": map[string]any{"provisioningState": "Succeeded"}})
		return
	}
	kubeconfig, err := os.ReadFile(file)
	if err != nil {
		armError(w, e, http.StatusInternalServerError, "InternalServerError", "The stand-in could not read the cluster's kubeconfig: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"kubeconfigs": []any{
		map[string]any{"name": "clusterUser", "value": base64.StdEncoding.EncodeToString(kubeconfig)},
	}})
}
