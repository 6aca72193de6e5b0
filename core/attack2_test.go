package clerk_test

// More attack tests (issue 10): each fails if the attack it names works.
// A hole that was found and fixed is named by its id (SECURITY.md) when it
// comes back, through knownIssue.

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerkdev"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// knownIssue fails the test with the id of a finding of SECURITY.md that
// is back: an attack that works again, or a fault that is mishandled again.
func knownIssue(t *testing.T, id, format string, args ...any) {
	t.Helper()
	t.Fatalf("KNOWN ISSUE %s is back (see SECURITY.md): "+format, append([]any{id}, args...)...)
}

// noCRLF fails if any header name or value carries a CR or LF.
func noCRLF(t *testing.T, what string, h http.Header) {
	t.Helper()
	for name, vals := range h {
		if strings.ContainsAny(name, "\r\n") {
			t.Errorf("%s: header name %q carries CR/LF", what, name)
		}
		for _, v := range vals {
			if strings.ContainsAny(v, "\r\n") {
				t.Errorf("%s: header %s = %q carries CR/LF", what, name, v)
			}
		}
	}
}

// TestAttackExpiredButCachedToken: a token verified (and cached) while
// valid is refused once it expires, in both key modes, through VerifyToken
// and through the Authorization header; the skew still applies.
func TestAttackExpiredButCachedToken(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	clock := clerktest.NewClock(t0)
	remote, _ := newClient(t, func(o *clerk.Options) { o.Clock = clock.Now }, k)
	local, err := clerk.New(clerk.Options{JWTKey: k.PublicKeyPEM(), Clock: clock.Now, ClockSkew: clerk.NoClockSkew})
	if err != nil {
		t.Fatal(err)
	}
	tok := k.MustSign(clerktest.SessionV1("user_1", "sess_1", t0, clerktest.WithExp(time.Minute)))
	for name, c := range map[string]*clerk.Client{"remote": remote, "local": local} {
		for i := 0; i < 3; i++ { // verified, then served from the cache
			if _, err := c.VerifyToken(context.Background(), tok); err != nil {
				t.Fatalf("%s: valid token refused: %v", name, err)
			}
		}
	}
	clock.Set(t0.Add(time.Minute + 4*time.Second)) // inside remote's 5 s skew
	if _, err := remote.VerifyToken(context.Background(), tok); err != nil {
		t.Errorf("remote: token inside the clock skew refused: %v", err)
	}
	mustFail(t, local, tok, clerk.ReasonTokenExpired)
	clock.Set(t0.Add(time.Minute + 5*time.Second)) // exp <= now - skew: expired (spec §2.7)
	for name, c := range map[string]*clerk.Client{"remote": remote, "local": local} {
		for i := 0; i < 2; i++ {
			if _, err := c.VerifyToken(context.Background(), tok); err == nil {
				t.Fatalf("%s: expired token accepted from the cache (try %d)", name, i)
			}
		}
		r := httptest.NewRequest(http.MethodGet, "https://app.example.com/api", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		if s := c.Authenticate(context.Background(), clerk.NewRequest(r)); s.IsAuthenticated() {
			t.Errorf("%s: expired cached token signed in via the header", name)
		}
	}
	mustFail(t, remote, tok, clerk.ReasonTokenExpired)
}

// TestAttackCachedTokenAfterKeyRemoved: a token verified with a key that
// the JWKS later drops (a revoked, perhaps compromised, key: its holder can
// mint tokens with any exp) stops verifying once the key set's TTL has
// passed, even though the token is in the verified-token cache and not
// expired (design §4.5: rotation invalidates the cache).
func TestAttackCachedTokenAfterKeyRemoved(t *testing.T) {
	t.Parallel()
	k, other := keys(t)
	setup := func() (*clerk.Client, *clerktest.JWKSServer, *clerktest.Clock, string) {
		clock := clerktest.NewClock(t0)
		c, srv := newClient(t, func(o *clerk.Options) {
			o.Clock = clock.Now
			o.JWKSCacheTTL = time.Second
			o.Logger = slog.New(slog.DiscardHandler)
		}, k, other)
		tok := k.MustSign(clerktest.SessionV1("user_1", "sess_1", t0, clerktest.WithExp(24*time.Hour)))
		if _, err := c.VerifyToken(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
		srv.SetKeys(other) // the key is revoked
		clock.Advance(2 * time.Second)
		return c, srv, clock, tok
	}
	// eventuallyRefused polls: the first uses past the TTL may be served
	// stale while the key set is refreshed in the background.
	eventuallyRefused := func(c *clerk.Client, tok string, also func()) bool {
		deadline := time.Now().Add(3 * time.Second)
		for time.Now().Before(deadline) {
			if also != nil {
				also()
			}
			if _, err := c.VerifyToken(context.Background(), tok); err != nil {
				wantReason(t, err, clerk.ReasonJWKKidMismatch)
				return true
			}
			time.Sleep(10 * time.Millisecond)
		}
		return false
	}

	// With other traffic (a token of the remaining key, not cached yet),
	// the stale key set is refreshed and the cached token dies.
	c, srv, clock, tok := setup()
	fresh := other.MustSign(clerktest.SessionV1("user_2", "sess_2", clock.Now()))
	if !eventuallyRefused(c, tok, func() { _, _ = c.VerifyToken(context.Background(), fresh) }) {
		t.Fatalf("token of a removed key still verifies after the key set changed (%d JWKS fetches)", srv.Requests())
	}

	// With only the cached token, nothing ever asks the key source, so
	// the TTL never triggers a refresh.
	c, srv, _, tok = setup()
	if !eventuallyRefused(c, tok, nil) {
		knownIssue(t, "ISSUE-10-CACHED-TOKEN-NO-REFRESH",
			"a cached token whose key was removed from the JWKS still verifies %v past the key set's TTL (%d JWKS fetch): a token-cache hit (verify.go verifySessionSkew) never consults the key source, so the TTL's stale-while-revalidate refresh (jwks.go key) never starts", 2*time.Second, srv.Requests())
	}
}

// hostileURLs are values an attacker puts where a URL is expected:
// protocol-relative, script, CRLF (raw and encoded), userinfo and
// backslash tricks.
var hostileURLs = []string{
	"//evil.example/x",
	"///evil.example",
	`/\evil.example`,
	"https://evil.example/cb",
	"javascript:alert(document.cookie)",
	"JaVaScRiPt:alert(1)",
	"data:text/html,<script>alert(1)</script>",
	"https://app.example.com@evil.example/",
	"/ok\r\nSet-Cookie: pwned=1",
	"\r\nLocation: https://evil.example",
	"/ok%0d%0aSet-Cookie:%20pwned=1",
	"https://app.example.com/%0d%0aX-Injected:%201",
}

// TestAttackRedirectURLInQuery: a redirect_url (or __clerk_redirect_url on
// a production or satellite app) in the request's query never becomes a
// redirect target: the handshake goes to the Frontend API and the sign-in
// redirect to the configured sign-in page, each carrying the current URL
// as one encoded parameter, and no header gets a CR or LF.
func TestAttackRedirectURLInQuery(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	configs := []struct {
		name   string
		signIn string // the SignInURL option
		want   string // scheme://host/path of the sign-in page
	}{
		{"sign-in URL", "https://login.example.net/sign-in", "https://login.example.net/sign-in"},
		{"account portal", "", "https://accounts.example.com/sign-in"},
		{"relative", "/sign-in", "https://app.example.com/sign-in"},
	}
	for _, cfg := range configs {
		name := cfg.name
		c, err := clerk.New(clerk.Options{
			PublishableKey: clerktest.LivePublishableKey("clerk.example.com"),
			JWTKey:         k.PublicKeyPEM(),
			SignInURL:      cfg.signIn,
			Clock:          func() time.Time { return t0 },
			Logger:         slog.New(slog.DiscardHandler),
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, param := range []string{"redirect_url", "__clerk_redirect_url", "redirect_url_complete", "after_sign_in_url"} {
			for _, v := range hostileURLs {
				target := "https://app.example.com/dashboard?" + param + "=" + url.QueryEscape(v)
				current, _ := url.Parse(target)

				// Handshake: client_uat without a session on a document.
				r := newRequest(http.MethodGet, target, map[string]string{"Sec-Fetch-Dest": "document", "Cookie": "__client_uat=1700000000"})
				s := c.Authenticate(context.Background(), clerk.NewRequest(r))
				noCRLF(t, name+" handshake "+param, s.Headers)
				loc, err := url.Parse(s.Location())
				if err != nil || loc.Scheme != "https" || loc.Host != "clerk.example.com" || loc.Path != "/v1/client/handshake" {
					t.Errorf("%s %s=%q: handshake Location %q is not the Frontend API's", name, param, v, s.Location())
					continue
				}
				if got := loc.Query()["redirect_url"]; len(got) != 1 || got[0] != current.String() {
					t.Errorf("%s %s=%q: handshake redirect_url = %q, want the current URL %q", name, param, v, got, current)
				}

				// Protect on a signed-out page request: the sign-in page.
				r = newRequest(http.MethodGet, target, map[string]string{"Sec-Fetch-Dest": "document"})
				s = c.Authenticate(context.Background(), clerk.NewRequest(r))
				if s.Location() != "" {
					t.Fatalf("%s: unexpected redirect %q", name, s.Location())
				}
				d := clerk.DecisionFor(s.Auth.Protect())
				if d == nil || d.Status != http.StatusTemporaryRedirect {
					t.Fatalf("%s %s=%q: Protect decision %+v, want a 307", name, param, v, d)
				}
				noCRLF(t, name+" protect "+param, d.Header)
				loc, err = url.Parse(d.Header.Get("Location"))
				if err != nil || loc.Scheme+"://"+loc.Host+loc.Path != cfg.want {
					t.Errorf("%s %s=%q: sign-in Location %q is not the sign-in page %s", name, param, v, d.Header.Get("Location"), cfg.want)
					continue
				}
				if got := loc.Query()["redirect_url"]; len(got) != 1 || got[0] != current.String() {
					t.Errorf("%s %s=%q: sign-in redirect_url = %q, want the current URL", name, param, v, got)
				}
			}
		}
	}
}

// signedOutPageAuth authenticates a signed-out page request on c.
func signedOutPageAuth(t *testing.T, c *clerk.Client, target string) *clerk.Auth {
	t.Helper()
	s := c.Authenticate(context.Background(), clerk.NewRequest(newRequest(http.MethodGet, target, map[string]string{"Sec-Fetch-Dest": "document"})))
	if s.Location() != "" || s.IsAuthenticated() {
		t.Fatalf("setup: state %s, Location %q", s.Status, s.Location())
	}
	return s.Auth
}

// TestAttackReturnBackURL: whatever an application passes to ReturnBackURL
// (often something from the request), the redirect goes to the configured
// sign-in (or sign-up) page, the value travels only as the redirect_url
// parameter, and no header carries CR or LF. Where the sign-in page sends
// the browser afterwards is checked by Clerk's sign-in page against the
// instance's allowed redirect origins.
func TestAttackReturnBackURL(t *testing.T) {
	t.Parallel()
	c := ptClient(t, func(o *clerk.Options) {
		o.SignInURL = "https://accounts.example.com/sign-in"
		o.SignUpURL = "https://accounts.example.com/sign-up"
	})
	auth := signedOutPageAuth(t, c, ptPageURL)
	for _, v := range hostileURLs {
		for name, redirect := range map[string]func(...clerk.RedirectOption) error{
			"sign-in": auth.RedirectToSignIn, "sign-up": auth.RedirectToSignUp,
		} {
			d := clerk.DecisionFor(redirect(clerk.ReturnBackURL(v)))
			if d == nil || d.Status != http.StatusTemporaryRedirect {
				t.Fatalf("%s %q: decision %+v, want a 307", name, v, d)
			}
			noCRLF(t, name+" "+v, d.Header)
			raw := d.Header.Get("Location")
			loc, err := url.Parse(raw)
			if err != nil || loc.Scheme+"://"+loc.Host+loc.Path != "https://accounts.example.com/"+name {
				t.Errorf("%s ReturnBackURL(%q): Location %q is not the configured page", name, v, raw)
				continue
			}
			if n := len(loc.Query()["redirect_url"]); n > 1 {
				t.Errorf("%s ReturnBackURL(%q): %d redirect_url parameters in %q", name, v, n, raw)
			}
			for p := range loc.Query() {
				if p != "redirect_url" {
					t.Errorf("%s ReturnBackURL(%q): extra parameter %q injected into %q", name, v, p, raw)
				}
			}
		}
	}
}

// TestAttackUnauthenticatedURL: an UnauthenticatedURL (or UnauthorizedURL)
// built from request data cannot inject a header: the Location never holds
// CR or LF. A relative value stays on the request's origin.
func TestAttackUnauthenticatedURL(t *testing.T) {
	t.Parallel()
	c := ptClient(t, nil)
	auth := signedOutPageAuth(t, c, ptPageURL)
	for _, v := range []string{"/login?next=/a\r\nSet-Cookie: pwned=1", "/login\nX-Injected: 1", "/login\r\n\r\n<html>"} {
		d := clerk.DecisionFor(auth.Protect(clerk.UnauthenticatedURL(v)))
		if d == nil || d.Status != http.StatusTemporaryRedirect {
			t.Fatalf("UnauthenticatedURL(%q): decision %+v, want a 307", v, d)
		}
		for _, val := range d.Header.Values("Location") {
			if strings.ContainsAny(val, "\r\n") {
				knownIssue(t, "ISSUE-10-CRLF-LOCATION",
					"UnauthenticatedURL(%q) is copied raw into Location %q: protect.go redirect() falls back to the unparsed target when url.Parse refuses its control characters", v, val)
			}
		}
		noCRLF(t, "UnauthenticatedURL", d.Header)
	}
	for _, v := range []string{"/login", "login", "/login?next=%2F%2Fevil.example"} {
		d := clerk.DecisionFor(auth.Protect(clerk.UnauthenticatedURL(v)))
		loc, err := url.Parse(d.Header.Get("Location"))
		if err != nil || loc.Scheme != "https" || loc.Host != "app.example.com" {
			t.Errorf("UnauthenticatedURL(%q): Location %q left the request's origin", v, d.Header.Get("Location"))
		}
	}
}

// devPrimary is a development primary application on app.example.com whose
// satellite is https://sat.example.com (listed in AuthorizedParties).
func devPrimary(t *testing.T) *clerk.Client {
	t.Helper()
	k, _ := keys(t)
	c, err := clerk.New(clerk.Options{
		PublishableKey:    clerktest.PublishableKey(fapiHost),
		SecretKey:         clerktest.SecretKey(),
		JWTKey:            k.PublicKeyPEM(),
		AuthorizedParties: []string{"https://app.example.com", "https://sat.example.com"},
		Clock:             func() time.Time { return t0 },
		Logger:            slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// devPrimarySync is the request a satellite sends to the development
// primary (spec §1.7 step 4), from a browser whose dev-browser token is
// devBrowser.
func devPrimarySync(c *clerk.Client, redirect, devBrowser string) *clerk.RequestState {
	r := newRequest(http.MethodGet, "https://app.example.com/sign-in?__clerk_redirect_url="+url.QueryEscape(redirect),
		map[string]string{"Sec-Fetch-Dest": "document", "Cookie": "__clerk_db_jwt=" + devBrowser})
	return c.Authenticate(context.Background(), clerk.NewRequest(r))
}

// TestAttackDevPrimarySyncRedirect: the development primary's
// __clerk_redirect_url (spec §1.7 step 4) sends the browser, with its
// dev-browser token appended, back to the satellite. Clerk does not check
// the target; clerkguard must answer only to the request's own origin and
// the origins in AuthorizedParties, or the dev-browser token (which stands
// for the browser's Clerk client, i.e. its sessions, on the development
// Frontend API) goes to whoever wrote the link.
func TestAttackDevPrimarySyncRedirect(t *testing.T) {
	t.Parallel()
	c := devPrimary(t)
	const devBrowser = "dvb_secret_of_the_victim"

	// Allowed: the same origin and a listed satellite.
	for _, ok := range []string{"https://app.example.com/after", "https://sat.example.com/page?x=1"} {
		s := devPrimarySync(c, ok, devBrowser)
		loc, err := url.Parse(s.Location())
		want, _ := url.Parse(ok)
		if err != nil || loc.Host != want.Host || loc.Query().Get("__clerk_db_jwt") != devBrowser || loc.Query().Get("__clerk_synced") != "true" {
			t.Errorf("sync back to %s: Location %q (reason %s)", ok, s.Location(), s.Reason)
		}
	}

	// Refused today already: values that are not absolute http(s) URLs.
	for _, bad := range []string{"//evil.example/cb", "javascript:alert(1)", "/relative", "https://evil.example/\r\nX: 1", "data:text/html,x"} {
		s := devPrimarySync(c, bad, devBrowser)
		noCRLF(t, "sync "+bad, s.Headers)
		if loc := s.Location(); strings.Contains(loc, devBrowser) || strings.Contains(loc, "evil.example") || strings.HasPrefix(strings.ToLower(loc), "javascript:") {
			t.Errorf("__clerk_redirect_url=%q: Location %q", bad, loc)
		}
		if s.IsAuthenticated() {
			t.Errorf("__clerk_redirect_url=%q signed in", bad)
		}
	}

	// The hole: any absolute http(s) origin gets the token.
	for _, evil := range []string{"https://evil.example/steal", "http://evil.example:8080/", "https://app.example.com.evil.example/", "https://evil.example/?__clerk_db_jwt=x"} {
		s := devPrimarySync(c, evil, devBrowser)
		noCRLF(t, "sync "+evil, s.Headers)
		loc, err := url.Parse(s.Location())
		if s.Location() == "" || err != nil || loc.Host == "app.example.com" || loc.Host == "sat.example.com" {
			continue // refused or kept on a trusted origin: the attack failed
		}
		if loc.Query().Get("__clerk_db_jwt") == devBrowser {
			knownIssue(t, "ISSUE-10-DEV-SYNC-OPEN-REDIRECT",
				"__clerk_redirect_url=%q makes the development primary redirect to %q with the victim's dev-browser token (authenticate.go step 4 only checks for an absolute http(s) URL)", evil, s.Location())
		}
		t.Errorf("__clerk_redirect_url=%q: redirect to an unlisted origin %q", evil, s.Location())
	}
}

// TestAttackHandshakeTokenOtherInstance: a __clerk_handshake token signed
// by another instance's key (with its own kid or with ours), carrying that
// instance's session cookie, never signs the request in, and none of its
// cookie directives reach the response.
func TestAttackHandshakeTokenOtherInstance(t *testing.T) {
	t.Parallel()
	k, other := keys(t)
	foreignSession := other.MustSign(clerktest.SessionV1("user_attacker", "sess_x", t0))
	ownKidSession := other.WithKID(k.KID()).MustSign(clerktest.SessionV1("user_attacker", "sess_x", t0))
	handshake := func(signer *clerktest.Key, session string) string {
		return signer.MustSign(map[string]any{
			"handshake": []string{"__session=" + session + "; Path=/", "__client_uat=" + itoa(t0.Unix()) + "; Path=/", "pwned=1; Path=/"},
		}, clerktest.WithCategory(clerktest.CategorySession))
	}
	tokens := map[string]string{
		"other key, other kid":                  handshake(other, foreignSession),
		"other key, our kid":                    handshake(other.WithKID(k.KID()), ownKidSession),
		"our key, foreign session":              handshake(k, foreignSession),
		"our key, session forged with our kid":  handshake(k, ownKidSession),
		"other key, template category":          other.MustSign(map[string]any{"handshake": []string{"__session=" + foreignSession}}, clerktest.WithCategory(clerktest.CategoryTemplate)),
		"unsigned":                              (*clerktest.Key)(nil).MustSign(map[string]any{"handshake": []string{"__session=" + foreignSession}}, clerktest.WithAlg("none")),
		"our kid, alg none":                     k.MustSign(map[string]any{"handshake": []string{"__session=" + ownKidSession}}, clerktest.WithAlg("none")),
		"our kid, HS256 with our public key":    k.MustSign(map[string]any{"handshake": []string{"__session=" + ownKidSession}}, clerktest.WithAlg("HS256"), clerktest.WithHMACSecret([]byte(k.PublicKeyPEM()))),
		"garbage":                               "a.b.c",
		"our kid, payload not an object":        k.MustSign([]byte(`"handshake"`)),
		"our key, directives with CRLF":         handshake(k, ownKidSession+"\r\nSet-Cookie: pwned=1"),
		"our key, directive that is no cookie ": k.MustSign(map[string]any{"handshake": []any{1, "__session=x"}}),
	}
	for _, instance := range []struct {
		name string
		pk   string
		sk   string
	}{
		{"development", clerktest.PublishableKey(fapiHost), clerktest.SecretKey()},
		{"production", clerktest.LivePublishableKey("clerk.example.com"), "sk_live_" + strings.TrimPrefix(clerktest.SecretKey(), "sk_test_")},
	} {
		c, err := clerk.New(clerk.Options{PublishableKey: instance.pk, SecretKey: instance.sk, JWTKey: k.PublicKeyPEM(),
			Clock: func() time.Time { return t0 }, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		for name, hs := range tokens {
			for _, carrier := range []string{"query", "cookie"} {
				target := "https://app.example.com/dashboard"
				h := map[string]string{"Sec-Fetch-Dest": "document", "Cookie": "__clerk_db_jwt=dvb_1"}
				if carrier == "query" {
					target += "?__clerk_handshake=" + url.QueryEscape(hs)
				} else {
					h["Cookie"] += "; __clerk_handshake=" + hs
				}
				s := c.Authenticate(context.Background(), clerk.NewRequest(newRequest(http.MethodGet, target, h)))
				what := instance.name + " " + name + " (" + carrier + ")"
				if s.IsAuthenticated() || s.Auth.UserID != "" {
					t.Errorf("%s: signed in as %q", what, s.Auth.UserID)
				}
				noCRLF(t, what, s.Headers)
				for _, ck := range s.Headers.Values("Set-Cookie") {
					if strings.HasPrefix(ck, "__session=") || strings.HasPrefix(ck, "pwned=") || strings.HasPrefix(ck, "__client_uat=") {
						t.Errorf("%s: the foreign handshake's cookie %q was forwarded", what, ck)
					}
				}
			}
		}
	}
}

// TestAttackHandshakeNonce: a handshake nonce the Backend API does not know
// (forged, or replayed after its one use) never signs the request in and
// sets no session cookie; the genuine nonce does, once.
func TestAttackHandshakeNonce(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	inst := clerkdev.NewTestInstance(t, clerkdev.Config{Key: k})
	set := inst.Settings()
	c, err := clerk.New(clerk.Options{PublishableKey: set.PublishableKey, SecretKey: set.SecretKey, APIURL: set.APIURL,
		ProxyURL: set.ProxyURL, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	const app = "http://127.0.0.1:3000/dashboard"
	sess, err := inst.CreateSession("user_alice")
	if err != nil {
		t.Fatal(err)
	}
	nonce := handshakeNonce(t, inst, app, sess.DevBrowser)
	try := func(nonce string) *clerk.RequestState {
		r := newRequest(http.MethodGet, app+"?__clerk_handshake_nonce="+url.QueryEscape(nonce),
			map[string]string{"Sec-Fetch-Dest": "document", "Cookie": "__clerk_db_jwt=" + sess.DevBrowser})
		return c.Authenticate(context.Background(), clerk.NewRequest(r))
	}
	for _, forged := range []string{"forged", clerktest.NewID(""), nonce + "x", "../../v1/jwks", "a&nonce=" + nonce, strings.Repeat("n", 4096)} {
		s := try(forged)
		if s.IsAuthenticated() {
			t.Errorf("nonce %.40q: signed in", forged)
		}
		for _, ck := range s.Headers.Values("Set-Cookie") {
			if strings.HasPrefix(ck, "__session") && !strings.Contains(ck, "Max-Age=0") {
				t.Errorf("nonce %.40q: session cookie set: %.80s", forged, ck)
			}
		}
	}
	if s := try(nonce); !s.IsAuthenticated() || s.Auth.UserID != "user_alice" {
		t.Fatalf("genuine nonce: status %s reason %s", s.Status, s.Reason)
	}
	if s := try(nonce); s.IsAuthenticated() {
		t.Errorf("replayed nonce signed in again")
	}
}

// handshakeNonce runs the Frontend API handshake of clerkdev for the
// browser holding devBrowser and returns the nonce it brings back to app.
func handshakeNonce(t *testing.T, inst *clerkdev.Instance, app, devBrowser string) string {
	t.Helper()
	q := url.Values{"redirect_url": {app}, "format": {"nonce"}, "__clerk_db_jwt": {devBrowser}}
	b := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := b.Get(inst.URL() + "/v1/client/handshake?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("handshake: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	n := loc.Query().Get("__clerk_handshake_nonce")
	if n == "" {
		t.Fatalf("handshake Location %q has no nonce", loc)
	}
	return n
}
