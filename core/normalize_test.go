package clerk

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// Expected values are JavaScript's decodeURI followed by Clerk's
// .replace(/\/\/+/g, "/") (spec §7).
func TestNormalizePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, want string
		malformed bool
	}{
		{raw: "", want: ""},
		{raw: "/", want: "/"},
		{raw: "/api/admin", want: "/api/admin"},
		{raw: "/api/%61dmin/users", want: "/api/admin/users"},
		{raw: "/%66oo/bar", want: "/foo/bar"},
		{raw: "/api%2Fadmin/users", want: "/api%2Fadmin/users"}, // reserved: stays encoded
		{raw: "/api%2fadmin", want: "/api%2fadmin"},             // verbatim, case kept
		{raw: "/%3B%2F%3F%3A%40%26%3D%2B%24%2C%23", want: "/%3B%2F%3F%3A%40%26%3D%2B%24%2C%23"},
		{raw: "/%25", want: "/%"},                                 // "%" itself is not reserved
		{raw: "/api/%2561dmin/users", want: "/api/%61dmin/users"}, // decoded once only
		{raw: "/api/admin%5Cfoo", want: "/api/admin\\foo"},
		{raw: "/%20x", want: "/ x"},
		{raw: "/%C3%BCnicode", want: "/ünicode"},
		{raw: "/%c3%bc", want: "/ü"},
		{raw: "/%F0%9F%98%80", want: "/😀"},
		{raw: "/%EF%BF%BD", want: "/\uFFFD"},
		{raw: "/ü/%C3%BC", want: "/ü/ü"},
		{raw: "//api/admin/users", want: "/api/admin/users"},
		{raw: "/api//admin///users//", want: "/api/admin/users/"},
		{raw: "/a/%2F/b", want: "/a/%2F/b"},
		{raw: "/%2F%2F", want: "/%2F%2F"},
		{raw: "/a%2F/b", want: "/a%2F/b"},
		{raw: "/%2f/%61//x", want: "/%2f/a/x"},
		{raw: "/public/../api/admin", want: "/public/../api/admin"}, // no dot segments
		{raw: "/api/%zz/users", malformed: true},
		{raw: "/%", malformed: true},
		{raw: "/%4", malformed: true},
		{raw: "/a%", malformed: true},
		{raw: "/%C3", malformed: true},          // truncated
		{raw: "/%C3%28", malformed: true},       // bad continuation
		{raw: "/%C3x", malformed: true},         // continuation not encoded
		{raw: "/%80", malformed: true},          // continuation as lead
		{raw: "/%C0%AF", malformed: true},       // overlong
		{raw: "/%ED%A0%80", malformed: true},    // surrogate
		{raw: "/%F4%90%80%80", malformed: true}, // above U+10FFFF
		{raw: "/%FF", malformed: true},
	}
	for _, tt := range tests {
		got, err := NormalizePath(tt.raw)
		if tt.malformed {
			var me *MalformedURLError
			if !errors.As(err, &me) || me.Path != tt.raw {
				t.Errorf("%q: got %q, %v; want *MalformedURLError", tt.raw, got, err)
				continue
			}
			if want := "Malformed encoding in URL path: " + tt.raw; err.Error() != want {
				t.Errorf("%q: message %q, want %q", tt.raw, err.Error(), want)
			}
			if me.StatusCode() != 400 {
				t.Errorf("status %d", me.StatusCode())
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: got %q, %v; want %q", tt.raw, got, err, tt.want)
		}
	}
}

func TestNormalizePathNoAllocation(t *testing.T) {
	for _, p := range []string{"/dashboard/projects/42", "/", "/a/b/c.html", "/ü"} {
		var out string
		if n := minAllocs(100, func() { out, _ = NormalizePath(p) }); n != 0 {
			t.Errorf("%q: %v allocations", p, n)
		}
		if out != p {
			t.Errorf("%q: got %q", p, out)
		}
	}
}

