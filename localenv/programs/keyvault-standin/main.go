// keyvault-standin is a local stand-in for Azure Key Vault, Entra ID and the instance metadata service (IMDS),
// run as the Azure Key Vault provider's HTTPS_PROXY/HTTP_PROXY. See docs/keyvault-standin.md.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: keyvault-standin serve|add|grant|revoke|remove|throttle|hang|counts [flags] (see docs/keyvault-standin.md)")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serveCommand(os.Args[2:])
	case "add":
		err = addCommand(os.Args[2:], os.Stdout)
	case "grant":
		err = grantCommand(os.Args[2:])
	case "revoke":
		err = revokeCommand(os.Args[2:])
	case "remove":
		err = removeCommand(os.Args[2:])
	case "throttle":
		err = throttleCommand(os.Args[2:])
	case "hang":
		err = hangCommand(os.Args[2:])
	case "counts":
		err = countsCommand(os.Args[2:], os.Stdout)
	default:
		err = fmt.Errorf("unknown subcommand %q (serve, add, grant, revoke, remove, throttle, hang, counts)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "keyvault-standin:", err)
		os.Exit(1)
	}
}

func required(fs *flag.FlagSet, names ...string) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var missing []string
	for _, n := range names {
		if !set[n] {
			missing = append(missing, "--"+n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: missing %s", fs.Name(), strings.Join(missing, ", "))
	}
	return nil
}

func serveCommand(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	caDir := fs.String("ca-dir", "", "directory holding the CA (ca.pem, ca-key.pem); created if missing")
	content := fs.String("content", "", "content file (JSON)")
	requestLog := fs.String("request-log", "", "request log file (one JSON line per request)")
	saKey := fs.String("service-account-key", "", "PEM public key the service-account tokens are signed with")
	pageSize := fs.Int("page-size", 25, "version list page size when the client gives no maxresults")
	managedCluster := fs.String("managed-cluster", "", "NAME=KUBECONFIG_FILE: an AKS cluster of "+armResourceGroup+" whose user credential is that kubeconfig")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := required(fs, "ca-dir", "content", "request-log"); err != nil {
		return err
	}
	s, err := newServer(serverOptions{
		caDir: *caDir, contentPath: *content, requestLog: *requestLog, serviceAccountKey: *saKey, pageSize: *pageSize,
		managedCluster: *managedCluster,
	})
	if err != nil {
		return err
	}
	return s.listenAndServe(*listen, os.Stdout)
}

func addCommand(args []string, stdout *os.File) error {
	fs := flag.NewFlagSet("add", flag.ContinueOnError)
	content := fs.String("content", "", "content file (JSON)")
	vault := fs.String("vault", "", "vault name")
	tenant := fs.String("tenant", "", "tenant of the vault, when this creates it")
	kind := fs.String("kind", "", "secret, key or certificate")
	name := fs.String("name", "", "object name")
	generate := fs.String("generate", "", "random|tls (secret), rsa|ec (key), tls|rsa|ec (certificate)")
	valueFile := fs.String("value-file", "", "read the value (PEM for key and certificate) from this file")
	contentType := fs.String("content-type", "", "content type of a secret")
	disabled := fs.Bool("disabled", false, "the new version is disabled (attributes.enabled false)")
	expires := fs.String("expires", "", "the new version's expiry (exp), RFC 3339")
	notBefore := fs.String("not-before", "", "the new version's not-before (nbf), RFC 3339")
	var tags tagFlag
	fs.Var(&tags, "tag", "a tag NAME=VALUE of the new version (repeatable)")
	notExportable := fs.Bool("not-exportable", false, "a certificate whose policy does not let its private key leave the vault")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := required(fs, "content", "vault", "kind", "name"); err != nil {
		return err
	}
	attrs := Attributes{Tags: tags.m}
	if *disabled {
		attrs.Enabled = new(bool)
	}
	for _, t := range []struct {
		flag, value string
		into        *int64
	}{{"expires", *expires, &attrs.Expires}, {"not-before", *notBefore, &attrs.NotBefore}} {
		if t.value == "" {
			continue
		}
		at, err := time.Parse(time.RFC3339, t.value)
		if err != nil {
			return fmt.Errorf("add: --%s: %w", t.flag, err)
		}
		*t.into = at.Unix()
	}
	var exportable *bool
	if *notExportable {
		if *kind != "certificate" {
			return errors.New("add: --not-exportable is for certificates only")
		}
		exportable = new(bool)
	}
	if *generate != "" && *valueFile != "" {
		return errors.New("add: give --generate or --value-file, not both")
	}
	value, ctype, err := newObjectValue(*kind, *name, *generate, *valueFile, *contentType)
	if err != nil {
		return err
	}
	c, err := readContent(*content)
	if err != nil {
		return err
	}
	if _, v := c.findVault(*vault); v == nil && *tenant == "" {
		return fmt.Errorf("add: vault %s does not exist yet: give --tenant (the tenant its challenge names)", *vault)
	}
	version := addVersionWith(c, *vault, *tenant, *kind, *name, value, ctype, time.Now(), attrs, exportable)
	if err := writeContent(*content, c); err != nil {
		return err
	}
	fmt.Fprintln(stdout, version)
	return nil
}

func newObjectValue(kind, name, generate, valueFile, contentType string) (value, ctype string, err error) {
	if valueFile != "" {
		data, err := os.ReadFile(valueFile)
		if err != nil {
			return "", "", err
		}
		value = string(data)
	}
	switch kind {
	case "secret":
		switch {
		case valueFile != "":
		case generate == "" || generate == "random":
			value = randomSecret()
		case generate == "tls":
			if value, err = selfSignedPEM(name, "rsa"); err != nil {
				return "", "", err
			}
			if contentType == "" {
				contentType = contentTypePEM
			}
		default:
			return "", "", fmt.Errorf("add: --generate %q is not for a secret (random, tls)", generate)
		}
		return value, contentType, nil
	case "key":
		if contentType != "" {
			return "", "", errors.New("add: --content-type is for secrets only")
		}
		if valueFile == "" {
			if generate == "" {
				generate = "rsa"
			}
			if generate != "rsa" && generate != "ec" {
				return "", "", fmt.Errorf("add: --generate %q is not for a key (rsa, ec)", generate)
			}
			k, err := generateKey(generate)
			if err != nil {
				return "", "", err
			}
			if value, err = privateKeyPEM(k); err != nil {
				return "", "", err
			}
		}
	case "certificate":
		if contentType != "" {
			return "", "", errors.New("add: --content-type is for secrets only")
		}
		if valueFile == "" {
			switch generate {
			case "", "tls", "rsa":
				generate = "rsa"
			case "ec":
			default:
				return "", "", fmt.Errorf("add: --generate %q is not for a certificate (tls, rsa, ec)", generate)
			}
			if value, err = selfSignedPEM(name, generate); err != nil {
				return "", "", err
			}
		}
	default:
		return "", "", fmt.Errorf("add: --kind %q: want secret, key or certificate", kind)
	}
	if err := checkObjectPEM(kind, value); err != nil {
		return "", "", fmt.Errorf("add: %s %s: %w", kind, name, err)
	}
	return value, "", nil
}

// tagFlag collects repeated --tag NAME=VALUE flags.
type tagFlag struct{ m map[string]string }

func (t *tagFlag) String() string { return fmt.Sprint(t.m) }

func (t *tagFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want NAME=VALUE, got %q", s)
	}
	if t.m == nil {
		t.m = map[string]string{}
	}
	t.m[k] = v
	return nil
}

