package clerk_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerkdev"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// The machine-token tests run against clerkdev (a loopback Clerk instance
// serving the verify endpoints and the JWKS) or, for faults, an httptest
// Backend API. Every request goes through Client.Authenticate on a real
// *http.Request.

var (
	mtNow = time.Date(2026, 10, 5, 9, 0, 0, 0, time.UTC)
	mtKey = sync.OnceValue(clerktest.MustNewKey)
)

// mtEnv is a clerkdev instance and a client pointed at it, on one clock.
type mtEnv struct {
	inst  *clerkdev.Instance
	clock *clerktest.Clock
	c     *clerk.Client
}

func mtSetup(t testing.TB, cfg clerkdev.Config, mod func(*clerk.Options)) *mtEnv {
	t.Helper()
	clock := clerktest.NewClock(mtNow)
	cfg.Key = mtKey()
	cfg.Clock = clock.Now
	inst := clerkdev.NewTestInstance(t, cfg)
	s := inst.Settings()
	o := clerk.Options{
		PublishableKey:   s.PublishableKey,
		SecretKey:        s.SecretKey,
		MachineSecretKey: s.MachineSecretKey,
		APIURL:           s.APIURL,
		ProxyURL:         s.ProxyURL,
		Clock:            clock.Now,
		Logger:           slog.New(slog.DiscardHandler),
	}
	if mod != nil {
		mod(&o)
	}
	c, err := clerk.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return &mtEnv{inst: inst, clock: clock, c: c}
}

// mtRequest is an API request (not a page) carrying token as a Bearer
// token, when token is not empty, and the given extra headers.
func mtRequest(token string, header ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://localhost:3000/api/things", nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return r
}

func (e *mtEnv) authenticate(token string, accepts ...clerk.TokenType) *clerk.RequestState {
	return mtAuthenticate(e.c, mtRequest(token), accepts...)
}

// mtAuthenticate authenticates r; with no accepts it uses the default
// (session tokens only).
func mtAuthenticate(c *clerk.Client, r *http.Request, accepts ...clerk.TokenType) *clerk.RequestState {
	if len(accepts) == 0 {
		return c.Authenticate(context.Background(), clerk.NewRequest(r))
	}
	return c.Authenticate(context.Background(), clerk.NewRequest(r), clerk.AcceptsToken(accepts...))
}

// mtTokens are one token of every kind, issued by the instance.
type mtTokens struct {
	sess                        *clerkdev.Session
	session, template           string
	apiKey, m2m, oauth          clerkdev.MachineToken
	m2mJWT, oauthJWT, sessionID string
}

// cookieRequest is an API request carrying the session in cookies only.
func (tk mtTokens) cookieRequest() *http.Request {
	r := mtRequest("")
	for _, c := range tk.sess.Cookies(false) {
		r.AddCookie(c)
	}
	return r
}

