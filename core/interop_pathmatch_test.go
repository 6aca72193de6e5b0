package clerk

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// TestInteropPathMatch compares route matching, path-to-regexp sources,
// organization sync and the case-folding table with Clerk's own JavaScript
// (@clerk/shared, pinned in interop/package.json) on a generated corpus.
// It needs Node.js and `npm ci` in interop/, so it runs only with
// CLERKGUARD_INTEROP=1: use `make interop`.
func TestInteropPathMatch(t *testing.T) {
	script := InteropScript(t, "pathmatch.mjs", "shared")

	c := buildInteropCorpus()
	var ans interopAnswers
	RunInterop(t, script, c, &ans, nil)
	if len(ans.Sources) != len(c.Sources) || len(ans.Routes) != len(c.Routes) || len(ans.Orgs) != len(c.Orgs) {
		t.Fatalf("answer counts differ: sources %d/%d routes %d/%d orgs %d/%d",
			len(ans.Sources), len(c.Sources), len(ans.Routes), len(c.Routes), len(ans.Orgs), len(c.Orgs))
	}

	var diffs []string
	report := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }

	if want := hex.EncodeToString([]byte(jsCanonData)); ans.Canon != want {
		report("case table: core/jscase_table.go differs from %s's String.prototype.toUpperCase; regenerate with interop/gen-jscase.mjs", ans.Node)
	}
	for i, p := range c.Sources {
		got := goSource(p)
		if got != ans.Sources[i] {
			report("source %q:\n    go:    %s\n    clerk: %s", p, got, ans.Sources[i])
		}
	}
	routeMatches := 0
	for i, rc := range c.Routes {
		got := goRoute(rc)
		if got.Match {
			routeMatches++
		}
		if got != ans.Routes[i] {
			report("route %q regexps %q path %q:\n    go:    %s\n    clerk: %s", rc.Patterns, rc.Regexps, rc.Path, got, ans.Routes[i])
		}
	}
	for i, oc := range c.Orgs {
		got := goOrg(oc)
		if got != ans.Orgs[i] {
			report("org sync org=%q personal=%q path %q:\n    go:    %s\n    clerk: %s", oc.Org, oc.Personal, oc.Path, got, ans.Orgs[i])
		}
	}
	total := 1 + len(c.Sources) + len(c.Routes) + len(c.Orgs)
	for i, d := range diffs {
		if i == 60 {
			t.Errorf("... and %d more", len(diffs)-i)
			break
		}
		t.Error(d)
	}
	fmt.Printf("interop: compared %d cases with Clerk's @clerk/shared on Node %s: %d route (pattern, path) pairs (%d matching), %d compiled sources, %d organization-sync targets, 1 case table; %d disagreements\n",
		total, ans.Node, len(c.Routes), routeMatches, len(c.Sources), len(c.Orgs), len(diffs))
	if len(c.Routes) < 5000 {
		t.Errorf("corpus too small: %d route cases, want at least 5000", len(c.Routes))
	}
}

type interopCorpus struct {
	Sources []string       `json:"sources"`
	Routes  []interopRoute `json:"routes"`
	Orgs    []interopOrg   `json:"orgs"`
}

type interopRoute struct {
	Patterns []string `json:"patterns"`
	Regexps  []string `json:"regexps,omitempty"`
	Path     string   `json:"path"`
}

type interopOrg struct {
	Org      []string `json:"org"`
	Personal []string `json:"personal"`
	Path     string   `json:"path"`
}

type interopAnswers struct {
	Node    string           `json:"node"`
	Canon   string           `json:"canon"`
	Sources []interopSource  `json:"sources"`
	Routes  []interopVerdict `json:"routes"`
	Orgs    []interopTarget  `json:"orgs"`
}

type interopSource struct {
	Source string `json:"source,omitempty"`
	Error  string `json:"error,omitempty"`
}

type interopVerdict struct {
	Match bool   `json:"match,omitempty"`
	Error string `json:"error,omitempty"`
}

