package clerk_test

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// The corpus of TestInteropAuthenticate: every option set (instance) times
// every scenario of the cookie flow (spec §1.7, §1.8, §1.9, §8) times every
// kind of request (document, iframe, html without Sec-Fetch-Dest, fetch,
// POST), then the header and dispatch cases (§1.5, §1.6, §6.6) and the
// hostile inputs.

const (
	devFAPI  = "happy-hippo-1.clerk.accounts.dev"
	prodFAPI = "clerk.example.com"
	ioUser   = "user_2interop"
)

type corpusGen struct {
	t          *testing.T
	fake       *fakeBAPI
	key, other *clerktest.Key
	now        time.Time
	n          int
	instances  map[string]*ioInstance
	order      []*ioInstance
	cases      []*ioCase
}

func newCorpusGen(t *testing.T, fake *fakeBAPI) *corpusGen {
	return &corpusGen{t: t, fake: fake, key: clerktest.MustNewKey(), other: clerktest.MustNewKey(),
		now: time.Unix(1_760_000_000, 0), instances: map[string]*ioInstance{}}
}

// reqKind is how a browser or a script sends the request.
type reqKind struct{ name, method, dest, accept string }

var reqKinds = []reqKind{
	{"doc", "GET", "document", "text/html,application/xhtml+xml"},
	{"iframe", "GET", "iframe", "text/html"},
	{"html", "GET", "", "text/html,application/xhtml+xml"},
	{"fetch", "GET", "empty", "*/*"},
	{"post", "POST", "document", "text/html"},
}

// reqBuild describes one request before it becomes a case.
type reqBuild struct {
	path    string // with its query
	cookies []string
	headers [][2]string
	owns    []string // nonces and session IDs whose Backend API calls belong to the case
	div     string
}

type scenario struct {
	name string
	b    reqBuild
}

func (g *corpusGen) id() int { g.n++; return g.n }

func (g *corpusGen) addInstance(inst *ioInstance) {
	inst.suffix = clerk.CookieSuffix(inst.PublishableKey)
	g.instances[inst.name] = inst
	g.order = append(g.order, inst)
}

func (g *corpusGen) instancesSetup() {
	devSK := "sk_test_" + strings.Repeat("d", 40)
	prodSK := "sk_live_" + strings.Repeat("p", 40)
	dev := func(name string) *ioInstance {
		return &ioInstance{name: name, PublishableKey: clerktest.PublishableKey(devFAPI), SecretKey: devSK,
			dev: true, fapi: devFAPI, iss: "https://" + devFAPI, appOrigin: "http://localhost:3000"}
	}
	prod := func(name string) *ioInstance {
		return &ioInstance{name: name, PublishableKey: clerktest.LivePublishableKey(prodFAPI), SecretKey: prodSK,
			fapi: prodFAPI, iss: "https://" + prodFAPI, appOrigin: "https://app.example.com"}
	}
	orgSync := &ioOrgSync{
		OrganizationPatterns:    []string{"/orgs/:slug", "/orgs/:slug/(.*)", "/orgs-by-id/:id"},
		PersonalAccountPatterns: []string{"/me", "/me/(.*)"},
	}
	g.addInstance(dev("dev"))
	g.addInstance(prod("prod"))
	i := dev("dev-proxy")
	i.ProxyURL = "https://proxy.example.dev/__clerk"
	g.addInstance(i)
	i = dev("dev-proxy-relative")
	i.ProxyURL = "/__clerk"
	g.addInstance(i)
	i = prod("prod-proxy")
	i.ProxyURL = "https://app.example.com/__clerk/"
	g.addInstance(i)
	i = dev("dev-satellite")
	i.IsSatellite, i.Domain, i.SignInURL, i.appOrigin = true, "satellite.dev", "https://primary.dev/sign-in?from=satellite", "https://satellite.dev"
	g.addInstance(i)
	i = prod("prod-satellite")
	i.IsSatellite, i.Domain, i.SignInURL, i.appOrigin, i.iss = true, "satellite.com", "https://example.com/sign-in", "https://satellite.com", "https://clerk.satellite.com"
	g.addInstance(i)
	i = prod("prod-satellite-autosync")
	i.IsSatellite, i.Domain, i.SatelliteAutoSync, i.appOrigin, i.iss = true, "satellite.com", true, "https://satellite.com", "https://clerk.satellite.com"
	g.addInstance(i)
	i = prod("prod-satellite-proxy")
	i.IsSatellite, i.ProxyURL, i.appOrigin = true, "https://satellite.com/__clerk", "https://satellite.com"
	g.addInstance(i)
	i = prod("prod-azp")
	i.AuthorizedParties = []string{"https://app.example.com"}
	g.addInstance(i)
	i = dev("dev-azp")
	i.AuthorizedParties = []string{"http://localhost:3000", "http://127.0.0.1:3000"}
	g.addInstance(i)
	i = prod("prod-audience")
	i.Audience = []string{"api.example.com"}
	g.addInstance(i)
	i = prod("prod-orgs")
	i.OrgSync = orgSync
	g.addInstance(i)
	i = dev("dev-orgs")
	i.OrgSync = orgSync
	g.addInstance(i)
}

// session mints a session token of inst's, issued now unless opts say
// otherwise, with a fresh session ID (returned).
func (g *corpusGen) session(inst *ioInstance, opts ...clerktest.ClaimOption) (string, string) {
	sid := fmt.Sprintf("sess_io%05d", g.id())
	base := []clerktest.ClaimOption{clerktest.WithIssuer(inst.iss), clerktest.WithAuthorizedParty(inst.appOrigin)}
	return g.key.MustSign(clerktest.SessionV2(ioUser, sid, g.now, append(base, opts...)...)), sid
}

func (g *corpusGen) tok(inst *ioInstance, opts ...clerktest.ClaimOption) string {
	t, _ := g.session(inst, opts...)
	return t
}

