package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Content is the stand-in's whole world: the Entra ID tenants with their identities, and the vaults with their
// objects. Every object holds its versions oldest first; the last one is the current version.
type Content struct {
	Tenants map[string]*Tenant `json:"tenants"`
	Vaults  map[string]*Vault  `json:"vaults"`
}

type Tenant struct {
	ServicePrincipals    []ServicePrincipal    `json:"servicePrincipals,omitempty"`
	ManagedIdentities    []ManagedIdentity     `json:"managedIdentities,omitempty"`
	FederatedCredentials []FederatedCredential `json:"federatedCredentials,omitempty"`
}

type ServicePrincipal struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
}

type ManagedIdentity struct {
	ClientID string `json:"clientId"`
}

type FederatedCredential struct {
	ClientID string `json:"clientId"`
	Issuer   string `json:"issuer"`
	Subject  string `json:"subject"`
	Audience string `json:"audience"`
}

type Vault struct {
	TenantID     string                     `json:"tenantId"`
	Readers      []string                   `json:"readers"`
	Secrets      map[string][]SecretVersion `json:"secrets,omitempty"`
	Keys         map[string][]PEMVersion    `json:"keys,omitempty"`
	Certificates map[string][]PEMVersion    `json:"certificates,omitempty"`
	// ReaderCollections narrows a reader to some collections (secrets, keys, certificates), as a data-plane role
	// does (Key Vault Secrets User reads secrets only): a reader without an entry reads all three.
	ReaderCollections map[string][]string `json:"readerCollections,omitempty"`
	// Throttled makes every request to the vault answer 429 with Key Vault's throttling error (the throttle
	// subcommand sets and clears it), as Key Vault does past its per-vault request limit.
	Throttled bool `json:"throttled,omitempty"`
	// Hung makes the vault accept every request and never answer it while set (the hang subcommand sets and clears
	// it), as a vault behind a broken network path does: the client waits until it gives up.
	Hung bool `json:"hung,omitempty"`
}

// SecretVersion and PEMVersion carry an optional creation time (Unix seconds): the provider orders versions by it
// for objectVersionHistory. Versions without one count as created one second after the one before.
type SecretVersion struct {
	Version     string `json:"version"`
	Value       string `json:"value"`
	ContentType string `json:"contentType,omitempty"`
	Created     int64  `json:"created,omitempty"`
	Attributes
}

type PEMVersion struct {
	Version string `json:"version"`
	PEM     string `json:"pem"`
	Created int64  `json:"created,omitempty"`
	Attributes
	// Exportable is a certificate's policy (key_props.exportable): false for a certificate whose private key may not
	// leave the vault. Absent means true, what `az keyvault certificate create` with the default policy makes.
	Exportable *bool `json:"exportable,omitempty"`
}

// Attributes are a version's own attributes as Key Vault keeps them, all optional: Enabled absent means enabled,
// Expires (exp) and NotBefore (nbf) are Unix seconds, Tags the version's tags.
type Attributes struct {
	Enabled   *bool             `json:"enabled,omitempty"`
	Expires   int64             `json:"expires,omitempty"`
	NotBefore int64             `json:"notBefore,omitempty"`
	Tags      map[string]string `json:"tags,omitempty"`
}

func (a Attributes) enabled() bool { return a.Enabled == nil || *a.Enabled }

const defaultFederatedAudience = "api://AzureADTokenExchange"

func readContent(path string) (*Content, error) {
	c := &Content{}
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return c.normalized(), nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("content file %s: %w", path, err)
	}
	return c.normalized(), nil
}

func (c *Content) normalized() *Content {
	if c.Tenants == nil {
		c.Tenants = map[string]*Tenant{}
	}
	if c.Vaults == nil {
		c.Vaults = map[string]*Vault{}
	}
	return c
}

// writeContent replaces the file atomically, so a serving stand-in never reads half a file.
func writeContent(path string, c *Content) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".keyvault-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// newVersionID returns an ID shaped like Key Vault's: 32 lowercase hex digits.
func newVersionID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// findVault looks a vault up the way DNS does: case-insensitively.
func (c *Content) findVault(name string) (string, *Vault) {
	if v, ok := c.Vaults[name]; ok {
		return name, v
	}
	for n, v := range c.Vaults {
		if strings.EqualFold(n, name) {
			return n, v
		}
	}
	return "", nil
}

// lookupName finds an object name case-insensitively, as Key Vault does.
func lookupName[T any](m map[string][]T, name string) (string, []T) {
	if v, ok := m[name]; ok {
		return name, v
	}
	for n, v := range m {
		if strings.EqualFold(n, name) {
			return n, v
		}
	}
	return "", nil
}

func (v *Vault) isReader(clientID string) bool {
	for _, r := range v.Readers {
		if strings.EqualFold(r, clientID) {
			return true
		}
	}
	return false
}

// canRead says whether a client may read a collection: it is a reader, and its collections include this one.
func (v *Vault) canRead(clientID, collection string) bool {
	if !v.isReader(clientID) {
		return false
	}
	for id, colls := range v.ReaderCollections {
		if strings.EqualFold(id, clientID) {
			return slices.Contains(colls, collection)
		}
	}
	return true
}

func (t *Tenant) hasApp(clientID string) bool {
	for _, sp := range t.ServicePrincipals {
		if strings.EqualFold(sp.ClientID, clientID) {
			return true
		}
	}
	for _, mi := range t.ManagedIdentities {
		if strings.EqualFold(mi.ClientID, clientID) {
			return true
		}
	}
	for _, fc := range t.FederatedCredentials {
		if strings.EqualFold(fc.ClientID, clientID) {
			return true
		}
	}
	return false
}