func (v interopVerdict) String() string {
	if v.Error != "" {
		return "error " + v.Error
	}
	return fmt.Sprint("match ", v.Match)
}

type interopTarget struct {
	Type  string `json:"type,omitempty"`
	ID    string `json:"organizationId,omitempty"`
	Slug  string `json:"organizationSlug,omitempty"`
	Error string `json:"error,omitempty"`
}

func (v interopTarget) String() string {
	if v.Error != "" {
		return "error " + v.Error
	}
	return fmt.Sprintf("%s id=%q slug=%q", v.Type, v.ID, v.Slug)
}

func goSource(p string) interopSource {
	if _, err := compilePathPattern(p); err != nil {
		return interopSource{Error: (&PatternError{Pattern: p, Reason: err.Error()}).Error()}
	}
	src, _, _ := pathToRegexpSource(p)
	return interopSource{Source: unitsString(v8EscapeSource(src))}
}

func goRoute(c interopRoute) interopVerdict {
	args := []any{c.Patterns}
	for _, r := range c.Regexps {
		args = append(args, regexp.MustCompile(r))
	}
	m, err := NewRouteMatcher(args...)
	if err != nil {
		return interopVerdict{Error: err.Error()}
	}
	ok, err := m.MatchPath(c.Path)
	if err != nil {
		return interopVerdict{Error: err.Error()}
	}
	return interopVerdict{Match: ok}
}

func goOrg(c interopOrg) interopTarget {
	o := &OrganizationSync{OrganizationPatterns: c.Org, PersonalAccountPatterns: c.Personal}
	m, err := o.Compile()
	if err != nil {
		return interopTarget{Error: err.Error()}
	}
	tg, _ := m.Target(c.Path)
	return interopTarget{Type: tg.Type.String(), ID: tg.OrganizationID, Slug: tg.OrganizationSlug}
}

