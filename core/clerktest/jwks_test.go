package clerktest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// get fetches path from srv with the given bearer token ("" for none).
func get(t *testing.T, srv *JWKSServer, path, bearer string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

func TestJWKSServerServesKeysWithTheSecretKey(t *testing.T) {
	t.Parallel()
	k1, k2 := sharedKey(), sharedOtherKey()
	sk := SecretKey()
	srv := NewJWKSServer(t, sk, k1, k2)
	status, body, h := get(t, srv, "/v1/jwks", sk)
	if status != 200 || h.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, content type %q", status, h.Get("Content-Type"))
	}
	if want := string(NewJWKS(k1, k2).JSON()); body != want {
		t.Errorf("body %s\nwant %s", body, want)
	}
	if !strings.HasPrefix(body, `{"keys":[{"use":"sig","kty":"RSA","kid":"`+k1.KID()+`","alg":"RS256","n":"`) {
		t.Errorf("body is not in Clerk's shape: %s", body)
	}
	if srv.Requests() != 1 || srv.FrontendRequests() != 0 {
		t.Errorf("Requests %d, FrontendRequests %d", srv.Requests(), srv.FrontendRequests())
	}
	// Any API version segment.
	if status, body2, _ := get(t, srv, "/v2/jwks", sk); status != 200 || body2 != body {
		t.Errorf("/v2/jwks: %d %s", status, body2)
	}
}

func TestJWKSServerRejectsAWrongSecretKey(t *testing.T) {
	t.Parallel()
	sk := SecretKey()
	srv := NewJWKSServer(t, sk, sharedKey())
	for _, bearer := range []string{SecretKey(), "", sk + "x", strings.ToUpper(sk)} {
		status, body, h := get(t, srv, "/v1/jwks", bearer)
		if status != http.StatusUnauthorized || h.Get("Content-Type") != "application/json" {
			t.Errorf("bearer %q: status %d, content type %q", bearer, status, h.Get("Content-Type"))
		}
		var e struct {
			Errors []struct {
				Message     string `json:"message"`
				LongMessage string `json:"long_message"`
				Code        string `json:"code"`
			} `json:"errors"`
			ClerkTraceID string `json:"clerk_trace_id"`
		}
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Fatalf("body %q: %v", body, err)
		}
		if len(e.Errors) != 1 || e.Errors[0].Code != "clerk_key_invalid" || e.Errors[0].Message == "" || e.Errors[0].LongMessage == "" || e.ClerkTraceID == "" {
			t.Errorf("error body %s", body)
		}
	}
	if srv.Requests() != 4 {
		t.Errorf("Requests() = %d, want 4 (rejected requests count)", srv.Requests())
	}
}

func TestJWKSServerWithoutSecretKeyAcceptsAnyone(t *testing.T) {
	t.Parallel()
	srv := NewJWKSServer(t, "", sharedKey())
	if status, _, _ := get(t, srv, "/v1/jwks", ""); status != 200 {
		t.Errorf("status %d", status)
	}
}

func TestJWKSServerFrontendEndpointNeedsNoAuthorization(t *testing.T) {
	t.Parallel()
	srv := NewJWKSServer(t, SecretKey(), sharedKey())
	status, body, _ := get(t, srv, "/.well-known/jwks.json", "")
	if status != 200 || body != string(NewJWKS(sharedKey()).JSON()) {
		t.Errorf("status %d body %s", status, body)
	}
	if srv.FrontendJWKSURL() != srv.URL()+"/.well-known/jwks.json" {
		t.Errorf("FrontendJWKSURL = %q", srv.FrontendJWKSURL())
	}
	if srv.FrontendRequests() != 1 || srv.Requests() != 0 {
		t.Errorf("FrontendRequests %d, Requests %d", srv.FrontendRequests(), srv.Requests())
	}
}

func TestJWKSServerUnknownPathAndMethod(t *testing.T) {
	t.Parallel()
	sk := SecretKey()
	srv := NewJWKSServer(t, sk)
	if status, body, _ := get(t, srv, "/v1/users", sk); status != 404 || !strings.Contains(body, "resource_not_found") {
		t.Errorf("unknown path: %d %s", status, body)
	}
	resp, err := srv.Client().Post(srv.URL()+"/v1/jwks", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", resp.StatusCode)
	}
	if srv.Requests() != 1 {
		t.Errorf("Requests() = %d, want 1 (the POST reached the endpoint)", srv.Requests())
	}
}

func TestJWKSServerRotationAndEmptySet(t *testing.T) {
	t.Parallel()
	sk := SecretKey()
	srv := NewJWKSServer(t, sk, sharedKey())
	srv.SetKeys(sharedOtherKey())
	if _, body, _ := get(t, srv, "/v1/jwks", sk); body != string(NewJWKS(sharedOtherKey()).JSON()) {
		t.Errorf("after SetKeys: %s", body)
	}
	srv.SetKeys()
	if _, body, _ := get(t, srv, "/v1/jwks", sk); body != `{"keys":[]}` {
		t.Errorf("no keys: %s", body)
	}
	if empty := NewJWKSServer(t, sk); empty != nil {
		if _, body, _ := get(t, empty, "/v1/jwks", sk); body != `{"keys":[]}` {
			t.Errorf("server without keys: %s", body)
		}
	}
}

