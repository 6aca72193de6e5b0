package bench

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	clerksdk "github.com/clerk/clerk-sdk-go/v2"
	clerkhttp "github.com/clerk/clerk-sdk-go/v2/http"
	"github.com/clerk/clerk-sdk-go/v2/jwks"
	"github.com/golang-jwt/jwt/v5"
	echojwt "github.com/labstack/echo-jwt/v4"
	"github.com/labstack/echo/v4"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// fixture is shared by every benchmark: one key, a JWKS server on loopback,
// and nTokens distinct valid session tokens (plus one to repeat), with the
// user each one signs in and the time they were issued.
type fixture struct {
	key    *clerktest.Key
	sk     string
	jwks   *clerktest.JWKSServer
	tokens []string
	users  []string
	warm   string
	issued time.Time
}

// warmUser is the user of the fixture's warm token.
const warmUser = "user_-1"

const nTokens = 256

var (
	fixOnce sync.Once
	fix     *fixture
)

func setup(b *testing.B) *fixture {
	fixOnce.Do(func() {
		k := clerktest.MustNewKey()
		sk := clerktest.SecretKey()
		now := time.Now()
		f := &fixture{key: k, sk: sk, issued: now}
		// The JWKS server outlives individual benchmarks; it is never closed
		// (the process ends with the run).
		f.jwks = clerktest.NewJWKSServer(nil, sk, k)
		claims := func(i int) map[string]any {
			return clerktest.SessionV2(fmt.Sprintf("user_%d", i), fmt.Sprintf("sess_%d", i), now,
				clerktest.WithIssuer("https://clerk.example.com"),
				clerktest.WithExp(time.Hour),
				clerktest.WithOrg(clerktest.Org{ID: "org_1", Slug: "acme", Role: "admin", Permissions: []string{"read", "write"}}),
				clerktest.WithFeatures("o:reports"))
		}
		for i := 0; i < nTokens; i++ {
			f.tokens = append(f.tokens, k.MustSign(claims(i)))
			f.users = append(f.users, fmt.Sprintf("user_%d", i))
		}
		f.warm = k.MustSign(claims(-1))
		fix = f
	})
	return fix
}

// discard is a ResponseWriter that keeps nothing but the status and the
// user the handler answered with (see ok), so no stack pays for a recorder.
type discard struct {
	h      http.Header
	status int
	user   string
	n      int // body bytes written
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { d.n += len(p); return len(p), nil }
func (d *discard) WriteHeader(code int)        { d.status = code }

// call is a request and the user its answer must name.
type call struct {
	r    *http.Request
	user string
}

// bearerCalls are API calls (fetch with the token in the Authorization
// header), one per token; users[i] is the user of tokens[i].
func bearerCalls(tokens, users []string) []call {
	calls := make([]call, len(tokens))
	for i, t := range tokens {
		r := httptest.NewRequest(http.MethodGet, "http://api.example.com/me", nil)
		r.Header.Set("Authorization", "Bearer "+t)
		r.Header.Set("Accept", "application/json")
		calls[i] = call{r, users[i]}
	}
	return calls
}

// run serves the calls through h in turn and fails the benchmark on any
// answer that is not 200 with the call's user: a row that stopped signing
// anyone in would otherwise be measured as a fast one.
func run(b *testing.B, h http.Handler, calls []call) {
	w := &discard{h: http.Header{}}
	serve := func(c call) {
		clear(w.h)
		w.status, w.user = 0, ""
		h.ServeHTTP(w, c.r)
		if w.status != http.StatusOK || w.user != c.user {
			b.Fatalf("answer %d for %q, want 200 for %q", w.status, w.user, c.user)
		}
	}
	serve(calls[0]) // warm up key caches
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		serve(calls[i%len(calls)])
	}
}

// ok answers 200 for a signed-in user (401 without one) and records the
// user on the benchmark's writer, under whatever wrapper the stack put
// around it (Echo's Response), without the allocation a body would cost.
func ok(w http.ResponseWriter, userID string) {
	if userID == "" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.WriteHeader(http.StatusOK)
	for {
		switch x := w.(type) {
		case *discard:
			x.user = userID
			return
		case interface{ Unwrap() http.ResponseWriter }:
			w = x.Unwrap()
		default:
			return
		}
	}
}

// BenchmarkRSAFloor is the raw RSA-2048 PKCS#1 v1.5 verification of the
// same tokens: what any verifier must pay.
func BenchmarkRSAFloor(b *testing.B) {
	f := setup(b)
	pub := f.key.Public()
	sigs := make([][]byte, len(f.tokens))
	for i, t := range f.tokens {
		sigs[i], _ = base64.RawURLEncoding.DecodeString(t[strings.LastIndexByte(t, '.')+1:])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := f.tokens[i%len(f.tokens)]
		d := sha256.Sum256([]byte(t[:strings.LastIndexByte(t, '.')]))
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], sigs[i%len(sigs)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGolangJWT: golang-jwt's ParseWithClaims with a static key,
// behind the handler.
func BenchmarkGolangJWT(b *testing.B) {
	f := setup(b)
	pub := f.key.Public()
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		claims := jwt.MapClaims{}
		_, err := parser.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return pub, nil })
		sub, _ := claims["sub"].(string)
		if err != nil {
			sub = ""
		}
		ok(w, sub)
	})
	run(b, h, bearerCalls(f.tokens, f.users))
}

