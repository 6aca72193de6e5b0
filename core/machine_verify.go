package clerk

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Machine-token verification (spec §6.2-§6.5): opaque "ak_", "mt_" and
// "oat_" tokens are checked by the Backend API (and the answers cached, see
// machineCache); JWT-format M2M and OAuth tokens are verified locally with
// the instance keys, like session tokens.

// oauthTokenTypes are the typ values of OAuth access-token JWTs (RFC 9068).
const (
	typOAuthAccessToken    = "at+jwt"
	typOAuthAccessTokenApp = "application/at+jwt"
)

// machineEndpoint is one of the Backend API verify endpoints (spec §6.3).
type machineEndpoint struct {
	tt     TokenType
	path   string // without the /v1 segment
	field  string // the body field that carries the token
	object string // the "object" of the answer
	noun   string // for messages: "API key not found"
}

// machineEndpointFor routes an opaque token by its prefix (spec §6.2 step 2).
func machineEndpointFor(token string) (machineEndpoint, bool) {
	switch {
	case strings.HasPrefix(token, prefixM2M):
		return machineEndpoint{M2MToken, "/m2m_tokens/verify", "token", "machine_to_machine_token", "Machine token"}, true
	case strings.HasPrefix(token, prefixOAuth):
		return machineEndpoint{OAuthToken, "/oauth_applications/access_tokens/verify", "access_token", "clerk_idp_oauth_access_token", "OAuth token"}, true
	case strings.HasPrefix(token, prefixAPIKey):
		return machineEndpoint{APIKey, "/api_keys/verify", "secret", "api_key", "API key"}, true
	}
	return machineEndpoint{}, false
}

// machineData is a verified machine token, as the Auth is built from it.
// Values in the cache are shared and never modified.
type machineData struct {
	tt         TokenType
	id         string
	subject    string
	name       string
	clientID   string
	scopes     []string
	claims     map[string]any
	expiration int64 // unix milliseconds, 0 for never
	size       int64 // approximate memory, for the cache bound
}

// expiredAt reports whether the token has expired at now (no leeway: the
// Backend API's expiration is authoritative).
func (d *machineData) expiredAt(now time.Time) bool {
	return d.expiration != 0 && d.expiration <= now.UnixMilli()
}

// auth builds the request's own Auth from d (spec §4.3): Clerk's
// authenticatedMachineObject.
func (d *machineData) auth(token string) *Auth {
	b := &authBox{token: token}
	a := &b.auth
	*a = Auth{
		TokenType:       d.tt,
		IsAuthenticated: true,
		ID:              d.id,
		Subject:         d.subject,
		Scopes:          slices.Clone(d.scopes),
		token:           &b.token,
	}
	if a.Scopes == nil {
		a.Scopes = []string{}
	}
	if d.expiration != 0 {
		a.Expiration = time.UnixMilli(d.expiration)
	}
	switch d.tt {
	case APIKey:
		a.Name = d.name
		a.MachineClaims = maps.Clone(d.claims)
		switch {
		case strings.HasPrefix(d.subject, "user_"):
			a.UserID = d.subject
		case strings.HasPrefix(d.subject, "org_"):
			a.OrgID = d.subject
		}
	case M2MToken:
		a.MachineClaims = maps.Clone(d.claims)
		a.MachineID = d.subject
	case OAuthToken:
		a.UserID = d.subject
		a.ClientID = d.clientID
	}
	return a
}

