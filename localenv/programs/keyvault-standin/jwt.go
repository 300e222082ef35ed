package main

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// accessClaims are the claims of the access tokens the stand-in issues, the ones Key Vault looks at.
type accessClaims struct {
	Audience string `json:"aud"`
	Issuer   string `json:"iss"`
	TenantID string `json:"tid"`
	AppID    string `json:"appid"`
	ObjectID string `json:"oid"`
	Subject  string `json:"sub"`
	IDType   string `json:"idtyp"`
	IssuedAt int64  `json:"iat"`
	NotBef   int64  `json:"nbf"`
	Expires  int64  `json:"exp"`
}

var jwtEncoding = base64.RawURLEncoding

// tokenIssuer signs access tokens with an HMAC key kept next to the CA (loadOrCreateTokenKey): Entra ID's signing
// keys outlive a Key Vault outage, so tokens minted before a stand-in restart must still be honoured after it, or
// an outage test would measure a token cache the clients never had to drop in Azure.
type tokenIssuer struct {
	key []byte
	now func() time.Time
}

// loadOrCreateTokenKey reuses DIR/token-key (32 bytes, hex) or creates it with mode 0600: whoever reads it can
// forge tokens for every identity of the content.
func loadOrCreateTokenKey(dir string) ([]byte, error) {
	path := filepath.Join(dir, "token-key")
	raw, err := os.ReadFile(path)
	if err == nil {
		key, err := hex.DecodeString(strings.TrimSpace(string(raw)))
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("%s is not 32 hex-encoded bytes", path)
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	// O_EXCL: two stand-ins started on one directory at once must not each keep a different key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return loadOrCreateTokenKey(dir)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	return key, f.Close()
}

func (ti *tokenIssuer) mint(c accessClaims) (string, error) {
	header := jwtEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	body, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	signingInput := header + "." + jwtEncoding.EncodeToString(body)
	mac := hmac.New(sha256.New, ti.key)
	mac.Write([]byte(signingInput))
	return signingInput + "." + jwtEncoding.EncodeToString(mac.Sum(nil)), nil
}

var (
	errTokenMalformed = errors.New("the token is malformed")
	errTokenSignature = errors.New("the token's signature is invalid")
	errTokenExpired   = errors.New("the token is expired")
)

func (ti *tokenIssuer) verify(token string) (accessClaims, error) {
	var c accessClaims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c, errTokenMalformed
	}
	mac := hmac.New(sha256.New, ti.key)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := jwtEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return c, errTokenSignature
	}
	body, err := jwtEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(body, &c) != nil {
		return c, errTokenMalformed
	}
	now := ti.now().Unix()
	if now >= c.Expires || now < c.NotBef-300 {
		return c, errTokenExpired
	}
	return c, nil
}

// assertionClaims are the claims of a Kubernetes service-account token used as a client assertion.
type assertionClaims struct {
	Issuer    string   `json:"iss"`
	Subject   string   `json:"sub"`
	Audiences []string `json:"-"`
	Expires   int64    `json:"exp"`
	NotBefore int64    `json:"nbf"`
}

// parseAssertion decodes a JWT's header and claims; the audience may be a string or a list (RFC 7519 4.1.3).
func parseAssertion(token string) (alg string, c assertionClaims, signingInput string, sig []byte, err error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", c, "", nil, errTokenMalformed
	}
	var header struct {
		Alg string `json:"alg"`
	}
	hb, err1 := jwtEncoding.DecodeString(parts[0])
	cb, err2 := jwtEncoding.DecodeString(parts[1])
	sig, err3 := jwtEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(hb, &header) != nil || json.Unmarshal(cb, &c) != nil {
		return "", c, "", nil, errTokenMalformed
	}
	var aud struct {
		Aud json.RawMessage `json:"aud"`
	}
	_ = json.Unmarshal(cb, &aud)
	var one string
	if json.Unmarshal(aud.Aud, &one) == nil {
		c.Audiences = []string{one}
	} else {
		_ = json.Unmarshal(aud.Aud, &c.Audiences)
	}
	return header.Alg, c, parts[0] + "." + parts[1], sig, nil
}

func verifyRS256(pub *rsa.PublicKey, signingInput string, sig []byte) error {
	sum := sha256.Sum256([]byte(signingInput))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		return errTokenSignature
	}
	return nil
}

func readRSAPublicKey(path string) (*rsa.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%s: no PEM block", path)
	}
	var key any
	switch block.Type {
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			key = cert.PublicKey
		}
	default:
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	pub, ok := key.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an RSA public key (Kubernetes signs service-account tokens with RS256)", path)
	}
	return pub, nil
}
