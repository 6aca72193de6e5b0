// Package chiapp is the chi example's application: its routes, protected by
// clerkguard. examples/chi serves it; the soak test (examples/soak) drives
// the very same handler.
package chiapp

import (
	"encoding/json"
	"net/http"

	"github.com/go-chi/chi/v5"

	clerkchi "github.com/clerkguard/clerkguard/chi"
	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/examples/internal/demo"
)

// New returns the example's router for setup's client: HTML pages (one
// protected by the clerkMiddleware(handler) rules, organization dashboards
// activated by organization sync) and a JSON API with a public route and
// routes for a session, a role, a permission and machine tokens.
func New(setup *demo.Setup) http.Handler {
	r := chi.NewRouter()
	// Authenticate every request; demo.Rules is the clerkMiddleware(handler)
	// form: /dashboard needs a session, /admin the org:admin role.
	r.Use(clerkchi.Middleware(setup.Client, clerkchi.WithHandler(demo.Rules)))

	page := func(title string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write(demo.Page(clerkchi.Auth(r), title, demo.AbsURL(r), setup.Dev))
		}
	}
	me := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(demo.Me(clerkchi.Auth(r)))
	})

	r.Get("/", page("clerkguard + chi"))
	r.Get("/dashboard", page("Dashboard"))
	r.Get("/admin", page("Admin area"))
	r.Get("/orgs/{slug}/dashboard", page("Organization dashboard")) // organization sync activates {slug}
	r.Get("/personal", page("Personal account"))

	r.Route("/api", func(r chi.Router) {
		r.Get("/public", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"public":true}`))
		})
		r.With(clerkchi.Protect()).Get("/me", me)
		r.With(clerkchi.Protect(clerk.Role("org:admin"))).Get("/admin", me)
		r.With(clerkchi.Protect(clerk.Permission("org:invoices:create"))).Get("/invoices", me)
		r.With(clerkchi.Protect()).Get("/orgs/{slug}/me", me)
		r.With(clerkchi.Protect(clerk.AcceptsToken(clerk.M2MToken, clerk.APIKey))).Get("/machine", me)
	})
	return r
}
