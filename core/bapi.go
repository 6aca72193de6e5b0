package clerk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxAPIBody caps how much of a Backend API response is read.
const maxAPIBody = 1 << 20

// APIError is a failed Backend API call (Clerk's ClerkAPIResponseError).
// Status is 0 when no HTTP response was received; a 2xx Status means the
// answer could not be read (a JWKS that is not JSON).
type APIError struct {
	Status int
	Errors []APIErrorEntry
	// TraceID is the clerk_trace_id of the response (or its cf-ray header).
	TraceID string
	// RetryAfter is the Retry-After of the response, 0 when absent.
	RetryAfter time.Duration
	// Err is the transport error when there was no response.
	Err error
}

// APIErrorEntry is one entry of a Backend API error response.
type APIErrorEntry struct {
	Code        string         `json:"code"`
	Message     string         `json:"message"`
	LongMessage string         `json:"long_message"`
	Meta        map[string]any `json:"meta,omitempty"`
}

// Error summarises the failure without any credential.
func (e *APIError) Error() string {
	if e.Status == 0 {
		return "clerk: Backend API unreachable: " + errString(e.Err)
	}
	msg := fmt.Sprintf("clerk: Backend API error (status=%d", e.Status)
	if len(e.Errors) > 0 {
		msg += ", code=" + e.Errors[0].Code + "): " + e.Errors[0].Message
	} else {
		msg += ")"
	}
	if e.TraceID != "" {
		msg += " (trace " + e.TraceID + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the transport error, if any.
func (e *APIError) Unwrap() error { return e.Err }

// code is the first error code, as Clerk's SDK reads it.
func (e *APIError) code() string {
	if e.Status == 0 {
		return "unexpected_error"
	}
	if len(e.Errors) > 0 {
		return e.Errors[0].Code
	}
	return ""
}

func errString(err error) string {
	if err == nil {
		return "unknown error"
	}
	return redactURLError(err)
}

// errNoSecretKey is the error of a Backend API call on a Client built
// without a secret key (JWTKey alone): there is nothing to call it with.
var errNoSecretKey = errors.New("clerk: no SecretKey is set, so the Backend API cannot be called")

// apiRequest is one Backend API call.
type apiRequest struct {
	method string
	path   string // "/v1/..." or, for the machine verify endpoints, "/api_keys/verify"
	query  url.Values
	body   any
	key    string // bearer credential; the secret key when empty
}

// callAPI performs a Backend API call and decodes a 2xx JSON answer into out.
// Each call is bounded in time by the HTTP client's Timeout, or
// DefaultHTTPTimeout when the client has none (a caller's http.Client{} and a
// context without a deadline must not hang a request), and by ctx; bodies
// by maxAPIBody.
func (c *Client) callAPI(ctx context.Context, r apiRequest, out any) error {
	key := r.key
	if key == "" {
		key = c.opts.SecretKey
	}
	if key == "" {
		return &APIError{Status: http.StatusUnauthorized, Err: errNoSecretKey}
	}
	if c.closed.Load() {
		return &APIError{Err: errClientClosed} // no response: unavailable
	}
	timeout := DefaultHTTPTimeout
	if c.httpClient.Timeout > 0 {
		timeout = c.httpClient.Timeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	u := *c.apiURL
	u.Path = strings.TrimRight(u.Path, "/") + r.path
	u.RawPath = ""
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return &APIError{Err: err}
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return &APIError{Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Clerk-API-Version", SupportedAPIVersion)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return &APIError{Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIBody+1))
	if err != nil {
		return &APIError{Status: 0, Err: err}
	}
	if len(data) > maxAPIBody {
		return &APIError{Status: resp.StatusCode, Err: fmt.Errorf("response larger than %d bytes", maxAPIBody)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		ae := &APIError{Status: resp.StatusCode, TraceID: resp.Header.Get("Cf-Ray")}
		var payload struct {
			Errors  []APIErrorEntry `json:"errors"`
			TraceID string          `json:"clerk_trace_id"`
		}
		if json.Unmarshal(data, &payload) == nil {
			ae.Errors = payload.Errors
			if payload.TraceID != "" {
				ae.TraceID = payload.TraceID
			}
		}
		if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && ra > 0 {
			ae.RetryAfter = time.Duration(ra) * time.Second
		}
		return ae
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &APIError{Status: resp.StatusCode, Err: fmt.Errorf("invalid JSON from the Backend API: %w", err)}
	}
	return nil
}

// versionPath joins the API version and a path: "/v1/clients/...".
func (c *Client) versionPath(p ...string) string {
	return "/" + c.opts.APIVersion + "/" + strings.Join(p, "/")
}
