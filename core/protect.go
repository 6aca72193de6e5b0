package clerk

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Decision is an HTTP answer the core has decided on and an adapter writes:
// a redirect, 401, 404, 403, 400, 503 or 500. The core never writes it.
type Decision struct {
	Status int
	Header http.Header
	// Body is the response body, nil for none.
	Body []byte
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
	// Misconfigured: Protect ran without the middleware, 500.
	Misconfigured
)

// ProtectError is returned by [Auth.Protect] and the redirect helpers when a
// request must not go on. Adapters write its Decision.
type ProtectError struct {
	Failure  ProtectFailure
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
}

func (c Check) applyProtect(p *protectConfig)           { p.checks = append(p.checks, c) }
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
func RequireReverification(r ReverificationRequirement) ProtectOption {
	return protectFunc(func(p *protectConfig) { p.reverification = r })
}

// requestInfo is what Protect and the redirect helpers need from the request
// the Auth came from.
type requestInfo struct {
	c     *Client
	ac    *authContext
	state *RequestState
	raw   *Auth // the Auth before narrowing to an accepted token type
}

// Protect is Clerk's auth.protect() (spec §5): nil when the request may go
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
//     than a sign-out (design §4.2).
//   - an Auth that did not come from the middleware: 500, failing closed.
func (a *Auth) Protect(opts ...ProtectOption) error {
	cfg := protectConfig{accepts: TokenAcceptance{single: SessionToken}}
	for _, o := range opts {
		if o != nil {
			o.applyProtect(&cfg)
		}
	}
	ri := a.requestInfo()
	if ri == nil {
		return misconfigured()
	}
	auth := ri.raw.forAcceptedToken(cfg.accepts)
	if !cfg.accepts.accepts(auth.TokenType) {
		return ri.unauthorized(&cfg, auth)
	}
	if auth.TokenType != SessionToken {
		if auth.IsAuthenticated {
			return nil
		}
		return ri.unauthorized(&cfg, auth)
	}
	if auth.SessionStatus == sessionPending && !auth.IsAuthenticated || auth.UserID == "" {
		return ri.unauthenticated(&cfg, auth)
	}
	if auth.SessionStatus == sessionPending {
		return ri.unauthenticated(&cfg, auth)
	}
	for _, cond := range cfg.conditions {
		if !cond(auth.Has) {
			return ri.unauthorized(&cfg, auth)
		}
	}
	if len(cfg.checks) > 0 && !auth.Has(cfg.checks...) {
		return ri.unauthorized(&cfg, auth)
	}
	if cfg.reverification != nil && !auth.Has(Reverification(cfg.reverification)) {
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
	return &ProtectError{Failure: Misconfigured, Decision: textDecision(http.StatusInternalServerError,
		"clerkguard: Protect needs the authentication middleware to run first (add Middleware before Protect)")}
}

// unavailable is the 503 of design §4.2, when the state's failure was an
// outage rather than a bad or missing token.
func (ri *requestInfo) unavailable() *ProtectError {
	if ri.state == nil || !ri.state.Unavailable() {
		return nil
	}
	retry := 5
	var ae *APIError
	if errors.As(ri.state.Err, &ae) && ae.RetryAfter > 0 {
		retry = int(ae.RetryAfter.Seconds())
	}
	d := textDecision(http.StatusServiceUnavailable, "Service Unavailable")
	d.Header.Set("Retry-After", strconv.Itoa(retry))
	return &ProtectError{Failure: Unavailable, Decision: d, Err: ri.state.Err}
}

func (ri *requestInfo) unauthenticated(cfg *protectConfig, auth *Auth) error {
	if e := ri.unavailable(); e != nil {
		return e
	}
	if cfg.unauthenticatedURL != "" {
		return ri.redirect(Unauthenticated, cfg.unauthenticatedURL)
	}
	if ri.isPageRequest() {
		return ri.redirectToSignIn(Unauthenticated, auth.SessionStatus == sessionPending, false, ri.ac.clerkURL.String())
	}
	return &ProtectError{Failure: Unauthenticated, Decision: textDecision(http.StatusNotFound, "Not Found")}
}

func (ri *requestInfo) unauthorized(cfg *protectConfig, auth *Auth) error {
	if e := ri.unavailable(); e != nil {
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

// isPageRequest is spec §5.2's page test.
func (ri *requestInfo) isPageRequest() bool {
	if ri.ac == nil {
		return false
	}
	d := ri.ac.secFetchDest
	return d == "document" || d == "iframe" || strings.Contains(ri.ac.accept, "text/html")
}

// redirect is Clerk's redirect(url): 307 with x-clerk-redirect-to.
func (ri *requestInfo) redirect(kind ProtectFailure, target string) error {
	loc := target
	if ri.ac != nil && ri.ac.clerkURL != nil {
		if u, err := ri.ac.clerkURL.Parse(target); err == nil {
			loc = u.String()
		}
	}
	return &ProtectError{Failure: kind, Decision: ri.redirectDecision(loc)}
}

func (ri *requestInfo) redirectDecision(loc string) Decision {
	h := http.Header{}
	h.Set("Location", ri.decorateDevBrowser(loc))
	h.Set(HeaderRedirectTo, "true")
	return Decision{Status: http.StatusTemporaryRedirect, Header: h}
}

// decorateDevBrowser adds the development browser token to cross-origin
// redirects, as Clerk's Next.js middleware does for its own redirects
// (spec §5.4): the Account Portal on another origin needs it.
func (ri *requestInfo) decorateDevBrowser(loc string) string {
	if ri.ac == nil || ri.ac.clerkURL == nil || !isDevelopmentSecretKey(ri.c.opts.SecretKey) {
		return loc
	}
	db := ri.ac.cookies.devBrowser
	if db == "" {
		return loc
	}
	u, err := url.Parse(loc)
	if err != nil || u.Host == "" || strings.EqualFold(u.Host, ri.ac.clerkURL.Host) {
		return loc
	}
	q := u.Query()
	if q.Has(queryDevBrowser) {
		return loc
	}
	u.RawQuery = appendQuery(u.RawQuery, queryDevBrowser, db)
	return u.String()
}

// appendQuery adds k=v after the existing parameters, keeping their order.
func appendQuery(raw, k, v string) string {
	p := url.QueryEscape(k) + "=" + url.QueryEscape(v)
	if raw == "" {
		return p
	}
	return raw + "&" + p
}

// setQuery replaces k in a raw query (keeping the others in place) or
// appends it, like URLSearchParams.set.
func setQuery(raw, k, v string) string {
	var out []string
	done := false
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		name, _, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil && n == k {
			if !done {
				out = append(out, url.QueryEscape(k)+"="+url.QueryEscape(v))
				done = true
			}
			continue
		}
		out = append(out, part)
	}
	if !done {
		out = append(out, url.QueryEscape(k)+"="+url.QueryEscape(v))
	}
	return strings.Join(out, "&")
}

// redirectToSignIn is createRedirect's sign-in (or sign-up) redirect
// (spec §5.4). returnBack "" means no redirect_url.
func (ri *requestInfo) redirectToSignIn(kind ProtectFailure, pending, signUp bool, returnBack string) error {
	target, err := ri.c.signInTarget(signUp)
	if err != nil {
		return &ProtectError{Failure: Misconfigured, Decision: textDecision(http.StatusInternalServerError,
			"clerkguard: cannot build the sign-in URL: set Options.SignInURL or Options.PublishableKey"), Err: err}
	}
	if pending {
		target = strings.TrimRight(target, "/") + "/tasks"
	}
	base := ri.ac.clerkURL
	res, err := base.Parse(target)
	if err != nil {
		return &ProtectError{Failure: Misconfigured, Decision: textDecision(http.StatusInternalServerError,
			"clerkguard: the sign-in URL is not a valid URL"), Err: err}
	}
	cross := !strings.EqualFold(res.Host, base.Host)
	if returnBack != "" {
		back, err := base.Parse(returnBack)
		if err == nil {
			if cross && ri.c.opts.IsSatellite {
				back.RawQuery = setQuery(back.RawQuery, queryClerkSynced, "false")
			}
			res.RawQuery = setQuery(res.RawQuery, queryRedirectURL, back.String())
		}
	}
	return &ProtectError{Failure: kind, Decision: ri.redirectDecision(res.String())}
}

// signInTarget is the sign-in (or sign-up) page: the configured URL, else
// the Account Portal of the publishable key's instance (spec §5.4).
func (c *Client) signInTarget(signUp bool) (string, error) {
	o := c.opts
	if signUp {
		switch {
		case o.SignUpURL != "":
			return o.SignUpURL, nil
		case o.SignInURL != "":
			return strings.TrimRight(o.SignInURL, "/") + "/create", nil
		}
	} else if o.SignInURL != "" {
		return o.SignInURL, nil
	}
	if !c.hasPK {
		return "", &ConfigError{Field: "PublishableKey", Message: "Missing publishableKey. You can get your key at https://dashboard.clerk.com/last-active?path=api-keys."}
	}
	base := accountsBaseURL(c.pk.FrontendAPI)
	if signUp {
		return base + "/sign-up", nil
	}
	return base + "/sign-in", nil
}

// RedirectOption adjusts [Auth.RedirectToSignIn] and [Auth.RedirectToSignUp].
type RedirectOption func(*redirectConfig)

type redirectConfig struct {
	returnBack    string
	returnBackSet bool
}

// ReturnBackURL sets the redirect_url the sign-in page returns to; the
// default is the current URL, and "" sends none. Clerk: returnBackUrl.
func ReturnBackURL(u string) RedirectOption {
	return func(c *redirectConfig) { c.returnBack, c.returnBackSet = u, true }
}

// RedirectToSignIn is Clerk's redirectToSignIn(): an error carrying a 307
// to the sign-in page with redirect_url, for the adapter to write.
func (a *Auth) RedirectToSignIn(opts ...RedirectOption) error { return a.redirectTo(false, opts) }

// RedirectToSignUp is Clerk's redirectToSignUp(): like RedirectToSignIn,
// to SignUpURL, else <SignInURL>/create, else the Account Portal's sign-up.
func (a *Auth) RedirectToSignUp(opts ...RedirectOption) error { return a.redirectTo(true, opts) }

func (a *Auth) redirectTo(signUp bool, opts []RedirectOption) error {
	ri := a.requestInfo()
	if ri == nil {
		return misconfigured()
	}
	var rc redirectConfig
	for _, o := range opts {
		o(&rc)
	}
	back := ri.ac.clerkURL.String()
	if rc.returnBackSet {
		back = rc.returnBack
	}
	kind := Unauthenticated
	return ri.redirectToSignIn(kind, a.SessionStatus == sessionPending, signUp, back)
}

// reverificationHint is @clerk/shared's reverificationErrorResponse.
func reverificationHint(r ReverificationRequirement) error {
	body, err := json.Marshal(map[string]any{"clerk_error": map[string]any{
		"type": "forbidden", "reason": "reverification-error",
		"metadata": map[string]any{"reverification": r},
	}})
	if err != nil {
		body = []byte(`{"clerk_error":{"type":"forbidden","reason":"reverification-error","metadata":{}}}`)
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
// or a handler to the HTTP answer to write: a *ProtectError's Decision, 400
// for a *MalformedURLError, and a bare 500 (no internal text) for anything
// else. It returns nil for a nil error.
func DecisionFor(err error) *Decision {
	if err == nil {
		return nil
	}
	var pe *ProtectError
	if errors.As(err, &pe) {
		d := pe.Decision
		return &d
	}
	var me *MalformedURLError
	if errors.As(err, &me) {
		d := textDecision(http.StatusBadRequest, "Bad Request")
		return &d
	}
	d := textDecision(http.StatusInternalServerError, "Internal Server Error")
	return &d
}
