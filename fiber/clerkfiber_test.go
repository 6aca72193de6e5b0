package clerkfiber_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/middleware/adaptor"
	"github.com/valyala/fasthttp"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
	clerkfiber "github.com/clerkguard/clerkguard/fiber"
)

// report is a conformance route handler: it answers with the Auth from
// clerkfiber.Auth and from c.Context().
func report(route string) fiber.Handler {
	return func(c fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(clerktest.AuthReport(route, clerkfiber.Auth(c), clerk.AuthFromContext(c.Context())))
	}
}

// doer drives app through app.Test, Fiber's in-memory connection.
func doer(app *fiber.App) clerktest.Doer {
	return func(r *http.Request) (*http.Response, error) {
		return app.Test(r, fiber.TestConfig{Timeout: 30 * time.Second, FailOnTimeout: true})
	}
}

// newApp is the conformance application: a fiber.App with its defaults
// (case-insensitive routing, trailing slashes ignored). Routes registered
// before app.Use run without the middleware.
func newApp(t *testing.T, cfg clerktest.AppConfig) clerktest.Doer {
	app := fiber.New()
	app.Get("/nomiddleware", clerkfiber.Protect(), report("nomiddleware"))
	app.Use(clerkfiber.Middleware(cfg.Authenticator, clerkfiber.WithHandler(cfg.Handler)))
	app.Get("/public", report("public"))
	app.Get("/protected", clerkfiber.Protect(), report("protected"))
	admin := app.Group("/admin", clerkfiber.Protect(clerk.Role("org:admin")))
	admin.Get("/", report("admin"))
	admin.Get("/settings", report("admin-settings"))
	app.Get("/perm", clerkfiber.Protect(clerk.Permission("org:invoices:create")), report("perm"))
	app.Get("/machine", clerkfiber.Protect(clerk.AcceptsToken(clerk.M2MToken)), report("machine"))
	app.Get("/apikey", clerkfiber.Protect(clerk.AcceptsToken(clerk.APIKey)), report("apikey"))
	app.Get("/oauth", clerkfiber.Protect(clerk.AcceptsToken(clerk.OAuthToken)), report("oauth"))
	app.Get("/machines", clerkfiber.Protect(clerk.AcceptsToken(clerk.M2MToken, clerk.APIKey)), report("machines"))
	app.Get("/any", clerkfiber.Protect(clerk.AcceptsToken(clerk.AnyToken)), report("any"))
	app.Get("/reverify", clerkfiber.Protect(clerk.RequireReverification(clerk.Strict)), report("reverify"))
	app.Get("/orgs/:slug/whoami", clerkfiber.Protect(), report("whoami"))
	app.Get("/dashboard", report("dashboard"))
	app.Get("/dashboard/settings", report("dashboard-settings"))
	app.Get("/dashboard/users/:id", report("dashboard-user"))
	return doer(app)
}

func TestConformance(t *testing.T) {
	clerktest.RunAdapterConformance(t, clerktest.Harness{NewApp: newApp})
}

// serve sends GET path with an optional bearer token and header pairs to
// app and returns the status and body.
func serve(t *testing.T, app *fiber.App, path, tok string, hdr ...string) (int, string, http.Header) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := app.Test(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body), res.Header
}

// TestRequestViewOutlivesFasthttpBuffers keeps what the core was handed
// (the request view, the Auth) past the end of each request, then sends
// more requests, which reuse fasthttp's buffers: the kept values must not
// change. Run with -race.
func TestRequestViewOutlivesFasthttpBuffers(t *testing.T) {
	e := clerktest.NewTestClient(t)
	type kept struct {
		req                         clerk.Request
		auth                        *clerk.Auth
		method, path, query, header string
		user                        string
	}
	var all []kept
	app := fiber.New()
	app.Use(clerkfiber.Middleware(e.Client, clerkfiber.WithHandler(func(auth *clerk.Auth, req clerk.Request) error {
		all = append(all, kept{req: req, method: req.Method(), path: req.URL().EscapedPath(),
			query: req.URL().RawQuery, header: req.Header("X-Probe")})
		return nil
	})))
	app.Get("/*", func(c fiber.Ctx) error {
		all[len(all)-1].auth = clerkfiber.Auth(c)
		all[len(all)-1].user = clerkfiber.Auth(c).UserID
		return c.SendString("ok")
	})
	for i := range 30 {
		n := strconv.Itoa(i)
		serve(t, app, "/p"+n+"/%61dmin?i="+n, e.Token("user_"+n), "X-Probe", "probe-"+n)
	}
	for i, k := range all {
		n := strconv.Itoa(i)
		if k.method != "GET" || k.path != "/p"+n+"/%61dmin" || k.query != "i="+n || k.header != "probe-"+n ||
			k.user != "user_"+n || k.auth.UserID != "user_"+n || k.auth.SessionID != "sess_user_"+n {
			t.Errorf("request %d changed after it ended: %+v (auth %v)", i, k, k.auth)
		}
		if got := k.req.URL().Path; got != "/p"+n+"/admin" {
			t.Errorf("request %d: URL().Path = %q", i, got)
		}
		// After the request the view no longer reads fasthttp's memory.
		if got := k.req.Header("X-Probe"); got != "" {
			t.Errorf("request %d: Header after the request = %q, want \"\"", i, got)
		}
	}
}

