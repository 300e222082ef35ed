package main

import (
	"flag"
	"fmt"
	"strings"
)

// The fault subcommands take away what grant and add give, so that a test can break a mount the way Azure breaks
// it (a role removed, an object deleted, the vault throttling) and repair it again.

// revokeCommand removes a client ID from a vault's readers (a role assignment deleted); the identity stays known
// to Entra ID, so it still gets tokens and Key Vault answers 403.
func revokeCommand(args []string) error {
	fs := flag.NewFlagSet("revoke", flag.ContinueOnError)
	content := fs.String("content", "", "content file (JSON)")
	vault := fs.String("vault", "", "vault name")
	clientID := fs.String("client-id", "", "client ID to remove from the vault's readers")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := required(fs, "content", "vault", "client-id"); err != nil {
		return err
	}
	c, err := readContent(*content)
	if err != nil {
		return err
	}
	if err := applyRevoke(c, *vault, *clientID); err != nil {
		return err
	}
	return writeContent(*content, c)
}

func applyRevoke(c *Content, vaultName, clientID string) error {
	_, v := c.findVault(vaultName)
	if v == nil {
		return fmt.Errorf("revoke: no vault %q", vaultName)
	}
	kept := []string{}
	for _, r := range v.Readers {
		if !strings.EqualFold(r, clientID) {
			kept = append(kept, r)
		}
	}
	if len(kept) == len(v.Readers) {
		return fmt.Errorf("revoke: %s is not a reader of %s", clientID, vaultName)
	}
	v.Readers = kept
	for id := range v.ReaderCollections {
		if strings.EqualFold(id, clientID) {
			delete(v.ReaderCollections, id)
		}
	}
	return nil
}

// removeCommand deletes an object with all its versions (Key Vault's delete, without soft delete).
func removeCommand(args []string) error {
	fs := flag.NewFlagSet("remove", flag.ContinueOnError)
	content := fs.String("content", "", "content file (JSON)")
	vault := fs.String("vault", "", "vault name")
	kind := fs.String("kind", "secret", "secret, key or certificate")
	name := fs.String("name", "", "object name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := required(fs, "content", "vault", "name"); err != nil {
		return err
	}
	c, err := readContent(*content)
	if err != nil {
		return err
	}
	if err := applyRemove(c, *vault, *kind, *name); err != nil {
		return err
	}
	return writeContent(*content, c)
}

func applyRemove(c *Content, vaultName, kind, name string) error {
	_, v := c.findVault(vaultName)
	if v == nil {
		return fmt.Errorf("remove: no vault %q", vaultName)
	}
	var found string
	switch kind {
	case "secret":
		found, _ = lookupName(v.Secrets, name)
		delete(v.Secrets, found)
	case "key":
		found, _ = lookupName(v.Keys, name)
		delete(v.Keys, found)
	case "certificate":
		found, _ = lookupName(v.Certificates, name)
		delete(v.Certificates, found)
	default:
		return fmt.Errorf("remove: --kind %q is not secret, key or certificate", kind)
	}
	if found == "" {
		return fmt.Errorf("remove: no %s %q in %s", kind, name, vaultName)
	}
	return nil
}

// throttleCommand makes the vault answer every request with 429 (--off: serve again).
func throttleCommand(args []string) error {
	return vaultFaultCommand("throttle", args, func(v *Vault, on bool) { v.Throttled = on })
}

// hangCommand makes the vault hold every request without an answer (--off: answer again, held requests included).
func hangCommand(args []string) error {
	return vaultFaultCommand("hang", args, func(v *Vault, on bool) { v.Hung = on })
}

// vaultFaultCommand sets (or with --off clears) one fault of a vault in the content file.
func vaultFaultCommand(name string, args []string, set func(v *Vault, on bool)) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	content := fs.String("content", "", "content file (JSON)")
	vault := fs.String("vault", "", "vault name")
	off := fs.Bool("off", false, "serve normally again")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := required(fs, "content", "vault"); err != nil {
		return err
	}
	c, err := readContent(*content)
	if err != nil {
		return err
	}
	_, v := c.findVault(*vault)
	if v == nil {
		return fmt.Errorf("%s: no vault %q", name, *vault)
	}
	set(v, !*off)
	return writeContent(*content, c)
}
