package clerk

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
)

// PatternError reports a route or organization-sync pattern that
// path-to-regexp 6.x (or JavaScript's regular-expression syntax, for custom
// "(...)" parts) rejects. Its message is the one Clerk's SDK throws for the
// same pattern.
type PatternError struct {
	// Pattern is the rejected pattern. For organization sync it is the whole
	// list, joined by "," (Clerk compiles each list as one expression).
	Pattern string
	// Reason is path-to-regexp's message (for example "Unexpected MODIFIER
	// at 5, expected END") or JavaScript's SyntaxError message.
	Reason string
	// Field is "" for route matchers, and "OrganizationPatterns" or
	// "PersonalAccountPatterns" for organization sync.
	Field string
}

const ptrDocs = "Consult the documentation of path-to-regexp here: https://github.com/pillarjs/path-to-regexp/tree/6.x"

// Error returns Clerk's message. For a route matcher:
//
//	Invalid path: <pattern>.
//	Consult the documentation of path-to-regexp here: https://github.com/pillarjs/path-to-regexp/tree/6.x
//	<reason>
//
// and for organization sync:
//
//	Invalid pattern "<patterns>": Error: Invalid path and options: Consult the documentation of path-to-regexp here: https://github.com/pillarjs/path-to-regexp/tree/6.x
//	<reason>
func (e *PatternError) Error() string {
	if e.Field != "" {
		return `Invalid pattern "` + e.Pattern + `": Error: Invalid path and options: ` + ptrDocs + "\n" + e.Reason
	}
	return "Invalid path: " + e.Pattern + ".\n" + ptrDocs + "\n" + e.Reason
}

// RouteMatcher decides whether a request's path matches any of a list of
// route patterns: Clerk's createRouteMatcher for Go. Build it once,
// at start-up, with [NewRouteMatcher] or [MustRouteMatcher]; it is safe for
// concurrent use. A nil or empty RouteMatcher matches nothing.
//
// Patterns are path-to-regexp 6.x strings, matched the way Clerk matches
// them: case-insensitively, with one optional trailing "/", against the
// normalised path (see [NormalizePath]). "*" is not a glob: write
// "/dashboard(.*)" or "/dashboard/:path*". See docs/route-matching.md.
type RouteMatcher struct {
	// linear holds the string patterns that run on Go's regexp, and
	// backtracking those that need lookaround or back-references (regexp2,
	// with a time limit). Each is tried only if the path starts with the
	// pattern's literal prefix; one regexp per pattern (rather than one
	// alternation) lets Go use its fast backtracker for small programs.
	linear       []*jsRegexp
	backtracking []*jsRegexp
	regexps      []*regexp.Regexp
	funcs        []func(Request) bool
}

// NewRouteMatcher compiles route patterns. Each argument may be:
//
//   - a string: a path-to-regexp 6.x pattern such as "/dashboard(.*)",
//     "/api/:path*", "/users/:id(\\d+)" or "/(api|trpc)(.*)";
//   - a []string of such patterns;
//   - a *regexp.Regexp, matched as is (Go syntax and semantics) against the
//     normalised path;
//   - a func(clerk.Request) bool, called with the request (Clerk's function
//     form).
//
// Empty strings and nil values are ignored; a matcher with no patterns never
// matches. An invalid string pattern returns a *[PatternError] carrying
// Clerk's message; an argument of another type returns an error too.
func NewRouteMatcher(patterns ...any) (*RouteMatcher, error) {
	m := &RouteMatcher{}
	addString := func(p string) error {
		if p == "" {
			return nil
		}
		re, err := compilePathPattern(p)
		if err != nil {
			return &PatternError{Pattern: p, Reason: err.Error()}
		}
		if re.re.re2 != nil {
			m.linear = append(m.linear, re.re)
		} else {
			m.backtracking = append(m.backtracking, re.re)
		}
		return nil
	}
	for _, p := range patterns {
		switch v := p.(type) {
		case nil:
		case string:
			if err := addString(v); err != nil {
				return nil, err
			}
		case []string:
			for _, s := range v {
				if err := addString(s); err != nil {
					return nil, err
				}
			}
		case *regexp.Regexp:
			if v != nil {
				m.regexps = append(m.regexps, v)
			}
		case func(Request) bool:
			if v != nil {
				m.funcs = append(m.funcs, v)
			}
		default:
			return nil, fmt.Errorf("clerk: NewRouteMatcher: unsupported pattern type %T (want string, []string, *regexp.Regexp or func(clerk.Request) bool)", p)
		}
	}
	return m, nil
}

