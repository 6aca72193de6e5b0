package clerk

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// The regular-expression sources path-to-regexp 6.x (as vendored by Clerk)
// builds; spec §7 [exec] and further cases checked with Node.js.
func TestPathToRegexpSource(t *testing.T) {
	t.Parallel()
	tests := []struct{ pattern, source string }{
		// spec §7 [exec]
		{"/dashboard(.*)", `^\/dashboard(.*)[\/#\?]?$`},
		{"/dashboard/:path*", `^\/dashboard(?:\/((?:[^\/#\?]+?)(?:\/(?:[^\/#\?]+?))*))?[\/#\?]?$`},
		{"/(.*).ts", `^(?:\/(.*))\.ts[\/#\?]?$`},
		{"/user/:id?", `^\/user(?:\/([^\/#\?]+?))?[\/#\?]?$`},
		{"/(api|trpc)(.*)", `^(?:\/(api|trpc))(.*)[\/#\?]?$`},
		// more
		{"/", `^\/[\/#\?]?$`},
		{"/foo/bar", `^\/foo\/bar[\/#\?]?$`},
		{"/user/:id", `^\/user(?:\/([^\/#\?]+?))[\/#\?]?$`},
		{"/files/:path+", `^\/files(?:\/((?:[^\/#\?]+?)(?:\/(?:[^\/#\?]+?))*))[\/#\?]?$`},
		{"/users/:id(\\d+)", `^\/users(?:\/(\d+))[\/#\?]?$`},
		{"/:a-:b", `^(?:\/([^\/#\?]+?))-((?:(?!-)[^\/#\?])+?)[\/#\?]?$`},
		{"/:name.:ext", `^(?:\/([^\/#\?]+?))(?:\.((?:(?!\.)[^\/#\?])+?))[\/#\?]?$`},
		{"/:a-x-:b", `^(?:\/([^\/#\?]+?))-x-((?:(?!-x-)[^\/#\?])+?)[\/#\?]?$`},
		{"/foo{/:bar}?", `^\/foo(?:\/([^\/#\?]+?))?[\/#\?]?$`},
		{"/foo{/:bar}*", `^\/foo(?:\/((?:[^\/#\?]+?)(?:\/(?:[^\/#\?]+?))*))?[\/#\?]?$`},
		{"/book{s}?", `^\/book(?:s)?[\/#\?]?$`},
		{"/{(.*)}", `^\/(.*)[\/#\?]?$`},
		{"/\\:id", `^\/\:id[\/#\?]?$`},
		{"\\/:id", `^\/([^\/#\?]+?)[\/#\?]?$`},
		{"/a\\", `^\/a[\/#\?]?$`},
		{"/a.b$", `^\/a\.b\$[\/#\?]?$`},
		{"/((?!_next).*)", `^(?:\/((?!_next).*))[\/#\?]?$`},
	}
	for _, tt := range tests {
		src, _, err := pathToRegexpSource(tt.pattern)
		if err != nil {
			t.Errorf("%q: %v", tt.pattern, err)
			continue
		}
		if got := unitsString(src); got != tt.source {
			t.Errorf("%q:\n got  %s\n want %s", tt.pattern, got, tt.source)
		}
		if _, err := compilePathPattern(tt.pattern); err != nil {
			t.Errorf("%q: compile: %v", tt.pattern, err)
		}
	}
}

func TestPathToRegexpKeys(t *testing.T) {
	t.Parallel()
	_, keys, err := pathToRegexpSource("/:org/(.*)/{-:id}?/:rest*")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, k := range keys {
		names = append(names, k.name+k.modifier)
	}
	if got := strings.Join(names, " "); got != "org 0 id? rest*" {
		t.Errorf("keys = %q", got)
	}
}

