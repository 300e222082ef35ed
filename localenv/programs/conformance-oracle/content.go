package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/secrets-store-csi-driver-provider-azure/pkg/provider/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/kubernetes/pkg/apis/core"
	corevalidation "k8s.io/kubernetes/pkg/apis/core/validation"
	secretsstorev1 "sigs.k8s.io/secrets-store-csi-driver/apis/v1"
	"sigs.k8s.io/secrets-store-csi-driver/pkg/util/fileutil"
	"sigs.k8s.io/secrets-store-csi-driver/pkg/util/secretutil"
	"sigs.k8s.io/secrets-store-csi-driver/provider/v1alpha1"
	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// secretManagedLabel is the label the driver's secret controller adds to every Secret it creates.
const secretManagedLabel = "secrets-store.csi.k8s.io/managed"

// maxScenarios bounds the content combinations tried per case.
const maxScenarios = 64

// contentMaterial is real key material in the shapes the provider writes.
type contentMaterial struct {
	pemBundle    []byte // a certificate-backed secret: PKCS#8 key then certificate (the provider's PFX-to-PEM order)
	certificate  []byte // a cert object: the certificate only
	publicKey    []byte // a key object: the public key only
	pfxBase64    string // a certificate-backed secret in PFX format, as Key Vault returns it (base64 text)
	jsonDocument []byte // a plain secret holding a JSON document, e.g. registry credentials
}

func newContentMaterial() (contentMaterial, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return contentMaterial{}, err
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "oracle.example"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return contentMaterial{}, err
	}
	certificate, err := x509.ParseCertificate(der)
	if err != nil {
		return contentMaterial{}, err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return contentMaterial{}, err
	}
	public, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return contentMaterial{}, err
	}
	pfx, err := pkcs12.LegacyDES.Encode(key, certificate, nil, "")
	if err != nil {
		return contentMaterial{}, err
	}
	certificatePEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return contentMaterial{
		pemBundle:    append(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), certificatePEM...),
		certificate:  certificatePEM,
		publicKey:    pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: public}),
		pfxBase64:    base64.StdEncoding.EncodeToString(pfx),
		jsonDocument: []byte(`{"auths":{"registry.example":{"auth":"b3JhY2xlOm9yYWNsZQ=="}}}`),
	}, nil
}

// content is one thing the provider may write for an object, depending on what the vault holds.
type content struct {
	what string
	data []byte
}

// contents lists what the provider may write for an object (its main file), one entry per kind of vault content;
// an error when the provider fails to decode every content it could get.
func (m contentMaterial) contents(object types.KeyVaultObject) ([]content, error) {
	switch object.ObjectType {
	case types.VaultObjectTypeCertificate:
		return []content{{"certificate", m.certificate}}, nil
	case types.VaultObjectTypeKey:
		return []content{{"public key", m.publicKey}}, nil
	case types.VaultObjectTypeSecret:
	default:
		return nil, nil // the provider's own checks refuse the object; nothing is written
	}
	if !strings.EqualFold(object.ObjectFormat, types.ObjectFormatPFX) {
		// A plain secret holds any value (in the declared encoding), a certificate-backed one a PEM bundle.
		return []content{{"PEM key and certificate", m.pemBundle}, {"JSON document", m.jsonDocument}}, nil
	}
	// objectFormat pfx: a certificate-backed secret, returned as base64 PFX text, then decoded per objectEncoding.
	switch {
	case strings.EqualFold(object.ObjectEncoding, types.ObjectEncodingBase64):
		raw, err := base64.StdEncoding.DecodeString(m.pfxBase64)
		return []content{{"PFX", raw}}, err
	case strings.EqualFold(object.ObjectEncoding, types.ObjectEncodingHex):
		_, err := hex.DecodeString(m.pfxBase64)
		return nil, fmt.Errorf("objectEncoding hex of PFX content (base64 text from Key Vault): %w", err)
	default:
		return []content{{"PFX as base64 text", []byte(m.pfxBase64)}}, nil
	}
}

// objectPaths are the files the provider returns for an object: its file name, or with version history
// `<name>/<k>` for k = 0..objectVersionHistory when the vault holds that many versions (see docs/conformance.md).
// Only the indices that can matter are materialized: the first three, the last, and any another path refers to.
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

