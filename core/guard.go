package clerk

import (
	"container/list"
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Authenticator authenticates requests: a [*Client], or [PerRequest] for
// options that depend on the request (multi-tenant keys).
type Authenticator interface {
	// Authenticate reads the request's token (header or cookies) and
	// returns its state; see [Client.Authenticate]. It never returns nil.
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
	// authOpts is accepts as Authenticate's variadic argument, boxed once
	// rather than on every request.
	authOpts []AuthenticateOption
}

// GuardOption configures a [Guard].
type GuardOption func(*Guard)

// NewGuard returns the middleware logic for a. By default it accepts every
// token type, as Clerk's Next.js middleware does; [Auth.Protect] narrows per
// route (AcceptsToken).
func NewGuard(a Authenticator, opts ...GuardOption) *Guard {
	if c, ok := a.(*Client); ok && c == nil {
		a = nil // a nil *Client (from a failed New) fails closed like a nil Authenticator
	}
	g := &Guard{a: a, accepts: TokenAcceptance{any: true}}
	for _, o := range opts {
		if o != nil {
			o(g)
		}
	}
	g.authOpts = []AuthenticateOption{g.accepts}
	return g
}

// WithHandler runs h after authentication on every request, Clerk's
// clerkMiddleware(handler) form: route matchers and Protect in one place.
// An error from h stops the request; see [DecisionFor].
//
//	isAdmin := clerk.MustRouteMatcher("/admin(.*)")
//	clerk.WithHandler(func(auth *clerk.Auth, req clerk.Request) error {
//		ok, err := isAdmin.Match(req)
//		if err != nil || !ok {
//			return err // a malformed path answers 400
//		}
//		return auth.Protect(clerk.Role("org:admin"))
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
	// Err is the handler's error behind Decision (a *ProtectError, a
	// *MalformedURLError, or the handler's own), for frameworks that
	// return errors to their error handler.
	Err error
}

