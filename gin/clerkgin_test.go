package clerkgin_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"go.uber.org/goleak"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
	clerkgin "github.com/clerkguard/clerkguard/gin"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode) // no route debug output
	// Fail when a goroutine the tests started (a key fetch, a verification,
	// a loopback server) outlives them; regexp2's coarse clock is not ours.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/dlclark/regexp2.runClock"))
}

// report is a conformance route handler: it answers with the Auth from
// clerkgin.Auth and from the request context.
func report(route string) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Data(http.StatusOK, "application/json",
			clerktest.AuthReport(route, clerkgin.Auth(c), clerk.AuthFromContext(c.Request.Context())))
	}
}

// newApp is the conformance application: a gin.Engine with its defaults.
// Routes registered before r.Use run without the middleware.
func newApp(t *testing.T, cfg clerktest.AppConfig) clerktest.Doer {
	r := gin.New()
	r.GET("/nomiddleware", clerkgin.Protect(), report("nomiddleware"))
	r.Use(clerkgin.Middleware(cfg.Authenticator, clerkgin.WithHandler(cfg.Handler)))
	r.GET("/public", report("public"))
	r.GET("/protected", clerkgin.Protect(), report("protected"))
	admin := r.Group("/admin", clerkgin.Protect(clerk.Role("org:admin")))
	admin.GET("", report("admin"))
	admin.GET("/settings", report("admin-settings"))
	r.GET("/perm", clerkgin.Protect(clerk.Permission("org:invoices:create")), report("perm"))
	r.GET("/machine", clerkgin.Protect(clerk.AcceptsToken(clerk.M2MToken)), report("machine"))
	r.GET("/apikey", clerkgin.Protect(clerk.AcceptsToken(clerk.APIKey)), report("apikey"))
	r.GET("/oauth", clerkgin.Protect(clerk.AcceptsToken(clerk.OAuthToken)), report("oauth"))
	r.GET("/machines", clerkgin.Protect(clerk.AcceptsToken(clerk.M2MToken, clerk.APIKey)), report("machines"))
	r.GET("/any", clerkgin.Protect(clerk.AcceptsToken(clerk.AnyToken)), report("any"))
	r.GET("/reverify", clerkgin.Protect(clerk.RequireReverification(clerk.Strict)), report("reverify"))
	r.GET("/orgs/:slug/whoami", clerkgin.Protect(), report("whoami"))
	r.GET("/dashboard", report("dashboard"))
	r.GET("/dashboard/settings", report("dashboard-settings"))
	r.GET("/dashboard/users/:id", report("dashboard-user"))
	return clerktest.HandlerDoer(r)
}

func TestConformance(t *testing.T) {
	clerktest.RunAdapterConformance(t, clerktest.Harness{NewApp: newApp})
}

