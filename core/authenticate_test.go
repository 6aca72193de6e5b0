package clerk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// Tests of Authenticate, named for the spec step they pin (spec §1.5-§1.10,
// §6.6, §8). The helpers (at*) build a production instance on
// clerk.example.com by default, serving https://app.example.com, with a
// networkless key and a frozen clock.

const (
	atFAPI    = "clerk.example.com"
	atDevFAPI = "happy-hippo-1.clerk.accounts.dev"
	atApp     = "https://app.example.com"
	atUser    = "user_2at"
	atSID     = "sess_2at"
)

var (
	atNow   = time.Unix(1_760_000_000, 0)
	atKeys  = sync.OnceValues(func() (*clerktest.Key, *clerktest.Key) { return clerktest.MustNewKey(), clerktest.MustNewKey() })
	atProd  = clerktest.LivePublishableKey(atFAPI)
	atDev   = clerktest.PublishableKey(atDevFAPI)
	atProdS = "sk_live_" + strings.Repeat("a", 40)
	atDevS  = "sk_test_" + strings.Repeat("b", 40)
)

func atKey() *clerktest.Key   { k, _ := atKeys(); return k }
func atOther() *clerktest.Key { _, k := atKeys(); return k }

// atLogBuffer collects a client's log output.
type atLogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *atLogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *atLogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// atClient builds a production client; mod adjusts the options. Backend
// API calls fail at once unless mod points APIURL somewhere.
func atClient(t testing.TB, mod func(*clerk.Options)) (*clerk.Client, *atLogBuffer) {
	t.Helper()
	logs := &atLogBuffer{}
	o := clerk.Options{
		PublishableKey: atProd, SecretKey: atProdS, JWTKey: atKey().PublicKeyPEM(),
		APIURL: "http://127.0.0.1:1", Clock: func() time.Time { return atNow },
		Logger:     slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		HTTPClient: &http.Client{Transport: atRefusing{}},
	}
	if mod != nil {
		mod(&o)
	}
	c, err := clerk.New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, logs
}

// atDevOpts switches to the development instance.
func atDevOpts(o *clerk.Options) { o.PublishableKey, o.SecretKey = atDev, atDevS }

type atRefusing struct{}

func (atRefusing) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("connection refused (test transport)")
}

// atTok mints a session token of the production instance, issued now.
func atTok(opts ...clerktest.ClaimOption) string {
	base := []clerktest.ClaimOption{clerktest.WithIssuer("https://" + atFAPI), clerktest.WithAuthorizedParty(atApp)}
	return atKey().MustSign(clerktest.SessionV2(atUser, atSID, atNow, append(base, opts...)...))
}

// atDevTok mints a session token of the development instance.
func atDevTok(opts ...clerktest.ClaimOption) string {
	base := []clerktest.ClaimOption{clerktest.WithIssuer("https://" + atDevFAPI), clerktest.WithAuthorizedParty("http://localhost:3000")}
	return atKey().MustSign(clerktest.SessionV2(atUser, atSID, atNow, append(base, opts...)...))
}

func atUnix(d time.Duration) string { return strconv.FormatInt(atNow.Add(d).Unix(), 10) }

// Request kinds.
const (
	atKDoc   = "doc"   // GET, Sec-Fetch-Dest: document
	atKFetch = "fetch" // GET, Sec-Fetch-Dest: empty
	atKPost  = "post"  // POST, Sec-Fetch-Dest: document (a form submission)
)

// atReq builds a request of a kind to target with cookies and extra
// headers (name, value pairs).
func atReq(kind, target string, cookies []string, headers ...string) *http.Request {
	method := http.MethodGet
	if kind == atKPost {
		method = http.MethodPost
	}
	r := httptest.NewRequest(method, target, nil)
	switch kind {
	case atKDoc, atKPost:
		r.Header.Set("Sec-Fetch-Dest", "document")
		r.Header.Set("Accept", "text/html,application/xhtml+xml")
	case atKFetch:
		r.Header.Set("Sec-Fetch-Dest", "empty")
		r.Header.Set("Accept", "*/*")
	}
	if len(cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(cookies, "; "))
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Add(headers[i], headers[i+1])
	}
	return r
}

func atAuthn(c *clerk.Client, r *http.Request, opts ...clerk.AuthenticateOption) *clerk.RequestState {
	return c.Authenticate(context.Background(), clerk.NewRequest(r), opts...)
}

func atCookie(name, value string) string { return name + "=" + value }

// atWant checks status and reason.
func atWant(t *testing.T, s *clerk.RequestState, status clerk.AuthStatus, reason clerk.Reason) {
	t.Helper()
	if s.Status != status || s.Reason != reason {
		t.Fatalf("state = %s / %q (message %q, err %v), want %s / %q", s.Status, s.Reason, s.Message, s.Err, status, reason)
	}
	if s.Auth == nil {
		t.Fatal("Auth is nil")
	}
	switch status {
	case clerk.StatusSignedIn:
		for _, h := range []string{clerk.HeaderAuthStatus, clerk.HeaderAuthReason, clerk.HeaderAuthMessage} {
			if v := s.Headers.Get(h); v != "" {
				t.Errorf("signed-in state carries %s: %q (spec §1.10)", h, v)
			}
		}
	default:
		if got := s.Headers.Get(clerk.HeaderAuthStatus); got != string(status) {
			t.Errorf("%s = %q, want %q", clerk.HeaderAuthStatus, got, status)
		}
		if got := s.Headers.Get(clerk.HeaderAuthReason); got != string(reason) {
			t.Errorf("%s = %q, want %q", clerk.HeaderAuthReason, got, reason)
		}
		if status == clerk.StatusHandshake {
			if s.Location() == "" {
				t.Error("handshake without Location")
			}
			if cc := s.Headers.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store (spec §1.8.2)", cc)
			}
		} else if s.Location() != "" && s.Reason != clerk.ReasonSessionTokenMissing {
			t.Errorf("signed-out state carries Location %q", s.Location())
		}
	}
}

