package clerk

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// Refresh failure details, the tail of session-token-expired-refresh-<...>
// (spec §1.9).
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
	headers := map[string][]string{}
	for name, values := range ac.req.Headers() {
		headers[strings.ToLower(name)] = []string{strings.Join(values, ", ")}
	}
	body := map[string]any{
		"format":          "cookie",
		"expired_token":   expired,
		"refresh_token":   ac.refreshTokenInCookie,
		"request_origin":  ac.clerkURL.Scheme + "://" + ac.clerkURL.Host,
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
		var ae *APIError
		if errors.As(err, &ae) {
			if ae.Status == 0 {
				return nil, refreshFetchError
			}
			if code := ae.code(); code == "unexpected_error" {
				return nil, refreshFetchError
			} else if code != "" {
				return nil, code
			}
			return nil, refreshUnexpectedBAPIError
		}
		return nil, refreshUnexpectedSDKError
	}
	h := http.Header{}
	token := ""
	for _, ck := range resp.Cookies {
		if !headerSafe(ck) {
			continue
		}
		h.Add("Set-Cookie", ck)
		pair, _, _ := strings.Cut(ck, ";")
		if name, value, ok := strings.Cut(pair, "="); ok && strings.HasPrefix(name, cookieSession) {
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
