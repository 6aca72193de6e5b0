package clerk

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// MalformedURLError reports a request path whose percent-encoding is invalid
// (for example "/api/%zz" or an encoded byte sequence that is not UTF-8).
// Route matching cannot decide anything about such a path, so, as in Clerk's
// SDK, the request should be answered with 400 Bad Request; the adapters do
// that. See [NormalizePath].
type MalformedURLError struct {
	// Path is the path as received, still encoded.
	Path string
}

// Error returns Clerk's message: "Malformed encoding in URL path: <path>".
func (e *MalformedURLError) Error() string {
	return "Malformed encoding in URL path: " + e.Path
}

// StatusCode returns 400 (http.StatusBadRequest), the status Clerk answers a
// malformed path with.
func (e *MalformedURLError) StatusCode() int { return 400 }

// NormalizePath normalises a raw (still percent-encoded) URL path the way
// Clerk does before route matching:
//
//  1. Percent-decoding exactly once, as JavaScript's decodeURI: every %XX
//     sequence is decoded, except those that decode to one of the reserved
//     characters ; / ? : @ & = + $ , # which stay encoded verbatim (so
//     "%2F" is not a path separator and "%2561" stays "%61"). Encoded
//     multi-byte sequences must be valid UTF-8.
//  2. Every run of two or more "/" is collapsed to one.
//
// Dot segments ("..") are not resolved and nothing is decoded twice. An
// invalid encoding returns a *[MalformedURLError] (answer 400). A path that
// contains neither "%" nor "//" is returned as is, without allocating.
//
//	NormalizePath("/api/%61dmin//users") // "/api/admin/users", nil
//	NormalizePath("/api%2Fadmin")        // "/api%2Fadmin", nil
//	NormalizePath("/api/%zz")            // "", *MalformedURLError
func NormalizePath(rawPath string) (string, error) {
	hasPct := strings.IndexByte(rawPath, '%') >= 0
	if !hasPct && !strings.Contains(rawPath, "//") {
		return rawPath, nil
	}
	p := rawPath
	if hasPct {
		var ok bool
		if p, ok = decodeURI(rawPath); !ok {
			return "", &MalformedURLError{Path: rawPath}
		}
	}
	return collapseSlashes(p), nil
}

// decodeURIReserved is decodeURI's reserved set: these characters stay
// percent-encoded.
const decodeURIReserved = ";/?:@&=+$,#"

// decodeURI is ECMA-262 decodeURI over a UTF-8 string; ok is false where
// JavaScript throws URIError.
func decodeURI(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '%' {
			b.WriteByte(c)
			i++
			continue
		}
		v, ok := pctByte(s, i)
		if !ok {
			return "", false
		}
		if v < 0x80 {
			if strings.IndexByte(decodeURIReserved, v) >= 0 {
				b.WriteString(s[i : i+3])
			} else {
				b.WriteByte(v)
			}
			i += 3
			continue
		}
		// A multi-byte sequence: the leading byte gives its length, every
		// byte must be encoded, and together they must be valid UTF-8
		// (no overlong forms, no surrogates, nothing above U+10FFFF).
		var n int
		switch {
		case v&0xE0 == 0xC0:
			n = 2
		case v&0xF0 == 0xE0:
			n = 3
		case v&0xF8 == 0xF0:
			n = 4
		default:
			return "", false
		}
		var buf [4]byte
		buf[0] = v
		for k := 1; k < n; k++ {
			j := i + 3*k
			if j >= len(s) || s[j] != '%' {
				return "", false
			}
			cb, ok := pctByte(s, j)
			if !ok || cb&0xC0 != 0x80 {
				return "", false
			}
			buf[k] = cb
		}
		if !utf8.Valid(buf[:n]) {
			return "", false
		}
		b.Write(buf[:n])
		i += 3 * n
	}
	return b.String(), true
}