// MustRouteMatcher is like [NewRouteMatcher] but panics on an invalid
// pattern. It is meant for package-level variables and main:
//
//	var isProtected = clerk.MustRouteMatcher("/dashboard(.*)", "/api/:path*")
func MustRouteMatcher(patterns ...any) *RouteMatcher {
	m, err := NewRouteMatcher(patterns...)
	if err != nil {
		panic(err)
	}
	return m
}

// Match reports whether the request matches any pattern. String and
// *regexp.Regexp patterns see the normalised request path
// (req.URL().EscapedPath(), see [NormalizePath]); function patterns see the
// request.
//
// If the path's percent-encoding is invalid, Match returns false and a
// *[MalformedURLError]: answer 400 Bad Request, as Clerk does. So it does,
// unlike Clerk, for a request path that routers disagree on: one with a dot
// segment ("/a/../admin", "/%2e%2e/admin"; browsers never send them), or
// with an encoded slash that Go's url package cannot keep as sent
// ("/api/users/42%2F{"). And a pattern with a literal reserved character
// ("/users/@me") also matches its percent-encoded spelling ("/users/%40me",
// which http.ServeMux routes to the same handler, while Clerk keeps "%40"
// encoded). [RouteMatcher.MatchPath] takes the path as given, as Clerk does. An error
// wrapping [ErrMatchTimeout] means a lookaround pattern ran out of time.
func (m *RouteMatcher) Match(req Request) (bool, error) {
	if m == nil {
		return false, nil
	}
	if m.hasPathPatterns() {
		raw, err := requestPath(req.URL())
		if err != nil {
			return false, err
		}
		ok, err := m.matchPath(raw)
		if ok || err != nil {
			return ok, err
		}
		// Clerk keeps "%40", "%3A", ... encoded; http.ServeMux decodes them
		// and routes "/users/%40me" to "/users/@me". A pattern with such a
		// literal character must protect both spellings.
		if alt, ok := decodeReservedButSlash(raw); ok {
			if ok, err := m.matchPath(alt); ok || err != nil {
				return ok, err
			}
		}
	}
	for _, f := range m.funcs {
		if f(req) {
			return true, nil
		}
	}
	return false, nil
}

// MatchPath reports whether a raw (still percent-encoded) URL path matches
// any pattern; errors are those of [RouteMatcher.Match]. Function patterns
// are called with a GET request for the path with no headers.
func (m *RouteMatcher) MatchPath(rawPath string) (bool, error) {
	if m == nil {
		return false, nil
	}
	if m.hasPathPatterns() {
		ok, err := m.matchPath(rawPath)
		if ok || err != nil {
			return ok, err
		}
	}
	if len(m.funcs) > 0 {
		req := pathRequest(rawPath)
		for _, f := range m.funcs {
			if f(req) {
				return true, nil
			}
		}
	}
	return false, nil
}

func (m *RouteMatcher) hasPathPatterns() bool {
	return len(m.linear) > 0 || len(m.backtracking) > 0 || len(m.regexps) > 0
}

func (m *RouteMatcher) matchPath(raw string) (bool, error) {
	p, err := NormalizePath(raw)
	if err != nil {
		return false, err
	}
	units := toUnits(p)
	for _, re := range m.linear {
		if re.hasPrefix(units) && re.re2.MatchString(units) {
			return true, nil
		}
	}
	for _, re := range m.regexps {
		if re.MatchString(p) {
			return true, nil
		}
	}
	for _, re := range m.backtracking {
		ok, err := re.match(units)
		if ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

// pathRequest is the Request that MatchPath hands to function patterns.
type pathRequest string

func (p pathRequest) Method() string       { return http.MethodGet }
func (p pathRequest) Header(string) string { return "" }
func (p pathRequest) Headers() http.Header { return http.Header{} }
func (p pathRequest) URL() *url.URL {
	u := &url.URL{Path: string(p), RawPath: string(p)}
	if dec, err := url.PathUnescape(string(p)); err == nil {
		u.Path = dec
	}
	return u
}