// verifyMachineToken verifies an API key, M2M token or OAuth access token
// (spec §6.2-§6.5) and returns its machine Auth. Failures are
// *MachineTokenError with Clerk's codes and messages, or a *ConfigError
// when the keys needed are not configured.
func (c *Client) verifyMachineToken(ctx context.Context, token string, tt TokenType) (*Auth, error) {
	if jwtShaped(token) {
		return c.verifyMachineJWT(ctx, token)
	}
	ep, ok := machineEndpointFor(token)
	if !ok {
		// Unreachable through Authenticate, whose dispatch only sends
		// machine tokens here; Clerk throws "Unknown machine token type".
		return nil, &MachineTokenError{Code: MachineErrTokenInvalid, Message: "Unknown machine token type", TokenType: tt}
	}
	if len(token) > MaxTokenSize {
		// Clerk's tokens are short; a huge one is not sent anywhere.
		return nil, &MachineTokenError{Code: MachineErrTokenInvalid, Message: ep.noun + " not found", TokenType: ep.tt}
	}
	key, err := c.machineCredential(ep)
	if err != nil {
		c.machine.configOnce.Do(func() { c.log.Error("clerk: cannot verify machine tokens", "error", err) })
		return nil, err
	}
	timeout := DefaultHTTPTimeout
	if c.httpClient.Timeout > 0 {
		timeout = c.httpClient.Timeout
	}
	d, err := c.machine.do(ctx, sha256.Sum256([]byte(token)), c.now, timeout, func(ctx context.Context) (*machineData, error) {
		return c.verifyOpaque(ctx, ep, key, token)
	})
	if err != nil {
		if me, ok := err.(*MachineTokenError); ok && me.TokenType == "" {
			me.TokenType = ep.tt
		}
		return nil, err
	}
	if d.expiredAt(c.now()) {
		return nil, &MachineTokenError{Code: MachineErrTokenInvalid, Message: ep.noun + " has expired", TokenType: ep.tt}
	}
	return d.auth(token), nil
}

// Clerk's messages for missing keys.
const (
	msgMissingSecretKey        = "Missing Clerk Secret Key. Go to https://dashboard.clerk.com and get your key for your instance."
	msgMissingMachineSecretKey = "Machine token authentication requires either a Machine secret key or a Clerk secret key. Ensure a Clerk secret key or Machine secret key is set."
)

// machineCredential is the bearer key for ep: the machine secret key for
// M2M tokens when set, else the secret key (spec §6.3).
func (c *Client) machineCredential(ep machineEndpoint) (string, error) {
	if ep.tt == M2MToken {
		if c.opts.MachineSecretKey != "" {
			return c.opts.MachineSecretKey, nil
		}
		if c.opts.SecretKey == "" {
			return "", &ConfigError{Field: "MachineSecretKey", Message: msgMissingMachineSecretKey}
		}
		return c.opts.SecretKey, nil
	}
	if c.opts.SecretKey == "" {
		return "", &ConfigError{Field: "SecretKey", Message: msgMissingSecretKey + " It is needed to verify " + string(ep.tt) + " tokens."}
	}
	return c.opts.SecretKey, nil
}

// machineTokenJSON is the answer of the three verify endpoints (spec §11);
// each reads the fields it has.
type machineTokenJSON struct {
	Object     string          `json:"object"`
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Subject    string          `json:"subject"`
	ClientID   string          `json:"client_id"`
	Scopes     []string        `json:"scopes"`
	Claims     map[string]any  `json:"claims"`
	Revoked    bool            `json:"revoked"`
	Expired    bool            `json:"expired"`
	Expiration *float64        `json:"expiration"` // unix milliseconds or null
	Aud        json.RawMessage `json:"aud"`        // OAuth tokens
}

