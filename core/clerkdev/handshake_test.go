package clerkdev

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clerkguard/clerkguard/core/clerktest"
)

// appURL is where the tests' imaginary application lives.
const appURL = "http://127.0.0.1:3000/dashboard?tab=1"

// signIn signs the user in through the sign-in form, as a browser does, and
// returns the handshake nonce the browser brings back to the application.
func signIn(t *testing.T, inst *Instance, b *http.Client, userID, redirectURL string) string {
	t.Helper()
	resp, data := call(t, b, "GET", inst.SignInURL()+"?redirect_url="+url.QueryEscape(redirectURL), "", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(data), `data-testid="sign-in-`+userID+`"`) {
		t.Fatalf("sign-in page: %d, no button for %s", resp.StatusCode, userID)
	}
	form := url.Values{"user_id": {userID}, "redirect_url": {redirectURL}}
	resp, err := b.PostForm(inst.SignInURL(), form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in POST: status %d", resp.StatusCode)
	}
	return nonceFrom(t, resp.Header.Get("Location"), redirectURL)
}

// nonceFrom checks that loc is redirectURL plus a handshake nonce and
// returns the nonce.
func nonceFrom(t *testing.T, loc, redirectURL string) string {
	t.Helper()
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	nonce := u.Query().Get(queryHandshakeNonce)
	if nonce == "" {
		t.Fatalf("Location %q carries no handshake nonce", loc)
	}
	want, _ := url.Parse(redirectURL)
	q := u.Query()
	q.Del(queryHandshakeNonce)
	if u.Scheme+"://"+u.Host+u.Path != want.Scheme+"://"+want.Host+want.Path || q.Encode() != want.Query().Encode() {
		t.Fatalf("Location %q does not lead back to %q", loc, redirectURL)
	}
	return nonce
}

// handshake runs GET /v1/client/handshake as the browser b and returns the
// directives it issued.
func handshake(t *testing.T, inst *Instance, b *http.Client, params url.Values) []string {
	t.Helper()
	if !params.Has("format") {
		params.Set("format", "nonce")
	}
	resp, data := call(t, b, "GET", inst.URL()+"/v1/client/handshake?"+params.Encode(), "", nil)
	if resp.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("handshake: status %d %s", resp.StatusCode, data)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("handshake Cache-Control %q", cc)
	}
	return handshakePayload(t, inst, nonceFrom(t, resp.Header.Get("Location"), params.Get("redirect_url")))
}

