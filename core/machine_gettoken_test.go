package clerk_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerkdev"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// Auth.GetToken (spec §4.1, §4.3) against clerkdev's token endpoints.
func TestGetToken(t *testing.T) {
	t.Parallel()
	e := mtSetup(t, clerkdev.Config{}, nil)
	tk := e.tokens(t)
	ctx := context.Background()
	auth := e.authenticate(tk.session).Auth
	if !auth.IsSignedIn() {
		t.Fatal("not signed in")
	}

	t.Run("no options: the request's session token, no call", func(t *testing.T) {
		got, err := auth.GetToken(ctx)
		if err != nil || got != tk.session {
			t.Fatalf("GetToken() = %q, %v", got, err)
		}
		if n := e.inst.Requests("/v1/sessions/{sid}/tokens") + e.inst.Requests("/v1/sessions/{sid}/tokens/{template}"); n != 0 {
			t.Errorf("%d token calls", n)
		}
	})
	t.Run("template", func(t *testing.T) {
		got, err := auth.GetToken(ctx, clerk.Template("example"))
		if err != nil {
			t.Fatal(err)
		}
		p := mtPayload(t, got)
		if p["aud"] != "example" || p["sub"] != "user_alice" || p["email"] != "alice@example.com" || p["org"] != "acme" {
			t.Errorf("template claims = %v", p)
		}
		if h := mtHeader(t, got); h["cat"] != clerktest.CategoryTemplate {
			t.Errorf("template header = %v", h)
		}
		if n := e.inst.Requests("/v1/sessions/" + tk.sessionID + "/tokens/example"); n != 1 {
			t.Errorf("%d calls to the template endpoint", n)
		}
	})
	t.Run("expires in: a new session token", func(t *testing.T) {
		got, err := auth.GetToken(ctx, clerk.ExpiresIn(2*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		p := mtPayload(t, got)
		if got == tk.session || p["sid"] != tk.sessionID || p["exp"].(float64)-p["iat"].(float64) != 120 {
			t.Errorf("claims = %v", p)
		}
		if n := e.inst.Requests("/v1/sessions/" + tk.sessionID + "/tokens"); n != 1 {
			t.Errorf("%d calls to the session token endpoint", n)
		}
	})
	t.Run("template and expires in", func(t *testing.T) {
		got, err := auth.GetToken(ctx, clerk.Template("example"), clerk.ExpiresIn(90*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if p := mtPayload(t, got); p["aud"] != "example" || p["exp"].(float64)-p["iat"].(float64) != 90 {
			t.Errorf("claims = %v", p)
		}
	})
	t.Run("unknown template: the Backend API's 404", func(t *testing.T) {
		got, err := auth.GetToken(ctx, clerk.Template("nope"))
		var ae *clerk.APIError
		if got != "" || !errors.As(err, &ae) || ae.Status != http.StatusNotFound {
			t.Fatalf("GetToken = %q, %v", got, err)
		}
	})
	t.Run("ended session: the Backend API's refusal", func(t *testing.T) {
		sess, err := e.inst.CreateSession("user_bob")
		if err != nil {
			t.Fatal(err)
		}
		a := e.authenticate(sess.Token).Auth
		if err := e.inst.EndSession(sess.ID); err != nil {
			t.Fatal(err)
		}
		var ae *clerk.APIError
		if _, err := a.GetToken(ctx, clerk.Template("example")); !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized {
			t.Fatalf("GetToken = %v", err)
		}
	})
	t.Run("invalid options fail before any call", func(t *testing.T) {
		before := e.inst.Requests("/v1/sessions/{sid}/tokens") + e.inst.Requests("/v1/sessions/{sid}/tokens/{template}")
		for _, opts := range [][]clerk.GetTokenOption{
			{clerk.ExpiresIn(500 * time.Millisecond)},
			{clerk.ExpiresIn(-time.Minute)},
			{clerk.Template("a/b")},
			{clerk.Template("..")},
		} {
			if got, err := auth.GetToken(ctx, opts...); got != "" || err == nil {
				t.Errorf("GetToken = %q, %v; want an error", got, err)
			}
		}
		if after := e.inst.Requests("/v1/sessions/{sid}/tokens") + e.inst.Requests("/v1/sessions/{sid}/tokens/{template}"); after != before {
			t.Errorf("%d calls for invalid options", after-before)
		}
	})
	t.Run("no session: empty, no error", func(t *testing.T) {
		pending, err := e.inst.CreateSession("user_carol", clerkdev.WithPending())
		if err != nil {
			t.Fatal(err)
		}
		for name, a := range map[string]*clerk.Auth{
			"signed out":           e.authenticate("").Auth,
			"pending":              e.authenticate(pending.Token).Auth,
			"invalid token":        mtAuthenticate(e.c, mtRequest(tk.apiKey.Token), clerk.M2MToken, clerk.OAuthToken).Auth,
			"unauthenticated m2m":  e.authenticate("", clerk.M2MToken).Auth,
			"nil":                  nil,
			"zero Auth":            {},
			"failed api key check": e.authenticate("ak_unknown", clerk.APIKey).Auth,
		} {
			got, err := a.GetToken(ctx, clerk.Template("example"))
			if got != "" || err != nil {
				t.Errorf("%s: GetToken = %q, %v", name, got, err)
			}
		}
	})
	t.Run("machine tokens: the presented token, options ignored", func(t *testing.T) {
		for _, tok := range []string{tk.apiKey.Token, tk.m2m.Token, tk.oauthJWT} {
			a := e.authenticate(tok, clerk.AnyToken).Auth
			got, err := a.GetToken(ctx, clerk.Template("example"), clerk.ExpiresIn(time.Minute))
			if got != tok || err != nil {
				t.Errorf("GetToken = %q, %v", got, err)
			}
		}
	})
	t.Run("an Auth not from Authenticate cannot mint", func(t *testing.T) {
		a := &clerk.Auth{TokenType: clerk.SessionToken, IsAuthenticated: true, UserID: "user_1", SessionID: "sess_1"}
		if _, err := a.GetToken(ctx, clerk.Template("example")); err == nil {
			t.Error("no error")
		}
	})
}

// TestGetTokenRequest pins the request: POST /v1/sessions/{sid}/tokens[/{template}]
// with the secret key, and {"expires_in_seconds": n} only when ExpiresIn is given.
func TestGetTokenRequest(t *testing.T) {
	t.Parallel()
	f := mtFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		mtJSON(w, 200, `{"object":"token","jwt":"minted.jwt.token"}`)
	})
	key := mtKey()
	const sk = "sk_test_secretsecretsecret"
	c := f.client(t, func(o *clerk.Options) { o.SecretKey, o.JWTKey = sk, key.PublicKeyPEM() })
	tok := key.MustSign(clerktest.SessionV2("user_1", "sess_abc", mtNow), clerktest.WithCategory(clerktest.CategorySession))
	auth := mtAuthenticate(c, mtRequest(tok)).Auth
	if !auth.IsSignedIn() {
		t.Fatal("not signed in")
	}
	tests := []struct {
		opts []clerk.GetTokenOption
		path string
		body map[string]any
	}{
		{[]clerk.GetTokenOption{clerk.Template("supabase")}, "/v1/sessions/sess_abc/tokens/supabase", nil},
		{[]clerk.GetTokenOption{clerk.ExpiresIn(90 * time.Second)}, "/v1/sessions/sess_abc/tokens", map[string]any{"expires_in_seconds": 90.0}},
		{[]clerk.GetTokenOption{clerk.Template("t 1?x"), clerk.ExpiresIn(1500 * time.Millisecond)}, "/v1/sessions/sess_abc/tokens/t 1?x", map[string]any{"expires_in_seconds": 1.0}},
	}
	for _, tt := range tests {
		got, err := auth.GetToken(context.Background(), tt.opts...)
		if err != nil || got != "minted.jwt.token" {
			t.Fatalf("GetToken = %q, %v", got, err)
		}
		if f.last.path != tt.path || f.last.auth != "Bearer "+sk {
			t.Errorf("request %q %q, want %q", f.last.path, f.last.auth, tt.path)
		}
		if len(f.last.body) != len(tt.body) || (tt.body != nil && f.last.body["expires_in_seconds"] != tt.body["expires_in_seconds"]) {
			t.Errorf("body %v, want %v", f.last.body, tt.body)
		}
	}

	t.Run("no secret key", func(t *testing.T) {
		c, err := clerk.New(clerk.Options{JWTKey: key.PublicKeyPEM(), Clock: func() time.Time { return mtNow }, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		a := mtAuthenticate(c, mtRequest(tok)).Auth
		var ce *clerk.ConfigError
		if _, err := a.GetToken(context.Background(), clerk.Template("x")); !errors.As(err, &ce) || !strings.Contains(ce.Message, "Missing Clerk Secret Key") {
			t.Errorf("GetToken = %v", err)
		}
		if got, err := a.GetToken(context.Background()); got != tok || err != nil {
			t.Errorf("GetToken() without a key = %q, %v; want the session token", got, err)
		}
	})
}

// mtHeader decodes a JWT's header without verifying it.
func mtHeader(t testing.TB, tok string) map[string]any {
	t.Helper()
	return mtPayload(t, strings.Join([]string{"", strings.Split(tok, ".")[0], ""}, "."))
}
