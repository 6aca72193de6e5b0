// Command chi is an example API protected by clerkguard on chi (the same
// middleware works with http.ServeMux and any http.Handler router).
//
//	go run ./examples/chi
//
// With no CLERK_ variable in the environment it starts an offline Clerk
// development instance and prints URLs and curl lines to try; with
// CLERK_SECRET_KEY and CLERK_PUBLISHABLE_KEY it uses that Clerk instance
// (only one of them set is an error, never the development instance).
package main

import (
	"encoding/json"
	"log"
	"net/http"

	"github.com/go-chi/chi/v5"

	clerkchi "github.com/clerkguard/clerkguard/chi"
	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/examples/internal/demo"
)

func main() {
	setup, err := demo.New()
	if err != nil {
		log.Fatal(err)
	}
	defer setup.Close()

	r := chi.NewRouter()
	// Authenticate every request; demo.Rules is the clerkMiddleware(handler)
	// form: /dashboard needs a session, /admin the org:admin role.
	r.Use(clerkchi.Middleware(setup.Client, clerkchi.WithHandler(demo.Rules)))

	page := func(title string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(demo.Page(clerkchi.Auth(r), title, demo.AbsURL(r), setup.Dev))
		}
	}
	me := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(demo.Me(clerkchi.Auth(r)))
	})

	r.Get("/", page("clerkguard + chi"))
	r.Get("/dashboard", page("Dashboard"))
	r.Get("/admin", page("Admin area"))
	r.Get("/orgs/{slug}/dashboard", page("Organization dashboard")) // organization sync activates {slug}
	r.Get("/personal", page("Personal account"))

	r.Route("/api", func(r chi.Router) {
		r.Get("/public", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"public":true}`))
		})
		r.With(clerkchi.Protect()).Get("/me", me)
		r.With(clerkchi.Protect(clerk.Role("org:admin"))).Get("/admin", me)
		r.With(clerkchi.Protect(clerk.Permission("org:invoices:create"))).Get("/invoices", me)
		r.With(clerkchi.Protect()).Get("/orgs/{slug}/me", me)
		r.With(clerkchi.Protect(clerk.AcceptsToken(clerk.M2MToken, clerk.APIKey))).Get("/machine", me)
	})

	if err := setup.Serve("chi", r); err != nil {
		log.Fatal(err)
	}
}