func (g *corpusGen) unix(d time.Duration) string { return strconv.FormatInt(g.now.Add(d).Unix(), 10) }

func ck(name, value string) string { return name + "=" + value }

// devBrowser adds a dev-browser cookie (both spellings) on development
// instances, so that scenarios get past the dev-browser steps.
func (g *corpusGen) devBrowser(inst *ioInstance, cookies []string) []string {
	if !inst.dev {
		return cookies
	}
	db := fmt.Sprintf("dvb_%d", g.id())
	return append(cookies, ck("__clerk_db_jwt", db), ck("__clerk_db_jwt_"+inst.suffix, db))
}

func (g *corpusGen) add(inst *ioInstance, kind reqKind, group string, b reqBuild, accepts any) {
	id := fmt.Sprintf("c%05d", len(g.cases)+1)
	path := b.path
	if path == "" {
		path = "/dashboard"
	}
	u := inst.appOrigin + path
	host := strings.TrimPrefix(strings.TrimPrefix(inst.appOrigin, "https://"), "http://")
	headers := [][2]string{{"host", host}}
	if kind.dest != "" {
		headers = append(headers, [2]string{"sec-fetch-dest", kind.dest})
	}
	if kind.accept != "" {
		headers = append(headers, [2]string{"accept", kind.accept})
	}
	if len(b.cookies) > 0 {
		headers = append(headers, [2]string{"cookie", strings.Join(b.cookies, "; ")})
	}
	for _, h := range b.headers {
		if h[0] == "host" {
			headers[0] = h
			continue
		}
		headers = append(headers, h)
	}
	for _, o := range b.owns {
		g.fake.own(o, id)
	}
	g.cases = append(g.cases, &ioCase{ID: id, Instance: inst.name, Accepts: accepts, Method: kind.method,
		URL: u, Headers: headers, group: group, divergence: b.div})
}

func (g *corpusGen) build() *ioCorpus {
	g.instancesSetup()
	for _, inst := range g.order {
		for _, kind := range reqKinds {
			for _, sc := range g.cookieScenarios(inst) {
				g.add(inst, kind, "cookie/"+sc.name, sc.b, nil)
			}
		}
	}
	g.headerCases()
	g.hostileCases()
	g.requestVariants()
	g.randomCases(3000)
	return &ioCorpus{Now: g.now.UnixMilli(), JWTKey: g.key.PublicKeyPEM(), APIURL: g.fake.srv.URL,
		Instances: g.instances, Cases: g.cases}
}

