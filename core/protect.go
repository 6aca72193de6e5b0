package clerk

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Decision is an HTTP answer the core has decided on and an adapter writes:
// a redirect, 401, 404, 403, 400, 503 or 500. The core never writes it.
type Decision struct {
	// Status is the HTTP status code to answer with.
	Status int
	// Header holds the headers to set (Location, Retry-After,
	// WWW-Authenticate, Content-Type, Clerk's x-clerk-* headers).
	Header http.Header
	// Body is the response body, nil for none.
	Body []byte
	// Err is the error the decision answers (a *ProtectError with its
	// cause, a *MalformedURLError, or a WithHandler function's own error),
	// set by [DecisionFor] for error handlers that log. It is never written
	// to the response.
	Err error
}

// ProtectFailure classifies a [ProtectError].
type ProtectFailure int

// Why Protect refused a request.
const (
	// Unauthenticated: no usable session (signed out, pending, wrong token).
	Unauthenticated ProtectFailure = iota + 1
	// Unauthorized: signed in, but a role, permission, feature, plan,
	// reverification or condition check failed.
	Unauthorized
	// ReverificationRequired: RequireReverification failed; the 403 body is
	// Clerk's reverification hint for useReverification.
	ReverificationRequired
	// Unavailable: Clerk could not be reached (keys, Backend API), 503.
	Unavailable
	// BadRequest: the URL path was malformed, 400.
	BadRequest
	// Misconfigured: Protect ran without the middleware, or the redirect
	// it needs cannot be built: 500, the detail in ProtectError.Err.
	Misconfigured
	// Redirected: the application sent the request elsewhere with
	// [Auth.Redirect], 307.
	Redirected
)

// ProtectError is returned by [Auth.Protect] and the redirect helpers when a
// request must not go on. Adapters write its Decision.
type ProtectError struct {
	// Failure says why the request was refused.
	Failure ProtectFailure
	// Decision is the answer to write.
	Decision Decision
	// Err is the underlying cause when there is one (for Unavailable, the
	// Backend API or JWKS error).
	Err error
}

// Error describes the failure for logs; it never contains a token.
func (e *ProtectError) Error() string {
	var kind string
	switch e.Failure {
	case Unauthenticated:
		kind = "unauthenticated"
	case Unauthorized:
		kind = "unauthorized"
	case ReverificationRequired:
		kind = "reverification required"
	case Unavailable:
		kind = "authentication unavailable"
	case BadRequest:
		kind = "bad request"
	case Misconfigured:
		kind = "misconfigured"
	case Redirected:
		kind = "redirected"
	default:
		kind = "refused"
	}
	msg := "clerk: protect: " + kind + " (" + strconv.Itoa(e.Decision.Status) + ")"
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *ProtectError) Unwrap() error { return e.Err }

// ProtectOption configures [Auth.Protect]: the checks [Role], [Permission],
// [Feature], [Plan], [Reverification]; [Condition]; [AcceptsToken];
// [UnauthenticatedURL], [UnauthorizedURL]; [RequireReverification].
type ProtectOption interface{ applyProtect(*protectConfig) }

type protectConfig struct {
	accepts            TokenAcceptance
	acceptsSet         bool
	checks             []Check
	conditions         []func(HasFunc) bool
	unauthenticatedURL string
	unauthorizedURL    string
	reverification     ReverificationRequirement
	reverificationSet  bool
}

// applyProtect adds c to the checks; the zero Check asks nothing, so
// Protect(clerk.Check{}) is Protect(), as protect({}) is in Clerk.
func (c Check) applyProtect(p *protectConfig) {
	if c.kind != checkNone {
		p.checks = append(p.checks, c)
	}
}

func (a TokenAcceptance) applyProtect(p *protectConfig) { p.accepts, p.acceptsSet = a, true }

type protectFunc func(*protectConfig)

func (f protectFunc) applyProtect(p *protectConfig) { f(p) }

// Condition is Clerk's auth.protect((has) => boolean): the request passes
// when f returns true. has is the signed-in Auth's Has.
//
//	auth.Protect(clerk.Condition(func(has clerk.HasFunc) bool {
//		return has(clerk.Role("org:admin")) || has(clerk.Role("org:billing_manager"))
//	}))
func Condition(f func(has HasFunc) bool) ProtectOption {
	return protectFunc(func(p *protectConfig) { p.conditions = append(p.conditions, f) })
}

