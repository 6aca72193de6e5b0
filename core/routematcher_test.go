package clerk

import (
	"errors"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// Spec §7, example table: every row, in order.
func TestRouteMatcherSpecTable(t *testing.T) {
	t.Parallel()
	const malformed = "malformed"
	tests := []struct {
		row      int
		patterns []any
		path     string
		want     any // bool, or malformed
	}{
		{1, []any{"/hello(.*)"}, "/hello", true},
		{2, []any{"/hello(.*)"}, "/hello/test/a", true},
		{3, []any{[]string{"/(.*).ts", "/(.*).js"}}, "/hello.js", true},
		{4, []any{[]string{"/(.*).ts", "/(.*).js"}}, "/test/hello.ts", true},
		{5, []any{"/test/hello.ts"}, "/test/hello.js", false},
		{6, []any{regexp.MustCompile(`^\/hello.*$`)}, "/hello/", true},
		{7, []any{regexp.MustCompile(`^.*\.(ts|js)$`)}, "/test/hello.ts", true},
		{8, []any{"/api/admin(.*)"}, "/api/%61dmin/users", true},
		{9, []any{"/api/admin(.*)"}, "/api/%62dmin/users", false},
		{10, []any{"/api/admin(.*)"}, "/api/%zz/users", malformed},
		{11, []any{"/api/admin(.*)"}, "/api%2Fadmin/users", false},
		{12, []any{"/api/admin(.*)"}, "/public/../api/admin", false},
		{13, []any{"/api/admin(.*)"}, "/api/%2561dmin/users", false},
		{14, []any{"/api/admin(.*)"}, "/api/admin%5Cfoo", true},
		{15, []any{"/api/admin(.*)"}, "//api/admin/users", true},
		{15, []any{"/api/admin(.*)"}, "/api//admin/users", true},
		{16, []any{"/api/admin(.*)"}, "/other//api/admin", false},
		{17, []any{[]string{"/foo", "/bar(.*)"}}, "/foo/bar", false},
		{18, []any{"/foo/bar"}, "/%66oo/bar", true},
		{19, []any{"/dashboard(.*)"}, "/dashboardxyz", true},
		{20, []any{"/dashboard(.*)"}, "/DASHBOARD/x", true},
		{21, []any{"/dashboard/:path*"}, "/dashboard", true},
		{22, []any{"/dashboard/:path*"}, "/dashboard/a/b", true},
		{23, []any{"/dashboard/:path*"}, "/dashboardxyz", false},
		{24, []any{"/api/:path*"}, "/api/", true},
		{25, []any{"/api/:path*"}, "/apix", false},
		{26, []any{"/foo"}, "/foo/", true},
		{27, []any{"/foo"}, "/foo/bar", false},
		{28, []any{"/foo/"}, "/foo", false},
		{29, []any{"/user/:id"}, "/user/1/2", false},
		{30, []any{"/user/:id?"}, "/user", true},
		{31, []any{"/files/:path+"}, "/files", false},
		{32, []any{"/docs/(.*)"}, "/docs", false},
		{32, []any{"/docs/(.*)"}, "/docs/", true},
		{33, []any{"/(api|trpc)(.*)"}, "/apix", true},
		{34, []any{"/users/:id(\\d+)"}, "/users/abc", false},
		{36, []any{"/ünicode"}, "/%C3%BCnicode", true},
	}
	for _, tt := range tests {
		m, err := NewRouteMatcher(tt.patterns...)
		if err != nil {
			t.Errorf("row %d: %v", tt.row, err)
			continue
		}
		got, err := m.MatchPath(tt.path)
		if tt.want == malformed {
			var me *MalformedURLError
			if !errors.As(err, &me) || got {
				t.Errorf("row %d: %q = %v, %v; want *MalformedURLError", tt.row, tt.path, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("row %d: %v on %q = %v, %v; want %v", tt.row, tt.patterns, tt.path, got, err, tt.want)
		}
	}

	// row 35: "*" is not a glob
	for _, tt := range []struct {
		pattern string
		at      int
	}{{"/org/*/settings", 5}, {"/foo/**", 5}, {"/a+b", 2}} {
		_, err := NewRouteMatcher(tt.pattern)
		var pe *PatternError
		if !errors.As(err, &pe) {
			t.Errorf("row 35: %q: got %v, want *PatternError", tt.pattern, err)
			continue
		}
		want := "Invalid path: " + tt.pattern + ".\nConsult the documentation of path-to-regexp here: https://github.com/pillarjs/path-to-regexp/tree/6.x\nUnexpected MODIFIER at " + itoa(tt.at) + ", expected END"
		if err.Error() != want {
			t.Errorf("row 35: %q:\n got  %q\n want %q", tt.pattern, err.Error(), want)
		}
		if pe.Pattern != tt.pattern || pe.Field != "" {
			t.Errorf("row 35: %+v", pe)
		}
	}
}

func itoa(n int) string { return string(rune('0' + n)) }

func TestRouteMatcherEmpty(t *testing.T) {
	t.Parallel()
	for _, args := range [][]any{nil, {""}, {nil}, {[]string{}}, {[]string{"", ""}}, {(*regexp.Regexp)(nil)}, {(func(Request) bool)(nil)}} {
		m, err := NewRouteMatcher(args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		// No pattern: never matches, and (as in Clerk) does not even look
		// at the path, so a malformed one is no error.
		for _, p := range []string{"/", "", "/%zz"} {
			if ok, err := m.MatchPath(p); ok || err != nil {
				t.Errorf("%v on %q = %v, %v", args, p, ok, err)
			}
		}
	}
	var nilMatcher *RouteMatcher
	if ok, err := nilMatcher.MatchPath("/"); ok || err != nil {
		t.Error("nil matcher matched")
	}
	if ok, err := nilMatcher.Match(NewRequest(httptest.NewRequest("GET", "/", nil))); ok || err != nil {
		t.Error("nil matcher matched")
	}
}

func TestRouteMatcherMixedForms(t *testing.T) {
	t.Parallel()
	isAPIPost := func(r Request) bool { return r.Method() == "POST" && strings.HasPrefix(r.URL().Path, "/hooks") }
	m := MustRouteMatcher("/dashboard/:path*", []string{"/admin(.*)"}, regexp.MustCompile(`^/v[0-9]+/`), isAPIPost,
		"((?!^/public/).*)x")
	tests := []struct {
		method, target string
		want           bool
	}{
		{"GET", "/dashboard", true},
		{"GET", "/Admin/users", true},
		{"GET", "/v2/items", true},
		{"GET", "/V2/items", false}, // Go regexps are used as is: case-sensitive
		{"POST", "/hooks/clerk", true},
		{"GET", "/hooks/clerk", false},
		{"GET", "/box", true},
		{"GET", "/public/box", false},
		{"GET", "/about", false},
		{"GET", "/%61dmin", true},
		{"GET", "/dash%62oard/x?q=1", true},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(tt.method, tt.target, nil)
		got, err := m.Match(NewRequest(req))
		if err != nil || got != tt.want {
			t.Errorf("%s %s = %v, %v; want %v", tt.method, tt.target, got, err, tt.want)
		}
	}
}

func TestRouteMatcherMalformedPath(t *testing.T) {
	t.Parallel()
	m := MustRouteMatcher("/api/admin(.*)")
	ok, err := m.MatchPath("/api/%zz")
	var me *MalformedURLError
	if ok || !errors.As(err, &me) || me.Path != "/api/%zz" {
		t.Errorf("got %v, %v; want *MalformedURLError", ok, err)
	}
	// Match reads the escaped path: what the client sent.
	req := httptest.NewRequest("GET", "/api/%61dmin/%2F", nil)
	if ok, err := m.Match(NewRequest(req)); !ok || err != nil {
		t.Errorf("Match = %v, %v", ok, err)
	}
	// A function pattern alone never looks at the path.
	onlyFunc := MustRouteMatcher(func(Request) bool { return true })
	if ok, err := onlyFunc.MatchPath("/%zz"); !ok || err != nil {
		t.Errorf("function matcher: %v, %v", ok, err)
	}
	// MatchPath hands function patterns a GET request for the path.
	var seen string
	spy := MustRouteMatcher(func(r Request) bool {
		seen = r.Method() + " " + r.URL().Path + " " + r.URL().EscapedPath()
		return false
	})
	if _, err := spy.MatchPath("/a%2Fb/%61"); err != nil || seen != "GET /a/b/a /a%2Fb/%61" {
		t.Errorf("spy saw %q (%v)", seen, err)
	}
}

func TestRouteMatcherErrors(t *testing.T) {
	t.Parallel()
	if _, err := NewRouteMatcher(42); err == nil || !strings.Contains(err.Error(), "unsupported pattern type int") {
		t.Errorf("int: %v", err)
	}
	if _, err := NewRouteMatcher("/ok", []string{"/ok2", "/bad/*"}); err == nil {
		t.Error("want error for /bad/*")
	} else if pe := new(PatternError); !errors.As(err, &pe) || pe.Pattern != "/bad/*" || pe.Reason != "Unexpected MODIFIER at 5, expected END" {
		t.Errorf("got %#v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("MustRouteMatcher did not panic")
		}
	}()
	MustRouteMatcher("/(")
}

// Typical patterns all run on Go's regexp.
func TestRouteMatcherTypicalPatterns(t *testing.T) {
	t.Parallel()
	m := MustRouteMatcher(benchPatterns...)
	if len(m.linear) != len(benchPatterns) || len(m.backtracking) != 0 {
		t.Fatalf("linear=%d backtracking=%d", len(m.linear), len(m.backtracking))
	}
	for _, tt := range benchPaths {
		got, err := m.MatchPath(tt.path)
		if err != nil || got != tt.want {
			t.Errorf("%q = %v, %v; want %v", tt.path, got, err, tt.want)
		}
	}
}

// benchPatterns are twenty patterns of a typical application.
var benchPatterns = []any{
	"/", "/sign-in(.*)", "/sign-up(.*)", "/dashboard(.*)", "/api/:path*", "/admin/:path*", "/settings(.*)",
	"/orgs/:slug", "/orgs/:slug/(.*)", "/users/:id(\\d+)", "/billing/:path*", "/webhooks/(.*)", "/docs/:path*",
	"/blog/:slug", "/api/trpc/(.*)", "/files/:name.:ext", "/teams/:id/members", "/invite/:token", "/health",
	"/(api|trpc)(.*)",
}

var benchPaths = []struct {
	path string
	want bool
}{
	{"/dashboard/projects/42", true},
	{"/about", false},
	{"/api/users/123", true},
	{"/sign-in/factor-one", true},
	{"/Blog/hello-world", true},
	{"/static/app.css", false},
	{"/orgs/acme/settings", true},
	{"/users/abc", false},
	{"/files/report.pdf", true},
	{"/pricing/", false},
}

func BenchmarkRouteMatcher(b *testing.B) {
	m := MustRouteMatcher(benchPatterns...)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		tt := benchPaths[i%len(benchPaths)]
		if ok, _ := m.MatchPath(tt.path); ok != tt.want {
			b.Fatalf("%q", tt.path)
		}
	}
}

func BenchmarkRouteMatcherNextJS(b *testing.B) {
	m := MustRouteMatcher("/((?!_next|[^?]*\\.(?:html?|css|js(?!on)|jpe?g|webp|png|gif|svg|ttf|woff2?|ico|csv|docx?|xlsx?|zip|webmanifest)).*)")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_, _ = m.MatchPath(benchPaths[i%len(benchPaths)].path)
	}
}

func FuzzMatchPath(f *testing.F) {
	f.Add("/dashboard(.*)", "/dashboard/x")
	f.Add("/api/:path*", "/api/%61dmin//users")
	f.Add("/:a-:b", "/x-y")
	f.Add("((?!^/admin/).*)", "/admin/x")
	f.Add("/:x((?!b)(?:a|aa)+)", "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!")
	f.Add("/orgs/:id", "/orgs/%zz")
	f.Add("/:x(.)", "/😀")
	f.Fuzz(func(t *testing.T, pattern, path string) {
		m, err := NewRouteMatcher(pattern)
		if err != nil {
			return
		}
		ok, err := m.MatchPath(path)
		if err != nil {
			if ok {
				t.Fatal("match with error")
			}
			var me *MalformedURLError
			if !errors.As(err, &me) && !errors.Is(err, ErrMatchTimeout) {
				t.Fatalf("unexpected error %v", err)
			}
		}
		// The same pattern as organization sync never panics either.
		o := &OrganizationSync{OrganizationPatterns: []string{pattern}, PersonalAccountPatterns: []string{pattern}}
		if _, err := o.Target(path); err != nil && !errors.Is(err, ErrMatchTimeout) && !errors.Is(err, errParamGroup) {
			t.Fatalf("org sync: %v", err)
		}
	})
}
