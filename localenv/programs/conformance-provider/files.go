package main

import (
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/Azure/secrets-store-csi-driver-provider-azure/pkg/provider/types"
)

// What a file may hold, depending on what the vault holds; the oracle's driver half turns each into real material
// of that shape (its content.go).
const (
	contentCertificate = "certificate"             // a cert object: the certificate only
	contentPublicKey   = "public key"              // a key object: the public key only
	contentPEMBundle   = "PEM key and certificate" // a certificate-backed secret: key then certificate
	contentJSON        = "JSON document"           // a plain secret holding a JSON document
	contentPFXText     = "PFX as base64 text"      // a certificate-backed secret in PFX format, as Key Vault returns it
	contentPFXBase64   = "PFX decoded from base64" // the same, decoded per objectEncoding base64
	contentPFXHex      = "PFX decoded from hex"    // the same, decoded per objectEncoding hex (it cannot be)
)

// PlannedObject is what the provider would write for one object: its files, their mode and what they may hold.
type PlannedObject struct {
	Index    int      `json:"index"` // in the objects array
	Paths    []string `json:"paths"`
	Mode     int32    `json:"mode"`
	Contents []string `json:"contents"`
}

// contentKinds lists what the provider may write for an object (its main file), one entry per kind of vault
// content; none for an object the provider's own checks refuse.
func contentKinds(object types.KeyVaultObject) []string {
	switch object.ObjectType {
	case types.VaultObjectTypeCertificate:
		return []string{contentCertificate}
	case types.VaultObjectTypeKey:
		return []string{contentPublicKey}
	case types.VaultObjectTypeSecret:
	default:
		return nil
	}
	if !strings.EqualFold(object.ObjectFormat, types.ObjectFormatPFX) {
		// A plain secret holds any value (in the declared encoding), a certificate-backed one a PEM bundle.
		return []string{contentPEMBundle, contentJSON}
	}
	// objectFormat pfx: a certificate-backed secret, returned as base64 PFX text, then decoded per objectEncoding.
	switch {
	case strings.EqualFold(object.ObjectEncoding, types.ObjectEncodingBase64):
		return []string{contentPFXBase64}
	case strings.EqualFold(object.ObjectEncoding, types.ObjectEncodingHex):
		return []string{contentPFXHex}
	default:
		return []string{contentPFXText}
	}
}

// planObject is the provider's files for an object: its file name, or with version history `<name>/<k>` for
// k = 0..objectVersionHistory when the vault holds that many versions (see docs/conformance.md). Only the indices
// that can matter are planned: the first three, the last, and any another path refers to.
func planObject(index int, object types.KeyVaultObject, contents, references []string) PlannedObject {
	// The provider ignores an invalid filePermission here (mode 0), as it does.
	mode, _ := object.GetFilePermission(0o644)
	return PlannedObject{Index: index, Paths: objectPaths(object, references), Mode: mode, Contents: contents}
}

func objectPaths(object types.KeyVaultObject, references []string) []string {
	name := object.GetFileName()
	if object.IsSyncingSingleVersion() {
		return []string{name}
	}
	last := int(object.ObjectVersionHistory)
	indices := map[int]bool{last: true}
	for index := 0; index <= last && index < 3; index++ {
		indices[index] = true
	}
	prefix := filepath.Clean(name) + "/"
	if prefix == "./" {
		prefix = ""
	}
	for _, reference := range references {
		rest, found := strings.CutPrefix(filepath.Clean(reference), prefix)
		segment, _, _ := strings.Cut(rest, "/")
		if index, err := strconv.Atoi(segment); found && err == nil && index >= 0 && index <= last && strconv.Itoa(index) == segment {
			indices[index] = true
		}
	}
	sorted := make([]int, 0, len(indices))
	for index := range indices {
		sorted = append(sorted, index)
	}
	sort.Ints(sorted)
	paths := make([]string, 0, len(sorted))
	for _, index := range sorted {
		paths = append(paths, filepath.Join(name, strconv.Itoa(index)))
	}
	return paths
}