// UnauthenticatedURL redirects unauthenticated requests there (307) instead
// of the sign-in page or a 404. Clerk: unauthenticatedUrl.
func UnauthenticatedURL(u string) ProtectOption {
	return protectFunc(func(p *protectConfig) { p.unauthenticatedURL = u })
}

// UnauthorizedURL redirects signed-in requests that fail a check there (307)
// instead of a 404. Clerk: unauthorizedUrl.
func UnauthorizedURL(u string) ProtectOption {
	return protectFunc(func(p *protectConfig) { p.unauthorizedURL = u })
}

// RequireReverification asks for a recent verification: a signed-in user
// who passes every other check but not this one gets 403 with Clerk's
// reverification hint, {"clerk_error":{"type":"forbidden","reason":
// "reverification-error","metadata":{"reverification":...}}}, which Clerk's
// frontend useReverification() turns into a prompt and a retry. (A
// Reverification check, by contrast, fails like any other check.)
//
// It applies to session tokens only: machine tokens have no factors. A nil
// or invalid requirement always fails, as in [Reverification].
func RequireReverification(r ReverificationRequirement) ProtectOption {
	return protectFunc(func(p *protectConfig) { p.reverification, p.reverificationSet = r, true })
}

// requestInfo is what Protect and the redirect helpers need from the request
// the Auth came from.
type requestInfo struct {
	c     *Client
	ac    *authContext
	state *RequestState
	raw   *Auth // the Auth before narrowing to an accepted token type
}

// Protect is Clerk's auth.protect(): nil when the request may go
// on, else a *ProtectError whose Decision the adapter writes.
//
//   - not signed in: a page request (Sec-Fetch-Dest document or iframe, or
//     Accept with text/html) is redirected (307) to sign-in with
//     redirect_url; other requests get 404; a pending session goes to
//     <sign-in>/tasks; UnauthenticatedURL overrides.
//   - signed in but a check fails: 404, or UnauthorizedURL.
//   - machine-token contexts (AcceptsToken without SessionToken, or a
//     machine token): 401, never a redirect; OAuth tokens add
//     WWW-Authenticate with the protected-resource metadata URL.
//   - Clerk unreachable (keys or Backend API): 503 with Retry-After rather
//     than a sign-out.
//   - an Auth that did not come from the middleware: 500, failing closed.
func (a *Auth) Protect(opts ...ProtectOption) error {
	cfg := newProtectConfig(opts)
	return a.protect(&cfg)
}

func newProtectConfig(opts []ProtectOption) protectConfig {
	cfg := protectConfig{accepts: TokenAcceptance{single: SessionToken}}
	for _, o := range opts {
		if o != nil {
			o.applyProtect(&cfg)
		}
	}
	return cfg
}

// Protector is an [Auth.Protect] check built once, for middleware that
// protects a route: the options are read when the route is registered, and a
// request pays for the checks alone. It is safe for concurrent use.
type Protector struct{ cfg protectConfig }

// NewProtector returns the check Auth.Protect(opts...) makes.
func NewProtector(opts ...ProtectOption) *Protector {
	return &Protector{cfg: newProtectConfig(opts)}
}

// Protect is auth.Protect(opts...) with the options given to
// [NewProtector]: nil when the request may go on, else a *ProtectError.
func (p *Protector) Protect(auth *Auth) error {
	if p == nil {
		return misconfigured()
	}
	return auth.protect(&p.cfg)
}

// Decide is [ProtectAuth] with the options given to [NewProtector]: the
// decision to write, or nil to go on.
func (p *Protector) Decide(auth *Auth) *Decision { return DecisionFor(p.Protect(auth)) }

