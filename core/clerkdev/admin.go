package clerkdev

import (
	"net/http"
	"strings"
	"time"
)

// The /__dev/ endpoints mint what the Go API mints, for curl and for tests
// in other languages. They are not part of Clerk's API, and like the
// Backend API they require "Authorization: Bearer <secret key>". Bodies and
// answers are JSON; see the package documentation for the fields.

// devSessionJSON is the answer of POST /__dev/sessions.
type devSessionJSON struct {
	Object         string   `json:"object"`
	ID             string   `json:"id"`
	UserID         string   `json:"user_id"`
	OrganizationID *string  `json:"organization_id"`
	RefreshToken   string   `json:"refresh_token"`
	DevBrowser     string   `json:"dev_browser"`
	ClientUAT      int64    `json:"client_uat"`
	JWT            string   `json:"jwt"`
	Cookies        []string `json:"cookies"`
}

// serveDevSession answers POST /__dev/sessions: {"user_id", "organization"
// (ID or slug), "token_version", "expires_in_seconds" (negative for an
// expired token), "pending", "authorized_party", "claims"} creates a
// session and returns it with a token and the Set-Cookie strings a
// handshake would give.
func (i *Instance) serveDevSession(w http.ResponseWriter, r *http.Request) {
	var body struct {
		UserID           string         `json:"user_id"`
		Organization     string         `json:"organization"`
		TokenVersion     int            `json:"token_version"`
		ExpiresInSeconds int64          `json:"expires_in_seconds"`
		Pending          bool           `json:"pending"`
		AuthorizedParty  string         `json:"authorized_party"`
		Claims           map[string]any `json:"claims"`
	}
	if !readJSON(w, r, &body) {
		return
	}
	opts := []Option{WithTokenVersion(body.TokenVersion)}
	if body.Organization != "" {
		opts = append(opts, WithOrg(body.Organization))
	}
	if body.ExpiresInSeconds != 0 {
		opts = append(opts, WithLifetime(time.Duration(body.ExpiresInSeconds)*time.Second))
	}
	if body.Pending {
		opts = append(opts, WithPending())
	}
	if body.AuthorizedParty != "" {
		opts = append(opts, WithAuthorizedParty(body.AuthorizedParty))
	}
	for k, v := range body.Claims {
		opts = append(opts, WithClaim(k, v))
	}
	s, err := i.CreateSession(body.UserID, opts...)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "form_param_value_invalid", "is invalid",
			strings.TrimPrefix(err.Error(), "clerkdev: "))
		return
	}
	var cookies []string
	for _, c := range s.Cookies(false) {
		kind := dirLong
		switch {
		case c.Name == cookieSession:
			kind = dirSession
		case strings.HasPrefix(c.Name, cookieRefresh):
			kind = dirRefresh
		}
		cookies = append(cookies, directive(c.Name, c.Value, kind))
	}
	out := devSessionJSON{Object: "session", ID: s.ID, UserID: s.UserID, RefreshToken: s.RefreshToken,
		DevBrowser: s.DevBrowser, ClientUAT: s.ClientUAT, JWT: s.Token, Cookies: cookies}
	if s.OrgID != "" {
		out.OrganizationID = &s.OrgID
	}
	writeJSON(w, http.StatusOK, out)
}

// serveDevEndSession answers POST /__dev/sessions/{sid}/end.
func (i *Instance) serveDevEndSession(w http.ResponseWriter, r *http.Request) {
	sid := r.PathValue("sid")
	if err := i.EndSession(sid); err != nil {
		writeSessionError(w, errUnknownSession)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"object": "session", "id": sid, "status": "ended"})
}

// machineRequest is the body of the machine-token endpoints.
type machineRequest struct {
	Subject          string         `json:"subject"`    // api_keys
	Name             string         `json:"name"`       // api_keys
	MachineID        string         `json:"machine_id"` // m2m_tokens
	UserID           string         `json:"user_id"`    // oauth_tokens
	ClientID         string         `json:"client_id"`  // oauth_tokens
	Scopes           []string       `json:"scopes"`
	ExpiresInSeconds int64          `json:"expires_in_seconds"`
	Claims           map[string]any `json:"claims"`
	Format           string         `json:"format"` // "opaque" (default) or "jwt"
}

