package clerk

import (
	"context"
	"errors"
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
// does (spec §1): the Authorization header when present, else the session
// cookies with Clerk's browser flow (handshake redirects, dev-browser sync,
// satellites, organization activation, session refresh).
//
// It never fails: problems become a signed-out state with Clerk's reason.
// The returned state's Auth is never nil.
func (c *Client) Authenticate(ctx context.Context, req Request, opts ...AuthenticateOption) *RequestState {
	cfg := authenticateConfig{accepts: TokenAcceptance{single: SessionToken}}
	for _, o := range opts {
		if o != nil {
			o.applyAuthenticate(&cfg)
		}
	}
	ac := c.newAuthContext(req, cfg.accepts)
	s := c.authenticate(ctx, ac, cfg.accepts)
	if ac.clerkURL == nil {
		ac.clerkURL = clerkURL(req)
	}
	s.Auth.req = &requestInfo{c: c, ac: ac, state: s, raw: s.Auth}
	if c.opts.Debug {
		c.debugLog(ctx, ac, s)
	}
	return s
}

func (c *Client) authenticate(ctx context.Context, ac *authContext, acc TokenAcceptance) *RequestState {

	if acc.list {
		t := SessionToken
		if ac.tokenInHeader != "" {
			t = TokenTypeOf(ac.tokenInHeader)
		}
		if !acc.accepts(t) {
			return c.signedOut("", ReasonTokenTypeMismatch, "", nil)
		}
	}
	if ac.tokenInHeader != "" {
		switch {
		case acc.any || acc.list:
			return c.authenticateAnyHeader(ctx, ac, acc)
		case acc.effectiveSingle() == SessionToken:
			return c.authenticateSessionHeader(ctx, ac)
		default:
			return c.authenticateMachineHeader(ctx, ac, acc.effectiveSingle())
		}
	}
	if acc.singleMachine() {
		return c.signedOut(acc.effectiveSingle(), ReasonNoTokenInHeader, "", nil)
	}
	return c.authenticateCookie(ctx, ac)
}

// authenticateSessionHeader is spec §1.6.1.
func (c *Client) authenticateSessionHeader(ctx context.Context, ac *authContext) *RequestState {
	tok := ac.tokenInHeader
	if _, machine := machineJWTType(tok); machine || hasNonSessionCategory(tok) {
		return c.signedOut(SessionToken, ReasonTokenTypeMismatch, "", nil)
	}
	return c.verifyHeaderSession(ctx, ac, tok)
}

// authenticateAnyHeader is spec §1.6.2, with the category check of §1.6.1
// applied too (design §4.3): JWT-template tokens never sign a user in.
func (c *Client) authenticateAnyHeader(ctx context.Context, ac *authContext, acc TokenAcceptance) *RequestState {
	tok := ac.tokenInHeader
	if tt := TokenTypeOf(tok); tt != SessionToken {
		if !acc.accepts(tt) {
			st := tt
			if !acc.list && !acc.any {
				st = acc.effectiveSingle()
			}
			return c.signedOut(st, ReasonTokenTypeMismatch, "", nil)
		}
		return c.verifyMachine(ctx, tok, tt)
	}
	if hasNonSessionCategory(tok) {
		return c.signedOut(SessionToken, ReasonTokenTypeMismatch, "", nil)
	}
	return c.verifyHeaderSession(ctx, ac, tok)
}

func (c *Client) verifyHeaderSession(ctx context.Context, ac *authContext, tok string) *RequestState {
	claims, err := c.verifySession(ctx, tok)
	if err != nil {
		return c.handleSessionTokenError(ctx, ac, err, CarrierHeader)
	}
	return c.sessionSignedIn(ac, claims, tok, nil)
}

// sessionSignedIn builds the signed-in state; a malformed fea claim (spec
// §3.1 edge) makes it signed out with unexpected-error, as in Clerk.
func (c *Client) sessionSignedIn(ac *authContext, claims *SessionClaims, tok string, h http.Header) *RequestState {
	auth, err := authFromSessionClaims(claims, tok, c.treatPending)
	if err != nil {
		s := c.signedOut(SessionToken, ReasonUnexpectedError, "", h)
		s.Err = err
		return s
	}
	return c.signedIn(ac, SessionToken, tok, auth, h)
}

// authenticateMachineHeader is spec §6.4: one machine type accepted.
func (c *Client) authenticateMachineHeader(ctx context.Context, ac *authContext, want TokenType) *RequestState {
	tok := ac.tokenInHeader
	if tt := TokenTypeOf(tok); tt != want {
		return c.signedOut(want, ReasonTokenTypeMismatch, "", nil)
	}
	return c.verifyMachine(ctx, tok, want)
}

func (c *Client) verifyMachine(ctx context.Context, tok string, tt TokenType) *RequestState {
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
	return c.signedIn(nil, tt, tok, auth, nil)
}

func hasNonSessionCategory(tok string) bool {
	d, err := decodeJWT(tok)
	return err == nil && d.header.isNonSessionCategory()
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
	synced := ac.query().Get(queryClerkSynced)
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
			c.log.Error("clerk: unable to resolve handshake", "error", s.Err)
			return s
		}
		c.log.Error("clerk: unable to resolve handshake", "error", err)
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
			signIn, err := url.Parse(c.opts.SignInURL)
			if err == nil {
				q := signIn.Query()
				q.Set(queryClerkRedirectURL, ac.clerkURL.String())
				signIn.RawQuery = q.Encode()
				return c.maybeHandshake(ac, ReasonSatelliteNeedsSyncing, "", http.Header{"Location": {signIn.String()}})
			}
		}
	}
	// Step 4: development primary answering a satellite.
	if dev && !c.opts.IsSatellite {
		if redirect := ac.query().Get(queryClerkRedirectURL); redirect != "" {
			if target, err := url.Parse(redirect); err == nil && safeSyncTarget(target) {
				q := target.Query()
				if hasDevBrowser {
					q.Set(queryDevBrowser, ac.devBrowserToken)
				}
				q.Set(queryClerkSynced, "true")
				target.RawQuery = q.Encode()
				return c.maybeHandshake(ac, ReasonPrimaryRespondsToSyncing, "", http.Header{"Location": {target.String()}})
			}
		}
	}
	// Steps 5-6: development browser.
	if dev && ac.query().Has(queryDevBrowser) {
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
	// Steps 10-12: decode, category, iat before client_uat.
	d, err := decodeJWT(ac.sessionTokenInCookie)
	if err != nil {
		return c.handleSessionTokenError(ctx, ac, copyErr(err), CarrierCookie)
	}
	if _, machine := machineJWTType(ac.sessionTokenInCookie); machine || d.header.isNonSessionCategory() {
		return c.signedOut(SessionToken, ReasonTokenTypeMismatch, "", nil)
	}
	if d.claims != nil && d.claims.iat.isNum && d.claims.iat.seconds() < ac.clientUat {
		return c.maybeHandshake(ac, ReasonSessionTokenIATBeforeClientUAT, "", nil)
	}
	// Step 13: verify.
	claims, err := c.verifySession(ctx, ac.sessionTokenInCookie)
	if err != nil {
		return c.handleSessionTokenError(ctx, ac, err, CarrierCookie)
	}
	// Step 14: the missing-azp warning, once per client.
	if claims.AuthorizedParty == "" {
		c.azpWarnOnce.Do(func() {
			c.log.Warn("Clerk: Session token from cookie is missing the azp claim. In a future version of Clerk, this token will be considered invalid. Please contact Clerk support if you see this warning.")
		})
	}
	signedIn := c.sessionSignedIn(ac, claims, ac.sessionTokenInCookie, nil)
	// Step 15: primary cross-origin sync.
	if !c.opts.IsSatellite && ac.method == http.MethodGet && ac.secFetchDest == "document" &&
		ac.redirectCount == 0 && c.isCrossOriginReferrer(ac) {
		return c.maybeHandshake(ac, ReasonPrimaryDomainCrossOriginSync, "Cross-origin request from satellite domain requires handshake", nil)
	}
	// Step 16: organization sync.
	if signedIn.Status == StatusSignedIn && signedIn.Auth.UserID != "" {
		if s := c.organizationActivation(ac, signedIn.Auth); s != nil {
			return s
		}
	}
	return signedIn
}