// protect applies cfg, which it never modifies.
func (a *Auth) protect(cfg *protectConfig) error {
	ri := a.requestInfo()
	if ri == nil {
		return misconfigured()
	}
	auth := ri.raw.forAcceptedToken(cfg.accepts)
	if !cfg.accepts.accepts(auth.TokenType) {
		return ri.unauthorized(cfg, auth)
	}
	if auth.TokenType != SessionToken {
		// Machine tokens: authenticated is enough; checks do not apply
		// (has() is always false for them), as in Clerk.
		if auth.IsAuthenticated {
			return nil
		}
		return ri.unauthorized(cfg, auth)
	}
	// A pending session is unauthenticated even when it is exposed
	// (TreatPendingAsSignedOut false), spec §5.5.
	if auth.SessionStatus == sessionPending || auth.UserID == "" {
		return ri.unauthenticated(cfg, auth)
	}
	for _, cond := range cfg.conditions {
		if cond == nil || !cond(auth.Has) {
			return ri.unauthorized(cfg, auth)
		}
	}
	if len(cfg.checks) > 0 && !auth.Has(cfg.checks...) {
		return ri.unauthorized(cfg, auth)
	}
	if cfg.reverificationSet && !auth.Has(Reverification(cfg.reverification)) {
		return reverificationHint(cfg.reverification)
	}
	return nil
}

func (a *Auth) requestInfo() *requestInfo {
	if a == nil {
		return nil
	}
	return a.req
}

// forAcceptedToken is getAuthObjectForAcceptedToken (spec §4.4).
func (a *Auth) forAcceptedToken(acc TokenAcceptance) *Auth {
	switch {
	case acc.any:
		return a
	case acc.list:
		if acc.accepts(a.TokenType) {
			return a
		}
		return invalidTokenAuth()
	}
	want := acc.effectiveSingle()
	if a.TokenType == want {
		return a
	}
	if want != SessionToken {
		return unauthenticatedMachineAuth(want)
	}
	return signedOutAuth()
}

func misconfigured() *ProtectError {
	return misconfiguredBecause(errNoMiddleware)
}

// errNoMiddleware is the cause of a Protect (or redirect helper) called on
// an Auth that no middleware produced.
var errNoMiddleware = errors.New("clerkguard: Protect needs the authentication middleware to run first (add Middleware before Protect)")

// misconfiguredBecause is the 500 of a server-side mistake: the body says
// nothing a visitor should read (no configuration text); cause is in Err
// and in the Decision's Err for error handlers and logs.
func misconfiguredBecause(cause error) *ProtectError {
	return &ProtectError{Failure: Misconfigured, Decision: textDecision(http.StatusInternalServerError, "Internal Server Error"), Err: cause}
}

// unavailable is the 503 of design §4.2: the answer when the state's
// failure was an outage rather than a bad or missing token, and the Auth
// Protect judged is the one that failed (a machine token on a session-only
// route is refused whether or not Clerk could be reached).
func (ri *requestInfo) unavailable(auth *Auth) *ProtectError {
	if ri.state == nil || auth != ri.raw || !ri.state.Unavailable() {
		return nil
	}
	retry := defaultRetryAfter
	var ae *APIError
	if errors.As(ri.state.Err, &ae) && ae.RetryAfter > 0 {
		retry = int(math.Ceil(ae.RetryAfter.Seconds()))
	}
	d := textDecision(http.StatusServiceUnavailable, "Service Unavailable")
	d.Header.Set("Retry-After", strconv.Itoa(retry))
	return &ProtectError{Failure: Unavailable, Decision: d, Err: ri.state.Err}
}

// defaultRetryAfter is the Retry-After, in seconds, of a 503 when the
// Backend API gave none: about the JWKS refresh interval.
const defaultRetryAfter = 5

func (ri *requestInfo) unauthenticated(cfg *protectConfig, auth *Auth) error {
	if e := ri.unavailable(auth); e != nil {
		return e
	}
	if cfg.unauthenticatedURL != "" {
		return ri.redirect(Unauthenticated, cfg.unauthenticatedURL)
	}
	if ri.isPageRequest() {
		return ri.redirectToSignIn(Unauthenticated, ri.pending(), false, ri.currentURL())
	}
	return &ProtectError{Failure: Unauthenticated, Decision: textDecision(http.StatusNotFound, "Not Found")}
}

