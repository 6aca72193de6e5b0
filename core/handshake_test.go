package clerk_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// Tests of the handshake (spec §1.8).

func TestHandshakeEligibility(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, dest, accept string
		want                       bool
	}{
		{"§1.8.1: GET document", "GET", "document", "", true},
		{"§1.8.1: GET iframe", "GET", "iframe", "*/*", true},
		{"§1.8.1: GET without Sec-Fetch-Dest, Accept text/html", "GET", "", "text/html,application/xhtml+xml", true},
		{"§1.8.1: GET without Sec-Fetch-Dest, Accept must start with text/html", "GET", "", "application/xhtml+xml, text/html", false},
		{"§1.8.1: Accept is case-sensitive", "GET", "", "TEXT/HTML", false},
		{"§1.8.1: Sec-Fetch-Dest present wins over Accept", "GET", "empty", "text/html", false},
		{"§1.8.1: Sec-Fetch-Dest is case-sensitive", "GET", "Document", "text/html", false},
		{"§1.8.1: frame is not iframe", "GET", "frame", "", false},
		{"§1.8.1: script", "GET", "script", "", false},
		{"§1.8.1: neither header", "GET", "", "", false},
		{"§1.8.1: POST navigation (document) is never eligible", "POST", "document", "text/html", false},
		{"§1.8.1: PUT navigation", "PUT", "document", "text/html", false},
		{"§1.8.1: HEAD", "HEAD", "document", "text/html", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tc.method, atApp+"/", nil)
			if tc.dest != "" {
				r.Header.Set("Sec-Fetch-Dest", tc.dest)
			}
			if tc.accept != "" {
				r.Header.Set("Accept", tc.accept)
			}
			if got := clerk.IsHandshakeEligible(clerk.NewRequest(r)); got != tc.want {
				t.Fatalf("IsHandshakeEligible = %v, want %v", got, tc.want)
			}
			// The same request with a session cookie and no client_uat:
			// a handshake exactly when eligible, else signed out with the
			// same reason.
			r.Header.Set("Cookie", "__session="+atTok())
			c, _ := atClient(t, nil)
			s := atAuthn(c, r)
			want := clerk.StatusSignedOut
			if tc.want {
				want = clerk.StatusHandshake
			}
			atWant(t, s, want, clerk.ReasonSessionTokenWithoutClientUAT)
		})
	}
}