// cookieScenarios are the cookie-flow requests for one instance (fresh
// tokens, nonces and session IDs on every call).
func (g *corpusGen) cookieScenarios(inst *ioInstance) []scenario {
	sfx := func(n string) string { return n + "_" + inst.suffix }
	uat := g.unix(-10 * time.Second)
	var out []scenario
	add := func(name string, b reqBuild) {
		if !strings.HasPrefix(name, "devbrowser") {
			b.cookies = g.devBrowser(inst, b.cookies)
		}
		out = append(out, scenario{name, b})
	}
	signedIn := func(tok string) []string { return []string{ck("__session", tok), ck("__client_uat", uat)} }

	// Steps 7-9.
	add("anon", reqBuild{})
	add("session-only", reqBuild{cookies: []string{ck("__session", g.tok(inst))}})
	add("uat-only", reqBuild{cookies: []string{ck("__client_uat", uat)}})
	add("uat-zero", reqBuild{cookies: []string{ck("__client_uat", "0")}})
	add("uat-zero-with-session", reqBuild{cookies: []string{ck("__session", g.tok(inst)), ck("__client_uat", "0")}})
	add("uat-garbage", reqBuild{cookies: []string{ck("__session", g.tok(inst)), ck("__client_uat", "soon")}})
	add("uat-hex", reqBuild{cookies: []string{ck("__session", g.tok(inst)), ck("__client_uat", "0x10")}})
	// Step 17 and the query the redirect URLs carry.
	add("signed-in", reqBuild{cookies: signedIn(g.tok(inst))})
	add("signed-in-query", reqBuild{path: "/dashboard/a%20b?x=1&y=two+words&z=%7E*&flag&__clerk_db_jwt=stale&__dev_session=old", cookies: signedIn(g.tok(inst))})
	add("signed-in-v1-org", reqBuild{cookies: signedIn(g.key.MustSign(clerktest.SessionV1(ioUser, "sess_v1", g.now,
		clerktest.WithIssuer(inst.iss), clerktest.WithAuthorizedParty(inst.appOrigin),
		clerktest.WithOrg(clerktest.Org{ID: "org_1", Slug: "acme", Role: "org:admin", Permissions: []string{"org:invoices:read"}}))))})
	add("signed-in-v2-org", reqBuild{cookies: signedIn(g.tok(inst, clerktest.WithOrg(clerktest.Org{ID: "org_1", Slug: "acme", Role: "admin",
		Permissions: []string{"org:invoices:read", "org:invoices:create", "org:reports:read"}})))})
	add("pending", reqBuild{cookies: signedIn(g.tok(inst, clerktest.WithSessionStatus("pending")))})
	add("no-azp", reqBuild{cookies: signedIn(g.tok(inst, clerktest.WithoutClaim("azp")))})
	add("azp-other", reqBuild{cookies: signedIn(g.tok(inst, clerktest.WithAuthorizedParty("https://evil.example")))})
	add("aud-other", reqBuild{cookies: signedIn(g.tok(inst, clerktest.WithClaim("aud", "other.example.com")))})
	add("aud-match", reqBuild{cookies: signedIn(g.tok(inst, clerktest.WithClaim("aud", []string{"x", "api.example.com"})))})
	add("malformed-fea", reqBuild{cookies: signedIn(g.tok(inst, clerktest.WithOrg(clerktest.Org{ID: "org_1", Slug: "acme", Role: "admin"}),
		clerktest.WithClaim("fea", "nocolon"))), div: ""})
	// §1.4 suffixed-cookie selection.
	add("suffixed", reqBuild{cookies: []string{ck(sfx("__session"), g.tok(inst)), ck(sfx("__client_uat"), uat)}})
	add("rule4-unsuffixed-newer", reqBuild{cookies: []string{ck("__session", g.tok(inst)), ck(sfx("__session"), g.tok(inst, clerktest.WithIat(-100*time.Second))),
		ck("__client_uat", uat), ck(sfx("__client_uat"), uat)}})
	add("rule8-suffixed-newer", reqBuild{cookies: []string{ck("__session", g.tok(inst, clerktest.WithIat(-100*time.Second))), ck(sfx("__session"), g.tok(inst)),
		ck("__client_uat", uat), ck(sfx("__client_uat"), uat)}})
	add("rule5-suffixed-uat-zero", reqBuild{cookies: []string{ck("__session", g.tok(inst)), ck("__client_uat", uat), ck(sfx("__client_uat"), "0")}})
	add("rule6-expired-suffixed", reqBuild{cookies: []string{ck(sfx("__session"), g.tok(inst, clerktest.WithExp(-time.Hour), clerktest.WithIat(-2*time.Hour))),
		ck(sfx("__client_uat"), uat), ck("__client_uat", "0")}})
	add("rule7-no-suffixed-uat", reqBuild{cookies: []string{ck(sfx("__session"), g.tok(inst)), ck("__client_uat", uat)}})
	add("rule7-empty-suffixed-uat", reqBuild{cookies: []string{ck(sfx("__session"), g.tok(inst)), ck(sfx("__client_uat"), ""), ck("__client_uat", uat), ck("__session", g.tok(inst))}})
	add("rule2-foreign-issuer", reqBuild{cookies: []string{ck("__session", g.tok(inst, clerktest.WithIssuer("https://clerk.other.example"))),
		ck(sfx("__session"), g.tok(inst)), ck(sfx("__client_uat"), uat), ck("__client_uat", uat)}})
	add("rule1-no-issuer", reqBuild{cookies: signedIn(g.tok(inst, clerktest.WithoutClaim("iss")))})
	add("rule1-empty-issuer", reqBuild{cookies: append(signedIn(g.tok(inst, clerktest.WithIssuer(""))), ck(sfx("__session"), g.tok(inst)), ck(sfx("__client_uat"), uat))})
	add("rule1-garbage-session", reqBuild{cookies: append(signedIn("not-a-token"), ck(sfx("__session"), g.tok(inst)), ck(sfx("__client_uat"), uat))})
	add("duplicate-cookies", reqBuild{cookies: []string{ck("__session", g.tok(inst)), ck("__session", "second"), ck("__client_uat", uat), ck("__client_uat", "0")}})
	add("percent-encoded-cookie", reqBuild{cookies: []string{ck("__session", strings.ReplaceAll(g.tok(inst), ".", "%2E")), ck("__client_uat", uat)}})
	add("malformed-percent-cookie", reqBuild{cookies: []string{ck("__session", g.tok(inst)+"%zz"), ck("__client_uat", uat)}})
	// Steps 10-13 and §1.9.
	add("iat-before-uat", reqBuild{cookies: []string{ck("__session", g.tok(inst, clerktest.WithIat(-60*time.Second))), ck("__client_uat", g.unix(-30*time.Second))}})
	add("iat-string", reqBuild{cookies: []string{ck("__session", g.tok(inst, clerktest.WithClaim("iat", "5"))), ck("__client_uat", uat)}})
	add("iat-equal-uat", reqBuild{cookies: []string{ck("__session", g.tok(inst, clerktest.WithIat(-10*time.Second))), ck("__client_uat", uat)}})
	add("expired", reqBuild{cookies: signedIn(g.tok(inst, clerktest.WithExp(-time.Minute), clerktest.WithIat(-2*time.Minute)))})
	add("expired-within-skew", reqBuild{cookies: signedIn(g.tok(inst, clerktest.WithExp(-3*time.Second), clerktest.WithIat(-time.Minute)))})
	add("nbf-future", reqBuild{cookies: []string{ck("__session", g.tok(inst, clerktest.WithNbf(time.Minute))), ck("__client_uat", "1")}})
	add("iat-future", reqBuild{cookies: []string{ck("__session", g.tok(inst, clerktest.WithIat(time.Minute))), ck("__client_uat", "1")}})
	add("bad-signature", reqBuild{cookies: signedIn(g.other.MustSign(clerktest.SessionV2(ioUser, "sess_x", g.now, clerktest.WithIssuer(inst.iss))))})
	add("garbage", reqBuild{cookies: signedIn("garbage")})
	add("three-parts-garbage", reqBuild{cookies: signedIn("a.b.c")})
	add("template-category", reqBuild{cookies: signedIn(g.key.MustSign(clerktest.SessionV2(ioUser, "sess_t", g.now, clerktest.WithIssuer(inst.iss)), clerktest.WithCategory(clerktest.CategoryTemplate)))})
	add("m2m-category", reqBuild{cookies: signedIn(g.key.MustSign(clerktest.SessionV2(ioUser, "sess_t", g.now, clerktest.WithIssuer(inst.iss)), clerktest.WithCategory(clerktest.CategoryM2M)))})
	add("machine-jwt", reqBuild{cookies: signedIn(g.key.MustSign(clerktest.M2MClaims("mch_1", g.now), clerktest.WithCategory(clerktest.CategoryM2M)))})
	add("oauth-jwt", reqBuild{cookies: signedIn(g.key.MustSign(clerktest.OAuthClaims(ioUser, "client_1", g.now), clerktest.WithTyp(clerktest.TypOAuthAccessToken)))})
	add("alg-none", reqBuild{cookies: signedIn(g.key.MustSign(clerktest.SessionV2(ioUser, "sess_n", g.now, clerktest.WithIssuer(inst.iss)), clerktest.WithAlg("none")))})
	add("exp-string", reqBuild{cookies: signedIn(g.tok(inst, clerktest.WithClaim("exp", "soon")))})
	add("no-sub", reqBuild{cookies: signedIn(g.tok(inst, clerktest.WithoutClaim("sub")))})
	// §1.9 refresh.
	for _, r := range g.refreshScenarios(inst) {
		add(r.name, r.b)
	}
	// §1.8.3 loop guard.
	for _, n := range []string{"1", "2", "3", "3.0", "4", "0x3", "abc", "-1", "1.5"} {
		add("redirect-count-"+n, reqBuild{cookies: []string{ck("__session", g.tok(inst)), ck("__clerk_redirect_count", n)}})
	}
	// Step 15: cross-origin referrers.
	accounts := "https://" + strings.Replace(strings.Replace(inst.fapi, "clerk.accounts.", "accounts.", 1), "clerk.", "accounts.", 1)
	for _, ref := range []string{"https://satellite.example/page", inst.appOrigin + "/other", "https://" + inst.fapi + "/v1/client",
		accounts + "/sign-in", "https://foo.accounts.dev/sign-in", "https://accounts.foo.lcl.dev/", "android-app://com.example/",
		"not a url", strings.Replace(inst.appOrigin, "://", "://x.", 1), inst.appOrigin + ":443/x", "https://proxy.example.dev/x"} {
		add("referrer", reqBuild{cookies: signedIn(g.tok(inst)), headers: [][2]string{{"referer", ref}}})
	}
	add("referrer-loop", reqBuild{cookies: append(signedIn(g.tok(inst)), ck("__clerk_redirect_count", "1")), headers: [][2]string{{"referer", "https://satellite.example/"}}})
	// Steps 2-6: satellites, dev browser, primary sync.
	add("synced-false", reqBuild{path: "/dashboard?__clerk_synced=false", cookies: signedIn(g.tok(inst))})
	add("synced-false-anon", reqBuild{path: "/dashboard?__clerk_synced=false"})
	add("synced-true-anon", reqBuild{path: "/dashboard?__clerk_synced=true"})
	add("devbrowser-missing", reqBuild{cookies: signedIn(g.tok(inst))})
	add("devbrowser-query", reqBuild{path: "/dashboard?a=1&__clerk_db_jwt=dvb_query", cookies: signedIn(g.tok(inst))})
	add("devbrowser-query-empty", reqBuild{path: "/dashboard?__clerk_db_jwt=", cookies: signedIn(g.tok(inst))})
	add("devbrowser-suffixed-only", reqBuild{cookies: append(signedIn(g.tok(inst)), ck("__clerk_db_jwt_"+inst.suffix, "dvb_sfx"))})
	add("primary-sync", reqBuild{path: "/?__clerk_redirect_url=" + url.QueryEscape("https://satellite.dev/page?x=1&__clerk_synced=false"), cookies: signedIn(g.tok(inst)), div: divIfDevPrimary(inst, "sync-target-origin")})
	add("primary-sync-anon", reqBuild{path: "/?__clerk_redirect_url=" + url.QueryEscape("https://satellite.dev/"), div: divIfDevPrimary(inst, "sync-target-origin")})
	add("primary-sync-with-db", reqBuild{path: "/?__clerk_db_jwt=dvb_q&__clerk_redirect_url=" + url.QueryEscape("https://satellite.dev/a?__clerk_db_jwt=old"), div: divIfDevPrimary(inst, "sync-target-origin")})
	add("primary-sync-same-origin", reqBuild{path: "/?__clerk_redirect_url=" + url.QueryEscape(inst.appOrigin+"/page?x=1"), cookies: signedIn(g.tok(inst))})
	add("primary-sync-invalid", reqBuild{path: "/?__clerk_redirect_url=not%20a%20url", cookies: signedIn(g.tok(inst))})
	add("primary-sync-script", reqBuild{path: "/?__clerk_redirect_url=" + url.QueryEscape("javascript:alert(1)"), cookies: signedIn(g.tok(inst)), div: divIfDevPrimary(inst, "sync-target-scheme")})
	// §1.8.4 handshake resolution.
	for _, h := range g.handshakeScenarios(inst) {
		add(h.name, h.b)
	}
	// §8 organization activation.
	if inst.OrgSync != nil {
		org := clerktest.WithOrg(clerktest.Org{ID: "org_1", Slug: "acme", Role: "admin"})
		for _, p := range []string{"/orgs/acme", "/orgs/other", "/orgs/ACME/settings", "/orgs-by-id/org_1", "/orgs-by-id/org_2", "/me", "/me/profile", "/elsewhere", "/orgs/a%20b"} {
			add("org-active", reqBuild{path: p, cookies: signedIn(g.tok(inst, org))})
			add("org-none", reqBuild{path: p, cookies: signedIn(g.tok(inst))})
			add("org-handshake-reason", reqBuild{path: p, cookies: []string{ck("__session", g.tok(inst, org))}})
		}
		for _, n := range []string{"2", "3", "7"} {
			add("org-loop-"+n, reqBuild{path: "/orgs/other", cookies: append(signedIn(g.tok(inst, org)), ck("__clerk_redirect_count", n))})
		}
		add("org-pending", reqBuild{path: "/orgs/other", cookies: signedIn(g.tok(inst, org, clerktest.WithSessionStatus("pending")))})
	}
	return out
}