func (ri *requestInfo) unauthorized(cfg *protectConfig, auth *Auth) error {
	if e := ri.unavailable(auth); e != nil {
		return e
	}
	if auth.TokenType != SessionToken || !cfg.accepts.accepts(SessionToken) {
		d := Decision{Status: http.StatusUnauthorized, Header: http.Header{}}
		if ri.raw != nil && ri.raw.TokenType == OAuthToken && ri.c.hasPK {
			d.Header.Set("WWW-Authenticate", `Bearer resource_metadata="https://`+ri.c.pk.FrontendAPI+`/.well-known/oauth-protected-resource"`)
		}
		return &ProtectError{Failure: Unauthorized, Decision: d}
	}
	if cfg.unauthorizedURL != "" {
		return ri.redirect(Unauthorized, cfg.unauthorizedURL)
	}
	return &ProtectError{Failure: Unauthorized, Decision: textDecision(http.StatusNotFound, "Not Found")}
}

// isPageRequest is spec §5.2's page test: Sec-Fetch-Dest document or
// iframe, or an Accept header that mentions text/html (case-sensitive, as
// in Clerk).
func (ri *requestInfo) isPageRequest() bool {
	if ri.ac == nil {
		return false
	}
	d := ri.ac.secFetchDest
	return d == "document" || d == "iframe" || strings.Contains(ri.ac.accept, "text/html")
}

// pending reports a pending session: Clerk passes the state's
// toAuth().sessionStatus to createRedirect, which then sends the user to
// <sign-in>/tasks (spec §5.5).
func (ri *requestInfo) pending() bool {
	return ri.raw != nil && ri.raw.SessionStatus == sessionPending
}

// currentURL is the request's URL as Clerk serialises clerkUrl, the
// default return-back URL.
func (ri *requestInfo) currentURL() string {
	if ri.ac == nil || ri.ac.clerkURL == nil {
		return ""
	}
	return serializeURL(ri.ac.clerkURL)
}

// redirect is Clerk's redirect(url): 307 with x-clerk-redirect-to, the
// target resolved against the request URL.
func (ri *requestInfo) redirect(kind ProtectFailure, target string) error {
	// The URL parser Clerk relies on (WHATWG) drops tabs and newlines; a
	// target that still does not parse is never copied into a header.
	target = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, target)
	base := ri.ac.url()
	u, err := base.Parse(target)
	if err != nil {
		return misconfiguredBecause(fmt.Errorf("clerkguard: the redirect URL %q is not a valid URL: %w", target, err))
	}
	return &ProtectError{Failure: kind, Decision: ri.redirectDecision(serializeURL(u))}
}

func (ri *requestInfo) redirectDecision(loc string) Decision {
	h := http.Header{}
	h.Set("Location", ri.decorateDevBrowser(loc))
	h.Set(HeaderRedirectTo, "true")
	return Decision{Status: http.StatusTemporaryRedirect, Header: h}
}

// decorateDevBrowser is Clerk's Next.js serverRedirectWithAuth (spec §5.4):
// with a development secret key, a redirect to another origin carries the
// request's (un-suffixed) __clerk_db_jwt cookie in its query, so the
// Account Portal on that origin knows the development browser. A value
// already in the Location wins; like setDevBrowserJWTInURL it moves the
// parameter last.
func (ri *requestInfo) decorateDevBrowser(loc string) string {
	if ri.ac == nil || ri.ac.clerkURL == nil || ri.c == nil || !isDevelopmentSecretKey(ri.c.opts.SecretKey) {
		return loc
	}
	u, err := url.Parse(loc)
	if err != nil || !u.IsAbs() || u.Host == "" || urlOrigin(u) == urlOrigin(ri.ac.clerkURL) {
		return loc
	}
	q := parseSearchParams(u.RawQuery)
	jwt := q.get(queryDevBrowser)
	q.del(queryDevBrowser)
	if jwt == "" {
		jwt = ri.ac.cookies.devBrowser
	}
	if jwt != "" {
		q.set(queryDevBrowser, jwt)
	}
	u.RawQuery = q.String()
	return serializeURL(u)
}