func FuzzNormalizePath(f *testing.F) {
	for _, s := range []string{"/api/%61dmin", "//a//b", "/%zz", "/%C3%BC", "/%2F", "/%F0%9F%98%80", "/%ED%A0%80", "%", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := NormalizePath(raw)
		if err != nil {
			var me *MalformedURLError
			if !errors.As(err, &me) || me.Path != raw || !strings.Contains(raw, "%") {
				t.Fatalf("%q: unexpected error %v", raw, err)
			}
			return
		}
		if strings.Contains(got, "//") {
			t.Fatalf("%q -> %q still has //", raw, got)
		}
		if !strings.Contains(raw, "%") && got != collapseSlashes(raw) {
			t.Fatalf("%q -> %q changed more than slashes", raw, got)
		}
		if utf8.ValidString(raw) && !utf8.ValidString(got) {
			t.Fatalf("%q -> %q: invalid UTF-8", raw, got)
		}
		// decoding only shortens, and "%" followed by a reserved
		// character's code survives
		if len(got) > len(raw) {
			t.Fatalf("%q -> %q grew", raw, got)
		}
	})
}

// TestRequestPath: the paths routers disagree on answer 400; the rest are
// the escaped path, unchanged.
func TestRequestPath(t *testing.T) {
	for _, tc := range []struct {
		raw       string
		want      string
		malformed bool
	}{
		{"/admin/users", "/admin/users", false},
		{"/api%2Fadmin", "/api%2Fadmin", false},
		{"/a.b/.well-known/x..y/...", "/a.b/.well-known/x..y/...", false},
		{"/a%2e/b", "/a%2e/b", false},
		{"/search/a|b", "/search/a%7Cb", false}, // not kept as sent, but no %2F: same segments
		{"/x/../admin", "", true},
		{"/./admin", "", true},
		{"/admin/.", "", true},
		{"/admin/..", "", true},
		{"/x/%2e%2e/admin", "", true},
		{"/x/%2E./admin", "", true},
		{"/x/.%2e/admin", "", true},
		{"/%2e/admin", "", true},
		{"/api/users/42%2F{", "", true},
		{"/api/users/42%2f%7C|", "", true},
	} {
		u, err := url.ParseRequestURI(tc.raw)
		if err != nil {
			t.Fatalf("%s: %v", tc.raw, err)
		}
		got, err := requestPath(u)
		var me *MalformedURLError
		switch {
		case tc.malformed && !errors.As(err, &me):
			t.Errorf("requestPath(%q) = %q, %v; want a *MalformedURLError", tc.raw, got, err)
		case !tc.malformed && (err != nil || got != tc.want):
			t.Errorf("requestPath(%q) = %q, %v; want %q", tc.raw, got, err, tc.want)
		}
	}
	if testing.AllocsPerRun(100, func() { _, _ = requestPath(&url.URL{Path: "/dashboard/settings/x.y"}) }) != 0 {
		t.Error("requestPath allocates for a plain path")
	}
}

// TestMatchReservedSpellings: a pattern with a literal reserved character
// ("@", ":", ...) protects the percent-encoded spelling too, which
// http.ServeMux routes to the same handler; "%2F" stays a non-separator.
func TestMatchReservedSpellings(t *testing.T) {
	t.Parallel()
	m := MustRouteMatcher("/api/users/@me(.*)", "/files/a;b")
	for path, want := range map[string]bool{
		"/api/users/@me/settings":     true,
		"/api/users/%40me/settings":   true,
		"/api/users/%40me%2Fsettings": true,
		"/files/a%3Bb":                true,
		"/files/a%3bb":                true,
		"/api/users/%2540me":          false, // one decode only: "%40me"
		"/api/users/me":               false,
	} {
		u, err := url.ParseRequestURI(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.Match(pathURLRequest{u})
		if err != nil || got != want {
			t.Errorf("Match(%s) = %v, %v; want %v", path, got, err, want)
		}
	}
	if s, ok := decodeReservedButSlash("/a%2Fb%40c%zz%4"); !ok || s != "/a%2Fb@c%zz%4" {
		t.Errorf("decodeReservedButSlash = %q, %v", s, ok)
	}
}

type pathURLRequest struct{ u *url.URL }

func (r pathURLRequest) Method() string       { return "GET" }
func (r pathURLRequest) URL() *url.URL        { return r.u }
func (r pathURLRequest) Header(string) string { return "" }
func (r pathURLRequest) Headers() http.Header { return nil }
