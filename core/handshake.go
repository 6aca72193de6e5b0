package clerk

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxRedirectLoop is the handshake loop guard (spec §1.8.3, §10.5).
const maxRedirectLoop = 3

// IsHandshakeEligible reports whether a request is a browser navigation that
// may be redirected to Clerk's handshake: a GET whose
// Sec-Fetch-Dest is document or iframe, or, without Sec-Fetch-Dest, whose
// Accept starts with text/html.
func IsHandshakeEligible(req Request) bool {
	return handshakeEligible(req.Method(), req.Header("Sec-Fetch-Dest"), req.Header("Accept"))
}

func handshakeEligible(method, dest, accept string) bool {
	if method != http.MethodGet {
		return false
	}
	if dest != "" {
		return dest == "document" || dest == "iframe"
	}
	return strings.HasPrefix(accept, "text/html")
}

// maybeHandshake is handleMaybeHandshakeStatus (spec §1.8.3): a handshake
// redirect for browser navigations, a signed-out state otherwise.
func (c *Client) maybeHandshake(ac *authContext, reason Reason, message string, h http.Header) *RequestState {
	if !handshakeEligible(ac.method, ac.secFetchDest, ac.accept) {
		return c.signedOut(SessionToken, reason, message, nil)
	}
	if h == nil {
		h = http.Header{"Location": {c.handshakeURL(ac, reason)}}
	}
	if h.Get("Location") != "" {
		h.Set("Cache-Control", "no-store")
	}
	if ac.redirectCount == maxRedirectLoop {
		if reason == ReasonSatelliteNeedsSyncing {
			c.logRequest(slog.LevelWarn, "Clerk: Satellite-domain authentication resulted in an infinite redirect loop. Check that this request is using a configured primary or satellite domain for the production instance. For preview deployments, use a development/staging Clerk instance or a supported configured preview-domain setup.")
		} else {
			c.logRequest(slog.LevelWarn, "Clerk: Refreshing the session token resulted in an infinite redirect loop. This usually means that your Clerk instance keys do not match - make sure to copy the correct publishable and secret keys from the Clerk dashboard.")
		}
		return c.signedOut(SessionToken, reason, message, nil)
	}
	h.Add("Set-Cookie", cookieRedirectCount+"="+counterString(ac.redirectCount+1)+"; SameSite=Lax; HttpOnly; Max-Age=2")
	return c.handshakeState(reason, message, h)
}

// handshakeURL is buildRedirectToHandshake (spec §1.8.2), parameters in
// Clerk's order and encoded as URLSearchParams encodes them.
func (c *Client) handshakeURL(ac *authContext, reason Reason) string {
	base := ac.frontendAPI
	if !strings.HasPrefix(base, "http") {
		base = "https://" + base
	}
	base = strings.TrimRight(base, "/") + "/v1/client/handshake"
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		base = serializeURL(u)
	}

	// redirect_url: the Clerk URL without the dev-browser parameters; the
	// query is re-serialized as URLSearchParams.delete does.
	rq := ac.query()
	rq = append(searchParams(nil), rq...)
	rq.del(queryDevBrowser)
	rq.del(queryLegacyDevSession)

	q := searchParams{
		{queryRedirectURL, withQuery(ac.clerkURL, rq)},
		{queryAPIVersion, SupportedAPIVersion},
		{querySuffixedCookies, strconv.FormatBool(ac.usesSuffixedCookies)},
		{queryHandshakeReason, string(reason)},
		{queryFormat, "nonce"},
	}
	if st := ac.sessionToken(); st != "" {
		q = append(q, queryPair{querySession, st})
	}
	if c.pk.InstanceType == Development && ac.devBrowserToken != "" {
		q = append(q, queryPair{queryDevBrowser, ac.devBrowserToken})
	}
	if id, ok := c.orgSyncParam(ac); ok {
		q = append(q, queryPair{queryOrganizationID, id})
	}
	return base + "?" + q.String()
}

