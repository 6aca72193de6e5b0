package clerk

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// AnyToken accepts every token type in [AcceptsToken] (Clerk's 'any').
const AnyToken TokenType = "any"

// TokenAcceptance says which token types a request may authenticate with
// (Clerk's acceptsToken). Build it with [AcceptsToken].
type TokenAcceptance struct {
	any    bool
	list   bool
	single TokenType
	types  []TokenType
}

// AcceptsToken selects the token types a request may use, like Clerk's
// acceptsToken option: one type (AcceptsToken(clerk.M2MToken)), several
// (AcceptsToken(clerk.M2MToken, clerk.APIKey)) or every type
// (AcceptsToken(clerk.AnyToken)). The default is session tokens only.
//
// With one machine type, only the Authorization header is read; with a list
// that includes SessionToken, or AnyToken, a request without a header token
// goes through the cookie flow.
func AcceptsToken(types ...TokenType) TokenAcceptance {
	for _, t := range types {
		if t == AnyToken {
			return TokenAcceptance{any: true}
		}
	}
	switch len(types) {
	case 0:
		return TokenAcceptance{single: SessionToken}
	case 1:
		return TokenAcceptance{single: types[0]}
	}
	return TokenAcceptance{list: true, types: append([]TokenType(nil), types...)}
}

func (a TokenAcceptance) accepts(t TokenType) bool {
	switch {
	case t == "":
		return false
	case a.any:
		return true
	case a.list:
		for _, x := range a.types {
			if x == t {
				return true
			}
		}
		return false
	}
	return a.effectiveSingle() == t
}

func (a TokenAcceptance) effectiveSingle() TokenType {
	if a.single == "" {
		return SessionToken
	}
	return a.single
}

// singleMachine reports a lone machine type (header-only dispatch).
func (a TokenAcceptance) singleMachine() bool {
	return !a.any && !a.list && a.effectiveSingle() != SessionToken
}

// AuthenticateOption adjusts one [Client.Authenticate] call.
type AuthenticateOption interface{ applyAuthenticate(*authenticateConfig) }

type authenticateConfig struct {
	accepts TokenAcceptance
}

func (a TokenAcceptance) applyAuthenticate(c *authenticateConfig) { c.accepts = a }

// Authenticate authenticates a request the way Clerk's authenticateRequest
// does: the Authorization header when present, else the session
// cookies with Clerk's browser flow (handshake redirects, dev-browser sync,
// satellites, organization activation, session refresh).
//
// It never fails: problems become a signed-out state with Clerk's reason.
// The returned state's Auth is never nil.
func (c *Client) Authenticate(ctx context.Context, req Request, opts ...AuthenticateOption) *RequestState {
	if c == nil {
		// A nil *Client (New failed and its error was dropped): signed out,
		// and Protect answers 500, never a panic.
		s := &RequestState{Status: StatusSignedOut, Reason: ReasonUnexpectedError, TokenType: SessionToken,
			Auth: signedOutAuth(), Err: errNilClient}
		return s
	}
	// AuthenticateOption is sealed and TokenAcceptance is its only kind; a
	// type switch (rather than applying through the interface) keeps the
	// configuration off the heap.
	accepts := TokenAcceptance{single: SessionToken}
	for _, o := range opts {
		if ta, ok := o.(TokenAcceptance); ok {
			accepts = ta
		}
	}
	ac := c.newAuthContext(req, accepts)
	s := c.authenticate(ctx, ac, accepts)
	if ac.clerkURL == nil {
		ac.clerkURL = clerkURL(req)
	}
	ac.riBuf = requestInfo{c: c, ac: ac, state: s, raw: s.Auth}
	s.Auth.req = &ac.riBuf
	if p := c.opts.ContentSecurityPolicy; p != nil {
		c.addCSP(s, p)
	}
	if c.opts.Debug {
		c.debugLog(ctx, ac, s)
	}
	return s
}

// addCSP puts the ContentSecurityPolicy option's headers on the state.
func (c *Client) addCSP(s *RequestState, p *CSPOptions) {
	csp := c.csp
	if csp == nil { // strict with a fresh nonce per request
		v := c.ContentSecurityPolicy(*p)
		csp = &v
	}
	if s.Headers == nil {
		s.Headers = make(http.Header, len(csp.Headers))
	}
	csp.Apply(s.Headers)
}

