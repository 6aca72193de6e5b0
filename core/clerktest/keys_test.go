package clerktest

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// Generating RSA keys is slow: the tests share two.
var (
	sharedKey      = sync.OnceValue(MustNewKey)
	sharedOtherKey = sync.OnceValue(MustNewKey)
)

var instanceIDPattern = regexp.MustCompile(`^ins_[0-9A-Za-z]{27}$`)

func TestNewKeyIsRSA2048WithInstanceStyleKID(t *testing.T) {
	t.Parallel()
	k := sharedKey()
	if got := k.Private().N.BitLen(); got != 2048 {
		t.Errorf("modulus is %d bits, want 2048", got)
	}
	if k.Public().E != 65537 {
		t.Errorf("exponent %d, want 65537", k.Public().E)
	}
	if !instanceIDPattern.MatchString(k.KID()) {
		t.Errorf("KID %q does not look like a Clerk instance ID", k.KID())
	}
	if other := sharedOtherKey(); other.KID() == k.KID() || other.Private().N.Cmp(k.Private().N) == 0 {
		t.Error("two generated keys are equal")
	}
}

func TestKeyWithKIDSharesTheRSAKey(t *testing.T) {
	t.Parallel()
	k := sharedKey()
	k2 := k.WithKID("ins_rotated")
	if k2.KID() != "ins_rotated" || k.KID() == "ins_rotated" {
		t.Errorf("WithKID: got %q, original now %q", k2.KID(), k.KID())
	}
	if k2.Private() != k.Private() {
		t.Error("WithKID changed the RSA key")
	}
}

func TestNewKeyFromRSA(t *testing.T) {
	t.Parallel()
	if _, err := NewKeyFromRSA(nil, "x"); err == nil {
		t.Error("NewKeyFromRSA(nil) succeeded")
	}
	if _, err := NewKeyFromRSA(&rsa.PrivateKey{}, "x"); err == nil {
		t.Error("NewKeyFromRSA(empty key) succeeded")
	}
	broken := *sharedKey().Private()
	broken.D = big.NewInt(3)
	if _, err := NewKeyFromRSA(&broken, "x"); err == nil {
		t.Error("NewKeyFromRSA(inconsistent key) succeeded")
	}
	k, err := NewKeyFromRSA(sharedKey().Private(), "")
	if err != nil {
		t.Fatal(err)
	}
	if !instanceIDPattern.MatchString(k.KID()) {
		t.Errorf("empty kid became %q, want a random instance ID", k.KID())
	}
	k, err = NewKeyFromRSA(sharedKey().Private(), "my-kid")
	if err != nil || k.KID() != "my-kid" {
		t.Errorf("NewKeyFromRSA(.., my-kid) = %v, %v", k, err)
	}
}

func TestPublicKeyPEMIsSPKI(t *testing.T) {
	t.Parallel()
	k := sharedKey()
	s := k.PublicKeyPEM()
	block, rest := pem.Decode([]byte(s))
	if block == nil || block.Type != "PUBLIC KEY" || len(rest) != 0 {
		t.Fatalf("not a single PUBLIC KEY block: %q", s)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !k.Public().Equal(pub) {
		t.Error("PEM holds another key")
	}
	// Clerk's own PEM loader strips this fixed 2048-bit SPKI prefix (spec §2.4).
	if body := strings.Join(strings.Split(strings.TrimSpace(s), "\n")[1:], ""); !strings.HasPrefix(body, "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA") {
		t.Errorf("PEM body does not start with Clerk's SPKI prefix: %q", body)
	}
}

func TestJWKRoundTripsToThePublicKey(t *testing.T) {
	t.Parallel()
	k := sharedKey()
	j := k.JWK()
	if j.Use != "sig" || j.Kty != "RSA" || j.Alg != "RS256" || j.KID != k.KID() || j.E != "AQAB" {
		t.Errorf("JWK = %+v", j)
	}
	n, err := base64.RawURLEncoding.DecodeString(j.N)
	if err != nil {
		t.Fatal(err)
	}
	if new(big.Int).SetBytes(n).Cmp(k.Public().N) != 0 {
		t.Error("n is not the modulus")
	}
	if n[0] == 0 {
		t.Error("n has a leading zero byte")
	}
}

func TestTestKeys(t *testing.T) {
	t.Parallel()
	if got, want := PublishableKey("clerk.clerk.dev"), "pk_test_Y2xlcmsuY2xlcmsuZGV2JA"; got != want {
		t.Errorf("PublishableKey = %q, want %q", got, want)
	}
	if got, want := LivePublishableKey("clerk.clerk.dev"), "pk_live_Y2xlcmsuY2xlcmsuZGV2JA"; got != want {
		t.Errorf("LivePublishableKey = %q, want %q", got, want)
	}
	sk := SecretKey()
	if !regexp.MustCompile(`^sk_test_[0-9A-Za-z]{40}$`).MatchString(sk) {
		t.Errorf("SecretKey() = %q", sk)
	}
	if SecretKey() == sk {
		t.Error("SecretKey returned the same key twice")
	}
	if id := NewID("user_"); !regexp.MustCompile(`^user_[0-9A-Za-z]{27}$`).MatchString(id) {
		t.Errorf("NewID = %q", id)
	}
}

func TestRandomAlnumUsesTheWholeAlphabet(t *testing.T) {
	t.Parallel()
	seen := map[rune]bool{}
	for _, r := range randomAlnum(5000) {
		if !strings.ContainsRune(alnum, r) {
			t.Fatalf("character %q outside the alphabet", r)
		}
		seen[r] = true
	}
	if len(seen) != len(alnum) {
		t.Errorf("only %d of %d characters in 5000 draws", len(seen), len(alnum))
	}
}