func divIfDevPrimary(inst *ioInstance, div string) string {
	if inst.dev && !inst.IsSatellite {
		return div
	}
	return ""
}

// refreshScenarios expire the session token and give the request a refresh
// cookie; the session ID picks the fake's answer (spec §1.9).
func (g *corpusGen) refreshScenarios(inst *ioInstance) []scenario {
	sfx := func(n string) string { return n + "_" + inst.suffix }
	expired := func() (string, string) {
		return g.session(inst, clerktest.WithExp(-time.Minute), clerktest.WithIat(-2*time.Minute))
	}
	uat := g.unix(-5 * time.Minute)
	var out []scenario
	type answer struct {
		name string
		a    func(sid string) fakeAnswer
	}
	fresh := func(sid string) string {
		return g.key.MustSign(clerktest.SessionV2(ioUser, sid, g.now, clerktest.WithIssuer(inst.iss), clerktest.WithAuthorizedParty(inst.appOrigin)))
	}
	cookiesJSON := func(list ...string) string {
		q := make([]string, len(list))
		for i, c := range list {
			q[i] = strconv.Quote(c)
		}
		return `{"object":"cookies","cookies":[` + strings.Join(q, ",") + `]}`
	}
	answers := []answer{
		{"ok", func(sid string) fakeAnswer {
			return fakeAnswer{status: 200, body: cookiesJSON("__session="+fresh(sid)+"; Path=/; SameSite=Lax", "__client_uat="+g.unix(0)+"; Path=/; Max-Age=315360000")}
		}},
		{"ok-suffixed", func(sid string) fakeAnswer {
			return fakeAnswer{status: 200, body: cookiesJSON("__session_"+inst.suffix+"="+fresh(sid)+"; Path=/", "__session="+fresh(sid)+"; Path=/")}
		}},
		{"error-code", func(string) fakeAnswer {
			return fakeAnswer{status: 400, body: `{"errors":[{"code":"session_token_and_refresh_token_mismatch","message":"mismatch"}],"clerk_trace_id":"t1"}`}
		}},
		{"error-unexpected", func(string) fakeAnswer {
			return fakeAnswer{status: 422, body: `{"errors":[{"code":"unexpected_error","message":"boom"}]}`}
		}},
		{"error-500-text", func(string) fakeAnswer { return fakeAnswer{status: 500, body: "oops", contentType: "text/plain"} }},
		{"error-500-no-errors", func(string) fakeAnswer { return fakeAnswer{status: 500, body: `{"errors":[]}`} }},
		{"empty-cookies", func(string) fakeAnswer { return fakeAnswer{status: 200, body: cookiesJSON()} }},
		{"no-session-cookie", func(string) fakeAnswer { return fakeAnswer{status: 200, body: cookiesJSON("__client_uat=1; Path=/")} }},
		{"invalid-token", func(string) fakeAnswer {
			return fakeAnswer{status: 200, body: cookiesJSON("__session=garbage; Path=/")}
		}},
		{"expired-token", func(sid string) fakeAnswer {
			return fakeAnswer{status: 200, body: cookiesJSON("__session=" + g.key.MustSign(clerktest.SessionV2(ioUser, sid, g.now.Add(-time.Hour), clerktest.WithIssuer(inst.iss))) + "; Path=/")}
		}},
		{"bad-json", func(string) fakeAnswer { return fakeAnswer{status: 200, body: "{not json"} }},
		{"hang-up", func(string) fakeAnswer { return fakeAnswer{hangUp: true} }},
	}
	for _, a := range answers {
		tok, sid := expired()
		g.fake.setRefresh(sid, a.a(sid))
		out = append(out, scenario{"refresh-" + a.name, reqBuild{
			cookies: []string{ck("__session", tok), ck("__client_uat", uat), ck(sfx("__refresh"), "rt_"+sid)}, owns: []string{sid}}})
	}
	// Suffixed cookies: the query says suffixed_cookies=true.
	tok, sid := expired()
	g.fake.setRefresh(sid, answers[1].a(sid))
	out = append(out, scenario{"refresh-suffixed-cookies", reqBuild{
		cookies: []string{ck(sfx("__session"), tok), ck(sfx("__client_uat"), uat), ck(sfx("__refresh"), "rt_"+sid)}, owns: []string{sid}}})
	// The un-suffixed __refresh cookie is never read.
	tok, _ = expired()
	out = append(out, scenario{"refresh-unsuffixed-cookie", reqBuild{cookies: []string{ck("__session", tok), ck("__client_uat", uat), ck("__refresh", "rt")}}})
	// An expired token without sid.
	tok = g.key.MustSign(clerktest.SessionV2(ioUser, "x", g.now.Add(-2*time.Minute), clerktest.WithIssuer(inst.iss), clerktest.WithoutClaim("sid")))
	out = append(out, scenario{"refresh-no-sid", reqBuild{cookies: []string{ck("__session", tok), ck("__client_uat", uat), ck(sfx("__refresh"), "rt")}}})
	return out
}