// TestHandshakeURL is spec §1.8.2: the exact Location, parameters in
// Clerk's order and encoding.
func TestHandshakeURL(t *testing.T) {
	t.Parallel()
	tok := atTok()
	devTok := atDevTok()
	enc := url.QueryEscape
	tests := []struct {
		name    string
		opts    func(*clerk.Options)
		target  string
		cookies []string
		want    string
	}{
		{name: "production: redirect_url, __clerk_api_version, suffixed_cookies, __clerk_hs_reason, format=nonce, __session",
			target: atApp + "/dashboard?x=1", cookies: []string{atCookie("__session", tok)},
			want: "https://clerk.example.com/v1/client/handshake?redirect_url=" + enc(atApp+"/dashboard?x=1") +
				"&__clerk_api_version=2026-05-12&suffixed_cookies=false&__clerk_hs_reason=session-token-but-no-client-uat&format=nonce&__session=" + tok},
		{name: "redirect_url drops __clerk_db_jwt and __dev_session and keeps the other parameters in order, re-encoded as URLSearchParams",
			target: atApp + "/a%20b?z=1&__clerk_db_jwt=x&y=two+words&__dev_session=s&t=%7E*&flag", cookies: []string{atCookie("__session", tok)},
			want: "https://clerk.example.com/v1/client/handshake?redirect_url=https%3A%2F%2Fapp.example.com%2Fa%2520b%3Fz%3D1%26y%3Dtwo%2Bwords%26t%3D%257E*%26flag%3D" +
				"&__clerk_api_version=2026-05-12&suffixed_cookies=false&__clerk_hs_reason=session-token-but-no-client-uat&format=nonce&__session=" + tok},
		{name: "no session token: no __session parameter",
			target: atApp + "/", cookies: []string{atCookie("__client_uat", "1")},
			want: "https://clerk.example.com/v1/client/handshake?redirect_url=" + enc(atApp+"/") +
				"&__clerk_api_version=2026-05-12&suffixed_cookies=false&__clerk_hs_reason=client-uat-but-no-session-token&format=nonce"},
		{name: "development: __clerk_db_jwt after __session", opts: atDevOpts,
			target: "http://localhost:3000/", cookies: []string{atCookie("__session", devTok), atCookie("__clerk_db_jwt", "dvb_1")},
			want: "https://happy-hippo-1.clerk.accounts.dev/v1/client/handshake?redirect_url=" + enc("http://localhost:3000/") +
				"&__clerk_api_version=2026-05-12&suffixed_cookies=false&__clerk_hs_reason=session-token-but-no-client-uat&format=nonce&__session=" + devTok + "&__clerk_db_jwt=dvb_1"},
		{name: "suffixed cookies: suffixed_cookies=true",
			target: atApp + "/", cookies: []string{atCookie("__session_"+clerk.CookieSuffix(atProd), tok), atCookie("__client_uat_"+clerk.CookieSuffix(atProd), atUnix(time.Minute))},
			want: "https://clerk.example.com/v1/client/handshake?redirect_url=" + enc(atApp+"/") +
				"&__clerk_api_version=2026-05-12&suffixed_cookies=true&__clerk_hs_reason=session-token-iat-before-client-uat&format=nonce&__session=" + tok},
		{name: "organization sync: organization_id last", opts: atOrgSyncOpts,
			target: atApp + "/orgs/acme", cookies: []string{atCookie("__session", tok)},
			want: "https://clerk.example.com/v1/client/handshake?redirect_url=" + enc(atApp+"/orgs/acme") +
				"&__clerk_api_version=2026-05-12&suffixed_cookies=false&__clerk_hs_reason=session-token-but-no-client-uat&format=nonce&__session=" + tok + "&organization_id=acme"},
		{name: "organization sync: the personal account is organization_id=", opts: atOrgSyncOpts,
			target: atApp + "/me", cookies: []string{atCookie("__session", tok)},
			want: "https://clerk.example.com/v1/client/handshake?redirect_url=" + enc(atApp+"/me") +
				"&__clerk_api_version=2026-05-12&suffixed_cookies=false&__clerk_hs_reason=session-token-but-no-client-uat&format=nonce&__session=" + tok + "&organization_id="},
		{name: "a proxy path is preserved (no //v1), trailing slashes dropped", opts: func(o *clerk.Options) { o.ProxyURL = "https://app.example.com/__clerk//" },
			target: atApp + "/", cookies: []string{atCookie("__session", tok)},
			want: "https://app.example.com/__clerk/v1/client/handshake?redirect_url=" + enc(atApp+"/") +
				"&__clerk_api_version=2026-05-12&suffixed_cookies=false&__clerk_hs_reason=session-token-but-no-client-uat&format=nonce&__session=" + tok},
		{name: "a relative proxy URL is resolved against the request origin", opts: func(o *clerk.Options) { o.ProxyURL = "/__clerk" },
			target: atApp + "/", cookies: []string{atCookie("__session", tok)},
			want: "https://app.example.com/__clerk/v1/client/handshake?redirect_url=" + enc(atApp+"/") +
				"&__clerk_api_version=2026-05-12&suffixed_cookies=false&__clerk_hs_reason=session-token-but-no-client-uat&format=nonce&__session=" + tok},
		{name: "an http proxy keeps its scheme", opts: func(o *clerk.Options) { o.ProxyURL = "http://127.0.0.1:8080/fapi" },
			target: atApp + "/", cookies: []string{atCookie("__session", tok)},
			want: "http://127.0.0.1:8080/fapi/v1/client/handshake?redirect_url=" + enc(atApp+"/") +
				"&__clerk_api_version=2026-05-12&suffixed_cookies=false&__clerk_hs_reason=session-token-but-no-client-uat&format=nonce&__session=" + tok},
		{name: "the redirect_url is the URL the client saw (X-Forwarded-Host/Proto)",
			target: "http://internal:8080/p", cookies: []string{atCookie("__session", tok)},
			want: "https://clerk.example.com/v1/client/handshake?redirect_url=" + enc("https://shop.example.com/p") +
				"&__clerk_api_version=2026-05-12&suffixed_cookies=false&__clerk_hs_reason=session-token-but-no-client-uat&format=nonce&__session=" + tok},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, _ := atClient(t, tc.opts)
			r := atReq(atKDoc, tc.target, tc.cookies)
			if strings.HasPrefix(tc.target, "http://internal") {
				r.Header.Set("X-Forwarded-Host", "shop.example.com")
				r.Header.Set("X-Forwarded-Proto", "https")
			}
			s := atAuthn(c, r)
			if s.Status != clerk.StatusHandshake {
				t.Fatalf("state %s/%s", s.Status, s.Reason)
			}
			if got := s.Location(); got != tc.want {
				t.Errorf("Location\n got %s\nwant %s", got, tc.want)
			}
			if cc := s.Headers.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", cc)
			}
		})
	}
}

