package clerk_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// One RSA key per test binary: generation is slow.
var (
	keyOnce           sync.Once
	testKey, otherKey *clerktest.Key
)

func keys(t testing.TB) (*clerktest.Key, *clerktest.Key) {
	t.Helper()
	keyOnce.Do(func() {
		testKey = clerktest.MustNewKey()
		otherKey = clerktest.MustNewKey()
	})
	return testKey, otherKey
}

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

const fapiHost = "happy-hippo-1.clerk.accounts.dev"

// newClient returns a client verifying against a loopback JWKS server.
func newClient(t testing.TB, mod func(*clerk.Options), ks ...*clerktest.Key) (*clerk.Client, *clerktest.JWKSServer) {
	t.Helper()
	sk := clerktest.SecretKey()
	srv := clerktest.NewJWKSServer(t, sk, ks...)
	opts := clerk.Options{
		SecretKey:      sk,
		PublishableKey: clerktest.PublishableKey(fapiHost),
		APIURL:         srv.URL(),
		Clock:          func() time.Time { return t0 },
	}
	if mod != nil {
		mod(&opts)
	}
	c, err := clerk.New(opts)
	if err != nil {
		t.Fatalf("clerk.New: %v", err)
	}
	return c, srv
}

func wantReason(t *testing.T, err error, reason clerk.Reason) *clerk.TokenError {
	t.Helper()
	var te *clerk.TokenError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v (%T), want *TokenError with reason %s", err, err, reason)
	}
	if te.Reason != reason {
		t.Fatalf("reason = %s (%s), want %s", te.Reason, te.Message, reason)
	}
	return te
}

func TestVerifyTokenValid(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	c, srv := newClient(t, nil, k)
	tok := k.MustSign(clerktest.SessionV2("user_1", "sess_1", t0,
		clerktest.WithAuthorizedParty("https://app.example.com"),
		clerktest.WithOrg(clerktest.Org{ID: "org_1", Slug: "acme", Role: "admin", Permissions: []string{"read"}}),
		clerktest.WithClaim("plan", "gold")))
	claims, err := c.VerifyToken(context.Background(), tok)
	if err != nil {
		t.Fatalf("VerifyToken: %v", err)
	}
	if claims.Subject != "user_1" || claims.SessionID != "sess_1" || claims.Version != 2 || claims.AuthorizedParty != "https://app.example.com" {
		t.Errorf("claims = %+v", claims)
	}
	var custom struct{ Plan string }
	if err := claims.Decode(&custom); err != nil || custom.Plan != "gold" {
		t.Errorf("custom claims = %+v, %v", custom, err)
	}
	if srv.Requests() != 1 {
		t.Errorf("JWKS fetched %d times, want 1", srv.Requests())
	}
	// A second token is verified from the cached key set.
	tok2 := k.MustSign(clerktest.SessionV1("user_2", "sess_2", t0))
	if _, err := c.VerifyToken(context.Background(), tok2); err != nil {
		t.Fatal(err)
	}
	if srv.Requests() != 1 {
		t.Errorf("JWKS fetched %d times after a cache hit, want 1", srv.Requests())
	}
}