// Check authenticates req and runs the handler.
func (g *Guard) Check(ctx context.Context, req Request) GuardResult {
	if g == nil || g.a == nil {
		err := misconfiguredBecause(errors.New("clerkguard: the middleware was built without a Client (check the error clerk.New returned)"))
		return GuardResult{Auth: signedOutAuth(), Decision: DecisionFor(err), Err: err}
	}
	s := g.a.Authenticate(ctx, req, g.authOpts...)
	res := GuardResult{Auth: s.Auth, Header: s.Headers}
	if s.Location() != "" {
		// Clerk's own redirects (handshake, development sync): 307 with
		// every state header.
		res.Decision = &Decision{Status: http.StatusTemporaryRedirect, Header: s.Headers}
		res.Header = nil
		return res
	}
	if g.handler != nil {
		err := g.handler(s.Auth, req)
		if d := DecisionFor(err); d != nil {
			res.Decision, res.Err = d, err
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
// applications. Clients are built once per distinct options and
// cached (at most maxClients, least recently used first out; 0 means 100),
// so each tenant keeps its own key cache and tenants never share keys.
//
// Options are told apart by every string, list, number and flag they hold;
// clients whose options name the same keys (secret key, API URL, JWKS
// settings) share one JWKS cache, so a new Domain costs no Backend API call.
// The fields that are functions or pointers (Clock, Logger, HTTPClient) are
// not compared: the client built for the first request with given keys keeps
// its own, so options should return the same ones every time.
//
// An error from options, or options that [New] rejects, makes the request
// signed out with reason unexpected-error and the error in
// RequestState.Err; [Auth.Protect] then answers 404 (a page request gets 500:
// there is no sign-in page to send it to).
func PerRequest(options func(req Request) (Options, error), maxClients int) Authenticator {
	if maxClients <= 0 {
		maxClients = 100
	}
	return &perRequest{options: options, max: maxClients, byKey: map[string]*list.Element{}, lru: list.New(),
		keys: map[string]*sharedKeys{}}
}

type perRequest struct {
	options func(Request) (Options, error)
	max     int

	mu    sync.Mutex
	byKey map[string]*list.Element
	lru   *list.List
	// keys holds the remote key sources of the cached clients by where
	// their keys come from: clients whose options differ only in, say,
	// Domain (one per Host header) share one JWKS cache, as Clerk keeps one
	// per secret key, so a new client costs no Backend API call.
	keys map[string]*sharedKeys
}

type cachedClient struct {
	key     string
	keysKey string // "" when the client's keys are not shared
	c       *Client
}

// sharedKeys is a key source and how many cached clients use it.
type sharedKeys struct {
	src  keySource
	refs int
}

// errNoOptions is the error of a PerRequest built with a nil function.
var errNoOptions = errors.New("clerk: PerRequest: the options function is nil")

func (p *perRequest) Authenticate(ctx context.Context, req Request, opts ...AuthenticateOption) *RequestState {
	var c *Client
	err := errNoOptions
	if p.options != nil {
		var o Options
		if o, err = p.options(req); err == nil {
			c, err = p.client(o)
		}
	}
	if err != nil {
		s := (&RequestState{Status: StatusSignedOut, Reason: ReasonUnexpectedError, TokenType: SessionToken,
			Auth: signedOutAuth(), Err: err}).withDebugHeaders()
		ac := &authContext{clerkURL: clerkURL(req), method: req.Method(),
			secFetchDest: req.Header("Sec-Fetch-Dest"), accept: req.Header("Accept")}
		s.Auth.req = &requestInfo{c: &Client{}, ac: ac, state: s, raw: s.Auth}
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
		p.lru.MoveToFront(e)
		return e.Value.(*cachedClient).c, nil
	}
	cc := &cachedClient{key: key, c: c}
	if _, remote := c.keys.(*remoteKeys); remote {
		cc.keysKey = keySourceKey(&o)
		if sh, ok := p.keys[cc.keysKey]; ok {
			c.keys = sh.src // the new client never fetched: nothing to close
			sh.refs++
		} else {
			p.keys[cc.keysKey] = &sharedKeys{src: c.keys, refs: 1}
		}
	}
	p.byKey[key] = p.lru.PushFront(cc)
	for p.lru.Len() > p.max {
		last := p.lru.Back()
		p.lru.Remove(last)
		old := last.Value.(*cachedClient)
		delete(p.byKey, old.key)
		if sh := p.keys[old.keysKey]; sh != nil {
			if sh.refs--; sh.refs == 0 {
				delete(p.keys, old.keysKey)
			}
		}
	}
	return c, nil
}

// keySourceKey identifies where a client's remote keys come from and how
// they are cached: the same value means the same JWKS.
func keySourceKey(o *Options) string {
	var b strings.Builder
	for _, s := range [...]string{o.SecretKey, o.APIURL, o.APIVersion, o.PublishableKey,
		strconv.FormatBool(o.FrontendAPIJWKS), strconv.FormatInt(int64(o.JWKSCacheTTL), 10),
		strconv.FormatInt(int64(o.JWKSRefreshInterval), 10)} {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	return b.String()
}

// optionsKey identifies options that build the same Client: every value
// that is not a function or a pointer, each length-prefixed so that no two
// different options give the same key.
func optionsKey(o *Options) string {
	var b strings.Builder
	str := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	list := func(l []string) {
		b.WriteString(strconv.Itoa(len(l)))
		b.WriteByte('[')
		for _, s := range l {
			str(s)
		}
	}
	for _, s := range [...]string{o.SecretKey, o.PublishableKey, o.MachineSecretKey, o.JWTKey, o.APIURL, o.APIVersion,
		o.Domain, o.ProxyURL, o.SignInURL, o.SignUpURL, o.AfterSignInURL, o.AfterSignUpURL} {
		str(s)
	}
	list(o.Audience)
	list(o.AuthorizedParties)
	list(o.HeaderType)
	for _, n := range [...]int64{int64(o.ClockSkew), int64(o.JWKSCacheTTL), int64(o.JWKSRefreshInterval),
		int64(o.TokenCacheEntries), o.TokenCacheBytes, int64(o.MachineTokenCacheTTL)} {
		str(strconv.FormatInt(n, 10))
	}
	pending := "default"
	if o.TreatPendingAsSignedOut != nil {
		pending = strconv.FormatBool(*o.TreatPendingAsSignedOut)
	}
	str(pending)
	for _, f := range [...]bool{o.IsSatellite, o.SatelliteAutoSync, o.FrontendAPIJWKS, o.Debug, o.OrganizationSync != nil} {
		str(strconv.FormatBool(f))
	}
	if o.OrganizationSync != nil {
		list(o.OrganizationSync.OrganizationPatterns)
		list(o.OrganizationSync.PersonalAccountPatterns)
	}
	if p := o.ContentSecurityPolicy; p != nil {
		str("csp")
		for _, f := range [...]bool{p.Strict, p.ReportOnly, p.Development} {
			str(strconv.FormatBool(f))
		}
		str(p.ReportTo)
		str(p.Nonce)
		for _, name := range slices.Sorted(maps.Keys(p.Directives)) {
			str(name)
			list(p.Directives[name])
		}
	}
	return b.String()
}
