package clerkchi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	clerkchi "github.com/clerkguard/clerkguard/chi"
	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// report is a conformance route handler: it answers with the Auth from the
// adapter's accessor and from the request context.
func report(route string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(clerktest.AuthReport(route, clerkchi.Auth(r), clerk.AuthFromContext(r.Context())))
	}
}

// newChiApp is the conformance application on chi: the Middleware runs on
// a router mounted at "/", next to the one route that has no Middleware.
func newChiApp(t *testing.T, cfg clerktest.AppConfig) clerktest.Doer {
	app := chi.NewRouter()
	app.Use(clerkchi.Middleware(cfg.Authenticator, clerkchi.WithHandler(cfg.Handler)))
	app.Get("/public", report("public"))
	app.With(clerkchi.Protect()).Get("/protected", report("protected"))
	app.Route("/admin", func(r chi.Router) {
		r.Use(clerkchi.Protect(clerk.Role("org:admin")))
		r.Get("/", report("admin"))
		r.Get("/settings", report("admin-settings"))
	})
	app.With(clerkchi.Protect(clerk.Permission("org:invoices:create"))).Get("/perm", report("perm"))
	app.With(clerkchi.Protect(clerk.AcceptsToken(clerk.M2MToken))).Get("/machine", report("machine"))
	app.With(clerkchi.Protect(clerk.AcceptsToken(clerk.APIKey))).Get("/apikey", report("apikey"))
	app.With(clerkchi.Protect(clerk.AcceptsToken(clerk.OAuthToken))).Get("/oauth", report("oauth"))
	app.With(clerkchi.Protect(clerk.AcceptsToken(clerk.M2MToken, clerk.APIKey))).Get("/machines", report("machines"))
	app.With(clerkchi.Protect(clerk.AcceptsToken(clerk.AnyToken))).Get("/any", report("any"))
	app.With(clerkchi.Protect(clerk.RequireReverification(clerk.Strict))).Get("/reverify", report("reverify"))
	app.Group(func(r chi.Router) {
		r.Use(clerkchi.Protect())
		r.Get("/orgs/{slug}/whoami", report("whoami"))
	})
	app.Get("/dashboard", report("dashboard"))
	app.Get("/dashboard/settings", report("dashboard-settings"))
	app.Get("/dashboard/users/{id}", report("dashboard-user"))

	root := chi.NewRouter()
	root.With(clerkchi.Protect()).Get("/nomiddleware", report("nomiddleware"))
	root.Mount("/", app)
	return clerktest.HandlerDoer(root)
}

// newMuxApp is the conformance application on the standard library's
// http.ServeMux.
func newMuxApp(t *testing.T, cfg clerktest.AppConfig) clerktest.Doer {
	// The /admin prefix is protected as a whole.
	adminMux := http.NewServeMux()
	adminMux.Handle("GET /admin", report("admin"))
	adminMux.Handle("GET /admin/settings", report("admin-settings"))
	admin := clerkchi.Protect(clerk.Role("org:admin"))(adminMux)

	mux := http.NewServeMux()
	mux.Handle("GET /public", report("public"))
	mux.Handle("GET /protected", clerkchi.Protect()(report("protected")))
	mux.Handle("/admin", admin)
	mux.Handle("/admin/", admin)
	mux.Handle("GET /perm", clerkchi.Protect(clerk.Permission("org:invoices:create"))(report("perm")))
	mux.Handle("GET /machine", clerkchi.Protect(clerk.AcceptsToken(clerk.M2MToken))(report("machine")))
	mux.Handle("GET /apikey", clerkchi.Protect(clerk.AcceptsToken(clerk.APIKey))(report("apikey")))
	mux.Handle("GET /oauth", clerkchi.Protect(clerk.AcceptsToken(clerk.OAuthToken))(report("oauth")))
	mux.Handle("GET /machines", clerkchi.Protect(clerk.AcceptsToken(clerk.M2MToken, clerk.APIKey))(report("machines")))
	mux.Handle("GET /any", clerkchi.Protect(clerk.AcceptsToken(clerk.AnyToken))(report("any")))
	mux.Handle("GET /reverify", clerkchi.Protect(clerk.RequireReverification(clerk.Strict))(report("reverify")))
	mux.Handle("GET /orgs/{slug}/whoami", clerkchi.Protect()(report("whoami")))
	mux.Handle("GET /dashboard", report("dashboard"))
	mux.Handle("GET /dashboard/settings", report("dashboard-settings"))
	mux.Handle("GET /dashboard/users/{id}", report("dashboard-user"))

	root := http.NewServeMux()
	root.Handle("GET /nomiddleware", clerkchi.Protect()(report("nomiddleware")))
	root.Handle("/", clerkchi.Middleware(cfg.Authenticator, clerkchi.WithHandler(cfg.Handler))(mux))
	return clerktest.HandlerDoer(root)
}