func (m machineRequest) options() []Option {
	var opts []Option
	if m.ExpiresInSeconds != 0 {
		opts = append(opts, WithLifetime(time.Duration(m.ExpiresInSeconds)*time.Second))
	}
	for k, v := range m.Claims {
		opts = append(opts, WithClaim(k, v))
	}
	return opts
}

// devMachineJSON is the answer of the machine-token endpoints.
type devMachineJSON struct {
	Object     string   `json:"object"`
	ID         string   `json:"id,omitempty"`
	Token      string   `json:"token"`
	Subject    string   `json:"subject"`
	Name       string   `json:"name,omitempty"`
	ClientID   string   `json:"client_id,omitempty"`
	Scopes     []string `json:"scopes"`
	Expiration *int64   `json:"expiration"`
}

func writeMachine(w http.ResponseWriter, t MachineToken, err error) {
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "form_param_value_invalid", "is invalid",
			strings.TrimPrefix(err.Error(), "clerkdev: "))
		return
	}
	out := devMachineJSON{Object: t.Kind, ID: t.ID, Token: t.Token, Subject: t.Subject, Name: t.Name,
		ClientID: t.ClientID, Scopes: t.Scopes}
	if !t.Expiration.IsZero() {
		e := t.Expiration.UnixMilli()
		out.Expiration = &e
	}
	if out.Scopes == nil {
		out.Scopes = []string{}
	}
	writeJSON(w, http.StatusOK, out)
}

// serveDevAPIKey answers POST /__dev/api_keys: {"subject", "name",
// "scopes", "expires_in_seconds", "claims"}.
func (i *Instance) serveDevAPIKey(w http.ResponseWriter, r *http.Request) {
	var m machineRequest
	if !readJSON(w, r, &m) {
		return
	}
	t, err := i.CreateAPIKey(m.Subject, m.Name, m.Scopes, m.options()...)
	writeMachine(w, t, err)
}

// serveDevM2MToken answers POST /__dev/m2m_tokens: {"machine_id", "scopes",
// "expires_in_seconds", "claims", "format": "opaque" | "jwt"}.
func (i *Instance) serveDevM2MToken(w http.ResponseWriter, r *http.Request) {
	var m machineRequest
	if !readJSON(w, r, &m) {
		return
	}
	if m.Format == "jwt" {
		tok, err := i.MintM2MJWT(m.MachineID, m.Scopes, m.options()...)
		writeMachine(w, MachineToken{Kind: KindM2MToken, Token: tok, Subject: m.MachineID, Scopes: m.Scopes}, err)
		return
	}
	t, err := i.CreateM2MToken(m.MachineID, m.Scopes, m.options()...)
	writeMachine(w, t, err)
}

// serveDevOAuthToken answers POST /__dev/oauth_tokens: {"user_id",
// "client_id", "scopes", "expires_in_seconds", "format": "opaque" | "jwt"}.
func (i *Instance) serveDevOAuthToken(w http.ResponseWriter, r *http.Request) {
	var m machineRequest
	if !readJSON(w, r, &m) {
		return
	}
	if m.Format == "jwt" {
		tok, err := i.MintOAuthJWT(m.UserID, m.ClientID, m.Scopes, m.options()...)
		writeMachine(w, MachineToken{Kind: KindOAuthToken, Token: tok, Subject: m.UserID, ClientID: m.ClientID, Scopes: m.Scopes}, err)
		return
	}
	t, err := i.CreateOAuthToken(m.UserID, m.ClientID, m.Scopes, m.options()...)
	writeMachine(w, t, err)
}

// serveDevRevoke answers POST /__dev/tokens/revoke: {"token" (secret or
// ID), "reason"}.
func (i *Instance) serveDevRevoke(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Token  string `json:"token"`
		Reason string `json:"reason"`
	}
	if !readJSON(w, r, &body) {
		return
	}
	if err := i.RevokeToken(body.Token, body.Reason); err != nil {
		writeError(w, http.StatusNotFound, "resource_not_found", "not found", "No machine token matches.")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "token", "revoked": true})
}

// serveDevExpire answers POST /__dev/tokens/expire: {"token" (secret or
// ID)}.
func (i *Instance) serveDevExpire(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Token string `json:"token"`
	}
	if !readJSON(w, r, &body) {
		return
	}
	if err := i.ExpireToken(body.Token); err != nil {
		writeError(w, http.StatusNotFound, "resource_not_found", "not found", "No machine token matches.")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "token", "expired": true})
}
