package clerkdev

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/clerkguard/clerkguard/core/clerktest"
)

// serveJWKS answers GET /v1/jwks (Backend API) and GET
// /.well-known/jwks.json (Frontend API) with the instance's key set.
func (i *Instance) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(clerktest.NewJWKS(i.key).JSON())
}

// serveHandshakePayload answers GET /v1/clients/handshake_payload?nonce=...
// with the cookie directives stored under a nonce by the Frontend API
// handshake. A nonce is good once, for 60 seconds.
func (i *Instance) serveHandshakePayload(w http.ResponseWriter, r *http.Request) {
	nonce := r.URL.Query().Get("nonce")
	now := i.now()
	i.mu.Lock()
	e, ok := i.state.nonces[nonce]
	delete(i.state.nonces, nonce)
	i.mu.Unlock()
	if !ok || !now.Before(e.expires) {
		writeError(w, http.StatusNotFound, "resource_not_found", "not found",
			"No handshake payload matches the nonce: it is unknown, was already used or has expired.")
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Directives []string `json:"directives"`
	}{e.directives})
}

// serveRefresh answers POST /v1/sessions/{sid}/refresh (spec §1.9): an
// expired session token of the session, signed by the instance, and the
// session's refresh token buy a fresh session token, as Set-Cookie strings
// (format "cookie", the default) or as a token (format "token").
func (i *Instance) serveRefresh(w http.ResponseWriter, r *http.Request) {
	sid := r.PathValue("sid")
	var body struct {
		Format         string              `json:"format"`
		ExpiredToken   string              `json:"expired_token"`
		RefreshToken   string              `json:"refresh_token"`
		RequestOrigin  string              `json:"request_origin"`
		RequestHeaders map[string][]string `json:"request_headers"`
	}
	if !readJSON(w, r, &body) {
		return
	}
	if body.Format != "" && body.Format != "cookie" && body.Format != "token" {
		writeError(w, http.StatusUnprocessableEntity, "form_param_value_invalid", "is invalid",
			`format must be "cookie" or "token".`)
		return
	}
	i.mu.Lock()
	sess, ok := i.state.sessions[sid]
	var refresh string
	var ended bool
	if ok {
		refresh, ended = sess.refreshToken, sess.ended
	}
	i.mu.Unlock()
	if !ok {
		writeSessionError(w, errUnknownSession)
		return
	}
	if claimSID, err := i.verifyOwnToken(body.ExpiredToken); err != nil || claimSID != sid {
		writeError(w, http.StatusBadRequest, "expired_token_invalid", "Invalid expired token",
			"expired_token is not a session token of this session signed by this instance.")
		return
	}
	if subtle.ConstantTimeCompare([]byte(body.RefreshToken), []byte(refresh)) != 1 {
		writeError(w, http.StatusBadRequest, "refresh_token_invalid", "Invalid refresh token",
			"refresh_token does not match the session.")
		return
	}
	if ended {
		writeSessionError(w, errSessionEnded)
		return
	}
	tok, err := i.sessionTokenFor(sid, nil, 0, originOf(body.RequestOrigin))
	if err != nil {
		writeSessionError(w, err)
		return
	}
	if body.Format == "token" {
		writeJSON(w, http.StatusOK, tokenJSON{Object: "token", JWT: tok})
		return
	}
	cookies := []string{directive(cookieSession, tok, dirSession)}
	if r.URL.Query().Get("suffixed_cookies") == "true" {
		cookies = append(cookies, directive(cookieSession+"_"+i.suffix, tok, dirSession))
	}
	writeJSON(w, http.StatusOK, struct {
		Object  string   `json:"object"`
		Cookies []string `json:"cookies"`
	}{"cookies", cookies})
}

type tokenJSON struct {
	Object string `json:"object"`
	JWT    string `json:"jwt"`
}

// serveSessionToken answers POST /v1/sessions/{sid}/tokens and
// /v1/sessions/{sid}/tokens/{template} (spec §4.1) with a session token or
// a token of the named JWT template; the optional body
// {"expires_in_seconds": n} sets its lifetime.
func (i *Instance) serveSessionToken(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ExpiresInSeconds *float64 `json:"expires_in_seconds"`
	}
	if !readJSON(w, r, &body) {
		return
	}
	var lifetime time.Duration
	if body.ExpiresInSeconds != nil {
		n := *body.ExpiresInSeconds
		if n != math.Trunc(n) || n <= 0 || n > 10*365*24*3600 {
			writeError(w, http.StatusUnprocessableEntity, "form_param_value_invalid", "is invalid",
				"expires_in_seconds must be a positive whole number of seconds.")
			return
		}
		lifetime = time.Duration(n) * time.Second
	}
	var tmpl *Template
	if name := r.PathValue("template"); name != "" {
		t, ok := i.cfg.Templates[name]
		if !ok {
			writeError(w, http.StatusNotFound, "resource_not_found", "not found",
				"No JWT template exists with name: "+name)
			return
		}
		tmpl = &t
	}
	tok, err := i.sessionTokenFor(r.PathValue("sid"), tmpl, lifetime, "")
	if err != nil {
		writeSessionError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, tokenJSON{Object: "token", JWT: tok})
}