// TestHandshakeLoopGuard is spec §1.8.3: the counter cookie goes up by one
// on each handshake and the guard trips at exactly 3.
func TestHandshakeLoopGuard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		counter   string // "" = no cookie
		handshake bool
		next      string
	}{
		{"", true, "1"}, {"0", true, "1"}, {"1", true, "2"}, {"2", true, "3"},
		{"3", false, ""}, {"3.0", false, ""}, {"0x3", false, ""}, // Number("0x3") is 3
		{"4", true, "5"}, // Clerk compares with === 3
		{"abc", true, "1"}, {"1.5", true, "2.5"}, {"-1", true, "0"},
	}
	for _, tc := range tests {
		t.Run("counter "+tc.counter, func(t *testing.T) {
			t.Parallel()
			c, logs := atClient(t, nil)
			cookies := []string{atCookie("__session", atTok())}
			if tc.counter != "" {
				cookies = append(cookies, atCookie("__clerk_redirect_count", tc.counter))
			}
			s := atAuthn(c, atReq(atKDoc, atApp+"/", cookies))
			if !tc.handshake {
				atWant(t, s, clerk.StatusSignedOut, clerk.ReasonSessionTokenWithoutClientUAT)
				if len(s.Headers.Values("Set-Cookie")) != 0 || s.Location() != "" {
					t.Errorf("tripped guard still redirects: %v", s.Headers)
				}
				if !strings.Contains(logs.String(), "infinite redirect loop") {
					t.Errorf("no loop message logged:\n%s", logs)
				}
				return
			}
			atWant(t, s, clerk.StatusHandshake, clerk.ReasonSessionTokenWithoutClientUAT)
			want := "__clerk_redirect_count=" + tc.next + "; SameSite=Lax; HttpOnly; Max-Age=2"
			if got := s.Headers.Values("Set-Cookie"); len(got) != 1 || got[0] != want {
				t.Errorf("Set-Cookie = %q, want [%q]", got, want)
			}
		})
	}
	// The satellite message is the satellite one.
	c, logs := atClient(t, func(o *clerk.Options) { o.IsSatellite, o.Domain, o.SatelliteAutoSync = true, "satellite.com", true })
	s := atAuthn(c, atReq(atKDoc, "https://satellite.com/", []string{atCookie("__clerk_redirect_count", "3")}))
	atWant(t, s, clerk.StatusSignedOut, clerk.ReasonSatelliteNeedsSyncing)
	if !strings.Contains(logs.String(), "Satellite-domain authentication resulted in an infinite redirect loop") {
		t.Errorf("satellite loop message missing:\n%s", logs)
	}
}

// handshakeFake serves handshake payloads: nonce -> directives.
func handshakeFake(t *testing.T, payloads map[string][]string) *atBAPIFake {
	return newATBAPIFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/clients/handshake_payload" {
			atWriteJSON(w, 404, `{"errors":[{"code":"resource_not_found","message":"not found"}]}`)
			return
		}
		d, ok := payloads[r.URL.Query().Get("nonce")]
		if !ok {
			atWriteJSON(w, 404, `{"errors":[{"code":"handshake_nonce_invalid","message":"invalid"}]}`)
			return
		}
		b, _ := json.Marshal(map[string][]string{"directives": d})
		atWriteJSON(w, 200, string(b))
	})
}