// atLocationQuery returns the handshake Location's parameters in order.
func atLocationQuery(t *testing.T, s *clerk.RequestState) (*url.URL, [][2]string) {
	t.Helper()
	u, err := url.Parse(s.Location())
	if err != nil {
		t.Fatalf("Location %q: %v", s.Location(), err)
	}
	var q [][2]string
	for _, part := range strings.Split(u.RawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, _ = url.QueryUnescape(k)
		v, _ = url.QueryUnescape(v)
		q = append(q, [2]string{k, v})
	}
	return u, q
}

func atQueryGet(q [][2]string, name string) (string, bool) {
	for _, p := range q {
		if p[0] == name {
			return p[1], true
		}
	}
	return "", false
}

func TestCookieFlowSteps(t *testing.T) {
	t.Parallel()
	uat := atUnix(-10 * time.Second)
	signedIn := func(tok string) []string { return []string{atCookie("__session", tok), atCookie("__client_uat", uat)} }
	devBrowser := atCookie("__clerk_db_jwt", "dvb_1")
	devSignedIn := func(tok string) []string { return append(signedIn(tok), devBrowser) }
	prodSatellite := func(o *clerk.Options) {
		o.IsSatellite, o.Domain = true, "satellite.com"
	}
	devSatellite := func(o *clerk.Options) {
		atDevOpts(o)
		o.IsSatellite, o.Domain, o.SignInURL = true, "satellite.dev", "https://primary.dev/sign-in?from=satellite"
	}
	tests := []struct {
		name   string
		opts   func(*clerk.Options)
		req    *http.Request
		status clerk.AuthStatus
		reason clerk.Reason
		check  func(*testing.T, *clerk.RequestState)
	}{
		{name: "step 2: production satellite without cookies skips the sync (satelliteAutoSync off)", opts: prodSatellite,
			req: atReq(atKDoc, "https://satellite.com/", nil), status: clerk.StatusSignedOut, reason: clerk.ReasonSessionTokenAndUATMissing},
		{name: "step 2: production satellite with satelliteAutoSync syncs on the first visit",
			opts: func(o *clerk.Options) { prodSatellite(o); o.SatelliteAutoSync = true },
			req:  atReq(atKDoc, "https://satellite.com/", nil), status: clerk.StatusHandshake, reason: clerk.ReasonSatelliteNeedsSyncing,
			check: func(t *testing.T, s *clerk.RequestState) {
				u, _ := atLocationQuery(t, s)
				if u.Host != "clerk.satellite.com" {
					t.Errorf("handshake host %q, want clerk.satellite.com (the satellite's Frontend API)", u.Host)
				}
			}},
		{name: "step 2: production satellite asked to sync (__clerk_synced=false)", opts: prodSatellite,
			req:    atReq(atKDoc, "https://satellite.com/?__clerk_synced=false", []string{atCookie("__session", atTok(clerktest.WithIssuer("https://clerk.satellite.com"))), atCookie("__client_uat", uat)}),
			status: clerk.StatusHandshake, reason: clerk.ReasonSatelliteNeedsSyncing},
		{name: "step 2: production satellite with cookies and no sync request goes on", opts: prodSatellite,
			req:    atReq(atKDoc, "https://satellite.com/", []string{atCookie("__client_uat", uat)}),
			status: clerk.StatusHandshake, reason: clerk.ReasonClientUATWithoutSessionToken},
		{name: "step 2: a satellite fetch is not a multi-domain sync candidate", opts: func(o *clerk.Options) { prodSatellite(o); o.SatelliteAutoSync = true },
			req: atReq(atKFetch, "https://satellite.com/", nil), status: clerk.StatusSignedOut, reason: clerk.ReasonSessionTokenAndUATMissing},
		{name: "step 2: __clerk_synced=true ends the satellite sync", opts: func(o *clerk.Options) { prodSatellite(o); o.SatelliteAutoSync = true },
			req: atReq(atKDoc, "https://satellite.com/?__clerk_synced=true", nil), status: clerk.StatusSignedOut, reason: clerk.ReasonSessionTokenAndUATMissing},
		{name: "step 3: development satellite redirects to the primary's sign-in with __clerk_redirect_url", opts: func(o *clerk.Options) { devSatellite(o); o.SatelliteAutoSync = true },
			req: atReq(atKDoc, "https://satellite.dev/page?a=1", nil), status: clerk.StatusHandshake, reason: clerk.ReasonSatelliteNeedsSyncing,
			check: func(t *testing.T, s *clerk.RequestState) {
				want := "https://primary.dev/sign-in?from=satellite&__clerk_redirect_url=https%3A%2F%2Fsatellite.dev%2Fpage%3Fa%3D1"
				if s.Location() != want {
					t.Errorf("Location = %q, want %q", s.Location(), want)
				}
			}},
		{name: "step 4: development primary answers a satellite: __clerk_db_jwt appended, __clerk_synced set to true",
			opts:   func(o *clerk.Options) { atDevOpts(o); o.AuthorizedParties = []string{"https://satellite.dev"} },
			req:    atReq(atKDoc, "http://localhost:3000/?__clerk_redirect_url="+url.QueryEscape("https://satellite.dev/x?__clerk_synced=false&b=2"), []string{devBrowser}),
			status: clerk.StatusHandshake, reason: clerk.ReasonPrimaryRespondsToSyncing,
			check: func(t *testing.T, s *clerk.RequestState) {
				want := "https://satellite.dev/x?__clerk_synced=true&b=2&__clerk_db_jwt=dvb_1"
				if s.Location() != want {
					t.Errorf("Location = %q, want %q", s.Location(), want)
				}
			}},
		{name: "step 4: development primary ignores a __clerk_redirect_url to an origin it does not know (clerkguard: no token leak)", opts: atDevOpts,
			req:    atReq(atKDoc, "http://localhost:3000/?__clerk_redirect_url="+url.QueryEscape("https://evil.example/steal"), []string{devBrowser}),
			status: clerk.StatusSignedOut, reason: clerk.ReasonSessionTokenAndUATMissing,
			check: func(t *testing.T, s *clerk.RequestState) {
				if strings.Contains(s.Location(), "evil.example") {
					t.Errorf("redirected to the unknown origin: %q", s.Location())
				}
			}},
		{name: "step 4: development primary refuses a __clerk_redirect_url that is not an absolute http(s) URL", opts: atDevOpts,
			req: atReq(atKDoc, "http://localhost:3000/?__clerk_redirect_url=javascript%3Aalert(1)", []string{devBrowser}), status: clerk.StatusSignedOut, reason: clerk.ReasonUnexpectedError,
			check: func(t *testing.T, s *clerk.RequestState) {
				if s.Err == nil || s.Location() != "" {
					t.Errorf("want an error and no Location, got err %v, Location %q", s.Err, s.Location())
				}
			}},
		{name: "step 5: development request carrying __clerk_db_jwt syncs the dev browser", opts: atDevOpts,
			req: atReq(atKDoc, "http://localhost:3000/?__clerk_db_jwt=dvb_q", devSignedIn(atDevTok())), status: clerk.StatusHandshake, reason: clerk.ReasonDevBrowserSync},
		{name: "step 6: development document without a dev browser gets a handshake, even anonymous", opts: atDevOpts,
			req: atReq(atKDoc, "http://localhost:3000/", nil), status: clerk.StatusHandshake, reason: clerk.ReasonDevBrowserMissing},
		{name: "step 6: development fetch without a dev browser is signed out with the reason", opts: atDevOpts,
			req: atReq(atKFetch, "http://localhost:3000/", nil), status: clerk.StatusSignedOut, reason: clerk.ReasonDevBrowserMissing},
		{name: "step 7: no session and no client_uat: signed out, no handshake even for a document",
			req: atReq(atKDoc, atApp+"/", nil), status: clerk.StatusSignedOut, reason: clerk.ReasonSessionTokenAndUATMissing},
		{name: "step 7: client_uat=0 counts as no active client",
			req: atReq(atKDoc, atApp+"/", []string{atCookie("__client_uat", "0")}), status: clerk.StatusSignedOut, reason: clerk.ReasonSessionTokenAndUATMissing},
		{name: "step 8: session without client_uat",
			req: atReq(atKDoc, atApp+"/", []string{atCookie("__session", atTok())}), status: clerk.StatusHandshake, reason: clerk.ReasonSessionTokenWithoutClientUAT},
		{name: "step 8: session without client_uat on a fetch",
			req: atReq(atKFetch, atApp+"/", []string{atCookie("__session", atTok())}), status: clerk.StatusSignedOut, reason: clerk.ReasonSessionTokenWithoutClientUAT},
		{name: "step 9: client_uat without session",
			req: atReq(atKDoc, atApp+"/", []string{atCookie("__client_uat", uat)}), status: clerk.StatusHandshake, reason: clerk.ReasonClientUATWithoutSessionToken},
		{name: "step 10: an undecodable session cookie is token-invalid (cookie carrier)",
			req: atReq(atKDoc, atApp+"/", signedIn("garbage")), status: clerk.StatusSignedOut, reason: clerk.ReasonTokenInvalid,
			check: func(t *testing.T, s *clerk.RequestState) {
				want := "Invalid JWT form. A JWT consists of three parts separated by dots. (reason=token-invalid, token-carrier=cookie)"
				if s.Message != want || s.Headers.Get(clerk.HeaderAuthMessage) != want {
					t.Errorf("message %q / header %q, want %q", s.Message, s.Headers.Get(clerk.HeaderAuthMessage), want)
				}
			}},
		{name: "step 11: a JWT-template token in the cookie is a type mismatch",
			req:    atReq(atKDoc, atApp+"/", signedIn(atKey().MustSign(clerktest.SessionV2(atUser, atSID, atNow), clerktest.WithCategory(clerktest.CategoryTemplate)))),
			status: clerk.StatusSignedOut, reason: clerk.ReasonTokenTypeMismatch},
		{name: "step 11: an M2M JWT in the cookie is a type mismatch",
			req:    atReq(atKDoc, atApp+"/", signedIn(atKey().MustSign(clerktest.M2MClaims("mch_1", atNow), clerktest.WithCategory(clerktest.CategoryM2M)))),
			status: clerk.StatusSignedOut, reason: clerk.ReasonTokenTypeMismatch},
		{name: "step 12: iat before client_uat",
			req:    atReq(atKDoc, atApp+"/", []string{atCookie("__session", atTok(clerktest.WithIat(-time.Minute))), atCookie("__client_uat", atUnix(-30*time.Second))}),
			status: clerk.StatusHandshake, reason: clerk.ReasonSessionTokenIATBeforeClientUAT},
		{name: "step 12: iat equal to client_uat is not before it",
			req:    atReq(atKDoc, atApp+"/", []string{atCookie("__session", atTok(clerktest.WithIat(-30*time.Second))), atCookie("__client_uat", atUnix(-30*time.Second))}),
			status: clerk.StatusSignedIn},
		{name: "step 12: a string iat compares as a number, as in JavaScript",
			req:    atReq(atKFetch, atApp+"/", []string{atCookie("__session", atTok(clerktest.WithClaim("iat", "5"))), atCookie("__client_uat", "6")}),
			status: clerk.StatusSignedOut, reason: clerk.ReasonSessionTokenIATBeforeClientUAT},
		{name: "step 13: a bad signature is signed out with token-invalid-signature",
			req:    atReq(atKDoc, atApp+"/", signedIn(atOther().MustSign(clerktest.SessionV2(atUser, atSID, atNow)))),
			status: clerk.StatusSignedOut, reason: clerk.ReasonTokenInvalidSignature},
		{name: "step 13: an expired cookie token sends documents to the handshake",
			req:    atReq(atKDoc, atApp+"/", []string{atCookie("__session", atTok(clerktest.WithExp(-time.Minute), clerktest.WithIat(-2*time.Minute))), atCookie("__client_uat", atUnix(-time.Hour))}),
			status: clerk.StatusHandshake, reason: "session-token-expired-refresh-non-eligible-no-refresh-cookie"},
		{name: "step 13: a token not active yet",
			req:    atReq(atKFetch, atApp+"/", []string{atCookie("__session", atTok(clerktest.WithNbf(time.Minute))), atCookie("__client_uat", "1")}),
			status: clerk.StatusSignedOut, reason: clerk.ReasonSessionTokenNBF},
		{name: "step 13: a token issued in the future",
			req:    atReq(atKFetch, atApp+"/", []string{atCookie("__session", atTok(clerktest.WithIat(time.Minute))), atCookie("__client_uat", "1")}),
			status: clerk.StatusSignedOut, reason: clerk.ReasonSessionTokenIATInTheFuture},
		{name: "step 13: authorizedParties rejects another origin's token",
			opts:   func(o *clerk.Options) { o.AuthorizedParties = []string{atApp} },
			req:    atReq(atKDoc, atApp+"/", signedIn(atTok(clerktest.WithAuthorizedParty("https://evil.example")))),
			status: clerk.StatusSignedOut, reason: clerk.ReasonTokenInvalidAuthorizedParties,
			check: func(t *testing.T, s *clerk.RequestState) {
				want := `Invalid JWT Authorized party claim (azp) "https://evil.example". Expected "https://app.example.com". (reason=token-invalid-authorized-parties, token-carrier=cookie)`
				if s.Message != want {
					t.Errorf("message %q, want %q", s.Message, want)
				}
			}},
		{name: "step 15: a cross-origin referrer on the primary triggers a sync handshake",
			req:    atReq(atKDoc, atApp+"/", signedIn(atTok()), "Referer", "https://satellite.example/page"),
			status: clerk.StatusHandshake, reason: clerk.ReasonPrimaryDomainCrossOriginSync,
			check: func(t *testing.T, s *clerk.RequestState) {
				if s.Message != "Cross-origin request from satellite domain requires handshake" {
					t.Errorf("message %q", s.Message)
				}
			}},
		{name: "step 15: the Frontend API as referrer is a known Clerk host",
			req: atReq(atKDoc, atApp+"/", signedIn(atTok()), "Referer", "https://clerk.example.com/v1/client"), status: clerk.StatusSignedIn},
		{name: "step 15: the Account Portal derived from the Frontend API is a known Clerk host",
			req: atReq(atKDoc, atApp+"/", signedIn(atTok()), "Referer", "https://accounts.example.com/sign-in"), status: clerk.StatusSignedIn},
		{name: "step 15: a same-origin referrer with the default port spelled out",
			req: atReq(atKDoc, atApp+"/", signedIn(atTok()), "Referer", "https://APP.example.com:443/x"), status: clerk.StatusSignedIn},
		{name: "step 15: a referrer with an opaque origin (android-app:) is cross-origin",
			req: atReq(atKDoc, atApp+"/", signedIn(atTok()), "Referer", "android-app://com.example/"), status: clerk.StatusHandshake, reason: clerk.ReasonPrimaryDomainCrossOriginSync},
		{name: "step 15: an unparseable referrer is not cross-origin",
			req: atReq(atKDoc, atApp+"/", signedIn(atTok()), "Referer", "https://app.example.com:3000:443/"), status: clerk.StatusSignedIn},
		{name: "step 15: not after a handshake redirect (loop counter set)",
			req:    atReq(atKDoc, atApp+"/", append(signedIn(atTok()), atCookie("__clerk_redirect_count", "1")), "Referer", "https://satellite.example/"),
			status: clerk.StatusSignedIn},
		{name: "step 15: not for a POST navigation",
			req: atReq(atKPost, atApp+"/", signedIn(atTok()), "Referer", "https://satellite.example/"), status: clerk.StatusSignedIn},
		{name: "step 15: not on a satellite", opts: prodSatellite,
			req:    atReq(atKDoc, "https://satellite.com/", signedIn(atTok(clerktest.WithIssuer("https://clerk.satellite.com"))), "Referer", "https://elsewhere.example/"),
			status: clerk.StatusSignedIn},
		{name: "step 15: in development, a development Account Portal is known", opts: atDevOpts,
			req: atReq(atKDoc, "http://localhost:3000/", devSignedIn(atDevTok()), "Referer", "https://happy-hippo-1.accounts.dev/sign-in"), status: clerk.StatusSignedIn},
		{name: "step 15: behind a proxy, the proxy host is the Frontend API",
			opts: func(o *clerk.Options) { o.ProxyURL = "https://proxy.example.net/__clerk" },
			req:  atReq(atKDoc, atApp+"/", signedIn(atTok()), "Referer", "https://proxy.example.net/x"), status: clerk.StatusSignedIn},
		{name: "step 16: signed in when the URL names no organization",
			opts: atOrgSyncOpts, req: atReq(atKDoc, atApp+"/elsewhere", signedIn(atTok())), status: clerk.StatusSignedIn},
		{name: "step 17: signed in",
			req:    atReq(atKDoc, atApp+"/", signedIn(atTok(clerktest.WithOrg(clerktest.Org{ID: "org_1", Slug: "acme", Role: "admin", Permissions: []string{"org:invoices:read"}})))),
			status: clerk.StatusSignedIn,
			check: func(t *testing.T, s *clerk.RequestState) {
				a := s.Auth
				if !s.IsAuthenticated() || !a.IsAuthenticated || a.UserID != atUser || a.SessionID != atSID || a.OrgID != "org_1" ||
					a.OrgSlug != "acme" || a.OrgRole != "org:admin" || strings.Join(a.OrgPermissions, ",") != "org:invoices:read" ||
					a.TokenType != clerk.SessionToken || s.TokenType != clerk.SessionToken || s.Token == "" {
					t.Errorf("auth = %+v, token %q", a, s.Token)
				}
				if len(s.Headers) != 0 {
					t.Errorf("signed-in state has headers %v", s.Headers)
				}
			}},
		{name: "steps 13-16: a malformed fea claim is unexpected-error (Clerk fails building the auth object)",
			req:    atReq(atKDoc, atApp+"/", signedIn(atTok(clerktest.WithOrg(clerktest.Org{ID: "org_1", Role: "admin"}), clerktest.WithClaim("fea", "nocolon")))),
			status: clerk.StatusSignedOut, reason: clerk.ReasonUnexpectedError},
		{name: "step 17: a pending session is signed in with a signed-out Auth (treatPendingAsSignedOut)",
			req:    atReq(atKDoc, atApp+"/", signedIn(atTok(clerktest.WithSessionStatus("pending")))),
			status: clerk.StatusSignedIn,
			check: func(t *testing.T, s *clerk.RequestState) {
				if s.Auth.IsAuthenticated || s.Auth.UserID != "" || s.Auth.SessionStatus != "pending" {
					t.Errorf("auth = %+v", s.Auth)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, _ := atClient(t, tc.opts)
			s := atAuthn(c, tc.req)
			atWant(t, s, tc.status, tc.reason)
			if tc.check != nil {
				tc.check(t, s)
			}
		})
	}
}

func atOrgSyncOpts(o *clerk.Options) {
	o.OrganizationSync = &clerk.OrganizationSync{
		OrganizationPatterns:    []string{"/orgs/:slug", "/orgs/:slug/(.*)", "/orgs-by-id/:id"},
		PersonalAccountPatterns: []string{"/me", "/me/(.*)"},
	}
}

func TestCookieFlowStep14MissingAzpWarnsOnce(t *testing.T) {
	t.Parallel()
	c, logs := atClient(t, nil)
	for i := 0; i < 3; i++ {
		s := atAuthn(c, atReq(atKDoc, atApp+"/", []string{atCookie("__session", atTok(clerktest.WithoutClaim("azp"))), atCookie("__client_uat", "1")}))
		atWant(t, s, clerk.StatusSignedIn, "")
	}
	if n := strings.Count(logs.String(), "Session token from cookie is missing the azp claim"); n != 1 {
		t.Errorf("azp warning logged %d times, want once per client:\n%s", n, logs)
	}
	// Header tokens never warn (spec §1.6.1).
	c2, logs2 := atClient(t, nil)
	s := atAuthn(c2, atReq(atKFetch, atApp+"/", nil, "Authorization", "Bearer "+atTok(clerktest.WithoutClaim("azp"))))
	atWant(t, s, clerk.StatusSignedIn, "")
	if strings.Contains(logs2.String(), "azp") {
		t.Errorf("header token logged an azp warning:\n%s", logs2)
	}
}

// TestOrganizationActivation is spec §8 (cookie flow step 16).
func TestOrganizationActivation(t *testing.T) {
	t.Parallel()
	uat := atUnix(-10 * time.Second)
	acme := clerktest.WithOrg(clerktest.Org{ID: "org_1", Slug: "acme", Role: "admin"})
	tests := []struct {
		name, kind, path string
		tok              string
		extra            []string
		status           clerk.AuthStatus
		orgParam         *string
	}{
		{"the active organization's slug: nothing to do", atKDoc, "/orgs/acme", atTok(acme), nil, clerk.StatusSignedIn, nil},
		{"another slug: a document gets the handshake with organization_id=<slug>", atKDoc, "/orgs/other/settings", atTok(acme), nil, clerk.StatusHandshake, atPtr("other")},
		{"a slug while no organization is active", atKDoc, "/orgs/acme", atTok(), nil, clerk.StatusHandshake, atPtr("acme")},
		{"another ID: organization_id=<id>", atKDoc, "/orgs-by-id/org_2", atTok(acme), nil, clerk.StatusHandshake, atPtr("org_2")},
		{"the active ID: nothing to do", atKDoc, "/orgs-by-id/org_1", atTok(acme), nil, clerk.StatusSignedIn, nil},
		{"the personal account while an organization is active: organization_id empty", atKDoc, "/me/profile", atTok(acme), nil, clerk.StatusHandshake, atPtr("")},
		{"the personal account with none active", atKDoc, "/me", atTok(), nil, clerk.StatusSignedIn, nil},
		{"API requests (not documents) stay signed in", atKFetch, "/orgs/other", atTok(acme), nil, clerk.StatusSignedIn, nil},
		{"POST navigations stay signed in", atKPost, "/orgs/other", atTok(acme), nil, clerk.StatusSignedIn, nil},
		{"loop guard: counter 2 still activates", atKDoc, "/orgs/other", atTok(acme), []string{atCookie("__clerk_redirect_count", "2")}, clerk.StatusHandshake, atPtr("other")},
		{"loop guard: counter 3 stays signed in", atKDoc, "/orgs/other", atTok(acme), []string{atCookie("__clerk_redirect_count", "3")}, clerk.StatusSignedIn, nil},
		{"loop guard: counter >= 3 (here 7) stays signed in", atKDoc, "/orgs/other", atTok(acme), []string{atCookie("__clerk_redirect_count", "7")}, clerk.StatusSignedIn, nil},
		{"a pending session is not activated", atKDoc, "/orgs/other", atTok(acme, clerktest.WithSessionStatus("pending")), nil, clerk.StatusSignedIn, nil},
		{"the path is matched raw: %20 is not decoded", atKDoc, "/orgs/a%20b", atTok(acme), nil, clerk.StatusHandshake, atPtr("a%20b")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, _ := atClient(t, atOrgSyncOpts)
			s := atAuthn(c, atReq(tc.kind, atApp+tc.path, append([]string{atCookie("__session", tc.tok), atCookie("__client_uat", uat)}, tc.extra...)))
			reason := clerk.Reason("")
			if tc.status == clerk.StatusHandshake {
				reason = clerk.ReasonActiveOrganizationMismatch
			}
			atWant(t, s, tc.status, reason)
			if tc.orgParam != nil {
				_, q := atLocationQuery(t, s)
				got, ok := atQueryGet(q, "organization_id")
				if !ok || got != *tc.orgParam {
					t.Errorf("organization_id = %q (present %v), want %q", got, ok, *tc.orgParam)
				}
			}
		})
	}
	// With TreatPendingAsSignedOut false the pending session is exposed,
	// but activation still follows Clerk's default auth object: none.
	c, _ := atClient(t, func(o *clerk.Options) { atOrgSyncOpts(o); f := false; o.TreatPendingAsSignedOut = &f })
	s := atAuthn(c, atReq(atKDoc, atApp+"/orgs/other", []string{atCookie("__session", atTok(acme, clerktest.WithSessionStatus("pending"))), atCookie("__client_uat", uat)}))
	atWant(t, s, clerk.StatusSignedIn, "")
	if s.Auth.UserID != atUser || s.Auth.SessionStatus != "pending" {
		t.Errorf("auth = %+v", s.Auth)
	}
}

