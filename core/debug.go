package clerk

import (
	"context"
	"log/slog"
	"strings"
)

// debugLog writes one debug entry per request when Options.Debug is set
// (Clerk's debug option, spec §9.1): the request (method, path, which
// credentials it carried, Basic auth and a request Content-Security-Policy
// detected), and the state (status, reason, message, token type, redirect,
// user and organization). Unlike Clerk's logger it never writes cookie
// values, the Authorization header, the query string, tokens or keys: only
// which credentials were present. It is only called when Debug is set, so it
// costs nothing otherwise.
func (c *Client) debugLog(ctx context.Context, ac *authContext, s *RequestState) {
	if !c.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", ac.method),
		slog.String("status", string(s.Status)),
		slog.String("token_type", string(s.TokenType)),
		slog.Bool("authorization_header", ac.tokenInHeader != ""),
	}
	if ac.clerkURL != nil {
		attrs = append(attrs, slog.String("path", ac.clerkURL.Path))
	}
	if ac.req != nil {
		if strings.HasPrefix(ac.req.Header("Authorization"), "Basic ") {
			attrs = append(attrs, slog.Bool("basic_auth", true))
		}
		if ac.req.Header("Content-Security-Policy") != "" {
			attrs = append(attrs, slog.Bool("request_content_security_policy", true))
		}
	}
	if s.Reason != "" {
		attrs = append(attrs, slog.String("reason", string(s.Reason)))
	}
	if s.Message != "" {
		attrs = append(attrs, slog.String("message", s.Message))
	}
	if ac.cookies.session != "" || ac.cookies.sessionSfx != "" {
		attrs = append(attrs, slog.Bool("session_cookie", true), slog.Bool("suffixed_cookies", ac.usesSuffixedCookies))
	}
	if ac.clientUat != 0 {
		attrs = append(attrs, slog.Int64("client_uat", ac.clientUat))
	}
	if loc := s.Location(); loc != "" {
		attrs = append(attrs, slog.Bool("redirect", true))
	}
	if s.Auth != nil && s.Auth.UserID != "" {
		attrs = append(attrs, slog.String("user_id", s.Auth.UserID))
		if s.Auth.OrgID != "" {
			attrs = append(attrs, slog.String("org_id", s.Auth.OrgID))
		}
	}
	if s.Err != nil {
		attrs = append(attrs, slog.String("error", s.Err.Error()))
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "clerk: authenticate", attrs...)
}