// TestRequestView checks the clerk.Request view of a Fiber request.
func TestRequestView(t *testing.T) {
	e := clerktest.NewTestClient(t)
	var got clerk.Request
	var headers http.Header
	app := fiber.New()
	app.Use(clerkfiber.Middleware(e.Client, clerkfiber.WithHandler(func(_ *clerk.Auth, req clerk.Request) error {
		got, headers = req, req.Headers()
		return nil
	})))
	app.Get("/*", func(c fiber.Ctx) error { return c.SendStatus(204) })
	req := httptest.NewRequest(http.MethodGet, "/a%2Fb/c?x=1&y=%20", nil)
	req.Host = "app.example.test:8443"
	req.Header.Set("X-Multi", "one")
	req.Header.Add("X-Multi", "two")
	if _, err := app.Test(req); err != nil {
		t.Fatal(err)
	}
	u := got.URL()
	want := url.URL{Scheme: "http", Host: "app.example.test:8443", Path: "/a/b/c", RawPath: "/a%2Fb/c", RawQuery: "x=1&y=%20"}
	if *u != want {
		t.Errorf("URL = %#v, want %#v", *u, want)
	}
	if got.Method() != "GET" || headers.Get("Host") != "" || len(headers.Values("X-Multi")) != 2 {
		t.Errorf("Method %q, Headers %v", got.Method(), headers)
	}
}

// TestAuthEverywhere: the Auth is in c.Locals (clerkfiber.Auth), in
// c.Context(), in c itself used as a context.Context, and in net/http
// handlers behind Fiber's adaptor.
func TestAuthEverywhere(t *testing.T) {
	e := clerktest.NewTestClient(t)
	app := fiber.New()
	app.Use(clerkfiber.Middleware(e.Client))
	app.Get("/fiber", func(c fiber.Ctx) error {
		return c.SendString(clerkfiber.Auth(c).UserID + " " + clerk.AuthFromContext(c.Context()).UserID + " " +
			clerk.AuthFromContext(c).UserID + " " + clerk.AuthFromContext(c.RequestCtx()).UserID)
	})
	app.Get("/nethttp", clerkfiber.Protect(), adaptor.HTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, clerk.AuthFromContext(r.Context()).UserID)
	})))
	tok := e.Token("user_1")
	if status, body, _ := serve(t, app, "/fiber", tok); status != 200 || body != "user_1 user_1 user_1 user_1" {
		t.Errorf("fiber handler: %d %q", status, body)
	}
	if status, body, _ := serve(t, app, "/nethttp", tok); status != 200 || body != "user_1" {
		t.Errorf("net/http handler behind adaptor: %d %q", status, body)
	}
}

// TestRoutingDefaults: Fiber routes case-insensitively and ignores
// trailing slashes; Protect guards the route whatever the spelling.
func TestRoutingDefaults(t *testing.T) {
	e := clerktest.NewTestClient(t)
	app := fiber.New()
	app.Use(clerkfiber.Middleware(e.Client))
	app.Get("/admin", clerkfiber.Protect(clerk.Role("org:admin")), func(c fiber.Ctx) error { return c.SendString("admin") })
	admin := e.Token("user_a", clerktest.WithOrg(clerktest.Org{ID: "org_1", Role: "org:admin"}))
	for _, p := range []string{"/admin", "/ADMIN", "/Admin/", "/admin//"} {
		if status, body, _ := serve(t, app, p, ""); status == 200 || body == "admin" {
			t.Errorf("signed out %s: %d %q", p, status, body)
		}
		if status, body, _ := serve(t, app, p, admin); p != "/admin//" && (status != 200 || body != "admin") {
			t.Errorf("admin %s: %d %q", p, status, body)
		}
	}
}

