package clerkecho_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
	clerkecho "github.com/clerkguard/clerkguard/echo"
)

// report is a conformance route handler: it answers with the Auth from
// clerkecho.Auth and from the request context.
func report(route string) echo.HandlerFunc {
	return func(c echo.Context) error {
		return c.JSONBlob(http.StatusOK,
			clerktest.AuthReport(route, clerkecho.Auth(c), clerk.AuthFromContext(c.Request().Context())))
	}
}

// newApp is the conformance application: an echo.Echo with its defaults
// (DefaultHTTPErrorHandler renders the decisions). The middleware skips
// /nomiddleware with a Skipper.
func newApp(t *testing.T, cfg clerktest.AppConfig) clerktest.Doer {
	e := echo.New()
	e.Use(clerkecho.Middleware(cfg.Authenticator, clerkecho.WithHandler(cfg.Handler),
		clerkecho.WithSkipper(func(c echo.Context) bool { return c.Path() == "/nomiddleware" })))
	e.GET("/nomiddleware", report("nomiddleware"), clerkecho.Protect())
	e.GET("/public", report("public"))
	e.GET("/protected", report("protected"), clerkecho.Protect())
	admin := e.Group("/admin", clerkecho.Protect(clerk.Role("org:admin")))
	admin.GET("", report("admin"))
	admin.GET("/settings", report("admin-settings"))
	e.GET("/perm", report("perm"), clerkecho.Protect(clerk.Permission("org:invoices:create")))
	e.GET("/machine", report("machine"), clerkecho.Protect(clerk.AcceptsToken(clerk.M2MToken)))
	e.GET("/apikey", report("apikey"), clerkecho.Protect(clerk.AcceptsToken(clerk.APIKey)))
	e.GET("/oauth", report("oauth"), clerkecho.Protect(clerk.AcceptsToken(clerk.OAuthToken)))
	e.GET("/machines", report("machines"), clerkecho.Protect(clerk.AcceptsToken(clerk.M2MToken, clerk.APIKey)))
	e.GET("/any", report("any"), clerkecho.Protect(clerk.AcceptsToken(clerk.AnyToken)))
	e.GET("/reverify", report("reverify"), clerkecho.Protect(clerk.RequireReverification(clerk.Strict)))
	e.GET("/orgs/:slug/whoami", report("whoami"), clerkecho.Protect())
	e.GET("/dashboard", report("dashboard"))
	e.GET("/dashboard/settings", report("dashboard-settings"))
	e.GET("/dashboard/users/:id", report("dashboard-user"))
	return clerktest.HandlerDoer(e)
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

// TestHTTPErrorHandlerSeesDecisions: refusals reach the application's
// HTTPErrorHandler as *echo.HTTPError, with the *clerk.ProtectError as
// Internal and the decision's headers already on the response.
func TestHTTPErrorHandlerSeesDecisions(t *testing.T) {
	e := clerktest.NewTestClient(t)
	app := echo.New()
	var seen []error
	app.HTTPErrorHandler = func(err error, c echo.Context) {
		seen = append(seen, err)
		app.DefaultHTTPErrorHandler(err, c)
	}
	app.Use(clerkecho.Middleware(e.Client))
	app.GET("/admin", func(c echo.Context) error { return c.String(200, "secret") }, clerkecho.Protect(clerk.Role("org:admin")))

	rec := serve(app, "/admin", e.Token("user_1"))
	if rec.Code != 404 || rec.Body.String() != "{\"message\":\"Not Found\"}\n" {
		t.Errorf("signed in without the role: %d %q", rec.Code, rec.Body)
	}
	rec = serve(app, "/admin", "", "Accept", "text/html")
	if rec.Code != 307 || !strings.HasPrefix(rec.Header().Get("Location"), "https://accounts.example.com/sign-in?redirect_url=") ||
		rec.Header().Get(clerk.HeaderRedirectTo) != "true" {
		t.Errorf("page request: %d Location %q", rec.Code, rec.Header().Get("Location"))
	}
	if len(seen) != 2 {
		t.Fatalf("HTTPErrorHandler saw %d errors, want 2", len(seen))
	}
	for i, want := range []clerk.ProtectFailure{clerk.Unauthorized, clerk.Unauthenticated} {
		var he *echo.HTTPError
		var pe *clerk.ProtectError
		if !errors.As(seen[i], &he) || !errors.As(he.Internal, &pe) || pe.Failure != want {
			t.Errorf("error %d = %#v, want an *echo.HTTPError with a *clerk.ProtectError (%d) inside", i, seen[i], want)
		}
	}
}

// TestDefaultRendering checks what Echo's own DefaultHTTPErrorHandler
// makes of each decision.
func TestDefaultRendering(t *testing.T) {
	e := clerktest.NewTestClient(t)
	app := echo.New()
	app.Use(clerkecho.Middleware(e.Client))
	app.GET("/reverify", func(c echo.Context) error { return c.String(200, "ok") }, clerkecho.Protect(clerk.RequireReverification(clerk.Strict)))
	app.GET("/nomiddleware", func(c echo.Context) error { return c.String(200, "ok") })
	bare := echo.New()
	bare.GET("/p", func(c echo.Context) error { return c.String(200, "open") }, clerkecho.Protect())

	rec := serve(app, "/reverify", e.Token("user_1", clerktest.WithFactorAge(60, 60)))
	if rec.Code != 403 || !strings.HasPrefix(rec.Body.String(), `{"clerk_error":{`) ||
		!strings.Contains(rec.Body.String(), `"reason":"reverification-error"`) ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Errorf("reverification: %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	rec = serve(bare, "/p", "")
	if rec.Code != 500 || rec.Body.String() == "open" {
		t.Errorf("Protect without Middleware: %d %q", rec.Code, rec.Body)
	}
}

func TestSkipper(t *testing.T) {
	e := clerktest.NewTestClient(t)
	app := echo.New()
	app.Use(clerkecho.Middleware(e.Client, clerkecho.WithSkipper(func(c echo.Context) bool {
		return strings.HasPrefix(c.Path(), "/health")
	})))
	app.GET("/health", func(c echo.Context) error {
		return c.String(200, "signed in: "+map[bool]string{true: "yes", false: "no"}[clerkecho.Auth(c).IsSignedIn()])
	})
	app.GET("/health/deep", func(c echo.Context) error { return c.String(200, "deep") }, clerkecho.Protect())
	if rec := serve(app, "/health", e.Token("user_1")); rec.Body.String() != "signed in: no" {
		t.Errorf("skipped route: %q", rec.Body)
	}
	if rec := serve(app, "/health/deep", e.Token("user_1")); rec.Code != 500 {
		t.Errorf("Protect behind a skipped middleware: %d %q, want 500", rec.Code, rec.Body)
	}
}

// TestPreAndWrapHandler: the middleware also works before routing
// (e.Pre), and net/http handlers behind echo.WrapHandler see the Auth.
func TestPreAndWrapHandler(t *testing.T) {
	e := clerktest.NewTestClient(t)
	app := echo.New()
	app.Pre(clerkecho.Middleware(e.Client))
	app.GET("/legacy", echo.WrapHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "user="+clerk.AuthFromContext(r.Context()).UserID)
	})), clerkecho.Protect())
	if rec := serve(app, "/legacy", e.Token("user_1")); rec.Code != 200 || rec.Body.String() != "user=user_1" {
		t.Fatalf("got %d %q", rec.Code, rec.Body)
	}
	if rec := serve(app, "/legacy", ""); rec.Code != 404 {
		t.Fatalf("signed out: %d %q", rec.Code, rec.Body)
	}
}

