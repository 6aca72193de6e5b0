package clerk_test

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"regexp"
	"strings"

	clerk "github.com/clerkguard/clerkguard/core"
)

func ExampleNewRouteMatcher() {
	m, err := clerk.NewRouteMatcher(
		"/dashboard/:path*",   // /dashboard and everything below it
		"/api(.*)",            // anything starting with /api (also /apiary!)
		"/users/:id(\\d+)",    // a custom parameter pattern
		[]string{"/settings"}, // lists are fine too
	)
	if err != nil {
		panic(err)
	}
	for _, p := range []string{"/dashboard", "/Dashboard/Projects/", "/dashboardx", "/apiary", "/users/42", "/users/me", "/settings/"} {
		ok, _ := m.MatchPath(p)
		fmt.Println(p, ok)
	}
	// Output:
	// /dashboard true
	// /Dashboard/Projects/ true
	// /dashboardx false
	// /apiary true
	// /users/42 true
	// /users/me false
	// /settings/ true
}

func ExampleNewRouteMatcher_mixed() {
	m := clerk.MustRouteMatcher(
		"/admin/:path*",
		regexp.MustCompile(`^/v[0-9]+/`), // Go syntax, used as is
		func(r clerk.Request) bool { // any rule on the request
			return r.Method() == "POST" && strings.HasPrefix(r.URL().Path, "/hooks/")
		},
	)
	for _, r := range []struct{ method, target string }{
		{"GET", "/admin/users"}, {"GET", "/v2/items"}, {"POST", "/hooks/clerk"}, {"GET", "/hooks/clerk"},
	} {
		ok, _ := m.Match(clerk.NewRequest(httptest.NewRequest(r.method, r.target, nil)))
		fmt.Println(r.method, r.target, ok)
	}
	// Output:
	// GET /admin/users true
	// GET /v2/items true
	// POST /hooks/clerk true
	// GET /hooks/clerk false
}

// Paths are normalised before matching, so encoded letters and doubled
// slashes do not slip past a pattern; a broken encoding is an error that
// deserves a 400.
func ExampleRouteMatcher_MatchPath() {
	m := clerk.MustRouteMatcher("/admin(.*)")
	for _, p := range []string{"/%61dmin", "//admin", "/ADMIN", "/admin%2Fx", "/%zz"} {
		ok, err := m.MatchPath(p)
		var bad *clerk.MalformedURLError
		if errors.As(err, &bad) {
			fmt.Println(p, "error:", err, bad.StatusCode())
			continue
		}
		fmt.Println(p, ok)
	}
	// Output:
	// /%61dmin true
	// //admin true
	// /ADMIN true
	// /admin%2Fx true
	// /%zz error: Malformed encoding in URL path: /%zz 400
}

// "*" is not a glob: the pattern is rejected with path-to-regexp's reason.
func ExampleNewRouteMatcher_error() {
	_, err := clerk.NewRouteMatcher("/org/*/settings")
	fmt.Println(err)
	// Output:
	// Invalid path: /org/*/settings.
	// Consult the documentation of path-to-regexp here: https://github.com/pillarjs/path-to-regexp/tree/6.x
	// Unexpected MODIFIER at 5, expected END
}

// The Next.js matcher, with its lookahead, works unchanged.
func ExampleNewRouteMatcher_lookahead() {
	m := clerk.MustRouteMatcher(`/((?!_next|[^?]*\.(?:html?|css|js(?!on)|jpe?g|webp|png|gif|svg|ttf|woff2?|ico|csv|docx?|xlsx?|zip|webmanifest)).*)`)
	for _, p := range []string{"/dashboard", "/_next/static/x.js", "/logo.png", "/data.json"} {
		ok, _ := m.MatchPath(p)
		fmt.Println(p, ok)
	}
	// Output:
	// /dashboard true
	// /_next/static/x.js false
	// /logo.png false
	// /data.json true
}

func ExampleNormalizePath() {
	for _, p := range []string{"/api/%61dmin//users", "/api%2Fadmin", "/caf%C3%A9", "/api/%zz"} {
		n, err := clerk.NormalizePath(p)
		fmt.Printf("%s -> %q %v\n", p, n, err)
	}
	// Output:
	// /api/%61dmin//users -> "/api/admin/users" <nil>
	// /api%2Fadmin -> "/api%2Fadmin" <nil>
	// /caf%C3%A9 -> "/café" <nil>
	// /api/%zz -> "" Malformed encoding in URL path: /api/%zz
}

func ExampleOrganizationSync() {
	sync := &clerk.OrganizationSync{
		OrganizationPatterns:    []string{"/orgs/:slug", "/orgs/:slug/(.*)", "/o/:id/(.*)"},
		PersonalAccountPatterns: []string{"/me", "/me/(.*)"},
	}
	m, err := sync.Compile() // once, at start-up
	if err != nil {
		panic(err)
	}
	for _, p := range []string{"/orgs/acme/settings", "/o/org_2abc/billing", "/me/profile", "/about"} {
		target, _ := m.Target(p)
		fmt.Printf("%s -> %v id=%q slug=%q\n", p, target.Type, target.OrganizationID, target.OrganizationSlug)
	}
	// Output:
	// /orgs/acme/settings -> organization id="" slug="acme"
	// /o/org_2abc/billing -> organization id="org_2abc" slug=""
	// /me/profile -> personalAccount id="" slug=""
	// /about -> none id="" slug=""
}
