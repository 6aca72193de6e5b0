package clerk_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
)

// Hostile and malformed requests (issue 4 "Bad input"): every one gets a
// clear state and reason, no panic, and no header a response could be split
// with.

// checkStateInvariants holds for every state Authenticate returns.
func checkStateInvariants(t testing.TB, s *clerk.RequestState) {
	t.Helper()
	if s == nil || s.Auth == nil {
		t.Fatal("nil state or Auth")
	}
	switch s.Status {
	case clerk.StatusSignedIn:
		if s.Reason != "" || s.Headers.Get(clerk.HeaderAuthStatus) != "" || s.Token == "" || s.TokenType == "" {
			t.Fatalf("signed-in state %+v", s)
		}
	case clerk.StatusSignedOut, clerk.StatusHandshake:
		if s.Reason == "" || s.Headers.Get(clerk.HeaderAuthStatus) != string(s.Status) || s.Auth.IsAuthenticated || s.Token != "" {
			t.Fatalf("%s state without reason or with a token: %+v", s.Status, s)
		}
		if s.Status == clerk.StatusHandshake {
			loc, err := url.Parse(s.Location())
			if err != nil || !loc.IsAbs() {
				t.Fatalf("handshake Location %q", s.Location())
			}
		}
	default:
		t.Fatalf("status %q", s.Status)
	}
	for name, values := range s.Headers {
		for _, v := range values {
			if strings.ContainsAny(v, "\r\n\x00") {
				t.Fatalf("header %s carries a line break: %q", name, v)
			}
		}
	}
}

