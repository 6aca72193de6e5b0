package clerkchi

import (
	"net/http"
	"slices"

	clerk "github.com/clerkguard/clerkguard/core"
)

// Option configures [Middleware].
type Option func(*config)

type config struct {
	guard  []clerk.GuardOption
	custom func(w http.ResponseWriter, r *http.Request, d *clerk.Decision)
}

// WithHandler runs h on every request after authentication: Clerk's
// clerkMiddleware(handler) form, where route matchers and Protect live in
// one place. An error from h stops the request with the answer
// [clerk.DecisionFor] gives (a *clerk.ProtectError's decision, 400 for a
// malformed path, else 500).
//
//	isAdmin := clerk.MustRouteMatcher("/admin(.*)")
//	clerkchi.Middleware(client, clerkchi.WithHandler(func(auth *clerk.Auth, req clerk.Request) error {
//		ok, err := isAdmin.Match(req)
//		if err != nil || !ok {
//			return err // nil, or a 400 for a malformed path
//		}
//		return auth.Protect(clerk.Role("org:admin"))
//	}))
func WithHandler(h func(auth *clerk.Auth, req clerk.Request) error) Option {
	return func(c *config) { c.guard = append(c.guard, clerk.WithHandler(h)) }
}

// WithAcceptsToken sets the token types the middleware authenticates; the
// default is every type, and each [Protect] narrows (clerk.AcceptsToken).
func WithAcceptsToken(types ...clerk.TokenType) Option {
	return func(c *config) { c.guard = append(c.guard, clerk.WithAcceptsToken(types...)) }
}

// WithErrorHandler replaces [DefaultErrorHandler] for the decisions of this
// middleware and of every [Protect] behind it: a redirect, 400, 401, 403,
// 404, 500 or 503. If h writes nothing, DefaultErrorHandler answers. Keep
// d.Header (Location, Retry-After, WWW-Authenticate, Set-Cookie) when you
// change the body.
func WithErrorHandler(h func(w http.ResponseWriter, r *http.Request, d *clerk.Decision)) Option {
	return func(c *config) { c.custom = h }
}

// DefaultErrorHandler writes d as the core decided it: d.Header, then the
// status, then d.Body (Clerk's reverification hint, a short text, or
// nothing).
func DefaultErrorHandler(w http.ResponseWriter, _ *http.Request, d *clerk.Decision) {
	h := w.Header()
	for k, v := range d.Header {
		if k == "Set-Cookie" {
			h[k] = append(h[k], v...)
		} else {
			h[k] = slices.Clone(v)
		}
	}
	w.WriteHeader(d.Status)
	_, _ = w.Write(d.Body)
}

// state is what Middleware leaves in the request context for Protect
// (clerk.WithAuthState); being an unexported type, no other package can
// read or replace it.
type state struct {
	auth   *clerk.Auth
	custom func(http.ResponseWriter, *http.Request, *clerk.Decision)
}

func (st *state) refuse(w http.ResponseWriter, r *http.Request, d *clerk.Decision) {
	if st.custom == nil {
		DefaultErrorHandler(w, r, d)
		return
	}
	tw := &tracker{ResponseWriter: w}
	st.custom(tw, r, d)
	if !tw.wrote {
		DefaultErrorHandler(w, r, d) // never a blank 200
	}
}

// tracker notes whether a custom error handler wrote anything.
type tracker struct {
	http.ResponseWriter
	wrote bool
}

func (t *tracker) WriteHeader(code int)        { t.wrote = true; t.ResponseWriter.WriteHeader(code) }
func (t *tracker) Write(b []byte) (int, error) { t.wrote = true; return t.ResponseWriter.Write(b) }
func (t *tracker) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// Middleware authenticates every request with a (a *clerk.Client, or
// clerk.PerRequest for options that depend on the request) and stores the
// *clerk.Auth in the request context, where [Auth] and
// clerk.AuthFromContext find it. It never refuses a request on its own,
// except for Clerk's redirects (handshake, development-browser sync) and
// what a [WithHandler] handler decides. Clerk's response headers
// (Set-Cookie, x-clerk-auth-*) go on every response.
func Middleware(a clerk.Authenticator, opts ...Option) func(http.Handler) http.Handler {
	var cfg config
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	g := clerk.NewGuard(a, cfg.guard...)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			res := g.Check(r.Context(), clerk.NewRequest(r))
			h := w.Header()
			for k, v := range res.Header {
				h[k] = append(h[k], v...)
			}
			st := state{res.Auth, cfg.custom}
			r = r.WithContext(clerk.WithAuthState(r.Context(), res.Auth, st))
			if res.Decision != nil {
				st.refuse(w, r, res.Decision)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Protect returns middleware that lets a request through only when its
// Auth passes opts (Clerk's auth.protect(), see clerk.Auth.Protect): signed
// in by default, plus any clerk.Role, clerk.Permission, clerk.Feature,
// clerk.Plan, clerk.Reverification, clerk.Condition or clerk.AcceptsToken.
// Otherwise it writes the decision (a sign-in redirect for browsers, 404,
// 401 for machine tokens, 403, 503 when Clerk is unreachable) and stops.
// Without [Middleware] before it, it answers 500: it fails closed. Behind
// another clerkguard adapter (a net/http handler mounted with gin.WrapH,
// echo.WrapHandler or Fiber's adaptor) it uses the Auth that adapter
// stored in the request context.
//
//	r.With(clerkchi.Protect(clerk.Role("org:admin"))).Get("/admin", admin)
func Protect(opts ...clerk.ProtectOption) func(http.Handler) http.Handler {
	p := clerk.NewProtector(opts...)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			st := clerk.StateFromContext[state](r.Context())
			if st == nil {
				// Another adapter's middleware (net/http code behind
				// gin.WrapH, echo.WrapHandler, Fiber's adaptor) stored
				// the Auth; without any middleware it is signed out with
				// no request, and Protect fails closed (500).
				st = &state{auth: clerk.AuthFromContext(r.Context())}
			}
			if d := p.Decide(st.auth); d != nil {
				st.refuse(w, r, d)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Auth returns the request's *clerk.Auth, never nil (signed out when
// [Middleware] did not run). It is clerk.AuthFromContext(r.Context()).
func Auth(r *http.Request) *clerk.Auth { return clerk.AuthFromContext(r.Context()) }