// TestOrganizationSyncOnEveryHandshake: organization_id goes on every
// handshake whose URL matches a pattern (spec §1.8.2), not only on
// activation handshakes.
func TestOrganizationSyncOnEveryHandshake(t *testing.T) {
	t.Parallel()
	c, _ := atClient(t, atOrgSyncOpts)
	s := atAuthn(c, atReq(atKDoc, atApp+"/orgs/acme", []string{atCookie("__session", atTok())}))
	atWant(t, s, clerk.StatusHandshake, clerk.ReasonSessionTokenWithoutClientUAT)
	_, q := atLocationQuery(t, s)
	if v, ok := atQueryGet(q, "organization_id"); !ok || v != "acme" {
		t.Errorf("organization_id = %q, %v", v, ok)
	}
	if q[len(q)-1][0] != "organization_id" {
		t.Errorf("organization_id is not the last parameter: %v", q)
	}
}

func atPtr[T any](v T) *T { return &v }

// TestDispatch is spec §1.5 and the table of §6.6. Machine tokens that
// reach verification fail closed here (no Backend API): only the dispatch
// and the mismatch outcomes are asserted.
func TestDispatch(t *testing.T) {
	t.Parallel()
	session := atTok()
	template := atKey().MustSign(clerktest.SessionV2(atUser, atSID, atNow), clerktest.WithCategory(clerktest.CategoryTemplate))
	m2mJWT := atKey().MustSign(clerktest.M2MClaims("mch_1", atNow), clerktest.WithCategory(clerktest.CategoryM2M))
	oauthJWT := atKey().MustSign(clerktest.OAuthClaims(atUser, "client_1", atNow), clerktest.WithTyp(clerktest.TypOAuthAccessToken))
	cookies := []string{atCookie("__session", atTok()), atCookie("__client_uat", "1")}
	const verify = "verify" // the request reached verification of that type
	tests := []struct {
		name      string
		accepts   []clerk.TokenType
		header    string
		status    clerk.AuthStatus
		reason    clerk.Reason
		tokenType clerk.TokenType
	}{
		{"session_token (default) + session JWT: session verification", nil, session, clerk.StatusSignedIn, "", clerk.SessionToken},
		{"session_token + JWT template: token-type-mismatch", nil, template, clerk.StatusSignedOut, clerk.ReasonTokenTypeMismatch, clerk.SessionToken},
		{"session_token + M2M JWT: token-type-mismatch", nil, m2mJWT, clerk.StatusSignedOut, clerk.ReasonTokenTypeMismatch, clerk.SessionToken},
		{"session_token + OAuth JWT: token-type-mismatch", nil, oauthJWT, clerk.StatusSignedOut, clerk.ReasonTokenTypeMismatch, clerk.SessionToken},
		{"session_token + opaque API key: verified as a session JWT (token-invalid), as Clerk 3.25 does", nil, "ak_123", clerk.StatusSignedOut, clerk.ReasonTokenInvalid, clerk.SessionToken},
		{"session_token + no header token: cookie flow", nil, "", clerk.StatusSignedIn, "", clerk.SessionToken},
		{"single machine type + same type: machine verification", []clerk.TokenType{clerk.APIKey}, "ak_123", clerk.StatusSignedOut, verify, clerk.APIKey},
		{"single machine type + other machine type: mismatch, tokenType = requested", []clerk.TokenType{clerk.OAuthToken}, "ak_123", clerk.StatusSignedOut, clerk.ReasonTokenTypeMismatch, clerk.OAuthToken},
		{"single machine type + session JWT: mismatch, tokenType = requested", []clerk.TokenType{clerk.M2MToken}, session, clerk.StatusSignedOut, clerk.ReasonTokenTypeMismatch, clerk.M2MToken},
		{"single machine type + no header: 'No token in header', cookies ignored", []clerk.TokenType{clerk.M2MToken}, "", clerk.StatusSignedOut, clerk.ReasonNoTokenInHeader, clerk.M2MToken},
		{"array + type not in it: invalid-token state (tokenType empty)", []clerk.TokenType{clerk.APIKey, clerk.M2MToken}, session, clerk.StatusSignedOut, clerk.ReasonTokenTypeMismatch, ""},
		{"array without session + no header (session assumed): invalid-token state", []clerk.TokenType{clerk.APIKey, clerk.M2MToken}, "", clerk.StatusSignedOut, clerk.ReasonTokenTypeMismatch, ""},
		{"array with session + no header: cookie flow", []clerk.TokenType{clerk.SessionToken, clerk.APIKey}, "", clerk.StatusSignedIn, "", clerk.SessionToken},
		{"array + machine token in it: machine verification", []clerk.TokenType{clerk.SessionToken, clerk.APIKey}, "ak_123", clerk.StatusSignedOut, verify, clerk.APIKey},
		{"array + session JWT in it: session verification", []clerk.TokenType{clerk.SessionToken, clerk.APIKey}, session, clerk.StatusSignedIn, "", clerk.SessionToken},
		{"any + machine token: machine verification", []clerk.TokenType{clerk.AnyToken}, "mt_123", clerk.StatusSignedOut, verify, clerk.M2MToken},
		{"any + M2M JWT: machine verification", []clerk.TokenType{clerk.AnyToken}, m2mJWT, clerk.StatusSignedOut, verify, clerk.M2MToken},
		{"any + session JWT: session verification", []clerk.TokenType{clerk.AnyToken}, session, clerk.StatusSignedIn, "", clerk.SessionToken},
		{"any + JWT template: mismatch (design §4.3; Clerk 3.25 agrees)", []clerk.TokenType{clerk.AnyToken}, template, clerk.StatusSignedOut, clerk.ReasonTokenTypeMismatch, clerk.SessionToken},
		{"any + no header: cookie flow", []clerk.TokenType{clerk.AnyToken}, "", clerk.StatusSignedIn, "", clerk.SessionToken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, _ := atClient(t, nil)
			var hdr []string
			if tc.header != "" {
				hdr = []string{"Authorization", "Bearer " + tc.header}
			}
			var opts []clerk.AuthenticateOption
			if tc.accepts != nil {
				opts = append(opts, clerk.AcceptsToken(tc.accepts...))
			}
			s := atAuthn(c, atReq(atKFetch, atApp+"/", cookies, hdr...), opts...)
			if s.TokenType != tc.tokenType {
				t.Errorf("TokenType = %q, want %q", s.TokenType, tc.tokenType)
			}
			if s.Auth.TokenType != tc.tokenType {
				t.Errorf("Auth.TokenType = %q, want %q", s.Auth.TokenType, tc.tokenType)
			}
			if tc.reason == verify {
				// Machine verification is not this test's subject: the
				// state names the type and is not a dispatch outcome.
				if s.Reason == clerk.ReasonTokenTypeMismatch || s.Reason == clerk.ReasonNoTokenInHeader {
					t.Errorf("state %s/%q, want a %s verification", s.Status, s.Reason, tc.tokenType)
				}
				return
			}
			atWant(t, s, tc.status, tc.reason)
			if tc.status == clerk.StatusSignedIn && tc.header == "" && s.Token != cookies[0][len("__session="):] {
				t.Error("the cookie flow did not sign in with the cookie's token")
			}
		})
	}
}