// handshakeScenarios carry a handshake nonce or token (spec §1.8.4).
func (g *corpusGen) handshakeScenarios(inst *ioInstance) []scenario {
	sfx := inst.suffix
	uat := g.unix(0)
	var out []scenario
	nonceCase := func(name string, a fakeAnswer, cookies ...string) {
		nonce := fmt.Sprintf("nonce_%d", g.id())
		g.fake.setNonce(nonce, a)
		b := reqBuild{owns: []string{nonce}, cookies: cookies}
		// Development gets the nonce in the query, production in a cookie;
		// both are read either way.
		if inst.dev {
			b.path = "/dashboard?x=1&__clerk_handshake_nonce=" + nonce + "&__clerk_help=1&y=2"
		} else {
			b.cookies = append(b.cookies, ck("__clerk_handshake_nonce", nonce))
		}
		out = append(out, scenario{"handshake-nonce-" + name, b})
	}
	dirs := func(list ...string) fakeAnswer {
		q := make([]string, len(list))
		for i, c := range list {
			q[i] = strconv.Quote(c)
		}
		return fakeAnswer{status: 200, body: `{"directives":[` + strings.Join(q, ",") + `]}`}
	}
	tok := func(opts ...clerktest.ClaimOption) string { return g.tok(inst, opts...) }
	nonceCase("signed-in", dirs("__session="+tok()+"; Path=/; SameSite=Lax", "__client_uat="+uat+"; Path=/; Max-Age=315360000; SameSite=Lax"))
	nonceCase("suffixed", dirs("__session_"+sfx+"="+tok()+"; Path=/", "__client_uat_"+sfx+"="+uat+"; Path=/"))
	nonceCase("last-session-wins", dirs("__session="+tok(clerktest.WithoutClaim("sub"))+"; Path=/", "__session_"+sfx+"="+tok()+"; Path=/"))
	nonceCase("signed-out", dirs("__session=; Path=/; Max-Age=0", "__client_uat=0; Path=/"))
	nonceCase("no-directives", fakeAnswer{status: 200, body: `{"directives":[]}`})
	nonceCase("unknown", fakeAnswer{status: 404, body: `{"errors":[{"code":"resource_not_found","message":"not found"}]}`}, ck("__session", tok()), ck("__client_uat", g.unix(-10*time.Second)))
	nonceCase("expired-token", dirs("__session="+tok(clerktest.WithExp(-time.Hour), clerktest.WithIat(-2*time.Hour))+"; Path=/"))
	nonceCase("expired-2-days", dirs("__session="+tok(clerktest.WithExp(-48*time.Hour), clerktest.WithIat(-49*time.Hour))+"; Path=/"), ck("__session", tok()), ck("__client_uat", g.unix(-10*time.Second)))
	nonceCase("bad-signature", dirs("__session="+g.other.MustSign(clerktest.SessionV2(ioUser, "s", g.now, clerktest.WithIssuer(inst.iss)))+"; Path=/"))
	nonceCase("azp-other", dirs("__session="+tok(clerktest.WithAuthorizedParty("https://evil.example"))+"; Path=/"))

	hsCase := func(name string, hs string, cookies ...string) {
		b := reqBuild{cookies: cookies}
		if inst.dev {
			b.path = "/dashboard?__clerk_handshake=" + url.QueryEscape(hs) + "&keep=1"
		} else {
			b.cookies = append(b.cookies, ck("__clerk_handshake", hs))
		}
		out = append(out, scenario{"handshake-token-" + name, b})
	}
	payload := func(list ...string) map[string]any { return map[string]any{"handshake": list} }
	good := []string{"__session=" + tok() + "; Path=/", "__client_uat=" + uat + "; Path=/"}
	hsCase("valid", g.key.MustSign(payload(good...)))
	hsCase("session-category", g.key.MustSign(payload(good...), clerktest.WithCategory(clerktest.CategorySession)))
	hsCase("bad-signature", g.other.MustSign(payload(good...)), ck("__session", tok()), ck("__client_uat", g.unix(-10*time.Second)))
	hsCase("template-category", g.key.MustSign(payload(good...), clerktest.WithCategory(clerktest.CategoryTemplate)))
	hsCase("typ", g.key.MustSign(payload(good...), clerktest.WithTyp("foo")))
	hsCase("alg-none", g.key.MustSign(payload(good...), clerktest.WithAlg("none")))
	hsCase("garbage", "garbage", ck("__session", tok()), ck("__client_uat", g.unix(-10*time.Second)))
	hsCase("no-handshake-claim", g.key.MustSign(map[string]any{"sub": "x"}))
	hsCase("handshake-not-array", g.key.MustSign(map[string]any{"handshake": "__session=x"}))
	hsCase("signed-out", g.key.MustSign(payload("__session=; Max-Age=0", "__client_uat=0")))
	return out
}