// Construction errors carry path-to-regexp's and V8's messages; positions
// count UTF-16 code units.
func TestPathToRegexpErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ pattern, reason string }{
		{"/org/*/settings", "Unexpected MODIFIER at 5, expected END"},
		{"/foo/**", "Unexpected MODIFIER at 5, expected END"},
		{"/a+b", "Unexpected MODIFIER at 2, expected END"},
		{"/ü+", "Unexpected MODIFIER at 2, expected END"},
		{"/😀+", "Unexpected MODIFIER at 3, expected END"},
		{"/orgs/:id/***", "Unexpected MODIFIER at 10, expected END"},
		{"/:", "Missing parameter name at 1"},
		{"/(", "Unbalanced pattern at 1"},
		{"/()", "Missing pattern at 1"},
		{"/(?x)", `Pattern cannot start with "?" at 2`},
		{"/((x))", "Capturing groups are not allowed at 2"},
		{"/{", "Unexpected END at 2, expected CLOSE"},
		{"/{\\", "Unexpected END at 4, expected CLOSE"},
		{"/}", "Unexpected CLOSE at 1, expected END"},
		{"/:a:b", `Must have text between two parameters, missing text after "a"`},
		{"/:a(.*):b", `Must have text between two parameters, missing text after "a"`},
		{"/(.*)(.*)", ""}, // custom patterns are exempt
		{"*", "Unexpected MODIFIER at 0, expected END"},
		{"/:a*:b", `Must have text between two parameters, missing text after "a"`},
		{"/x{:a}*", `Can not repeat "a" without a prefix and suffix`},
		// the lexer ends the custom pattern at the first ")": "[" is left open
		{"/:x([)", "Invalid regular expression: /^(?:\\/([))[\\/#\\?]?$/i: Unterminated group"},
		{"/:x([)])", "Invalid regular expression: /^(?:\\/([))\\]\\)[\\/#\\?]?$/i: Unterminated group"},
		{"/:x(a{2,1})", "Invalid regular expression: /^(?:\\/(a{2,1}))[\\/#\\?]?$/i: numbers out of order in {} quantifier"},
		{"/:x(*)", "Invalid regular expression: /^(?:\\/(*))[\\/#\\?]?$/i: Nothing to repeat"},
		{"/:x((?<n>a)(?<n>b))", "Invalid regular expression: /^(?:\\/((?<n>a)(?<n>b)))[\\/#\\?]?$/i: Duplicate capture group name"},
		{"/:x((?i:a))", "Invalid regular expression: /^(?:\\/((?i:a)))[\\/#\\?]?$/i: Invalid group"},
		{"/:x((?<=a)*)", "Invalid regular expression: /^(?:\\/((?<=a)*))[\\/#\\?]?$/i: Invalid quantifier"},
		{"/:x(\\k<n>(?<m>a))", "Invalid regular expression: /^(?:\\/(\\k<n>(?<m>a)))[\\/#\\?]?$/i: Invalid named capture referenced"},
		{"/:x([z-a])", "Invalid regular expression: /^(?:\\/([z-a]))[\\/#\\?]?$/i: Range out of order in character class"},
	}
	for _, tt := range tests {
		_, err := compilePathPattern(tt.pattern)
		if tt.reason == "" {
			if err != nil {
				t.Errorf("%q: unexpected error %v", tt.pattern, err)
			}
			continue
		}
		if err == nil || err.Error() != tt.reason {
			t.Errorf("%q: error %v, want %q", tt.pattern, err, tt.reason)
		}
	}
}

// JavaScript semantics that Go's regexp would not give by default.
func TestJSRegexpSemantics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, path string
		want          bool
	}{
		// case-insensitive with JavaScript's Canonicalize, not Unicode folding
		{"/k", "/K", true},
		{"/k", "/\u212a", false}, // KELVIN SIGN
		{"/s", "/\u017f", false}, // LONG S
		{"/ü", "/Ü", true},
		{"/ß", "/ẞ", false},
		{"/:x(\\w)", "/\u212a", false},
		{"/:x([a-z])", "/K", true},
		{"/:x([^k])", "/K", false},
		// "." excludes JavaScript's line terminators
		{"/:x(.)", "/\u2028", false},
		{"/:x(.)", "/\r", false},
		{"/:x(\\s)", "/\u00a0", true},
		{"/:x(\\s)", "/\ufeff", true},
		// UTF-16 code units: a character above U+FFFF is two units
		{"/:x(.)", "/😀", false},
		{"/:x(..)", "/😀", true},
		{"/:x([^a]{2})", "/😀", true},
		{"/:x(\\ud83d\\ude00)", "/😀", true},
		{"/a😀b", "/a😀b", true},
		// Annex B
		{"/:x(\\8)", "/8", true},
		{"/:x(\\2)", "/\x02", true}, // no group 2: octal escape
		{"/:x(\\1)", "/", true},     // inside group 1: empty
		{"/:x(a{,2})", "/a{,2}", true},
		{"/:x(\\c)", "/\\c", true},
		{"/:x(\\k)", "/k", true},
		{"/:x(\\u{2})", "/uu", true},
		// lookaround, back-references
		{"((?!^/admin/).*)", "/admin/users", false},
		{"((?!^/admin/).*)", "/public", true},
		{"/:x((?<=a)b)", "/b", false},
		{"/:a/(\\1)", "/ab/AB", true},
		{"/:x((?:(?<n>a)|b)\\k<n>c)", "/bc", true}, // unset group: empty
		{"/:x((?=a)*b)", "/b", true},
	}
	for _, tt := range tests {
		re, err := compilePathPattern(tt.pattern)
		if err != nil {
			t.Errorf("%q: %v", tt.pattern, err)
			continue
		}
		got, err := re.re.match(toUnits(tt.path))
		if err != nil || got != tt.want {
			t.Errorf("%q on %q = %v, %v; want %v", tt.pattern, tt.path, got, err, tt.want)
		}
	}
}