// BenchmarkClerkSDK: Clerk's Go SDK middleware (clerk-sdk-go/v2 http), with
// its JWKS cache warm.
func BenchmarkClerkSDK(b *testing.B) {
	f := setup(b)
	url := f.jwks.URL() + "/v1"
	client := jwks.NewClient(&clerksdk.ClientConfig{BackendConfig: clerksdk.BackendConfig{URL: &url, Key: &f.sk}})
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := clerksdk.SessionClaimsFromContext(r.Context())
		sub := ""
		if claims != nil {
			sub = claims.Subject
		}
		ok(w, sub)
	})
	h := clerkhttp.WithHeaderAuthorization(clerkhttp.JWKSClient(client))(inner)
	run(b, h, bearerCalls(f.tokens, f.users))
}

// BenchmarkEchoJWT: labstack/echo-jwt v4 with the RSA public key, on Echo.
func BenchmarkEchoJWT(b *testing.B) {
	f := setup(b)
	e := echo.New()
	e.Use(echojwt.WithConfig(echojwt.Config{SigningKey: f.key.Public(), SigningMethod: "RS256"}))
	e.GET("/me", func(c echo.Context) error {
		tok, _ := c.Get("user").(*jwt.Token)
		sub := ""
		if tok != nil {
			sub, _ = tok.Claims.GetSubject()
		}
		ok(c.Response(), sub)
		return nil
	})
	run(b, e, bearerCalls(f.tokens, f.users))
}

func clerkguardHandler(b *testing.B, f *fixture, mod func(*clerk.Options)) http.Handler {
	opts := clerk.Options{SecretKey: f.sk, PublishableKey: clerktest.PublishableKey("clerk.example.com"), APIURL: f.jwks.URL()}
	if mod != nil {
		mod(&opts)
	}
	c, err := clerk.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := c.Authenticate(r.Context(), clerk.NewRequest(r))
		ok(w, s.Auth.UserID)
	})
}

// BenchmarkClerkguardCold: core Authenticate, a distinct token per request,
// the verified-token cache off: a full verification every time.
func BenchmarkClerkguardCold(b *testing.B) {
	f := setup(b)
	run(b, clerkguardHandler(b, f, func(o *clerk.Options) { o.TokenCacheEntries = -1 }), bearerCalls(f.tokens, f.users))
}

// BenchmarkClerkguardWarm: core Authenticate with a repeated token (a
// single-page app's 60-second session token), served by the cache.
func BenchmarkClerkguardWarm(b *testing.B) {
	f := setup(b)
	run(b, clerkguardHandler(b, f, nil), bearerCalls([]string{f.warm}, []string{warmUser}))
}

// BenchmarkClerkguardWarmCookie: core Authenticate on a browser's page load
// with the repeated token in the __session cookie (and __client_uat, and the
// development instance's __clerk_db_jwt), served by the cache: the path of
// a server-rendered or same-origin application. Clerk's Go SDK reads the
// Authorization header only, so this row has no SDK ratio.
func BenchmarkClerkguardWarmCookie(b *testing.B) {
	f := setup(b)
	r := httptest.NewRequest(http.MethodGet, "http://api.example.com/me", nil)
	r.Header.Set("Cookie", "__session="+f.warm+"; __client_uat="+strconv.FormatInt(f.issued.Add(-time.Minute).Unix(), 10)+
		"; __clerk_db_jwt=dvb_2benchbenchbenchbenchbench")
	r.Header.Set("Sec-Fetch-Dest", "document")
	r.Header.Set("Sec-Fetch-Mode", "navigate")
	r.Header.Set("Sec-Fetch-Site", "none")
	r.Header.Set("Accept", "text/html,application/xhtml+xml")
	run(b, clerkguardHandler(b, f, nil), []call{{r, warmUser}})
}

// BenchmarkClerkSDKWarm is Clerk's SDK with the same repeated token, the
// reference for the warm ratio.
func BenchmarkClerkSDKWarm(b *testing.B) {
	f := setup(b)
	url := f.jwks.URL() + "/v1"
	client := jwks.NewClient(&clerksdk.ClientConfig{BackendConfig: clerksdk.BackendConfig{URL: &url, Key: &f.sk}})
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := clerksdk.SessionClaimsFromContext(r.Context())
		sub := ""
		if claims != nil {
			sub = claims.Subject
		}
		ok(w, sub)
	})
	run(b, clerkhttp.WithHeaderAuthorization(clerkhttp.JWKSClient(client))(inner), bearerCalls([]string{f.warm}, []string{warmUser}))
}
