package clerk_test

// Attack tests (issue 10, RFC 8725, OWASP JWT guidance): each test fails if
// the attack it names works.

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// mustFail asserts that verification fails with one of the given reasons.
func mustFail(t *testing.T, c *clerk.Client, tok string, reasons ...clerk.Reason) {
	t.Helper()
	claims, err := c.VerifyToken(context.Background(), tok)
	if err == nil {
		t.Fatalf("attack token accepted: sub=%q", claims.Subject)
	}
	var te *clerk.TokenError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v (%T), want a *TokenError", err, err)
	}
	for _, r := range reasons {
		if te.Reason == r {
			return
		}
	}
	t.Fatalf("reason = %s (%s), want one of %v", te.Reason, te.Message, reasons)
}

func TestAttackAlgNone(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	c, _ := newClient(t, nil, k)
	for _, alg := range []string{"none", "None", "NONE", "nOnE"} {
		mustFail(t, c, k.MustSign(clerktest.SessionV1("user_1", "s", t0), clerktest.WithHeader("alg", alg), clerktest.WithSignature(nil)), clerk.ReasonTokenInvalidAlgorithm)
	}
	// An unsigned token with an RS256 header and an empty signature.
	tok := k.MustSign(clerktest.SessionV1("user_1", "s", t0))
	mustFail(t, c, tok[:strings.LastIndexByte(tok, '.')+1], clerk.ReasonTokenInvalidSignature)
}

// TestAttackHS256WithPublicKey: the classic key-confusion attack, HMAC
// keyed with the RSA public key, in both key modes.
func TestAttackHS256WithPublicKey(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	spki, _ := x509.MarshalPKIXPublicKey(k.Public())
	remote, _ := newClient(t, nil, k)
	local, err := clerk.New(clerk.Options{JWTKey: k.PublicKeyPEM(), Clock: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range [][]byte{spki, []byte(k.PublicKeyPEM())} {
		for _, alg := range []string{"HS256", "HS384", "HS512"} {
			tok := k.MustSign(clerktest.SessionV1("user_1", "s", t0), clerktest.WithAlg(alg), clerktest.WithHMACSecret(secret))
			mustFail(t, remote, tok, clerk.ReasonTokenInvalidAlgorithm)
			mustFail(t, local, tok, clerk.ReasonTokenInvalidAlgorithm)
		}
	}
}

// TestAttackHostileKid: kids with path traversal, SQL or huge values find no
// key, cost at most the refresh limit, and never reach a URL.
func TestAttackHostileKid(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	c, srv := newClient(t, nil, k)
	if _, err := c.VerifyToken(context.Background(), k.MustSign(clerktest.SessionV1("u", "s", t0))); err != nil {
		t.Fatal(err)
	}
	for _, kid := range []string{"../../../../etc/passwd", "' OR '1'='1' --", "ins_1/../../v1/users", "%2e%2e%2f", strings.Repeat("k", 10000), "\x00", "ins_1\r\nX-Injected: 1"} {
		mustFail(t, c, k.MustSign(clerktest.SessionV1("u", "s", t0), clerktest.WithKID(kid)), clerk.ReasonJWKKidMismatch, clerk.ReasonTokenInvalid)
	}
	if n := srv.Requests(); n > 2 {
		t.Errorf("hostile kids caused %d JWKS fetches, want at most 2", n)
	}
}

// TestAttackKeyURLHeadersIgnored: jku, x5u and an embedded jwk never supply
// the verification key, and are never fetched.
func TestAttackKeyURLHeadersIgnored(t *testing.T) {
	t.Parallel()
	k, attacker := keys(t)
	var fetched atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		w.Write(clerktest.NewJWKS(attacker.WithKID(k.KID())).JSON())
	}))
	defer evil.Close()
	c, _ := newClient(t, nil, k)
	jwk := attacker.JWK()
	tok := attacker.WithKID(k.KID()).MustSign(clerktest.SessionV1("user_admin", "s", t0),
		clerktest.WithHeader("jku", evil.URL), clerktest.WithHeader("x5u", evil.URL), clerktest.WithHeader("jwk", jwk))
	mustFail(t, c, tok, clerk.ReasonTokenInvalidSignature)
	if fetched.Load() != 0 {
		t.Errorf("a URL from the token header was fetched %d times", fetched.Load())
	}
}

