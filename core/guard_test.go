package clerk_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerkdev"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

func guardCheck(g *clerk.Guard, method, target string, header map[string]string) clerk.GuardResult {
	return g.Check(context.Background(), clerk.NewRequest(newRequest(method, target, header)))
}

// Clerk's own redirects (here the development handshake of a browser
// without a dev-browser token) are decisions, and the handler does not run.
func TestGuardHandshakeRedirect(t *testing.T) {
	t.Parallel()
	c := ptClient(t, func(o *clerk.Options) {
		o.PublishableKey, o.SecretKey = clerktest.PublishableKey("clerk.example.com"), clerktest.SecretKey()
	})
	var ran atomic.Int32
	g := clerk.NewGuard(c, clerk.WithHandler(func(*clerk.Auth, clerk.Request) error { ran.Add(1); return nil }))
	res := guardCheck(g, http.MethodGet, ptPageURL, map[string]string{"Sec-Fetch-Dest": "document"})
	if res.Decision == nil || res.Decision.Status != http.StatusTemporaryRedirect {
		t.Fatalf("Decision = %+v, want a 307", res.Decision)
	}
	loc := res.Decision.Header.Get("Location")
	if !strings.HasPrefix(loc, "https://clerk.example.com/v1/client/handshake?") {
		t.Errorf("Location %q, want the Frontend API handshake", loc)
	}
	if got := res.Decision.Header.Get(clerk.HeaderAuthReason); got != string(clerk.ReasonDevBrowserMissing) {
		t.Errorf("reason %q, want %q", got, clerk.ReasonDevBrowserMissing)
	}
	if res.Header != nil || res.Auth == nil || res.Auth.IsSignedIn() {
		t.Errorf("Header %v Auth %v: the decision carries the headers; Auth is signed out", res.Header, res.Auth)
	}
	if ran.Load() != 0 {
		t.Error("the handler ran on a handshake redirect")
	}
}