// interopPatterns covers every construct of path-to-regexp 6.x and the
// patterns Clerk documents.
var interopPatterns = []string{
	// literal text, case, trailing slash
	"/", "/foo", "/foo/", "/foo/bar", "/FOO/Bar", "/test/hello.ts", "/a.b", "/a-b", "/a_b", "/a b", "/a~b",
	"/ünicode", "/ÄÖÜ", "/straße", "/ǅ", "/kelvin", "/\u212a", "/s", "/\u017f", "/😀", "/a😀b",
	// wildcards the Clerk docs use
	"/dashboard(.*)", "/dashboard/(.*)", "/dashboard/:path*", "/api/:path*", "/api(.*)", "/api/admin(.*)",
	"/hello(.*)", "/(.*).ts", "/(.*).js", "/(api|trpc)(.*)", "/docs/(.*)", "/:path*", "/(.*)",
	"/sign-in(.*)", "/sign-up(.*)", "/org/:slug(.*)",
	// parameters and modifiers
	"/user/:id", "/user/:id?", "/files/:path+", "/files/:path*", "/users/:id(\\d+)", "/users/:id(\\d+)?",
	"/:a/:b", "/:a-:b", "/:name.:ext", "/:a.:b.:c", "/:a-x-:b", "/:a~:b", "/file/:name.html", "/:foo(a|b)",
	"/orgs/:id", "/orgs/:slug", "/orgs/:id/(.*)", "/orgs/:slug/settings", "/:id(org_[a-z0-9]+)",
	"/:x(\\w+)", "/:x([^/]+)", "/:x(\\D+)", "/:x(\\S+)", "/:x(\\s*)", "/:x(.+)", "/:x(.)", "/:x(..)",
	"/:x(.{2,4})", "/:x(a{2})", "/:x(a{,2})", "/:x([a-z]+)", "/:x([A-Z]+)", "/:x([^a-z]+)", "/:x(\\u00fc)",
	"/:x(\\x41)", "/:x(\\0)", "/:x(\\cJ)", "/:x([\\b])", "/:x(\\k)", "/:x(\\p{L})", "/:x(\\8)", "/:x(\\1)",
	"/:a/(\\1)", "/:x((?<n>a)\\k<n>)", "/:x((?<n>a))/:y", "/:x(K)", "/:x([k-k])", "/:x([^k])", "/:x(ß)",
	"/:x(\\bfoo\\b)", "/:x(^a)", "/:x(a$)", "/:x(a|)", "/:x((?:)*)", "/:x((?=a)*a)", "/:x((?=a)+a)",
	"/:x(.*?)/:y", "/:x(😀)", "/:x([😀])", "/:x(.)😀", "/:x(\\ud83d\\ude00)",
	// groups
	"/foo{/:bar}", "/foo{/:bar}?", "/foo{/:bar}*", "/foo{/:bar}+", "{/:lang}?/home", "/{a}", "/{a}?",
	"/{:a}", "/foo{-:bar}?", "/foo{.:ext}?", "/{(.*)}", "/{a(.*)b}", "/book{s}?", "/:x{-:y}?", "{/:a}{/:b}",
	// escapes and prefixes
	"/\\:id", "/\\(x\\)", "/a\\*", "/a\\+b", "/a\\?", "/\\{x\\}", "/a\\", "\\/:id", ".:ext", "/a.:b", "#:x",
	"/%61dmin", "/api%2Fadmin",
	// lookahead, as in Clerk's and Next.js's documentation
	"((?!^/admin/).*)", "/((?!_next|[^?]*\\.(?:html?|css|js(?!on)|jpe?g|webp|png|gif|svg|ttf|woff2?|ico|csv|docx?|xlsx?|zip|webmanifest)).*)",
	"/((?!api|trpc))(.*)", "/:x((?!admin).*)", "/((?<=a)b)", "/((?<!a)b)", "/(?!x)",
	// errors
	"/org/*/settings", "/foo/**", "/a+b", "/orgs/:id/***", "/:", "/:?", "/(", "/()", "/(?x)", "/((x))",
	"/(x", "/x)", "/{", "/}", "/{:a", "/:a:b", "/(.*)(.*)", "/:a(.*):b", "/:a*", "*", "?", "/(a\\", "/\\(",
	"/:x([)", "/:x(a{2,1})", "/:x((?<1>a))", "/:x((?<n>a)(?<n>b))", "/:x((?i:a))", "/:x(\\k<n>(?<n>a))",
	"/:x((?<n>a)\\k<m>)", "/:x([z-a])", "/:x(*)", "/:x(a**)", "/:x({1})", "/:x((?<=a)*)", "/:x(\\)",
	"/:x(()", "/:x(a|*)", "/:x(^*)", "/:x(\\b+)", "/:x((?<n>a)[\\k])",
}

// interopPaths are tried against every pattern.
var interopPaths = []string{
	"", "/", "//", "/foo", "/foo/", "/FOO", "/foo//", "//foo", "/foo/bar", "/foo//bar", "/foo#", "/foo?",
	"/foo/bar/", "/Foo/Bar", "/%66oo", "/%66oo/bar", "/%2F", "/foo%2Fbar", "/foo%2fbar", "/%zz", "/%", "/%4",
	"/foo%", "/%2561", "/%C3%BC", "/%c3%bcnicode", "/%C3%BCnicode", "/%C3", "/%C3%28", "/%E2%82", "/%ED%A0%80",
	"/%F0%9F%98%80", "/%F4%90%80%80", "/%C0%AF", "/%FF", "/😀", "/a😀b", "/ünicode", "/ÜNICODE", "/\u212a",
	"/K", "/k", "/S", "/\u017f", "/ſ", "/straße", "/STRASSE", "/ǆ", "/ǅ", "/Ǆ", "/dashboard", "/dashboardxyz",
	"/DASHBOARD/x", "/dashboard/a/b", "/dashboard/", "/api", "/api/", "/apix", "/api/admin", "/api/%61dmin/users",
	"/api/%62dmin/users", "/api%2Fadmin/users", "/public/../api/admin", "/api/%2561dmin/users", "/api/admin%5Cfoo",
	"//api/admin/users", "/api//admin/users", "/other//api/admin", "/hello", "/hello.js", "/test/hello.ts",
	"/user", "/user/1", "/user/1/2", "/users/123", "/users/abc", "/files", "/files/a/b", "/docs", "/docs/",
	"/orgs/org_123", "/orgs/my-org", "/ORGS/AcmeCorp", "/orgs/a%20b", "/a-b", "/a.b", "/a.b.c", "/x.html",
	"/_next/static/chunk.js", "/favicon.ico", "/data.json", "/admin/", "/admin/x", "/api/trpc", "/trpc/x",
	"/a\nb", "/a\u2028", "/%0A", "/a b", "/%20", "/a+b", "/a%2Bb", "/a%23b", "/a%3Fb", "/%3B%2C%40%26%3D%24",
}

