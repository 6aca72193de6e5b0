package clerktest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
)

// Defaults used by the claims builders and test keys. Together they describe a
// development instance whose Frontend API is DefaultFrontendAPI:
//
//	clerk.Options{
//		PublishableKey:    clerktest.PublishableKey(clerktest.DefaultFrontendAPI),
//		AuthorizedParties: []string{clerktest.DefaultAuthorizedParty},
//	}
const (
	// DefaultFrontendAPI is the Frontend API host of the test instance.
	DefaultFrontendAPI = "clerk.example.com"
	// DefaultIssuer is the iss claim of minted session tokens: the
	// Frontend API URL, as in Clerk's tokens.
	DefaultIssuer = "https://" + DefaultFrontendAPI
	// DefaultAuthorizedParty is the azp claim of minted session tokens: the
	// origin of the application that requested the token.
	DefaultAuthorizedParty = "http://localhost:3000"
)

// Key is an RSA signing key with a key ID, standing in for the key of a Clerk
// instance. It signs tokens ([Key.Sign]) and publishes its public half as a
// JWK ([Key.JWK]), as a PEM ([Key.PublicKeyPEM], for Options.JWTKey) or
// through a [JWKSServer].
//
// A Key is immutable and safe for concurrent use. Generating one takes tens
// of milliseconds, so tests should share keys rather than make one per test.
type Key struct {
	kid  string
	priv *rsa.PrivateKey
}

// NewKey generates a 2048-bit RSA key (the size Clerk uses) with a random key
// ID in the style of Clerk's instance IDs ("ins_" followed by 27 letters and
// digits).
func NewKey() (*Key, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("clerktest: generating RSA key: %w", err)
	}
	return &Key{kid: NewID("ins_"), priv: priv}, nil
}

// MustNewKey is like [NewKey] but panics on error.
func MustNewKey() *Key {
	k, err := NewKey()
	if err != nil {
		panic(err)
	}
	return k
}

// NewKeyFromRSA wraps an existing RSA private key, for example one loaded
// from a file to avoid generating keys in every test run. An empty kid gets a
// random instance-style ID.
func NewKeyFromRSA(priv *rsa.PrivateKey, kid string) (*Key, error) {
	if priv == nil || priv.N == nil {
		return nil, errors.New("clerktest: NewKeyFromRSA: nil RSA key")
	}
	if err := priv.Validate(); err != nil {
		return nil, fmt.Errorf("clerktest: NewKeyFromRSA: %w", err)
	}
	if kid == "" {
		kid = NewID("ins_")
	}
	return &Key{kid: kid, priv: priv}, nil
}

// KID returns the key ID, which [Key.Sign] puts in the kid header and the
// JWKS publishes.
func (k *Key) KID() string { return k.kid }

// WithKID returns a copy of k that has the key ID kid and the same RSA key. It
// is a cheap way to get "another" key for rotation and kid-mismatch tests.
func (k *Key) WithKID(kid string) *Key { return &Key{kid: kid, priv: k.priv} }

// Private returns the RSA private key. Callers must not modify it.
func (k *Key) Private() *rsa.PrivateKey { return k.priv }

// Public returns the RSA public key.
func (k *Key) Public() *rsa.PublicKey { return &k.priv.PublicKey }

// PublicKeyPEM returns the public key as a PEM "PUBLIC KEY" block (PKIX,
// SubjectPublicKeyInfo), the form of the dashboard's "JWKS public key" that
// Clerk's jwtKey option and CLERK_JWT_KEY take.
func (k *Key) PublicKeyPEM() string {
	der, err := x509.MarshalPKIXPublicKey(&k.priv.PublicKey)
	if err != nil {
		// An *rsa.PublicKey always marshals.
		panic("clerktest: marshalling RSA public key: " + err.Error())
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// JWK returns the public key as Clerk's JWKS endpoint publishes it.
func (k *Key) JWK() JWK {
	pub := &k.priv.PublicKey
	return JWK{
		Use: "sig",
		Kty: "RSA",
		KID: k.kid,
		Alg: "RS256",
		N:   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		E:   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}
}

// PublishableKey returns a development publishable key ("pk_test_...") for
// the instance whose Frontend API host is frontendAPIHost, encoded as Clerk
// encodes its keys. For example PublishableKey("clerk.example.com").
func PublishableKey(frontendAPIHost string) string {
	return "pk_test_" + base64.RawStdEncoding.EncodeToString([]byte(frontendAPIHost+"$"))
}

// LivePublishableKey is like [PublishableKey] for a production instance
// ("pk_live_...").
func LivePublishableKey(frontendAPIHost string) string {
	return "pk_live_" + base64.RawStdEncoding.EncodeToString([]byte(frontendAPIHost+"$"))
}

// SecretKey returns a new random development secret key ("sk_test_" and 40
// letters and digits). It has the shape of a Clerk secret key but is not one:
// it only opens a [JWKSServer] or another fake of this package.
func SecretKey() string { return "sk_test_" + randomAlnum(40) }

// NewID returns prefix followed by 27 random letters and digits, the shape of
// Clerk's object IDs: NewID("user_"), NewID("sess_"), NewID("org_"),
// NewID("mch_").
func NewID(prefix string) string { return prefix + randomAlnum(27) }

const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// randomAlnum returns n characters drawn uniformly from alnum.
func randomAlnum(n int) string {
	b := make([]byte, n)
	var buf [64]byte
	for i := 0; i < n; {
		rand.Read(buf[:]) // never fails (crypto/rand)
		for _, c := range buf {
			// 248 = 4*62: reject the top values to stay uniform.
			if c < 248 && i < n {
				b[i] = alnum[int(c)%len(alnum)]
				i++
			}
		}
	}
	return string(b)
}