// redirectToSignIn is createRedirect's sign-in (or sign-up) redirect
// (spec §5.4, packages/backend/src/createRedirect.ts). returnBack "" means
// no redirect_url.
func (ri *requestInfo) redirectToSignIn(kind ProtectFailure, pending, signUp bool, returnBack string) error {
	base := ri.ac.clerkURL
	target, err := ri.c.signInTarget(signUp, base)
	if err != nil {
		cause := fmt.Errorf("clerkguard: cannot build the sign-in URL (set Options.SignInURL or Options.PublishableKey): %w", err)
		if ri.state != nil && ri.state.Err != nil {
			// Authentication itself failed first (a PerRequest options
			// function, say): that is the cause to report.
			cause = errors.Join(ri.state.Err, cause)
		}
		return misconfiguredBecause(cause)
	}
	if pending {
		// Clerk appends to the URL string, whatever it ends with.
		target += "/tasks"
	}
	res, err := base.Parse(target)
	if err != nil {
		return misconfiguredBecause(fmt.Errorf("clerkguard: the sign-in URL %q is not a valid URL: %w", target, err))
	}
	if returnBack != "" {
		if back, err := base.Parse(returnBack); err == nil {
			if hostPort(res) != hostPort(base) && ri.c.opts.IsSatellite {
				q := parseSearchParams(back.RawQuery)
				q.set(queryClerkSynced, "false")
				back.RawQuery = q.String()
			}
			q := parseSearchParams(res.RawQuery)
			q.set(queryRedirectURL, serializeURL(back))
			res.RawQuery = q.String()
		}
	}
	return &ProtectError{Failure: kind, Decision: ri.redirectDecision(serializeURL(res))}
}

// signInTarget is the sign-in (or sign-up) page: the configured URL, else
// for sign-up <SignInURL>/create (resolved against base, Clerk's combined
// sign-in-or-up flow), else the Account Portal of the publishable key's
// instance (spec §5.4).
func (c *Client) signInTarget(signUp bool, base *url.URL) (string, error) {
	o := c.opts
	if signUp {
		switch {
		case o.SignUpURL != "":
			return o.SignUpURL, nil
		case o.SignInURL != "":
			if u, err := base.Parse(o.SignInURL); err == nil {
				u.Path += "/create"
				if u.RawPath != "" {
					u.RawPath += "/create"
				}
				return serializeURL(u), nil
			}
		}
	} else if o.SignInURL != "" {
		return o.SignInURL, nil
	}
	if !c.hasPK {
		return "", &ConfigError{Field: "PublishableKey", Message: "Missing publishableKey. You can get your key at https://dashboard.clerk.com/last-active?path=api-keys."}
	}
	base2 := accountsBaseURL(c.pk.FrontendAPI)
	if signUp {
		return base2 + "/sign-up", nil
	}
	return base2 + "/sign-in", nil
}

// RedirectOption adjusts [Auth.RedirectToSignIn] and [Auth.RedirectToSignUp].
type RedirectOption func(*redirectConfig)

type redirectConfig struct {
	returnBack    string
	returnBackSet bool
}

// ReturnBackURL sets the redirect_url the sign-in page returns to, resolved
// against the request URL; the default is the current URL, and "" sends
// none. Clerk: returnBackUrl (null for none).
func ReturnBackURL(u string) RedirectOption {
	return func(c *redirectConfig) { c.returnBack, c.returnBackSet = u, true }
}

// RedirectToSignIn is Clerk's redirectToSignIn(): an error carrying a 307
// to the sign-in page with redirect_url, for the adapter to write (return it
// from a [WithHandler] function, or pass it to [DecisionFor]). The page is
// Options.SignInURL, else the Account Portal of the publishable key; a
// pending session goes to its /tasks page.
func (a *Auth) RedirectToSignIn(opts ...RedirectOption) error { return a.redirectTo(false, opts) }

// RedirectToSignUp is Clerk's redirectToSignUp(): like RedirectToSignIn,
// to SignUpURL, else <SignInURL>/create, else the Account Portal's sign-up.
func (a *Auth) RedirectToSignUp(opts ...RedirectOption) error { return a.redirectTo(true, opts) }

func (a *Auth) redirectTo(signUp bool, opts []RedirectOption) error {
	ri := a.requestInfo()
	if ri == nil || ri.ac == nil || ri.ac.clerkURL == nil {
		return misconfigured()
	}
	var rc redirectConfig
	for _, o := range opts {
		if o != nil {
			o(&rc)
		}
	}
	back := ri.currentURL()
	if rc.returnBackSet {
		back = rc.returnBack
	}
	return ri.redirectToSignIn(Unauthenticated, ri.pending(), signUp, back)
}

