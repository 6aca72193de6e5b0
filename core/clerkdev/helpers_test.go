package clerkdev

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clerkguard/clerkguard/core/clerktest"
)

// Generating RSA keys is slow: the tests share one.
var sharedKey = sync.OnceValue(clerktest.MustNewKey)

// newInstance starts an instance with the shared key.
func newInstance(t *testing.T, cfg Config) *Instance {
	t.Helper()
	if cfg.Key == nil {
		cfg.Key = sharedKey()
	}
	return NewTestInstance(t, cfg)
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so that tests see every hop.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{
		Jar:           jar,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// call sends a request to the instance and returns the response and its
// body. A non-empty key is sent as a bearer token; a non-nil body as JSON
// (a string is sent verbatim).
func call(t *testing.T, c *http.Client, method, url, key string, body any) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Clerk-API-Version", "2026-05-12")
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

// decodeJSON decodes data into a map, failing the test if it is not JSON.
func decodeJSON(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, data)
	}
	return m
}

// wantClerkError checks a Clerk error answer: status, JSON shape and code.
func wantClerkError(t *testing.T, resp *http.Response, data []byte, status int, code string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, data)
	}
	var e struct {
		Errors []struct {
			Message     *string `json:"message"`
			LongMessage *string `json:"long_message"`
			Code        string  `json:"code"`
		} `json:"errors"`
		TraceID string `json:"clerk_trace_id"`
	}
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatalf("error body is not JSON: %s", data)
	}
	if len(e.Errors) != 1 || e.Errors[0].Message == nil || e.Errors[0].LongMessage == nil || e.TraceID == "" {
		t.Fatalf("error body is not Clerk's shape: %s", data)
	}
	if e.Errors[0].Code != code {
		t.Fatalf("error code %q, want %q: %s", e.Errors[0].Code, code, data)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
}

// verifyJWT checks an RS256 signature with pub and returns the decoded
// header and claims.
func verifyJWT(t *testing.T, pub *rsa.PublicKey, tok string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", tok)
	}
	b64 := base64.RawURLEncoding
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		raw, err := b64.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(dst); err != nil {
			t.Fatal(err)
		}
	}
	return header, claims
}

// num returns a JSON number claim as int64.
func num(t *testing.T, v any) int64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v (%T) is not a number", v, v)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// cookieDirective is a parsed Set-Cookie directive.
type cookieDirective struct {
	name, value, attrs string
}

// parseDirectives splits Set-Cookie strings into name, value and the
// attribute text, keyed by name.
func parseDirectives(t *testing.T, dirs []string) map[string]cookieDirective {
	t.Helper()
	out := map[string]cookieDirective{}
	for _, d := range dirs {
		pair, attrs, _ := strings.Cut(d, "; ")
		name, value, ok := strings.Cut(pair, "=")
		if !ok {
			t.Fatalf("directive without '=': %q", d)
		}
		if _, dup := out[name]; dup {
			t.Fatalf("cookie %s set twice in %q", name, dirs)
		}
		out[name] = cookieDirective{name, value, attrs}
	}
	return out
}

// handshakePayload exchanges a nonce for its directives.
func handshakePayload(t *testing.T, inst *Instance, nonce string) []string {
	t.Helper()
	resp, data := call(t, nil, "GET", inst.URL()+"/v1/clients/handshake_payload?nonce="+nonce, inst.SecretKey(), nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("handshake_payload: %d %s", resp.StatusCode, data)
	}
	var p struct {
		Directives []string `json:"directives"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	return p.Directives
}