func (c *Client) authenticate(ctx context.Context, ac *authContext, acc TokenAcceptance) *RequestState {
	if err := c.checkSatelliteOrigin(ac, acc); err != nil {
		s := c.signedOut(SessionToken, ReasonUnexpectedError, "", nil)
		s.Err = err
		return s
	}
	// A header token is classified (and decoded) once per request.
	var kind tokenKind
	var decoded *decodedJWT
	if ac.tokenInHeader != "" {
		kind, decoded = c.inspect(ac.tokenInHeader)
	}
	if acc.list {
		t := SessionToken
		if ac.tokenInHeader != "" {
			t = kind.tt
		}
		if !acc.accepts(t) {
			return c.signedOut("", ReasonTokenTypeMismatch, "", nil)
		}
	}
	if ac.tokenInHeader != "" {
		switch {
		case acc.any || acc.list:
			return c.authenticateAnyHeader(ctx, ac, acc, kind, decoded)
		case acc.effectiveSingle() == SessionToken:
			return c.authenticateSessionHeader(ctx, ac, kind, decoded)
		default:
			return c.authenticateMachineHeader(ctx, ac, acc.effectiveSingle(), kind)
		}
	}
	if acc.singleMachine() {
		return c.signedOut(acc.effectiveSingle(), ReasonNoTokenInHeader, "", nil)
	}
	return c.authenticateCookie(ctx, ac)
}

// checkSatelliteOrigin is the per-request part of Clerk's satellite
// assertions (spec §1.2 item 3): a request whose Origin is the sign-in
// URL's origin means the satellite's sign-in URL points at itself. Clerk
// throws; the request gets unexpected-error with the explanation in Err.
func (c *Client) checkSatelliteOrigin(ac *authContext, acc TokenAcceptance) error {
	// New parsed SignInURL and required it to be absolute for satellites.
	if c.signInURL == nil || (acc.singleMachine() && acc.effectiveSingle() == M2MToken) {
		return nil
	}
	origin := ac.req.Header("Origin")
	if origin == "" {
		return nil
	}
	if urlOrigin(c.signInURL) == origin {
		return &ConfigError{Field: "SignInURL", Message: "The signInUrl needs to be on a different origin than your satellite application."}
	}
	return nil
}

// authenticateSessionHeader is spec §1.6.1.
func (c *Client) authenticateSessionHeader(ctx context.Context, ac *authContext, kind tokenKind, d *decodedJWT) *RequestState {
	if kind.machineJWT || kind.nonSession {
		return c.signedOut(SessionToken, ReasonTokenTypeMismatch, "", nil)
	}
	return c.verifyHeaderSession(ctx, ac, ac.tokenInHeader, d)
}

// authenticateAnyHeader is spec §1.6.2, with the category check of §1.6.1
// applied too (design §4.3): JWT-template tokens never sign a user in.
func (c *Client) authenticateAnyHeader(ctx context.Context, ac *authContext, acc TokenAcceptance, kind tokenKind, d *decodedJWT) *RequestState {
	tok := ac.tokenInHeader
	if tt := kind.tt; tt != SessionToken {
		if !acc.accepts(tt) {
			st := tt
			if !acc.list && !acc.any {
				st = acc.effectiveSingle()
			}
			return c.signedOut(st, ReasonTokenTypeMismatch, "", nil)
		}
		return c.verifyMachine(ctx, ac, tok, tt)
	}
	if kind.nonSession {
		return c.signedOut(SessionToken, ReasonTokenTypeMismatch, "", nil)
	}
	return c.verifyHeaderSession(ctx, ac, tok, d)
}

func (c *Client) verifyHeaderSession(ctx context.Context, ac *authContext, tok string, d *decodedJWT) *RequestState {
	claims, err := c.verifySessionDecoded(ctx, tok, d, c.skew)
	if err != nil {
		return c.handleSessionTokenError(ctx, ac, err, CarrierHeader)
	}
	return c.sessionSignedIn(ac, claims, tok, nil)
}