// serve sends GET path with an optional bearer token and header pairs to h.
func serve(h http.Handler, path, tok string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestHandlerAfterRefusalNeverRuns pins the defect of community adapters:
// a middleware that writes 401 without aborting lets gin run the protected
// handler, whose 200 replaces the buffered status.
func TestHandlerAfterRefusalNeverRuns(t *testing.T) {
	e := clerktest.NewTestClient(t)
	ran := 0
	protected := func(c *gin.Context) {
		ran++
		c.String(http.StatusOK, "deleted")
	}
	r := gin.New()
	r.Use(clerkgin.Middleware(e.Client))
	r.POST("/admin/delete", clerkgin.Protect(clerk.Role("org:admin")), protected)
	// A later middleware that calls c.Next() must not revive the chain.
	r.GET("/admin/delete", clerkgin.Protect(clerk.Role("org:admin")), func(c *gin.Context) { c.Next() }, protected)
	// Nor an error handler that writes nothing and calls c.Next().
	lazy := gin.New()
	lazy.Use(clerkgin.Middleware(e.Client, clerkgin.WithErrorHandler(func(c *gin.Context, d *clerk.Decision) { c.Next() })))
	lazy.GET("/admin/delete", clerkgin.Protect(clerk.Role("org:admin")), protected)

	member := e.Token("user_1", clerktest.WithOrg(clerktest.Org{ID: "org_1", Role: "org:member"}))
	tampered := e.Token("user_1")
	tampered = tampered[:len(tampered)-4] + "AAAA"
	for _, tc := range []struct {
		h      http.Handler
		method string
		tok    string
		hdr    []string
		status int
	}{
		{r, http.MethodPost, "", nil, 404},
		{r, http.MethodPost, tampered, nil, 404},
		{r, http.MethodPost, member, nil, 404},
		{r, http.MethodGet, "", []string{"Accept", "text/html"}, 307},
		{r, http.MethodGet, member, nil, 404},
		{lazy, http.MethodGet, "", nil, 404},
	} {
		req := httptest.NewRequest(tc.method, "/admin/delete", nil)
		if tc.tok != "" {
			req.Header.Set("Authorization", "Bearer "+tc.tok)
		}
		for i := 0; i+1 < len(tc.hdr); i += 2 {
			req.Header.Set(tc.hdr[i], tc.hdr[i+1])
		}
		rec := httptest.NewRecorder()
		tc.h.ServeHTTP(rec, req)
		if rec.Code != tc.status || strings.Contains(rec.Body.String(), "deleted") {
			t.Errorf("%s with token %.12q: %d %q, want %d", tc.method, tc.tok, rec.Code, rec.Body, tc.status)
		}
	}
	if ran != 0 {
		t.Fatalf("the protected handler ran %d times", ran)
	}
}

// The route matcher sees the path Gin routes on: decoded by default, the
// escaped form with UseRawPath and WithRawPath. Either way an encoded slash
// never reaches a matcher-protected handler signed out (security review:
// with the raw path on a default engine, GET /admin%2Fusers was served).
func TestEncodedSlashMatchesTheRoutedPath(t *testing.T) {
	e := clerktest.NewTestClient(t)
	isAdmin := clerk.MustRouteMatcher("/admin", "/admin/:rest*")
	guard := clerkgin.WithHandler(func(auth *clerk.Auth, req clerk.Request) error {
		if ok, err := isAdmin.Match(req); err != nil || !ok {
			return err
		}
		return auth.Protect()
	})
	// Each engine setting that changes the path Gin routes on, with the
	// middleware option its documentation asks for.
	configs := []struct {
		name  string
		setup func(*gin.Engine) []clerkgin.Option
	}{
		{"default", func(*gin.Engine) []clerkgin.Option { return nil }},
		{"UseRawPath", func(r *gin.Engine) []clerkgin.Option {
			r.UseRawPath = true
			return []clerkgin.Option{clerkgin.WithRawPath()}
		}},
		{"UseEscapedPath", func(r *gin.Engine) []clerkgin.Option {
			r.UseEscapedPath = true
			return []clerkgin.Option{clerkgin.WithRawPath()}
		}},
		// RemoveExtraSlash resolves dot segments before routing; the
		// matcher refuses them (400) rather than guess.
		{"RemoveExtraSlash", func(r *gin.Engine) []clerkgin.Option { r.RemoveExtraSlash = true; return nil }},
	}
	for _, cfg := range configs {
		r := gin.New()
		opts := append([]clerkgin.Option{guard}, cfg.setup(r)...)
		r.Use(clerkgin.Middleware(e.Client, opts...))
		r.GET("/admin/users", func(c *gin.Context) { c.String(http.StatusOK, "users") })
		for _, path := range []string{"/admin/users", "/admin%2Fusers", "/admin%2fusers", "/x/../admin/users",
			"/./admin/users", "/x/%2e%2e/admin/users", "//admin/users", "/admin%2Fusers%2F{"} {
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			if rec.Body.String() == "users" {
				t.Errorf("%s: signed-out GET %s was served", cfg.name, path)
			}
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/admin/users", nil)
		req.Header.Set("Authorization", "Bearer "+e.Token("user_1"))
		r.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Errorf("%s: signed-in GET /admin/users: %d", cfg.name, rec.Code)
		}
	}
}

// TestWrappedNetHTTPHandler checks the Auth reaches net/http code behind
// gin.WrapH, which only sees the *http.Request (gin issues #3367, #1734).
func TestWrappedNetHTTPHandler(t *testing.T) {
	e := clerktest.NewTestClient(t)
	r := gin.New()
	r.Use(clerkgin.Middleware(e.Client))
	r.GET("/legacy", clerkgin.Protect(), gin.WrapH(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "user="+clerk.AuthFromContext(r.Context()).UserID)
	})))
	if rec := serve(r, "/legacy", e.Token("user_1")); rec.Code != 200 || rec.Body.String() != "user=user_1" {
		t.Fatalf("got %d %q", rec.Code, rec.Body)
	}
}

// TestContextKeysDoNotCollide: the Auth lives under an unexported key, so
// string keys of the application cannot replace it.
func TestContextKeysDoNotCollide(t *testing.T) {
	e := clerktest.NewTestClient(t)
	r := gin.New()
	r.Use(clerkgin.Middleware(e.Client), func(c *gin.Context) {
		for _, k := range []string{"auth", "clerk", "clerkguard", "user"} {
			c.Set(k, &clerk.Auth{UserID: "user_forged", IsAuthenticated: true, TokenType: clerk.SessionToken})
		}
	})
	r.GET("/me", clerkgin.Protect(), func(c *gin.Context) { c.String(200, clerkgin.Auth(c).UserID) })
	if rec := serve(r, "/me", ""); rec.Code != 404 {
		t.Errorf("signed out: %d %q, want 404", rec.Code, rec.Body)
	}
	if rec := serve(r, "/me", e.Token("user_1")); rec.Body.String() != "user_1" {
		t.Errorf("signed in: %q", rec.Body)
	}
}

