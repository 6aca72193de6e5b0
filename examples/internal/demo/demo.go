// Package demo is what the example programs share, so each framework's
// main.go shows only that framework's wiring: the options (real Clerk keys
// from the environment, or an embedded offline development instance), the
// start-up banner with ready-to-paste curl lines, the HTML page, and the
// clerkMiddleware(handler) rules.
package demo

import (
	"errors"
	"fmt"
	"html"
	"io"
	"net/url"
	"os"
	"reflect"
	"strings"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerkdev"
)

// Addr is where the examples listen: $ADDR, else 127.0.0.1:8080.
func Addr() string {
	if a := os.Getenv("ADDR"); a != "" {
		return a
	}
	return "127.0.0.1:8080"
}

// Setup holds the Clerk client of an example and, without any Clerk
// variable in the environment, the embedded development instance it talks
// to.
type Setup struct {
	Client *clerk.Client
	// Dev is the offline development instance, nil with real Clerk keys.
	Dev *clerkdev.Instance
}

// organizationSync makes /orgs/<slug>/... activate that organization and
// /personal/... the personal account (Clerk's organizationSyncOptions).
var organizationSync = clerk.OrganizationSync{
	OrganizationPatterns:    []string{"/orgs/:slug", "/orgs/:slug/(.*)"},
	PersonalAccountPatterns: []string{"/personal", "/personal/(.*)"},
}

// OrganizationSync is a copy of the examples' organization sync options
// (/orgs/<slug>/... and /personal/...), for a client built by hand with
// other options, as the soak test's is.
func OrganizationSync() *clerk.OrganizationSync {
	sync := organizationSync
	return &sync
}

// envNames are the variables [clerk.OptionsFromEnv] reads, each also
// spelled NEXT_PUBLIC_CLERK_X; keep in step with its documentation.
var envNames = []string{
	"SECRET_KEY", "PUBLISHABLE_KEY", "MACHINE_SECRET_KEY", "JWT_KEY",
	"API_URL", "API_VERSION", "SIGN_IN_URL", "SIGN_UP_URL",
	"AFTER_SIGN_IN_URL", "AFTER_SIGN_UP_URL", "DOMAIN", "PROXY_URL",
	"IS_SATELLITE",
}

// clerkEnv lists the Clerk variables set (non-empty) in the environment,
// in either spelling, as OptionsFromEnv sees them.
func clerkEnv() []string {
	var set []string
	for _, n := range envNames {
		for _, v := range []string{"CLERK_" + n, "NEXT_PUBLIC_CLERK_" + n} {
			if os.Getenv(v) != "" {
				set = append(set, v)
			}
		}
	}
	return set
}

// New builds the client. With no Clerk variable at all in the environment
// (none of those [clerk.OptionsFromEnv] reads), it starts a new offline
// development instance on loopback. With any of them set, it uses real
// Clerk, and both the secret and the publishable key must be set
// (CLERK_SECRET_KEY and CLERK_PUBLISHABLE_KEY, or their NEXT_PUBLIC_
// spellings): an incomplete set is an error naming what is missing, never
// a silent switch to the development instance. Close it when done.
func New() (*Setup, error) {
	set := clerkEnv()
	opts, err := clerk.OptionsFromEnv()
	if len(set) == 0 && err == nil && reflect.ValueOf(opts).IsZero() {
		return NewDev()
	}
	if err != nil {
		return nil, err
	}
	if len(set) == 0 { // a variable OptionsFromEnv reads that envNames lacks
		set = []string{"a Clerk variable"}
	}
	var missing []string
	if opts.SecretKey == "" {
		missing = append(missing, "CLERK_SECRET_KEY")
	}
	if opts.PublishableKey == "" {
		missing = append(missing, "CLERK_PUBLISHABLE_KEY")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("incomplete Clerk environment: %s missing (set: %s). "+
			"Set both CLERK_SECRET_KEY and CLERK_PUBLISHABLE_KEY to use your Clerk instance, "+
			"or unset every Clerk variable to use the offline development instance",
			strings.Join(missing, " and "), strings.Join(set, ", "))
	}
	sync := organizationSync
	opts.OrganizationSync = &sync
	c, err := clerk.New(opts)
	if err != nil {
		return nil, err
	}
	return &Setup{Client: c}, nil
}