// TestVerifyTokenReasons: each malformed or hostile token gets Clerk's
// reason (spec §2), in Clerk's order (signature before claims).
func TestVerifyTokenReasons(t *testing.T) {
	t.Parallel()
	k, other := keys(t)
	c, _ := newClient(t, func(o *clerk.Options) {
		o.AuthorizedParties = []string{"https://app.example.com"}
		o.Audience = []string{"api"}
	}, k)
	ok := func(opts ...clerktest.ClaimOption) map[string]any {
		return clerktest.SessionV1("user_1", "sess_1", t0, append([]clerktest.ClaimOption{clerktest.WithAuthorizedParty("https://app.example.com")}, opts...)...)
	}
	spki, _ := x509.MarshalPKIXPublicKey(k.Public())
	tests := []struct {
		name   string
		token  string
		reason clerk.Reason
		msg    string // exact message when set
	}{
		{"one part", "abc", clerk.ReasonTokenInvalid, "Invalid JWT form. A JWT consists of three parts separated by dots."},
		{"garbage segments", "a$.b.c", clerk.ReasonTokenInvalid, "Invalid JWT form. The header, payload, or signature could not be decoded."},
		{"alg none", k.MustSign(ok(), clerktest.WithAlg("none")), clerk.ReasonTokenInvalidAlgorithm, `Invalid JWT algorithm "none". Supported: RS256,RS384,RS512.`},
		{"HS256 signed with the public key", k.MustSign(ok(), clerktest.WithAlg("HS256"), clerktest.WithHMACSecret(spki)), clerk.ReasonTokenInvalidAlgorithm, ""},
		{"wrong typ", k.MustSign(ok(), clerktest.WithTyp("at+jwt")), clerk.ReasonTokenInvalid, `Invalid JWT type "at+jwt". Expected "JWT".`},
		{"m2m category", k.MustSign(ok(), clerktest.WithCategory(clerktest.CategoryM2M)), clerk.ReasonTokenInvalid, "Invalid session token category."},
		{"bad signature", k.MustSign(ok(), clerktest.WithSignature([]byte("nope"))), clerk.ReasonTokenInvalidSignature, "JWT signature is invalid."},
		{"other key, same kid", other.WithKID(k.KID()).MustSign(ok()), clerk.ReasonTokenInvalidSignature, ""},
		{"sub missing", k.MustSign(ok(clerktest.WithoutClaim("sub"))), clerk.ReasonTokenVerificationFailed, "Subject claim (sub) is required and must be a string. Received undefined."},
		{"sub number", k.MustSign(ok(clerktest.WithClaim("sub", 5))), clerk.ReasonTokenVerificationFailed, "Subject claim (sub) is required and must be a string. Received 5."},
		{"aud mismatch", k.MustSign(ok(clerktest.WithClaim("aud", "other"))), clerk.ReasonTokenVerificationFailed, `Invalid JWT audience claim (aud) "other". Is not included in "["api"]".`},
		{"aud array mismatch", k.MustSign(ok(clerktest.WithClaim("aud", []string{"x", "y"}))), clerk.ReasonTokenVerificationFailed, `Invalid JWT audience claim array (aud) ["x","y"]. Is not included in "["api"]".`},
		{"azp missing", k.MustSign(clerktest.SessionV1("user_1", "sess_1", t0, clerktest.WithoutClaim("azp"))), clerk.ReasonTokenInvalidAuthorizedParties, `Invalid JWT Authorized party claim (azp) undefined. Expected "https://app.example.com".`},
		{"azp other origin", k.MustSign(ok(clerktest.WithAuthorizedParty("https://evil.example"))), clerk.ReasonTokenInvalidAuthorizedParties, `Invalid JWT Authorized party claim (azp) "https://evil.example". Expected "https://app.example.com".`},
		{"exp not a number", k.MustSign(ok(clerktest.WithClaim("exp", "soon"))), clerk.ReasonTokenVerificationFailed, `Invalid JWT expiry date claim (exp) "soon". Expected number.`},
		{"expired beyond skew", k.MustSign(ok(clerktest.WithExp(-6 * time.Second))), clerk.ReasonTokenExpired, "JWT is expired. Expiry date: Mon, 23 Nov 2026 11:59:54 GMT, Current date: Mon, 23 Nov 2026 12:00:00 GMT."},
		{"expired exactly at skew", k.MustSign(ok(clerktest.WithExp(-5 * time.Second))), clerk.ReasonTokenExpired, ""},
		{"nbf beyond skew", k.MustSign(ok(clerktest.WithNbf(6 * time.Second))), clerk.ReasonTokenNotActiveYet, "JWT cannot be used prior to not before date claim (nbf). Not before date: Mon, 23 Nov 2026 12:00:06 GMT; Current date: Mon, 23 Nov 2026 12:00:00 GMT;"},
		{"iat in the future", k.MustSign(ok(clerktest.WithIat(6 * time.Second))), clerk.ReasonTokenIatInTheFuture, ""},
		{"nbf not a number", k.MustSign(ok(clerktest.WithClaim("nbf", true))), clerk.ReasonTokenVerificationFailed, "Invalid JWT not before date claim (nbf) true. Expected number."},
		{"crit header", k.MustSign(ok(), clerktest.WithHeader("crit", []string{"exp"})), clerk.ReasonTokenInvalid, ""},
		{"unknown kid", k.MustSign(ok(), clerktest.WithKID("ins_unknown")), clerk.ReasonJWKKidMismatch, ""},
		{"oversized", strings.Repeat("a", clerk.MaxTokenSize+1), clerk.ReasonTokenInvalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.VerifyToken(context.Background(), tt.token)
			te := wantReason(t, err, tt.reason)
			if tt.msg != "" && te.Message != tt.msg {
				t.Errorf("message\n got %q\nwant %q", te.Message, tt.msg)
			}
		})
	}
}