// The seed examples of clerkMiddleware(handler) in Go: public-first,
// protected-first, permission-gated and token-typed routes.
func TestGuardHandlerSeedExamples(t *testing.T) {
	t.Parallel()
	inst := clerkdev.NewTestInstance(t, clerkdev.Config{Key: ptKey(), Clock: func() time.Time { return ptNow }})
	c, err := clerk.New(clerk.Options{SecretKey: inst.SecretKey(), PublishableKey: inst.PublishableKey(),
		APIURL: inst.APIURL(), JWTKey: inst.PublicKeyPEM(), SignInURL: "/sign-in", Clock: func() time.Time { return ptNow }})
	if err != nil {
		t.Fatal(err)
	}
	apiKey, err := inst.CreateAPIKey("user_1", "ci", nil)
	if err != nil {
		t.Fatal(err)
	}
	m2m, err := inst.CreateM2MToken("mch_1", nil)
	if err != nil {
		t.Fatal(err)
	}
	oauth, err := inst.CreateOAuthToken("user_1", "client_1", nil)
	if err != nil {
		t.Fatal(err)
	}
	// Session tokens minted with the instance's key, sent as headers (the
	// cookie flow of a development instance needs its dev browser).
	member := ptKey().MustSign(clerktest.SessionV2("user_1", "sess_1", ptNow,
		clerktest.WithOrg(clerktest.Org{ID: "org_1", Role: "org:member", Permissions: []string{"org:admin:example2"}})))
	plain := ptKey().MustSign(clerktest.SessionV2("user_2", "sess_2", ptNow))

	isPublic := clerk.MustRouteMatcher("/sign-in(.*)", "/sign-up(.*)")
	publicFirst := func(auth *clerk.Auth, req clerk.Request) error {
		ok, err := isPublic.Match(req)
		if err != nil {
			return err
		}
		if !ok {
			return auth.Protect()
		}
		return nil
	}
	isProtected := clerk.MustRouteMatcher("/dashboard(.*)", "/forum(.*)")
	protectedFirst := func(auth *clerk.Auth, req clerk.Request) error {
		if ok, err := isProtected.Match(req); err != nil || ok {
			return errors.Join(err, auth.Protect())
		}
		return nil
	}
	isAdmin := clerk.MustRouteMatcher("/admin(.*)")
	permissionGated := func(auth *clerk.Auth, req clerk.Request) error {
		if ok, err := isAdmin.Match(req); err != nil || ok {
			return errors.Join(err, auth.Protect(clerk.Condition(func(has clerk.HasFunc) bool {
				return has(clerk.Permission("org:admin:example1")) || has(clerk.Permission("org:admin:example2"))
			})))
		}
		return nil
	}
	tokenRoutes := []struct {
		m     *clerk.RouteMatcher
		types []clerk.TokenType
	}{
		{clerk.MustRouteMatcher("/oauth(.*)"), []clerk.TokenType{clerk.OAuthToken}},
		{clerk.MustRouteMatcher("/api(.*)"), []clerk.TokenType{clerk.APIKey}},
		{clerk.MustRouteMatcher("/m2m(.*)"), []clerk.TokenType{clerk.M2MToken}},
		{clerk.MustRouteMatcher("/user(.*)"), []clerk.TokenType{clerk.SessionToken}},
		{clerk.MustRouteMatcher("/any(.*)"), []clerk.TokenType{clerk.AnyToken}},
	}
	tokenTyped := func(auth *clerk.Auth, req clerk.Request) error {
		for _, r := range tokenRoutes {
			ok, err := r.m.Match(req)
			if err != nil {
				return err
			}
			if ok {
				if err := auth.Protect(clerk.AcceptsToken(r.types...)); err != nil {
					return err
				}
			}
		}
		return nil
	}

	page := map[string]string{"Sec-Fetch-Dest": "document", "Cookie": "__clerk_db_jwt=dvb_1"}
	bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	signIn := func(path string) string {
		return "https://app.example.com/sign-in?redirect_url=https%3A%2F%2Fapp.example.com" + strings.ReplaceAll(path, "/", "%2F")
	}
	instHost := strings.TrimPrefix(inst.URL(), "http://")
	tests := []struct {
		name     string
		handler  func(*clerk.Auth, clerk.Request) error
		path     string
		header   map[string]string
		status   int // 0: the request goes on
		location string
		wwwAuth  string
	}{
		{"public-first: public page", publicFirst, "/sign-in/factor-one", page, 0, "", ""},
		{"public-first: other page signed out", publicFirst, "/settings", page, 307, signIn("/settings"), ""},
		{"public-first: API signed out", publicFirst, "/settings", nil, 404, "", ""},
		{"public-first: signed in", publicFirst, "/settings", bearer(plain), 0, "", ""},
		{"protected-first: public page", protectedFirst, "/pricing", page, 0, "", ""},
		{"protected-first: dashboard signed out", protectedFirst, "/dashboard/billing", page, 307, signIn("/dashboard/billing"), ""},
		{"protected-first: case and slashes do not bypass", protectedFirst, "/DASHBOARD//billing", nil, 404, "", ""},
		{"protected-first: malformed path", protectedFirst, "/forum/%C0%80", bearer(plain), 400, "", ""},
		{"protected-first: signed in", protectedFirst, "/forum/42", bearer(plain), 0, "", ""},
		{"permission-gated: member with the permission", permissionGated, "/admin/users", bearer(member), 0, "", ""},
		{"permission-gated: signed in without it", permissionGated, "/admin/users", bearer(plain), 404, "", ""},
		{"permission-gated: signed out page", permissionGated, "/admin", page, 307, signIn("/admin"), ""},
		{"permission-gated: elsewhere", permissionGated, "/home", nil, 0, "", ""},
		{"token-typed: API key on /api", tokenTyped, "/api/items", bearer(apiKey.Token), 0, "", ""},
		{"token-typed: session on /api", tokenTyped, "/api/items", bearer(plain), 401, "", ""},
		{"token-typed: nothing on /api", tokenTyped, "/api/items", nil, 401, "", ""},
		{"token-typed: M2M on /m2m", tokenTyped, "/m2m/sync", bearer(m2m.Token), 0, "", ""},
		{"token-typed: API key on /m2m", tokenTyped, "/m2m/sync", bearer(apiKey.Token), 401, "", ""},
		{"token-typed: OAuth on /oauth", tokenTyped, "/oauth/me", bearer(oauth.Token), 0, "", ""},
		{"token-typed: OAuth on /api gets the metadata header", tokenTyped, "/api/items", bearer(oauth.Token), 401, "",
			`Bearer resource_metadata="https://` + instHost + `/.well-known/oauth-protected-resource"`},
		{"token-typed: session on /user", tokenTyped, "/user/profile", bearer(plain), 0, "", ""},
		{"token-typed: API key on /user is unauthenticated", tokenTyped, "/user/profile", bearer(apiKey.Token), 404, "", ""},
		{"token-typed: signed-out page on /user", tokenTyped, "/user/profile", page, 307, signIn("/user/profile"), ""},
		{"token-typed: any token on /any", tokenTyped, "/any/thing", bearer(m2m.Token), 0, "", ""},
		{"token-typed: invalid API key on /any", tokenTyped, "/any/thing", bearer("ak_" + strings.Repeat("0", 32)), 401, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := clerk.NewGuard(c, clerk.WithHandler(tt.handler))
			res := guardCheck(g, http.MethodGet, "https://app.example.com"+tt.path, tt.header)
			if res.Auth == nil {
				t.Fatal("Auth is nil")
			}
			if tt.status == 0 {
				if res.Decision != nil {
					t.Fatalf("Decision %d (Location %q), want none", res.Decision.Status, res.Decision.Header.Get("Location"))
				}
				return
			}
			if res.Decision == nil {
				t.Fatalf("no decision, want %d", tt.status)
			}
			d := res.Decision
			if d.Status != tt.status || d.Header.Get("Location") != tt.location || d.Header.Get("WWW-Authenticate") != tt.wwwAuth {
				t.Errorf("got %d Location %q WWW-Authenticate %q, want %d %q %q", d.Status, d.Header.Get("Location"),
					d.Header.Get("WWW-Authenticate"), tt.status, tt.location, tt.wwwAuth)
			}
		})
	}
}