// TestHandshakeResolution is spec §1.8.4 and cookie flow step 1.
func TestHandshakeResolution(t *testing.T) {
	t.Parallel()
	sfx := clerk.CookieSuffix(atProd)
	devSfx := clerk.CookieSuffix(atDev)
	good := atTok()
	goodDev := atDevTok()
	noSub := atTok(clerktest.WithoutClaim("sub"))
	payloads := map[string][]string{
		"n-signed-in":  {"__session=" + good + "; Path=/; SameSite=Lax", "__client_uat=1760000000; Path=/; Max-Age=315360000"},
		"n-last-wins":  {"__session=" + noSub + "; Path=/", "__session_" + sfx + "=" + good + "; Path=/", "__client_uat=1; Path=/"},
		"n-signed-out": {"__session=; Path=/; Max-Age=0", "__client_uat=0; Path=/"},
		"n-dev":        {"__session=" + goodDev + "; Path=/", "__clerk_db_jwt_" + devSfx + "=dvb; Path=/"},
		"n-dev-skewed": {"__session=" + atDevTok(clerktest.WithExp(-time.Hour), clerktest.WithIat(-2*time.Hour)) + "; Path=/"},
		"n-dev-2days":  {"__session=" + atDevTok(clerktest.WithExp(-48*time.Hour), clerktest.WithIat(-49*time.Hour)) + "; Path=/"},
		"n-expired":    {"__session=" + atTok(clerktest.WithExp(-time.Hour), clerktest.WithIat(-2*time.Hour)) + "; Path=/"},
		"n-crlf":       {"__session=" + good + "\r\nX-Injected: 1"},
	}
	fake := handshakeFake(t, payloads)

	t.Run("step 1 / §1.8.4: a nonce (cookie, production) is resolved through the Backend API; directives forwarded verbatim; no Location", func(t *testing.T) {
		t.Parallel()
		c, _ := atClient(t, fake.use)
		s := atAuthn(c, atReq(atKFetch, atApp+"/", []string{atCookie("__clerk_handshake_nonce", "n-signed-in")}))
		atWant(t, s, clerk.StatusSignedIn, "")
		if got := s.Headers.Values("Set-Cookie"); strings.Join(got, "|") != strings.Join(payloads["n-signed-in"], "|") {
			t.Errorf("Set-Cookie = %q", got)
		}
		if s.Headers.Get("Access-Control-Allow-Origin") != "null" || s.Headers.Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("CORS headers: %v", s.Headers)
		}
		if s.Location() != "" || s.Token != good {
			t.Errorf("Location %q, token %q", s.Location(), s.Token)
		}
		var seen bool
		for _, r := range fake.requests() {
			if r.rawQuery == "nonce=n-signed-in" {
				seen = true
				if r.method != "GET" || r.header.Get("Authorization") != "Bearer "+atProdS || r.header.Get("Clerk-API-Version") != clerk.SupportedAPIVersion ||
					!strings.HasPrefix(r.header.Get("User-Agent"), "clerkguard/") {
					t.Errorf("payload request %+v", r)
				}
			}
		}
		if !seen {
			t.Error("no handshake_payload request")
		}
	})
	t.Run("§1.8.4: the last __session* directive wins (suffixed names count)", func(t *testing.T) {
		t.Parallel()
		c, _ := atClient(t, fake.use)
		s := atAuthn(c, atReq(atKFetch, atApp+"/?__clerk_handshake_nonce=n-last-wins", nil))
		atWant(t, s, clerk.StatusSignedIn, "")
		if s.Token != good || len(s.Headers.Values("Set-Cookie")) != 3 {
			t.Errorf("token %q, cookies %q", s.Token, s.Headers.Values("Set-Cookie"))
		}
	})
	t.Run("§1.8.4: no session directive: session-token-missing, directives still forwarded", func(t *testing.T) {
		t.Parallel()
		c, _ := atClient(t, fake.use)
		s := atAuthn(c, atReq(atKDoc, atApp+"/", []string{atCookie("__clerk_handshake_nonce", "n-signed-out")}))
		atWant(t, s, clerk.StatusSignedOut, clerk.ReasonSessionTokenMissing)
		if len(s.Headers.Values("Set-Cookie")) != 2 {
			t.Errorf("cookies %q", s.Headers.Values("Set-Cookie"))
		}
	})
	t.Run("§1.8.4: an unknown nonce (Backend API error) yields no directives", func(t *testing.T) {
		t.Parallel()
		c, logs := atClient(t, fake.use)
		s := atAuthn(c, atReq(atKDoc, atApp+"/", []string{atCookie("__clerk_handshake_nonce", "nope")}))
		atWant(t, s, clerk.StatusSignedOut, clerk.ReasonSessionTokenMissing)
		if !strings.Contains(logs.String(), "error getting handshake payload") {
			t.Errorf("not logged:\n%s", logs)
		}
	})
	t.Run("§1.8.4: development adds the cleanup Location without __clerk_handshake, __clerk_help, __clerk_db_jwt, __clerk_handshake_nonce", func(t *testing.T) {
		t.Parallel()
		c, _ := atClient(t, func(o *clerk.Options) { atDevOpts(o); fake.use(o) })
		s := atAuthn(c, atReq(atKDoc, "http://localhost:3000/p?a=1&__clerk_handshake_nonce=n-dev&__clerk_help=1&__clerk_db_jwt=x&__clerk_handshake=y&b=two+words&c=%7E", nil))
		atWant(t, s, clerk.StatusSignedIn, "")
		if got, want := s.Location(), "http://localhost:3000/p?a=1&b=two+words&c=%7E"; got != want {
			t.Errorf("Location = %q, want %q", got, want)
		}
		if s.Headers.Get("Cache-Control") != "no-store" {
			t.Error("no Cache-Control: no-store")
		}
	})
	t.Run("§1.8.4: development retries an expired token with a 24 hour clock skew", func(t *testing.T) {
		t.Parallel()
		c, logs := atClient(t, func(o *clerk.Options) { atDevOpts(o); fake.use(o) })
		s := atAuthn(c, atReq(atKFetch, "http://localhost:3000/?__clerk_handshake_nonce=n-dev-skewed", nil))
		atWant(t, s, clerk.StatusSignedIn, "")
		if !strings.Contains(logs.String(), "Clock skew detected") {
			t.Errorf("skew not logged:\n%s", logs)
		}
	})
	t.Run("step 1: past the 24 hours the resolution fails and the flow goes on", func(t *testing.T) {
		t.Parallel()
		c, logs := atClient(t, func(o *clerk.Options) { atDevOpts(o); fake.use(o) })
		s := atAuthn(c, atReq(atKFetch, "http://localhost:3000/?__clerk_handshake_nonce=n-dev-2days", []string{atCookie("__clerk_db_jwt", "dvb")}))
		atWant(t, s, clerk.StatusSignedOut, clerk.ReasonSessionTokenAndUATMissing)
		if !strings.Contains(logs.String(), "unable to resolve handshake") {
			t.Errorf("not logged:\n%s", logs)
		}
	})
	t.Run("§1.8.4: production has no clock-skew retry", func(t *testing.T) {
		t.Parallel()
		c, _ := atClient(t, fake.use)
		s := atAuthn(c, atReq(atKFetch, atApp+"/", []string{atCookie("__clerk_handshake_nonce", "n-expired"), atCookie("__session", good), atCookie("__client_uat", "1")}))
		atWant(t, s, clerk.StatusSignedIn, "") // resolved by the cookies after the failed handshake
		if s.Headers.Get("Set-Cookie") != "" {
			t.Errorf("directives of a failed resolution were forwarded: %v", s.Headers)
		}
	})
	t.Run("§1.8.4: a directive that would split headers is never forwarded", func(t *testing.T) {
		t.Parallel()
		c, _ := atClient(t, fake.use)
		s := atAuthn(c, atReq(atKFetch, atApp+"/", []string{atCookie("__clerk_handshake_nonce", "n-crlf")}))
		atWant(t, s, clerk.StatusSignedOut, clerk.ReasonSessionTokenAndUATMissing)
		for _, v := range s.Headers.Values("Set-Cookie") {
			if strings.ContainsAny(v, "\r\n") {
				t.Errorf("forwarded %q", v)
			}
		}
	})
	t.Run("§1.8.4: the query nonce wins over the cookie one", func(t *testing.T) {
		t.Parallel()
		c, _ := atClient(t, fake.use)
		s := atAuthn(c, atReq(atKFetch, atApp+"/?__clerk_handshake_nonce=n-signed-in", []string{atCookie("__clerk_handshake_nonce", "n-signed-out")}))
		atWant(t, s, clerk.StatusSignedIn, "")
	})
}