// resolveHandshake is spec §1.8.4. A *TokenError return means the handshake
// token itself failed verification; other errors are plain.
func (c *Client) resolveHandshake(ctx context.Context, ac *authContext) (*RequestState, error) {
	h := http.Header{
		"Access-Control-Allow-Origin":      {"null"},
		"Access-Control-Allow-Credentials": {"true"},
	}
	var directives []string
	if ac.handshakeNonce != "" {
		var payload struct {
			Directives []string `json:"directives"`
		}
		err := c.callAPI(ctx, apiRequest{method: http.MethodGet, path: c.versionPath("clients", "handshake_payload"),
			query: url.Values{"nonce": {ac.handshakeNonce}}}, &payload)
		if err != nil {
			c.logRequest(slog.LevelError, "Clerk: HandshakeService: error getting handshake payload", "error", err)
			ac.apiErr = err
		} else {
			directives = payload.Directives
		}
	} else {
		d, err := c.verifyHandshakeToken(ctx, ac.handshakeToken)
		if err != nil {
			return nil, err
		}
		directives = d
	}
	sessionToken := ""
	for _, d := range directives {
		if !headerSafe(d) {
			// Clerk's Headers.append throws on such a value and the
			// handshake is not resolved; never forward it.
			return nil, errors.New("clerk: a handshake cookie directive is not a valid header value")
		}
	}
	for _, d := range directives {
		h.Add("Set-Cookie", d)
		if name, value := directiveCookie(d); strings.HasPrefix(name, cookieSession) {
			sessionToken = value
		}
	}
	if c.pk.InstanceType == Development {
		// Development redirects once more to clean the URL.
		q := append(searchParams(nil), ac.query()...)
		for _, p := range []string{queryHandshake, queryHandshakeHelp, queryDevBrowser, queryHandshakeNonce} {
			q.del(p)
		}
		h.Set("Location", withQuery(ac.clerkURL, q))
		h.Set("Cache-Control", "no-store")
	}
	if sessionToken == "" {
		s := c.signedOut(SessionToken, ReasonSessionTokenMissing, "", h)
		if ac.apiErr != nil && isUnavailable(ac.apiErr) {
			s.Err = ac.apiErr // Clerk's reason, and Protect's 503
		}
		return s, nil
	}
	claims, err := c.verifySession(ctx, sessionToken)
	if err == nil {
		return c.sessionSignedIn(ac, claims, sessionToken, h), nil
	}
	var te *TokenError
	if c.pk.InstanceType == Development && errors.As(err, &te) &&
		(te.Reason == ReasonTokenExpired || te.Reason == ReasonTokenNotActiveYet || te.Reason == ReasonTokenIatInTheFuture) {
		c.logRequest(slog.LevelError, "Clerk: Clock skew detected. This usually means that your system clock is inaccurate. Clerk will attempt to account for the clock skew in development.")
		claims, err2 := c.verifySessionSkew(ctx, sessionToken, 24*time.Hour)
		if err2 == nil {
			return c.sessionSignedIn(ac, claims, sessionToken, h), nil
		}
		err = err2
	}
	msg := err.Error()
	if errors.As(err, &te) {
		msg = te.Message
	}
	return nil, errors.New(msg)
}

// directiveCookie is the name and value of a Set-Cookie directive as Clerk
// reads them: the part before the first ";", split on "=" (the value is the
// second piece, so a value holding "=" is cut there, as in Clerk).
func directiveCookie(d string) (name, value string) {
	pair, _, _ := strings.Cut(d, ";")
	name, rest, _ := strings.Cut(pair, "=")
	value, _, _ = strings.Cut(rest, "=")
	return name, value
}

// verifyHandshakeToken verifies a handshake JWT (spec §1.8.4) in Clerk's
// order: decode, key, typ, alg, category, signature; no claim checks. It
// returns the cookie directives it carries (none when its handshake claim
// is not an array).
func (c *Client) verifyHandshakeToken(ctx context.Context, token string) ([]string, error) {
	d, err := decodeJWT(token)
	if err != nil {
		return nil, copyErr(err)
	}
	if c.keys == nil || (c.opts.JWTKey == "" && c.opts.SecretKey == "") {
		return nil, tokenErr(ReasonJWKFailedToResolve, ActionSetClerkJWTKey, "Failed to resolve JWK during handshake verification.")
	}
	k, _, err := c.resolveKey(ctx, &d.header)
	if err != nil {
		return nil, err
	}
	if err := checkHeader(&d.header, nil); err != nil { // Clerk: assertHeaderType(typ), no option
		return nil, err
	}
	if d.header.isNonSessionCategory() {
		return nil, tokenErr(ReasonTokenInvalid, ActionEnsureClerkJWT, "Invalid handshake token category.")
	}
	if k.err != nil {
		return nil, tokenErr(ReasonTokenVerificationFailed, "", "Error verifying handshake token. "+k.err.Error())
	}
	if err := d.verifySignature(k.key); err != nil {
		return nil, tokenErr(ReasonTokenInvalidSignature, "", "Handshake signature is invalid.")
	}
	if d.claims == nil {
		// A payload of JSON null: Clerk fails reading payload.handshake.
		return nil, errors.New("clerk: the handshake token's payload is null")
	}
	raw := payloadMember(d, "handshake")
	if raw == "" || raw[0] != '[' {
		return nil, nil
	}
	var directives []string
	if json.Unmarshal([]byte(raw), &directives) != nil {
		// Clerk fails on a directive that is not a string.
		return nil, errors.New("clerk: the handshake token's handshake claim holds a value that is not a string")
	}
	return directives, nil
}