// TestHeaderPath is spec §1.6: a header token turns off every cookie rule;
// its errors go through handleSessionTokenError with carrier "header".
func TestHeaderPath(t *testing.T) {
	t.Parallel()
	expired := atTok(clerktest.WithExp(-time.Minute), clerktest.WithIat(-2*time.Minute))
	tests := []struct {
		name    string
		kind    string
		auth    string
		cookies []string
		status  clerk.AuthStatus
		reason  clerk.Reason
		message string
	}{
		{"a valid header token signs in whatever the cookies say", atKDoc, "Bearer " + atTok(), []string{atCookie("__client_uat", atUnix(time.Hour))}, clerk.StatusSignedIn, "", ""},
		{"a token without a scheme is the token", atKFetch, atTok(), nil, clerk.StatusSignedIn, "", ""},
		{"an invalid header token never falls back to the cookie", atKFetch, "Bearer garbage", []string{atCookie("__session", atTok()), atCookie("__client_uat", "1")},
			clerk.StatusSignedOut, clerk.ReasonTokenInvalid, "Invalid JWT form. A JWT consists of three parts separated by dots. (reason=token-invalid, token-carrier=header)"},
		{"a Basic Authorization is no token: cookie flow", atKFetch, "Basic dXNlcjpwYXNz", []string{atCookie("__session", atTok()), atCookie("__client_uat", "1")}, clerk.StatusSignedIn, "", ""},
		{"an expired header token on a document GET gets the handshake", atKDoc, "Bearer " + expired, nil, clerk.StatusHandshake, "session-token-expired-refresh-non-eligible-no-refresh-cookie", ""},
		{"an expired header token on a fetch is signed out with the same reason", atKFetch, "Bearer " + expired, nil, clerk.StatusSignedOut, "session-token-expired-refresh-non-eligible-no-refresh-cookie", ""},
		{"an expired header token on a POST", atKPost, "Bearer " + expired, nil, clerk.StatusSignedOut, "session-token-expired-refresh-non-eligible-non-get", ""},
		{"a bad signature", atKFetch, "Bearer " + atOther().MustSign(clerktest.SessionV2(atUser, atSID, atNow)), nil,
			clerk.StatusSignedOut, clerk.ReasonTokenInvalidSignature, "JWT signature is invalid. (reason=token-invalid-signature, token-carrier=header)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, _ := atClient(t, nil)
			s := atAuthn(c, atReq(tc.kind, atApp+"/", tc.cookies, "Authorization", tc.auth))
			atWant(t, s, tc.status, tc.reason)
			if tc.message != "" && s.Message != tc.message {
				t.Errorf("message %q, want %q", s.Message, tc.message)
			}
		})
	}
}

