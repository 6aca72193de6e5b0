package clerk_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// fuzzEnv is what FuzzAuthenticateAndProtect attacks: a development and a
// production client of one instance, networkless (JWTKey), and the only
// session token that may sign a request in.
var fuzzEnv = sync.OnceValue(func() (e struct {
	dev, prod *clerk.Client
	genuine   string
}) {
	k := clerktest.MustNewKey()
	for _, pk := range []string{clerktest.PublishableKey("clerk.example.com"), clerktest.LivePublishableKey("clerk.example.com")} {
		c, err := clerk.New(clerk.Options{PublishableKey: pk, JWTKey: k.PublicKeyPEM(),
			AuthorizedParties: []string{"https://app.example.com"}, SignInURL: "https://accounts.example.com/sign-in",
			Clock: func() time.Time { return t0 }, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			panic(err)
		}
		if e.dev == nil {
			e.dev = c
		} else {
			e.prod = c
		}
	}
	e.genuine = k.MustSign(clerktest.SessionV2("user_1", "sess_1", t0, clerktest.WithAuthorizedParty("https://app.example.com")))
	return e
})

// FuzzAuthenticateAndProtect feeds arbitrary request targets, cookies, Authorization
// headers and forwarding headers to the whole of Authenticate and Protect,
// in development and production. Invariants: no panic; signed in only with
// the genuine token, as its user; no header of the state or of Protect's
// decision carries CR or LF; every Location is an absolute http(s) URL.
func FuzzAuthenticateAndProtect(f *testing.F) {
	e := fuzzEnv()
	for _, s := range []struct{ target, cookie, authz, fwd string }{
		{"/dashboard", "", "", ""},
		{"/dashboard", "__session=" + e.genuine + "; __client_uat=1700000000", "", ""},
		{"/api", "", "Bearer " + e.genuine, ""},
		{"/api", "", "Bearer ak_123", ""},
		{"/?__clerk_redirect_url=https%3A%2F%2Fsat.example.com%2F", "__clerk_db_jwt=dvb_1", "", ""},
		{"/?__clerk_handshake=a.b.c&__clerk_db_jwt=x", "", "", ""},
		{"/?redirect_url=%2F%2Fevil.example", "__client_uat=1", "", "evil.example"},
		{"/x", "__session=a.b.c; __client_uat=0; __clerk_redirect_count=3", "Basic Zm9vOmJhcg==", ""},
		{"/orgs/acme/x?__clerk_synced=false", "__session_abcdefgh=" + e.genuine, "", "app.example.com:8443"},
	} {
		f.Add(s.target, s.cookie, s.authz, s.fwd, true)
		f.Add(s.target, s.cookie, s.authz, s.fwd, false)
	}
	f.Fuzz(func(t *testing.T, target, cookie, authz, fwdHost string, dev bool) {
		c := e.prod
		if dev {
			c = e.dev
		}
		u, err := url.Parse("https://app.example.com" + target)
		if err != nil || u.Host != "app.example.com" {
			return
		}
		r := &http.Request{Method: http.MethodGet, URL: u, Host: u.Host, Header: http.Header{}}
		r.Header.Set("Sec-Fetch-Dest", "document")
		r.Header.Set("Cookie", cookie)
		r.Header.Set("Authorization", authz)
		r.Header.Set("X-Forwarded-Host", fwdHost)
		r.Header.Set("X-Forwarded-Proto", "https")
		s := c.Authenticate(context.Background(), clerk.NewRequest(r), clerk.AcceptsToken(clerk.AnyToken))
		if s.IsAuthenticated() && s.Token != e.genuine {
			t.Fatalf("signed in with a token that is not the genuine one: %.60q", s.Token)
		}
		if s.IsAuthenticated() && s.Auth.UserID != "user_1" {
			t.Fatalf("signed in as %q", s.Auth.UserID)
		}
		headers := []http.Header{s.Headers}
		if d := clerk.DecisionFor(s.Auth.Protect()); d != nil {
			headers = append(headers, d.Header)
		}
		for _, h := range headers {
			for name, vals := range h {
				for _, v := range vals {
					if strings.ContainsAny(name+v, "\r\n") {
						t.Fatalf("header %q = %q carries CR/LF", name, v)
					}
				}
			}
			loc := h.Get("Location")
			if loc == "" {
				continue
			}
			l, err := url.Parse(loc)
			if err != nil {
				t.Fatalf("Location %q does not parse: %v", loc, err)
			}
			if l.Scheme != "https" && l.Scheme != "http" {
				t.Fatalf("Location %q is not http(s)", loc)
			}
		}
	})
}