func TestConformance(t *testing.T) {
	t.Run("chi", func(t *testing.T) {
		clerktest.RunAdapterConformance(t, clerktest.Harness{NewApp: newChiApp})
	})
	t.Run("ServeMux", func(t *testing.T) {
		clerktest.RunAdapterConformance(t, clerktest.Harness{NewApp: newMuxApp})
	})
}

// serve sends GET path with an optional bearer token to h.
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

func whoami(w http.ResponseWriter, r *http.Request) {
	_, _ = io.WriteString(w, "user="+clerkchi.Auth(r).UserID)
}

func TestChiMountAndRoute(t *testing.T) {
	e := clerktest.NewTestClient(t)
	api := chi.NewRouter()
	api.With(clerkchi.Protect()).Get("/me", whoami)
	api.Route("/orgs", func(r chi.Router) {
		r.Use(clerkchi.Protect(clerk.Role("org:admin")))
		r.Get("/{slug}", whoami)
	})
	r := chi.NewRouter()
	r.Use(clerkchi.Middleware(e.Client))
	r.Mount("/api", api)

	admin := e.Token("user_a", clerktest.WithOrg(clerktest.Org{ID: "org_1", Slug: "acme", Role: "org:admin"}))
	for _, tc := range []struct {
		path, token string
		status      int
		body        string
	}{
		{"/api/me", e.Token("user_1"), 200, "user=user_1"},
		{"/api/me", "", 404, "Not Found"},
		{"/api/orgs/acme", admin, 200, "user=user_a"},
		{"/api/orgs/acme", e.Token("user_1"), 404, "Not Found"},
	} {
		rec := serve(r, tc.path, tc.token)
		if rec.Code != tc.status || rec.Body.String() != tc.body {
			t.Errorf("GET %s: %d %q, want %d %q", tc.path, rec.Code, rec.Body, tc.status, tc.body)
		}
	}
}

func TestMiddlewareOnlyInMountedRouter(t *testing.T) {
	e := clerktest.NewTestClient(t)
	api := chi.NewRouter()
	api.Use(clerkchi.Middleware(e.Client))
	api.Get("/me", whoami)
	r := chi.NewRouter()
	r.Mount("/api", api)
	r.With(clerkchi.Protect()).Get("/outside", whoami)

	if rec := serve(r, "/api/me", e.Token("user_1")); rec.Body.String() != "user=user_1" {
		t.Errorf("mounted: %q", rec.Body)
	}
	// Outside the mounted router nothing authenticated the request: Protect fails closed.
	if rec := serve(r, "/outside", e.Token("user_1")); rec.Code != 500 {
		t.Errorf("outside: %d %q, want 500", rec.Code, rec.Body)
	}
}

func TestHandlerAfterRefusalNeverRuns(t *testing.T) {
	e := clerktest.NewTestClient(t)
	ran := 0
	h := clerkchi.Middleware(e.Client)(clerkchi.Protect(clerk.Role("org:admin"))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ran++
		w.WriteHeader(http.StatusOK)
	})))
	for _, tc := range []struct {
		token  string
		hdr    []string
		status int
	}{
		{"", nil, 404},
		{"", []string{"Accept", "text/html"}, 307},
		{e.Token("user_1"), nil, 404},
		{"not-a-jwt", nil, 404},
	} {
		if rec := serve(h, "/admin", tc.token, tc.hdr...); rec.Code != tc.status {
			t.Errorf("token %q %v: %d, want %d", tc.token, tc.hdr, rec.Code, tc.status)
		}
	}
	if ran != 0 {
		t.Fatalf("the protected handler ran %d times", ran)
	}
}

func TestWithErrorHandler(t *testing.T) {
	e := clerktest.NewTestClient(t)
	var got []int
	mw := clerkchi.Middleware(e.Client, clerkchi.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, d *clerk.Decision) {
		got = append(got, d.Status)
		switch d.Status {
		case http.StatusTemporaryRedirect:
			clerkchi.DefaultErrorHandler(w, r, d)
			return
		case http.StatusUnauthorized:
			return // writes nothing: the default answers
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(d.Status)
		_, _ = io.WriteString(w, `{"error":"nope"}`)
	}))
	h := mw(clerkchi.Protect()(http.HandlerFunc(whoami)))

	rec := serve(h, "/me", "")
	if rec.Code != 404 || rec.Body.String() != `{"error":"nope"}` || rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("API request: %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	rec = serve(h, "/me", "", "Accept", "text/html")
	if rec.Code != 307 || !strings.HasPrefix(rec.Header().Get("Location"), "https://accounts.example.com/sign-in?redirect_url=") {
		t.Errorf("page request: %d Location %q", rec.Code, rec.Header().Get("Location"))
	}
	m2m := mw(clerkchi.Protect(clerk.AcceptsToken(clerk.M2MToken))(http.HandlerFunc(whoami)))
	if rec := serve(m2m, "/m2m", ""); rec.Code != 401 || strings.Contains(rec.Body.String(), "user=") {
		t.Errorf("silent error handler: %d %q, want the default 401", rec.Code, rec.Body)
	}
	if !slices.Equal(got, []int{404, 307, 401}) {
		t.Errorf("error handler saw %v, want [404 307 401]", got)
	}
}