func buildInteropCorpus() *interopCorpus {
	r := rand.New(rand.NewPCG(20240611, 7))
	c := &interopCorpus{}
	patterns := append([]string(nil), interopPatterns...)
	for range 400 {
		patterns = append(patterns, randomInteropPattern(r))
	}
	c.Sources = patterns
	for _, p := range patterns {
		paths := append([]string(nil), derivedPaths(r, p)...)
		if _, err := compilePathPattern(p); err == nil {
			// every valid pattern against the common paths; invalid ones
			// once (the construction error is the verdict)
			paths = append(paths, interopPaths...)
		} else {
			paths = paths[:1]
		}
		for _, path := range paths {
			c.Routes = append(c.Routes, interopRoute{Patterns: []string{p}, Path: path})
		}
	}
	// custom patterns: JavaScript regular-expression syntax and its quirks
	for range 1500 {
		p := "/:x(" + randomRegexpSource(r) + ")"
		c.Sources = append(c.Sources, p)
		if _, err := compilePathPattern(p); err != nil {
			c.Routes = append(c.Routes, interopRoute{Patterns: []string{p}, Path: "/a"})
			continue
		}
		for _, path := range regexpPaths {
			c.Routes = append(c.Routes, interopRoute{Patterns: []string{p}, Path: path})
		}
	}

	// lists of patterns, and Go-and-JavaScript-compatible regexps
	lists := [][]string{
		{"/(.*).ts", "/(.*).js"}, {"/foo", "/bar(.*)"}, {"/sign-in(.*)", "/sign-up(.*)", "/"},
		{"", "/foo"}, {}, {"/api/:path*", "/((?!_next).*)"}, {"/a", "/b", "/c", "/d(.*)", "/e/:x", "/f/:y+"},
	}
	regexps := [][]string{nil, {`^/hello.*$`}, {`^.*\.(ts|js)$`}, {`hello`}, {`^/API`}}
	for _, l := range lists {
		for _, re := range regexps {
			for _, path := range interopPaths[:40] {
				c.Routes = append(c.Routes, interopRoute{Patterns: l, Regexps: re, Path: path})
			}
		}
	}

	// organization sync: spec §8 and combinations
	orgLists := [][]string{
		nil, {}, {"/orgs/:id"}, {"/orgs/:slug"}, {"/orgs/:id", "/orgs/:id/", "/orgs/:id/(.*)"}, {"/orgs/:id/(.*)"},
		{"/unknown-thing/:any/orgs/:id"}, {"/orgs/:id", "/orgs/:slug"}, {"/orgs/:slug/(.*)"},
		{"/orgs-by-id/:id", "/orgs-by-id/:id/(.*)", "/orgs-by-slug/:slug", "/orgs-by-slug/:slug/(.*)"},
		{"/orgs/:id", "/teams/:id"}, {"/orgs/:other"}, {"/app/:any/orgs/:id"}, {"/orgs/:id+"}, {"/orgs/:slug*"},
		{"/orgs/:id(.*)"}, {"/orgs/:id(org_\\w+)", "/orgs/:slug"}, {"/orgs/:x((?<n>a))/:id"}, {"/orgs/:id/***"},
		{"/o/:slug-:id"}, {"/:x((?<n>a))", "/:y((?<n>b))"}, {"/orgs/:id", "/("},
	}
	personalLists := [][]string{
		nil, {}, {"/personal-account"}, {"/", "/(.*)"}, {"/user/:any", "/user/:any/(.*)"},
		{"/personal-account", "/personal-account/(.*)"}, {"/personal-account/(.*)"}, {"/orgs/:id"}, {"/me{/:rest}*"},
	}
	orgPaths := []string{
		"/", "/orgs", "/orgs/", "/orgs/org_foo", "/orgs/org_foo/", "/orgs/org_foo/nested-resource",
		"/orgs/org_foo/nested-resource/and/more/deeply/nested/resources", "/orgs/my-org", "/ORGS/AcmeCorp",
		"/orgs/a%20b", "/orgs/abc", "/orgs/123", "/teams/123", "/orgs/acme", "/orgs/acmecorp/settings",
		"/personal-account", "/personal-account/", "/personal-account/my-resource", "/user/123/home",
		"/unknown-thing/thing/orgs/org_foo", "/app/dogstore/v2/orgs/org_123", "/orgs-by-slug/org_bar/sub-resource",
		"/orgs-by-id/org_1", "/orgs/a/b/c", "/orgs/org_%C3%BC", "/orgs//x", "/orgs/a", "/o/acme-org_1", "/me",
		"/me/a/b", "/orgs/😀", "",
	}
	for _, ol := range orgLists {
		for _, pl := range personalLists {
			for _, path := range orgPaths {
				c.Orgs = append(c.Orgs, interopOrg{Org: ol, Personal: pl, Path: path})
			}
		}
	}
	return c
}

