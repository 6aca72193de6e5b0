package clerk

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// Refresh failure details, the tail of session-token-expired-refresh-<...>.
const (
	refreshMissingAPIClient         = "missing-api-client"
	refreshMissingSessionToken      = "missing-session-token"
	refreshMissingRefreshToken      = "missing-refresh-token"
	refreshExpiredTokenDecodeFailed = "expired-session-token-decode-failed"
	refreshExpiredTokenMissingSID   = "expired-session-token-missing-sid-claim"
	refreshFetchError               = "fetch-error"
	refreshUnexpectedBAPIError      = "unexpected-bapi-error"
	refreshInvalidSessionToken      = "invalid-session-token"
	refreshUnexpectedSDKError       = "unexpected-sdk-error"
)

// refresh exchanges an expired session token and the refresh cookie for new
// cookies through the Backend API (spec §1.9 step 2). It returns a signed-in
// state, or nil and the failure detail.
func (c *Client) refresh(ctx context.Context, ac *authContext) (*RequestState, string) {
	if c.opts.SecretKey == "" {
		return nil, refreshMissingAPIClient
	}
	expired := ac.sessionToken()
	if expired == "" {
		return nil, refreshMissingSessionToken
	}
	if ac.refreshTokenInCookie == "" {
		return nil, refreshMissingRefreshToken
	}
	d, err := decodeJWT(expired)
	if err != nil || d.claims == nil {
		return nil, refreshExpiredTokenDecodeFailed
	}
	sid := d.claims.SessionID
	if sid == "" {
		return nil, refreshExpiredTokenMissingSID
	}
	// request_headers: every request header as name -> [value], the way
	// Headers.entries() lists them (lowercase names, repeated values joined
	// with ", "); net/http keeps Host apart, so it is added back.
	headers := map[string][]string{}
	for name, values := range ac.req.Headers() {
		headers[strings.ToLower(name)] = []string{strings.Join(values, ", ")}
	}
	if _, ok := headers["host"]; !ok {
		if u := ac.req.URL(); u != nil && u.Host != "" {
			headers["host"] = []string{u.Host}
		}
	}
	body := map[string]any{
		"format":          "cookie",
		"expired_token":   expired,
		"refresh_token":   ac.refreshTokenInCookie,
		"request_origin":  urlOrigin(ac.clerkURL),
		"request_headers": headers,
	}
	var q url.Values
	if ac.usesSuffixedCookies {
		q = url.Values{"suffixed_cookies": {"true"}}
	}
	var resp struct {
		Cookies []string `json:"cookies"`
	}
	err = c.callAPI(ctx, apiRequest{method: http.MethodPost, path: c.versionPath("sessions", url.PathEscape(sid), "refresh"),
		query: q, body: body}, &resp)
	if err != nil {
		ac.apiErr = err
		var ae *APIError
		if !errors.As(err, &ae) {
			return nil, refreshUnexpectedSDKError
		}
		switch code := ae.code(); {
		case ae.Err != nil || code == "unexpected_error":
			// No answer, or one that could not be read: Clerk's fetch
			// wrapper reports both as unexpected_error.
			return nil, refreshFetchError
		case code != "":
			return nil, code
		}
		return nil, refreshUnexpectedBAPIError
	}
	if len(resp.Cookies) == 0 {
		return nil, refreshUnexpectedSDKError
	}
	for _, ck := range resp.Cookies {
		if !headerSafe(ck) {
			return nil, refreshUnexpectedSDKError
		}
	}
	h := http.Header{}
	token := ""
	for _, ck := range resp.Cookies {
		h.Add("Set-Cookie", ck)
		if name, value := directiveCookie(ck); strings.HasPrefix(name, cookieSession) {
			token = value
		}
	}
	if token == "" {
		return nil, refreshInvalidSessionToken
	}
	claims, err := c.verifySession(ctx, token)
	if err != nil {
		return nil, refreshInvalidSessionToken
	}
	return c.sessionSignedIn(ac, claims, token, h), ""
}