func TestGuardHandlerErrorsAndHeaders(t *testing.T) {
	t.Parallel()
	c := ptClient(t, nil)
	tests := []struct {
		name    string
		handler func(*clerk.Auth, clerk.Request) error
		status  int
		body    string
	}{
		{"nil error", func(*clerk.Auth, clerk.Request) error { return nil }, 0, ""},
		{"plain error is a bare 500", func(*clerk.Auth, clerk.Request) error { return errors.New("secret detail") }, 500, "Internal Server Error"},
		{"wrapped protect error", func(a *clerk.Auth, _ clerk.Request) error { return fmt.Errorf("x: %w", a.Protect()) }, 404, "Not Found"},
		{"redirect to sign-up", func(a *clerk.Auth, _ clerk.Request) error { return a.RedirectToSignUp() }, 307, ""},
		{"malformed URL", func(*clerk.Auth, clerk.Request) error { return &clerk.MalformedURLError{Path: "/%zz"} }, 400, "Bad Request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := guardCheck(clerk.NewGuard(c, clerk.WithHandler(tt.handler)), http.MethodGet, ptPageURL, nil)
			// The state's headers go on the response whatever happens.
			if got := res.Header.Get(clerk.HeaderAuthStatus); got != "signed-out" {
				t.Errorf("x-clerk-auth-status %q, want signed-out", got)
			}
			switch {
			case tt.status == 0 && res.Decision != nil:
				t.Fatalf("Decision %+v, want none", res.Decision)
			case tt.status == 0:
			case res.Decision == nil || res.Decision.Status != tt.status || string(res.Decision.Body) != tt.body:
				t.Fatalf("Decision %+v, want %d %q", res.Decision, tt.status, tt.body)
			}
		})
	}
}

func TestGuardAcceptsTokenAndMisuse(t *testing.T) {
	t.Parallel()
	c := ptClient(t, nil)
	// A session-only middleware never lets an API key through.
	g := clerk.NewGuard(c, clerk.WithAcceptsToken(clerk.SessionToken), nil)
	res := guardCheck(g, http.MethodGet, ptPageURL, map[string]string{"Authorization": "Bearer ak_" + strings.Repeat("1", 32)})
	if res.Auth.TokenType != clerk.SessionToken || res.Auth.IsAuthenticated {
		t.Errorf("Auth %v, want a signed-out session", res.Auth)
	}
	// The default accepts every type: the Auth is the machine object.
	res = guardCheck(clerk.NewGuard(c), http.MethodGet, ptPageURL, map[string]string{"Authorization": "Bearer ak_" + strings.Repeat("1", 32)})
	if res.Auth.TokenType != clerk.APIKey {
		t.Errorf("TokenType %q, want api_key", res.Auth.TokenType)
	}
	// No authenticator: fail closed.
	res = guardCheck(clerk.NewGuard(nil), http.MethodGet, ptPageURL, nil)
	if res.Decision == nil || res.Decision.Status != 500 || res.Auth == nil {
		t.Errorf("NewGuard(nil).Check = %+v, want a 500 and a signed-out Auth", res)
	}
	// ProtectAuth without the middleware's Auth fails closed too.
	if d := clerk.ProtectAuth(nil); d == nil || d.Status != 500 {
		t.Errorf("ProtectAuth(nil) = %+v, want 500", d)
	}
	signedIn := guardCheck(clerk.NewGuard(c), http.MethodGet, ptPageURL, map[string]string{"Cookie": sessionCookies(ptSession())}).Auth
	if d := clerk.ProtectAuth(signedIn); d != nil {
		t.Errorf("ProtectAuth(signed in) = %+v, want nil", d)
	}
	if d := clerk.ProtectAuth(signedIn, clerk.Role("admin")); d == nil || d.Status != 404 {
		t.Errorf("ProtectAuth(signed in, Role) = %+v, want 404", d)
	}
}