// verifyOpaque asks the Backend API about an opaque token and checks the
// answer: a token the answer says is revoked or expired does not
// authenticate, whatever the status.
func (c *Client) verifyOpaque(ctx context.Context, ep machineEndpoint, key, token string) (*machineData, error) {
	var raw json.RawMessage
	err := c.callAPI(ctx, apiRequest{method: http.MethodPost, path: ep.path, body: map[string]string{ep.field: token}, key: key}, &raw)
	if err != nil {
		return nil, ep.apiError(err)
	}
	var v machineTokenJSON
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, ep.malformed(fmt.Errorf("invalid %s JSON from the Backend API: %w", ep.object, err))
	}
	if v.Object != "" && v.Object != ep.object {
		return nil, ep.malformed(fmt.Errorf("the Backend API answered with a %q object, want %q", v.Object, ep.object))
	}
	if v.Subject == "" {
		return nil, ep.malformed(errors.New("the Backend API answered without a subject"))
	}
	d := &machineData{tt: ep.tt, id: v.ID, subject: v.Subject, name: v.Name, clientID: v.ClientID,
		scopes: v.Scopes, claims: v.Claims, size: int64(len(raw)) + 512}
	if v.Expiration != nil && *v.Expiration > 0 {
		d.expiration = int64(*v.Expiration)
	}
	switch {
	case v.Revoked:
		return nil, &MachineTokenError{Code: MachineErrTokenInvalid, Message: ep.noun + " has been revoked", TokenType: ep.tt}
	case v.Expired || d.expiredAt(c.now()):
		return nil, &MachineTokenError{Code: MachineErrTokenInvalid, Message: ep.noun + " has expired", TokenType: ep.tt}
	}
	if ep.tt == OAuthToken {
		if err := c.checkOAuthAudience(v.Aud); err != nil {
			return nil, &MachineTokenError{Code: MachineErrVerificationFailed, Message: err.Message, TokenType: ep.tt, Err: err}
		}
	}
	return d, nil
}

// apiError maps a failed verify call as Clerk's handleClerkAPIError does
// (spec §6.5): 401 secret-key-invalid, 404 token-invalid, anything else
// unexpected-error. A 2xx answer that could not be read counts as no answer
// (status 0), like a network error.
func (ep machineEndpoint) apiError(err error) *MachineTokenError {
	me := &MachineTokenError{Code: MachineErrUnexpected, Message: "Unexpected error", TokenType: ep.tt, Err: err}
	var ae *APIError
	if !errors.As(err, &ae) {
		return me
	}
	if ae.Status < 300 {
		if ae.Status != 0 {
			// Keep the cause, not the *APIError: its 2xx status would make
			// the failure look like an answer rather than an outage.
			me.Err = fmt.Errorf("unreadable Backend API answer (status %d): %w", ae.Status, ae.Err)
		}
		return me
	}
	me.Status = ae.Status
	switch ae.Status {
	case http.StatusUnauthorized:
		me.Code, me.Message = MachineErrSecretKeyInvalid, "Invalid secret key"
		if len(ae.Errors) > 0 && ae.Errors[0].Message != "" {
			me.Message = ae.Errors[0].Message
		}
	case http.StatusNotFound:
		me.Code, me.Message = MachineErrTokenInvalid, ep.noun+" not found"
	}
	return me
}

// malformed is an answer that is not what the endpoint sends: the Backend
// API is treated as failing (unexpected-error, no status).
func (ep machineEndpoint) malformed(err error) *MachineTokenError {
	return &MachineTokenError{Code: MachineErrUnexpected, Message: "Unexpected error", TokenType: ep.tt, Err: err}
}

// verifyMachineJWT verifies a JWT-format M2M or OAuth token with the
// instance keys, without any Backend API call (spec §6.2 step 1).
func (c *Client) verifyMachineJWT(ctx context.Context, token string) (*Auth, error) {
	d, err := decodeJWT(token)
	if err != nil {
		return nil, wrapJWTError(MachineErrTokenInvalid, M2MToken, copyErr(err))
	}
	if d.header.null {
		return nil, wrapJWTError(MachineErrTokenInvalid, M2MToken, copyErr(errJWTDecode))
	}
	h := &d.header
	switch {
	case d.claims != nil && d.claims.sub.isString && strings.HasPrefix(d.claims.sub.v, "mch_"):
		return c.verifyM2MJWT(ctx, d, token)
	case h.Typ.isString && (h.Typ.v == typOAuthAccessToken || h.Typ.v == typOAuthAccessTokenApp):
		return c.verifyOAuthJWT(ctx, d, token)
	}
	typ := "missing"
	if h.Typ.present && h.Typ.isString {
		typ = h.Typ.v
	}
	return nil, &MachineTokenError{Code: MachineErrVerificationFailed, TokenType: OAuthToken,
		Message: "Invalid JWT type: " + typ + ". Expected one of: " + typOAuthAccessToken + ", " + typOAuthAccessTokenApp +
			" for OAuth, or sub starting with 'mch_' for M2M"}
}

