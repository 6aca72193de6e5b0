package clerkdev

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
)

// handler routes every endpoint of the instance. The route patterns (minus
// the method) are what [Instance.Requests] counts under.
func (i *Instance) handler() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, h http.HandlerFunc) {
		_, path, _ := strings.Cut(pattern, " ")
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			i.countPattern(path)
			h(w, r)
		})
	}

	// Backend API (spec §11), secret key required.
	handle("GET /v1/jwks", i.backend(i.serveJWKS))
	handle("GET /v1/clients/handshake_payload", i.backend(i.serveHandshakePayload))
	handle("POST /v1/sessions/{sid}/refresh", i.backend(i.serveRefresh))
	handle("POST /v1/sessions/{sid}/tokens", i.backend(i.serveSessionToken))
	handle("POST /v1/sessions/{sid}/tokens/{template}", i.backend(i.serveSessionToken))
	handle("GET /v1/users/{id}", i.backend(i.serveUser))
	handle("GET /v1/organizations/{id}", i.backend(i.serveOrganization))
	// Machine-token verification: no /v1 segment (spec §6.3); each endpoint
	// checks its own credentials.
	handle("POST /api_keys/verify", i.serveVerify(verifyEndpoint{kind: KindAPIKey, field: "secret", noun: "API key"}))
	handle("POST /m2m_tokens/verify", i.serveVerify(verifyEndpoint{kind: KindM2MToken, field: "token", noun: "Machine token", machines: true}))
	handle("POST /oauth_applications/access_tokens/verify", i.serveVerify(verifyEndpoint{kind: KindOAuthToken, field: "access_token", noun: "OAuth token"}))

	// Frontend API.
	handle("GET /v1/client/handshake", i.serveHandshake)
	handle("GET /.well-known/jwks.json", i.serveJWKS)

	// Pages.
	handle("GET /{$}", i.serveHome)
	handle("GET /sign-in", i.serveSignIn)
	handle("POST /sign-in", i.form(i.serveSignInPost))
	handle("GET /sign-up", i.serveSignUp)
	handle("POST /sign-up", i.form(i.serveSignUpPost))
	handle("GET /organizations", i.serveOrganizations)
	handle("POST /organizations", i.form(i.serveOrganizationsPost))
	handle("GET /sign-out", i.serveSignOut)
	handle("POST /sign-out", i.form(i.serveSignOutPost))

	// Development endpoints (tokens for curl and tests), secret key required.
	handle("POST /__dev/sessions", i.backend(i.serveDevSession))
	handle("POST /__dev/sessions/{sid}/end", i.backend(i.serveDevEndSession))
	handle("POST /__dev/api_keys", i.backend(i.serveDevAPIKey))
	handle("POST /__dev/m2m_tokens", i.backend(i.serveDevM2MToken))
	handle("POST /__dev/oauth_tokens", i.backend(i.serveDevOAuthToken))
	handle("POST /__dev/tokens/revoke", i.backend(i.serveDevRevoke))
	handle("POST /__dev/tokens/expire", i.backend(i.serveDevExpire))

	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "resource_not_found", "not found",
			"The requested resource was not found on this development instance.")
	})

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i.countPath(r.URL.Path)
		if !i.knownHost(r.Host) {
			// A page on another origin that resolves its own name to
			// 127.0.0.1 (DNS rebinding) must not read the instance.
			http.Error(w, "clerkdev: unexpected Host header", http.StatusMisdirectedRequest)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		mux.ServeHTTP(w, r)
	})
}

// knownHost reports whether host names this instance: 127.0.0.1:<port> or
// localhost:<port>.
func (i *Instance) knownHost(host string) bool {
	if host == i.host {
		return true
	}
	_, port, _ := net.SplitHostPort(i.host)
	return strings.EqualFold(host, "localhost:"+port)
}

// backend requires the secret key, as the Backend API does.
func (i *Instance) backend(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !i.authorized(r, false) {
			writeKeyInvalid(w)
			return
		}
		h(w, r)
	}
}

// authorized checks "Authorization: Bearer <secret key>" (or the machine
// secret key when machines is true) in constant time.
func (i *Instance) authorized(r *http.Request, machines bool) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return false
	}
	if subtle.ConstantTimeCompare([]byte(tok), []byte(i.sk)) == 1 {
		return true
	}
	return machines && subtle.ConstantTimeCompare([]byte(tok), []byte(i.msk)) == 1
}

// form guards the pages' form posts against cross-site requests: a browser
// always sends Origin on a POST, and it must be the instance's own.
func (i *Instance) form(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" {
			host, ok := strings.CutPrefix(origin, "http://")
			if !ok || !i.knownHost(host) {
				http.Error(w, "clerkdev: cross-origin form post refused", http.StatusForbidden)
				return
			}
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, "clerkdev: invalid form", http.StatusBadRequest)
			return
		}
		h(w, r)
	}
}

// apiError is one entry of Clerk's error JSON.
type apiError struct {
	Message     string `json:"message"`
	LongMessage string `json:"long_message"`
	Code        string `json:"code"`
}

// writeError answers with Clerk's Backend API error shape (spec §10.1):
//
//	{"errors":[{"message":...,"long_message":...,"code":...}],"clerk_trace_id":...}
func writeError(w http.ResponseWriter, status int, code, message, longMessage string) {
	writeJSON(w, status, struct {
		Errors       []apiError `json:"errors"`
		ClerkTraceID string     `json:"clerk_trace_id"`
	}{[]apiError{{Message: message, LongMessage: longMessage, Code: code}}, randomHex(16)})
}

// writeKeyInvalid is the answer to a missing or wrong secret key.
func writeKeyInvalid(w http.ResponseWriter) {
	const msg = "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct."
	writeError(w, http.StatusUnauthorized, "clerk_key_invalid", msg, msg)
}

// writeJSON writes v as JSON without HTML escaping, as Clerk's API does.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, "clerkdev: encoding the answer failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// readJSON decodes a JSON request body into v. An empty body leaves v
// unchanged. On failure it writes Clerk's error and returns false.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data")
	}
	if err == nil || errors.Is(err, io.EOF) {
		return true
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeError(w, http.StatusRequestEntityTooLarge, "request_body_too_large", "Request body too large",
			"The request body is larger than 1 MiB.")
		return false
	}
	writeError(w, http.StatusBadRequest, "malformed_request", "Malformed request",
		"The request body is not valid JSON of the expected shape.")
	return false
}