// sessionSignedIn builds the signed-in state; a malformed fea claim (spec
// §3.1 edge) makes it signed out with unexpected-error, as in Clerk.
func (c *Client) sessionSignedIn(ac *authContext, claims *SessionClaims, tok string, h http.Header) *RequestState {
	var auth *Auth
	if ac != nil {
		auth = &ac.authBuf
	} else {
		auth = new(Auth)
	}
	if err := c.sessionAuth(auth, claims, tok); err != nil {
		s := c.signedOut(SessionToken, ReasonUnexpectedError, "", h)
		s.Err = err
		return s
	}
	return c.signedIn(ac, SessionToken, tok, auth, h)
}

// authenticateMachineHeader is spec §6.4: one machine type accepted.
func (c *Client) authenticateMachineHeader(ctx context.Context, ac *authContext, want TokenType, kind tokenKind) *RequestState {
	tok := ac.tokenInHeader
	if kind.tt != want {
		return c.signedOut(want, ReasonTokenTypeMismatch, "", nil)
	}
	return c.verifyMachine(ctx, ac, tok, want)
}

func (c *Client) verifyMachine(ctx context.Context, ac *authContext, tok string, tt TokenType) *RequestState {
	auth, err := c.verifyMachineToken(ctx, tok, tt)
	if err != nil {
		var me *MachineTokenError
		if errors.As(err, &me) {
			s := c.signedOut(tt, Reason(me.Code), me.Error(), nil)
			s.Err = err
			return s
		}
		s := c.signedOut(tt, ReasonUnexpectedError, err.Error(), nil)
		s.Err = err
		return s
	}
	return c.signedIn(ac, tt, tok, auth, nil)
}