func TestAuthenticateBadInput(t *testing.T) {
	t.Parallel()
	tok := atTok()
	huge := strings.Repeat("a", 1<<20)
	bomb := strings.Repeat("junk=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; ", (1<<20)/50)
	tests := []struct {
		name    string
		r       func() *http.Request
		status  clerk.AuthStatus
		reason  clerk.Reason
		redirTo string // the handshake's redirect_url, when checked
	}{
		{"X-Forwarded-Host with CR LF is ignored", func() *http.Request {
			r := atReq(atKDoc, atApp+"/p", []string{atCookie("__session", tok)})
			r.Header["X-Forwarded-Host"] = []string{"evil.com\r\nSet-Cookie: pwn=1"}
			return r
		}, clerk.StatusHandshake, clerk.ReasonSessionTokenWithoutClientUAT, atApp + "/p"},
		{"X-Forwarded-Host with a path is ignored", func() *http.Request {
			return atReq(atKDoc, atApp+"/p", []string{atCookie("__session", tok)}, "X-Forwarded-Host", "evil.com/path")
		}, clerk.StatusHandshake, clerk.ReasonSessionTokenWithoutClientUAT, atApp + "/p"},
		{"X-Forwarded-Host with credentials is ignored", func() *http.Request {
			return atReq(atKDoc, atApp+"/p", []string{atCookie("__session", tok)}, "X-Forwarded-Host", "user@evil.com")
		}, clerk.StatusHandshake, clerk.ReasonSessionTokenWithoutClientUAT, atApp + "/p"},
		{"a 1 MiB X-Forwarded-Host is ignored", func() *http.Request {
			return atReq(atKDoc, atApp+"/p", []string{atCookie("__session", tok)}, "X-Forwarded-Host", huge)
		}, clerk.StatusHandshake, clerk.ReasonSessionTokenWithoutClientUAT, atApp + "/p"},
		{"X-Forwarded-Proto javascript is ignored", func() *http.Request {
			return atReq(atKDoc, atApp+"/p", []string{atCookie("__session", tok)}, "X-Forwarded-Proto", "javascript")
		}, clerk.StatusHandshake, clerk.ReasonSessionTokenWithoutClientUAT, atApp + "/p"},
		{"a Referer with CR LF is just not cross-origin", func() *http.Request {
			r := atReq(atKDoc, atApp+"/", []string{atCookie("__session", tok), atCookie("__client_uat", "1")})
			r.Header["Referer"] = []string{"https://app.example.com/\r\nx"}
			return r
		}, clerk.StatusSignedIn, "", ""},
		{"a 1 MiB cookie bomb: the session cookie before it still counts", func() *http.Request {
			return atReq(atKFetch, atApp+"/", []string{atCookie("__session", tok), atCookie("__client_uat", "1"), bomb})
		}, clerk.StatusSignedIn, "", ""},
		{"a 1 MiB cookie bomb: a session cookie after 32 KiB is ignored", func() *http.Request {
			return atReq(atKFetch, atApp+"/", []string{bomb, atCookie("__session", tok), atCookie("__client_uat", "1")})
		}, clerk.StatusSignedOut, clerk.ReasonSessionTokenAndUATMissing, ""},
		{"a single 1 MiB cookie value", func() *http.Request {
			return atReq(atKFetch, atApp+"/", []string{atCookie("__session", huge), atCookie("__client_uat", "1")})
		}, clerk.StatusSignedOut, clerk.ReasonSessionTokenAndUATMissing, ""},
		{"a session token over 16 KiB is token-invalid", func() *http.Request {
			return atReq(atKFetch, atApp+"/", []string{atCookie("__session", strings.Repeat("a", 20<<10)+".b.c"), atCookie("__client_uat", "1")})
		}, clerk.StatusSignedOut, clerk.ReasonTokenInvalid, ""},
		{"duplicate cookies: the first wins", func() *http.Request {
			return atReq(atKFetch, atApp+"/", []string{atCookie("__session", tok), atCookie("__session", "garbage"), atCookie("__client_uat", "1"), atCookie("__client_uat", "0")})
		}, clerk.StatusSignedIn, "", ""},
		{"duplicate cookies: a garbage first one wins too", func() *http.Request {
			return atReq(atKFetch, atApp+"/", []string{atCookie("__session", "garbage"), atCookie("__session", tok), atCookie("__client_uat", "1")})
		}, clerk.StatusSignedOut, clerk.ReasonTokenInvalid, ""},
		{"a garbage handshake token (production): logged, the cookies decide", func() *http.Request {
			return atReq(atKFetch, atApp+"/", []string{atCookie("__clerk_handshake", "a.b.c"), atCookie("__session", tok), atCookie("__client_uat", "1")})
		}, clerk.StatusSignedIn, "", ""},
		{"a garbage handshake nonce with no Backend API: no directives", func() *http.Request {
			return atReq(atKFetch, atApp+"/?__clerk_handshake_nonce="+url.QueryEscape("../../v1/jwks\r\n?#"), nil)
		}, clerk.StatusSignedOut, clerk.ReasonSessionTokenMissing, ""},
		{"a 1 MiB handshake nonce", func() *http.Request {
			return atReq(atKFetch, atApp+"/", []string{atCookie("__clerk_handshake_nonce", huge[:30000])})
		}, clerk.StatusSignedOut, clerk.ReasonSessionTokenMissing, ""},
		{"garbage counters and client_uat", func() *http.Request {
			return atReq(atKDoc, atApp+"/", []string{atCookie("__session", tok), atCookie("__client_uat", "NaN"), atCookie("__clerk_redirect_count", "1e309")})
		}, clerk.StatusHandshake, clerk.ReasonSessionTokenWithoutClientUAT, atApp + "/"},
		{"Authorization with a 1 MiB token", func() *http.Request {
			return atReq(atKFetch, atApp+"/", nil, "Authorization", "Bearer "+huge)
		}, clerk.StatusSignedOut, clerk.ReasonTokenInvalid, ""},
		{"control characters in the query", func() *http.Request {
			r := atReq(atKDoc, atApp+"/", []string{atCookie("__session", tok)})
			r.URL.RawQuery = "a=%0D%0ASet-Cookie:%20x&b=\x01"
			return r
		}, clerk.StatusHandshake, clerk.ReasonSessionTokenWithoutClientUAT, atApp + "/?a=%0D%0ASet-Cookie%3A+x&b=%01"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, _ := atClient(t, nil)
			start := time.Now()
			s := atAuthn(c, tc.r())
			checkStateInvariants(t, s)
			atWant(t, s, tc.status, tc.reason)
			if tc.redirTo != "" {
				_, q := atLocationQuery(t, s)
				if got, _ := atQueryGet(q, "redirect_url"); got != tc.redirTo {
					t.Errorf("redirect_url = %q, want %q", got, tc.redirTo)
				}
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// FuzzAuthenticate sends random methods, paths, queries, cookies and
// headers through Authenticate with networkless clients (a PEM key, no
// reachable Backend API): no panic, and the state invariants hold.
func FuzzAuthenticate(f *testing.F) {
	tok := atTok()
	f.Add(0, "GET", "/", "", "__session="+tok+"; __client_uat=1", "", "", "", "document", "text/html", "")
	f.Add(1, "GET", "/orgs/acme", "__clerk_db_jwt=x&__clerk_synced=false", "__session="+tok, "", "app.example.com", "https", "document", "", "https://satellite.example/")
	f.Add(2, "POST", "/a%20b", "__clerk_handshake_nonce=n", "__clerk_handshake=a.b.c; __clerk_redirect_count=3", "Bearer ak_x", "", "", "", "*/*", "")
	f.Add(3, "GET", "/", "__clerk_redirect_url=https%3A%2F%2Fsatellite.dev%2F", "__clerk_db_jwt=d", "Basic x", "evil.com/path", "javascript", "iframe", "", "android-app://x")
	f.Fuzz(func(t *testing.T, variant int, method, path, rawQuery, cookies, authorization, xfHost, xfProto, dest, accept, referer string) {
		clients := fuzzClients()
		c := clients[uint(variant)%uint(len(clients))]
		r := &http.Request{Method: method, URL: &url.URL{Path: path, RawQuery: rawQuery}, Host: "app.example.com", Header: http.Header{}}
		for k, v := range map[string]string{"Cookie": cookies, "Authorization": authorization, "X-Forwarded-Host": xfHost,
			"X-Forwarded-Proto": xfProto, "Sec-Fetch-Dest": dest, "Accept": accept, "Referer": referer} {
			if v != "" {
				r.Header[k] = []string{v}
			}
		}
		var opts []clerk.AuthenticateOption
		switch uint(variant) / uint(len(clients)) % 4 {
		case 1:
			opts = append(opts, clerk.AcceptsToken(clerk.AnyToken))
		case 2:
			opts = append(opts, clerk.AcceptsToken(clerk.SessionToken, clerk.APIKey))
		case 3:
			opts = append(opts, clerk.AcceptsToken(clerk.M2MToken))
		}
		checkStateInvariants(t, c.Authenticate(t.Context(), clerk.NewRequest(r), opts...))
	})
}

// fuzzClients are networkless: production, development, a satellite with
// a proxy and organization sync, and a development satellite.
var fuzzClients = sync.OnceValue(func() []*clerk.Client {
	var out []*clerk.Client
	mods := []func(*clerk.Options){
		nil,
		atDevOpts,
		func(o *clerk.Options) {
			o.IsSatellite, o.ProxyURL, o.SatelliteAutoSync = true, "/__clerk", true
			atOrgSyncOpts(o)
		},
		func(o *clerk.Options) {
			atDevOpts(o)
			o.IsSatellite, o.Domain, o.SignInURL, o.SatelliteAutoSync = true, "satellite.dev", "https://primary.dev/sign-in", true
		},
	}
	for _, m := range mods {
		o := clerk.Options{
			PublishableKey: atProd, SecretKey: atProdS, JWTKey: atKey().PublicKeyPEM(),
			APIURL: "http://127.0.0.1:1", Clock: func() time.Time { return atNow },
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), HTTPClient: &http.Client{Transport: atRefusing{}},
		}
		if m != nil {
			m(&o)
		}
		c, err := clerk.New(o)
		if err != nil {
			panic(err)
		}
		out = append(out, c)
	}
	return out
})
