package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

func selfSigned(t *testing.T, key any, public any) []byte {
	t.Helper()
	template := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "t"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, template, template, public, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestBuildSecretDataMapsFilesToKeys(t *testing.T) {
	files := map[string][]byte{"smtp-password": []byte("a"), "dockerconfig": []byte("{}")}
	data, err := buildSecretData([]dataEntry{{SourcePath: " smtp-password ", TargetKey: "smtp-password"}, {SourcePath: "dockerconfig", TargetKey: ".dockerconfigjson"}}, "Opaque", files)
	if err != nil || string(data["smtp-password"]) != "a" || string(data[".dockerconfigjson"]) != "{}" || len(data) != 2 {
		t.Fatalf("data %v, err %v", data, err)
	}
	for _, c := range []struct {
		entry dataEntry
		want  string
	}{
		{dataEntry{SourcePath: "", TargetKey: "k"}, "source path in secretObject.data is empty"},
		{dataEntry{SourcePath: "smtp-password", TargetKey: " "}, "target key in secretObject.data is empty"},
		{dataEntry{SourcePath: "nope", TargetKey: "k"}, "file matching sourcePath nope not found in the pod"},
	} {
		if _, err := buildSecretData([]dataEntry{c.entry}, "Opaque", files); err == nil || err.Error() != c.want {
			t.Errorf("%v: %v, want %q", c.entry, err, c.want)
		}
	}
}

// A TLS Secret gets the certificates as tls.crt and the key as tls.key, a PKCS#8 key re-encoded as the controller
// does: RSA as PKCS#1, EC as SEC 1.
func TestBuildSecretDataSplitsTLSObjects(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for name, c := range map[string]struct {
		key     any
		public  any
		keyType string
	}{"rsa": {rsaKey, &rsaKey.PublicKey, "RSA PRIVATE KEY"}, "ec": {ecKey, &ecKey.PublicKey, "EC PRIVATE KEY"}} {
		pkcs8, _ := x509.MarshalPKCS8PrivateKey(c.key)
		cert := selfSigned(t, c.key, c.public)
		object := append(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), cert...)
		data, err := buildSecretData([]dataEntry{{SourcePath: "tls", TargetKey: "tls.key"}, {SourcePath: "tls", TargetKey: "tls.crt"}}, "kubernetes.io/tls", map[string][]byte{"tls": object})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if string(data["tls.crt"]) != string(cert) {
			t.Errorf("%s: tls.crt is not the certificate", name)
		}
		block, rest := pem.Decode(data["tls.key"])
		if block == nil || block.Type != c.keyType || len(rest) != 0 {
			t.Fatalf("%s: tls.key %q", name, data["tls.key"])
		}
		if _, err := buildSecretData([]dataEntry{{SourcePath: "tls", TargetKey: "ca.crt"}}, "kubernetes.io/tls", map[string][]byte{"tls": object}); err == nil ||
			!strings.Contains(err.Error(), "Only 'tls.key' and 'tls.crt' are supported") {
			t.Errorf("%s: another key in a TLS Secret: %v", name, err)
		}
	}
	if _, err := buildSecretData([]dataEntry{{SourcePath: "p", TargetKey: "tls.crt"}}, "kubernetes.io/tls", map[string][]byte{"p": []byte("not pem")}); err == nil {
		t.Errorf("an object without PEM was accepted")
	}
}
