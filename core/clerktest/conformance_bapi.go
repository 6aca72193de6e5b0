package clerktest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
)

// conformanceAPI is the Backend API of the suite's standard application:
// the three verify endpoints of opaque machine tokens (spec §6.3, §11),
// answered from the tokens the cases issue, and every other request (the
// key set) passed to the suite's [JWKSServer].
//
// Package clerkdev has a fuller fake, but it imports this package; this
// one answers as clerkdev does with its defaults: an unknown, revoked or
// other-kind token is 404 with Clerk's error JSON, a wrong secret key 401.
type conformanceAPI struct {
	sk  string
	now time.Time
	srv *httptest.Server

	mu     sync.Mutex
	tokens map[string]*opaqueToken // by secret
}

// opaqueToken is one machine token the suite issued.
type opaqueToken struct {
	tt                          clerk.TokenType
	id, subject, name, clientID string
	scopes                      []string
	claims                      map[string]any
	expiration                  time.Time // zero: never
	revoked                     bool
	// reportRevoked answers a revoked token 200 with "revoked": true, the
	// reading of Clerk's OpenAPI schema that some integrations defend
	// against, rather than 404.
	reportRevoked bool
}

// verifyPaths are the verify endpoints, without the /v1 segment (spec
// §6.3), with the body field that carries the token.
var verifyPaths = map[string]struct {
	tt    clerk.TokenType
	field string
	noun  string
}{
	"/api_keys/verify":                         {clerk.APIKey, "secret", "API key"},
	"/m2m_tokens/verify":                       {clerk.M2MToken, "token", "Machine token"},
	"/oauth_applications/access_tokens/verify": {clerk.OAuthToken, "access_token", "OAuth token"},
}

func newConformanceAPI(t *testing.T, sk string, now time.Time, keys *JWKSServer) *conformanceAPI {
	t.Helper()
	upstream, err := url.Parse(keys.URL())
	if err != nil {
		t.Fatalf("clerktest: the key server's URL: %v", err)
	}
	a := &conformanceAPI{sk: sk, now: now, tokens: map[string]*opaqueToken{}}
	proxy := httputil.NewSingleHostReverseProxy(upstream)
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep, ok := verifyPaths[r.URL.Path]
		if !ok {
			proxy.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			writeClerkError(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed",
				"Only POST is supported on this endpoint of the fake Clerk API.")
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+a.sk {
			writeClerkError(w, http.StatusUnauthorized, "clerk_key_invalid",
				"The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.",
				"The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.")
			return
		}
		var body map[string]any
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&body); err != nil {
			writeClerkError(w, http.StatusBadRequest, "malformed_request", "malformed request", "The body is not JSON.")
			return
		}
		secret, _ := body[ep.field].(string)
		out := a.answer(secret, ep.tt)
		if out == nil {
			writeClerkError(w, http.StatusNotFound, "resource_not_found", ep.noun+" not found",
				"No valid "+ep.noun+" matches the given token: it does not exist, was revoked or has expired.")
			return
		}
		b, err := marshalJSON(out)
		if err != nil {
			writeClerkError(w, http.StatusInternalServerError, "internal_clerk_error", "encoding failed", err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

// URL is the value for Options.APIURL.
func (a *conformanceAPI) URL() string { return a.srv.URL }

// answer is the verify endpoint's JSON for secret, nil for a 404.
func (a *conformanceAPI) answer(secret string, tt clerk.TokenType) map[string]any {
	a.mu.Lock()
	defer a.mu.Unlock()
	m := a.tokens[secret]
	if m == nil || m.tt != tt {
		return nil
	}
	expired := !m.expiration.IsZero() && !a.now.Before(m.expiration)
	if (m.revoked || expired) && !m.reportRevoked {
		return nil
	}
	var expiration any // null for never
	if !m.expiration.IsZero() {
		expiration = m.expiration.UnixMilli()
	}
	created := a.now.Add(-time.Hour).UnixMilli()
	out := map[string]any{
		"id": m.id, "subject": m.subject, "scopes": slices.Clone(m.scopes),
		"revoked": m.revoked, "revocation_reason": nil, "expired": expired, "expiration": expiration,
		"created_at": created, "updated_at": created,
	}
	switch tt {
	case clerk.APIKey:
		out["object"], out["type"], out["name"], out["claims"] = "api_key", "api_key", m.name, m.claims
		out["created_by"], out["description"], out["last_used_at"] = nil, nil, nil
	case clerk.M2MToken:
		out["object"], out["claims"] = "machine_to_machine_token", m.claims
	case clerk.OAuthToken:
		out["object"], out["type"], out["client_id"] = "clerk_idp_oauth_access_token", "oauth:access_token", m.clientID
	}
	return out
}

// issue records tok and returns its secret, a fresh one per call: the
// core caches verify answers per secret, so cases never share one.
func (a *conformanceAPI) issue(tok opaqueToken) string {
	prefix := map[clerk.TokenType]string{clerk.APIKey: "ak_", clerk.M2MToken: "mt_", clerk.OAuthToken: "oat_"}[tok.tt]
	tok.id = prefix + randomHex(16)
	tok.scopes = slices.Clone(tok.scopes)
	if tok.scopes == nil {
		tok.scopes = []string{}
	}
	secret := NewID(prefix) + randomAlnum(13)
	a.mu.Lock()
	a.tokens[secret] = &tok
	a.mu.Unlock()
	return secret
}

// tokenID is the ID (not the secret) of an issued token.
func (a *conformanceAPI) tokenID(secret string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if m := a.tokens[secret]; m != nil {
		return m.id
	}
	return ""
}