func TestVerifyTokenLeeway(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	for _, tt := range []struct {
		name string
		skew time.Duration
		exp  time.Duration
		ok   bool
	}{
		{"default skew keeps a token 4s past exp", 0, -4 * time.Second, true},
		{"no skew", clerk.NoClockSkew, -1 * time.Second, false},
		{"no skew, valid", clerk.NoClockSkew, time.Second, true},
		{"custom skew", time.Minute, -59 * time.Second, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newClient(t, func(o *clerk.Options) { o.ClockSkew = tt.skew }, k)
			_, err := c.VerifyToken(context.Background(), k.MustSign(clerktest.SessionV1("u", "s", t0, clerktest.WithExp(tt.exp))))
			if (err == nil) != tt.ok {
				t.Errorf("err = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestVerifyTokenAudienceRules(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	c, _ := newClient(t, func(o *clerk.Options) { o.Audience = []string{"api", "web"} }, k)
	for name, aud := range map[string]any{"no aud": nil, "string in list": "web", "array intersects": []string{"x", "api"}, "number ignored": 5, "empty string ignored": ""} {
		opts := []clerktest.ClaimOption{}
		if aud != nil {
			opts = append(opts, clerktest.WithClaim("aud", aud))
		}
		if _, err := c.VerifyToken(context.Background(), k.MustSign(clerktest.SessionV1("u", "s", t0, opts...))); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestVerifyTokenNetworkless(t *testing.T) {
	t.Parallel()
	k, other := keys(t)
	c, err := clerk.New(clerk.Options{JWTKey: k.PublicKeyPEM(), Clock: func() time.Time { return t0 },
		HTTPClient: &http.Client{Transport: failingTransport{}}})
	if err != nil {
		t.Fatal(err)
	}
	// The PEM key is used whatever the kid.
	if _, err := c.VerifyToken(context.Background(), k.MustSign(clerktest.SessionV1("u", "s", t0), clerktest.WithKID("anything"))); err != nil {
		t.Fatalf("networkless verify: %v", err)
	}
	_, err = c.VerifyToken(context.Background(), other.MustSign(clerktest.SessionV1("u", "s", t0)))
	wantReason(t, err, clerk.ReasonTokenInvalidSignature)
	// The PEM key is pinned to RS256.
	_, err = c.VerifyToken(context.Background(), k.MustSign(clerktest.SessionV1("u", "s", t0), clerktest.WithAlg("RS512")))
	wantReason(t, err, clerk.ReasonTokenVerificationFailed)
}

type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("network disabled in this test")
}

func TestVerifyTokenNoKeySource(t *testing.T) {
	t.Parallel()
	c, err := clerk.New(clerk.Options{MachineSecretKey: "ak_machine"})
	if err != nil {
		t.Fatal(err)
	}
	k, _ := keys(t)
	_, err = c.VerifyToken(context.Background(), k.MustSign(clerktest.SessionV1("u", "s", time.Now())))
	te := wantReason(t, err, clerk.ReasonJWKFailedToResolve)
	if te.Action != clerk.ActionSetClerkJWTKey {
		t.Errorf("action %q", te.Action)
	}
}

func TestJWKSRequestShape(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	c, srv := newClient(t, nil, k)
	if _, err := c.VerifyToken(context.Background(), k.MustSign(clerktest.SessionV1("u", "s", t0))); err != nil {
		t.Fatal(err)
	}
	got := srv.LastHeader()
	if !strings.HasPrefix(got.Get("Authorization"), "Bearer sk_test_") || got.Get("Clerk-API-Version") != clerk.SupportedAPIVersion ||
		!strings.HasPrefix(got.Get("User-Agent"), "clerkguard/") {
		t.Errorf("JWKS request headers %v", got)
	}
}

func TestJWKSErrors(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	tok := k.MustSign(clerktest.SessionV1("u", "s", t0))
	t.Run("wrong secret key", func(t *testing.T) {
		t.Parallel()
		srv := clerktest.NewJWKSServer(t, clerktest.SecretKey(), k)
		c, _ := clerk.New(clerk.Options{SecretKey: clerktest.SecretKey(), APIURL: srv.URL(), Clock: func() time.Time { return t0 }})
		_, err := c.VerifyToken(context.Background(), tok)
		wantReason(t, err, clerk.ReasonSecretKeyInvalid)
		if srv.Requests() != 1 {
			t.Errorf("a 401 was retried: %d requests", srv.Requests())
		}
	})
	t.Run("no keys", func(t *testing.T) {
		t.Parallel()
		c, srv := newClient(t, nil, k)
		srv.SetFailure(http.StatusOK, `{"keys":[]}`)
		_, err := c.VerifyToken(context.Background(), tok)
		te := wantReason(t, err, clerk.ReasonRemoteJWKFailedToLoad)
		if te.Message != "The JWKS endpoint did not contain any signing keys. Contact support@clerk.com." {
			t.Errorf("message %q", te.Message)
		}
	})
	t.Run("5xx retried then failed", func(t *testing.T) {
		t.Parallel()
		c, srv := newClient(t, nil, k)
		srv.SetFailure(http.StatusBadGateway, `{"errors":[]}`)
		_, err := c.VerifyToken(context.Background(), tok)
		te := wantReason(t, err, clerk.ReasonRemoteJWKFailedToLoad)
		if !strings.Contains(te.Message, "with code=502") {
			t.Errorf("message %q", te.Message)
		}
		if n := srv.Requests(); n != 5 {
			t.Errorf("attempts = %d, want 5", n)
		}
	})
	// Not a Clerk answer (no response, a body that is not JSON): Clerk's
	// SDK throws a non-token error, so Authenticate reports
	// unexpected-error with no message (the detail, which may name internal
	// addresses, stays in Err), and it is an outage: 503.
	for name, setup := range map[string]func(*clerktest.JWKSServer){
		"5xx not JSON": func(s *clerktest.JWKSServer) { s.SetFailure(http.StatusBadGateway, "<html>bad gateway</html>") },
		"2xx not JSON": func(s *clerktest.JWKSServer) {
			s.SetHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "{not json") }))
		},
		"no response": func(s *clerktest.JWKSServer) { s.Close() },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, srv := newClient(t, nil, k)
			setup(srv)
			_, err := c.VerifyToken(context.Background(), tok)
			var ae *clerk.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("VerifyToken err = %v (%T), want *APIError", err, err)
			}
			r := httptest.NewRequest(http.MethodGet, "https://app.example.com/", nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			s := c.Authenticate(context.Background(), clerk.NewRequest(r))
			if s.Reason != clerk.ReasonUnexpectedError || s.Message != "" || !s.Unavailable() {
				t.Errorf("state %s %q unavailable=%v, want unexpected-error, no message, unavailable", s.Reason, s.Message, s.Unavailable())
			}
			if h := s.Headers.Get(clerk.HeaderAuthMessage); strings.Contains(h, "127.0.0.1") {
				t.Errorf("%s leaks the transport error: %q", clerk.HeaderAuthMessage, h)
			}
		})
	}
	t.Run("keys not an array", func(t *testing.T) {
		t.Parallel()
		c, srv := newClient(t, nil, k)
		srv.SetFailure(http.StatusOK, `{"keys":{}}`)
		_, err := c.VerifyToken(context.Background(), tok)
		te := wantReason(t, err, clerk.ReasonRemoteJWKFailedToLoad)
		if te.Message != "The JWKS endpoint did not contain any signing keys. Contact support@clerk.com." {
			t.Errorf("message %q", te.Message)
		}
	})
	t.Run("caller deadline bounds the wait", func(t *testing.T) {
		t.Parallel()
		c, srv := newClient(t, nil, k)
		srv.SetDelay(5 * time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.VerifyToken(ctx, tok)
		wantReason(t, err, clerk.ReasonRemoteJWKFailedToLoad)
		if time.Since(start) > 2*time.Second {
			t.Errorf("waited %v past the caller's deadline", time.Since(start))
		}
	})
	t.Run("huge body", func(t *testing.T) {
		t.Parallel()
		for name, h := range map[string]http.HandlerFunc{
			"huge body": func(w http.ResponseWriter, _ *http.Request) {
				w.Write([]byte(`{"keys":[`))
				w.Write([]byte(strings.Repeat(" ", 2<<20)))
			},
		} {
			c, srv := newClient(t, nil, k)
			srv.SetHandler(h)
			_, err := c.VerifyToken(context.Background(), tok)
			wantReason(t, err, clerk.ReasonRemoteJWKFailedToLoad)
			_ = name
		}
	})
}