func TestSignInHandshakeRoundTrip(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	b := browser(t)
	before := time.Now().Unix()
	nonce := signIn(t, inst, b, "user_alice", appURL)

	dirs := handshakePayload(t, inst, nonce)
	got := parseDirectives(t, dirs)
	sfx := inst.CookieSuffix()
	for _, name := range []string{"__session", "__session_" + sfx, "__client_uat", "__client_uat_" + sfx,
		"__clerk_db_jwt", "__clerk_db_jwt_" + sfx, "__refresh_" + sfx} {
		d, ok := got[name]
		if !ok {
			t.Fatalf("no %s directive in %q", name, dirs)
		}
		if d.value == "" || strings.Contains(d.attrs, "Domain") || strings.Contains(d.attrs, "Secure") ||
			!strings.Contains(d.attrs, "Path=/") || !strings.Contains(d.attrs, "SameSite=Lax") {
			t.Errorf("directive %s has value %q and attributes %q", name, d.value, d.attrs)
		}
	}
	if len(got) != 7 {
		t.Errorf("%d directives, want 7: %q", len(got), dirs)
	}
	if !strings.Contains(got["__refresh_"+sfx].attrs, "HttpOnly") || strings.Contains(got["__session"].attrs, "HttpOnly") {
		t.Error("__refresh must be HttpOnly and __session readable")
	}

	// The session token verifies against the instance's key set and names
	// the instance and the application.
	tok := got["__session"].value
	if got["__session_"+sfx].value != tok {
		t.Error("suffixed and un-suffixed session tokens differ")
	}
	header, claims := verifyJWT(t, inst.Key().Public(), tok)
	if header["kid"] != inst.Key().KID() || header["cat"] != clerktest.CategorySession || header["alg"] != "RS256" {
		t.Errorf("header %v", header)
	}
	if claims["sub"] != "user_alice" || claims["iss"] != inst.URL() || claims["azp"] != "http://127.0.0.1:3000" ||
		!strings.HasPrefix(claims["sid"].(string), "sess_") || claims["v"] == nil || claims["sts"] != "active" {
		t.Errorf("claims %v", claims)
	}
	uat := got["__client_uat"].value
	iat := num(t, claims["iat"])
	if u := mustAtoi(t, uat); u < before || u > iat {
		t.Errorf("__client_uat %d not in [%d, iat %d]", u, before, iat)
	}
	if num(t, claims["exp"])-iat != 60 {
		t.Errorf("lifetime %d s, want 60", num(t, claims["exp"])-iat)
	}
	if _, ok := claims["o"]; ok {
		t.Error("a fresh sign-in has an active organization")
	}

	// A nonce is good once.
	resp, data := call(t, nil, "GET", inst.URL()+"/v1/clients/handshake_payload?nonce="+nonce, inst.SecretKey(), nil)
	wantClerkError(t, resp, data, http.StatusNotFound, "resource_not_found")
	resp, data = call(t, nil, "GET", inst.URL()+"/v1/clients/handshake_payload?nonce=nope", inst.SecretKey(), nil)
	wantClerkError(t, resp, data, http.StatusNotFound, "resource_not_found")

	// The browser's next handshake (the application asked for un-suffixed
	// cookies) issues the same session's cookies again.
	dirs = handshake(t, inst, b, url.Values{"redirect_url": {appURL}, "suffixed_cookies": {"false"},
		"__clerk_api_version": {"2026-05-12"}, "__clerk_hs_reason": {"session-token-expired-refresh-non-eligible-no-refresh-cookie"}})
	again := parseDirectives(t, dirs)
	if len(again) != 4 || again["__session"].value == "" || again["__refresh_"+sfx].value != got["__refresh_"+sfx].value ||
		again["__clerk_db_jwt"].value != got["__clerk_db_jwt"].value || again["__client_uat"].value != uat {
		t.Errorf("second handshake: %q", dirs)
	}
	_, claims2 := verifyJWT(t, inst.Key().Public(), again["__session"].value)
	if claims2["sid"] != claims["sid"] {
		t.Error("second handshake changed the session")
	}
}

func TestHandshakeWhenSignedOut(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	b := browser(t)
	dirs := handshake(t, inst, b, url.Values{"redirect_url": {appURL}, "suffixed_cookies": {"true"}})
	got := parseDirectives(t, dirs)
	sfx := inst.CookieSuffix()
	for _, name := range []string{"__session", "__session_" + sfx, "__refresh_" + sfx} {
		if d := got[name]; d.value != "" || !strings.Contains(d.attrs, "Max-Age=0") {
			t.Errorf("%s not cleared: %+v", name, d)
		}
	}
	for _, name := range []string{"__client_uat", "__client_uat_" + sfx} {
		if got[name].value != "0" {
			t.Errorf("%s = %q, want 0", name, got[name].value)
		}
	}
	if db := got["__clerk_db_jwt"].value; !strings.HasPrefix(db, "dvb_") || got["__clerk_db_jwt_"+sfx].value != db {
		t.Errorf("dev browser %q", db)
	}

	// The browser keeps its client: the next handshake has the same dev
	// browser.
	again := parseDirectives(t, handshake(t, inst, b, url.Values{"redirect_url": {appURL}}))
	if again["__clerk_db_jwt"].value != got["__clerk_db_jwt"].value {
		t.Error("a second handshake gave a new dev browser")
	}
}

