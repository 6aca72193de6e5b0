package clerkecho

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	clerk "github.com/clerkguard/clerkguard/core"
)

// Option configures [Middleware].
type Option func(*config)

type config struct {
	guard      []clerk.GuardOption
	handler    func(*clerk.Auth, clerk.Request) error
	onDecision func(c echo.Context, d *clerk.Decision) error
	skipper    middleware.Skipper
}

// WithHandler runs h on every request after authentication: Clerk's
// clerkMiddleware(handler) form, where route matchers and Protect live in
// one place. An error from h stops the request with the answer
// [clerk.DecisionFor] gives (a *clerk.ProtectError's decision, 400 for a
// malformed path, else 500); the error is the *echo.HTTPError's Internal.
//
//	isAdmin := clerk.MustRouteMatcher("/admin(.*)")
//	e.Use(clerkecho.Middleware(client, clerkecho.WithHandler(func(auth *clerk.Auth, req clerk.Request) error {
//		ok, err := isAdmin.Match(req)
//		if err != nil || !ok {
//			return err // nil, or a 400 for a malformed path
//		}
//		return auth.Protect(clerk.Role("org:admin"))
//	})))
func WithHandler(h func(auth *clerk.Auth, req clerk.Request) error) Option {
	return func(c *config) { c.handler = h }
}

// WithAcceptsToken sets the token types the middleware authenticates; the
// default is every type, and each [Protect] narrows (clerk.AcceptsToken).
func WithAcceptsToken(types ...clerk.TokenType) Option {
	return func(c *config) { c.guard = append(c.guard, clerk.WithAcceptsToken(types...)) }
}

// WithErrorHandler replaces [DefaultErrorHandler] for the decisions of this
// middleware and of every [Protect] behind it: a redirect, 400, 401, 403,
// 404, 500 or 503. What h returns is what the middleware returns: nil once
// h has written a response, or an error for Echo's HTTPErrorHandler; if h
// returns nil without writing, the default answers. Keep
// d.Header (Location, Retry-After, WWW-Authenticate, Set-Cookie) when you
// change the body. Often customising Echo's HTTPErrorHandler is enough:
// the default hands it an *echo.HTTPError.
func WithErrorHandler(h func(c echo.Context, d *clerk.Decision) error) Option {
	return func(c *config) { c.onDecision = h }
}

// WithSkipper skips the middleware for the requests s selects: they are not
// authenticated, and a [Protect] behind it fails closed with 500.
func WithSkipper(s middleware.Skipper) Option {
	return func(c *config) { c.skipper = s }
}

// DefaultErrorHandler returns d the Echo way: it sets d.Header on the
// response (Location, Retry-After, WWW-Authenticate, Set-Cookie; not
// Content-Type, which belongs to whoever renders the body) and returns an
// *echo.HTTPError with d's status, for the application's HTTPErrorHandler.
// Its Message is d.Body, as json.RawMessage when d.Body is JSON (Clerk's
// reverification hint, which Echo's default handler then sends as is), else
// as a string; for a body-less decision, the status text.
func DefaultErrorHandler(c echo.Context, d *clerk.Decision) error {
	return decisionError(c, d, nil)
}

func decisionError(c echo.Context, d *clerk.Decision, cause error) error {
	h := c.Response().Header()
	for k, v := range d.Header {
		switch k {
		case echo.HeaderContentType:
		case "Set-Cookie":
			h[k] = append(h[k], v...)
		default:
			h[k] = slices.Clone(v)
		}
	}
	var msg any = http.StatusText(d.Status)
	switch {
	case len(d.Body) > 0 && strings.HasPrefix(d.Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON):
		msg = json.RawMessage(d.Body)
	case len(d.Body) > 0:
		msg = string(d.Body)
	}
	return &echo.HTTPError{Code: d.Status, Message: msg, Internal: cause}
}

// state is what Middleware leaves in the request context for Protect
// (clerk.WithAuthState); being an unexported type, no other package can
// read or replace it.
type state struct {
	auth       *clerk.Auth
	onDecision func(echo.Context, *clerk.Decision) error
}

// refuse answers d: with the custom error handler, or the Echo way with
// cause (the *clerk.ProtectError, or the WithHandler error) as Internal.
func (st *state) refuse(c echo.Context, d *clerk.Decision, cause error) error {
	if st.onDecision == nil {
		return decisionError(c, d, cause)
	}
	if err := st.onDecision(c, d); err != nil || c.Response().Committed {
		return err
	}
	return decisionError(c, d, cause) // it wrote nothing: never a blank 200
}

// Middleware authenticates every request with a (a *clerk.Client, or
// clerk.PerRequest for options that depend on the request) and stores the
// *clerk.Auth in the context of c.Request(), where [Auth] and
// clerk.AuthFromContext find it. It refuses nothing on its own, except
// Clerk's redirects (handshake, development-browser sync) and what a
// [WithHandler] handler decides. Clerk's response headers (Set-Cookie,
// x-clerk-auth-*) go on every response. It works with e.Use, e.Pre, groups
// and routes.
func Middleware(a clerk.Authenticator, opts ...Option) echo.MiddlewareFunc {
	cfg := config{skipper: middleware.DefaultSkipper}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.handler != nil {
		cfg.guard = append(cfg.guard, clerk.WithHandler(cfg.handler))
	}
	g := clerk.NewGuard(a, cfg.guard...)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if cfg.skipper != nil && cfg.skipper(c) {
				return next(c)
			}
			r := c.Request()
			res := g.Check(r.Context(), clerk.NewRequest(r))
			h := c.Response().Header()
			for k, v := range res.Header {
				h[k] = append(h[k], v...)
			}
			st := state{res.Auth, cfg.onDecision}
			c.SetRequest(r.WithContext(clerk.WithAuthState(r.Context(), res.Auth, st)))
			if res.Decision != nil {
				return st.refuse(c, res.Decision, res.Err)
			}
			return next(c)
		}
	}
}

// Protect returns middleware that lets a request through only when its
// Auth passes opts (Clerk's auth.protect(), see clerk.Auth.Protect): signed
// in by default, plus any clerk.Role, clerk.Permission, clerk.Feature,
// clerk.Plan, clerk.Reverification, clerk.Condition or clerk.AcceptsToken.
// Otherwise it returns the decision (a sign-in redirect for browsers, 404,
// 401 for machine tokens, 403, 503 when Clerk is unreachable) as an
// *echo.HTTPError whose Internal is the *clerk.ProtectError. Without
// [Middleware] before it, it answers 500: it fails closed.
//
//	e.GET("/admin", admin, clerkecho.Protect(clerk.Role("org:admin")))
//	billing := e.Group("/billing", clerkecho.Protect(clerk.Permission("org:invoices:create")))
func Protect(opts ...clerk.ProtectOption) echo.MiddlewareFunc {
	p := clerk.NewProtector(opts...)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			st := clerk.StateFromContext[state](c.Request().Context())
			if st == nil {
				st = &state{}
			}
			err := p.Protect(st.auth) // a nil Auth fails closed
			if d := clerk.DecisionFor(err); d != nil {
				return st.refuse(c, d, err)
			}
			return next(c)
		}
	}
}

// Auth returns the request's *clerk.Auth, never nil: signed out when
// [Middleware] did not run. It is clerk.AuthFromContext(c.Request().Context()).
func Auth(c echo.Context) *clerk.Auth {
	if r := c.Request(); r != nil {
		return clerk.AuthFromContext(r.Context())
	}
	return clerk.AuthFromContext(context.Background())
}