// TestJWKSColdStartSingleFlight: 1,000 concurrent requests on a cold cache
// cause exactly one JWKS fetch.
func TestJWKSColdStartSingleFlight(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	c, srv := newClient(t, nil, k)
	srv.SetDelay(50 * time.Millisecond)
	tok := k.MustSign(clerktest.SessionV1("u", "s", t0))
	var wg sync.WaitGroup
	var failures atomic.Int32
	for i := 0; i < 1000; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.VerifyToken(context.Background(), tok); err != nil {
				failures.Add(1)
			}
		}()
	}
	wg.Wait()
	if failures.Load() != 0 {
		t.Errorf("%d verifications failed", failures.Load())
	}
	if n := srv.Requests(); n != 1 {
		t.Errorf("JWKS fetched %d times, want exactly 1", n)
	}
}

// TestJWKSUnknownKidStorm: tokens with random unknown kids cost at most one
// fetch per refresh interval, however many arrive.
func TestJWKSUnknownKidStorm(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	c, srv := newClient(t, nil, k)
	if _, err := c.VerifyToken(context.Background(), k.MustSign(clerktest.SessionV1("u", "s", t0))); err != nil {
		t.Fatal(err)
	}
	// The kid is looked up before the signature is checked, so these
	// tokens need no real signature (minting 10,000 would starve the CPU).
	payload := decodeSegment(t, k.MustSign(clerktest.SessionV1("u", "s", t0)), 1)
	var wg sync.WaitGroup
	for i := 0; i < 10000; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			tok := b64(fmt.Sprintf(`{"alg":"RS256","kid":"ins_random_%d"}`, i)) + "." + payload + "." + b64("sig")
			_, err := c.VerifyToken(context.Background(), tok)
			var te *clerk.TokenError
			if !errors.As(err, &te) || te.Reason != clerk.ReasonJWKKidMismatch {
				t.Errorf("random kid: %v", err)
			}
		}(i)
	}
	wg.Wait()
	// 1 initial fetch + at most 1 refresh within the (frozen) interval.
	if n := srv.Requests(); n > 2 {
		t.Errorf("JWKS fetched %d times for 10,000 unknown kids, want at most 2", n)
	}
}