// Redirect returns the error that answers the request with a 307 redirect
// to target, resolved against the request URL, so "/select-org" stays on
// the request's origin. It is what Next.js code writes as
// NextResponse.redirect(new URL("/select-org", req.url)) inside
// clerkMiddleware: return it from a WithHandler function (or from a
// handler, through [DecisionFor]). Like Clerk's redirects, a development
// instance's redirect to another origin carries the dev-browser token.
//
//	if isOrgRoute && auth.OrgID == "" {
//		return auth.Redirect("/select-org")
//	}
func (a *Auth) Redirect(target string) error {
	ri := a.requestInfo()
	if ri == nil || ri.ac == nil || ri.ac.clerkURL == nil {
		return misconfigured()
	}
	return ri.redirect(Redirected, target)
}

// reverificationHint is @clerk/shared's reverificationErrorResponse: 403
// with {"clerk_error":{"type":"forbidden","reason":"reverification-error",
// "metadata":{"reverification":<r>}}}, keys in Clerk's order.
func reverificationHint(r ReverificationRequirement) error {
	type metadata struct {
		Reverification ReverificationRequirement `json:"reverification"`
	}
	type clerkError struct {
		Type     string   `json:"type"`
		Reason   string   `json:"reason"`
		Metadata metadata `json:"metadata"`
	}
	body, err := json.Marshal(struct {
		ClerkError clerkError `json:"clerk_error"`
	}{clerkError{Type: "forbidden", Reason: "reverification-error", Metadata: metadata{r}}})
	if err != nil {
		body = []byte(`{"clerk_error":{"type":"forbidden","reason":"reverification-error","metadata":{"reverification":null}}}`)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return &ProtectError{Failure: ReverificationRequired, Decision: Decision{Status: http.StatusForbidden, Header: h, Body: body}}
}

func textDecision(status int, body string) Decision {
	h := http.Header{}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	return Decision{Status: status, Header: h, Body: []byte(body)}
}

// DecisionFor maps an error from Protect, a redirect helper, route matching
// or a handler to the HTTP answer to write: 400 when it holds a
// *MalformedURLError (a path route matching could not read is refused
// whatever else failed), else a *ProtectError's Decision, else a bare 500
// (no internal text). It returns nil for a nil error.
func DecisionFor(err error) *Decision {
	if err == nil {
		return nil
	}
	var me *MalformedURLError
	if errors.As(err, &me) {
		d := textDecision(http.StatusBadRequest, "Bad Request")
		d.Err = err
		return &d
	}
	var pe *ProtectError
	if errors.As(err, &pe) {
		d := pe.Decision
		d.Header = d.Header.Clone()
		d.Err = err
		return &d
	}
	d := textDecision(http.StatusInternalServerError, "Internal Server Error")
	d.Err = err
	return &d
}

// The helpers below reproduce what Clerk's redirects get from the WHATWG
// URL and URLSearchParams classes, so that a Location is byte for byte the
// one Clerk's SDK builds (the interop test compares them).

// defaultPort is the WHATWG default port of a special scheme.
func defaultPort(scheme string) string {
	switch strings.ToLower(scheme) {
	case "http", "ws":
		return "80"
	case "https", "wss":
		return "443"
	case "ftp":
		return "21"
	}
	return ""
}

// hostPort is `${url.hostname}:${url.port}`: the lowercased host and the
// port, empty when it is the scheme's default. createRedirect compares it
// to tell a cross-origin redirect (the scheme does not count).
func hostPort(u *url.URL) string {
	p := u.Port()
	if p == defaultPort(u.Scheme) {
		p = ""
	}
	return strings.ToLower(u.Hostname()) + ":" + p
}

// serializeURL is the WHATWG URL serializer for an absolute http(s) URL:
// lowercased host without its default port, "/" for an empty path, and the
// path, query and fragment as given with only the characters WHATWG would
// encode percent-encoded. Other URLs are returned as url.URL.String.
func serializeURL(u *url.URL) string {
	if !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return u.String()
	}
	var b strings.Builder
	b.Grow(len(u.Scheme) + len(u.Host) + len(u.Path) + len(u.RawQuery) + 8)
	b.WriteString(strings.ToLower(u.Scheme))
	b.WriteString("://")
	if u.User != nil {
		b.WriteString(u.User.String())
		b.WriteByte('@')
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	b.WriteString(host)
	if p := u.Port(); p != "" && p != defaultPort(u.Scheme) {
		b.WriteByte(':')
		b.WriteString(p)
	}
	path := u.RawPath
	if path == "" {
		path = u.EscapedPath()
	}
	if path == "" {
		path = "/"
	}
	percentEncode(&b, path, pathEncodeSet)
	if u.RawQuery != "" || u.ForceQuery {
		b.WriteByte('?')
		percentEncode(&b, u.RawQuery, queryEncodeSet)
	}
	if u.Fragment != "" {
		b.WriteByte('#')
		percentEncode(&b, u.EscapedFragment(), fragmentEncodeSet)
	}
	return b.String()
}

// WHATWG percent-encode sets (beyond C0 controls and non-ASCII bytes, which
// every set encodes).
const (
	fragmentEncodeSet = " \"<>`"
	queryEncodeSet    = " \"#<>'" // the special-query set, for http(s)
	pathEncodeSet     = " \"#<>?`{}"
)

func percentEncode(b *strings.Builder, s, set string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7E || strings.IndexByte(set, c) >= 0 {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
}

// searchParams is a URLSearchParams: ordered name/value pairs parsed and
// serialized as application/x-www-form-urlencoded.
type searchParams []queryPair

type queryPair struct{ name, value string }

// maxQueryParse caps how much of a query string is parsed into pairs.
const maxQueryParse = 32 << 10

// parseSearchParams is the application/x-www-form-urlencoded parser: "&"
// separated, "+" as space, malformed percent escapes kept as they are.
func parseSearchParams(raw string) searchParams {
	if raw == "" {
		return nil
	}
	if len(raw) > maxQueryParse {
		// Like the Cookie header: a query is parsed up to the last pair
		// that ends within the cap, so a megabyte of "a&a&..." cannot cost
		// a hundred times its size per request.
		raw = raw[:strings.LastIndexByte(raw[:maxQueryParse], '&')+1]
	}
	q := make(searchParams, 0, strings.Count(raw, "&")+1)
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		q = append(q, queryPair{formDecode(name), formDecode(value)})
	}
	return q
}

func (q searchParams) get(name string) string {
	for _, p := range q {
		if p.name == name {
			return p.value
		}
	}
	return ""
}

// set replaces the first pair named name and drops the others, or appends
// one.
func (q *searchParams) set(name, value string) {
	out := (*q)[:0]
	done := false
	for _, p := range *q {
		if p.name == name {
			if done {
				continue
			}
			p.value, done = value, true
		}
		out = append(out, p)
	}
	if !done {
		out = append(out, queryPair{name, value})
	}
	*q = out
}

func (q *searchParams) del(name string) {
	out := (*q)[:0]
	for _, p := range *q {
		if p.name != name {
			out = append(out, p)
		}
	}
	*q = out
}

// String serializes q: alphanumerics and *-._ as they are, space as "+",
// every other byte of the UTF-8 text percent-encoded.
func (q searchParams) String() string {
	var b strings.Builder
	for i, p := range q {
		if i > 0 {
			b.WriteByte('&')
		}
		formEncode(&b, p.name)
		b.WriteByte('=')
		formEncode(&b, p.value)
	}
	return b.String()
}

func formEncode(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '*' || c == '-' || c == '.' || c == '_':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
}

// formDecode turns "+" into a space and decodes valid percent escapes; the
// bytes are then read as UTF-8 with invalid sequences replaced by U+FFFD.
func formDecode(s string) string {
	if strings.IndexByte(s, '+') < 0 && strings.IndexByte(s, '%') < 0 && utf8.ValidString(s) {
		return s
	}
	buf := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			buf = append(buf, ' ')
		case c == '%' && i+2 < len(s) && isHexByte(s[i+1]) && isHexByte(s[i+2]):
			buf = append(buf, hexValue(s[i+1])<<4|hexValue(s[i+2]))
			i += 2
		default:
			buf = append(buf, c)
		}
	}
	return strings.ToValidUTF8(string(buf), "\uFFFD")
}

func isHexByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// hexValue is the value of a hex digit (isHexByte(c) must hold).
func hexValue(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