func TestAttackCritHeader(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	c, _ := newClient(t, nil, k)
	mustFail(t, c, k.MustSign(clerktest.SessionV1("u", "s", t0), clerktest.WithHeader("crit", []string{"b64"}), clerktest.WithHeader("b64", false)), clerk.ReasonTokenInvalid)
}

// TestAttackDuplicateAndCaseVariantKeys: repeated or case-variant claim
// names resolve as JSON.parse does (exact names, last wins), so a custom
// claim cannot shadow sub or the organization role.
func TestAttackDuplicateAndCaseVariantKeys(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	c, _ := newClient(t, nil, k)
	exp := t0.Add(time.Minute).Unix()
	raw := `{"sub":"user_real","SUB":"user_admin","Sub":"user_admin","sid":"s","exp":` + itoa(exp) +
		`,"org_id":"org_1","org_role":"org:member","ORG_ROLE":"org:admin","Org_Role":"org:admin"}`
	claims, err := c.VerifyToken(context.Background(), k.MustSign(json.RawMessage(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if claims.Subject != "user_real" || claims.OrgRole != "org:member" {
		t.Errorf("case-variant claims took over: sub=%q org_role=%q", claims.Subject, claims.OrgRole)
	}
	raw = `{"sub":"user_a","sub":"user_b","sid":"s","exp":` + itoa(exp) + `,"exp":1}`
	mustFail(t, c, k.MustSign(json.RawMessage(raw)), clerk.ReasonTokenExpired) // the later exp wins
}

// TestAttackHugeAndDeepPayloads: large arrays and deep nesting, sized to
// stay under the 16 KiB token cap so that they reach the claims decoder,
// never panic, take no long time and end in a verified token or a
// TokenError; past the cap the token is refused before decoding.
func TestAttackHugeAndDeepPayloads(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	c, _ := newClient(t, nil, k)
	exp := itoa(t0.Add(time.Minute).Unix())
	for name, raw := range map[string]string{
		"huge array":       `{"sub":"u","sid":"s","exp":` + exp + `,"aud":[` + strings.Repeat(`"x",`, 2500) + `"x"]}`,
		"huge permissions": `{"sub":"u","sid":"s","exp":` + exp + `,"org_id":"o","org_permissions":[` + strings.Repeat(`"org:a:b",`, 1000) + `"x"]}`,
		"deep nesting":     `{"sub":"u","sid":"s","exp":` + exp + `,"x":` + strings.Repeat("[", 2500) + strings.Repeat("]", 2500) + `}`,
		"deep org":         `{"sub":"u","sid":"s","exp":` + exp + `,"v":2,"o":` + strings.Repeat(`{"o":`, 1000) + `{}` + strings.Repeat("}", 1000) + `}`,
	} {
		tok := k.MustSign(json.RawMessage(raw))
		if len(tok) > clerk.MaxTokenSize {
			t.Fatalf("%s: the token (%d bytes) is over the cap and would not reach the decoder", name, len(tok))
		}
		start := time.Now()
		claims, err := c.VerifyToken(context.Background(), tok) // must not panic
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
		var te *clerk.TokenError
		switch {
		case err == nil && claims.Subject != "u":
			t.Errorf("%s: verified with subject %q", name, claims.Subject)
		case err != nil && !errors.As(err, &te):
			t.Errorf("%s: %v is not a TokenError", name, err)
		}
		t.Logf("%s (%d bytes): err=%v", name, len(tok), err)
	}
	// Past the 16 KiB cap the token is refused before decoding.
	mustFail(t, c, k.MustSign(json.RawMessage(`{"sub":"u","exp":`+exp+`,"pad":"`+strings.Repeat("a", 20000)+`"}`)), clerk.ReasonTokenInvalid)
}

// TestAttackUnicodeTricks: look-alike or invisible characters never match
// an authorized party, and NUL-padded algorithms are refused.
func TestAttackUnicodeTricks(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	c, _ := newClient(t, func(o *clerk.Options) { o.AuthorizedParties = []string{"https://app.example.com"} }, k)
	for _, azp := range []string{"https://app.example.com\u200b", "https://аpp.example.com", "https://app.example.com/", "HTTPS://APP.EXAMPLE.COM", "https://app.example.com\x00"} {
		mustFail(t, c, k.MustSign(clerktest.SessionV1("u", "s", t0, clerktest.WithAuthorizedParty(azp))), clerk.ReasonTokenInvalidAuthorizedParties)
	}
	mustFail(t, c, k.MustSign(clerktest.SessionV1("u", "s", t0, clerktest.WithAuthorizedParty("https://app.example.com")), clerktest.WithHeader("alg", "RS256\x00")), clerk.ReasonTokenInvalidAlgorithm)
}

// TestAttackOtherInstance: a valid token of another Clerk instance (other
// keys, same kid or not) and a token for another azp of this instance.
func TestAttackOtherInstance(t *testing.T) {
	t.Parallel()
	k, other := keys(t)
	c, _ := newClient(t, func(o *clerk.Options) { o.AuthorizedParties = []string{"https://app.example.com"} }, k)
	claims := clerktest.SessionV1("user_1", "s", t0, clerktest.WithAuthorizedParty("https://app.example.com"))
	mustFail(t, c, other.MustSign(claims), clerk.ReasonJWKKidMismatch)
	mustFail(t, c, other.WithKID(k.KID()).MustSign(claims), clerk.ReasonTokenInvalidSignature)
	mustFail(t, c, k.MustSign(clerktest.SessionV1("user_1", "s", t0, clerktest.WithAuthorizedParty("https://other-app.example.com"))), clerk.ReasonTokenInvalidAuthorizedParties)
}

// TestAttackOversizedInputs: huge Authorization and Cookie headers are
// refused or ignored quickly, never parsed whole.
func TestAttackOversizedInputs(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	c, _ := newClient(t, nil, k)
	r := httptest.NewRequest(http.MethodGet, "https://app.example.com/", nil)
	r.Header.Set("Authorization", "Bearer "+strings.Repeat("a", 1<<20)+".b.c")
	s := c.Authenticate(context.Background(), clerk.NewRequest(r))
	if s.IsAuthenticated() || s.Reason != clerk.ReasonTokenInvalid {
		t.Errorf("1 MiB Authorization header: status %s reason %s", s.Status, s.Reason)
	}
	r = httptest.NewRequest(http.MethodGet, "https://app.example.com/", nil)
	valid := k.MustSign(clerktest.SessionV1("user_1", "s", t0))
	// A valid session cookie hidden past 32 KiB of junk cookies is not read.
	r.Header.Set("Cookie", strings.Repeat("junk=x; ", 8000)+"__client_uat=1; __session="+valid)
	start := time.Now()
	s = c.Authenticate(context.Background(), clerk.NewRequest(r))
	if s.IsAuthenticated() {
		t.Error("a cookie past the 32 KiB parse cap was read")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("cookie bomb took %v", d)
	}
}

// TestAttackHeaderInjection: CRLF and protocol-relative values in Host and
// X-Forwarded-* never reach a response header or redirect target.
func TestAttackHeaderInjection(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	c, _ := newClient(t, nil, k)
	for _, h := range []struct{ name, value string }{
		{"X-Forwarded-Host", "evil.example\r\nSet-Cookie: pwned=1"},
		{"X-Forwarded-Host", "//evil.example"},
		{"X-Forwarded-Host", "evil.example/path"},
		{"X-Forwarded-Host", "app.example.com@evil.example"},
		{"X-Forwarded-Proto", "javascript"},
		{"X-Forwarded-Proto", "https\r\nX: 1"},
	} {
		r := httptest.NewRequest(http.MethodGet, "https://app.example.com/dashboard", nil)
		r.Header.Set(h.name, h.value)
		r.Header.Set("Sec-Fetch-Dest", "document")
		r.Header.Set("Cookie", "__client_uat=1700000000") // handshake: client_uat without session
		s := c.Authenticate(context.Background(), clerk.NewRequest(r))
		for name, vals := range s.Headers {
			for _, v := range vals {
				if strings.ContainsAny(v, "\r\n") || strings.Contains(strings.ToLower(name), "pwned") {
					t.Errorf("%s=%q: header %s carries %q", h.name, h.value, name, v)
				}
			}
		}
		if loc := s.Location(); strings.Contains(loc, "evil.example") || strings.Contains(loc, "javascript") {
			t.Errorf("%s=%q: Location %q points at the attacker", h.name, h.value, loc)
		}
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