// verifyM2MJWT is Clerk's verifyM2MJwt: the M2M category (or none), then
// the full verifyJwt of spec §2.2 with typ JWT, audience, authorized
// parties and clock skew.
func (c *Client) verifyM2MJWT(ctx context.Context, d *decodedJWT, token string) (*Auth, error) {
	if cat := d.header.Cat; cat.present && (!cat.isString || cat.v != categoryM2M) {
		return nil, &MachineTokenError{Code: MachineErrTokenInvalid, Message: "Invalid M2M JWT category.", TokenType: M2MToken}
	}
	k, _, err := c.resolveKey(ctx, &d.header)
	if err == nil {
		err = c.verifyJWT(d, k, c.skew, m2mChecks)
	}
	if err != nil {
		return nil, wrapJWTError(MachineErrVerificationFailed, M2MToken, err)
	}
	m, err := payloadMap(d.payload)
	if err != nil {
		return nil, wrapJWTError(MachineErrVerificationFailed, M2MToken, err)
	}
	data := &machineData{tt: M2MToken, id: jsonStr(m["jti"]), subject: d.claims.sub.v,
		claims: customClaims(m), expiration: expMillis(d.claims)}
	switch s := m["scopes"].(type) {
	case string:
		data.scopes = strings.Split(s, " ")
	case []any:
		data.scopes = stringList(s)
	default:
		data.scopes = stringList(m["aud"])
	}
	return data.auth(token), nil
}

// verifyOAuthJWT is Clerk's verifyOAuthJwt: verifyJwt with the OAuth typ
// values and without the audience, then the stricter OAuth audience rule.
func (c *Client) verifyOAuthJWT(ctx context.Context, d *decodedJWT, token string) (*Auth, error) {
	k, _, err := c.resolveKey(ctx, &d.header)
	if err == nil {
		// typ is one of the OAuth values (that is how the token was
		// routed here); verifyJWT accepts only "JWT", so it checks a copy
		// without typ. The audience goes to the OAuth rule below.
		cp := *d
		cp.header.Typ = strClaim{}
		err = c.verifyJWT(&cp, k, c.skew, oauthChecks)
	}
	if err != nil {
		return nil, wrapJWTError(MachineErrVerificationFailed, OAuthToken, err)
	}
	m, err := payloadMap(d.payload)
	if err != nil {
		return nil, wrapJWTError(MachineErrVerificationFailed, OAuthToken, err)
	}
	var audErr *TokenError
	if aud, ok := m["aud"]; ok {
		raw, _ := json.Marshal(aud)
		audErr = c.checkOAuthAudienceValue(aud, raw)
	} else {
		audErr = c.checkOAuthAudienceValue(nil, nil)
	}
	if audErr != nil {
		return nil, wrapJWTError(MachineErrVerificationFailed, OAuthToken, audErr)
	}
	data := &machineData{tt: OAuthToken, id: jsonStr(m["jti"]), subject: d.claims.sub.v,
		clientID: jsonStr(m["client_id"]), expiration: expMillis(d.claims)}
	switch s := m["scp"].(type) {
	case []any:
		data.scopes = stringList(s)
	case string:
		data.scopes = strings.Split(s, " ")
	default:
		if scope, ok := m["scope"].(string); ok {
			data.scopes = strings.Split(scope, " ")
		}
	}
	return data.auth(token), nil
}

