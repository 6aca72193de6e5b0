package clerkgin

import (
	"context"
	"slices"

	"github.com/gin-gonic/gin"

	clerk "github.com/clerkguard/clerkguard/core"
)

// Option configures [Middleware].
type Option func(*config)

type config struct {
	guard      []clerk.GuardOption
	onDecision func(c *gin.Context, d *clerk.Decision)
	rawPath    bool
}

// WithRawPath tells the middleware that the engine routes on the escaped
// path (gin.Engine.UseRawPath or UseEscapedPath set to true). By default Gin
// routes on the decoded path, and so does the middleware's view of the
// request: route matchers see "/api%2Fadmin" as "/api/admin", the route Gin
// serves. Set this option together with UseRawPath or UseEscapedPath, never
// alone, or the two disagree. (RemoveExtraSlash needs nothing: the matchers
// refuse paths with dot segments, and collapse repeated slashes as Gin
// does.)
func WithRawPath() Option {
	return func(c *config) { c.rawPath = true }
}

// WithHandler runs h on every request after authentication: Clerk's
// clerkMiddleware(handler) form, where route matchers and Protect live in
// one place. An error from h stops the request with the answer
// [clerk.DecisionFor] gives (a *clerk.ProtectError's decision, 400 for a
// malformed path, else 500).
//
//	isAdmin := clerk.MustRouteMatcher("/admin(.*)")
//	r.Use(clerkgin.Middleware(client, clerkgin.WithHandler(func(auth *clerk.Auth, req clerk.Request) error {
//		ok, err := isAdmin.Match(req)
//		if err != nil || !ok {
//			return err // nil, or a 400 for a malformed path
//		}
//		return auth.Protect(clerk.Role("org:admin"))
//	})))
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
// 404, 500 or 503. The chain is aborted before h runs, so nothing after the
// refusing handler runs whatever h does; if h writes nothing,
// DefaultErrorHandler answers. Keep d.Header (Location, Retry-After,
// WWW-Authenticate, Set-Cookie) when you change the body.
func WithErrorHandler(h func(c *gin.Context, d *clerk.Decision)) Option {
	return func(c *config) {
		if h != nil {
			c.onDecision = h
		}
	}
}

// DefaultErrorHandler writes d as the core decided it: d.Header, then the
// status, then d.Body (Clerk's reverification hint, a short text, or
// nothing).
func DefaultErrorHandler(c *gin.Context, d *clerk.Decision) {
	h := c.Writer.Header()
	for k, v := range d.Header {
		if k == "Set-Cookie" {
			h[k] = append(h[k], v...)
		} else {
			h[k] = slices.Clone(v)
		}
	}
	c.Writer.WriteHeader(d.Status)
	c.Writer.WriteHeaderNow()
	_, _ = c.Writer.Write(d.Body)
}

// state is what Middleware leaves in the gin.Context for Protect and Auth.
type state struct {
	auth       *clerk.Auth
	onDecision func(*gin.Context, *clerk.Decision)
}

// stateKey is the gin.Context key of the state; being an unexported type,
// no other package can read or overwrite it.
type stateKey struct{}

func stateOf(c *gin.Context) *state {
	v, _ := c.Get(stateKey{})
	st, _ := v.(*state)
	return st
}

// refuse aborts the chain, then writes d. gin runs the handlers after a
// middleware unless it aborts, and buffers the status until the first
// write: a refusal that only wrote a status would be overwritten by the
// protected handler's 200.
func refuse(c *gin.Context, onDecision func(*gin.Context, *clerk.Decision), d *clerk.Decision) {
	c.Abort()
	before := c.Writer.Status()
	onDecision(c, d)
	// An error handler that only set a status (gin buffers it until the
	// first write) has answered too.
	if !c.Writer.Written() && c.Writer.Status() == before {
		DefaultErrorHandler(c, d)
	}
}

// Middleware authenticates every request with a (a *clerk.Client, or
// clerk.PerRequest for options that depend on the request) and stores the
// *clerk.Auth in the gin.Context, where [Auth] finds it, and in the
// context of c.Request, where clerk.AuthFromContext finds it (net/http code
// behind gin.WrapH, for instance); clerk.AuthFromContext(c) works on the
// gin.Context itself too. It refuses nothing on its own, except
// Clerk's redirects (handshake, development-browser sync) and what a
// [WithHandler] handler decides. Clerk's response headers (Set-Cookie,
// x-clerk-auth-*) go on every response.
func Middleware(a clerk.Authenticator, opts ...Option) gin.HandlerFunc {
	cfg := config{onDecision: DefaultErrorHandler}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	g := clerk.NewGuard(a, cfg.guard...)
	return func(c *gin.Context) {
		req := clerk.NewDecodedPathRequest(c.Request)
		if cfg.rawPath {
			req = clerk.NewRequest(c.Request)
		}
		res := g.Check(c.Request.Context(), req)
		h := c.Writer.Header()
		for k, v := range res.Header {
			h[k] = append(h[k], v...)
		}
		// One allocation for both: the state lives in the context value, and
		// the gin.Context key points at it.
		ctx := clerk.WithAuthState(c.Request.Context(), res.Auth, state{res.Auth, cfg.onDecision})
		c.Request = c.Request.WithContext(ctx)
		c.Set(stateKey{}, clerk.StateFromContext[state](ctx))
		// So that clerk.AuthFromContext(c) works on the gin.Context itself
		// (its Value reads only string keys without ContextWithFallback).
		c.Set(clerk.AuthContextKey(), res.Auth)
		if res.Decision != nil {
			refuse(c, cfg.onDecision, res.Decision)
		}
	}
}

// Protect returns a handler that lets a request through only when its Auth
// passes opts (Clerk's auth.protect(), see clerk.Auth.Protect): signed in by
// default, plus any clerk.Role, clerk.Permission, clerk.Feature, clerk.Plan,
// clerk.Reverification, clerk.Condition or clerk.AcceptsToken. Otherwise it
// writes the decision (a sign-in redirect for browsers, 404, 401 for machine
// tokens, 403, 503 when Clerk is unreachable) and aborts the chain. Without
// [Middleware] before it, it answers 500: it fails closed.
//
//	r.GET("/admin", clerkgin.Protect(clerk.Role("org:admin")), admin)
//	billing := r.Group("/billing", clerkgin.Protect(clerk.Permission("org:invoices:create")))
func Protect(opts ...clerk.ProtectOption) gin.HandlerFunc {
	p := clerk.NewProtector(opts...)
	return func(c *gin.Context) {
		st := stateOf(c)
		if st == nil {
			st = &state{onDecision: DefaultErrorHandler}
		}
		if d := p.Decide(st.auth); d != nil {
			refuse(c, st.onDecision, d)
		}
	}
}

// Auth returns the request's *clerk.Auth, never nil: signed out when
// [Middleware] did not run.
func Auth(c *gin.Context) *clerk.Auth {
	if st := stateOf(c); st != nil && st.auth != nil {
		return st.auth
	}
	var ctx context.Context
	if c.Request != nil {
		ctx = c.Request.Context()
	}
	return clerk.AuthFromContext(ctx)
}