// writeAndSync writes the provider's files with the driver's writer and syncs every secretObject, for each
// combination of object contents until one passes. It returns that combination's files, or the first
// combination's files and failures when none passes.
func writeAndSync(material contentMaterial, reading Reading, spc *secretsstorev1.SecretProviderClass) ([]string, []Failure) {
	var objects []types.KeyVaultObject
	var choices [][]content
	var failures []Failure
	references := []string{}
	for _, secret := range spc.Spec.SecretObjects {
		for _, data := range secret.Data {
			if data != nil {
				references = append(references, strings.TrimSpace(data.ObjectName))
			}
		}
	}
	for index, object := range reading.Objects {
		if object.Error != "" {
			continue
		}
		options, err := material.contents(object.KeyVaultObject)
		if err != nil {
			failures = append(failures, Failure{Stage: fmt.Sprintf("provider: content of objects[%d]", index), Error: err.Error()})
		}
		if len(options) == 0 {
			continue
		}
		objects = append(objects, object.KeyVaultObject)
		choices = append(choices, options)
		references = append(references, object.GetFileName())
	}
	var firstFiles []string
	var firstFailures []Failure
	for scenario := 0; scenario < maxScenarios; scenario++ {
		picks, ok := pick(choices, scenario)
		if !ok {
			break
		}
		files, scenarioFailures := writeScenario(objects, picks, references, spc)
		if len(scenarioFailures) == 0 {
			return files, failures
		}
		if scenario == 0 {
			firstFiles, firstFailures = files, scenarioFailures
		}
	}
	return firstFiles, append(failures, firstFailures...)
}

// pick is the scenario-th combination of contents (mixed radix), or false past the last one.
func pick(choices [][]content, scenario int) ([]content, bool) {
	picks := make([]content, len(choices))
	for index, options := range choices {
		picks[index] = options[scenario%len(options)]
		scenario /= len(options)
	}
	return picks, scenario == 0
}

func writeScenario(objects []types.KeyVaultObject, picks []content, references []string, spc *secretsstorev1.SecretProviderClass) ([]string, []Failure) {
	dir, err := os.MkdirTemp("", "oracle-mount-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	redact := func(err error) string { return strings.ReplaceAll(err.Error(), dir, "<mount>") }
	var payload []*v1alpha1.File
	var paths []string
	for index, object := range objects {
		// The provider ignores an invalid filePermission here (mode 0), as it does.
		mode, _ := object.GetFilePermission(0o644)
		for _, path := range objectPaths(object, references) {
			payload = append(payload, &v1alpha1.File{Path: path, Mode: mode, Contents: picks[index].data})
			paths = append(paths, path)
		}
	}
	if err := fileutil.WritePayloads(dir, payload); err != nil {
		return paths, []Failure{{Stage: "driver: write files", Error: redact(err)}}
	}
	files, err := fileutil.GetMountedFiles(dir)
	if err != nil {
		return paths, []Failure{{Stage: "driver: read mounted files", Error: redact(err)}}
	}
	var failures []Failure
	for index, secret := range spc.Spec.SecretObjects {
		stage := fmt.Sprintf("secretObjects[%d]", index)
		if err := secretutil.ValidateSecretObject(*secret); err != nil {
			failures = append(failures, Failure{Stage: "driver: " + stage, Error: err.Error()})
			continue
		}
		secretType := secretutil.GetSecretType(strings.TrimSpace(secret.Type))
		data, err := secretutil.GetSecretData(secret.Data, secretType, files)
		if err != nil {
			failures = append(failures, Failure{Stage: "driver: " + stage + " data", Error: redact(err)})
			continue
		}
		labels := map[string]string{}
		for key, value := range secret.Labels {
			labels[key] = value
		}
		labels[secretManagedLabel] = "true"
		created := &core.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: strings.TrimSpace(secret.SecretName), Namespace: spc.Namespace, Labels: labels, Annotations: secret.Annotations},
			Data:       data,
			Type:       core.SecretType(secretType),
		}
		if errs := corevalidation.ValidateSecret(created); len(errs) > 0 {
			failures = append(failures, Failure{Stage: "apiserver: Secret of " + stage, Error: errs.ToAggregate().Error()})
		}
	}
	return paths, failures
}
