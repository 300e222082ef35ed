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
	"strings"
	"time"

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

// content is the material of one kind the provider half names (its files.go), or the provider's error when the
// provider cannot decode what the vault returns in the object's encoding.
func (m contentMaterial) content(kind string) ([]byte, error) {
	switch kind {
	case "certificate":
		return m.certificate, nil
	case "public key":
		return m.publicKey, nil
	case "PEM key and certificate":
		return m.pemBundle, nil
	case "JSON document":
		return m.jsonDocument, nil
	case "PFX as base64 text":
		return []byte(m.pfxBase64), nil
	case "PFX decoded from base64":
		return base64.StdEncoding.DecodeString(m.pfxBase64)
	case "PFX decoded from hex":
		_, err := hex.DecodeString(m.pfxBase64)
		return nil, fmt.Errorf("objectEncoding hex of PFX content (base64 text from Key Vault): %w", err)
	}
	return nil, fmt.Errorf("the provider half names content %q, which the driver half does not know", kind)
}

// writeAndSync writes the provider's files with the driver's writer and syncs every secretObject, for each
// combination of object contents until one passes. It returns that combination's files, or the first
// combination's files and failures when none passes.
func writeAndSync(material contentMaterial, planned []plannedObject, spc *secretsstorev1.SecretProviderClass) ([]string, []Failure) {
	var objects []plannedObject
	var choices [][]content
	var failures []Failure
	for _, object := range planned {
		var options []content
		for _, kind := range object.Contents {
			data, err := material.content(kind)
			if err != nil {
				failures = append(failures, Failure{Stage: fmt.Sprintf("provider: content of objects[%d]", object.Index), Error: err.Error()})
				continue
			}
			options = append(options, content{kind, data})
		}
		if len(options) > 0 {
			objects = append(objects, object)
			choices = append(choices, options)
		}
	}
	var firstFiles []string
	var firstFailures []Failure
	for scenario := 0; scenario < maxScenarios; scenario++ {
		picks, ok := pick(choices, scenario)
		if !ok {
			break
		}
		files, scenarioFailures := writeScenario(objects, picks, spc)
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

func writeScenario(objects []plannedObject, picks []content, spc *secretsstorev1.SecretProviderClass) ([]string, []Failure) {
	dir, err := os.MkdirTemp("", "oracle-mount-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	redact := func(err error) string { return strings.ReplaceAll(err.Error(), dir, "<mount>") }
	var payload []*v1alpha1.File
	var paths []string
	for index, object := range objects {
		for _, path := range object.Paths {
			payload = append(payload, &v1alpha1.File{Path: path, Mode: object.Mode, Contents: picks[index].data})
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