// TestJWKSRotation: a token signed by a new key is accepted once the key
// set has it, via the unknown-kid refresh.
func TestJWKSRotation(t *testing.T) {
	t.Parallel()
	k, other := keys(t)
	now := clerktest.NewClock(t0)
	c, srv := newClient(t, func(o *clerk.Options) { o.Clock = now.Now }, k)
	if _, err := c.VerifyToken(context.Background(), k.MustSign(clerktest.SessionV1("u", "s", t0))); err != nil {
		t.Fatal(err)
	}
	srv.SetKeys(k, other)
	tok := other.MustSign(clerktest.SessionV1("u", "s", t0))
	if _, err := c.VerifyToken(context.Background(), tok); err != nil {
		t.Fatalf("rotated key not picked up: %v", err)
	}
	if srv.Requests() != 2 {
		t.Errorf("requests = %d, want 2", srv.Requests())
	}
}

// TestJWKSStaleIfError: after the TTL, an outage keeps the cached keys
// serving, and a recovered endpoint is used again.
func TestJWKSStaleIfError(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	now := clerktest.NewClock(t0)
	c, srv := newClient(t, func(o *clerk.Options) { o.Clock = now.Now }, k)
	claims := func() map[string]any { return clerktest.SessionV1("u", "s", now.Now()) }
	if _, err := c.VerifyToken(context.Background(), k.MustSign(claims())); err != nil {
		t.Fatal(err)
	}
	srv.SetFailure(http.StatusServiceUnavailable, "down")
	now.Advance(6 * time.Minute)
	for i := 0; i < 20; i++ {
		if _, err := c.VerifyToken(context.Background(), k.MustSign(claims())); err != nil {
			t.Fatalf("cached key not served during the outage: %v", err)
		}
	}
}