// tenant is one customer of a multi-tenant application: its own instance
// keys, served by its own loopback Backend API.
type tenant struct {
	host string
	key  *clerktest.Key
	sk   string
	jwks *clerktest.JWKSServer
}

func newTenant(t *testing.T, host string, key *clerktest.Key) *tenant {
	sk := clerktest.SecretKey()
	return &tenant{host: host, key: key, sk: sk, jwks: clerktest.NewJWKSServer(t, sk, key)}
}

func (tn *tenant) options() clerk.Options {
	return clerk.Options{SecretKey: tn.sk, PublishableKey: clerktest.PublishableKey("clerk." + tn.host),
		APIURL: tn.jwks.URL(), HTTPClient: tn.jwks.Client(), Clock: func() time.Time { return ptNow }}
}

func (tn *tenant) token() string {
	return tn.key.MustSign(clerktest.SessionV2("user_"+tn.host, "sess_1", ptNow))
}

func tenantsByHost(ts ...*tenant) func(clerk.Request) (clerk.Options, error) {
	return func(r clerk.Request) (clerk.Options, error) {
		for _, tn := range ts {
			if r.URL().Host == tn.host {
				return tn.options(), nil
			}
		}
		return clerk.Options{}, fmt.Errorf("unknown tenant %q", r.URL().Host)
	}
}

func authAt(a clerk.Authenticator, host, tok string) *clerk.RequestState {
	h := map[string]string{}
	if tok != "" {
		h["Authorization"] = "Bearer " + tok
	}
	return a.Authenticate(context.Background(), clerk.NewRequest(newRequest(http.MethodGet, "https://"+host+"/api", h)))
}

func TestPerRequestTenantsNeverShareKeys(t *testing.T) {
	t.Parallel()
	a := newTenant(t, "a.example.com", ptKey())
	b := newTenant(t, "b.example.com", clerktest.MustNewKey())
	pr := clerk.PerRequest(tenantsByHost(a, b), 0)

	if s := authAt(pr, a.host, a.token()); !s.IsAuthenticated() || s.Auth.UserID != "user_a.example.com" {
		t.Fatalf("tenant A's token on A: %s %s", s.Status, s.Reason)
	}
	if s := authAt(pr, b.host, b.token()); !s.IsAuthenticated() {
		t.Fatalf("tenant B's token on B: %s %s", s.Status, s.Reason)
	}
	// A's token on B: B's keys do not know it.
	s := authAt(pr, b.host, a.token())
	if s.IsAuthenticated() || s.Auth.IsSignedIn() {
		t.Fatalf("tenant A's token was accepted by tenant B")
	}
	if s.Reason != clerk.ReasonJWKKidMismatch {
		t.Errorf("reason %q, want %q", s.Reason, clerk.ReasonJWKKidMismatch)
	}
	// Each tenant's Backend API saw only its own client, once (then cached;
	// B refetched once for the unknown kid).
	if a.jwks.Requests() != 1 {
		t.Errorf("tenant A's JWKS fetched %d times, want 1", a.jwks.Requests())
	}
	if got := b.jwks.LastHeader().Get("Authorization"); got != "Bearer "+b.sk {
		t.Error("tenant B's Backend API was called without B's secret key")
	}
	// The same options reuse the client (and its key cache).
	for range 5 {
		authAt(pr, a.host, a.token())
	}
	if a.jwks.Requests() != 1 {
		t.Errorf("tenant A's JWKS fetched %d times after reuse, want 1", a.jwks.Requests())
	}
}

// Options that differ only in what does not change the keys (here Domain,
// the seed's domain: req.nextUrl.host) share one JWKS cache: a Host header
// an attacker chooses costs no Backend API call, and evicting clients keeps
// the shared keys while any client uses them.
func TestPerRequestSharesKeysPerSecretKey(t *testing.T) {
	t.Parallel()
	for _, max := range []int{100, 3} {
		t.Run(fmt.Sprint("max", max), func(t *testing.T) {
			t.Parallel()
			tn := newTenant(t, "app.example.com", ptKey())
			pr := clerk.PerRequest(func(r clerk.Request) (clerk.Options, error) {
				o := tn.options()
				o.Domain = r.URL().Host
				return o, nil
			}, max)
			for i := range 20 {
				host := fmt.Sprintf("h%d.example.com", i)
				if s := authAt(pr, host, tn.token()); !s.IsAuthenticated() {
					t.Fatalf("%s: %s %s", host, s.Status, s.Reason)
				}
			}
			if got := tn.jwks.Requests(); got != 1 {
				t.Errorf("20 hosts with one secret key fetched the JWKS %d times, want 1", got)
			}
		})
	}
}

