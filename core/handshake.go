package clerk

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxRedirectLoop is the handshake loop guard (spec §1.8.3, §10.5).
const maxRedirectLoop = 3

// IsHandshakeEligible reports whether a request is a browser navigation that
// may be redirected to Clerk's handshake (spec §1.8.1): a GET whose
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
			c.log.Warn("Clerk: Satellite-domain authentication resulted in an infinite redirect loop. This usually means that your Clerk instance keys are not set up correctly for satellite domains.")
		} else {
			c.log.Warn("Clerk: Refreshing the session token resulted in an infinite redirect loop. This usually means that your Clerk instance keys do not match - make sure to copy the correct publishable and secret keys from the Clerk dashboard.")
		}
		return c.signedOut(SessionToken, reason, message, nil)
	}
	h.Add("Set-Cookie", cookieRedirectCount+"="+strconv.Itoa(ac.redirectCount+1)+"; SameSite=Lax; HttpOnly; Max-Age=2")
	return c.handshakeState(reason, message, h)
}

// handshakeURL is buildRedirectToHandshake (spec §1.8.2), parameters in
// Clerk's order.
func (c *Client) handshakeURL(ac *authContext, reason Reason) string {
	base := ac.frontendAPI
	if !strings.HasPrefix(base, "http") {
		base = "https://" + base
	}
	base = strings.TrimRight(base, "/") + "/v1/client/handshake"

	redirect := *ac.clerkURL
	rq := redirect.Query()
	if rq.Has(queryDevBrowser) || rq.Has(queryLegacyDevSession) {
		rq.Del(queryDevBrowser)
		rq.Del(queryLegacyDevSession)
		redirect.RawQuery = rq.Encode()
	}
	var q orderedQuery
	q.add(queryRedirectURL, redirect.String())
	q.add(queryAPIVersion, SupportedAPIVersion)
	q.add(querySuffixedCookies, strconv.FormatBool(ac.usesSuffixedCookies))
	q.add(queryHandshakeReason, string(reason))
	q.add(queryFormat, "nonce")
	if st := ac.sessionToken(); st != "" {
		q.add(querySession, st)
	}
	if c.pk.InstanceType == Development && ac.devBrowserToken != "" {
		q.add(queryDevBrowser, ac.devBrowserToken)
	}
	if id, ok := c.orgSyncParam(ac); ok {
		q.add(queryOrganizationID, id)
	}
	return base + "?" + q.String()
}

// orderedQuery keeps parameters in insertion order (url.Values sorts).
type orderedQuery struct{ b strings.Builder }

func (q *orderedQuery) add(k, v string) {
	if q.b.Len() > 0 {
		q.b.WriteByte('&')
	}
	q.b.WriteString(url.QueryEscape(k))
	q.b.WriteByte('=')
	q.b.WriteString(url.QueryEscape(v))
}

func (q *orderedQuery) String() string { return q.b.String() }

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
			c.log.Error("Clerk: HandshakeService: error getting handshake payload", "error", err)
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
			continue // never forward a directive that could split headers
		}
		h.Add("Set-Cookie", d)
		pair, _, _ := strings.Cut(d, ";")
		name, rest, _ := strings.Cut(pair, "=")
		if strings.HasPrefix(name, cookieSession) {
			value, _, _ := strings.Cut(rest, "=")
			sessionToken = value
		}
	}
	if c.pk.InstanceType == Development {
		u := *ac.clerkURL
		q := u.Query()
		for _, p := range []string{queryHandshake, queryHandshakeHelp, queryDevBrowser, queryHandshakeNonce} {
			q.Del(p)
		}
		u.RawQuery = q.Encode()
		h.Set("Location", u.String())
		h.Set("Cache-Control", "no-store")
	}
	if sessionToken == "" {
		return c.signedOut(SessionToken, ReasonSessionTokenMissing, "", h), nil
	}
	claims, err := c.verifySession(ctx, sessionToken)
	if err == nil {
		return c.sessionSignedIn(ac, claims, sessionToken, h), nil
	}
	var te *TokenError
	if c.pk.InstanceType == Development && errors.As(err, &te) &&
		(te.Reason == ReasonTokenExpired || te.Reason == ReasonTokenNotActiveYet || te.Reason == ReasonTokenIatInTheFuture) {
		c.log.Error("Clerk: Clock skew detected. This usually means that your system clock is inaccurate. Clerk will attempt to account for the clock skew in development.")
		claims, err2 := c.verifySessionSkew(ctx, sessionToken, 24*time.Hour)
		if err2 == nil {
			return c.sessionSignedIn(ac, claims, sessionToken, h), nil
		}
		err = err2
	}
	msg := err.Error()
	if errors.As(err, &te) {
		msg = te.FullMessage()
	}
	return nil, errors.New(msg)
}

// verifyHandshakeToken verifies a handshake JWT (spec §1.8.4): its key,
// typ, alg, category and signature; no claim checks. It returns the cookie
// directives it carries.
func (c *Client) verifyHandshakeToken(ctx context.Context, token string) ([]string, error) {
	d, err := decodeJWT(token)
	if err != nil {
		return nil, copyErr(err)
	}
	if c.keys == nil || (c.opts.JWTKey == "" && c.opts.SecretKey == "") {
		return nil, tokenErr(ReasonJWKFailedToResolve, ActionSetClerkJWTKey, "Failed to resolve JWK during verification.")
	}
	if d.header.isNonSessionCategory() {
		return nil, tokenErr(ReasonTokenInvalid, ActionEnsureClerkJWT, "Invalid handshake token category.")
	}
	k, _, err := c.resolveKey(ctx, &d.header)
	if err != nil {
		return nil, err
	}
	if err := checkHeader(&d.header); err != nil {
		return nil, err
	}
	if k.err != nil {
		return nil, tokenErr(ReasonTokenVerificationFailed, ActionEnsureClerkJWT, "Error verifying JWT signature. "+k.err.Error())
	}
	if err := signingMethods[d.header.Alg.v].Verify(d.signed, d.signature, k.key); err != nil {
		return nil, tokenErr(ReasonTokenInvalidSignature, "", "JWT signature is invalid.")
	}
	var payload struct {
		Handshake []string `json:"handshake"`
	}
	if json.Unmarshal(d.payload, &payload) != nil {
		return nil, errors.New("clerk: handshake token payload is not an object with a handshake array")
	}
	return payload.Handshake, nil
}
