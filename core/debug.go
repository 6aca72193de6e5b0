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
// debugOptions writes Clerk's "options" debug entry once, when the Client is
// built (Clerk writes it per request; the options of a Client never
// change). Keys and secrets appear only as whether they are set; the
// publishable key and URLs are public.
func (c *Client) debugOptions() {
	o := &c.opts
	instance := "unknown"
	if c.hasPK {
		instance = string(c.pk.InstanceType)
	}
	c.log.LogAttrs(context.Background(), slog.LevelDebug, "clerk: options",
		slog.String("instance", instance),
		slog.String("publishable_key", o.PublishableKey),
		slog.Bool("secret_key_set", o.SecretKey != ""),
		slog.Bool("machine_secret_key_set", o.MachineSecretKey != ""),
		slog.Bool("jwt_key_set", o.JWTKey != ""),
		slog.String("api_url", o.APIURL),
		slog.String("domain", o.Domain),
		slog.String("proxy_url", o.ProxyURL),
		slog.Bool("is_satellite", o.IsSatellite),
		slog.String("sign_in_url", o.SignInURL),
		slog.String("sign_up_url", o.SignUpURL),
		slog.Any("authorized_parties", o.AuthorizedParties),
		slog.Any("audience", o.Audience),
		slog.Any("header_type", o.HeaderType),
		slog.Bool("organization_sync", o.OrganizationSync != nil),
		slog.Bool("content_security_policy", o.ContentSecurityPolicy != nil),
		slog.Bool("frontend_api_jwks", o.FrontendAPIJWKS),
	)
}

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
	if c.opts.ContentSecurityPolicy != nil {
		attrs = append(attrs, slog.Bool("csp_generated", true))
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "clerk: authenticate", attrs...)
}
