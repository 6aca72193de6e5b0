package clerkdev

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func getPage(t *testing.T, b *http.Client, u string) (int, string) {
	t.Helper()
	resp, data := call(t, b, "GET", u, "", nil)
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode == 200 && ct != "text/html; charset=utf-8" {
		t.Errorf("%s: Content-Type %q", u, ct)
	}
	return resp.StatusCode, string(data)
}

func postForm(t *testing.T, b *http.Client, u string, form url.Values, origin string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := b.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestPagesHaveStableTestIDs(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	b := browser(t)
	rq := "?redirect_url=" + url.QueryEscape(appURL)

	status, home := getPage(t, b, inst.URL()+"/")
	if status != 200 || !strings.Contains(home, inst.PublishableKey()) || strings.Contains(home, inst.SecretKey()) ||
		!strings.Contains(home, "development and tests only") {
		t.Errorf("home page: %d", status)
	}
	status, page := getPage(t, b, inst.SignInURL()+rq)
	for _, want := range []string{`data-testid="sign-in-user_alice"`, `data-testid="sign-in-user_bob"`, `data-testid="sign-in-user_carol"`,
		`Sign in as Alice`, `data-testid="current-user">Signed out`, `value="http://127.0.0.1:3000/dashboard?tab=1"`} {
		if !strings.Contains(page, want) {
			t.Errorf("sign-in page (%d) lacks %s", status, want)
		}
	}
	status, page = getPage(t, b, inst.SignUpURL()+rq)
	for _, want := range []string{`data-testid="sign-up-first-name"`, `data-testid="sign-up-submit"`} {
		if status != 200 || !strings.Contains(page, want) {
			t.Errorf("sign-up page (%d) lacks %s", status, want)
		}
	}
	if _, page = getPage(t, b, inst.URL()+"/organizations"); !strings.Contains(page, "to choose an organization") {
		t.Error("organizations page for a signed-out browser")
	}

	handshakePayload(t, inst, signIn(t, inst, b, "user_alice", appURL))
	_, page = getPage(t, b, inst.URL()+"/organizations"+rq)
	for _, want := range []string{`data-testid="switch-org-org_acme"`, `data-testid="switch-org-org_globex"`,
		`data-testid="switch-personal"`, `Signed in as <strong>Alice Admin</strong>`, "on the personal account"} {
		if !strings.Contains(page, want) {
			t.Errorf("organizations page lacks %s", want)
		}
	}
	if _, page = getPage(t, b, inst.URL()+"/sign-out"+rq); !strings.Contains(page, `data-testid="sign-out"`) {
		t.Error("sign-out page has no button")
	}
	if _, page = getPage(t, b, inst.SignInURL()+"?redirect_url="+url.QueryEscape("https://evil.example/")); !strings.Contains(page, "Ignoring redirect_url") ||
		strings.Contains(page, "evil.example") {
		t.Error("sign-in page kept a foreign redirect_url")
	}
}

func TestOrganizationSwitcher(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	b := browser(t)
	handshakePayload(t, inst, signIn(t, inst, b, "user_alice", appURL))

	resp := postForm(t, b, inst.URL()+"/organizations", url.Values{"org_id": {"org_globex"}, "redirect_url": {appURL}}, inst.URL())
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch: %d", resp.StatusCode)
	}
	got := parseDirectives(t, handshakePayload(t, inst, nonceFrom(t, resp.Header.Get("Location"), appURL)))
	_, c := verifyJWT(t, inst.Key().Public(), got["__session"].value)
	if c["o"].(map[string]any)["id"] != "org_globex" || c["o"].(map[string]any)["rol"] != "member" {
		t.Errorf("after switching: %v", c["o"])
	}
	if _, page := getPage(t, b, inst.URL()+"/organizations"); !strings.Contains(page, "in <strong>Globex Corporation</strong> as org:member") {
		t.Error("the page does not show the active organization")
	}

	// Without redirect_url the switcher stays on the instance.
	resp = postForm(t, b, inst.URL()+"/organizations", url.Values{"org_id": {""}}, "")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/organizations" {
		t.Errorf("switch to personal: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	dirs := handshake(t, inst, b, url.Values{"redirect_url": {appURL}})
	if _, c := verifyJWT(t, inst.Key().Public(), parseDirectives(t, dirs)["__session"].value); c["o"] != nil {
		t.Errorf("personal account still has o = %v", c["o"])
	}

	// Not a member, or signed out: refused.
	if resp := postForm(t, b, inst.URL()+"/organizations", url.Values{"org_id": {"org_nope"}}, ""); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown organization: %d", resp.StatusCode)
	}
	if resp := postForm(t, browser(t), inst.URL()+"/organizations", url.Values{"org_id": {"org_acme"}}, ""); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("signed-out switch: %d", resp.StatusCode)
	}
}

