package clerk

import (
	"container/list"
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Authenticator authenticates requests: a [*Client], or [PerRequest] for
// options that depend on the request (multi-tenant keys).
type Authenticator interface {
	Authenticate(ctx context.Context, req Request, opts ...AuthenticateOption) *RequestState
}

// Guard is the middleware logic every adapter shares (clerkMiddleware): it
// authenticates the request, runs the optional handler, and tells the
// adapter what to write. Adapters hold no auth logic; they translate the
// request into a [Request] and render the [GuardResult].
type Guard struct {
	a       Authenticator
	accepts TokenAcceptance
	handler func(auth *Auth, req Request) error
}

// GuardOption configures a [Guard].
type GuardOption func(*Guard)

// NewGuard returns the middleware logic for a. By default it accepts every
// token type, as Clerk's Next.js middleware does; [Auth.Protect] narrows per
// route (AcceptsToken).
func NewGuard(a Authenticator, opts ...GuardOption) *Guard {
	g := &Guard{a: a, accepts: TokenAcceptance{any: true}}
	for _, o := range opts {
		if o != nil {
			o(g)
		}
	}
	return g
}

// WithHandler runs h after authentication on every request, Clerk's
// clerkMiddleware(handler) form: route matchers and Protect in one place.
// An error from h stops the request; see [DecisionFor].
//
//	isAdmin := clerk.MustRouteMatcher("/admin(.*)")
//	clerk.WithHandler(func(auth *clerk.Auth, req clerk.Request) error {
//		if ok, err := isAdmin.Match(req); err != nil || ok {
//			return errors.Join(err, auth.Protect(clerk.Role("org:admin")))
//		}
//		return nil
//	})
func WithHandler(h func(auth *Auth, req Request) error) GuardOption {
	return func(g *Guard) { g.handler = h }
}

// WithAcceptsToken sets the token types the middleware authenticates (the
// default is every type).
func WithAcceptsToken(types ...TokenType) GuardOption {
	return func(g *Guard) { g.accepts = AcceptsToken(types...) }
}

// GuardResult is what an adapter does with one request.
type GuardResult struct {
	// Auth is the request's Auth, never nil; store it where the framework's
	// users look for it and in the request context ([WithAuth]).
	Auth *Auth
	// Header goes on the response in every case (Set-Cookie from a
	// handshake, x-clerk-auth-* on signed-out states).
	Header http.Header
	// Decision, when not nil, is the response to write instead of running
	// the rest of the chain (a handshake redirect, or the handler's refusal).
	Decision *Decision
}

// Check authenticates req and runs the handler.
func (g *Guard) Check(ctx context.Context, req Request) GuardResult {
	if g.a == nil {
		d := misconfigured().Decision
		d.Body = []byte("clerkguard: the middleware was built without a Client")
		return GuardResult{Auth: signedOutAuth(), Decision: &d}
	}
	s := g.a.Authenticate(ctx, req, g.accepts)
	res := GuardResult{Auth: s.Auth, Header: s.Headers}
	if s.Location() != "" {
		// Clerk's own redirects (handshake, development sync): 307 with
		// every state header.
		res.Decision = &Decision{Status: http.StatusTemporaryRedirect, Header: s.Headers}
		res.Header = nil
		return res
	}
	if g.handler != nil {
		if d := DecisionFor(g.handler(s.Auth, req)); d != nil {
			res.Decision = d
		}
	}
	return res
}

// ProtectAuth is what an adapter's Protect handler calls: the Auth the
// middleware stored (nil when the middleware did not run, which fails
// closed with 500) checked with opts. It returns the decision to write, or
// nil to go on.
func ProtectAuth(auth *Auth, opts ...ProtectOption) *Decision {
	return DecisionFor(auth.Protect(opts...))
}

// PerRequest returns an Authenticator whose options depend on the request,
// Clerk's clerkMiddleware(handler, (req) => options) for multi-tenant
// applications. Clients are built once per distinct options and cached
// (at most maxClients, least recently used first out; 0 means 100), so each
// tenant keeps its own key cache and tenants never share keys.
//
// An error from options, or invalid options, makes the request signed out
// with reason unexpected-error and the error in RequestState.Err.
func PerRequest(options func(req Request) (Options, error), maxClients int) Authenticator {
	if maxClients <= 0 {
		maxClients = 100
	}
	return &perRequest{options: options, max: maxClients, byKey: map[string]*list.Element{}, lru: list.New()}
}

type perRequest struct {
	options func(Request) (Options, error)
	max     int

	mu    sync.Mutex
	byKey map[string]*list.Element
	lru   *list.List
}

type cachedClient struct {
	key string
	c   *Client
}

func (p *perRequest) Authenticate(ctx context.Context, req Request, opts ...AuthenticateOption) *RequestState {
	o, err := p.options(req)
	var c *Client
	if err == nil {
		c, err = p.client(o)
	}
	if err != nil {
		s := (&RequestState{Status: StatusSignedOut, Reason: ReasonUnexpectedError, TokenType: SessionToken,
			Auth: signedOutAuth(), Err: err}).withDebugHeaders()
		s.Auth.req = &requestInfo{c: &Client{}, ac: &authContext{clerkURL: clerkURL(req), method: req.Method()}, state: s, raw: s.Auth}
		return s
	}
	return c.Authenticate(ctx, req, opts...)
}

func (p *perRequest) client(o Options) (*Client, error) {
	key := optionsKey(&o)
	p.mu.Lock()
	if e, ok := p.byKey[key]; ok {
		p.lru.MoveToFront(e)
		c := e.Value.(*cachedClient).c
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()
	c, err := New(o)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if e, ok := p.byKey[key]; ok { // built concurrently: keep the first
		return e.Value.(*cachedClient).c, nil
	}
	p.byKey[key] = p.lru.PushFront(&cachedClient{key: key, c: c})
	for p.lru.Len() > p.max {
		last := p.lru.Back()
		p.lru.Remove(last)
		delete(p.byKey, last.Value.(*cachedClient).key)
	}
	return c, nil
}

// optionsKey identifies options that build the same Client. Options with
// functions or pointers (Clock, Logger, HTTPClient) are keyed by their
// presence only: a per-request callback is expected to reuse them.
func optionsKey(o *Options) string {
	var b strings.Builder
	for _, s := range []string{o.SecretKey, o.PublishableKey, o.MachineSecretKey, o.JWTKey, o.APIURL, o.APIVersion,
		o.Domain, o.ProxyURL, o.SignInURL, o.SignUpURL, o.AfterSignInURL, o.AfterSignUpURL,
		strings.Join(o.Audience, ","), strings.Join(o.AuthorizedParties, ","), o.ClockSkew.String(),
		strconv.FormatBool(o.IsSatellite), strconv.FormatBool(o.SatelliteAutoSync), strconv.FormatBool(o.FrontendAPIJWKS),
		strconv.FormatBool(o.Debug), o.JWKSCacheTTL.String(), o.JWKSRefreshInterval.String()} {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	if o.TreatPendingAsSignedOut != nil {
		b.WriteString(strconv.FormatBool(*o.TreatPendingAsSignedOut))
	}
	if o.OrganizationSync != nil {
		b.WriteString("|org:" + strings.Join(o.OrganizationSync.OrganizationPatterns, ",") + "|" + strings.Join(o.OrganizationSync.PersonalAccountPatterns, ","))
	}
	return b.String()
}