// NewDev builds the client against a new offline development instance on
// loopback, whatever the environment says (tests use it). Close it when
// done.
func NewDev() (*Setup, error) {
	return NewDevConfig(clerkdev.DefaultConfig())
}

// NewDevConfig is [NewDev] with the development instance's configuration
// cfg (its users and organizations, token lifetimes, clock). The client
// uses the same clock, cfg.Clock, so a test can move time for both.
func NewDevConfig(cfg clerkdev.Config) (*Setup, error) {
	dev, err := clerkdev.Start(cfg)
	if err != nil {
		return nil, fmt.Errorf("starting the offline Clerk development instance: %w", err)
	}
	s := dev.Settings()
	sync := organizationSync
	c, err := clerk.New(clerk.Options{
		PublishableKey:   s.PublishableKey,
		SecretKey:        s.SecretKey,
		MachineSecretKey: s.MachineSecretKey,
		APIURL:           s.APIURL,
		ProxyURL:         s.ProxyURL,
		SignInURL:        s.SignInURL,
		SignUpURL:        s.SignUpURL,
		OrganizationSync: &sync,
		Clock:            cfg.Clock,
	})
	if err != nil {
		dev.Close()
		return nil, err
	}
	return &Setup{Client: c, Dev: dev}, nil
}

// Close releases the client and stops the development instance, if any.
func (s *Setup) Close() {
	s.Client.Close()
	if s.Dev != nil {
		s.Dev.Close()
	}
}

// Banner prints what to open and what to paste.
func (s *Setup) Banner(w io.Writer, framework, appURL string) {
	fmt.Fprintf(w, "clerkguard %s example listening on %s\n\n", framework, appURL)
	fmt.Fprintf(w, "  open %s/            who is signed in (public page)\n", appURL)
	fmt.Fprintf(w, "  open %s/dashboard   a protected page: signs you in first\n", appURL)
	fmt.Fprintf(w, "  open %s/orgs/acme/dashboard  activates the Acme organization\n\n", appURL)
	if s.Dev == nil {
		fmt.Fprintln(w, "Using the Clerk instance of CLERK_SECRET_KEY / CLERK_PUBLISHABLE_KEY.")
		return
	}
	fmt.Fprintf(w, "No Clerk variables in the environment: using the offline development instance at %s\n", s.Dev.URL())
	fmt.Fprintln(w, "(demo users: Alice, admin of Acme; Bob, member of Acme; Carol, no organization)")
	fmt.Fprintln(w)
	alice, err1 := s.Dev.MintSessionToken("user_alice", clerkdev.WithOrg("acme"), clerkdev.WithLifetime(time.Hour))
	bob, err2 := s.Dev.MintSessionToken("user_bob", clerkdev.WithOrg("acme"), clerkdev.WithLifetime(time.Hour))
	key, err3 := s.Dev.CreateAPIKey("user_alice", "demo key", []string{"read"})
	m2m, err4 := s.Dev.CreateM2MToken("mch_demo", []string{"read"})
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		fmt.Fprintf(w, "(could not mint demo tokens: %v)\n", err)
		return
	}
	curl := func(comment, token, path string) {
		fmt.Fprintf(w, "# %s\ncurl -i -H 'Authorization: Bearer %s' %s%s\n\n", comment, token, appURL, path)
	}
	fmt.Fprintf(w, "# anonymous: public works, protected answers 404\ncurl -i %s/api/public\ncurl -i %s/api/me\n\n", appURL, appURL)
	curl("Alice (org:admin of Acme), valid for an hour", alice, "/api/me")
	curl("Alice may create invoices (permission org:invoices:create)", alice, "/api/invoices")
	curl("Bob is a member: the admin route answers 404", bob, "/api/admin")
	curl("an API key on the machine route", key.Token, "/api/machine")
	curl("an M2M token on the machine route", m2m.Token, "/api/machine")
	curl("a session token on the machine route answers 401", alice, "/api/machine")
}