// addVersion appends a new current version, creating the vault and the object as needed.
func addVersion(c *Content, vaultName, tenant, kind, name, value, contentType string, now time.Time) string {
	return addVersionWith(c, vaultName, tenant, kind, name, value, contentType, now, Attributes{}, nil)
}

// addVersionWith is addVersion with the version's attributes and, for a certificate, its key's exportability.
func addVersionWith(c *Content, vaultName, tenant, kind, name, value, contentType string, now time.Time, attrs Attributes, exportable *bool) string {
	_, v := c.findVault(vaultName)
	if v == nil {
		v = &Vault{TenantID: tenant, Readers: []string{}}
		c.Vaults[strings.ToLower(vaultName)] = v
	} else if v.TenantID == "" {
		v.TenantID = tenant
	}
	version := newVersionID()
	switch kind {
	case "secret":
		if v.Secrets == nil {
			v.Secrets = map[string][]SecretVersion{}
		}
		n, old := lookupName(v.Secrets, name)
		if n == "" {
			n = name
		}
		prev := int64(0)
		if len(old) > 0 {
			prev = old[len(old)-1].Created
		}
		v.Secrets[n] = append(old, SecretVersion{Version: version, Value: value, ContentType: contentType, Created: nextCreated(prev, now), Attributes: attrs})
	case "key", "certificate":
		m := &v.Keys
		if kind == "certificate" {
			m = &v.Certificates
		}
		if *m == nil {
			*m = map[string][]PEMVersion{}
		}
		n, old := lookupName(*m, name)
		if n == "" {
			n = name
		}
		prev := int64(0)
		if len(old) > 0 {
			prev = old[len(old)-1].Created
		}
		(*m)[n] = append(old, PEMVersion{Version: version, PEM: value, Created: nextCreated(prev, now), Attributes: attrs, Exportable: exportable})
	}
	return version
}

// nextCreated keeps creation times strictly increasing, so two versions added in the same second keep their order.
func nextCreated(previous int64, now time.Time) int64 {
	return max(now.Unix(), previous+1)
}