// headerCases are the Authorization-header requests against every
// acceptsToken form (spec §1.5, §1.6, §6.6). Machine tokens that reach
// verification get the fake's "not found".
func (g *corpusGen) headerCases() {
	acceptsForms := []any{nil, "session_token", "any", "api_key", "m2m_token", "oauth_token",
		[]string{"session_token", "api_key"}, []string{"api_key", "m2m_token"}, []string{"oauth_token", "session_token", "m2m_token"}}
	kinds := []reqKind{reqKinds[0], reqKinds[3], reqKinds[4]}
	for _, name := range []string{"dev", "prod", "prod-azp", "prod-audience"} {
		inst := g.instances[name]
		for _, kind := range kinds {
			for _, acc := range acceptsForms {
				tokens := []struct{ name, auth string }{
					{"valid", "Bearer " + g.tok(inst)},
					{"valid-no-scheme", g.tok(inst)},
					{"expired", "Bearer " + g.tok(inst, clerktest.WithExp(-time.Minute), clerktest.WithIat(-2*time.Minute))},
					{"nbf", "Bearer " + g.tok(inst, clerktest.WithNbf(time.Minute))},
					{"azp-other", "Bearer " + g.tok(inst, clerktest.WithAuthorizedParty("https://evil.example"))},
					{"no-azp", "Bearer " + g.tok(inst, clerktest.WithoutClaim("azp"))},
					{"aud-other", "Bearer " + g.tok(inst, clerktest.WithClaim("aud", "nope"))},
					{"bad-signature", "Bearer " + g.other.MustSign(clerktest.SessionV2(ioUser, "s", g.now))},
					{"template", "Bearer " + g.key.MustSign(clerktest.SessionV2(ioUser, "s", g.now), clerktest.WithCategory(clerktest.CategoryTemplate))},
					{"m2m-category-session-claims", "Bearer " + g.key.MustSign(clerktest.SessionV2(ioUser, "s", g.now), clerktest.WithCategory(clerktest.CategoryM2M))},
					{"api-key", "Bearer ak_" + strings.Repeat("a", 30)},
					{"m2m", "Bearer mt_" + strings.Repeat("b", 30)},
					{"oauth", "Bearer oat_" + strings.Repeat("c", 30)},
					{"garbage", "Bearer garbage"},
					{"bearer-only", "Bearer"},
					{"lowercase-bearer", "bearer " + g.tok(inst)},
					{"basic", "Basic dXNlcjpwYXNz"},
					{"two-spaces", "Bearer  " + g.tok(inst)},
					{"none", ""},
					{"malformed-fea", "Bearer " + g.tok(inst, clerktest.WithOrg(clerktest.Org{ID: "org_1", Slug: "acme", Role: "admin"}), clerktest.WithClaim("fea", "nocolon"))},
				}
				for _, tk := range tokens {
					b := reqBuild{cookies: g.devBrowser(inst, []string{ck("__session", g.tok(inst)), ck("__client_uat", g.unix(-10*time.Second))})}
					if tk.auth != "" {
						b.headers = [][2]string{{"authorization", tk.auth}}
					}
					g.add(inst, kind, "header/"+tk.name, b, acc)
				}
				// A header token with an expired cookie and a refresh
				// cookie: the refresh uses the cookie's token.
				tok, sid := g.session(inst, clerktest.WithExp(-time.Minute), clerktest.WithIat(-2*time.Minute))
				g.fake.setRefresh(sid, fakeAnswer{status: 400, body: `{"errors":[{"code":"session_expired","message":"x"}]}`})
				b := reqBuild{cookies: g.devBrowser(inst, []string{ck("__session", tok), ck("__refresh_"+inst.suffix, "rt")}), owns: []string{sid},
					headers: [][2]string{{"authorization", "Bearer " + g.tok(inst, clerktest.WithExp(-time.Minute), clerktest.WithIat(-2*time.Minute))}}}
				g.add(inst, kind, "header/expired-with-refresh-cookie", b, acc)
			}
		}
	}
	// Machine JWTs.
	inst := g.instances["prod"]
	for _, acc := range acceptsForms {
		for _, kind := range kinds {
			m2m := g.key.MustSign(clerktest.M2MClaims("mch_1", g.now), clerktest.WithCategory(clerktest.CategoryM2M))
			oauth := g.key.MustSign(clerktest.OAuthClaims(ioUser, "client_1", g.now), clerktest.WithTyp(clerktest.TypOAuthAccessToken))
			g.add(inst, kind, "header/m2m-jwt", reqBuild{headers: [][2]string{{"authorization", "Bearer " + m2m}}}, acc)
			g.add(inst, kind, "header/oauth-jwt", reqBuild{headers: [][2]string{{"authorization", "Bearer " + oauth}}}, acc)
		}
	}
	// Satellite origin assertion.
	for _, name := range []string{"dev-satellite", "prod-satellite"} {
		inst := g.instances[name]
		for _, origin := range []string{"https://primary.dev", "https://example.com", "https://satellite.com"} {
			g.add(inst, reqKinds[3], "header/satellite-origin", reqBuild{headers: [][2]string{{"origin", origin}}}, nil)
		}
	}
}

