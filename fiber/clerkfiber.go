package clerkfiber

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/gofiber/fiber/v3"

	clerk "github.com/clerkguard/clerkguard/core"
)

// Option configures [Middleware].
type Option func(*config)

type config struct {
	guard  []clerk.GuardOption
	custom func(c fiber.Ctx, d *clerk.Decision) error
}

// WithHandler runs h on every request after authentication: Clerk's
// clerkMiddleware(handler) form, where route matchers and Protect live in
// one place. An error from h stops the request with the answer
// [clerk.DecisionFor] gives (a *clerk.ProtectError's decision, 400 for a
// malformed path, else 500).
//
//	isAdmin := clerk.MustRouteMatcher("/admin(.*)")
//	app.Use(clerkfiber.Middleware(client, clerkfiber.WithHandler(func(auth *clerk.Auth, req clerk.Request) error {
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
// 404, 500 or 503. What h returns is what the handler returns (an error
// goes to the app's ErrorHandler); if h returns nil without writing a body
// or a status, DefaultErrorHandler answers. Keep d.Header (Location,
// Retry-After, WWW-Authenticate, Set-Cookie) when you change the body.
func WithErrorHandler(h func(c fiber.Ctx, d *clerk.Decision) error) Option {
	return func(c *config) { c.custom = h }
}

// DefaultErrorHandler writes d as the core decided it: d.Header, then the
// status, then d.Body (Clerk's reverification hint, a short text, or
// nothing).
func DefaultErrorHandler(c fiber.Ctx, d *clerk.Decision) error {
	h := &c.Response().Header
	for k, v := range d.Header {
		if k != "Set-Cookie" {
			h.Del(k)
		}
		for _, s := range v {
			h.Add(k, s)
		}
	}
	c.Status(d.Status)
	return c.Send(d.Body)
}

// state is what Middleware leaves in c.Locals for Protect and Auth.
type state struct {
	auth   *clerk.Auth
	custom func(fiber.Ctx, *clerk.Decision) error
}

// stateKey is the c.Locals key of the state; being an unexported type, no
// other package can read or overwrite it.
type stateKey struct{}

func (st *state) refuse(c fiber.Ctx, d *clerk.Decision) error {
	if st.custom == nil {
		return DefaultErrorHandler(c, d)
	}
	if err := st.custom(c, d); err != nil {
		return err
	}
	if res := c.Response(); res.StatusCode() == fiber.StatusOK && len(res.Body()) == 0 {
		return DefaultErrorHandler(c, d) // it wrote nothing: never a blank 200
	}
	return nil
}

// Middleware authenticates every request with a (a *clerk.Client, or
// clerk.PerRequest for options that depend on the request) and stores the
// *clerk.Auth in c.Locals, where [Auth] finds it, and in c.Context(): so
// clerk.AuthFromContext finds it in c.Context(), in c itself and in the
// request context of net/http handlers behind Fiber's adaptor. It refuses nothing on its own, except
// Clerk's redirects (handshake, development-browser sync) and what a
// [WithHandler] handler decides. Clerk's response headers (Set-Cookie,
// x-clerk-auth-*) go on every response.
//
// The core sees the request through a copy of what it reads (method, path,
// query, host, headers): nothing it keeps points into fasthttp's buffers,
// which are reused once the request is over.
func Middleware(a clerk.Authenticator, opts ...Option) fiber.Handler {
	var cfg config
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	g := clerk.NewGuard(a, cfg.guard...)
	// The app's settings that change how a request reads, looked up once
	// per app rather than copied out of it on every request.
	var settings atomic.Pointer[appSettings]
	return func(c fiber.Ctx) error {
		as := settings.Load()
		if as == nil || as.app != c.App() {
			conf := c.App().Config()
			as = &appSettings{app: c.App(), unescapePath: conf.UnescapePath, rawHeaderNames: conf.DisableHeaderNormalizing}
			settings.Store(as)
		}
		req := newRequest(c, as)
		defer req.detach()
		res := g.Check(c.Context(), req)
		// One allocation for the state and the context value: the state
		// lives in the context, and the Locals key points at it.
		ctx := clerk.WithAuthState(c.Context(), res.Auth, state{res.Auth, cfg.custom})
		c.SetContext(ctx)
		st := clerk.StateFromContext[state](ctx)
		c.Locals(stateKey{}, st)
		// Under the core's key too, so that clerk.AuthFromContext works on
		// c itself, c.RequestCtx() and net/http handlers behind adaptor.
		c.Locals(clerk.AuthContextKey(), res.Auth)
		if res.Decision != nil {
			addHeaders(c, res.Header)
			return st.refuse(c, res.Decision)
		}
		err := c.Next()
		// After the chain, not before: fasthttp's ctx.Error (its file
		// server, Fiber's static middleware) resets the response and its
		// headers, which would drop a handshake's Set-Cookie. fasthttp
		// sends headers only once the handler returns.
		addHeaders(c, res.Header)
		return err
	}
}