func grantCommand(args []string) error {
	fs := flag.NewFlagSet("grant", flag.ContinueOnError)
	content := fs.String("content", "", "content file (JSON)")
	tenant := fs.String("tenant", "", "tenant ID")
	sp := fs.String("service-principal", "", "service principal client ID")
	secretFile := fs.String("secret-file", "", "file holding the service principal's client secret")
	mi := fs.String("managed-identity", "", "managed identity client ID")
	fed := fs.String("federated", "", "client ID with a federated credential")
	issuer := fs.String("issuer", "", "federated credential issuer (the cluster's OIDC issuer URL)")
	subject := fs.String("subject", "", "federated credential subject (system:serviceaccount:NS:NAME)")
	audience := fs.String("audience", defaultFederatedAudience, "federated credential audience")
	vault := fs.String("vault", "", "let the identity read this vault")
	collections := fs.String("collections", "", "with --vault: only these collections (comma-separated: secrets, keys, certificates); default all")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := required(fs, "content", "tenant"); err != nil {
		return err
	}
	modes := 0
	for _, m := range []string{*sp, *mi, *fed} {
		if m != "" {
			modes++
		}
	}
	if modes != 1 {
		return errors.New("grant: give exactly one of --service-principal, --managed-identity, --federated")
	}
	g := grant{tenant: *tenant, vault: *vault}
	if *collections != "" {
		if *vault == "" {
			return errors.New("grant: --collections needs --vault")
		}
		for _, coll := range strings.Split(*collections, ",") {
			if _, ok := objectKinds[coll]; !ok {
				return fmt.Errorf("grant: --collections: %q is not secrets, keys or certificates", coll)
			}
			g.collections = append(g.collections, coll)
		}
	}
	switch {
	case *sp != "":
		if *secretFile == "" {
			return errors.New("grant: --service-principal needs --secret-file")
		}
		data, err := os.ReadFile(*secretFile)
		if err != nil {
			return err
		}
		secret := strings.TrimRight(string(data), "\r\n")
		if secret == "" {
			return fmt.Errorf("grant: %s is empty", *secretFile)
		}
		g.clientID, g.servicePrincipal = *sp, &ServicePrincipal{ClientID: *sp, ClientSecret: secret}
	case *mi != "":
		g.clientID, g.managedIdentity = *mi, &ManagedIdentity{ClientID: *mi}
	default:
		if *issuer == "" || *subject == "" {
			return errors.New("grant: --federated needs --issuer and --subject")
		}
		g.clientID, g.federated = *fed, &FederatedCredential{ClientID: *fed, Issuer: *issuer, Subject: *subject, Audience: *audience}
	}
	c, err := readContent(*content)
	if err != nil {
		return err
	}
	applyGrant(c, g)
	return writeContent(*content, c)
}

type grant struct {
	tenant, vault, clientID string
	collections             []string // nil: every collection
	servicePrincipal        *ServicePrincipal
	managedIdentity         *ManagedIdentity
	federated               *FederatedCredential
}

// applyGrant registers the identity (a service principal's secret is replaced: that is secret rotation) and adds
// it to the vault's readers.
func applyGrant(c *Content, g grant) {
	t := c.Tenants[g.tenant]
	if t == nil {
		t = &Tenant{}
		c.Tenants[g.tenant] = t
	}
	switch {
	case g.servicePrincipal != nil:
		replaced := false
		for i := range t.ServicePrincipals {
			if strings.EqualFold(t.ServicePrincipals[i].ClientID, g.clientID) {
				t.ServicePrincipals[i] = *g.servicePrincipal
				replaced = true
			}
		}
		if !replaced {
			t.ServicePrincipals = append(t.ServicePrincipals, *g.servicePrincipal)
		}
	case g.managedIdentity != nil:
		known := false
		for _, mi := range t.ManagedIdentities {
			known = known || strings.EqualFold(mi.ClientID, g.clientID)
		}
		if !known {
			t.ManagedIdentities = append(t.ManagedIdentities, *g.managedIdentity)
		}
	case g.federated != nil:
		known := false
		for _, fc := range t.FederatedCredentials {
			known = known || fc == *g.federated
		}
		if !known {
			t.FederatedCredentials = append(t.FederatedCredentials, *g.federated)
		}
	}
	if g.vault == "" {
		return
	}
	_, v := c.findVault(g.vault)
	if v == nil {
		v = &Vault{Readers: []string{}}
		c.Vaults[strings.ToLower(g.vault)] = v
	}
	if v.TenantID == "" {
		v.TenantID = g.tenant
	}
	if !v.isReader(g.clientID) {
		v.Readers = append(v.Readers, g.clientID)
	}
	for id := range v.ReaderCollections {
		if strings.EqualFold(id, g.clientID) {
			delete(v.ReaderCollections, id)
		}
	}
	if g.collections != nil {
		if v.ReaderCollections == nil {
			v.ReaderCollections = map[string][]string{}
		}
		v.ReaderCollections[g.clientID] = g.collections
	}
}