// hostileCases are proxy headers and Cookie headers an attacker controls.
func (g *corpusGen) hostileCases() {
	for _, name := range []string{"dev", "prod", "dev-proxy-relative"} {
		inst := g.instances[name]
		for _, kind := range []reqKind{reqKinds[0], reqKinds[3]} {
			session := func() []string { return g.devBrowser(inst, []string{ck("__session", g.tok(inst))}) }
			for _, fw := range []struct {
				host, proto, div string
			}{
				{"app.example.com", "https", ""},
				{"Example.COM:443", "https", ""},
				{"example.com:8443", "http", ""},
				{"a.example.com, b.example.com", "https, http", ""},
				{"app.example.com", "HTTPS", ""},
				{" spaced.example.com ", "https", ""},
				{"[::1]:3000", "http", ""},
				{"", "https", ""},
				{"app.example.com", "", ""},
				{"evil.com/path", "https", "hostile-forwarded"},
				{"user@evil.com", "https", "hostile-forwarded"},
				{"evil.com", "javascript", "hostile-forwarded"},
				{"evil.com", "ftp", "hostile-forwarded"},
				{"evil.com:99999", "https", ""},
				{"evil.com?x=1", "https", "hostile-forwarded"},
				{"evil.com#frag", "https", "hostile-forwarded"},
				{strings.Repeat("a", 300) + ".com", "https", "hostile-forwarded"},
			} {
				var h [][2]string
				if fw.host != "" {
					h = append(h, [2]string{"x-forwarded-host", fw.host})
				}
				if fw.proto != "" {
					h = append(h, [2]string{"x-forwarded-proto", fw.proto})
				}
				g.add(inst, kind, "hostile/forwarded", reqBuild{cookies: session(), headers: h, div: fw.div}, nil)
			}
			// Cookie bombs: the session cookie before and after 32 KiB.
			filler := []string{}
			for i := 0; len(strings.Join(filler, "; ")) < 40<<10; i++ {
				filler = append(filler, fmt.Sprintf("junk%d=%s", i, strings.Repeat("x", 1000)))
			}
			tok := g.tok(inst)
			g.add(inst, kind, "hostile/cookie-bomb", reqBuild{cookies: append(append(g.devBrowser(inst, nil), ck("__session", tok), ck("__client_uat", g.unix(-10*time.Second))), filler...)}, nil)
			g.add(inst, kind, "hostile/cookie-bomb", reqBuild{cookies: append(append(g.devBrowser(inst, nil), filler...), ck("__session", tok), ck("__client_uat", g.unix(-10*time.Second))), div: "cookie-cap"}, nil)
			g.add(inst, kind, "hostile/cookie-syntax", reqBuild{cookies: g.devBrowser(inst, []string{"__session", "=x", "; ;", "__client_uat=1=2", "__session=%3B" + tok, " __client_uat = " + g.unix(-10*time.Second) + " "})}, nil)
			g.add(inst, kind, "hostile/handshake-nonce", reqBuild{path: "/?__clerk_handshake_nonce=" + url.QueryEscape("../../v1/jwks?x=1#") + "&__clerk_handshake=" + url.QueryEscape("a.b")}, nil)
		}
	}
}