// Routes of the examples' handler form (Clerk's clerkMiddleware(handler)
// with createRouteMatcher): protected-first pages and an admin area.
var (
	isDashboard = clerk.MustRouteMatcher("/dashboard(.*)", "/orgs/:slug/dashboard(.*)")
	isAdminArea = clerk.MustRouteMatcher("/admin(.*)")
)

// Rules is the clerkMiddleware(handler) form of the examples: pages under
// /dashboard need a signed-in user, pages under /admin the org:admin role.
func Rules(auth *clerk.Auth, req clerk.Request) error {
	if ok, err := isAdminArea.Match(req); err != nil || ok {
		if err != nil {
			return err
		}
		return auth.Protect(clerk.Role("org:admin"))
	}
	if ok, err := isDashboard.Match(req); err != nil || ok {
		if err != nil {
			return err
		}
		return auth.Protect()
	}
	return nil
}

// Me is the JSON the examples answer with: who is calling.
func Me(auth *clerk.Auth) map[string]any {
	m := map[string]any{
		"signedIn":  auth.IsSignedIn(),
		"tokenType": auth.TokenType,
	}
	if auth.UserID != "" {
		m["userId"] = auth.UserID
	}
	if auth.SessionID != "" {
		m["sessionId"] = auth.SessionID
	}
	if auth.OrgID != "" {
		m["orgId"], m["orgSlug"], m["orgRole"], m["orgPermissions"] = auth.OrgID, auth.OrgSlug, auth.OrgRole, auth.OrgPermissions
	}
	if auth.TokenType != clerk.SessionToken && auth.IsAuthenticated {
		m["machine"] = map[string]any{"id": auth.ID, "subject": auth.Subject, "name": auth.Name, "scopes": auth.Scopes}
	}
	return m
}

// Page is the examples' HTML page: who is signed in, and links. back is
// the page's own absolute URL, where the development instance's sign-in,
// organization and sign-out pages return to.
func Page(auth *clerk.Auth, title, back string, dev *clerkdev.Instance) []byte {
	var b strings.Builder
	b.WriteString("<!doctype html><html><head><meta charset=utf-8><title>clerkguard example</title></head><body>")
	fmt.Fprintf(&b, "<h1>%s</h1>", html.EscapeString(title))
	if auth.IsSignedIn() {
		fmt.Fprintf(&b, `<p id="who" data-testid="who">Signed in as <b data-testid="user-id">%s</b>`, html.EscapeString(auth.UserID))
		if auth.OrgID != "" {
			fmt.Fprintf(&b, ` in <b data-testid="org-slug">%s</b> (<span data-testid="org-role">%s</span>)`, html.EscapeString(auth.OrgSlug), html.EscapeString(auth.OrgRole))
		} else {
			b.WriteString(` with the <b data-testid="org-slug">personal account</b>`)
		}
		b.WriteString("</p>")
	} else {
		b.WriteString(`<p id="who" data-testid="who">Signed out.</p>`)
	}
	b.WriteString(`<ul><li><a href="/">home</a></li><li><a href="/dashboard">dashboard (signed in)</a></li>` +
		`<li><a href="/orgs/acme/dashboard">Acme dashboard</a></li><li><a href="/orgs/globex/dashboard">Globex dashboard</a></li>` +
		`<li><a href="/admin">admin area (org:admin)</a></li><li><a href="/api/me">/api/me</a></li></ul>`)
	if dev != nil {
		q := "?redirect_url=" + url.QueryEscape(back)
		fmt.Fprintf(&b, `<p><a data-testid="sign-in-link" href="%s/sign-in%s">sign in</a> · <a data-testid="switch-org-link" href="%s/organizations%s">switch organization</a> · <a data-testid="sign-out-link" href="%s/sign-out%s">sign out</a></p>`,
			dev.URL(), q, dev.URL(), q, dev.URL(), q)
	}
	b.WriteString("</body></html>")
	return []byte(b.String())
}
