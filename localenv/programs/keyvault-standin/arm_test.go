package main

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

const tSub = "11111111-2222-3333-4444-555555555555"

func armURL(path string) string {
	return "https://" + armHost + path + "?api-version=2024-11-30"
}

func (f *fixture) armToken() string {
	f.t.Helper()
	r := f.do("POST", tokenURL(tTenant), "", url.Values{"grant_type": {"client_credentials"}, "client_id": {tSP},
		"client_secret": {tSPSecret}, "scope": {armResource + "/.default"}}, nil)
	if r.status != 200 {
		f.t.Fatalf("token: %d %s", r.status, r.raw)
	}
	return r.body["access_token"].(string)
}

func TestARMListsIdentitiesCredentialsAndRoles(t *testing.T) {
	f := newFixture(t, 25)
	token := f.armToken()
	group := "/subscriptions/" + tSub + "/resourceGroups/" + armResourceGroup

	r := f.do("GET", armURL("/subscriptions/"+tSub+"/providers/Microsoft.ManagedIdentity/userAssignedIdentities"), token, nil, nil)
	if r.status != 200 {
		t.Fatalf("identities: %d %s", r.status, r.raw)
	}
	items := r.body["value"].([]any)
	clients := map[string]string{}
	for _, item := range items {
		m := item.(map[string]any)
		props := m["properties"].(map[string]any)
		clients[fmt.Sprint(props["clientId"])] = fmt.Sprint(m["id"])
		if props["principalId"] != objectIDFor(tTenant, fmt.Sprint(props["clientId"])) {
			t.Fatalf("principalId of %v", m)
		}
	}
	if len(clients) != 2 || clients[tMI] == "" || clients[tWI] == "" {
		t.Fatalf("identities: the managed and the federated one, got %v", clients)
	}
	if other := f.do("GET", armURL("/subscriptions/"+tSub+"/resourceGroups/rg-other/providers/Microsoft.ManagedIdentity/userAssignedIdentities"), token, nil, nil); len(other.body["value"].([]any)) != 0 {
		t.Fatalf("another resource group holds none: %s", other.raw)
	}

	r = f.do("GET", armURL(clients[tWI]+"/federatedIdentityCredentials"), token, nil, nil)
	fics := r.body["value"].([]any)
	if r.status != 200 || len(fics) != 1 {
		t.Fatalf("federated credentials: %d %s", r.status, r.raw)
	}
	props := fics[0].(map[string]any)["properties"].(map[string]any)
	if props["issuer"] != tIssuer || props["subject"] != tSubject || fmt.Sprint(props["audiences"]) != "["+defaultFederatedAudience+"]" {
		t.Fatalf("federated credential %v", props)
	}

	vault := group + "/providers/Microsoft.KeyVault/vaults/" + tVault
	filter := url.QueryEscape("principalId eq '" + objectIDFor(tTenant, tWI) + "'")
	r = f.do("GET", "https://"+armHost+vault+"/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter="+filter, token, nil, nil)
	roles := r.body["value"].([]any)
	if r.status != 200 || len(roles) != 1 {
		t.Fatalf("role assignments: %d %s", r.status, r.raw)
	}
	props = roles[0].(map[string]any)["properties"].(map[string]any)
	if props["scope"] != vault || props["roleDefinitionId"] != "/subscriptions/"+tSub+"/providers/Microsoft.Authorization/roleDefinitions/"+roleCertificateUser {
		t.Fatalf("role assignment %v", props)
	}
	if r := f.do("GET", armURL(group+"/providers/Microsoft.ContainerService/managedClusters/aks"), token, nil, nil); r.status != 404 || errorCode(r) != "ResourceNotFound" {
		t.Fatalf("cluster: %d %s", r.status, r.raw)
	}
}

func TestARMRefusesAVaultTokenAndWrites(t *testing.T) {
	f := newFixture(t, 25)
	path := armURL("/subscriptions/" + tSub + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities")
	if r := f.do("GET", path, f.spToken(tSP, tSPSecret), nil, nil); r.status != 401 || errorCode(r) != "InvalidAuthenticationTokenAudience" {
		t.Fatalf("a Key Vault token: %d %s", r.status, r.raw)
	}
	if r := f.do("GET", path, "", nil, nil); r.status != 401 {
		t.Fatalf("no token: %d %s", r.status, r.raw)
	}
	if r := f.do("PUT", path, f.armToken(), nil, nil); r.status != 405 {
		t.Fatalf("a write: %d %s", r.status, r.raw)
	}
}

func TestARMManagedClusterAndItsUserCredential(t *testing.T) {
	f := newFixture(t, 25)
	kubeconfig := filepath.Join(f.dir, "cluster-kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte("apiVersion: v1\nkind: Config\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f.srv.opts.managedCluster = "aks-orders=" + kubeconfig
	token := f.armToken()
	cluster := "/subscriptions/" + tSub + "/resourceGroups/" + armResourceGroup + "/providers/Microsoft.ContainerService/managedClusters/aks-orders"
	if r := f.do("GET", armURL(cluster), token, nil, nil); r.status != 200 || r.body["name"] != "aks-orders" || r.body["id"] != cluster {
		t.Fatalf("the cluster: %d %s", r.status, r.raw)
	}
	r := f.do("POST", armURL(cluster+"/listClusterUserCredential"), token, nil, nil)
	if r.status != 200 {
		t.Fatalf("credential: %d %s", r.status, r.raw)
	}
	value, _ := base64.StdEncoding.DecodeString(fmt.Sprint(r.body["kubeconfigs"].([]any)[0].(map[string]any)["value"]))
	if string(value) != "apiVersion: v1\nkind: Config\n" {
		t.Fatalf("kubeconfig %q", value)
	}
	other := "/subscriptions/" + tSub + "/resourceGroups/" + armResourceGroup + "/providers/Microsoft.ContainerService/managedClusters/aks-other"
	if r := f.do("POST", armURL(other+"/listClusterUserCredential"), token, nil, nil); r.status != 404 || errorCode(r) != "ResourceNotFound" {
		t.Fatalf("another cluster: %d %s", r.status, r.raw)
	}
	if r := f.do("POST", armURL(cluster), token, nil, nil); r.status != 405 {
		t.Fatalf("any other POST is refused: %d %s", r.status, r.raw)
	}
}