func TestPerRequestLRUBound(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		max       int
		wantFetch int // A's JWKS fetches after A, B, A
	}{{1, 2}, {2, 1}} {
		t.Run(fmt.Sprint("max", tt.max), func(t *testing.T) {
			t.Parallel()
			a := newTenant(t, "a.example.com", ptKey())
			b := newTenant(t, "b.example.com", ptKey())
			pr := clerk.PerRequest(tenantsByHost(a, b), tt.max)
			for _, tn := range []*tenant{a, b, a} {
				if s := authAt(pr, tn.host, tn.token()); !s.IsAuthenticated() {
					t.Fatalf("%s: %s %s", tn.host, s.Status, s.Reason)
				}
			}
			if got := a.jwks.Requests(); got != tt.wantFetch {
				t.Errorf("A's JWKS fetched %d times, want %d (an evicted tenant gets a new client)", got, tt.wantFetch)
			}
		})
	}
}

func TestPerRequestOptionsErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("tenant lookup failed")
	tests := []struct {
		name    string
		options func(clerk.Request) (clerk.Options, error)
		is      func(error) bool
	}{
		{"options error", func(clerk.Request) (clerk.Options, error) { return clerk.Options{}, boom },
			func(err error) bool { return errors.Is(err, boom) }},
		{"invalid options", func(clerk.Request) (clerk.Options, error) { return clerk.Options{SecretKey: "nope"}, nil },
			func(err error) bool { var ce *clerk.ConfigError; return errors.As(err, &ce) }},
		{"nil options function", nil, func(err error) bool { return err != nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pr := clerk.PerRequest(tt.options, 4)
			s := authAt(pr, "a.example.com", ptSession())
			if s.Status != clerk.StatusSignedOut || s.Reason != clerk.ReasonUnexpectedError || !tt.is(s.Err) {
				t.Fatalf("state %s %s err %v, want signed out, unexpected-error and the cause", s.Status, s.Reason, s.Err)
			}
			if s.Headers.Get(clerk.HeaderAuthReason) != string(clerk.ReasonUnexpectedError) {
				t.Errorf("x-clerk-auth-reason %q", s.Headers.Get(clerk.HeaderAuthReason))
			}
			checkDecision(t, s.Auth.Protect(), decision{status: 404, failure: clerk.Unauthenticated, body: notFoundBody})
			// A page has no sign-in page to go to: 500, never open.
			g := clerk.NewGuard(pr, clerk.WithHandler(func(a *clerk.Auth, _ clerk.Request) error { return a.Protect() }))
			res := guardCheck(g, http.MethodGet, ptPageURL, map[string]string{"Sec-Fetch-Dest": "document"})
			if res.Decision == nil || res.Decision.Status != 500 {
				t.Fatalf("page request: %+v, want 500", res.Decision)
			}
			// The visitor reads no setup detail; the error names the
			// options failure first, not the sign-in URL it caused.
			if string(res.Decision.Body) != "Internal Server Error" || !tt.is(res.Err) || !tt.is(res.Decision.Err) {
				t.Errorf("page request: body %q, err %v, want a plain 500 whose error holds the options failure", res.Decision.Body, res.Err)
			}
		})
	}
}

// Many requests of several tenants at once: one client per tenant, no race.
func TestPerRequestConcurrent(t *testing.T) {
	t.Parallel()
	ts := []*tenant{newTenant(t, "a.example.com", ptKey()), newTenant(t, "b.example.com", ptKey()), newTenant(t, "c.example.com", ptKey())}
	var built atomic.Int32
	options := tenantsByHost(ts...)
	pr := clerk.PerRequest(func(r clerk.Request) (clerk.Options, error) { built.Add(1); return options(r) }, 2)
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tn := ts[i%len(ts)]
			if s := authAt(pr, tn.host, tn.token()); !s.IsAuthenticated() {
				t.Errorf("%s: %s %s", tn.host, s.Status, s.Reason)
			}
		}()
	}
	wg.Wait()
	if built.Load() != 60 {
		t.Errorf("options called %d times, want once per request", built.Load())
	}
}
