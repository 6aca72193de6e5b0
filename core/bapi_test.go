package clerk

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Tests of the Backend API client (issue 4: base URL, API version header,
// User-Agent, typed errors with trace id and Retry-After, bounded bodies,
// timeouts).

func bapiClient(t *testing.T, h http.HandlerFunc, mod func(*Options)) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	o := Options{SecretKey: "sk_test_secret", APIURL: srv.URL + "/base/", HTTPClient: srv.Client()}
	if mod != nil {
		mod(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCallAPIRequest(t *testing.T) {
	t.Parallel()
	var got *http.Request
	var body string
	c := bapiClient(t, func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}, func(o *Options) { o.APIVersion = "v9" })
	var out struct{ OK bool }
	err := c.callAPI(context.Background(), apiRequest{method: "POST", path: c.versionPath("sessions", "sess_1", "refresh"),
		query: map[string][]string{"a": {"b c"}}, body: map[string]string{"k": "v"}}, &out)
	if err != nil || !out.OK {
		t.Fatalf("callAPI: %v, %+v", err, out)
	}
	if got.URL.Path != "/base/v9/sessions/sess_1/refresh" || got.URL.RawQuery != "a=b+c" {
		t.Errorf("URL %s?%s", got.URL.Path, got.URL.RawQuery)
	}
	for k, v := range map[string]string{
		"Authorization": "Bearer sk_test_secret", "Clerk-Api-Version": SupportedAPIVersion,
		"Content-Type": "application/json", "User-Agent": "clerkguard/" + Version,
	} {
		if got.Header.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, got.Header.Get(k), v)
		}
	}
	if body != `{"k":"v"}` {
		t.Errorf("body %q", body)
	}
	// A machine credential replaces the secret key when given.
	_ = c.callAPI(context.Background(), apiRequest{method: "POST", path: "/m2m_tokens/verify", key: "ak_machine"}, nil)
	if got.Header.Get("Authorization") != "Bearer ak_machine" || got.URL.Path != "/base/m2m_tokens/verify" {
		t.Errorf("machine call: %s %s", got.Header.Get("Authorization"), got.URL.Path)
	}
}

func TestCallAPIErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		h     http.HandlerFunc
		check func(*testing.T, *APIError)
	}{
		{"Clerk's error shape: status, errors, trace id, Retry-After", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "7")
			w.Header().Set("Cf-Ray", "ray_ignored")
			w.WriteHeader(429)
			_, _ = io.WriteString(w, `{"errors":[{"code":"too_many_requests","message":"slow down","long_message":"Too many","meta":{"x":1}}],"clerk_trace_id":"trace_9"}`)
		}, func(t *testing.T, e *APIError) {
			if e.Status != 429 || e.TraceID != "trace_9" || e.RetryAfter != 7*time.Second || len(e.Errors) != 1 ||
				e.Errors[0].Code != "too_many_requests" || e.Errors[0].LongMessage != "Too many" || e.code() != "too_many_requests" {
				t.Errorf("%+v", e)
			}
			if !strings.Contains(e.Error(), "status=429") || !strings.Contains(e.Error(), "trace_9") {
				t.Errorf("Error() = %q", e.Error())
			}
		}},
		{"the cf-ray header is the trace id when the body has none", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cf-Ray", "ray_1")
			w.WriteHeader(500)
			_, _ = io.WriteString(w, "oops")
		}, func(t *testing.T, e *APIError) {
			if e.Status != 500 || e.TraceID != "ray_1" || len(e.Errors) != 0 || e.code() != "" {
				t.Errorf("%+v", e)
			}
		}},
		{"a body over 1 MiB is not read", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"directives":["`+strings.Repeat("x", maxAPIBody)+`"]}`)
		}, func(t *testing.T, e *APIError) {
			if e.Err == nil || !strings.Contains(e.Error(), "larger than") && !strings.Contains(e.Err.Error(), "larger than") {
				t.Errorf("%+v", e)
			}
		}},
		{"invalid JSON in a 2xx answer", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "{")
		}, func(t *testing.T, e *APIError) {
			if e.Status != 200 || e.Err == nil {
				t.Errorf("%+v", e)
			}
		}},
		{"no answer: status 0, code unexpected_error", func(w http.ResponseWriter, r *http.Request) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}, func(t *testing.T, e *APIError) {
			if e.Status != 0 || e.Err == nil || e.code() != "unexpected_error" || !strings.Contains(e.Error(), "unreachable") {
				t.Errorf("%+v", e)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := bapiClient(t, tc.h, nil)
			var out map[string]any
			err := c.callAPI(context.Background(), apiRequest{method: "GET", path: "/v1/x"}, &out)
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v (%T), want *APIError", err, err)
			}
			tc.check(t, ae)
			if strings.Contains(err.Error(), "sk_test_secret") {
				t.Errorf("the error shows the secret key: %v", err)
			}
		})
	}
}

func TestCallAPITimeout(t *testing.T) {
	t.Parallel()
	block := make(chan struct{})
	c := bapiClient(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}, nil)
	defer close(block)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.callAPI(ctx, apiRequest{method: "GET", path: "/v1/x"}, nil)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 0 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Error("the call outlived its context")
	}
}