// pctByte decodes the "%XX" at s[i:].
func pctByte(s string, i int) (byte, bool) {
	if i+2 >= len(s) {
		return 0, false
	}
	h, ok1 := unhex(s[i+1])
	l, ok2 := unhex(s[i+2])
	return h<<4 | l, ok1 && ok2
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// collapseSlashes replaces every run of "/" by a single "/"; p itself when
// there is none.
func collapseSlashes(p string) string {
	i := strings.Index(p, "//")
	if i < 0 {
		return p
	}
	var b strings.Builder
	b.Grow(len(p))
	b.WriteString(p[:i+1])
	prevSlash := true
	for j := i + 1; j < len(p); j++ {
		c := p[j]
		if c == '/' && prevSlash {
			continue
		}
		prevSlash = c == '/'
		b.WriteByte(c)
	}
	return b.String()
}

// requestPath is the path that route matching and organization sync read
// from a request: its escaped path, as in [RouteMatcher.Match]. Two kinds of
// path answer a *[MalformedURLError] (400) instead, because routers do not
// agree on where they lead, so no matcher answer could be trusted:
//
//   - a raw path with an encoded slash ("%2F") that Go's url package cannot
//     keep as sent (it also holds a byte such as "{" or "|" raw):
//     EscapedPath then re-encodes the decoded path and the "%2F" becomes a
//     separator, while chi, Echo, Fiber and Gin with UseRawPath route on the
//     raw path, where it is not;
//   - a path with a dot segment ("." or "..", also percent-encoded):
//     Clerk's URL parser resolves them, some routers do (Gin with
//     RemoveExtraSlash, http.ServeMux redirects), others route on them as
//     written. Browsers resolve dot segments before they send a request.
func requestPath(u *url.URL) (string, error) {
	if u == nil {
		return "", nil
	}
	p := u.EscapedPath()
	if u.RawPath != "" && p != u.RawPath && containsEncodedSlash(u.RawPath) {
		return "", &MalformedURLError{Path: u.RawPath}
	}
	if hasDotSegment(p) {
		return "", &MalformedURLError{Path: p}
	}
	return p, nil
}

func containsEncodedSlash(p string) bool {
	for i := strings.IndexByte(p, '%'); i >= 0 && i+2 < len(p); {
		if p[i+1] == '2' && (p[i+2] == 'F' || p[i+2] == 'f') {
			return true
		}
		j := strings.IndexByte(p[i+1:], '%')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// hasDotSegment reports whether a raw path has a segment that is ".", ".."
// or one of their percent-encoded forms ("%2e", ".%2E", ...), the segments
// the WHATWG URL parser resolves.
func hasDotSegment(p string) bool {
	if strings.IndexByte(p, '.') < 0 && !strings.Contains(p, "%2") {
		return false
	}
	for seg := range strings.SplitSeq(p, "/") {
		if isDotSegment(seg) {
			return true
		}
	}
	return false
}

func isDotSegment(s string) bool {
	dots := 0
	for i := 0; i < len(s); {
		switch {
		case s[i] == '.':
			i++
		case i+2 < len(s) && s[i] == '%' && s[i+1] == '2' && (s[i+2] == 'e' || s[i+2] == 'E'):
			i += 3
		default:
			return false
		}
		dots++
		if dots > 2 {
			return false
		}
	}
	return dots > 0
}

// decodeReservedButSlash decodes the percent-encoded characters of
// decodeURI's reserved set except "/" ("%40" is "@"), leaving every other
// sequence as it is for NormalizePath. ok is false when there is none.
func decodeReservedButSlash(p string) (string, bool) {
	if strings.IndexByte(p, '%') < 0 {
		return "", false
	}
	var b strings.Builder
	found := false
	for i := 0; i < len(p); i++ {
		if p[i] == '%' && i+2 < len(p) {
			if v, ok := pctByte(p, i); ok && v != '/' && strings.IndexByte(decodeURIReserved, v) >= 0 {
				if !found {
					b.Grow(len(p))
					b.WriteString(p[:i])
					found = true
				}
				b.WriteByte(v)
				i += 2
				continue
			}
		}
		if found {
			b.WriteByte(p[i])
		}
	}
	return b.String(), found
}