func TestWithErrorHandler(t *testing.T) {
	e := clerktest.NewTestClient(t)
	app := echo.New()
	app.Use(clerkecho.Middleware(e.Client, clerkecho.WithErrorHandler(func(c echo.Context, d *clerk.Decision) error {
		switch d.Status {
		case http.StatusTemporaryRedirect:
			return clerkecho.DefaultErrorHandler(c, d)
		case http.StatusUnauthorized:
			return nil // writes nothing: the default answers
		}
		return c.JSON(d.Status, map[string]string{"error": http.StatusText(d.Status)})
	})))
	app.GET("/me", func(c echo.Context) error { return c.String(200, "secret") }, clerkecho.Protect())
	app.GET("/m2m", func(c echo.Context) error { return c.String(200, "secret") }, clerkecho.Protect(clerk.AcceptsToken(clerk.M2MToken)))
	if rec := serve(app, "/m2m", ""); rec.Code != 401 || rec.Body.String() == "secret" {
		t.Errorf("silent error handler: %d %q, want the default 401", rec.Code, rec.Body)
	}
	if rec := serve(app, "/me", ""); rec.Code != 404 || rec.Body.String() != "{\"error\":\"Not Found\"}\n" {
		t.Errorf("API request: %d %q", rec.Code, rec.Body)
	}
	if rec := serve(app, "/me", "", "Accept", "text/html"); rec.Code != 307 || rec.Header().Get("Location") == "" {
		t.Errorf("page request: %d Location %q", rec.Code, rec.Header().Get("Location"))
	}
}

