package clerk

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
)

// GetTokenOption configures [Auth.GetToken]: [Template] and [ExpiresIn].
type GetTokenOption interface{ applyGetToken(*getTokenConfig) }

type getTokenConfig struct {
	template     string
	expiresIn    time.Duration
	expiresInSet bool
}

type getTokenFunc func(*getTokenConfig)

func (f getTokenFunc) applyGetToken(c *getTokenConfig) { f(c) }

// Template asks [Auth.GetToken] for a token of the named JWT template (set
// up in the Clerk dashboard) instead of the session token. Clerk:
// getToken({ template: 'name' }).
func Template(name string) GetTokenOption {
	return getTokenFunc(func(c *getTokenConfig) { c.template = name })
}

// ExpiresIn asks [Auth.GetToken] for a newly minted token that lives for d,
// in whole seconds (at least one). Without [Template] it is a session
// token. Clerk: getToken({ expiresInSeconds: n }).
func ExpiresIn(d time.Duration) GetTokenOption {
	return getTokenFunc(func(c *getTokenConfig) { c.expiresIn, c.expiresInSet = d, true })
}

// GetToken is Clerk's auth.getToken().
//
//   - A signed-in session: without options, the session token the request
//     carried. With [Template] or [ExpiresIn], a token minted by the Backend
//     API (POST /v1/sessions/{sid}/tokens[/{template}]), which takes one
//     round trip and needs [Options].SecretKey.
//   - An authenticated machine token (API key, M2M or OAuth token): the
//     token the request carried; options are ignored, as in Clerk.
//   - Anything else (signed out, unauthenticated, invalid token, nil): ""
//     and no error, where Clerk returns null.
//
// Minting errors are returned as they come, a *APIError for a Backend API
// refusal (an unknown template is a 404), so the token is never logged by
// GetToken itself.
//
//	jwt, err := auth.GetToken(ctx, clerk.Template("supabase"))
func (a *Auth) GetToken(ctx context.Context, opts ...GetTokenOption) (string, error) {
	if a == nil || !a.IsAuthenticated {
		return "", nil
	}
	if a.TokenType != SessionToken {
		return a.rawToken(), nil
	}
	if a.SessionID == "" {
		return "", nil
	}
	var cfg getTokenConfig
	for _, o := range opts {
		if o != nil {
			o.applyGetToken(&cfg)
		}
	}
	if cfg.template == "" && !cfg.expiresInSet {
		return a.rawToken(), nil
	}
	ri := a.requestInfo()
	if ri == nil || ri.c == nil {
		return "", errors.New("clerk: GetToken: minting a token needs an Auth from Client.Authenticate (the middleware)")
	}
	return ri.c.mintSessionToken(ctx, a.SessionID, cfg)
}

// mintSessionToken calls POST /v1/sessions/{sid}/tokens[/{template}] and
// returns the jwt field of the answer.
func (c *Client) mintSessionToken(ctx context.Context, sid string, cfg getTokenConfig) (string, error) {
	if c.opts.SecretKey == "" {
		return "", &ConfigError{Field: "SecretKey", Message: msgMissingSecretKey + " It is needed to mint tokens with GetToken."}
	}
	if !pathSegment(sid) {
		return "", errors.New("clerk: GetToken: the session ID is not a valid path segment")
	}
	segs := []string{"sessions", sid, "tokens"}
	if cfg.template != "" {
		if !pathSegment(cfg.template) {
			return "", errors.New(`clerk: GetToken: the template name must not contain "/" or be "." or ".."`)
		}
		segs = append(segs, cfg.template)
	}
	var body any
	if cfg.expiresInSet {
		if cfg.expiresIn < time.Second {
			return "", errors.New("clerk: GetToken: ExpiresIn must be at least one second")
		}
		body = map[string]int64{"expires_in_seconds": int64(cfg.expiresIn / time.Second)}
	}
	var out struct {
		JWT string `json:"jwt"`
	}
	if err := c.callAPI(ctx, apiRequest{method: http.MethodPost, path: c.versionPath(segs...), body: body}, &out); err != nil {
		return "", err
	}
	if out.JWT == "" {
		return "", &APIError{Status: http.StatusOK, Err: errors.New("the Backend API answered without a jwt")}
	}
	return out.JWT, nil
}

// pathSegment reports whether s can be put in a URL path as one segment:
// not empty, no "/", not a dot segment, no control characters.
func pathSegment(s string) bool {
	if s == "" || s == "." || s == ".." || strings.ContainsRune(s, '/') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return false
		}
	}
	return true
}
