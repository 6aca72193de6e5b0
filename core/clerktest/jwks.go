package clerktest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// JWK is an RSA public key in the form Clerk's JWKS endpoints publish. The JSON
// field order is Clerk's.
type JWK struct {
	Use string `json:"use"`
	Kty string `json:"kty"`
	KID string `json:"kid"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// JWKS is a JSON Web Key Set: {"keys":[...]}.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// NewJWKS returns the key set that publishes keys, in order.
func NewJWKS(keys ...*Key) JWKS {
	s := JWKS{Keys: make([]JWK, 0, len(keys))}
	for _, k := range keys {
		s.Keys = append(s.Keys, k.JWK())
	}
	return s
}

// JSON returns the key set as Clerk serves it, for example
// {"keys":[{"use":"sig","kty":"RSA","kid":"ins_...","alg":"RS256","n":"...","e":"AQAB"}]}.
func (s JWKS) JSON() []byte {
	if s.Keys == nil {
		s.Keys = []JWK{}
	}
	b, err := json.Marshal(s)
	if err != nil {
		// Only strings: this cannot fail.
		panic("clerktest: encoding JWKS: " + err.Error())
	}
	return b
}

// JWKSServer is a loopback HTTP server that serves keys the way Clerk does:
//
//   - GET {URL}/v1/jwks, Clerk's Backend API endpoint, which requires the
//     header "Authorization: Bearer <secret key>" and answers a wrong key with
//     401 and Clerk's clerk_key_invalid error;
//   - GET {URL}/.well-known/jwks.json, the Frontend API endpoint, which needs
//     no authorization.
//
// Any other API version segment works too (GET {URL}/v2/jwks). Tests make it
// slow ([JWKSServer.SetDelay]), make it fail ([JWKSServer.SetFailure],
// [JWKSServer.SetHandler]) and rotate keys ([JWKSServer.SetKeys]) while
// requests are in flight; all methods are safe for concurrent use.
type JWKSServer struct {
	srv       *httptest.Server
	secretKey string
	done      chan struct{} // closed by Close: ends delays early
	closeOnce sync.Once

	requests         atomic.Int64
	frontendRequests atomic.Int64

	mu         sync.Mutex
	body       []byte // the JWKS document
	failStatus int    // 0: no failure
	failBody   string
	delay      time.Duration
	handler    http.Handler
	lastHeader http.Header
}

// NewJWKSServer starts a [JWKSServer] that publishes keys and accepts the
// secret key secretKey (an empty secretKey accepts any Authorization, or
// none). It is closed by t.Cleanup; with a nil t the caller must call
// [JWKSServer.Close].
//
// Point a client at it with Options.APIURL = srv.URL() and
// Options.SecretKey = secretKey.
func NewJWKSServer(t testing.TB, secretKey string, keys ...*Key) *JWKSServer {
	s := &JWKSServer{
		secretKey: secretKey,
		done:      make(chan struct{}),
		body:      NewJWKS(keys...).JSON(),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{version}/jwks", s.serveBackend)
	mux.HandleFunc("GET /.well-known/jwks.json", s.serveFrontend)
	methodNotAllowed := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Allow", "GET, HEAD")
		writeClerkError(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed",
			"Only GET is supported on this endpoint of the fake Clerk API.")
	}
	mux.HandleFunc("/{version}/jwks", methodNotAllowed)
	mux.HandleFunc("/.well-known/jwks.json", methodNotAllowed)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeClerkError(w, http.StatusNotFound, "resource_not_found", "not found",
			"The requested resource "+r.URL.Path+" was not found on this fake Clerk API.")
	})
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, mux)
	}))
	if t != nil {
		t.Cleanup(s.Close)
	}
	return s
}

// URL returns the server's base URL ("http://127.0.0.1:<port>"), the value
// for Options.APIURL.
func (s *JWKSServer) URL() string { return s.srv.URL }

// FrontendJWKSURL returns the URL of the unauthenticated Frontend API key
// set, {URL}/.well-known/jwks.json.
func (s *JWKSServer) FrontendJWKSURL() string { return s.srv.URL + "/.well-known/jwks.json" }

// Client returns an *http.Client that reaches the server, with no timeout.
func (s *JWKSServer) Client() *http.Client { return s.srv.Client() }

// Requests returns the number of requests received for the Backend API
// endpoint {URL}/<version>/jwks, whatever their outcome (unauthorized,
// failed, delayed or handled by a custom handler).
func (s *JWKSServer) Requests() int { return int(s.requests.Load()) }

// FrontendRequests returns the number of requests received for
// {URL}/.well-known/jwks.json, whatever their outcome.
func (s *JWKSServer) FrontendRequests() int { return int(s.frontendRequests.Load()) }

// LastHeader returns a copy of the headers of the most recent request for
// either key set, or nil before the first one: tests check what a client
// sends (Authorization, Clerk-API-Version, User-Agent).
func (s *JWKSServer) LastHeader() http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastHeader.Clone()
}

// SetKeys replaces the published keys (a key rotation). With no keys the
// server publishes {"keys":[]}.
func (s *JWKSServer) SetKeys(keys ...*Key) {
	body := NewJWKS(keys...).JSON()
	s.mu.Lock()
	s.body = body
	s.mu.Unlock()
}

// SetFailure makes both key-set endpoints answer status with body (sent as
// application/json) until [JWKSServer.ClearFailure]. For Clerk's error
// shape, see [ClerkErrorJSON].
func (s *JWKSServer) SetFailure(status int, body string) {
	s.mu.Lock()
	s.failStatus, s.failBody = status, body
	s.mu.Unlock()
}

// ClearFailure undoes [JWKSServer.SetFailure].
func (s *JWKSServer) ClearFailure() { s.SetFailure(0, "") }

// SetDelay makes every request wait d before it is answered. A request
// whose context ends first (the client gave up) gets no answer; Close ends
// the wait at once.
func (s *JWKSServer) SetDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// SetHandler routes every request to h (after the delay and the request
// counts), for faults the other setters do not cover: a huge body, invalid
// JSON, a dropped connection. SetHandler(nil) restores the normal behaviour.
func (s *JWKSServer) SetHandler(h http.Handler) {
	s.mu.Lock()
	s.handler = h
	s.mu.Unlock()
}

// Close shuts the server down, ending pending delays. It is safe to call
// more than once.
func (s *JWKSServer) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.srv.Close()
	})
}

func (s *JWKSServer) serve(w http.ResponseWriter, r *http.Request, mux http.Handler) {
	switch {
	case r.URL.Path == "/.well-known/jwks.json":
		s.frontendRequests.Add(1)
	case isBackendJWKSPath(r.URL.Path):
		s.requests.Add(1)
	}
	s.mu.Lock()
	s.lastHeader = r.Header.Clone()
	delay, handler := s.delay, s.handler
	failStatus, failBody := s.failStatus, s.failBody
	s.mu.Unlock()

	if delay > 0 {
		timer := time.NewTimer(delay)
		select {
		case <-timer.C:
		case <-r.Context().Done():
			timer.Stop()
			return
		case <-s.done:
			timer.Stop()
			return
		}
	}
	if handler != nil {
		handler.ServeHTTP(w, r)
		return
	}
	if failStatus != 0 && (r.URL.Path == "/.well-known/jwks.json" || isBackendJWKSPath(r.URL.Path)) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(failStatus)
		_, _ = w.Write([]byte(failBody))
		return
	}
	mux.ServeHTTP(w, r)
}

// isBackendJWKSPath matches /<version>/jwks.
func isBackendJWKSPath(p string) bool {
	rest, ok := strings.CutPrefix(p, "/")
	if !ok {
		return false
	}
	version, tail, ok := strings.Cut(rest, "/")
	return ok && version != "" && tail == "jwks"
}

func (s *JWKSServer) serveBackend(w http.ResponseWriter, r *http.Request) {
	if s.secretKey != "" && r.Header.Get("Authorization") != "Bearer "+s.secretKey {
		writeClerkError(w, http.StatusUnauthorized, "clerk_key_invalid",
			"The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.",
			"The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.")
		return
	}
	s.writeKeys(w)
}

func (s *JWKSServer) serveFrontend(w http.ResponseWriter, _ *http.Request) { s.writeKeys(w) }

func (s *JWKSServer) writeKeys(w http.ResponseWriter) {
	s.mu.Lock()
	body := s.body
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// ClerkErrorJSON returns an error body in the shape of Clerk's Backend API:
//
//	{"errors":[{"message":...,"long_message":...,"code":...}],"clerk_trace_id":...}
//
// with a random trace ID. Use it with [JWKSServer.SetFailure], for example
// SetFailure(401, ClerkErrorJSON("clerk_key_invalid", "...", "...")).
func ClerkErrorJSON(code, message, longMessage string) string {
	type apiError struct {
		Message     string `json:"message"`
		LongMessage string `json:"long_message"`
		Code        string `json:"code"`
	}
	b, err := marshalJSON(struct {
		Errors       []apiError `json:"errors"`
		ClerkTraceID string     `json:"clerk_trace_id"`
	}{
		Errors:       []apiError{{Message: message, LongMessage: longMessage, Code: code}},
		ClerkTraceID: randomHex(16),
	})
	if err != nil {
		panic("clerktest: encoding error: " + err.Error()) // only strings
	}
	return string(b)
}

func writeClerkError(w http.ResponseWriter, status int, code, message, longMessage string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(ClerkErrorJSON(code, message, longMessage)))
}