// authenticateCookie is the cookie decision tree of spec §1.7.
func (c *Client) authenticateCookie(ctx context.Context, ac *authContext) *RequestState {
	if !c.hasPK {
		// Without a publishable key there is no cookie flow (Clerk would
		// throw); the request is simply not authenticated.
		s := c.signedOut(SessionToken, ReasonSessionTokenAndUATMissing, "", nil)
		if ac.cookies.session != "" {
			s.Err = &ConfigError{Field: "PublishableKey", Message: "is required to read the __session cookie; set it or send the token in the Authorization header"}
		}
		return s
	}
	hasActiveClient := ac.clientUat != 0
	hasSessionToken := ac.sessionTokenInCookie != ""
	hasDevBrowser := ac.devBrowserToken != ""
	synced := ac.query().get(queryClerkSynced)
	needsSync, syncCompleted := synced == "false", synced == "true"
	hasCookies := hasSessionToken || hasActiveClient
	skipSatellite := !c.opts.SatelliteAutoSync && !hasCookies && !needsSync
	mdEligible := c.opts.IsSatellite && ac.secFetchDest == "document" && ac.method == http.MethodGet
	dev := c.pk.InstanceType == Development

	// Step 1: handshake resolution.
	if ac.handshakeNonce != "" || ac.handshakeToken != "" {
		s, err := c.resolveHandshake(ctx, ac)
		if err == nil {
			return s
		}
		var te *TokenError
		if dev && errors.As(err, &te) {
			// Clerk throws here to avoid loops after a key switch; we
			// fail closed and explain.
			s := c.signedOut(SessionToken, ReasonUnexpectedError, "", nil)
			s.Err = handshakeTokenError(te)
			c.logRequest(slog.LevelError, "clerk: unable to resolve handshake", "error", s.Err)
			return s
		}
		c.logRequest(slog.LevelError, "clerk: unable to resolve handshake", "error", err)
	}
	// Steps 2-3: satellites.
	if mdEligible && !syncCompleted {
		if skipSatellite {
			return c.signedOut(SessionToken, ReasonSessionTokenAndUATMissing, "", nil)
		}
		if !hasCookies || needsSync {
			if !dev {
				return c.maybeHandshake(ac, ReasonSatelliteNeedsSyncing, "", nil)
			}
			// Development: the primary's sign-in page syncs the
			// satellite and sends the browser back.
			// New requires an absolute SignInURL for development satellites.
			signIn := c.signInURL
			q := parseSearchParams(signIn.RawQuery)
			q = append(q, queryPair{queryClerkRedirectURL, serializeURL(ac.clerkURL)})
			return c.maybeHandshake(ac, ReasonSatelliteNeedsSyncing, "", http.Header{"Location": {withQuery(signIn, q)}})
		}
	}
	// Step 4: development primary answering a satellite.
	if dev && !c.opts.IsSatellite {
		if ac.queryHas(queryClerkRedirectURL) {
			if redirect := ac.query().get(queryClerkRedirectURL); redirect != "" {
				target, ok := parseAbsoluteURL(redirect)
				if !ok || !safeSyncTarget(target) {
					// Clerk throws on a value that is not an absolute URL;
					// clerkguard also refuses schemes other than http(s).
					s := c.signedOut(SessionToken, ReasonUnexpectedError, "", nil)
					s.Err = errors.New("clerk: __clerk_redirect_url is not an absolute http(s) URL")
					return s
				}
				if c.allowedSyncOrigin(ac, target) {
					q := parseSearchParams(target.RawQuery)
					if ac.devBrowserToken != "" {
						q = append(q, queryPair{queryDevBrowser, ac.devBrowserToken})
					}
					q.set(queryClerkSynced, "true")
					return c.maybeHandshake(ac, ReasonPrimaryRespondsToSyncing, "", http.Header{"Location": {withQuery(target, q)}})
				}
				// Clerk follows any URL here, appending the browser's
				// development token: anyone could have it sent to them.
				// clerkguard answers only its own origin and the origins
				// in AuthorizedParties, and ignores the parameter otherwise.
				c.logRequest(slog.LevelWarn, "clerk: ignoring __clerk_redirect_url: its origin is neither this application's nor in AuthorizedParties",
					"origin", urlOrigin(target))
			}
		}
	}
	// Steps 5-6: development browser.
	if dev && ac.queryHas(queryDevBrowser) {
		return c.maybeHandshake(ac, ReasonDevBrowserSync, "", nil)
	}
	if dev && !hasDevBrowser {
		return c.maybeHandshake(ac, ReasonDevBrowserMissing, "", nil)
	}
	// Steps 7-9: cookies present or not.
	switch {
	case !hasActiveClient && !hasSessionToken:
		return c.signedOut(SessionToken, ReasonSessionTokenAndUATMissing, "", nil)
	case !hasActiveClient && hasSessionToken:
		return c.maybeHandshake(ac, ReasonSessionTokenWithoutClientUAT, "", nil)
	case hasActiveClient && !hasSessionToken:
		return c.maybeHandshake(ac, ReasonClientUATWithoutSessionToken, "", nil)
	}
	// Steps 10-12: decode, category, iat before client_uat. A token the
	// verified-token cache knows is not decoded again.
	tok := ac.sessionTokenInCookie
	var d *decodedJWT
	var iat float64
	var hasIat bool
	if e := c.tokens.get(tok, c.keyGeneration()); e != nil {
		if e.kind.machineJWT || e.kind.nonSession {
			return c.signedOut(SessionToken, ReasonTokenTypeMismatch, "", nil)
		}
		// Verification required iat to be absent or a number.
		iat, hasIat = e.claims.iat.v, e.claims.iat.isNum
	} else {
		var err error
		if d, err = decodeJWT(tok); err != nil {
			return c.handleSessionTokenError(ctx, ac, copyErr(err), CarrierCookie)
		}
		if k := kindOf(tok, d); k.machineJWT || k.nonSession {
			return c.signedOut(SessionToken, ReasonTokenTypeMismatch, "", nil)
		}
		if d.claims == nil {
			// A payload of JSON null: Clerk fails reading payload.iat.
			s := c.signedOut(SessionToken, ReasonUnexpectedError, "", nil)
			s.Err = errUnexpected
			return s
		}
		iat, hasIat = jsToNumber(payloadMember(d, "iat"))
	}
	if hasIat && iat < float64(ac.clientUat) {
		return c.maybeHandshake(ac, ReasonSessionTokenIATBeforeClientUAT, "", nil)
	}
	// Step 13: verify.
	claims, err := c.verifySessionDecoded(ctx, tok, d, c.skew)
	if err != nil {
		return c.handleSessionTokenError(ctx, ac, err, CarrierCookie)
	}
	// Step 14: the missing-azp warning, once per client.
	if claims.AuthorizedParty == "" {
		c.azpWarnOnce.Do(func() {
			c.log.Warn("Clerk: Session token from cookie is missing the azp claim. In a future version of Clerk, this token will be considered invalid. Please contact Clerk support if you see this warning.")
		})
	}
	// Step 15: primary cross-origin sync. Clerk decides it before it builds
	// the auth object, so it wins even over a malformed claim.
	if !c.opts.IsSatellite && ac.method == http.MethodGet && ac.secFetchDest == "document" &&
		c.isCrossOriginReferrer(ac) && !c.isKnownClerkReferrer(ac) && ac.redirectCount == 0 {
		return c.maybeHandshake(ac, ReasonPrimaryDomainCrossOriginSync, "Cross-origin request from satellite domain requires handshake", nil)
	}
	signedIn := c.sessionSignedIn(ac, claims, ac.sessionTokenInCookie, nil)
	// Step 16: organization sync, on the auth object Clerk's toAuth() gives
	// (a pending session is signed out there, whatever
	// TreatPendingAsSignedOut says).
	if signedIn.Status == StatusSignedIn && signedIn.Auth.UserID != "" && signedIn.Auth.SessionStatus != "pending" {
		if s := c.organizationActivation(ac, signedIn.Auth); s != nil {
			return s
		}
	}
	return signedIn
}