func TestJWKSServerFailure(t *testing.T) {
	t.Parallel()
	sk := SecretKey()
	srv := NewJWKSServer(t, sk, sharedKey())
	fail := ClerkErrorJSON("internal_clerk_error", "Oops", "Something went wrong")
	srv.SetFailure(http.StatusBadGateway, fail)
	for _, path := range []string{"/v1/jwks", "/.well-known/jwks.json"} {
		if status, body, _ := get(t, srv, path, sk); status != 502 || body != fail {
			t.Errorf("%s during failure: %d %s", path, status, body)
		}
	}
	if status, _, _ := get(t, srv, "/v1/other", sk); status != 404 {
		t.Errorf("failure applied to another path: %d", status)
	}
	srv.ClearFailure()
	if status, _, _ := get(t, srv, "/v1/jwks", sk); status != 200 {
		t.Errorf("after ClearFailure: %d", status)
	}
}

func TestJWKSServerCustomHandler(t *testing.T) {
	t.Parallel()
	sk := SecretKey()
	srv := NewJWKSServer(t, sk, sharedKey())
	srv.SetHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"keys":`)
	}))
	if status, body, _ := get(t, srv, "/v1/jwks", ""); status != 200 || body != `{"keys":` {
		t.Errorf("custom handler: %d %s", status, body)
	}
	srv.SetHandler(nil)
	if status, _, _ := get(t, srv, "/v1/jwks", ""); status != 401 {
		t.Errorf("after SetHandler(nil): %d", status)
	}
	if srv.Requests() != 2 {
		t.Errorf("Requests() = %d, want 2", srv.Requests())
	}
}

func TestJWKSServerLastHeader(t *testing.T) {
	t.Parallel()
	sk := SecretKey()
	srv := NewJWKSServer(t, sk, sharedKey())
	if srv.LastHeader() != nil {
		t.Error("LastHeader before any request is not nil")
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/v1/jwks", nil)
	req.Header.Set("Authorization", "Bearer "+sk)
	req.Header.Set("Clerk-API-Version", "2026-05-12")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h := srv.LastHeader()
	if h.Get("Clerk-API-Version") != "2026-05-12" || h.Get("Authorization") != "Bearer "+sk {
		t.Errorf("LastHeader = %v", h)
	}
	h.Set("Clerk-API-Version", "changed")
	if srv.LastHeader().Get("Clerk-API-Version") != "2026-05-12" {
		t.Error("LastHeader returned the server's own map")
	}
}

func TestJWKSServerDelayRespectsCancellation(t *testing.T) {
	t.Parallel()
	sk := SecretKey()
	srv := NewJWKSServer(t, sk, sharedKey())
	srv.SetDelay(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL()+"/v1/jwks", nil)
	start := time.Now()
	resp, err := srv.Client().Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("delayed request answered: %d", resp.StatusCode)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want the deadline", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("cancellation took %v", d)
	}
	srv.SetDelay(0)
	if status, _, _ := get(t, srv, "/v1/jwks", sk); status != 200 {
		t.Errorf("after SetDelay(0): %d", status)
	}
}

func TestJWKSServerDelaySlowsAnswers(t *testing.T) {
	t.Parallel()
	sk := SecretKey()
	srv := NewJWKSServer(t, sk, sharedKey())
	srv.SetDelay(30 * time.Millisecond)
	start := time.Now()
	if status, _, _ := get(t, srv, "/v1/jwks", sk); status != 200 {
		t.Errorf("status %d", status)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("answered after %v, before the delay", d)
	}
}

func TestJWKSServerCloseEndsDelays(t *testing.T) {
	t.Parallel()
	srv := NewJWKSServer(nil, "", sharedKey())
	srv.SetDelay(time.Hour)
	errc := make(chan error, 1)
	go func() {
		resp, err := srv.Client().Get(srv.URL() + "/v1/jwks")
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	for srv.Requests() == 0 {
		time.Sleep(time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close blocked on a delayed request")
	}
	<-errc
	srv.Close() // idempotent
}

func TestJWKSServerClosedByCleanup(t *testing.T) {
	t.Parallel()
	var srv *JWKSServer
	t.Run("owner", func(t *testing.T) { srv = NewJWKSServer(t, "", sharedKey()) })
	resp, err := http.Get(srv.URL() + "/v1/jwks")
	if err == nil {
		resp.Body.Close()
		t.Error("server still answers after its test ended")
	}
}

// TestJWKSServerConcurrent hammers the server from 1,000 goroutines while
// keys rotate and failures come and go; run it with -race.
func TestJWKSServerConcurrent(t *testing.T) {
	t.Parallel()
	sk := SecretKey()
	k1, k2 := sharedKey(), sharedOtherKey()
	srv := NewJWKSServer(t, sk, k1)
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 32, MaxIdleConnsPerHost: 32}}
	defer client.CloseIdleConnections()
	valid := map[string]bool{
		string(NewJWKS(k1).JSON()):     true,
		string(NewJWKS(k2).JSON()):     true,
		string(NewJWKS(k1, k2).JSON()): true,
	}
	const n = 1000
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			switch i % 100 {
			case 10:
				srv.SetKeys(k2)
			case 20:
				srv.SetKeys(k1, k2)
			case 30:
				srv.SetFailure(503, `{}`)
			case 40:
				srv.ClearFailure()
			case 50:
				_ = srv.LastHeader()
			}
			req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/v1/jwks", nil)
			req.Header.Set("Authorization", "Bearer "+sk)
			resp, err := client.Do(req)
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			switch {
			case err != nil:
				errs <- err
			case resp.StatusCode == 503 && string(b) == `{}`:
			case resp.StatusCode == 200 && valid[string(b)]:
			default:
				errs <- errors.New("unexpected answer " + resp.Status + " " + string(b))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if srv.Requests() != n {
		t.Errorf("Requests() = %d, want %d", srv.Requests(), n)
	}
}