func TestWithHandlerErrorIsInternal(t *testing.T) {
	e := clerktest.NewTestClient(t)
	app := echo.New()
	var internal error
	app.HTTPErrorHandler = func(err error, c echo.Context) {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			internal = he.Internal
		}
		app.DefaultHTTPErrorHandler(err, c)
	}
	app.Use(clerkecho.Middleware(e.Client, clerkecho.WithHandler(func(auth *clerk.Auth, req clerk.Request) error {
		return auth.Protect()
	})))
	app.GET("/", func(c echo.Context) error { return c.String(200, "open") })
	if rec := serve(app, "/", ""); rec.Code != 404 {
		t.Fatalf("got %d %q", rec.Code, rec.Body)
	}
	var pe *clerk.ProtectError
	if !errors.As(internal, &pe) || pe.Failure != clerk.Unauthenticated {
		t.Fatalf("Internal = %#v, want the handler's *clerk.ProtectError", internal)
	}
}

func TestNilAuthenticatorFailsClosed(t *testing.T) {
	app := echo.New()
	app.Use(clerkecho.Middleware(nil))
	app.GET("/", func(c echo.Context) error { return c.String(200, "open") })
	if rec := serve(app, "/", ""); rec.Code != 500 || rec.Body.String() == "open" {
		t.Fatalf("got %d %q, want 500", rec.Code, rec.Body)
	}
}

func TestAuthWithoutMiddleware(t *testing.T) {
	c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
	if a := clerkecho.Auth(c); a == nil || a.IsSignedIn() {
		t.Fatalf("Auth = %v, want signed out", a)
	}
	c.SetRequest(nil)
	if a := clerkecho.Auth(c); a == nil || a.IsSignedIn() {
		t.Fatalf("Auth without a request = %v, want signed out", a)
	}
}

// BenchmarkProtect compares the same Echo route bare and behind Middleware
// and Protect, with a valid session token that was verified before (warm
// key and token caches); adapter-only replays one authentication result, to
// show what the adapter itself costs.
func BenchmarkProtect(b *testing.B) {
	e := clerktest.NewTestClient(b)
	tok := e.Token("user_bench")
	bare := echo.New()
	bare.GET("/me", func(c echo.Context) error { return c.String(200, "user_bench") })
	guarded := echo.New()
	guarded.Use(clerkecho.Middleware(e.Client))
	guarded.GET("/me", func(c echo.Context) error { return c.String(200, clerkecho.Auth(c).UserID) }, clerkecho.Protect())
	warm := httptest.NewRequest(http.MethodGet, "/me", nil)
	warm.Header.Set("Authorization", "Bearer "+tok)
	adapter := echo.New()
	adapter.Use(clerkecho.Middleware(replay{e.Client.Authenticate(context.Background(), clerk.NewRequest(warm))}))
	adapter.GET("/me", func(c echo.Context) error { return c.String(200, clerkecho.Auth(c).UserID) }, clerkecho.Protect())
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
