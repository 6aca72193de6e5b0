package clerk

import (
	"net/http"
	"net/url"
	"strings"
)

// Request is the read-only view of an incoming HTTP request that the core
// needs. Adapters implement it over their framework's request;
// [NewRequest] implements it over *http.Request.
//
// Implementations must return values that stay valid after the framework has
// recycled its request (Fiber copies what it hands out).
type Request interface {
	// Method is the HTTP method, for example "GET".
	Method() string
	// URL is the request URL. Its Path, RawPath (see [url.URL.EscapedPath])
	// and RawQuery hold what the client sent; Scheme and Host are filled when
	// known (the core derives Clerk's URL from headers).
	URL() *url.URL
	// Header returns the first value of the named header, or "" (names are
	// case-insensitive); for "Cookie", every line joined with "; ".
	Header(name string) string
	// Headers returns every header. It is called rarely (session refresh
	// forwards them to the Backend API); implementations may build it lazily.
	Headers() http.Header
}

// NewRequest returns the [Request] view of r.
func NewRequest(r *http.Request) Request { return httpRequest{r} }

type httpRequest struct{ r *http.Request }

// NewDecodedPathRequest is [NewRequest] for routers that route on the
// decoded path (r.URL.Path) and ignore its escaped form, as Gin does by
// default (Engine.UseRawPath false). Route matchers, organization sync and
// redirect URLs then read the path the router routes on: "/api%2Fadmin" is
// "/api/admin" for both, so an encoded slash cannot take a request to a
// route whose matcher did not see it.
func NewDecodedPathRequest(r *http.Request) Request { return decodedPathRequest{r} }

// decodedPathRequest is httpRequest with the URL's RawPath dropped.
type decodedPathRequest struct{ r *http.Request }

func (d decodedPathRequest) Method() string            { return d.r.Method }
func (d decodedPathRequest) Header(name string) string { return httpRequest(d).Header(name) }
func (d decodedPathRequest) Headers() http.Header      { return d.r.Header }

func (d decodedPathRequest) URL() *url.URL {
	u := *httpRequest(d).URL()
	u.RawPath = ""
	return &u
}

func (d decodedPathRequest) copyURL(dst *url.URL) {
	httpRequest(d).copyURL(dst)
	dst.RawPath = ""
}

func (h httpRequest) Method() string { return h.r.Method }
func (h httpRequest) Header(name string) string {
	// The core asks with canonical names ("X-Forwarded-Host"), and net/http
	// stores canonical keys: index the map directly and canonicalize (what
	// Header.Get does every time, allocating for a name that is not
	// canonical) only when needed. The answer is Header.Get's.
	if !isCanonicalHeaderKey(name) {
		return h.r.Header.Get(name)
	}
	if v := h.r.Header[name]; len(v) > 0 {
		if len(v) > 1 && name == "Cookie" {
			// Several Cookie lines are one list (RFC 6265 §5.4; Node joins
			// them, so Clerk's SDK sees every cookie).
			return strings.Join(v, "; ")
		}
		return v[0]
	}
	return ""
}

// isCanonicalHeaderKey reports whether name is already in the form
// textproto.CanonicalMIMEHeaderKey gives: an upper-case letter at the start
// and after each hyphen, lower case elsewhere.
func isCanonicalHeaderKey(name string) bool {
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case upper && 'a' <= c && c <= 'z', !upper && 'A' <= c && c <= 'Z':
			return false
		case c == ' ' || c >= 0x80:
			return false // not a valid token: let Header.Get decide
		}
		upper = c == '-'
	}
	return true
}
func (h httpRequest) Headers() http.Header { return h.r.Header }

func (h httpRequest) copyURL(dst *url.URL) {
	*dst = *h.r.URL
	if dst.Host == "" {
		dst.Host = h.r.Host
	}
	if dst.Scheme == "" {
		dst.Scheme = "http"
		if h.r.TLS != nil {
			dst.Scheme = "https"
		}
	}
}

func (h httpRequest) URL() *url.URL {
	u := h.r.URL
	if u.Host != "" && u.Scheme != "" {
		return u
	}
	// Server requests carry only the path; fill scheme and host the way the
	// client reached us.
	c := *u
	if c.Host == "" {
		c.Host = h.r.Host
	}
	if c.Scheme == "" {
		c.Scheme = "http"
		if h.r.TLS != nil {
			c.Scheme = "https"
		}
	}
	return &c
}