// TestStateHeaders is spec §1.10: the x-clerk-auth-* headers never go on a
// signed-in state, the message only when there is one, and a value that is
// not Latin-1 is skipped (the others stay).
func TestStateHeaders(t *testing.T) {
	t.Parallel()
	c, _ := atClient(t, func(o *clerk.Options) { o.AuthorizedParties = []string{atApp} })
	s := atAuthn(c, atReq(atKFetch, atApp+"/", nil, "Authorization", "Bearer "+atTok(clerktest.WithAuthorizedParty("https://例え.jp"))))
	atWant(t, s, clerk.StatusSignedOut, clerk.ReasonTokenInvalidAuthorizedParties)
	if !strings.Contains(s.Message, "例え") {
		t.Fatalf("message %q", s.Message)
	}
	if _, ok := s.Headers[http.CanonicalHeaderKey(clerk.HeaderAuthMessage)]; ok {
		t.Errorf("a non-Latin-1 message was set as a header: %q", s.Headers.Get(clerk.HeaderAuthMessage))
	}
	// Latin-1 is fine (U+00FC).
	s = atAuthn(c, atReq(atKFetch, atApp+"/", nil, "Authorization", "Bearer "+atTok(clerktest.WithAuthorizedParty("https://über.example"))))
	if got := s.Headers.Get(clerk.HeaderAuthMessage); !strings.Contains(got, "über") {
		t.Errorf("Latin-1 message header = %q", got)
	}
	// No message: no message header.
	s = atAuthn(c, atReq(atKFetch, atApp+"/", nil))
	atWant(t, s, clerk.StatusSignedOut, clerk.ReasonSessionTokenAndUATMissing)
	if _, ok := s.Headers[http.CanonicalHeaderKey(clerk.HeaderAuthMessage)]; ok {
		t.Error("empty message set as a header")
	}
	// Handshake states carry them too, next to the Location.
	s = atAuthn(c, atReq(atKDoc, atApp+"/", []string{atCookie("__session", atTok())}))
	atWant(t, s, clerk.StatusHandshake, clerk.ReasonSessionTokenWithoutClientUAT)
	if got := s.Headers.Get(clerk.HeaderAuthStatus); got != string(clerk.StatusHandshake) {
		t.Errorf("handshake %s = %q", clerk.HeaderAuthStatus, got)
	}
	if got := s.Headers.Get(clerk.HeaderAuthReason); got != string(clerk.ReasonSessionTokenWithoutClientUAT) {
		t.Errorf("handshake %s = %q", clerk.HeaderAuthReason, got)
	}
	if s.Headers.Get("Location") == "" {
		t.Error("handshake state without a Location")
	}
	// A signed-in state carries none.
	s = atAuthn(c, atReq(atKFetch, atApp+"/", nil, "Authorization", "Bearer "+atTok()))
	atWant(t, s, clerk.StatusSignedIn, "")
	for _, h := range []string{clerk.HeaderAuthStatus, clerk.HeaderAuthReason, clerk.HeaderAuthMessage} {
		if v := s.Headers.Get(h); v != "" {
			t.Errorf("signed-in state has %s: %q", h, v)
		}
	}
}