func TestSignOutClearsTheApplicationCookies(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	b := browser(t)
	got := parseDirectives(t, handshakePayload(t, inst, signIn(t, inst, b, "user_bob", appURL)))
	_, claims := verifyJWT(t, inst.Key().Public(), got["__session"].value)
	sid := claims["sid"].(string)

	resp, err := b.PostForm(inst.URL()+"/sign-out", url.Values{"redirect_url": {appURL}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", resp.StatusCode)
	}
	out := parseDirectives(t, handshakePayload(t, inst, nonceFrom(t, resp.Header.Get("Location"), appURL)))
	if out["__session"].value != "" || !strings.Contains(out["__session"].attrs, "Max-Age=0") || out["__client_uat"].value != "0" {
		t.Errorf("sign-out directives %v", out)
	}
	// The session is over for the Backend API too.
	resp, data := call(t, nil, "POST", inst.URL()+"/v1/sessions/"+sid+"/tokens", inst.SecretKey(), nil)
	wantClerkError(t, resp, data, http.StatusUnauthorized, "signed_out")
}

func TestHandshakeOrganizationID(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	type step struct {
		orgParam *string // nil: parameter absent
		wantOrg  string  // "" personal
	}
	s := func(v string) *string { return &v }
	tests := map[string]struct {
		user  string
		steps []step
	}{
		"activate by slug, then id, then personal": {"user_alice", []step{
			{s("acme"), "org_acme"}, {nil, "org_acme"}, {s("org_globex"), "org_globex"}, {s(""), ""},
		}},
		"unknown organization keeps the current one": {"user_alice", []step{
			{s("acme"), "org_acme"}, {s("org_nope"), "org_acme"}, {s("nope"), "org_acme"},
		}},
		"non-member keeps the personal account": {"user_bob", []step{
			{s("globex"), ""}, {s("acme"), "org_acme"}, {s("globex"), "org_acme"},
		}},
		"no organizations at all": {"user_carol", []step{{s("acme"), ""}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := browser(t)
			handshakePayload(t, inst, signIn(t, inst, b, tc.user, appURL))
			for n, st := range tc.steps {
				params := url.Values{"redirect_url": {"http://localhost:8080/orgs/x"}}
				if st.orgParam != nil {
					params.Set("organization_id", *st.orgParam)
				}
				got := parseDirectives(t, handshake(t, inst, b, params))
				_, claims := verifyJWT(t, inst.Key().Public(), got["__session"].value)
				org := ""
				if o, ok := claims["o"].(map[string]any); ok {
					org = o["id"].(string)
				}
				if org != st.wantOrg {
					t.Fatalf("step %d: active organization %q, want %q", n, org, st.wantOrg)
				}
				if uat := mustAtoi(t, got["__client_uat"].value); uat > num(t, claims["iat"]) {
					t.Fatalf("step %d: __client_uat %d after the token's iat", n, uat)
				}
				if claims["azp"] != "http://localhost:8080" {
					t.Errorf("azp %v", claims["azp"])
				}
			}
		})
	}
}

func TestHandshakeFindsTheClientByDevBrowser(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	b := browser(t)
	got := parseDirectives(t, handshakePayload(t, inst, signIn(t, inst, b, "user_alice", appURL)))

	// Another HTTP client without the instance cookie, but with the
	// application's dev-browser token, is the same browser.
	other := browser(t)
	dirs := handshake(t, inst, other, url.Values{"redirect_url": {appURL}, "__clerk_db_jwt": {got["__clerk_db_jwt"].value}})
	if parseDirectives(t, dirs)["__session"].value == "" {
		t.Errorf("dev-browser token did not identify the signed-in client: %q", dirs)
	}
	// An unknown dev-browser token is a new, signed-out client.
	dirs = handshake(t, inst, browser(t), url.Values{"redirect_url": {appURL}, "__clerk_db_jwt": {"dvb_unknown"}})
	if d := parseDirectives(t, dirs); d["__client_uat"].value != "0" || d["__clerk_db_jwt"].value == "dvb_unknown" {
		t.Errorf("unknown dev browser: %q", dirs)
	}
}

func TestHandshakeLegacyTokenFormat(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	b := browser(t)
	handshakePayload(t, inst, signIn(t, inst, b, "user_carol", appURL))
	resp, data := call(t, b, "GET", inst.URL()+"/v1/client/handshake?redirect_url="+url.QueryEscape(appURL), "", nil)
	if resp.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("status %d %s", resp.StatusCode, data)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	tok := loc.Query().Get(queryHandshakeToken)
	header, claims := verifyJWT(t, inst.Key().Public(), tok)
	if header["cat"] != clerktest.CategorySession {
		t.Errorf("handshake token header %v", header)
	}
	list, _ := claims["handshake"].([]any)
	var dirs []string
	for _, d := range list {
		dirs = append(dirs, d.(string))
	}
	if parseDirectives(t, dirs)["__session"].value == "" {
		t.Errorf("handshake token payload %v", claims)
	}
}

func TestHandshakeNonceExpires(t *testing.T) {
	t.Parallel()
	clock := clerktest.NewClock(time.Unix(1_750_000_000, 0))
	inst := newInstance(t, Config{Clock: clock.Now})
	b := browser(t)
	nonce := signIn(t, inst, b, "user_alice", appURL)
	clock.Advance(nonceTTL)
	resp, data := call(t, nil, "GET", inst.URL()+"/v1/clients/handshake_payload?nonce="+nonce, inst.SecretKey(), nil)
	wantClerkError(t, resp, data, http.StatusNotFound, "resource_not_found")

	nonce = signIn(t, inst, b, "user_alice", appURL)
	clock.Advance(nonceTTL - time.Second)
	handshakePayload(t, inst, nonce)

	resp, data = call(t, nil, "GET", inst.URL()+"/v1/clients/handshake_payload?nonce="+nonce, "wrong", nil)
	wantClerkError(t, resp, data, http.StatusUnauthorized, "clerk_key_invalid")
}

func TestHandshakeRejectsForeignRedirects(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	for _, target := range []string{
		"", "https://evil.example/", "//evil.example/", "/relative", "javascript:alert(1)",
		"http://user:pw@127.0.0.1/", "http://127.0.0.1.evil.example/", "http://localhost.evil.example/",
		"ftp://127.0.0.1/", "http://10.0.0.1/", "http://[::ffff:10.0.0.1]/", "http://127.0.0.1:99999/",
		"http:127.0.0.1", "http://%31%32%37.0.0.1/",
	} {
		resp, data := call(t, browser(t), "GET", inst.URL()+"/v1/client/handshake?format=nonce&redirect_url="+url.QueryEscape(target), "", nil)
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("redirect_url %q: status %d, Location %q", target, resp.StatusCode, resp.Header.Get("Location"))
			continue
		}
		wantClerkError(t, resp, data, http.StatusBadRequest, "redirect_url_invalid")
	}
	for _, target := range []string{"http://127.0.0.1/", "https://localhost:8443/x", "http://app.localhost:3000/", "http://[::1]:8080/", "http://127.1.2.3/"} {
		if _, err := validateRedirectURL(target); err != nil {
			t.Errorf("validateRedirectURL(%q) = %v, want accepted", target, err)
		}
	}
}