func (e *mtEnv) tokens(t testing.TB) mtTokens {
	t.Helper()
	var out mtTokens
	sess, err := e.inst.CreateSession("user_alice", clerkdev.WithOrg("acme"))
	if err != nil {
		t.Fatal(err)
	}
	out.sess, out.session, out.sessionID = sess, sess.Token, sess.ID
	out.template = mtKey().MustSign(clerktest.SessionV2("user_alice", sess.ID, mtNow, clerktest.WithIssuer(e.inst.URL())),
		clerktest.WithCategory(clerktest.CategoryTemplate))
	must := func(tok clerkdev.MachineToken, err error) clerkdev.MachineToken {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	out.apiKey = must(e.inst.CreateAPIKey("user_alice", "ci key", []string{"read", "write"}, clerkdev.WithClaim("env", "ci")))
	out.m2m = must(e.inst.CreateM2MToken("mch_worker", []string{"mch_api"}, clerkdev.WithClaim("job", "nightly")))
	out.oauth = must(e.inst.CreateOAuthToken("user_bob", "client_app", []string{"profile", "email"}))
	if out.m2mJWT, err = e.inst.MintM2MJWT("mch_worker", []string{"mch_api", "mch_db"}, clerkdev.WithClaim("job", "nightly")); err != nil {
		t.Fatal(err)
	}
	if out.oauthJWT, err = e.inst.MintOAuthJWT("user_bob", "client_app", []string{"profile"}); err != nil {
		t.Fatal(err)
	}
	return out
}

func wantState(t *testing.T, s *clerk.RequestState, status clerk.AuthStatus, tt clerk.TokenType, reason clerk.Reason) {
	t.Helper()
	if s.Status != status || s.TokenType != tt || s.Reason != reason {
		t.Fatalf("state = {status %s, tokenType %q, reason %q, message %q, err %v}, want {%s, %q, %q}",
			s.Status, s.TokenType, s.Reason, s.Message, s.Err, status, tt, reason)
	}
	if s.Auth == nil {
		t.Fatal("Auth is nil")
	}
	if s.Auth.TokenType != tt {
		t.Errorf("Auth.TokenType = %q, want %q", s.Auth.TokenType, tt)
	}
	if s.Auth.IsAuthenticated != (status == clerk.StatusSignedIn) {
		t.Errorf("Auth.IsAuthenticated = %v with status %s", s.Auth.IsAuthenticated, status)
	}
	if s.Auth.Has(clerk.Role("org:admin")) || s.Auth.Has(clerk.Permission("org:invoices:read")) {
		if tt != clerk.SessionToken {
			t.Error("Has is true for a machine or invalid-token object")
		}
	}
}

// TestAcceptsTokenTable runs every row of spec §6.6 through Authenticate.
func TestAcceptsTokenTable(t *testing.T) {
	t.Parallel()
	e := mtSetup(t, clerkdev.Config{}, nil)
	tk := e.tokens(t)
	machine := map[clerk.TokenType][]string{
		clerk.APIKey:     {tk.apiKey.Token},
		clerk.M2MToken:   {tk.m2m.Token, tk.m2mJWT},
		clerk.OAuthToken: {tk.oauth.Token, tk.oauthJWT},
	}
	types := []clerk.TokenType{clerk.APIKey, clerk.M2MToken, clerk.OAuthToken}

	t.Run("session_token/session JWT: session verification", func(t *testing.T) {
		s := e.authenticate(tk.session)
		wantState(t, s, clerk.StatusSignedIn, clerk.SessionToken, "")
		if s.Auth.UserID != "user_alice" || s.Auth.OrgID != "org_acme" {
			t.Errorf("Auth = %v", s.Auth)
		}
	})
	t.Run("session_token/machine JWT or template JWT: token-type-mismatch", func(t *testing.T) {
		for _, tok := range []string{tk.m2mJWT, tk.oauthJWT, tk.template} {
			wantState(t, e.authenticate(tok), clerk.StatusSignedOut, clerk.SessionToken, clerk.ReasonTokenTypeMismatch)
		}
	})
	// The table of spec §6.6 says "machine token"; Clerk's code
	// (authenticateRequestWithTokenInHeader) only tests machine JWTs and
	// the category, so an opaque token fails session verification instead.
	t.Run("session_token/opaque machine token: session verification fails", func(t *testing.T) {
		for _, tok := range []string{tk.apiKey.Token, tk.m2m.Token, tk.oauth.Token} {
			s := e.authenticate(tok)
			wantState(t, s, clerk.StatusSignedOut, clerk.SessionToken, clerk.ReasonTokenInvalid)
			if !strings.HasPrefix(s.Message, "Invalid JWT form.") {
				t.Errorf("Message = %q", s.Message)
			}
		}
		if n := e.inst.Requests("/api_keys/verify") + e.inst.Requests("/m2m_tokens/verify"); n != 0 {
			t.Errorf("%d verify calls on a session-only route", n)
		}
	})
	t.Run("session_token/no token: cookie flow", func(t *testing.T) {
		s := mtAuthenticate(e.c, tk.cookieRequest())
		wantState(t, s, clerk.StatusSignedIn, clerk.SessionToken, "")
	})
	for _, want := range types {
		t.Run(string(want)+"/same type: machine verification", func(t *testing.T) {
			for _, tok := range machine[want] {
				s := e.authenticate(tok, want)
				wantState(t, s, clerk.StatusSignedIn, want, "")
				if s.Token != tok || s.Auth.Subject == "" || s.Auth.Scopes == nil {
					t.Errorf("Token/Subject/Scopes not set: %v", s.Auth)
				}
			}
		})
		t.Run(string(want)+"/other type or session JWT: token-type-mismatch with the requested type", func(t *testing.T) {
			others := []string{tk.session, tk.template}
			for _, tt := range types {
				if tt != want {
					others = append(others, machine[tt]...)
				}
			}
			for _, tok := range others {
				s := e.authenticate(tok, want)
				wantState(t, s, clerk.StatusSignedOut, want, clerk.ReasonTokenTypeMismatch)
			}
		})
		t.Run(string(want)+"/no token: No token in header, cookies ignored", func(t *testing.T) {
			wantState(t, mtAuthenticate(e.c, tk.cookieRequest(), want), clerk.StatusSignedOut, want, clerk.ReasonNoTokenInHeader)
		})
	}
	t.Run("array/type not in array: invalid-token object", func(t *testing.T) {
		for _, c := range []struct {
			accepts []clerk.TokenType
			token   string
		}{
			{[]clerk.TokenType{clerk.M2MToken, clerk.APIKey}, tk.oauth.Token},
			{[]clerk.TokenType{clerk.M2MToken, clerk.APIKey}, tk.oauthJWT},
			{[]clerk.TokenType{clerk.M2MToken, clerk.APIKey}, tk.session},
			{[]clerk.TokenType{clerk.M2MToken, clerk.APIKey}, ""}, // no header counts as session_token
			{[]clerk.TokenType{clerk.SessionToken, clerk.OAuthToken}, tk.apiKey.Token},
		} {
			s := mtAuthenticate(e.c, mtRequest(c.token), c.accepts...)
			wantState(t, s, clerk.StatusSignedOut, "", clerk.ReasonTokenTypeMismatch)
			if tok, err := s.Auth.GetToken(context.Background()); tok != "" || err != nil {
				t.Errorf("invalid-token GetToken = %q, %v", tok, err)
			}
		}
	})
	t.Run("array or any/machine token: machine verification", func(t *testing.T) {
		for _, accepts := range [][]clerk.TokenType{{clerk.AnyToken}, types, {clerk.SessionToken, clerk.APIKey, clerk.M2MToken, clerk.OAuthToken}} {
			for _, tt := range types {
				for _, tok := range machine[tt] {
					wantState(t, e.authenticate(tok, accepts...), clerk.StatusSignedIn, tt, "")
				}
			}
		}
	})
	t.Run("array or any/session JWT: session verification (header)", func(t *testing.T) {
		for _, accepts := range [][]clerk.TokenType{{clerk.AnyToken}, {clerk.SessionToken, clerk.APIKey}} {
			wantState(t, e.authenticate(tk.session, accepts...), clerk.StatusSignedIn, clerk.SessionToken, "")
			// Template tokens never sign in (design §4.3).
			wantState(t, e.authenticate(tk.template, accepts...), clerk.StatusSignedOut, clerk.SessionToken, clerk.ReasonTokenTypeMismatch)
		}
	})
	t.Run("array with session or any/no token: cookie flow", func(t *testing.T) {
		for _, accepts := range [][]clerk.TokenType{{clerk.AnyToken}, {clerk.SessionToken, clerk.APIKey}} {
			wantState(t, mtAuthenticate(e.c, tk.cookieRequest(), accepts...), clerk.StatusSignedIn, clerk.SessionToken, "")
		}
	})
}

// TestMachineAuthObjects checks the fields of spec §4.3 for each token.
func TestMachineAuthObjects(t *testing.T) {
	t.Parallel()
	e := mtSetup(t, clerkdev.Config{}, nil)
	tk := e.tokens(t)
	orgKey, err := e.inst.CreateAPIKey("org_acme", "org key", nil, clerkdev.WithLifetime(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	machineKey, err := e.inst.CreateAPIKey("mch_worker", "machine key", []string{"x"})
	if err != nil {
		t.Fatal(err)
	}
	jwtClaims := mtPayload(t, tk.m2mJWT)
	oauthClaims := mtPayload(t, tk.oauthJWT)

	tests := []struct {
		name  string
		token string
		want  clerk.Auth
	}{
		{"api key of a user", tk.apiKey.Token, clerk.Auth{TokenType: clerk.APIKey, IsAuthenticated: true,
			ID: tk.apiKey.ID, Subject: "user_alice", Name: "ci key", Scopes: []string{"read", "write"},
			UserID: "user_alice", MachineClaims: map[string]any{"env": "ci"}}},
		{"api key of an organization", orgKey.Token, clerk.Auth{TokenType: clerk.APIKey, IsAuthenticated: true,
			ID: orgKey.ID, Subject: "org_acme", Name: "org key", Scopes: []string{}, OrgID: "org_acme",
			Expiration: mtNow.Add(time.Hour)}},
		{"api key of a machine", machineKey.Token, clerk.Auth{TokenType: clerk.APIKey, IsAuthenticated: true,
			ID: machineKey.ID, Subject: "mch_worker", Name: "machine key", Scopes: []string{"x"}}},
		{"opaque m2m token", tk.m2m.Token, clerk.Auth{TokenType: clerk.M2MToken, IsAuthenticated: true,
			ID: tk.m2m.ID, Subject: "mch_worker", MachineID: "mch_worker", Scopes: []string{"mch_api"},
			MachineClaims: map[string]any{"job": "nightly"}, Expiration: mtNow.Add(time.Hour)}},
		{"opaque oauth token", tk.oauth.Token, clerk.Auth{TokenType: clerk.OAuthToken, IsAuthenticated: true,
			ID: tk.oauth.ID, Subject: "user_bob", UserID: "user_bob", ClientID: "client_app",
			Scopes: []string{"profile", "email"}, Expiration: mtNow.Add(time.Hour)}},
		{"m2m JWT", tk.m2mJWT, clerk.Auth{TokenType: clerk.M2MToken, IsAuthenticated: true,
			ID: jwtClaims["jti"].(string), Subject: "mch_worker", MachineID: "mch_worker", Scopes: []string{"mch_api", "mch_db"},
			// Every claim but iss, sub, exp, nbf, iat and jti (Clerk's extractCustomClaims).
			MachineClaims: map[string]any{"job": "nightly", "scopes": "mch_api mch_db"}, Expiration: mtNow.Add(time.Hour)}},
		{"oauth JWT", tk.oauthJWT, clerk.Auth{TokenType: clerk.OAuthToken, IsAuthenticated: true,
			ID: oauthClaims["jti"].(string), Subject: "user_bob", UserID: "user_bob", ClientID: "client_app",
			Scopes: []string{"profile"}, Expiration: mtNow.Add(time.Hour)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := e.authenticate(tt.token, clerk.AnyToken)
			wantState(t, s, clerk.StatusSignedIn, tt.want.TokenType, "")
			mtAssertAuth(t, s.Auth, &tt.want)
			if s.Auth.IsSignedIn() || s.Auth.Has(clerk.Role("org:admin")) || s.Auth.SessionID != "" || s.Auth.Claims != nil {
				t.Errorf("a machine Auth looks like a session: %v", s.Auth)
			}
			got, err := s.Auth.GetToken(context.Background(), clerk.Template("example"))
			if err != nil || got != tt.token {
				t.Errorf("GetToken = %q, %v; want the presented token", got, err)
			}
			if str := s.Auth.String(); strings.Contains(str, tt.token) {
				t.Errorf("String() contains the token: %s", str)
			}
		})
	}

	t.Run("unauthenticated machine objects are empty", func(t *testing.T) {
		for _, tt := range []clerk.TokenType{clerk.APIKey, clerk.M2MToken, clerk.OAuthToken} {
			s := e.authenticate("", tt)
			mtAssertAuth(t, s.Auth, &clerk.Auth{TokenType: tt})
			if got, err := s.Auth.GetToken(context.Background()); got != "" || err != nil {
				t.Errorf("GetToken = %q, %v", got, err)
			}
		}
	})
}

// mtAssertAuth compares the exported fields of an Auth.
func mtAssertAuth(t *testing.T, got, want *clerk.Auth) {
	t.Helper()
	g, w := *got, *want
	if !g.Expiration.Equal(w.Expiration) {
		t.Errorf("Expiration = %v, want %v", g.Expiration, w.Expiration)
	}
	g.Expiration, w.Expiration = time.Time{}, time.Time{}
	gj, _ := json.Marshal(g)
	wj, _ := json.Marshal(w)
	if string(gj) != string(wj) {
		t.Errorf("Auth =\n %s\nwant\n %s", gj, wj)
	}
}

// mtPayload decodes a JWT's payload without verifying it.
func mtPayload(t testing.TB, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestMachineProtect runs the rows of spec §6.6 through
// Protect(AcceptsToken(...)) after a middleware that accepts every token
// (what NewGuard does): machine contexts answer 401, never a redirect, even
// to a page request.
func TestMachineProtect(t *testing.T) {
	t.Parallel()
	e := mtSetup(t, clerkdev.Config{}, nil)
	tk := e.tokens(t)
	page := []string{"Accept", "text/html", "Sec-Fetch-Dest", "document"}
	const ok, u401, u401OAuth, signIn = "ok", "401", "401+www-authenticate", "redirect"

	tests := []struct {
		name    string
		token   string
		protect []clerk.TokenType // nil: Protect() with its session default
		want    string
	}{
		{"api key on an m2m-or-api-key route", tk.apiKey.Token, []clerk.TokenType{clerk.M2MToken, clerk.APIKey}, ok},
		{"m2m token on an m2m-or-api-key route", tk.m2m.Token, []clerk.TokenType{clerk.M2MToken, clerk.APIKey}, ok},
		{"m2m JWT on an m2m route", tk.m2mJWT, []clerk.TokenType{clerk.M2MToken}, ok},
		{"oauth token on an oauth route", tk.oauth.Token, []clerk.TokenType{clerk.OAuthToken}, ok},
		{"oauth JWT on an any route", tk.oauthJWT, []clerk.TokenType{clerk.AnyToken}, ok},
		{"session on an any route", tk.session, []clerk.TokenType{clerk.AnyToken}, ok},
		{"session on a session-or-api-key route", tk.session, []clerk.TokenType{clerk.SessionToken, clerk.APIKey}, ok},
		{"api key on a session-or-api-key route", tk.apiKey.Token, []clerk.TokenType{clerk.SessionToken, clerk.APIKey}, ok},

		{"oauth token on an m2m-or-api-key route", tk.oauth.Token, []clerk.TokenType{clerk.M2MToken, clerk.APIKey}, u401OAuth},
		{"session on an m2m route", tk.session, []clerk.TokenType{clerk.M2MToken}, u401},
		{"no token on an api-key route", "", []clerk.TokenType{clerk.APIKey}, u401},
		{"no token on an m2m-or-api-key route", "", []clerk.TokenType{clerk.M2MToken, clerk.APIKey}, u401},
		{"api key on an oauth route", tk.apiKey.Token, []clerk.TokenType{clerk.OAuthToken}, u401},
		{"unknown api key on an api-key route", "ak_unknown", []clerk.TokenType{clerk.APIKey}, u401},
		{"unknown oauth token on an oauth route", "oat_unknown", []clerk.TokenType{clerk.OAuthToken}, u401OAuth},
		// A route that accepts only sessions sees a signed-out session
		// (spec §4.4), a session failure: sign-in for a page, as in Clerk.
		{"api key on a session route", tk.apiKey.Token, nil, signIn},
		{"m2m token on a session-or-api-key route", tk.m2m.Token, []clerk.TokenType{clerk.SessionToken, clerk.APIKey}, u401},
		// A session route without a session is a session failure: the
		// sign-in redirect for a page.
		{"no token on a session route", "", nil, signIn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mtAuthenticate(e.c, mtRequest(tt.token, page...), clerk.AnyToken)
			var opts []clerk.ProtectOption
			if tt.protect != nil {
				opts = append(opts, clerk.AcceptsToken(tt.protect...))
			}
			err := s.Auth.Protect(opts...)
			var pe *clerk.ProtectError
			switch {
			case tt.want == ok:
				if err != nil {
					t.Fatalf("Protect = %v, want nil", err)
				}
				return
			case !errors.As(err, &pe):
				t.Fatalf("Protect = %v, want a *ProtectError", err)
			}
			d := pe.Decision
			switch tt.want {
			case u401, u401OAuth:
				if d.Status != http.StatusUnauthorized || d.Header.Get("Location") != "" {
					t.Fatalf("Decision = %d %v, want 401 without a redirect", d.Status, d.Header)
				}
				www := d.Header.Get("WWW-Authenticate")
				if tt.want == u401OAuth {
					want := `Bearer resource_metadata="https://` + strings.TrimPrefix(e.inst.URL(), "http://") + `/.well-known/oauth-protected-resource"`
					if www != want {
						t.Errorf("WWW-Authenticate = %q, want %q", www, want)
					}
				} else if www != "" {
					t.Errorf("WWW-Authenticate = %q, want none", www)
				}
			case signIn:
				if d.Status != http.StatusTemporaryRedirect {
					t.Fatalf("Decision = %d, want a redirect", d.Status)
				}
			}
		})
	}
}

// TestMachineProtectBackendAPIDown: when the Backend API cannot be reached,
// Protect answers 503 with Retry-After (design §4.2), while Authenticate
// reports Clerk's unexpected-error.
func TestMachineProtectBackendAPIDown(t *testing.T) {
	t.Parallel()
	e := mtSetup(t, clerkdev.Config{}, nil)
	tk := e.tokens(t)
	e.inst.Close()
	for _, c := range []struct {
		token string
		tt    clerk.TokenType
	}{
		{tk.apiKey.Token, clerk.APIKey}, {tk.m2m.Token, clerk.M2MToken}, {tk.oauth.Token, clerk.OAuthToken},
		// JWT-format tokens need the instance keys, which cannot be loaded.
		{tk.m2mJWT, clerk.M2MToken},
	} {
		s := e.authenticate(c.token, clerk.AnyToken)
		if !s.Unavailable() {
			t.Fatalf("%s: Unavailable() = false; state %s %q %v", c.tt, s.Status, s.Reason, s.Err)
		}
		want := clerk.Reason(clerk.MachineErrUnexpected)
		if strings.Contains(c.token, ".") {
			want = clerk.Reason(clerk.MachineErrVerificationFailed)
		}
		wantState(t, s, clerk.StatusSignedOut, c.tt, want)
		err := s.Auth.Protect(clerk.AcceptsToken(clerk.M2MToken, clerk.APIKey, clerk.OAuthToken))
		var pe *clerk.ProtectError
		if !errors.As(err, &pe) || pe.Decision.Status != http.StatusServiceUnavailable || pe.Decision.Header.Get("Retry-After") == "" {
			t.Fatalf("%s: Protect = %v, want 503 with Retry-After", c.tt, err)
		}
	}
}

// mtFakeAPI is an httptest Backend API for the verify endpoints: handler
// answers every call; calls and the last request are recorded.
type mtFakeAPI struct {
	srv   *httptest.Server
	mu    sync.Mutex
	calls int
	last  struct {
		path, auth, version string
		body                map[string]any
	}
}

func mtFake(t testing.TB, handler func(w http.ResponseWriter, r *http.Request)) *mtFakeAPI {
	t.Helper()
	f := &mtFakeAPI{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		f.calls++
		f.last.path, f.last.auth, f.last.version, f.last.body = r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Clerk-API-Version"), body
		f.mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *mtFakeAPI) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *mtFakeAPI) client(t testing.TB, mod func(*clerk.Options)) *clerk.Client {
	t.Helper()
	o := clerk.Options{SecretKey: "sk_test_" + strings.Repeat("s", 20), APIURL: f.srv.URL, Clock: func() time.Time { return mtNow }}
	if mod != nil {
		mod(&o)
	}
	c, err := clerk.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mtJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// TestMachineVerifyRequest pins the request of spec §6.3: no /v1 segment,
// the body field, the credential (the machine secret key for M2M tokens
// when set) and the API version.
func TestMachineVerifyRequest(t *testing.T) {
	t.Parallel()
	const sk, msk = "sk_test_secretsecretsecret", "ak_machinesecretsecret"
	tests := []struct {
		name      string
		msk       string
		token     string
		path      string
		field     string
		wantBearr string
	}{
		{"api key", msk, "ak_key", "/api_keys/verify", "secret", sk},
		{"m2m token with a machine secret key", msk, "mt_tok", "/m2m_tokens/verify", "token", msk},
		{"m2m token without one", "", "mt_tok", "/m2m_tokens/verify", "token", sk},
		{"oauth token", msk, "oat_tok", "/oauth_applications/access_tokens/verify", "access_token", sk},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := mtFake(t, func(w http.ResponseWriter, r *http.Request) {
				mtJSON(w, 200, `{"object":"","id":"x_1","subject":"user_1","scopes":[]}`)
			})
			c := f.client(t, func(o *clerk.Options) { o.SecretKey, o.MachineSecretKey, o.APIURL = sk, tt.msk, f.srv.URL+"/" })
			s := mtAuthenticate(c, mtRequest(tt.token), clerk.AnyToken)
			if s.Status != clerk.StatusSignedIn {
				t.Fatalf("state = %s %q %v", s.Status, s.Reason, s.Err)
			}
			if f.last.path != tt.path || f.last.auth != "Bearer "+tt.wantBearr || f.last.version != clerk.SupportedAPIVersion {
				t.Errorf("request = %s, %q, version %q", f.last.path, f.last.auth, f.last.version)
			}
			if len(f.last.body) != 1 || f.last.body[tt.field] != tt.token {
				t.Errorf("body = %v, want {%q: token}", f.last.body, tt.field)
			}
		})
	}
}

// TestMachineMissingKeys: without the key an endpoint needs, nothing is
// sent and the state carries a *ConfigError with Clerk's message (spec
// §1.2 item 4).
func TestMachineMissingKeys(t *testing.T) {
	t.Parallel()
	f := mtFake(t, func(w http.ResponseWriter, r *http.Request) { mtJSON(w, 200, `{}`) })
	quiet := slog.New(slog.DiscardHandler)
	jwtOnly, err := clerk.New(clerk.Options{JWTKey: mtKey().PublicKeyPEM(), APIURL: f.srv.URL, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	machineOnly, err := clerk.New(clerk.Options{MachineSecretKey: "ak_machinesecretsecret", APIURL: f.srv.URL, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		c     *clerk.Client
		token string
		msg   string
	}{
		{jwtOnly, "mt_tok", "Machine token authentication requires either a Machine secret key or a Clerk secret key. Ensure a Clerk secret key or Machine secret key is set."},
		{jwtOnly, "ak_key", "Missing Clerk Secret Key."},
		{machineOnly, "oat_tok", "Missing Clerk Secret Key."},
	} {
		s := mtAuthenticate(c.c, mtRequest(c.token), clerk.AnyToken)
		var ce *clerk.ConfigError
		if s.Reason != clerk.ReasonUnexpectedError || !errors.As(s.Err, &ce) || !strings.Contains(ce.Message, c.msg) {
			t.Errorf("%s: state %q, err %v; want unexpected-error and %q", c.token, s.Reason, s.Err, c.msg)
		}
		if s.Unavailable() {
			t.Errorf("%s: a missing key is not an outage", c.token)
		}
	}
	if f.count() != 0 {
		t.Errorf("%d Backend API calls without a key", f.count())
	}
}

// TestMachineErrorMapping is spec §6.5 with Clerk's full messages.
func TestMachineErrorMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		body        string
		token       string
		code        clerk.MachineErrorCode
		message     string
		unavailable bool
	}{
		{"api key 404", 404, `{"errors":[{"code":"resource_not_found","message":"not found"}]}`, "ak_x",
			clerk.MachineErrTokenInvalid, "API key not found (code=token-invalid, status=404)", false},
		{"m2m 404", 404, `{"errors":[]}`, "mt_x",
			clerk.MachineErrTokenInvalid, "Machine token not found (code=token-invalid, status=404)", false},
		{"oauth 404", 404, ``, "oat_x",
			clerk.MachineErrTokenInvalid, "OAuth token not found (code=token-invalid, status=404)", false},
		{"401 with Clerk's message", 401, `{"errors":[{"code":"clerk_key_invalid","message":"The provided Clerk Secret Key is invalid."}]}`, "ak_x",
			clerk.MachineErrSecretKeyInvalid, "The provided Clerk Secret Key is invalid. (code=secret-key-invalid, status=401)", false},
		{"401 without a message", 401, `not json`, "mt_x",
			clerk.MachineErrSecretKeyInvalid, "Invalid secret key (code=secret-key-invalid, status=401)", false},
		{"500", 500, `{"errors":[{"code":"internal","message":"boom"}]}`, "ak_x",
			clerk.MachineErrUnexpected, "Unexpected error (code=unexpected-error, status=500)", true},
		{"429", 429, `{}`, "oat_x",
			clerk.MachineErrUnexpected, "Unexpected error (code=unexpected-error, status=429)", true},
		{"422", 422, `{}`, "ak_x",
			clerk.MachineErrUnexpected, "Unexpected error (code=unexpected-error, status=422)", false},
		{"200 that is not JSON", 200, `<html>`, "ak_x",
			clerk.MachineErrUnexpected, "Unexpected error (code=unexpected-error, status=n/a)", true},
		{"200 with another object", 200, `{"object":"machine_to_machine_token","id":"mt_1","subject":"mch_1"}`, "ak_x",
			clerk.MachineErrUnexpected, "Unexpected error (code=unexpected-error, status=n/a)", true},
		{"200 without a subject", 200, `{"object":"api_key","id":"ak_1"}`, "ak_x",
			clerk.MachineErrUnexpected, "Unexpected error (code=unexpected-error, status=n/a)", true},
		// The endpoint says 200 but the token must not authenticate.
		{"200 revoked", 200, `{"object":"api_key","id":"ak_1","subject":"user_1","revoked":true,"expired":false}`, "ak_x",
			clerk.MachineErrTokenInvalid, "API key has been revoked (code=token-invalid, status=n/a)", false},
		{"200 expired", 200, `{"object":"machine_to_machine_token","id":"mt_1","subject":"mch_1","revoked":false,"expired":true}`, "mt_x",
			clerk.MachineErrTokenInvalid, "Machine token has expired (code=token-invalid, status=n/a)", false},
		{"200 with a past expiration", 200, `{"object":"clerk_idp_oauth_access_token","id":"oat_1","subject":"user_1","expired":false,"expiration":` +
			jsonMillis(mtNow.Add(-time.Second)) + `}`, "oat_x",
			clerk.MachineErrTokenInvalid, "OAuth token has expired (code=token-invalid, status=n/a)", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := mtFake(t, func(w http.ResponseWriter, r *http.Request) { mtJSON(w, tt.status, tt.body) })
			c := f.client(t, nil)
			s := mtAuthenticate(c, mtRequest(tt.token), clerk.AnyToken)
			tt0 := clerk.TokenTypeOf(tt.token)
			wantState(t, s, clerk.StatusSignedOut, tt0, clerk.Reason(tt.code))
			if s.Message != tt.message {
				t.Errorf("Message = %q, want %q", s.Message, tt.message)
			}
			if got := s.Headers.Get(clerk.HeaderAuthMessage); got != tt.message {
				t.Errorf("x-clerk-auth-message = %q", got)
			}
			var me *clerk.MachineTokenError
			if !errors.As(s.Err, &me) || me.Code != tt.code || me.TokenType != tt0 {
				t.Fatalf("Err = %#v", s.Err)
			}
			if !errors.Is(s.Err, clerk.Reason(tt.code)) {
				t.Error("errors.Is(Err, Reason(code)) = false")
			}
			if s.Unavailable() != tt.unavailable {
				t.Errorf("Unavailable() = %v, want %v", s.Unavailable(), tt.unavailable)
			}
			if strings.Contains(s.Err.Error(), tt.token) {
				t.Error("the error contains the token")
			}
		})
	}

	t.Run("network error", func(t *testing.T) {
		t.Parallel()
		f := mtFake(t, func(w http.ResponseWriter, r *http.Request) {})
		c := f.client(t, nil)
		f.srv.Close()
		s := mtAuthenticate(c, mtRequest("ak_x"), clerk.APIKey)
		wantState(t, s, clerk.StatusSignedOut, clerk.APIKey, clerk.Reason(clerk.MachineErrUnexpected))
		if s.Message != "Unexpected error (code=unexpected-error, status=n/a)" || !s.Unavailable() {
			t.Errorf("Message %q, Unavailable %v", s.Message, s.Unavailable())
		}
		var ae *clerk.APIError
		if !errors.As(s.Err, &ae) || ae.Status != 0 {
			t.Errorf("Err = %v, want the transport *APIError", s.Err)
		}
	})

	t.Run("clerkdev: unknown, revoked and expired tokens", func(t *testing.T) {
		t.Parallel()
		for _, report := range []bool{false, true} {
			e := mtSetup(t, clerkdev.Config{ReportRevokedMachineTokens: report}, func(o *clerk.Options) { o.MachineTokenCacheTTL = -1 })
			tk := e.tokens(t)
			if err := e.inst.RevokeToken(tk.apiKey.Token, "leaked"); err != nil {
				t.Fatal(err)
			}
			if err := e.inst.ExpireToken(tk.m2m.ID); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				token string
				tt    clerk.TokenType
				msg   string
			}{
				{"ak_" + strings.Repeat("0", 32), clerk.APIKey, "API key not found (code=token-invalid, status=404)"},
				{tk.apiKey.Token, clerk.APIKey, map[bool]string{false: "API key not found (code=token-invalid, status=404)",
					true: "API key has been revoked (code=token-invalid, status=n/a)"}[report]},
				{tk.m2m.Token, clerk.M2MToken, map[bool]string{false: "Machine token not found (code=token-invalid, status=404)",
					true: "Machine token has expired (code=token-invalid, status=n/a)"}[report]},
				{"oat_nope", clerk.OAuthToken, "OAuth token not found (code=token-invalid, status=404)"},
			} {
				s := e.authenticate(c.token, c.tt)
				wantState(t, s, clerk.StatusSignedOut, c.tt, clerk.ReasonTokenInvalid)
				if s.Message != c.msg {
					t.Errorf("report=%v %s: Message = %q, want %q", report, c.tt, s.Message, c.msg)
				}
			}
		}
	})

	t.Run("a wrong secret key", func(t *testing.T) {
		t.Parallel()
		e := mtSetup(t, clerkdev.Config{}, func(o *clerk.Options) { o.SecretKey = "sk_test_wrongwrongwrong"; o.MachineSecretKey = "" })
		tk := e.tokens(t)
		s := e.authenticate(tk.apiKey.Token, clerk.APIKey)
		wantState(t, s, clerk.StatusSignedOut, clerk.APIKey, clerk.ReasonSecretKeyInvalid)
		want := "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct. (code=secret-key-invalid, status=401)"
		if s.Message != want {
			t.Errorf("Message = %q, want %q", s.Message, want)
		}
	})
}

func jsonMillis(t time.Time) string {
	b, _ := json.Marshal(t.UnixMilli())
	return string(b)
}

// TestMachineJWT covers JWT-format M2M and OAuth tokens, verified with the
// instance keys and no verify call (spec §6.2).
func TestMachineJWT(t *testing.T) {
	t.Parallel()
	e := mtSetup(t, clerkdev.Config{}, nil)
	key := mtKey()
	other := clerktest.MustNewKey().WithKID(key.KID())
	iss := clerktest.WithIssuer(e.inst.URL())
	m2m := func(opts ...clerktest.ClaimOption) map[string]any {
		return clerktest.M2MClaims("mch_worker", mtNow, append([]clerktest.ClaimOption{iss, clerktest.WithScopes("mch_api")}, opts...)...)
	}
	oauth := func(opts ...clerktest.ClaimOption) map[string]any {
		return clerktest.OAuthClaims("user_bob", "client_app", mtNow, append([]clerktest.ClaimOption{iss, clerktest.WithScopes("profile")}, opts...)...)
	}
	m2mCat := clerktest.WithCategory(clerktest.CategoryM2M)
	atJWT := clerktest.WithTyp(clerktest.TypOAuthAccessToken)

	tests := []struct {
		name   string
		token  string
		tt     clerk.TokenType
		mod    func(*clerk.Options)
		reason clerk.Reason // "" for signed in
		msg    string
	}{
		{"m2m JWT", key.MustSign(m2m(), m2mCat), clerk.M2MToken, nil, "", ""},
		{"m2m JWT without a category", key.MustSign(m2m()), clerk.M2MToken, nil, "", ""},
		{"oauth JWT", key.MustSign(oauth(), atJWT), clerk.OAuthToken, nil, "", ""},
		{"oauth JWT, application/at+jwt", key.MustSign(oauth(), clerktest.WithTyp("application/at+jwt")), clerk.OAuthToken, nil, "", ""},
		{"m2m JWT with the session category", key.MustSign(m2m(), clerktest.WithCategory(clerktest.CategorySession)), clerk.M2MToken, nil,
			clerk.ReasonTokenInvalid, "Invalid M2M JWT category. (code=token-invalid, status=n/a)"},
		{"m2m JWT with the template category", key.MustSign(m2m(), clerktest.WithCategory(clerktest.CategoryTemplate)), clerk.M2MToken, nil,
			clerk.ReasonTokenInvalid, "Invalid M2M JWT category. (code=token-invalid, status=n/a)"},
		{"m2m JWT with an OAuth typ", key.MustSign(m2m(), m2mCat, atJWT), clerk.M2MToken, nil,
			clerk.ReasonTokenVerificationFailed, `Invalid JWT type "at+jwt". Expected "JWT". (code=token-verification-failed, status=n/a)`},
		{"expired m2m JWT", key.MustSign(m2m(clerktest.WithExp(-time.Minute)), m2mCat), clerk.M2MToken, nil,
			clerk.ReasonTokenVerificationFailed, "JWT is expired. Expiry date: Mon, 05 Oct 2026 08:59:00 GMT, Current date: Mon, 05 Oct 2026 09:00:00 GMT. (code=token-verification-failed, status=n/a)"},
		{"expired oauth JWT", key.MustSign(oauth(clerktest.WithExp(-time.Minute)), atJWT), clerk.OAuthToken, nil,
			clerk.ReasonTokenVerificationFailed, "JWT is expired. Expiry date: Mon, 05 Oct 2026 08:59:00 GMT, Current date: Mon, 05 Oct 2026 09:00:00 GMT. (code=token-verification-failed, status=n/a)"},
		{"m2m JWT within the clock skew", key.MustSign(m2m(clerktest.WithExp(-3*time.Second)), m2mCat), clerk.M2MToken, nil, "", ""},
		{"m2m JWT signed by another key", other.MustSign(m2m(), m2mCat), clerk.M2MToken, nil,
			clerk.ReasonTokenVerificationFailed, "JWT signature is invalid. (code=token-verification-failed, status=n/a)"},
		{"oauth JWT signed by another key", other.MustSign(oauth(), atJWT), clerk.OAuthToken, nil,
			clerk.ReasonTokenVerificationFailed, "JWT signature is invalid. (code=token-verification-failed, status=n/a)"},
		{"m2m JWT signed with HS256", key.MustSign(m2m(), m2mCat, clerktest.WithAlg("HS256"), clerktest.WithHMACSecret([]byte("secret"))), clerk.M2MToken, nil,
			clerk.ReasonTokenVerificationFailed, `Invalid JWT algorithm "HS256". Supported: RS256,RS384,RS512. (code=token-verification-failed, status=n/a)`},

		// Authorized parties do not apply to machine JWTs: @clerk/backend
		// 3.25.0 verifies them with the audience and clock skew only
		// (spec §6.2 says otherwise; Clerk's behaviour wins), and machine
		// tokens carry no browser origin.
		{"m2m JWT without azp, authorized parties set", key.MustSign(m2m(), m2mCat), clerk.M2MToken,
			func(o *clerk.Options) { o.AuthorizedParties = []string{"https://app.example.com"} }, "", ""},
		{"m2m JWT with another azp", key.MustSign(m2m(clerktest.WithAuthorizedParty("https://evil.example")), m2mCat), clerk.M2MToken,
			func(o *clerk.Options) { o.AuthorizedParties = []string{"https://app.example.com"} }, "", ""},
		{"m2m JWT with a listed azp", key.MustSign(m2m(clerktest.WithAuthorizedParty("https://app.example.com")), m2mCat), clerk.M2MToken,
			func(o *clerk.Options) { o.AuthorizedParties = []string{"https://app.example.com"} }, "", ""},
		{"oauth JWT with another azp", key.MustSign(oauth(clerktest.WithAuthorizedParty("https://evil.example")), atJWT), clerk.OAuthToken,
			func(o *clerk.Options) { o.AuthorizedParties = []string{"https://app.example.com"} }, "", ""},

		// Audience: the session rule for M2M JWTs (no aud passes), Clerk's
		// stricter OAuth rule for OAuth tokens (aud required).
		{"m2m JWT without aud, audience set", key.MustSign(m2m(), m2mCat), clerk.M2MToken,
			func(o *clerk.Options) { o.Audience = []string{"https://api.example.com"} }, "", ""},
		{"m2m JWT with another aud", key.MustSign(m2m(clerktest.WithClaim("aud", "https://other.example")), m2mCat), clerk.M2MToken,
			func(o *clerk.Options) { o.Audience = []string{"https://api.example.com"} },
			clerk.ReasonTokenVerificationFailed, `Invalid JWT audience claim (aud) "https://other.example". Is not included in "["https://api.example.com"]". (code=token-verification-failed, status=n/a)`},
		{"oauth JWT without aud, audience set", key.MustSign(oauth(), atJWT), clerk.OAuthToken,
			func(o *clerk.Options) { o.Audience = []string{"https://api.example.com"} },
			clerk.ReasonTokenVerificationFailed, `Invalid OAuth audience claim (aud) undefined. Expected a non-empty string or a non-empty array of non-empty strings. (code=token-verification-failed, status=n/a)`},
		{"oauth JWT with another aud", key.MustSign(oauth(clerktest.WithClaim("aud", []string{"https://other.example"})), atJWT), clerk.OAuthToken,
			func(o *clerk.Options) { o.Audience = []string{"https://api.example.com"} },
			clerk.ReasonTokenVerificationFailed, `OAuth audience mismatch. Verification expected audience ["https://api.example.com"], but incoming token has aud ["https://other.example"]. (code=token-verification-failed, status=n/a)`},
		{"oauth JWT with the aud", key.MustSign(oauth(clerktest.WithClaim("aud", []string{"x", "https://api.example.com"})), atJWT), clerk.OAuthToken,
			func(o *clerk.Options) { o.Audience = []string{"https://api.example.com"} }, "", ""},

		// A JWT-shaped token with a machine prefix is decoded as a JWT
		// (Clerk checks the shape first): it fails as a malformed M2M JWT.
		{"prefixed JWT-shaped token", "mt_abc.def.ghi", clerk.M2MToken, nil,
			clerk.ReasonTokenInvalid, "Invalid JWT form. The header, payload, or signature could not be decoded. (code=token-invalid, status=n/a)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.c
			if tt.mod != nil {
				s := e.inst.Settings()
				o := clerk.Options{SecretKey: s.SecretKey, APIURL: s.APIURL, Clock: e.clock.Now}
				tt.mod(&o)
				var err error
				if c, err = clerk.New(o); err != nil {
					t.Fatal(err)
				}
			}
			s := mtAuthenticate(c, mtRequest(tt.token), clerk.AnyToken)
			if tt.reason == "" {
				wantState(t, s, clerk.StatusSignedIn, tt.tt, "")
				if s.Auth.Subject == "" || len(s.Auth.Scopes) == 0 {
					t.Errorf("Auth = %v, scopes %v", s.Auth, s.Auth.Scopes)
				}
				return
			}
			wantState(t, s, clerk.StatusSignedOut, tt.tt, tt.reason)
			if s.Message != tt.msg {
				t.Errorf("Message =\n %q\nwant\n %q", s.Message, tt.msg)
			}
		})
	}
	for _, p := range []string{"/m2m_tokens/verify", "/oauth_applications/access_tokens/verify"} {
		if n := e.inst.Requests(p); n != 0 {
			t.Errorf("%d calls to %s for JWT-format tokens", n, p)
		}
	}

	t.Run("networkless with JWTKey", func(t *testing.T) {
		c, err := clerk.New(clerk.Options{JWTKey: key.PublicKeyPEM(), Clock: e.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{key.MustSign(m2m(), m2mCat), key.MustSign(oauth(), atJWT)} {
			if s := mtAuthenticate(c, mtRequest(tok), clerk.AnyToken); s.Status != clerk.StatusSignedIn {
				t.Errorf("state %s %q %q", s.Status, s.Reason, s.Message)
			}
		}
	})
	t.Run("errors.Is reaches the inner token reason", func(t *testing.T) {
		s := e.authenticate(key.MustSign(m2m(clerktest.WithExp(-time.Minute)), m2mCat), clerk.M2MToken)
		if !errors.Is(s.Err, clerk.ReasonTokenExpired) || !errors.Is(s.Err, clerk.ReasonTokenVerificationFailed) {
			t.Errorf("Err = %v", s.Err)
		}
	})
}

// TestMachineScopesMapping pins Clerk's fromJwtPayload scope rules.
func TestMachineScopesMapping(t *testing.T) {
	t.Parallel()
	e := mtSetup(t, clerkdev.Config{}, nil)
	key := mtKey()
	iss := clerktest.WithIssuer(e.inst.URL())
	tests := []struct {
		name   string
		claims map[string]any
		typ    string
		want   []string
	}{
		{"m2m scopes string", clerktest.M2MClaims("mch_1", mtNow, iss, clerktest.WithClaim("scopes", "a b")), "", []string{"a", "b"}},
		{"m2m aud when no scopes", clerktest.M2MClaims("mch_1", mtNow, iss, clerktest.WithClaim("aud", []string{"mch_2"})), "", []string{"mch_2"}},
		{"m2m none", clerktest.M2MClaims("mch_1", mtNow, iss), "", []string{}},
		{"oauth scp", clerktest.OAuthClaims("user_1", "c", mtNow, iss, clerktest.WithClaim("scp", []string{"x", "y"})), "at+jwt", []string{"x", "y"}},
		{"oauth scope string", clerktest.OAuthClaims("user_1", "c", mtNow, iss, clerktest.WithClaim("scope", "x y")), "at+jwt", []string{"x", "y"}},
		{"oauth none", clerktest.OAuthClaims("user_1", "c", mtNow, iss), "at+jwt", []string{}},
	}
	for _, tt := range tests {
		var opts []clerktest.TokenOption
		if tt.typ != "" {
			opts = append(opts, clerktest.WithTyp(tt.typ))
		}
		s := e.authenticate(key.MustSign(tt.claims, opts...), clerk.AnyToken)
		if s.Status != clerk.StatusSignedIn || !slices.Equal(s.Auth.Scopes, tt.want) || s.Auth.Scopes == nil {
			t.Errorf("%s: state %s %q, Scopes %#v, want %#v", tt.name, s.Status, s.Message, s.Auth.Scopes, tt.want)
		}
	}
}
