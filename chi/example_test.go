package clerkchi_test

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/go-chi/chi/v5"

	clerkchi "github.com/clerkguard/clerkguard/chi"
	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// The quickstart of the README: every request authenticated, /admin for
// organization admins only.
func Example() {
	client, err := clerk.NewFromEnv() // CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY
	if err != nil {
		log.Fatal(err)
	}
	r := chi.NewRouter()
	r.Use(clerkchi.Middleware(client))
	r.Get("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello,", clerkchi.Auth(r).UserID) // "" when signed out
	})
	r.With(clerkchi.Protect(clerk.Role("org:admin"))).Get("/admin", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "welcome, admin", clerkchi.Auth(r).UserID)
	})
	log.Fatal(http.ListenAndServe(":8080", r))
}

// Middleware on the standard library's http.ServeMux, with the handler form
// (Clerk's clerkMiddleware(handler)): one rule protects every /admin route.
func ExampleMiddleware() {
	client, err := clerk.NewFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	isAdmin := clerk.MustRouteMatcher("/admin(.*)")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/users", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "users of", clerkchi.Auth(r).OrgSlug)
	})
	handler := clerkchi.Middleware(client, clerkchi.WithHandler(func(auth *clerk.Auth, req clerk.Request) error {
		ok, err := isAdmin.Match(req)
		if err != nil || !ok {
			return err // nil, or a 400 for a malformed path
		}
		return auth.Protect(clerk.Role("org:admin"))
	}))(mux)
	log.Fatal(http.ListenAndServe(":8080", handler))
}

// Multi-tenant keys: clerk.PerRequest passed as the authenticator chooses
// the options from the request (here the Host) and keeps one client, with
// its own key cache, per tenant.
func ExampleMiddleware_perRequest() {
	tenants := map[string]clerk.Options{
		"acme.example.com":   {SecretKey: os.Getenv("ACME_CLERK_SECRET_KEY"), PublishableKey: os.Getenv("ACME_CLERK_PUBLISHABLE_KEY")},
		"globex.example.com": {SecretKey: os.Getenv("GLOBEX_CLERK_SECRET_KEY"), PublishableKey: os.Getenv("GLOBEX_CLERK_PUBLISHABLE_KEY")},
	}
	auth := clerk.PerRequest(func(req clerk.Request) (clerk.Options, error) {
		o, ok := tenants[req.URL().Hostname()]
		if !ok {
			return clerk.Options{}, fmt.Errorf("unknown tenant %q", req.URL().Hostname())
		}
		return o, nil
	}, 0)
	r := chi.NewRouter()
	r.Use(clerkchi.Middleware(auth))
	r.With(clerkchi.Protect()).Get("/me", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, clerkchi.Auth(r).UserID)
	})
	log.Fatal(http.ListenAndServe(":8080", r))
}

// Protect on a route, a group and a mounted router: each route is only as
// open as the Protect in front of it.
func ExampleProtect() {
	client, err := clerk.NewFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	r := chi.NewRouter()
	r.Use(clerkchi.Middleware(client))
	r.With(clerkchi.Protect()).Get("/me", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, clerkchi.Auth(r).UserID)
	})
	r.Route("/billing", func(r chi.Router) {
		r.Use(clerkchi.Protect(clerk.Permission("org:invoices:create"), clerk.UnauthorizedURL("/no-access")))
		r.Post("/invoices", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })
	})
	// Machine-to-machine: 401 for anything but a valid M2M token.
	r.With(clerkchi.Protect(clerk.AcceptsToken(clerk.M2MToken))).Post("/webhooks/sync", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	log.Fatal(http.ListenAndServe(":8080", r))
}

// Decisions rendered as JSON for an API, while redirects keep their
// Location and 503s their Retry-After.
func ExampleWithErrorHandler() {
	client, err := clerk.NewFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	asJSON := clerkchi.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, d *clerk.Decision) {
		if d.Status < 400 || d.Header.Get("Content-Type") == "application/json" {
			clerkchi.DefaultErrorHandler(w, r, d) // redirects, Clerk's reverification hint
			return
		}
		for _, h := range []string{"Retry-After", "WWW-Authenticate"} {
			if v := d.Header.Get(h); v != "" {
				w.Header().Set(h, v)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(d.Status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": http.StatusText(d.Status)})
	})
	r := chi.NewRouter()
	r.Use(clerkchi.Middleware(client, asJSON))
	r.With(clerkchi.Protect()).Get("/api/me", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"user": clerkchi.Auth(r).UserID})
	})
	log.Fatal(http.ListenAndServe(":8080", r))
}

// Middleware and Protect answering two requests in-process: a signed-in
// session token reaches the handler, a request without one is refused with
// Clerk's 404. The instance is networkless: its token key is given as
// JWTKey, and clerktest signs the token a browser would send.
func ExampleProtect_signedInAndOut() {
	key := clerktest.MustNewKey()
	client, err := clerk.New(clerk.Options{
		PublishableKey: clerktest.LivePublishableKey("clerk.example.com"),
		JWTKey:         key.PublicKeyPEM(),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	r := chi.NewRouter()
	r.Use(clerkchi.Middleware(client))
	r.With(clerkchi.Protect()).Get("/me", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello, %s", clerkchi.Auth(r).UserID)
	})

	token := key.MustSign(clerktest.SessionV2("user_1", "sess_1", time.Now()))
	for _, authorization := range []string{"Bearer " + token, ""} {
		req := httptest.NewRequest(http.MethodGet, "https://api.example.com/me", nil)
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Body)
	}
	// Output:
	// 200 hello, user_1
	// 404 Not Found
}