// TestSatelliteOriginAssertion: a satellite whose sign-in URL has the
// request's Origin is misconfigured; Clerk throws (spec §1.2 item 3), we
// answer unexpected-error with the explanation.
func TestSatelliteOriginAssertion(t *testing.T) {
	t.Parallel()
	c, _ := atClient(t, func(o *clerk.Options) {
		o.IsSatellite, o.Domain, o.SignInURL = true, "satellite.com", "https://satellite.com/sign-in"
	})
	s := atAuthn(c, atReq(atKFetch, "https://satellite.com/", nil, "Origin", "https://satellite.com"))
	atWant(t, s, clerk.StatusSignedOut, clerk.ReasonUnexpectedError)
	if s.Err == nil || !strings.Contains(s.Err.Error(), "different origin") {
		t.Errorf("err = %v", s.Err)
	}
	s = atAuthn(c, atReq(atKFetch, "https://satellite.com/", nil, "Origin", "https://elsewhere.example"))
	atWant(t, s, clerk.StatusSignedOut, clerk.ReasonSessionTokenAndUATMissing)
}

// atBAPIFake is a loopback Backend API for the handshake and refresh tests:
// it records every request and answers with the handler's choice.
type atBAPIFake struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []atRecorded
}

type atRecorded struct {
	method, path, rawQuery string
	header                 http.Header
	body                   map[string]any
}

