// Package clerkchi brings Clerk's authentication to net/http: chi, the
// standard library's http.ServeMux and any router built on http.Handler. It
// renders the decisions of the framework-independent core; import both with
// their aliases:
//
//	clerk "github.com/clerkguard/clerkguard/core"
//	clerkchi "github.com/clerkguard/clerkguard/chi"
//
// # Quickstart
//
//	func main() {
//		client, err := clerk.NewFromEnv() // CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY
//		if err != nil {
//			log.Fatal(err)
//		}
//		r := chi.NewRouter()
//		r.Use(clerkchi.Middleware(client))
//		r.Get("/", func(w http.ResponseWriter, r *http.Request) {
//			fmt.Fprintln(w, "hello,", clerkchi.Auth(r).UserID) // "" when signed out
//		})
//		r.With(clerkchi.Protect(clerk.Role("org:admin"))).Get("/admin", func(w http.ResponseWriter, r *http.Request) {
//			fmt.Fprintln(w, "welcome, admin", clerkchi.Auth(r).UserID)
//		})
//		log.Fatal(http.ListenAndServe(":8080", r))
//	}
//
// # Middleware and Protect
//
// [Middleware] is Clerk's clerkMiddleware(): it authenticates every request
// (the Authorization header, or the __session cookie with Clerk's browser
// handshake) and stores the *clerk.Auth in the request context. It refuses
// nothing on its own: only Clerk's redirects (the handshake) and what a
// [WithHandler] handler decides stop a request. [Protect] is Clerk's
// auth.protect(): middleware for a route, a group (r.With, r.Group,
// r.Route) or a mounted router that lets through only requests whose Auth
// passes its options. Without Middleware before it, Protect answers 500: it
// fails closed.
//
// [Auth](r), or clerk.AuthFromContext(r.Context()) in code that does not
// know about this package, returns the Auth anywhere below the middleware.
//
// # Per-request options
//
// For multi-tenant applications pass clerk.PerRequest as the
// authenticator: it builds one client per distinct options, each with its
// own key cache (see the example of [Middleware]).
//
// # Paths
//
// Protect guards whatever path the router sends to its route, so router
// tricks (case, "//", "%2F", "..", "%61") cannot reach a protected handler
// around it. Route matchers in the [WithHandler] form see the path the way
// Clerk does (decoded once, "//" collapsed, case-insensitive); chi routes on
// URL.RawPath when it is set, and http.ServeMux redirects to the cleaned
// path. clerktest.RunAdapterConformance checks both routers against every
// such trick.
package clerkchi