// allowedSyncOrigin reports whether the development primary may send the
// browser (and its development token) back to target: the request's own
// origin, or an origin listed in AuthorizedParties (where satellites are).
func (c *Client) allowedSyncOrigin(ac *authContext, target *url.URL) bool {
	o := urlOrigin(target)
	if o == urlOrigin(ac.clerkURL) {
		return true
	}
	for _, a := range c.authorizedOrigins {
		if a == o {
			return true
		}
	}
	return false
}

// safeSyncTarget accepts only absolute http(s) URLs as the satellite return
// address, so the primary's sync redirect cannot become a script URL.
func safeSyncTarget(u *url.URL) bool {
	return (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// withQuery serializes u (WHATWG style) with the query q, as a URL whose
// searchParams were changed: an empty list drops the "?".
func withQuery(u *url.URL, q searchParams) string {
	c := *u
	c.RawQuery = q.String()
	c.ForceQuery = false
	return serializeURL(&c)
}

func handshakeTokenError(te *TokenError) error {
	if te.Reason == ReasonTokenInvalidSignature {
		//lint:ignore ST1005 Clerk's own message, word for word
		return errors.New("Clerk: Handshake token verification failed due to an invalid signature. If you have switched Clerk keys locally, clear your cookies and try again.")
	}
	return errors.New("Clerk: Handshake token verification failed: " + te.FullMessage() + ".")
}

// handleSessionTokenError is spec §1.9.
func (c *Client) handleSessionTokenError(ctx context.Context, ac *authContext, err error, carrier TokenCarrier) *RequestState {
	var te *TokenError
	if !errors.As(err, &te) {
		s := c.signedOut(SessionToken, ReasonUnexpectedError, "", nil)
		s.Err = err
		return s
	}
	// Refresh (spec §1.9 steps 2-3): only an expired token on a GET with
	// the refresh cookie; otherwise the reason says why not.
	var refreshDetail string
	switch {
	case ac.method != http.MethodGet:
		refreshDetail = "non-eligible-non-get"
	case ac.refreshTokenInCookie == "":
		refreshDetail = "non-eligible-no-refresh-cookie"
	case te.Reason == ReasonTokenExpired:
		s, detail := c.refresh(ctx, ac)
		if s != nil {
			return s
		}
		refreshDetail = detail
	}
	te.Carrier = carrier
	var reason Reason
	switch te.Reason {
	case ReasonTokenExpired:
		reason = joinReason(string(ReasonSessionTokenExpired), "refresh", refreshDetail)
	case ReasonTokenNotActiveYet:
		reason = ReasonSessionTokenNBF
	case ReasonTokenIatInTheFuture:
		reason = ReasonSessionTokenIATInTheFuture
	default:
		s := c.signedOut(SessionToken, te.Reason, te.FullMessage(), nil)
		s.Err = te
		return s
	}
	s := c.maybeHandshake(ac, reason, te.FullMessage(), nil)
	if s.Status != StatusHandshake {
		s.Err = te
		if ac.apiErr != nil && isUnavailable(ac.apiErr) {
			// The refresh failed because the Backend API is down.
			s.Err = errors.Join(te, ac.apiErr)
		}
	}
	return s
}

// isCrossOriginReferrer is spec §1.7 step 15: the Referer's origin differs
// from the Clerk URL's (URL.origin: a referrer with a scheme other than
// http(s) has the opaque origin "null", which differs from every origin).
func (c *Client) isCrossOriginReferrer(ac *authContext) bool {
	if ac.referrer == "" {
		return false
	}
	ref, ok := parseAbsoluteURL(ac.referrer)
	if !ok {
		return false
	}
	return urlOrigin(ref) != urlOrigin(ac.clerkURL)
}

// parseAbsoluteURL parses an absolute URL and, for the schemes whose URLs
// have a host (http, https, ws, wss, ftp), rejects what the WHATWG parser
// rejects and Go's accepts: an empty host, a second ":" in the authority,
// a port that is not a number below 65536.
func parseAbsoluteURL(s string) (*url.URL, bool) {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() {
		return nil, false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "ws", "wss", "ftp":
	default:
		return u, true
	}
	host := u.Hostname()
	if host == "" || strings.ContainsAny(host, " <>@[]^|\\") || (strings.Contains(host, ":") && !strings.HasPrefix(u.Host, "[")) {
		return nil, false
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 65535 {
			return nil, false
		}
	} else if strings.HasSuffix(u.Host, ":") && strings.Count(u.Host, ":") > 1 && !strings.HasPrefix(u.Host, "[") {
		return nil, false
	}
	return u, true
}

// urlOrigin is URL.origin: scheme://host[:port] (lowercased, without the
// scheme's default port) for http(s), ws(s) and ftp; "null" for other
// schemes.
func urlOrigin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	switch scheme {
	case "http", "https", "ws", "wss", "ftp":
	default:
		return "null"
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if p := u.Port(); p != "" && p != defaultPort(scheme) {
		host += ":" + p
	}
	return scheme + "://" + host
}

// isKnownClerkReferrer reports a Referer from Clerk itself: the Frontend
// API (or proxy) host, a development Account Portal (non-production only),
// or the Account Portal derived from the Frontend API.
func (c *Client) isKnownClerkReferrer(ac *authContext) bool {
	ref, ok := parseAbsoluteURL(ac.referrer)
	if !ok {
		return false
	}
	host := strings.ToLower(ref.Hostname())
	if fapi := ac.frontendAPI; fapi != "" {
		fapiHost := fapi
		if strings.HasPrefix(fapi, "http") {
			u, ok := parseAbsoluteURL(fapi)
			if !ok {
				return false
			}
			fapiHost = strings.ToLower(u.Hostname())
		}
		if host == fapiHost {
			return true
		}
	}
	if c.pk.InstanceType != Production {
		if strings.HasPrefix(host, "accounts.") {
			for _, s := range []string{".lcl.dev", ".lclstage.dev", ".lclclerk.com"} {
				if strings.HasSuffix(host, s) {
					return true
				}
			}
		}
		for _, s := range []string{".accounts.dev", ".accountsstage.dev", ".accounts.lclclerk.com"} {
			if strings.HasSuffix(host, s) && !strings.HasSuffix(host, ".clerk"+s) {
				return true
			}
		}
	}
	if ac.frontendAPI == "" {
		return false
	}
	accounts, ok := parseAbsoluteURL(accountsBaseURL(ac.frontendAPI))
	if !ok {
		return false
	}
	return urlOrigin(ref) == urlOrigin(accounts)
}