func TestContextKeysDoNotCollide(t *testing.T) {
	e := clerktest.NewTestClient(t)
	app := fiber.New()
	app.Use(clerkfiber.Middleware(e.Client), func(c fiber.Ctx) error {
		for _, k := range []string{"auth", "clerk", "user"} {
			c.Locals(k, &clerk.Auth{UserID: "user_forged", IsAuthenticated: true, TokenType: clerk.SessionToken})
		}
		return c.Next()
	})
	app.Get("/me", clerkfiber.Protect(), func(c fiber.Ctx) error { return c.SendString(clerkfiber.Auth(c).UserID) })
	if status, _, _ := serve(t, app, "/me", ""); status != 404 {
		t.Errorf("signed out: %d, want 404", status)
	}
	if _, body, _ := serve(t, app, "/me", e.Token("user_1")); body != "user_1" {
		t.Errorf("signed in: %q", body)
	}
}

func TestWithErrorHandler(t *testing.T) {
	e := clerktest.NewTestClient(t)
	app := fiber.New()
	app.Use(clerkfiber.Middleware(e.Client, clerkfiber.WithErrorHandler(func(c fiber.Ctx, d *clerk.Decision) error {
		switch d.Status {
		case http.StatusTemporaryRedirect:
			return clerkfiber.DefaultErrorHandler(c, d)
		case http.StatusUnauthorized:
			return nil // writes nothing: the default answers
		}
		return c.Status(d.Status).JSON(fiber.Map{"error": http.StatusText(d.Status)})
	})))
	app.Get("/me", clerkfiber.Protect(), func(c fiber.Ctx) error { return c.SendString("secret") })
	app.Get("/m2m", clerkfiber.Protect(clerk.AcceptsToken(clerk.M2MToken)), func(c fiber.Ctx) error { return c.SendString("secret") })
	if status, body, _ := serve(t, app, "/me", ""); status != 404 || body != `{"error":"Not Found"}` {
		t.Errorf("API request: %d %q", status, body)
	}
	if status, _, h := serve(t, app, "/me", "", "Accept", "text/html"); status != 307 ||
		!strings.HasPrefix(h.Get("Location"), "https://accounts.example.com/sign-in?redirect_url=") {
		t.Errorf("page request: %d Location %q", status, h.Get("Location"))
	}
	if status, body, _ := serve(t, app, "/m2m", ""); status != 401 || body == "secret" {
		t.Errorf("silent error handler: %d %q, want the default 401", status, body)
	}
}

func TestNilAuthenticatorFailsClosed(t *testing.T) {
	app := fiber.New()
	app.Use(clerkfiber.Middleware(nil))
	app.Get("/", func(c fiber.Ctx) error { return c.SendString("open") })
	if status, body, _ := serve(t, app, "/", ""); status != 500 || body == "open" {
		t.Fatalf("got %d %q, want 500", status, body)
	}
}

func TestAuthWithoutMiddleware(t *testing.T) {
	app := fiber.New()
	app.Get("/", func(c fiber.Ctx) error {
		if a := clerkfiber.Auth(c); a == nil || a.IsSignedIn() {
			return c.SendStatus(500)
		}
		return c.SendStatus(204)
	})
	if status, _, _ := serve(t, app, "/", ""); status != 204 {
		t.Fatalf("Auth without Middleware: %d", status)
	}
}

