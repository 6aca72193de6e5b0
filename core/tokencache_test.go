package clerk_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// TestTokenCacheHit: a repeated token is not verified again; the cached
// claims are returned.
func TestTokenCacheHit(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	c, _ := newClient(t, nil, k)
	tok := k.MustSign(clerktest.SessionV1("user_1", "sess_1", t0))
	first, err := c.VerifyToken(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.VerifyToken(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Error("a repeated token was verified again instead of served from the cache")
	}
}

// TestTokenCacheStillChecksTime: a cached token that expired is refused.
func TestTokenCacheStillChecksTime(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	now := clerktest.NewClock(t0)
	c, _ := newClient(t, func(o *clerk.Options) { o.Clock = now.Now }, k)
	tok := k.MustSign(clerktest.SessionV1("user_1", "sess_1", t0, clerktest.WithExp(60*time.Second)))
	if _, err := c.VerifyToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	now.Advance(66 * time.Second)
	_, err := c.VerifyToken(context.Background(), tok)
	wantReason(t, err, clerk.ReasonTokenExpired)
	now.Set(t0) // even back in time, the entry is gone and the token is verified afresh
	if _, err := c.VerifyToken(context.Background(), tok); err != nil {
		t.Fatalf("re-verification after removal: %v", err)
	}
}

// TestTokenCacheDroppedOnRotation: when the key set changes, cached tokens
// are verified again against the new keys.
func TestTokenCacheDroppedOnRotation(t *testing.T) {
	t.Parallel()
	k, other := keys(t)
	now := clerktest.NewClock(t0)
	c, srv := newClient(t, func(o *clerk.Options) { o.Clock = now.Now }, k)
	tok := k.MustSign(clerktest.SessionV1("user_1", "sess_1", t0, clerktest.WithExp(time.Hour)))
	if _, err := c.VerifyToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	// The old key is withdrawn; a token of the new key forces a refresh.
	srv.SetKeys(other)
	if _, err := c.VerifyToken(context.Background(), other.MustSign(clerktest.SessionV1("user_2", "sess_2", t0))); err != nil {
		t.Fatal(err)
	}
	_, err := c.VerifyToken(context.Background(), tok)
	wantReason(t, err, clerk.ReasonJWKKidMismatch)
}

func TestTokenCacheDisabled(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	c, _ := newClient(t, func(o *clerk.Options) { o.TokenCacheEntries = -1 }, k)
	tok := k.MustSign(clerktest.SessionV1("user_1", "sess_1", t0))
	a, _ := c.VerifyToken(context.Background(), tok)
	b, _ := c.VerifyToken(context.Background(), tok)
	if a == nil || a == b {
		t.Error("with the cache disabled every verification must decode the token afresh")
	}
}

// TestTokenCacheBounded: the cache never grows past its entry bound, is
// full once more tokens than that were verified, and keeps verifying
// correctly when evicting.
func TestTokenCacheBounded(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	c, _ := newClient(t, func(o *clerk.Options) { o.TokenCacheEntries = 8 }, k)
	toks := make([]string, 20)
	for i := range toks {
		toks[i] = k.MustSign(clerktest.SessionV1("user_"+string(rune('a'+i)), "sess", t0))
		if _, err := c.VerifyToken(context.Background(), toks[i]); err != nil {
			t.Fatal(err)
		}
		if n, _ := clerk.TokenCacheLen(c); n != min(i+1, 8) {
			t.Fatalf("after %d tokens: %d cached, want %d", i+1, n, min(i+1, 8))
		}
	}
	for _, tok := range toks {
		if _, err := c.VerifyToken(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
		if n, _ := clerk.TokenCacheLen(c); n != 8 {
			t.Fatalf("%d cached, want 8", n)
		}
	}
}

// TestTokenCacheBytesBounded: TokenCacheBytes bounds the cache when it is
// the tighter bound: never past it, and as many tokens as fit.
func TestTokenCacheBytesBounded(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	toks := make([]string, 20)
	for i := range toks {
		toks[i] = k.MustSign(clerktest.SessionV1("user_"+string(rune('a'+i)), "sess", t0))
	}
	// Room for 3 of these (same-size) tokens, not 4.
	probe, _ := newClient(t, nil, k)
	if _, err := probe.VerifyToken(context.Background(), toks[0]); err != nil {
		t.Fatal(err)
	}
	_, entry := clerk.TokenCacheLen(probe)
	limit := 3*entry + entry/2
	c, _ := newClient(t, func(o *clerk.Options) { o.TokenCacheBytes = limit }, k)
	for round := range 2 {
		for i, tok := range toks {
			if _, err := c.VerifyToken(context.Background(), tok); err != nil {
				t.Fatal(err)
			}
			n, b := clerk.TokenCacheLen(c)
			if b > limit || b != int64(n)*entry {
				t.Fatalf("%d tokens cached in %d bytes: bound %d, %d each", n, b, limit, entry)
			}
			if want := 3; (round > 0 || i >= 2) && n != want {
				t.Fatalf("%d tokens cached, want %d", n, want)
			}
		}
	}
}

// BenchmarkVerifyWarm is a repeated token (a single-page app's 60-second
// session token): the verified-token cache serves it.
func BenchmarkVerifyWarm(b *testing.B) {
	k, _ := keys(b)
	c, _ := newClient(b, nil, k)
	tok := k.MustSign(clerktest.SessionV2("user_1", "sess_1", t0, clerktest.WithOrg(clerktest.Org{ID: "org_1", Slug: "acme", Role: "admin"})))
	ctx := context.Background()
	if _, err := c.VerifyToken(ctx, tok); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.VerifyToken(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthenticateWarm is Authenticate alone (no HTTP handler) with a
// repeated header token: the hot path of every API call of a signed-in
// single-page app.
func BenchmarkAuthenticateWarm(b *testing.B) {
	k, _ := keys(b)
	c, _ := newClient(b, nil, k)
	tok := k.MustSign(clerktest.SessionV2("user_1", "sess_1", t0, clerktest.WithOrg(clerktest.Org{ID: "org_1", Slug: "acme", Role: "admin", Permissions: []string{"read"}})))
	r := httptestRequest("https://api.example.com/me", "Bearer "+tok)
	req := clerk.NewRequest(r)
	ctx := context.Background()
	if s := c.Authenticate(ctx, req); !s.IsAuthenticated() {
		b.Fatalf("not signed in: %s", s.Reason)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if s := c.Authenticate(ctx, req); s.Auth.UserID != "user_1" {
			b.Fatal("not signed in")
		}
	}
}

// BenchmarkAuthenticateWarmCookie is Authenticate alone with a repeated
// __session cookie: a browser's page load or fetch on the application's own
// origin (development instance, so the dev-browser cookie too). The token is
// in the verified-token cache, so the request should cost what the header
// path costs.
func BenchmarkAuthenticateWarmCookie(b *testing.B) {
	k, _ := keys(b)
	c, _ := newClient(b, nil, k)
	tok := k.MustSign(clerktest.SessionV2("user_1", "sess_1", t0,
		clerktest.WithIssuer("https://"+fapiHost),
		clerktest.WithOrg(clerktest.Org{ID: "org_1", Slug: "acme", Role: "admin", Permissions: []string{"read"}})))
	r := httptestRequest("https://app.example.com/dashboard", "")
	r.Header.Del("Authorization")
	r.Header.Set("Sec-Fetch-Dest", "document")
	r.Header.Set("Sec-Fetch-Mode", "navigate")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("Accept", "text/html,application/xhtml+xml")
	r.Header.Set("Cookie", "__session="+tok+"; __client_uat="+strconv.FormatInt(t0.Add(-time.Minute).Unix(), 10)+
		"; __clerk_db_jwt=dvb_2abcdefghijklmnopqrstuvwxyz")
	req := clerk.NewRequest(r)
	ctx := context.Background()
	if s := c.Authenticate(ctx, req); !s.IsAuthenticated() || s.Auth.UserID != "user_1" {
		b.Fatalf("not signed in: %s", s.Reason)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if s := c.Authenticate(ctx, req); s.Auth.UserID != "user_1" {
			b.Fatal("not signed in")
		}
	}
}