func writeSessionError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, errUnknownSession):
		writeError(w, http.StatusNotFound, "resource_not_found", "not found", "No session was found with the given ID.")
	case errors.Is(err, errSessionEnded):
		writeError(w, http.StatusUnauthorized, "signed_out", "Signed out", "You are signed out")
	default:
		writeError(w, http.StatusInternalServerError, "unexpected_error", "Unexpected error", "The instance could not mint a token.")
	}
}

// verifyOwnToken checks that tok is an RS256 JWT signed by the instance key
// (any expiry) and returns its sid claim.
func (i *Instance) verifyOwnToken(tok string) (string, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "", errors.New("not a JWT")
	}
	b64 := base64.RawURLEncoding
	var header struct {
		Alg string `json:"alg"`
		Cat string `json:"cat"`
	}
	if h, err := b64.DecodeString(parts[0]); err != nil || json.Unmarshal(h, &header) != nil {
		return "", errors.New("invalid header")
	}
	if header.Alg != "RS256" || (header.Cat != "" && header.Cat != clerktest.CategorySession) {
		return "", errors.New("not a session token of this instance")
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return "", errors.New("invalid signature encoding")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(i.key.Public(), crypto.SHA256, sum[:], sig); err != nil {
		return "", errors.New("invalid signature")
	}
	var claims struct {
		SID string `json:"sid"`
	}
	if p, err := b64.DecodeString(parts[1]); err != nil || json.Unmarshal(p, &claims) != nil {
		return "", errors.New("invalid payload")
	}
	return claims.SID, nil
}

// originOf returns the origin ("http://host:port") of an http(s) URL, or
// "" when u is not one.
func originOf(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.User != nil {
		return ""
	}
	return p.Scheme + "://" + p.Host
}

// serveUser answers GET /v1/users/{id} with a small user object.
func (i *Instance) serveUser(w http.ResponseWriter, r *http.Request) {
	i.mu.Lock()
	u, ok := i.state.users[r.PathValue("id")]
	var user User
	if ok {
		user = *u
	}
	i.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "resource_not_found", "not found", "No user was found with the given ID.")
		return
	}
	type email struct {
		Object       string `json:"object"`
		ID           string `json:"id"`
		EmailAddress string `json:"email_address"`
	}
	var emails []email
	var primary *string
	if user.Email != "" {
		id := "idn_" + strings.TrimPrefix(user.ID, "user_")
		emails = append(emails, email{Object: "email_address", ID: id, EmailAddress: user.Email})
		primary = &id
	}
	ms := i.started.UnixMilli()
	writeJSON(w, http.StatusOK, map[string]any{
		"object":                   "user",
		"id":                       user.ID,
		"first_name":               nullable(user.FirstName),
		"last_name":                nullable(user.LastName),
		"username":                 nil,
		"image_url":                "",
		"has_image":                false,
		"primary_email_address_id": primary,
		"email_addresses":          append([]email{}, emails...),
		"two_factor_enabled":       user.SecondFactor,
		"public_metadata":          map[string]any{},
		"private_metadata":         map[string]any{},
		"unsafe_metadata":          map[string]any{},
		"created_at":               ms,
		"updated_at":               ms,
	})
}

// serveOrganization answers GET /v1/organizations/{id or slug} with a small
// organization object (spec §11).
func (i *Instance) serveOrganization(w http.ResponseWriter, r *http.Request) {
	i.mu.Lock()
	o, ok := i.state.orgByRef(r.PathValue("id"))
	var org Organization
	count := 0
	if ok {
		org = *o
		for _, m := range i.state.members {
			if _, in := m[org.ID]; in {
				count++
			}
		}
	}
	i.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "resource_not_found", "not found", "No organization was found with the given ID or slug.")
		return
	}
	ms := i.started.UnixMilli()
	out := map[string]any{
		"object":                  "organization",
		"id":                      org.ID,
		"name":                    org.Name,
		"slug":                    org.Slug,
		"image_url":               "",
		"has_image":               false,
		"max_allowed_memberships": 0,
		"admin_delete_enabled":    true,
		"public_metadata":         map[string]any{},
		"private_metadata":        map[string]any{},
		"created_at":              ms,
		"updated_at":              ms,
	}
	if r.URL.Query().Get("include_members_count") == "true" {
		out["members_count"] = count
	}
	writeJSON(w, http.StatusOK, out)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
