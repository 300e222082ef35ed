package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"
)

const (
	contentTypePEM = "application/x-pem-file"
	pemCertificate = "CERTIFICATE"
)

// randomSecret is 32 random bytes, URL-safe base64: printable, so it survives every objectEncoding test.
func randomSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func generateKey(kind string) (crypto.Signer, error) {
	switch kind {
	case "rsa", "tls":
		return rsa.GenerateKey(rand.Reader, 2048)
	case "ec":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	return nil, fmt.Errorf("unknown key kind %q (rsa, ec)", kind)
}

func privateKeyPEM(key crypto.Signer) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// selfSignedPEM returns a private key followed by a self-signed certificate for commonName, the order Key Vault
// uses for a PEM certificate's backing secret.
func selfSignedPEM(commonName, keyKind string) (string, error) {
	key, err := generateKey(keyKind)
	if err != nil {
		return "", err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return "", err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName},
		DNSNames:              []string{commonName},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return "", err
	}
	keyPEM, err := privateKeyPEM(key)
	if err != nil {
		return "", err
	}
	return keyPEM + string(pem.EncodeToMemory(&pem.Block{Type: pemCertificate, Bytes: der})), nil
}

// pemParts splits a PEM bundle into its first certificate (DER), all certificates, and its key (public half).
type pemParts struct {
	leaf      []byte
	publicKey crypto.PublicKey
	hasKey    bool
}

func parsePEMBundle(data string) (pemParts, error) {
	var p pemParts
	rest := []byte(data)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		switch block.Type {
		case pemCertificate:
			if p.leaf == nil {
				p.leaf = block.Bytes
			}
		case "PUBLIC KEY":
			k, err := x509.ParsePKIXPublicKey(block.Bytes)
			if err != nil {
				return p, fmt.Errorf("PUBLIC KEY block: %w", err)
			}
			p.publicKey = k
		default:
			k, err := parsePrivateKeyDER(block.Bytes)
			if err != nil {
				return p, fmt.Errorf("%s block: %w", block.Type, err)
			}
			p.publicKey = k.Public()
			p.hasKey = true
		}
	}
	if p.publicKey == nil && p.leaf != nil {
		cert, err := x509.ParseCertificate(p.leaf)
		if err != nil {
			return p, err
		}
		p.publicKey = cert.PublicKey
	}
	return p, nil
}

func parsePrivateKeyDER(der []byte) (crypto.Signer, error) {
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		if s, ok := k.(crypto.Signer); ok {
			return s, nil
		}
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, nil
	}
	return nil, errors.New("not a PKCS#8, PKCS#1 or EC private key")
}

// checkObjectPEM refuses a key or certificate the stand-in could not serve, at add time rather than at mount time.
func checkObjectPEM(kind, data string) error {
	p, err := parsePEMBundle(data)
	if err != nil {
		return err
	}
	switch kind {
	case "key":
		if p.publicKey == nil {
			return errors.New("a key needs a PEM private or public key")
		}
		_, err := jwkOf(p.publicKey)
		return err
	case "certificate":
		if p.leaf == nil || !p.hasKey {
			return errors.New("a certificate needs a PEM CERTIFICATE block and its private key (Key Vault imports both)")
		}
	}
	return nil
}
