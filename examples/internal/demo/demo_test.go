package demo

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerkdev"
)

// Rules protects the dashboards (signed in) and the admin area (org:admin)
// and nothing else, as the banner and the examples' comments say.
func TestRules(t *testing.T) {
	setup, err := NewDev()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(setup.Close)
	auth := func(user string) *clerk.Auth {
		if user == "" {
			return clerk.AuthFromContext(context.Background()) // signed out
		}
		tok, err := setup.Dev.MintSessionToken(user, clerkdev.WithOrg("acme"))
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080/api/me", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		return setup.Client.Authenticate(context.Background(), clerk.NewRequest(r)).Auth
	}
	anonymous, alice, bob := auth(""), auth("user_alice"), auth("user_bob")
	tests := []struct {
		path    string
		who     *clerk.Auth
		refused bool
	}{
		{"/", anonymous, false},
		{"/api/me", anonymous, false}, // the route's own Protect decides
		{"/dashboard", anonymous, true},
		{"/dashboard/settings", anonymous, true},
		{"/dashboard", bob, false},
		{"/orgs/acme/dashboard", anonymous, true},
		{"/orgs/acme/dashboard", bob, false},
		{"/admin", bob, true},
		{"/admin/users", bob, true},
		{"/ADMIN", bob, true}, // matched after normalisation, as Clerk does
		{"/admin", alice, false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080"+tt.path, nil)
		err := Rules(tt.who, clerk.NewRequest(r))
		var pe *clerk.ProtectError
		if refused := errors.As(err, &pe); refused != tt.refused || (err != nil && pe == nil) {
			t.Errorf("Rules(%s as %q) = %v, want refused=%v", tt.path, tt.who.UserID, err, tt.refused)
		}
	}
}

func TestAbsURL(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/orgs/acme/dashboard?x=a%2Fb", nil)
	r.Host = "127.0.0.1:8080"
	if got, want := AbsURL(r), "http://127.0.0.1:8080/orgs/acme/dashboard?x=a%2Fb"; got != want {
		t.Errorf("AbsURL = %q, want %q", got, want)
	}
	r.TLS = &tls.ConnectionState{}
	if got := AbsURL(r); !strings.HasPrefix(got, "https://") {
		t.Errorf("AbsURL over TLS = %q, want https", got)
	}
}

// Page shows who is signed in with the test IDs the browser test reads,
// escapes what it prints, and links to the instance with the way back.
func TestPage(t *testing.T) {
	setup, err := NewDev()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(setup.Close)
	out := string(Page(clerk.AuthFromContext(context.Background()), "<Dashboard>", "http://127.0.0.1:8080/a?b=c", setup.Dev))
	for _, want := range []string{
		`<h1>&lt;Dashboard&gt;</h1>`,
		`data-testid="who">Signed out.`,
		`data-testid="sign-in-link" href="` + setup.Dev.URL() + `/sign-in?redirect_url=http%3A%2F%2F127.0.0.1%3A8080%2Fa%3Fb%3Dc"`,
		`data-testid="sign-out-link"`, `data-testid="switch-org-link"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("page lacks %s:\n%s", want, out)
		}
	}
	if out := string(Page(clerk.AuthFromContext(context.Background()), "x", "/", nil)); strings.Contains(out, "sign-in-link") {
		t.Error("with real Clerk (no development instance) the page links to no instance pages")
	}
}