func TestNewValidation(t *testing.T) {
	t.Parallel()
	pk := clerktest.PublishableKey(fapiHost)
	sk := clerktest.SecretKey()
	tests := []struct {
		name  string
		opts  clerk.Options
		field string
	}{
		{"no key at all", clerk.Options{}, "SecretKey"},
		{"bad publishable key", clerk.Options{SecretKey: sk, PublishableKey: "pk_nope"}, "PublishableKey"},
		{"not a secret key", clerk.Options{SecretKey: "hello"}, "SecretKey"},
		{"mixed instance types", clerk.Options{SecretKey: "sk_live_x", PublishableKey: pk}, "SecretKey"},
		{"bad api url", clerk.Options{SecretKey: sk, APIURL: "ftp://x"}, "APIURL"},
		{"negative skew", clerk.Options{SecretKey: sk, ClockSkew: -time.Second}, "ClockSkew"},
		{"satellite without domain", clerk.Options{SecretKey: sk, PublishableKey: pk, IsSatellite: true, SignInURL: "https://primary.example/sign-in"}, "Domain"},
		{"dev satellite without sign-in url", clerk.Options{SecretKey: sk, PublishableKey: pk, IsSatellite: true, Domain: "sat.example"}, "SignInURL"},
		// No secret key to tell: the publishable key's development instance
		// needs a sign-in URL as well (the browser flow redirects there).
		{"dev satellite by its publishable key, without sign-in url", clerk.Options{JWTKey: clerktest.MustNewKey().PublicKeyPEM(), PublishableKey: pk, IsSatellite: true, Domain: "sat.example"}, "SignInURL"},
		{"relative satellite sign-in url", clerk.Options{SecretKey: sk, PublishableKey: pk, IsSatellite: true, Domain: "sat.example", SignInURL: "/sign-in"}, "SignInURL"},
		{"bad proxy url", clerk.Options{SecretKey: sk, ProxyURL: "example.com/__clerk"}, "ProxyURL"},
		{"bad pem", clerk.Options{JWTKey: "not a key"}, "JWTKey"},
		{"empty authorized party", clerk.Options{SecretKey: sk, AuthorizedParties: []string{""}}, "AuthorizedParties"},
		{"fapi jwks without pk", clerk.Options{FrontendAPIJWKS: true}, "FrontendAPIJWKS"},
		{"domain with scheme", clerk.Options{SecretKey: sk, Domain: "https://x.example"}, "Domain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := clerk.New(tt.opts)
			var ce *clerk.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *ConfigError", err)
			}
			if ce.Field != tt.field {
				t.Errorf("field = %s (%v), want %s", ce.Field, err, tt.field)
			}
		})
	}
	if _, err := clerk.New(clerk.Options{SecretKey: sk, PublishableKey: pk}); err != nil {
		t.Errorf("valid options rejected: %v", err)
	}
}