// Patterns that need lookaround run on regexp2 with a time limit; the rest
// run on Go's regexp.
func TestEngineChoice(t *testing.T) {
	t.Parallel()
	linear := []string{"/dashboard(.*)", "/api/:path*", "/:a-:b", "/:name.:ext", "/users/:id(\\d+)", "/:x(a{1000})"}
	backtracking := []string{"/:a-x-:b", "((?!^/admin/).*)", "/:a/(\\1)", "/:x(a{1001})"}
	for _, p := range linear {
		if re, err := compilePathPattern(p); err != nil || re.re.re2 == nil {
			t.Errorf("%q: want Go's regexp (err %v)", p, err)
		}
	}
	for _, p := range backtracking {
		if re, err := compilePathPattern(p); err != nil || re.re.rx2 == nil {
			t.Errorf("%q: want regexp2 (err %v)", p, err)
		}
	}
}

func TestBacktrackingTimeout(t *testing.T) {
	t.Parallel()
	m, err := NewRouteMatcher("/:x((?!b)(?:a|aa)+)")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ok, err := m.MatchPath("/" + strings.Repeat("a", 64) + "!")
	if ok || !errors.Is(err, ErrMatchTimeout) {
		t.Fatalf("got %v, %v; want ErrMatchTimeout", ok, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
}

// The orbits built from the generated table group exactly the units with
// the same Canonicalize value.
func TestJSCaseOrbits(t *testing.T) {
	t.Parallel()
	groups := map[rune][]rune{}
	for u := rune(0); u <= maxUnit; u++ {
		groups[jsCanonicalize(u)] = append(groups[jsCanonicalize(u)], u)
	}
	for u := rune(0); u <= maxUnit; u++ {
		want := groups[jsCanonicalize(u)]
		got := unitLiteral(u, true)
		n := 0
		for _, r := range got {
			n += int(r.hi-r.lo) + 1
		}
		if n != len(want) {
			t.Fatalf("U+%04X: orbit %v, want %v", u, got, want)
		}
		for _, w := range want {
			if !got.contains(w) {
				t.Fatalf("U+%04X: orbit %v lacks U+%04X", u, got, w)
			}
		}
	}
}

func TestV8EscapeSource(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", "(?:)"},
		{"[/]a/b", `[/]a\/b`},
		{"a\\/b/", `a\/b\/`},
		{"\n\r\u2028", `\n\r\u2028`},
		{"a\\\nb", `a\nb`},
		{"[[]/]/", `[[]\/]\/`},
	}
	for _, tt := range tests {
		if got := unitsString(v8EscapeSource(stringUnits(tt.in))); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzCompilePattern(f *testing.F) {
	for _, s := range []string{
		"/dashboard(.*)", "/api/:path*", "/users/:id(\\d+)", "/foo{/:bar}?", "/:a-:b", "/org/*/settings",
		"((?!^/admin/).*)", "/:x((?<n>a)\\k<n>)", "/:x([\\d-z]{2,}?)", "/(", "{", "\\", "/:x(\\c1[\\c_])",
		"/((?!_next|[^?]*\\.(?:html?|css|js(?!on)|jpe?g|webp|png|gif|svg|ttf|woff2?|ico|csv|docx?|xlsx?|zip|webmanifest)).*)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pattern string) {
		re, err := compilePathPattern(pattern)
		if err != nil {
			if _, err2 := NewRouteMatcher(pattern); pattern != "" && err2 == nil {
				t.Fatalf("compile failed (%v) but NewRouteMatcher succeeded", err)
			}
			return
		}
		if (re.re.re2 == nil) == (re.re.rx2 == nil) {
			t.Fatal("exactly one engine must be set")
		}
		for _, p := range []string{"/", "/a", pattern, strings.ToUpper(pattern), "/😀"} {
			if _, _, err := re.exec(toUnits(p)); err != nil && !errors.Is(err, ErrMatchTimeout) && !errors.Is(err, errParamGroup) {
				t.Fatalf("exec %q: %v", p, err)
			}
		}
	})
}