func TestNilAuthenticatorFailsClosed(t *testing.T) {
	h := clerkchi.Middleware(nil)(http.HandlerFunc(whoami))
	if rec := serve(h, "/", ""); rec.Code != 500 || strings.Contains(rec.Body.String(), "user=") {
		t.Fatalf("got %d %q, want 500", rec.Code, rec.Body)
	}
}

func TestAuthWithoutMiddleware(t *testing.T) {
	a := clerkchi.Auth(httptest.NewRequest(http.MethodGet, "/", nil))
	if a == nil || a.IsSignedIn() {
		t.Fatalf("Auth = %v, want a signed-out Auth", a)
	}
}

func TestWithAcceptsToken(t *testing.T) {
	e := clerktest.NewTestClient(t)
	var tt clerk.TokenType
	h := clerkchi.Middleware(e.Client, clerkchi.WithAcceptsToken(clerk.M2MToken))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tt = clerkchi.Auth(r).TokenType
	}))
	serve(h, "/", e.Token("user_1"))
	if tt != clerk.M2MToken {
		t.Fatalf("a session token on an M2M-only middleware gave token type %q, want %q", tt, clerk.M2MToken)
	}
}

// BenchmarkProtect compares the same chi route bare and behind Middleware
// and Protect, with a valid session token that was verified before (warm
// key and token caches); adapter-only replays one authentication result, to
// show what the adapter itself costs.
func BenchmarkProtect(b *testing.B) {
	e := clerktest.NewTestClient(b)
	tok := e.Token("user_bench")
	bare := chi.NewRouter()
	bare.Get("/me", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "user_bench") })
	guarded := chi.NewRouter()
	guarded.Use(clerkchi.Middleware(e.Client))
	guarded.With(clerkchi.Protect()).Get("/me", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, clerkchi.Auth(r).UserID)
	})
	warm := httptest.NewRequest(http.MethodGet, "/me", nil)
	warm.Header.Set("Authorization", "Bearer "+tok)
	adapter := chi.NewRouter()
	adapter.Use(clerkchi.Middleware(replay{e.Client.Authenticate(context.Background(), clerk.NewRequest(warm))}))
	adapter.With(clerkchi.Protect()).Get("/me", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, clerkchi.Auth(r).UserID)
	})
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

// TestServeMuxReservedSpelling: http.ServeMux decodes "%40" in a segment
// and serves /api/users/@me/settings for "/api/users/%40me/settings"; a
// matcher written with "@me" must protect that spelling too.
func TestServeMuxReservedSpelling(t *testing.T) {
	e := clerktest.NewTestClient(t)
	isMine := clerk.MustRouteMatcher("/api/users/@me(.*)")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/users/@me/settings", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "MY SETTINGS")
	})
	h := clerkchi.Middleware(e.Client, clerkchi.WithHandler(func(auth *clerk.Auth, req clerk.Request) error {
		if ok, err := isMine.Match(req); err != nil || !ok {
			return err
		}
		return auth.Protect()
	}))(mux)
	for _, p := range []string{"/api/users/@me/settings", "/api/users/%40me/settings", "/api/users/%40%6De/settings"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		if rec.Body.String() == "MY SETTINGS" {
			t.Errorf("signed-out GET %s was served", p)
		}
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/api/users/%40me/settings", nil)
	req.Header.Set("Authorization", "Bearer "+e.Token("user_1"))
	h.ServeHTTP(rec, req)
	if rec.Body.String() != "MY SETTINGS" {
		t.Errorf("signed-in GET: %d %q", rec.Code, rec.Body.String())
	}
}

// TestProtectBehindAnotherAdapter: a net/http handler guarded with
// clerkchi.Protect and mounted behind another adapter (gin.WrapH,
// echo.WrapHandler, Fiber's adaptor) finds the Auth that adapter put in the
// request context; with no Auth at all it still fails closed.
func TestProtectBehindAnotherAdapter(t *testing.T) {
	e := clerktest.NewTestClient(t)
	h := clerkchi.Protect()(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "secret") }))
	call := func(tok string, withAuth bool) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/inner", nil)
		if tok != "" {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		if withAuth { // what the other adapter's middleware does
			r = r.WithContext(clerk.WithAuth(r.Context(), e.Client.Authenticate(r.Context(), clerk.NewRequest(r)).Auth))
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	if w := call(e.Token("user_1"), true); w.Code != http.StatusOK || w.Body.String() != "secret" {
		t.Errorf("signed in behind another adapter: %d %q, want 200", w.Code, w.Body.String())
	}
	if w := call("", true); w.Code != http.StatusNotFound {
		t.Errorf("signed out behind another adapter: %d, want 404", w.Code)
	}
	if w := call(e.Token("user_1"), false); w.Code != http.StatusInternalServerError {
		t.Errorf("no middleware anywhere: %d, want 500", w.Code)
	}
}