// requestVariants vary how the request itself looks (method, fetch
// metadata, Accept, referrer spelling) around a request that needs a
// handshake and one that is signed in (spec §1.8.1, §1.7 step 15).
func (g *corpusGen) requestVariants() {
	var kinds []reqKind
	for _, m := range []string{"GET", "HEAD", "PUT", "OPTIONS", "DELETE"} {
		for _, dest := range []string{"", "document", "Document", "iframe", "frame", "script", "empty", "embed"} {
			for _, accept := range []string{"", "text/html", "TEXT/HTML", "application/json, text/html", "text/html;q=0.9", "*/*"} {
				kinds = append(kinds, reqKind{"v", m, dest, accept})
			}
		}
	}
	for _, name := range []string{"dev", "prod", "prod-satellite", "dev-satellite"} {
		inst := g.instances[name]
		for _, kind := range kinds {
			g.add(inst, kind, "variant/handshake", reqBuild{cookies: g.devBrowser(inst, []string{ck("__session", g.tok(inst))})}, nil)
		}
		for _, ref := range []string{strings.ToUpper(inst.appOrigin) + "/x", inst.appOrigin + ":443/", inst.appOrigin + ":80/", "HTTPS://" + strings.ToUpper(inst.fapi) + "/", "//evil.example/x", "/relative", "https://user:pw@evil.example/", "https://[::1]/", "http://127.0.0.1:3000/"} {
			g.add(inst, reqKinds[0], "variant/referrer", reqBuild{cookies: g.devBrowser(inst, []string{ck("__session", g.tok(inst)), ck("__client_uat", g.unix(-10*time.Second))}), headers: [][2]string{{"referer", ref}}}, nil)
		}
	}
}

// randomCases mix cookies, query parameters and headers from pools of
// meaningful values, to find interactions the scenarios do not name.
func (g *corpusGen) randomCases(n int) {
	rng := rand.New(rand.NewPCG(4, 2))
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	insts := []string{"dev", "prod", "dev-proxy-relative", "prod-proxy", "dev-satellite", "prod-satellite", "prod-satellite-autosync", "prod-azp", "dev-orgs", "prod-orgs"}
	accepts := []any{nil, nil, nil, "any", "api_key", []string{"session_token", "m2m_token"}, []string{"api_key", "oauth_token"}}
	for i := 0; i < n; i++ {
		inst := g.instances[pick(insts)]
		sfx := "_" + inst.suffix
		tokens := func() string {
			switch rng.IntN(9) {
			case 0:
				return g.tok(inst, clerktest.WithExp(-time.Minute), clerktest.WithIat(-2*time.Minute))
			case 1:
				return g.tok(inst, clerktest.WithIat(-time.Hour), clerktest.WithExp(time.Minute))
			case 2:
				return g.tok(inst, clerktest.WithIssuer("https://clerk.other.example"))
			case 3:
				return g.tok(inst, clerktest.WithOrg(clerktest.Org{ID: "org_1", Slug: "acme", Role: "admin"}))
			case 4:
				return "garbage"
			case 5:
				return g.tok(inst, clerktest.WithNbf(time.Hour))
			default:
				return g.tok(inst)
			}
		}
		uats := []string{"0", "", g.unix(-10 * time.Second), g.unix(-2 * time.Hour), g.unix(time.Hour), "abc", "1"}
		var cookies []string
		for j := rng.IntN(6); j > 0; j-- {
			switch rng.IntN(9) {
			case 0, 1:
				cookies = append(cookies, ck("__session", tokens()))
			case 2:
				cookies = append(cookies, ck("__session"+sfx, tokens()))
			case 3:
				cookies = append(cookies, ck("__client_uat", pick(uats)))
			case 4:
				cookies = append(cookies, ck("__client_uat"+sfx, pick(uats)))
			case 5:
				cookies = append(cookies, ck(pick([]string{"__clerk_db_jwt", "__clerk_db_jwt" + sfx}), "dvb_r"))
			case 6:
				cookies = append(cookies, ck("__clerk_redirect_count", pick([]string{"0", "1", "2", "3", "5"})))
			case 7:
				cookies = append(cookies, ck("__refresh"+sfx, "rt"))
			case 8:
				cookies = append(cookies, ck(pick([]string{"__session", "__client_uat", "__refresh", "__session" + sfx}), pick([]string{"", "%", "a;b", "x=y"})))
			}
		}
		var params []string
		for j := rng.IntN(4); j > 0; j-- {
			params = append(params, pick([]string{"__clerk_synced=false", "__clerk_synced=true", "__clerk_db_jwt=dvb_q", "__clerk_help=1",
				"__clerk_redirect_url=" + url.QueryEscape(inst.appOrigin+"/x?y=1"), "__dev_session=x", "q=a+b", "e=%E2%9C%93", "empty="}))
		}
		path := pick([]string{"/", "/dashboard", "/orgs/acme", "/orgs/other", "/me", "/orgs-by-id/org_2"})
		if len(params) > 0 {
			path += "?" + strings.Join(params, "&")
		}
		var headers [][2]string
		if rng.IntN(5) == 0 {
			headers = append(headers, [2]string{"referer", pick([]string{"https://satellite.example/", inst.appOrigin + "/", "https://" + inst.fapi + "/"})})
		}
		if rng.IntN(6) == 0 {
			headers = append(headers, [2]string{"authorization", "Bearer " + pick([]string{g.tok(inst), "ak_x", "garbage"})})
		}
		g.add(inst, reqKinds[rng.IntN(len(reqKinds))], "random", reqBuild{path: path, cookies: cookies, headers: headers}, accepts[rng.IntN(len(accepts))])
	}
}