// safeSyncTarget accepts only absolute http(s) URLs as the satellite return
// address, so the primary's sync redirect cannot become a script URL.
func safeSyncTarget(u *url.URL) bool {
	return (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

func handshakeTokenError(te *TokenError) error {
	if te.Reason == ReasonTokenInvalidSignature {
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
	}
	return s
}

// isCrossOriginReferrer is spec §1.7 step 15.
func (c *Client) isCrossOriginReferrer(ac *authContext) bool {
	if ac.referrer == "" {
		return false
	}
	ref, err := url.Parse(ac.referrer)
	if err != nil || ref.Host == "" {
		return false
	}
	if strings.EqualFold(ref.Scheme+"://"+ref.Host, ac.clerkURL.Scheme+"://"+ac.clerkURL.Host) {
		return false
	}
	return !c.isKnownClerkReferrer(ref)
}

func (c *Client) isKnownClerkReferrer(ref *url.URL) bool {
	fapi := strings.ToLower(stripScheme(ac2host(c.pk.FrontendAPI)))
	host := strings.ToLower(ref.Hostname())
	if host == fapi {
		return true
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
	return strings.EqualFold(ref.Scheme+"://"+ref.Host, accountsBaseURL(fapi))
}

// ac2host drops any path from a Frontend API value.
func ac2host(fapi string) string {
	h, _, _ := strings.Cut(stripScheme(fapi), "/")
	return h
}

// parseClientUat is parseInt(value) || 0.
func parseClientUat(v string) int64 {
	v = strings.TrimLeft(v, " \t\n\r")
	end := 0
	if end < len(v) && (v[end] == '-' || v[end] == '+') {
		end++
	}
	for end < len(v) && v[end] >= '0' && v[end] <= '9' {
		end++
	}
	n, err := strconv.ParseInt(v[:end], 10, 64)
	if err != nil {
		return 0
	}
	return n
}