func TestSignUpCreatesAUser(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	b := browser(t)
	resp := postForm(t, b, inst.SignUpURL(), url.Values{"first_name": {"<script>x</script>"}, "last_name": {"Doe"},
		"email": {"d@example.com"}, "redirect_url": {appURL}}, inst.URL())
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-up: %d", resp.StatusCode)
	}
	got := parseDirectives(t, handshakePayload(t, inst, nonceFrom(t, resp.Header.Get("Location"), appURL)))
	_, c := verifyJWT(t, inst.Key().Public(), got["__session"].value)
	uid, _ := c["sub"].(string)
	if !strings.HasPrefix(uid, "user_") || strings.HasPrefix(uid, "user_alice") {
		t.Fatalf("new user %q", uid)
	}
	_, page := getPage(t, b, inst.SignInURL())
	if strings.Contains(page, "<script>x</script>") || !strings.Contains(page, "&lt;script&gt;x&lt;/script&gt; Doe") ||
		!strings.Contains(page, `data-testid="sign-in-`+uid+`"`) {
		t.Error("the new user is missing from the sign-in page or not escaped")
	}
	if _, err := inst.MintSessionToken(uid); err != nil {
		t.Errorf("minting for the new user: %v", err)
	}
	if resp := postForm(t, b, inst.SignUpURL(), url.Values{"first_name": {" "}}, ""); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("sign-up without a name: %d", resp.StatusCode)
	}
}

func TestFormPostsRefuseOtherOrigins(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	b := browser(t)
	for _, origin := range []string{"http://evil.example", "null", "https://" + strings.TrimPrefix(inst.URL(), "http://"), "http://127.0.0.1:1"} {
		for _, path := range []string{"/sign-in", "/sign-up", "/organizations", "/sign-out"} {
			resp := postForm(t, b, inst.URL()+path, url.Values{"user_id": {"user_alice"}, "first_name": {"Eve"}}, origin)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s from %s: %d", path, origin, resp.StatusCode)
			}
		}
	}
	resp := postForm(t, b, inst.SignInURL(), url.Values{"user_id": {"user_nobody"}}, inst.URL())
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown user: %d", resp.StatusCode)
	}
	// Without redirect_url, signing in stays on the instance.
	resp = postForm(t, b, inst.SignInURL(), url.Values{"user_id": {"user_bob"}}, inst.URL())
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Errorf("sign-in without redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page := getPage(t, b, inst.URL()+"/"); !strings.Contains(page, "Signed in as <strong>Bob Member</strong>") {
		t.Error("home page does not show the signed-in user")
	}
}

func TestSignInPageAdoptsTheApplicationsDevBrowser(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	// The application got a dev browser from a handshake of browser a.
	a := browser(t)
	db := parseDirectives(t, handshake(t, inst, a, url.Values{"redirect_url": {appURL}}))["__clerk_db_jwt"].value

	// Browser b (no instance cookie) arrives at the sign-in page with it,
	// as after clerkguard's cross-origin sign-in redirect (spec §5.4).
	b := browser(t)
	getPage(t, b, inst.SignInURL()+"?__clerk_db_jwt="+db+"&redirect_url="+url.QueryEscape(appURL))
	got := parseDirectives(t, handshakePayload(t, inst, signIn(t, inst, b, "user_alice", appURL)))
	if got["__clerk_db_jwt"].value != db {
		t.Errorf("sign-in did not keep the application's dev browser: %q, want %q", got["__clerk_db_jwt"].value, db)
	}
	// So browser a's next handshake (same client) is signed in too.
	if parseDirectives(t, handshake(t, inst, a, url.Values{"redirect_url": {appURL}}))["__session"].value == "" {
		t.Error("the adopted client is not signed in")
	}
}
