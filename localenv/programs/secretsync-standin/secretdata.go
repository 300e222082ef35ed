package main

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// dataEntry is one of spec.secretObject.data.
type dataEntry struct {
	SourcePath string `json:"sourcePath"`
	TargetKey  string `json:"targetKey"`
}

const tlsSecretType = "kubernetes.io/tls"

// buildSecretData maps the provider's files onto the Secret's keys as the controller does (its
// secretutil.BuildKubeSecretData): paths and keys trimmed, an empty one or a missing file an error, and for a
// kubernetes.io/tls Secret only the certificates (tls.crt) or the private key (tls.key) of the file.
func buildSecretData(entries []dataEntry, secretType string, files map[string][]byte) (map[string][]byte, error) {
	data := map[string][]byte{}
	for _, entry := range entries {
		sourcePath := strings.TrimSpace(entry.SourcePath)
		key := strings.TrimSpace(entry.TargetKey)
		if sourcePath == "" {
			return data, errors.New("source path in secretObject.data is empty")
		}
		if key == "" {
			return data, errors.New("target key in secretObject.data is empty")
		}
		content, ok := files[sourcePath]
		if !ok {
			return data, fmt.Errorf("file matching sourcePath %s not found in the pod", sourcePath)
		}
		data[key] = content
		if secretType == tlsSecretType {
			part, err := certPart(content, key)
			if err != nil {
				return data, fmt.Errorf("failed to get cert data for %s: %w", key, err)
			}
			data[key] = part
		}
	}
	return data, nil
}

// errPKCS12 is where the stand-in stops short of the controller: with no PEM block in the file, the controller
// decodes it as PKCS#12 (golang.org/x/crypto/pkcs12, outside the standard library this program keeps to besides gRPC).
var errPKCS12 = errors.New("no PEM block in the object: a PKCS#12 (PFX) object is not supported by the sync stand-in")

func certPart(data []byte, key string) ([]byte, error) {
	switch key {
	case "tls.key":
		return privateKeyPart(data)
	case "tls.crt":
		return certificatesPart(data)
	}
	return nil, fmt.Errorf("key '%s' is not supported. Only 'tls.key' and 'tls.crt' are supported", key)
}

// certificatesPart is every CERTIFICATE block, in order.
func certificatesPart(data []byte) ([]byte, error) {
	var certs []byte
	for {
		block, rest := pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type == "CERTIFICATE" {
			certs = append(certs, pem.EncodeToMemory(block)...)
		}
		data = rest
	}
	if certs == nil {
		return nil, errPKCS12
	}
	return certs, nil
}

// privateKeyPart is the last block that is not a certificate, re-encoded as the controller does: an RSA key as
// PKCS#1 (RSA PRIVATE KEY), an EC key as SEC 1 (EC PRIVATE KEY); bytes it cannot parse keep the type PRIVATE KEY
// with no content, as the controller's do.
func privateKeyPart(data []byte) ([]byte, error) {
	var der []byte
	for {
		block, rest := pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			der = block.Bytes
		}
		data = rest
	}
	if der == nil {
		return nil, errPKCS12
	}
	keyType, out := "PRIVATE KEY", []byte(nil)
	if key, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		keyType, out = "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key)
	}
	if key, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		switch key := key.(type) {
		case *rsa.PrivateKey:
			keyType, out = "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key)
		case *ecdsa.PrivateKey:
			ec, err := x509.MarshalECPrivateKey(key)
			if err != nil {
				return nil, err
			}
			keyType, out = "EC PRIVATE KEY", ec
		default:
			return nil, errors.New("unknown private key type found while getting key. Only rsa and ecdsa are supported")
		}
	}
	if key, err := x509.ParseECPrivateKey(der); err == nil {
		ec, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return nil, err
		}
		keyType, out = "EC PRIVATE KEY", ec
	}
	return pem.EncodeToMemory(&pem.Block{Type: keyType, Bytes: out}), nil
}