// TestHandshakeToken is the legacy handshake JWT of spec §1.8.4.
func TestHandshakeToken(t *testing.T) {
	t.Parallel()
	good := atTok()
	directives := []string{"__session=" + good + "; Path=/", "__client_uat=1; Path=/"}
	payload := map[string]any{"handshake": directives}
	cookies := []string{atCookie("__session", atTok()), atCookie("__client_uat", "1")}
	tests := []struct {
		name    string
		dev     bool
		token   string
		status  clerk.AuthStatus
		reason  clerk.Reason
		errText string
	}{
		{"a valid handshake token: its directives, signed in", false, atKey().MustSign(payload), clerk.StatusSignedIn, "", ""},
		{"the session category is accepted", false, atKey().MustSign(payload, clerktest.WithCategory(clerktest.CategorySession)), clerk.StatusSignedIn, "", ""},
		{"step 1: production: a bad signature is logged and the cookies decide", false, atOther().MustSign(payload), clerk.StatusSignedIn, "", ""},
		{"step 1: production: garbage is logged and the cookies decide", false, "garbage", clerk.StatusSignedIn, "", ""},
		{"step 1: development: a bad signature fails the request with Clerk's advice", true, atOther().MustSign(payload), clerk.StatusSignedOut, clerk.ReasonUnexpectedError,
			"Clerk: Handshake token verification failed due to an invalid signature. If you have switched Clerk keys locally, clear your cookies and try again."},
		{"development: a template category", true, atKey().MustSign(payload, clerktest.WithCategory(clerktest.CategoryTemplate)), clerk.StatusSignedOut, clerk.ReasonUnexpectedError,
			"Clerk: Handshake token verification failed: Invalid handshake token category. Make sure that this is a valid Clerk-generated JWT. (reason=token-invalid, token-carrier=undefined)."},
		{"development: alg none", true, atKey().MustSign(payload, clerktest.WithAlg("none")), clerk.StatusSignedOut, clerk.ReasonUnexpectedError,
			`Clerk: Handshake token verification failed: Invalid JWT algorithm "none". Supported: RS256,RS384,RS512. Make sure that this is a valid Clerk-generated JWT. (reason=token-invalid-algorithm, token-carrier=undefined).`},
		{"development: garbage", true, "garbage", clerk.StatusSignedOut, clerk.ReasonUnexpectedError,
			"Clerk: Handshake token verification failed: Invalid JWT form. A JWT consists of three parts separated by dots. (reason=token-invalid, token-carrier=undefined)."},
		{"a token without a handshake claim carries no directives", false, atKey().MustSign(map[string]any{"sub": "x"}), clerk.StatusSignedOut, clerk.ReasonSessionTokenMissing, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var opts func(*clerk.Options)
			target := atApp + "/"
			ck := append([]string{atCookie("__clerk_handshake", tc.token)}, cookies...)
			if tc.dev {
				opts = atDevOpts
				target = "http://localhost:3000/"
			}
			c, _ := atClient(t, opts)
			s := atAuthn(c, atReq(atKFetch, target, ck))
			atWant(t, s, tc.status, tc.reason)
			if tc.errText != "" && (s.Err == nil || s.Err.Error() != tc.errText) {
				t.Errorf("err = %v\nwant %s", s.Err, tc.errText)
			}
		})
	}
}