// addHeaders adds Clerk's state headers (Set-Cookie, x-clerk-auth-*) to
// the response.
func addHeaders(c fiber.Ctx, hs http.Header) {
	h := &c.Response().Header
	for k, v := range hs {
		for _, s := range v {
			h.Add(k, s)
		}
	}
}

// appSettings are the fiber.Config fields the request view depends on.
type appSettings struct {
	app            *fiber.App
	unescapePath   bool // Fiber routes on the decoded path
	rawHeaderNames bool // DisableHeaderNormalizing: names are kept as sent
}

// Protect returns a handler that lets a request through only when its Auth
// passes opts (Clerk's auth.protect(), see clerk.Auth.Protect): signed in by
// default, plus any clerk.Role, clerk.Permission, clerk.Feature, clerk.Plan,
// clerk.Reverification, clerk.Condition or clerk.AcceptsToken. Otherwise it
// writes the decision (a sign-in redirect for browsers, 404, 401 for machine
// tokens, 403, 503 when Clerk is unreachable) and stops. Without
// [Middleware] before it, it answers 500: it fails closed.
//
//	app.Get("/admin", clerkfiber.Protect(clerk.Role("org:admin")), admin)
//	billing := app.Group("/billing", clerkfiber.Protect(clerk.Permission("org:invoices:create")))
func Protect(opts ...clerk.ProtectOption) fiber.Handler {
	p := clerk.NewProtector(opts...)
	return func(c fiber.Ctx) error {
		st, _ := c.Locals(stateKey{}).(*state)
		if st == nil {
			st = &state{}
		}
		if d := p.Decide(st.auth); d != nil {
			return st.refuse(c, d)
		}
		return c.Next()
	}
}

// Auth returns the request's *clerk.Auth, never nil: signed out when
// [Middleware] did not run.
func Auth(c fiber.Ctx) *clerk.Auth {
	if st, _ := c.Locals(stateKey{}).(*state); st != nil && st.auth != nil {
		return st.auth
	}
	return clerk.AuthFromContext(c.Context())
}

// request is the clerk.Request view of a Fiber request. Everything it
// returns is a copy: fasthttp reuses its buffers once the handler returns.
// It reads the fiber.Ctx only while the middleware runs; detach ends that.
type request struct {
	c              fiber.Ctx
	method         string
	url            url.URL
	header         http.Header
	rawHeaderNames bool
}

var _ clerk.Request = (*request)(nil)

func newRequest(c fiber.Ctx, as *appSettings) *request {
	fr := c.Request()
	// The path as the client sent it; the core decodes it once, as Clerk
	// does. Path, host and query are copied in one allocation.
	path, host, query := fr.URI().PathOriginal(), fr.Host(), fr.URI().QueryString()
	var b strings.Builder
	b.Grow(len(path) + len(host) + len(query))
	b.Write(path)
	b.Write(host)
	b.Write(query)
	all := b.String()
	raw, h, q := all[:len(path)], all[len(path):len(path)+len(host)], all[len(path)+len(host):]
	// c.Method is one of the app's method names, not a view of the request
	// buffer.
	r := &request{c: c, method: c.Method(), url: url.URL{Scheme: "http", Host: h, Path: raw, RawQuery: q},
		rawHeaderNames: as.rawHeaderNames}
	if p, err := url.PathUnescape(raw); err == nil && p != raw {
		r.url.Path, r.url.RawPath = p, raw
		if as.unescapePath {
			// Fiber routes on the decoded path: so do the route matchers
			// ("/api%2Fadmin" is "/api/admin" to both).
			r.url.RawPath = ""
		}
	}
	if c.RequestCtx().IsTLS() {
		r.url.Scheme = "https"
	}
	return r
}

func (r *request) detach()        { r.c = nil }
func (r *request) Method() string { return r.method }
func (r *request) URL() *url.URL  { return &r.url }

func (r *request) Header(name string) string {
	if r.c == nil {
		return ""
	}
	h := &r.c.Request().Header
	if name == "Cookie" {
		// Every Cookie line, joined as clerk.Request asks (Peek gives
		// the first line only, until something has parsed the cookies).
		if all := h.PeekAll(name); len(all) > 1 {
			return string(bytes.Join(all, []byte("; ")))
		}
	}
	if v := h.Peek(name); len(v) > 0 || !r.rawHeaderNames {
		return string(v)
	}
	// DisableHeaderNormalizing keeps names as sent ("authorization").
	for k, v := range h.All() {
		if strings.EqualFold(string(k), name) {
			return string(v)
		}
	}
	return ""
}

// Headers copies every header but Host (which net/http keeps apart too) the
// first time it is called.
func (r *request) Headers() http.Header {
	if r.header == nil {
		r.header = http.Header{}
		if r.c != nil {
			for k, v := range r.c.Request().Header.All() {
				if name := string(k); !strings.EqualFold(name, "Host") {
					r.header.Add(name, string(v))
				}
			}
		}
	}
	return r.header
}
