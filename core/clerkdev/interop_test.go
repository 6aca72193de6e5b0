package clerkdev_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerkdev"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

var sharedKey = sync.OnceValue(clerktest.MustNewKey)

// The few lines clerkdev repeats from package clerk must agree with it.
func TestKeysMatchPackageClerk(t *testing.T) {
	t.Parallel()
	inst := clerkdev.NewTestInstance(t, clerkdev.Config{Key: sharedKey()})
	host := strings.TrimPrefix(inst.URL(), "http://")
	if want := clerk.MakePublishableKey(host, false); inst.PublishableKey() != want {
		t.Errorf("PublishableKey %q, clerk.MakePublishableKey %q", inst.PublishableKey(), want)
	}
	if want := clerk.CookieSuffix(inst.PublishableKey()); inst.CookieSuffix() != want {
		t.Errorf("CookieSuffix %q, clerk.CookieSuffix %q", inst.CookieSuffix(), want)
	}
	pk, err := clerk.ParsePublishableKey(inst.PublishableKey())
	if err != nil || pk.InstanceType != clerk.Development || pk.FrontendAPI != host {
		t.Errorf("ParsePublishableKey = %+v, %v", pk, err)
	}
}

// newClient builds a clerkguard client from the instance's settings.
func newClient(t *testing.T, inst *clerkdev.Instance, clock func() time.Time) *clerk.Client {
	t.Helper()
	s := inst.Settings()
	c, err := clerk.New(clerk.Options{
		PublishableKey:   s.PublishableKey,
		SecretKey:        s.SecretKey,
		MachineSecretKey: s.MachineSecretKey,
		APIURL:           s.APIURL,
		ProxyURL:         s.ProxyURL,
		SignInURL:        s.SignInURL,
		SignUpURL:        s.SignUpURL,
		Clock:            clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClerkguardVerifiesMintedTokens(t *testing.T) {
	t.Parallel()
	inst := clerkdev.NewTestInstance(t, clerkdev.Config{Key: sharedKey()})
	c := newClient(t, inst, nil)
	for _, version := range []int{1, 2} {
		tok, err := inst.MintSessionToken("user_alice", clerkdev.WithOrg("acme"), clerkdev.WithTokenVersion(version))
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("GET", "http://127.0.0.1:3000/api", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		st := c.Authenticate(context.Background(), clerk.NewRequest(r))
		a := st.Auth
		if !st.IsAuthenticated() || a.UserID != "user_alice" || a.OrgID != "org_acme" || a.OrgSlug != "acme" || a.OrgRole != "org:admin" {
			t.Fatalf("v%d: state %s/%s %q, auth %+v", version, st.Status, st.Reason, st.Message, a)
		}
		if !a.Has(clerk.Permission("org:invoices:create")) || !a.Has(clerk.Role("admin")) || a.Has(clerk.Permission("org:billing:manage")) {
			t.Errorf("v%d: Has answers wrong for %v", version, a.OrgPermissions)
		}
		if version == 2 && (!a.Has(clerk.Feature("o:reports")) || !a.Has(clerk.Plan("pro"))) {
			t.Errorf("v2: features/plans missing: %v", a.Claims)
		}
	}
	if n := inst.Requests("/v1/jwks"); n != 1 {
		t.Errorf("%d JWKS fetches, want 1 (cached)", n)
	}
}

// app is a minimal clerkguard adapter: it writes the state's redirect and
// headers, then reports who is signed in.
func app(c *clerk.Client) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := c.Authenticate(r.Context(), clerk.NewRequest(r))
		for k, vs := range st.Headers {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		if loc := st.Location(); loc != "" {
			w.WriteHeader(http.StatusTemporaryRedirect)
			return
		}
		if st.IsAuthenticated() {
			fmt.Fprintf(w, "signed-in user=%s org=%s", st.Auth.UserID, st.Auth.OrgID)
			return
		}
		fmt.Fprintf(w, "signed-out reason=%s", st.Reason)
	})
}

// TestBrowserFlowWithClerkguard drives clerkguard's cookie flow through the
// instance like a browser: first visit, sign-in page, handshake, refresh and
// sign-out, across two loopback origins that share cookies (ports do not
// separate cookies, in browsers as in net/http/cookiejar).
func TestBrowserFlowWithClerkguard(t *testing.T) {
	t.Parallel()
	// The application and the instance share a clock that the test moves.
	clock := clerktest.NewClock(time.Now())
	inst := clerkdev.NewTestInstance(t, clerkdev.Config{Key: sharedKey(), Clock: clock.Now})
	appSrv := httptest.NewServer(app(newClient(t, inst, clock.Now)))
	t.Cleanup(appSrv.Close)
	page := appSrv.URL + "/page?x=1"

	jar, _ := cookiejar.New(nil)
	b := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	get := func(u string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Accept", "text/html")
		resp, err := b.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.Request.URL.String() != page {
			t.Fatalf("ended on %s, want %s (body %q)", resp.Request.URL, page, body)
		}
		return string(body)
	}

	// First visit: no dev browser, handshake, signed out.
	if body := get(page); !strings.HasPrefix(body, "signed-out") {
		t.Fatalf("first visit: %q", body)
	}

	// Sign in on the instance's page; the handshake brings the cookies back.
	form := url.Values{"user_id": {"user_alice"}, "redirect_url": {page}}
	resp, err := b.PostForm(inst.SignInURL(), form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "signed-in user=user_alice org=" {
		t.Fatalf("after sign-in: %q at %s", body, resp.Request.URL)
	}

	// Two minutes later the cookie token has expired: a GET with the
	// refresh cookie is refreshed through the Backend API.
	clock.Advance(2 * time.Minute)
	if body := get(page); body != "signed-in user=user_alice org=" {
		t.Fatalf("after expiry: %q", body)
	}
	if n := inst.Requests("/v1/sessions/{sid}/refresh"); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	if body := get(page); body != "signed-in user=user_alice org=" {
		t.Fatalf("with the refreshed cookie: %q", body)
	}
	if n := inst.Requests("/v1/sessions/{sid}/refresh"); n != 1 {
		t.Errorf("%d refreshes after using the refreshed cookie, want 1", n)
	}

	// Switch organization on the instance's page.
	resp, err = b.PostForm(inst.URL()+"/organizations", url.Values{"org_id": {"org_acme"}, "redirect_url": {page}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "signed-in user=user_alice org=org_acme" {
		t.Fatalf("after switching organization: %q", body)
	}

	// Sign out: the handshake clears the application's cookies.
	resp, err = b.PostForm(inst.URL()+"/sign-out", url.Values{"redirect_url": {page}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(string(body), "signed-out") {
		t.Fatalf("after sign-out: %q", body)
	}
	if body := get(page); !strings.HasPrefix(body, "signed-out reason=session-token-and-uat-missing") {
		t.Fatalf("next visit after sign-out: %q", body)
	}
}