// BenchmarkVerify compares verifying a distinct token per iteration with the
// raw RSA-2048 PKCS#1 v1.5 verification floor, in one run.
func BenchmarkVerify(b *testing.B) {
	k, _ := keys(b)
	const n = 512
	tokens := make([]string, n)
	for i := range tokens {
		tokens[i] = k.MustSign(clerktest.SessionV2(fmt.Sprintf("user_%d", i), "sess_1", t0,
			clerktest.WithAuthorizedParty("https://app.example.com"),
			clerktest.WithOrg(clerktest.Org{ID: "org_1", Slug: "acme", Role: "admin", Permissions: []string{"read", "write"}}),
			clerktest.WithFeatures("o:reports", "u:chat")))
	}
	b.Run("rsa-floor", func(b *testing.B) {
		pub := k.Public()
		sigs := make([][]byte, n)
		digests := make([][]byte, n)
		for i, tok := range tokens {
			j := strings.LastIndexByte(tok, '.')
			s, _ := decodeB64(tok[j+1:])
			sigs[i] = s
			d := sha256.Sum256([]byte(tok[:j]))
			digests[i] = d[:]
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			tok := tokens[i%n]
			d := sha256.Sum256([]byte(tok[:strings.LastIndexByte(tok, '.')]))
			if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], sigs[i%n]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("clerkguard-distinct-token", func(b *testing.B) {
		// The tokens repeat every 512 iterations: with the verified-token
		// cache off, every iteration is a full verification.
		c, _ := newClient(b, func(o *clerk.Options) {
			o.AuthorizedParties = []string{"https://app.example.com"}
			o.TokenCacheEntries = -1
		}, k)
		ctx := context.Background()
		if _, err := c.VerifyToken(ctx, tokens[0]); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := c.VerifyToken(ctx, tokens[i%n]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func decodeB64(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// decodeSegment returns the i-th dot-separated segment of a token.
func decodeSegment(t testing.TB, tok string, i int) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", tok)
	}
	return parts[i]
}

// TestJWKSOutageErrorNotShared: during an outage every waiting request gets
// its own copy of the key error, so annotating it (the token carrier) is
// race-free (run with -race).
func TestJWKSOutageErrorNotShared(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	c, srv := newClient(t, nil, k)
	srv.SetFailure(http.StatusServiceUnavailable, "down")
	srv.SetDelay(20 * time.Millisecond)
	tok := k.MustSign(clerktest.SessionV1("u", "s", t0))
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := httptestRequest("https://app.example.com/api", "Bearer "+tok)
			s := c.Authenticate(context.Background(), clerk.NewRequest(r))
			if s.IsAuthenticated() || !s.Unavailable() {
				t.Errorf("outage: status %s reason %s unavailable=%v", s.Status, s.Reason, s.Unavailable())
			}
		}()
	}
	wg.Wait()
}

func httptestRequest(target, authorization string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, target, nil)
	r.Header.Set("Authorization", authorization)
	return r
}

// HeaderType (Clerk's headerType) decides which typ a session token may
// carry; machine JWTs keep Clerk's default.
func TestHeaderTypeOption(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	custom := k.MustSign(clerktest.SessionV2("user_1", "sess_1", t0), clerktest.WithTyp("custom+jwt"))
	plain := k.MustSign(clerktest.SessionV2("user_1", "sess_1", t0))
	untyped := k.MustSign(clerktest.SessionV2("user_1", "sess_1", t0), clerktest.WithoutHeader("typ"))
	def, _ := newClient(t, nil, k)
	typed, _ := newClient(t, func(o *clerk.Options) { o.HeaderType = []string{"JWT", "custom+jwt"} }, k)
	for _, tt := range []struct {
		name   string
		c      *clerk.Client
		token  string
		reason clerk.Reason // "" when the token verifies
	}{
		{"default, typ JWT", def, plain, ""},
		{"default, custom typ", def, custom, clerk.ReasonTokenInvalid},
		{"option, custom typ", typed, custom, ""},
		{"option, typ JWT", typed, plain, ""},
		{"option, no typ", typed, untyped, clerk.ReasonTokenInvalid},
	} {
		_, err := tt.c.VerifyToken(context.Background(), tt.token)
		var te *clerk.TokenError
		switch {
		case tt.reason == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.reason != "" && (!errors.As(err, &te) || te.Reason != tt.reason):
			t.Errorf("%s: %v, want %s", tt.name, err, tt.reason)
		}
	}
}