// BenchmarkProtect compares the same Fiber route bare and behind Middleware
// and Protect, with a valid session token that was verified before (warm
// key and token caches); adapter-only replays one authentication result, to
// show what the adapter itself costs. Requests go through app.Handler() on a
// reused fasthttp.RequestCtx, without app.Test's in-memory connection.
func BenchmarkProtect(b *testing.B) {
	e := clerktest.NewTestClient(b)
	tok := e.Token("user_bench")
	bare := fiber.New()
	bare.Get("/me", func(c fiber.Ctx) error { return c.SendString("user_bench") })
	guarded := fiber.New()
	guarded.Use(clerkfiber.Middleware(e.Client))
	guarded.Get("/me", clerkfiber.Protect(), func(c fiber.Ctx) error { return c.SendString(clerkfiber.Auth(c).UserID) })
	warm := httptest.NewRequest(http.MethodGet, "http://app.example.test/me", nil)
	warm.Header.Set("Authorization", "Bearer "+tok)
	adapter := fiber.New()
	adapter.Use(clerkfiber.Middleware(replay{e.Client.Authenticate(context.Background(), clerk.NewRequest(warm))}))
	adapter.Get("/me", clerkfiber.Protect(), func(c fiber.Ctx) error { return c.SendString(clerkfiber.Auth(c).UserID) })
	for _, bc := range []struct {
		name string
		app  *fiber.App
	}{{"bare", bare}, {"clerkguard", guarded}, {"adapter-only", adapter}} {
		b.Run(bc.name, func(b *testing.B) {
			h := bc.app.Handler()
			var fctx fasthttp.RequestCtx
			fctx.Request.SetRequestURI("/me")
			fctx.Request.Header.SetMethod(fiber.MethodGet)
			fctx.Request.Header.SetHost("app.example.test")
			fctx.Request.Header.Set("Authorization", "Bearer "+tok)
			h(&fctx)
			if fctx.Response.StatusCode() != 200 || string(fctx.Response.Body()) != "user_bench" {
				b.Fatalf("warm-up: %d %q", fctx.Response.StatusCode(), fctx.Response.Body())
			}
			b.ReportAllocs()
			for b.Loop() {
				fctx.Response.Reset()
				fctx.ResetUserValues() // as fasthttp's server does after each request
				h(&fctx)
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

// TestUnescapePathMatchesTheRoutedPath: with Config.UnescapePath, Fiber
// routes on the decoded path, so "/api%2Fadmin/users" is served by the
// /api/admin/users route; the route matchers must see that path too.
func TestUnescapePathMatchesTheRoutedPath(t *testing.T) {
	e := clerktest.NewTestClient(t)
	isAdmin := clerk.MustRouteMatcher("/api/admin/:rest*")
	app := fiber.New(fiber.Config{UnescapePath: true})
	app.Use(clerkfiber.Middleware(e.Client, clerkfiber.WithHandler(func(auth *clerk.Auth, req clerk.Request) error {
		if ok, err := isAdmin.Match(req); err != nil || !ok {
			return err
		}
		return auth.Protect()
	})))
	app.Get("/api/admin/users", func(c fiber.Ctx) error { return c.SendString("ADMIN DATA") })
	for _, p := range []string{"/api/admin/users", "/api%2Fadmin/users", "/api%2fadmin%2fusers"} {
		if status, body, _ := serve(t, app, p, ""); status == http.StatusOK {
			t.Errorf("signed-out GET %s: %d %q, the protected route answered", p, status, body)
		}
	}
	if status, body, _ := serve(t, app, "/api%2Fadmin/users", e.Token("user_1")); status != http.StatusOK || body != "ADMIN DATA" {
		t.Errorf("signed-in GET /api%%2Fadmin/users: %d %q, want 200", status, body)
	}
}

// TestHeadersSurviveResponseReset: fasthttp's ctx.Error (its file server,
// Fiber's static middleware) resets the response; Clerk's state headers
// are added after the chain, so they still reach the client.
func TestHeadersSurviveResponseReset(t *testing.T) {
	e := clerktest.NewTestClient(t)
	app := fiber.New()
	app.Use(clerkfiber.Middleware(e.Client))
	app.Get("/dir/", func(c fiber.Ctx) error {
		c.RequestCtx().Error("Forbidden", http.StatusForbidden) // what fasthttp.FS does for a directory
		return nil
	})
	status, _, h := serve(t, app, "/dir/", "")
	if status != http.StatusForbidden || h.Get(clerk.HeaderAuthStatus) != string(clerk.StatusSignedOut) {
		t.Errorf("%d, %s=%q: the state headers were lost with the reset", status, clerk.HeaderAuthStatus, h.Get(clerk.HeaderAuthStatus))
	}
}

// TestRequestHeaderLines: cookies on several Cookie lines are all read, as
// by the net/http adapters; with DisableHeaderNormalizing a lower-case
// authorization header is found.
func TestRequestHeaderLines(t *testing.T) {
	e := clerktest.NewTestClient(t)
	who := func(c fiber.Ctx) error { return c.SendString("user=" + clerkfiber.Auth(c).UserID) }
	app := fiber.New()
	app.Use(clerkfiber.Middleware(e.Client))
	app.Get("/me", who)
	req := httptest.NewRequest(http.MethodGet, "/me", nil)
	req.Header["Cookie"] = []string{"__client_uat=" + strconv.FormatInt(e.Now.Add(-time.Minute).Unix(), 10), "__session=" + e.Token("user_1")}
	res, err := app.Test(req)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(res.Body); string(b) != "user=user_1" {
		t.Errorf("two Cookie lines: %q, want user=user_1", b)
	}

	raw := fiber.New(fiber.Config{DisableHeaderNormalizing: true})
	raw.Use(clerkfiber.Middleware(e.Client))
	raw.Get("/me", who)
	conn := fiber.TestConfig{Timeout: 10 * time.Second}
	rreq := httptest.NewRequest(http.MethodGet, "/me", nil)
	rreq.Header["authorization"] = []string{"Bearer " + e.Token("user_2")}
	res, err = raw.Test(rreq, conn)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(res.Body); string(b) != "user=user_2" {
		t.Errorf("lower-case authorization with DisableHeaderNormalizing: %q, want user=user_2", b)
	}
}
