package clerk

import (
	"context"
	"log/slog"
)

// debugLog writes one debug entry per request when Options.Debug is set
// (Clerk's debug option, spec §9.1). Unlike Clerk's logger it never writes
// cookie values, the Authorization header, tokens or keys: only which
// credentials were present.
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
	if s.Reason != "" {
		attrs = append(attrs, slog.String("reason", string(s.Reason)))
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
