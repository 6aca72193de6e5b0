package demo

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerkdev"
	"github.com/clerkguard/clerkguard/core/clerktest"
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

// clearClerkEnv unsets, for the test, every variable OptionsFromEnv reads.
func clearClerkEnv(t *testing.T) {
	for _, n := range envNames {
		t.Setenv("CLERK_"+n, "")
		t.Setenv("NEXT_PUBLIC_CLERK_"+n, "")
	}
}

// New starts the development instance only when no Clerk variable is set:
// a partial configuration is an error naming what is missing, never a
// silent switch to the offline instance.
func TestNewFromEnvironment(t *testing.T) {
	sk := clerktest.SecretKey()
	pk := clerktest.PublishableKey("example.clerk.accounts.dev")
	tests := []struct {
		name    string
		env     map[string]string
		dev     bool   // the development instance
		missing string // the error names it; "" for no error
	}{
		{name: "none", dev: true},
		{name: "both", env: map[string]string{"CLERK_SECRET_KEY": sk, "CLERK_PUBLISHABLE_KEY": pk}},
		{name: "both, Next.js spelling", env: map[string]string{"CLERK_SECRET_KEY": sk, "NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY": pk}},
		{name: "secret key only", env: map[string]string{"CLERK_SECRET_KEY": sk}, missing: "CLERK_PUBLISHABLE_KEY"},
		{name: "publishable key only", env: map[string]string{"CLERK_PUBLISHABLE_KEY": pk}, missing: "CLERK_SECRET_KEY"},
		{name: "publishable key only, Next.js spelling", env: map[string]string{"NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY": pk}, missing: "CLERK_SECRET_KEY"},
		{name: "JWT key only", env: map[string]string{"CLERK_JWT_KEY": "x"}, missing: "CLERK_SECRET_KEY and CLERK_PUBLISHABLE_KEY"},
		{name: "sign-in URL only", env: map[string]string{"CLERK_SIGN_IN_URL": "https://accounts.example.com/sign-in"}, missing: "CLERK_SECRET_KEY and CLERK_PUBLISHABLE_KEY"},
		{name: "not a satellite", env: map[string]string{"CLERK_IS_SATELLITE": "false"}, missing: "CLERK_SECRET_KEY and CLERK_PUBLISHABLE_KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearClerkEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			setup, err := New()
			if tt.missing != "" {
				if err == nil {
					setup.Close()
					t.Fatalf("New() started a client (dev instance: %v), want an error naming %s", setup.Dev != nil, tt.missing)
				}
				if !strings.Contains(err.Error(), ": "+tt.missing+" missing") {
					t.Errorf("New() = %v, want it to name %s as missing", err, tt.missing)
				}
				for k := range tt.env {
					if !strings.Contains(err.Error(), k) {
						t.Errorf("New() = %v, want it to name %s as set", err, k)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer setup.Close()
			if (setup.Dev != nil) != tt.dev {
				t.Errorf("development instance: %v, want %v", setup.Dev != nil, tt.dev)
			}
			if setup.Client == nil {
				t.Error("no client")
			}
		})
	}
}

// Every name New looks for is one OptionsFromEnv reads (uses, or refuses
// with an error naming it), in both spellings.
func TestEnvNames(t *testing.T) {
	for _, n := range envNames {
		for _, v := range []string{"CLERK_" + n, "NEXT_PUBLIC_CLERK_" + n} {
			t.Run(v, func(t *testing.T) {
				clearClerkEnv(t)
				value := "https://x.example.com"
				if n == "IS_SATELLITE" {
					value = "true"
				}
				t.Setenv(v, value)
				opts, err := clerk.OptionsFromEnv()
				if err != nil { // refused (a secret in NEXT_PUBLIC_) is read too
					if !strings.Contains(err.Error(), v) {
						t.Errorf("OptionsFromEnv with %s: %v", v, err)
					}
					return
				}
				if reflect.ValueOf(opts).IsZero() {
					t.Errorf("OptionsFromEnv ignores %s", v)
				}
			})
		}
	}
}