var interopPieces = []string{
	"/", "/", "/", "/api", "/Foo", "a", "b", ".", "-", "~", "_", ":id", ":slug", ":a", ":b", ":x1",
	"(.*)", "(\\d+)", "([^/]+)", "(a|b)", "(?:x)", "((?!x).*)", "((?=a).)", "(\\w)", "(.)", "([😀])",
	"?", "*", "+", "{", "}", "{/:x}", "{-:y}?", "{a}", "\\", "\\.", "\\:", "ü", "😀", "%", "#", "K", "ſ",
	"(", ")", "[", "]", "(?", "(?<n>a)", "\\k<n>", "\\1", "{2}", "$", "^", "|", ":", "::",
}

var regexpPieces = []string{
	"a", "b", "A", "k", "K", "\u212a", "s", "\u017f", "ß", "ü", "Ü", "😀", "1", "-", ",", ".", " ", "_",
	"\\d", "\\D", "\\w", "\\W", "\\s", "\\S", "\\b", "\\B", "[", "]", "[^", "^", "$", "|",
	"{", "}", "{1}", "{2,}", "{0,1}", "{1,2}", "{2,1}", "*", "+", "?", "*?", "+?", "??",
	"(?:", "(?=", "(?!", "(?<=", "(?<!", "(?<n>", "(?<m>", ")", "\\k<n>", "\\k", "\\k<", "\\1", "\\2",
	"\\0", "\\01", "\\8", "\\x4", "\\x41", "\\u0041", "\\u00", "\\c", "\\cA", "\\c1", "\\/",
	"\\.", "\\-", "\\]", "\\[", "\\p", "\\u{41}", "a-z", "z-a", "\\d-z",
}