// wrapJWTError wraps a JWT verification failure as Clerk does: the code
// given, the inner message (spec §6.2).
//
// A *TokenError is copied: key-loading failures are shared by the requests
// that wait for the same fetch.
func wrapJWTError(code MachineErrorCode, tt TokenType, err error) *MachineTokenError {
	if te, ok := err.(*TokenError); ok {
		cp := *te
		return &MachineTokenError{Code: code, Message: cp.Message, TokenType: tt, Err: &cp}
	}
	return &MachineTokenError{Code: code, Message: err.Error(), TokenType: tt, Err: err}
}

// checkOAuthAudience applies Clerk's OAuth audience rule to the raw aud of
// a verify answer (nil when absent).
func (c *Client) checkOAuthAudience(raw json.RawMessage) *TokenError {
	if len(raw) == 0 {
		return c.checkOAuthAudienceValue(nil, nil)
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		v = nil
	}
	return c.checkOAuthAudienceValue(v, raw)
}

// checkOAuthAudienceValue is Clerk's assertOAuthAudienceClaim: with an
// audience configured, the token's aud must be a non-empty string or a
// non-empty array of non-empty strings, and one of them must be in the
// audience. A token without aud fails (unlike session tokens, spec §2.6).
func (c *Client) checkOAuthAudienceValue(aud any, raw []byte) *TokenError {
	if len(c.audience) == 0 {
		return nil
	}
	var list []string
	valid := false
	switch a := aud.(type) {
	case string:
		list, valid = []string{a}, a != ""
	case []any:
		valid = len(a) > 0
		for _, e := range a {
			s, ok := e.(string)
			if !ok || s == "" {
				valid = false
				break
			}
			list = append(list, s)
		}
	}
	shown := "undefined"
	if raw != nil {
		shown = jsStringify(aud)
	}
	if !valid {
		return &TokenError{Reason: ReasonTokenVerificationFailed,
			Message: "Invalid OAuth audience claim (aud) " + shown + ". Expected a non-empty string or a non-empty array of non-empty strings."}
	}
	for _, a := range list {
		if contains(c.audience, a) {
			return nil
		}
	}
	return &TokenError{Reason: ReasonTokenVerificationFailed,
		Message: "OAuth audience mismatch. Verification expected audience " + jsStringList(c.audience) + ", but incoming token has aud " + shown + "."}
}

// payloadMap decodes a verified payload for the machine-claim mapping
// (JSON.parse semantics: exact names, the last repeat wins).
func payloadMap(payload []byte) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil || m == nil {
		return nil, errUnexpected
	}
	return m, nil
}

// isM2MReservedClaim reports the claims left out of an M2M JWT's custom
// claims.
func isM2MReservedClaim(k string) bool {
	switch k {
	case "iss", "sub", "exp", "nbf", "iat", "jti":
		return true
	}
	return false
}

// customClaims is Clerk's extractCustomClaims: every claim but the
// reserved ones, nil when none is left.
func customClaims(m map[string]any) map[string]any {
	var out map[string]any
	for k, v := range m {
		if isM2MReservedClaim(k) {
			continue
		}
		if out == nil {
			out = make(map[string]any)
		}
		out[k] = v
	}
	return out
}

func jsonStr(v any) string {
	s, _ := v.(string)
	return s
}

// stringList reads a string or an array of strings (other entries are
// skipped); anything else is an empty list.
func stringList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return []string{}
}

// expMillis is a verified token's exp in unix milliseconds (truncated to
// whole seconds, as the expiry check reads it).
func expMillis(cl *SessionClaims) int64 {
	if ms, ok := claimMillis(cl.exp.v); ok {
		return ms
	}
	return 0
}

// unauthenticatedMachineAuth is the machine auth object of type tt with no
// token (spec §4.3).
func unauthenticatedMachineAuth(tt TokenType) *Auth {
	a := signedOutAuth()
	a.TokenType = tt
	return a
}