func newATBAPIFake(t *testing.T, h func(w http.ResponseWriter, r *http.Request)) *atBAPIFake {
	f := &atBAPIFake{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec := atRecorded{method: r.Method, path: r.URL.Path, rawQuery: r.URL.RawQuery, header: r.Header.Clone()}
		if len(b) > 0 {
			_ = json.Unmarshal(b, &rec.body)
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, rec)
		f.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *atBAPIFake) requests() []atRecorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]atRecorded(nil), f.reqs...)
}

// use points a client at the fake.
func (f *atBAPIFake) use(o *clerk.Options) {
	o.APIURL = f.srv.URL
	o.HTTPClient = f.srv.Client()
}

func atWriteJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// TestWithoutPublishableKey: without a publishable key there is no cookie
// flow (Clerk throws; design: signed out with a configuration error), while
// Authorization headers are verified as usual.
func TestWithoutPublishableKey(t *testing.T) {
	t.Parallel()
	c, _ := atClient(t, func(o *clerk.Options) { o.PublishableKey = "" })
	s := atAuthn(c, atReq(atKDoc, atApp+"/", []string{atCookie("__session", atTok()), atCookie("__client_uat", "1")}))
	atWant(t, s, clerk.StatusSignedOut, clerk.ReasonSessionTokenAndUATMissing)
	var ce *clerk.ConfigError
	if !errors.As(s.Err, &ce) || ce.Field != "PublishableKey" {
		t.Errorf("err = %v, want a PublishableKey configuration error", s.Err)
	}
	s = atAuthn(c, atReq(atKFetch, atApp+"/", nil, "Authorization", "Bearer "+atTok()))
	atWant(t, s, clerk.StatusSignedIn, "")
}