// randomRegexpSource returns random JavaScript regular-expression text:
// mostly well-formed (groups, lookaround, classes, back-references,
// quantifiers), sometimes with a stray piece.
func randomRegexpSource(r *rand.Rand) string {
	var b strings.Builder
	var gen func(depth int)
	atom := func(depth int) {
		switch k := r.IntN(14); {
		case k < 5 || depth > 2:
			b.WriteString(regexpPieces[r.IntN(18+18)]) // literals and escapes
		case k < 7:
			b.WriteString([]string{"[", "[^"}[r.IntN(2)])
			for n := r.IntN(4); n > 0; n-- {
				b.WriteString(classPieces[r.IntN(len(classPieces))])
			}
			b.WriteByte(']')
		case k < 12:
			b.WriteString([]string{"(?:", "(?=", "(?!", "(?<=", "(?<!", "(?<n>", "(?<m>"}[r.IntN(7)])
			gen(depth + 1)
			b.WriteByte(')')
		default:
			b.WriteString([]string{"\\k<n>", "\\k<m>", "\\1", "\\2", "\\3", "^", "$", "\\b", "\\B"}[r.IntN(9)])
		}
	}
	gen = func(depth int) {
		for n := 1 + r.IntN(3); n > 0; n-- {
			atom(depth)
			if r.IntN(3) == 0 {
				b.WriteString([]string{"*", "+", "?", "*?", "+?", "{2}", "{1,3}", "{2,}", "{0}", "{3,2}"}[r.IntN(10)])
			}
			if r.IntN(8) == 0 {
				b.WriteByte('|')
			}
			if r.IntN(12) == 0 {
				b.WriteString(regexpPieces[r.IntN(len(regexpPieces))])
			}
		}
	}
	gen(0)
	return b.String()
}

var classPieces = []string{
	"a", "z", "A", "k", "s", "-", "a-z", "A-Z", "0-9", "z-a", "\\d", "\\w", "\\s", "\\W", "\\b", "\\-",
	"\\]", "^", "\\u212a", "\u017f", "ß", "😀", "\\cA", "\\c1", "\\c", "\\k", "\\0", "\\1", "/", ".",
}

// regexpPaths are short paths for the custom-pattern cases.
var regexpPaths = []string{
	"/", "/a", "/A", "/ab", "/aa", "/aaa", "/b", "/k", "/K", "/\u212a", "/s", "/S", "/\u017f", "/ß", "/ü", "/Ü",
	"/1", "/12", "/-", "/a-z", "/ ", "/_", "/😀", "/a😀", "/\x01", "/,", "/.", "/aK", "/ab/", "/%61", "/\\",
}

func randomInteropPattern(r *rand.Rand) string {
	var b strings.Builder
	if r.IntN(4) != 0 {
		b.WriteByte('/')
	}
	for n := 1 + r.IntN(5); n > 0; n-- {
		b.WriteString(interopPieces[r.IntN(len(interopPieces))])
	}
	return b.String()
}

var (
	paramRE      = regexp.MustCompile(`:[A-Za-z0-9_]+(\([^)]*\))?[?*+]?`)
	interopWords = []string{"x", "org_123", "My-Org", "a.b", "ü", "😀", "%20", "%61", "abc", "1", "a/b", "K"}
)

// derivedPaths returns paths built from the pattern itself (so that many
// cases match), then mutated: case, trailing and repeated slashes, encoding.
func derivedPaths(r *rand.Rand, p string) []string {
	base := paramRE.ReplaceAllStringFunc(p, func(string) string { return interopWords[r.IntN(len(interopWords))] })
	base = strings.NewReplacer("(.*)", "/any/thing", "(\\d+)", "42", "{", "", "}", "", "\\", "", "?", "", "*", "", "+", "",
		"(", "", ")", "").Replace(base)
	if !strings.HasPrefix(base, "/") {
		base = "/" + base
	}
	out := []string{base, strings.ToUpper(base), base + "/", "/" + base, strings.ReplaceAll(base, "/", "//"), base + "x", base + "/x"}
	// percent-encode one letter, encode a slash, add a bad escape
	for i := 0; i < len(base); i++ {
		if c := base[i]; c >= 'a' && c <= 'z' {
			out = append(out, base[:i]+fmt.Sprintf("%%%02X", c)+base[i+1:], base[:i]+fmt.Sprintf("%%25%02X", c)+base[i+1:])
			break
		}
	}
	if i := strings.LastIndexByte(base, '/'); i > 0 {
		out = append(out, base[:i]+"%2F"+base[i+1:])
	}
	out = append(out, base+"%zz", base+"%C3%BC")
	return out
}