func TestWithErrorHandler(t *testing.T) {
	e := clerktest.NewTestClient(t)
	r := gin.New()
	r.Use(clerkgin.Middleware(e.Client, clerkgin.WithErrorHandler(func(c *gin.Context, d *clerk.Decision) {
		if d.Status == http.StatusTemporaryRedirect {
			clerkgin.DefaultErrorHandler(c, d)
			return
		}
		c.JSON(d.Status, gin.H{"error": http.StatusText(d.Status)})
	})))
	r.GET("/me", clerkgin.Protect(), func(c *gin.Context) { c.String(200, "secret") })

	rec := serve(r, "/me", "")
	if rec.Code != 404 || rec.Body.String() != `{"error":"Not Found"}` {
		t.Errorf("API request: %d %q", rec.Code, rec.Body)
	}
	rec = serve(r, "/me", "", "Accept", "text/html")
	if rec.Code != 307 || !strings.HasPrefix(rec.Header().Get("Location"), "https://accounts.example.com/sign-in?redirect_url=") {
		t.Errorf("page request: %d Location %q", rec.Code, rec.Header().Get("Location"))
	}
}

func TestNilAuthenticatorFailsClosed(t *testing.T) {
	r := gin.New()
	r.Use(clerkgin.Middleware(nil))
	r.GET("/", func(c *gin.Context) { c.String(200, "open") })
	if rec := serve(r, "/", ""); rec.Code != 500 || rec.Body.String() == "open" {
		t.Fatalf("got %d %q, want 500", rec.Code, rec.Body)
	}
}

func TestAuthWithoutMiddleware(t *testing.T) {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	if a := clerkgin.Auth(c); a == nil || a.IsSignedIn() {
		t.Fatalf("Auth without a request = %v, want signed out", a)
	}
	c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
	if a := clerkgin.Auth(c); a == nil || a.IsSignedIn() {
		t.Fatalf("Auth = %v, want signed out", a)
	}
}

// BenchmarkProtect compares the same gin route bare and behind Middleware
// and Protect, with a valid session token that was verified before (warm
// key and token caches); adapter-only replays one authentication result, to
// show what the adapter itself costs.
func BenchmarkProtect(b *testing.B) {
	e := clerktest.NewTestClient(b)
	tok := e.Token("user_bench")
	bare := gin.New()
	bare.GET("/me", func(c *gin.Context) { c.String(200, "user_bench") })
	guarded := gin.New()
	guarded.Use(clerkgin.Middleware(e.Client))
	guarded.GET("/me", clerkgin.Protect(), func(c *gin.Context) { c.String(200, clerkgin.Auth(c).UserID) })
	warm := httptest.NewRequest(http.MethodGet, "/me", nil)
	warm.Header.Set("Authorization", "Bearer "+tok)
	adapter := gin.New()
	adapter.Use(clerkgin.Middleware(replay{e.Client.Authenticate(context.Background(), clerk.NewRequest(warm))}))
	adapter.GET("/me", clerkgin.Protect(), func(c *gin.Context) { c.String(200, clerkgin.Auth(c).UserID) })
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{{"bare", bare}, {"clerkguard", guarded}, {"adapter-only", adapter}} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/me", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			rec := httptest.NewRecorder()
			bc.h.ServeHTTP(rec, req)
			if rec.Code != 200 || rec.Body.String() != "user_bench" {
				b.Fatalf("warm-up: %d %q", rec.Code, rec.Body)
			}
			b.ReportAllocs()
			for b.Loop() {
				bc.h.ServeHTTP(&discard{h: http.Header{}}, req)
			}
		})
	}
}

// replay is an Authenticator that returns one precomputed state: with it
// the benchmark measures the adapter alone (Middleware, Protect, Auth).
type replay struct{ s *clerk.RequestState }

func (r replay) Authenticate(context.Context, clerk.Request, ...clerk.AuthenticateOption) *clerk.RequestState {
	return r.s
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// TestAuthFromGinContext: clerk.AuthFromContext works on the *gin.Context
// itself, which Gin users pass wherever a context.Context is wanted
// (its Value reads only string keys without ContextWithFallback).
func TestAuthFromGinContext(t *testing.T) {
	e := clerktest.NewTestClient(t)
	r := gin.New()
	r.Use(clerkgin.Middleware(e.Client))
	r.GET("/me", func(c *gin.Context) {
		var ctx context.Context = c
		c.String(http.StatusOK, clerk.AuthFromContext(ctx).UserID)
	})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/me", nil)
	req.Header.Set("Authorization", "Bearer "+e.Token("user_1"))
	r.ServeHTTP(rec, req)
	if rec.Body.String() != "user_1" {
		t.Errorf("AuthFromContext(c) = %q, want user_1", rec.Body.String())
	}
}

// TestErrorHandlerStatusOnly: an error handler that only sets a status has
// answered; the default decision does not overwrite it (as in the other
// adapters).
func TestErrorHandlerStatusOnly(t *testing.T) {
	e := clerktest.NewTestClient(t)
	r := gin.New()
	r.Use(clerkgin.Middleware(e.Client, clerkgin.WithErrorHandler(func(c *gin.Context, _ *clerk.Decision) {
		c.Status(http.StatusTeapot)
	})))
	r.GET("/admin", clerkgin.Protect(), func(c *gin.Context) { c.String(http.StatusOK, "admin") })
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/admin", nil))
	if rec.Code != http.StatusTeapot || rec.Body.String() == "admin" {
		t.Errorf("%d %q, want the handler's 418", rec.Code, rec.Body.String())
	}
}