func TestWithQueryKeepsParametersAndReplacesStaleHandshakes(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"http://127.0.0.1:3000/p":                                 "http://127.0.0.1:3000/p?__clerk_handshake_nonce=N",
		"http://127.0.0.1:3000/p?":                                "http://127.0.0.1:3000/p?__clerk_handshake_nonce=N",
		"http://127.0.0.1:3000/p?b=2&a=%2F#frag":                  "http://127.0.0.1:3000/p?b=2&a=%2F&__clerk_handshake_nonce=N#frag",
		"http://127.0.0.1:3000/p?__clerk_handshake_nonce=old&x=1": "http://127.0.0.1:3000/p?x=1&__clerk_handshake_nonce=N",
		"http://127.0.0.1:3000/p?__clerk_handshake=jwt&x":         "http://127.0.0.1:3000/p?x&__clerk_handshake_nonce=N",
	}
	for in, want := range tests {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := withQuery(u, queryHandshakeNonce, "N"); got != want {
			t.Errorf("withQuery(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzValidateRedirectURL(f *testing.F) {
	for _, s := range []string{appURL, "http://[::1]:1/?a=b#c", "https://evil.example", "http://127.0.0.1/?__clerk_handshake_nonce=x&y=%zz", "\x00", "http://localhost:0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := validateRedirectURL(raw)
		if err != nil {
			return
		}
		loc := withQuery(u, queryHandshakeNonce, "nonce-1")
		back, err := url.Parse(loc)
		if err != nil {
			t.Fatalf("accepted %q, but the redirect %q does not parse: %v", raw, loc, err)
		}
		if (back.Scheme != "http" && back.Scheme != "https") || !isLoopbackHost(back.Hostname()) || back.User != nil {
			t.Fatalf("accepted %q leads to %q, off loopback", raw, loc)
		}
		if vals := back.Query()[queryHandshakeNonce]; !slices.Equal(vals, []string{"nonce-1"}) {
			t.Fatalf("redirect %q carries nonces %q", loc, vals)
		}
	})
}

func mustAtoi(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("%q is not a number", s)
		}
		n = n*10 + int64(c-'0')
	}
	return n
}
