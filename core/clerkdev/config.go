package clerkdev

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"strings"
	"time"

	"github.com/clerkguard/clerkguard/core/clerktest"
)

// Config describes a development instance: its demo users, organizations,
// roles and JWT templates, and a few knobs for tests. The zero Config is
// valid: with no users, organizations or memberships, [Start] uses the demo
// data of [DefaultConfig].
type Config struct {
	// Addr is the address to listen on. It must be an IPv4 loopback address
	// ("127.0.0.1:0" by default, a random port). The instance never listens
	// on another interface. IPv4 is required because a publishable key names
	// a host that contains a dot.
	Addr string

	// Users are the demo users, shown on the sign-in page in this order.
	Users []User
	// Organizations are the demo organizations.
	Organizations []Organization
	// Memberships put users in organizations with a role.
	Memberships []Membership
	// Roles define the permissions of each organization role. As in Clerk,
	// roles are defined once for the whole instance. Nil means the roles of
	// [DefaultConfig] (org:admin and org:member).
	Roles []Role

	// Templates are the JWT templates, by name, served by
	// POST /v1/sessions/{sid}/tokens/{template}. Nil means the templates of
	// [DefaultConfig].
	Templates map[string]Template

	// SessionTokenVersion is the version of the session-token claims: 2
	// (the default, Clerk's current format with the compact "o", "fea" and
	// "pla" claims) or 1 (org_id, org_role, org_slug, org_permissions).
	SessionTokenVersion int
	// SessionTokenLifetime is the lifetime of session tokens. Zero means 60
	// seconds, as in Clerk.
	SessionTokenLifetime time.Duration

	// Key signs every token. Nil means a new 2048-bit RSA key. Tests that
	// start many instances can share one key to save the key generation
	// time.
	Key *clerktest.Key
	// SecretKey is the secret key that opens the Backend API. Empty means a
	// random "sk_test_" key. A non-empty value must start with "sk_test_":
	// this is a development instance.
	SecretKey string
	// MachineSecretKey is the machine secret key accepted (besides the
	// secret key) by POST /m2m_tokens/verify. Empty means a random "ak_" key.
	MachineSecretKey string

	// ReportRevokedMachineTokens makes the three machine-token verify
	// endpoints answer a revoked or expired token with 200 and
	// "revoked"/"expired" set to true, instead of the default 404. See
	// [Instance.RevokeToken] for why 404 is the default; the 200 form lets a
	// client's defensive check of those fields be tested.
	ReportRevokedMachineTokens bool

	// Clock is the instance's only source of time (token iat/exp, handshake
	// nonce expiry, machine-token expiry). Nil means time.Now. Tests pass
	// clerktest.NewClock(...).Now.
	Clock func() time.Time

	// Logger receives the instance's rare diagnostics (server errors). Nil
	// discards them. Tokens, cookies, keys and query strings are never
	// logged.
	Logger *slog.Logger
}

// User is a demo user.
type User struct {
	// ID is the user ID, for example "user_alice". Required and unique.
	ID        string
	FirstName string
	LastName  string
	Email     string
	// Features are the user's billing features, for the "fea" claim of
	// version 2 session tokens: "u:dashboard", or just "dashboard" (the
	// "u:" scope is added).
	Features []string
	// Plans are the user's billing plans, for the "pla" claim: "u:pro" or
	// "pro".
	Plans []string
	// SecondFactor marks a user who verified a second factor at sign-in:
	// the second entry of the "fva" claim counts minutes like the first one
	// instead of being -1.
	SecondFactor bool
}

// Name returns the user's display name: first and last name, else the
// email address, else the ID.
func (u User) Name() string {
	if n := strings.TrimSpace(u.FirstName + " " + u.LastName); n != "" {
		return n
	}
	if u.Email != "" {
		return u.Email
	}
	return u.ID
}

// Organization is a demo organization.
type Organization struct {
	// ID is the organization ID, for example "org_acme". Required and
	// unique.
	ID string
	// Slug is the organization's URL slug, for example "acme". Required and
	// unique: organization sync and the handshake's organization_id accept
	// the ID or the slug.
	Slug string
	Name string
	// Features are the organization's billing features, for the "fea"
	// claim while the organization is active: "o:reports" or "reports".
	// Features implied by the member's permissions are always present.
	Features []string
	// Plans are the organization's plans, for the "pla" claim while the
	// organization is active: "o:pro" or "pro".
	Plans []string
}

// Membership makes a user a member of an organization with a role.
type Membership struct {
	UserID string
	OrgID  string
	// Role is a role key of Config.Roles, for example "org:admin".
	Role string
}

// Role is an organization role and its permissions.
type Role struct {
	// Key is the role key, "org:<name>", for example "org:admin".
	Key string
	// Permissions are "org:<feature>:<permission>" strings, for example
	// "org:invoices:create".
	Permissions []string
}

// Template is a JWT template: the claims added to the standard claims (iss,
// sub, iat, nbf, exp, azp, jti) of tokens minted with its name.
//
// A string claim value that is exactly one of these shortcodes is replaced
// by the session's value (null when there is none): {{user.id}},
// {{user.first_name}}, {{user.last_name}}, {{user.primary_email_address}},
// {{session.id}}, {{org.id}}, {{org.slug}}, {{org.name}}, {{org.role}}.
type Template struct {
	Claims map[string]any
	// Lifetime is the tokens' lifetime. Zero means 60 seconds;
	// expires_in_seconds in the request overrides it.
	Lifetime time.Duration
}

// DefaultConfig returns the demo data used when a Config has no users,
// organizations or memberships:
//
//   - user_alice (Alice Admin): admin of Acme and member of Globex, user
//     feature u:dashboard, plan u:pro, a verified second factor;
//   - user_bob (Bob Member): member of Acme, plan u:free;
//   - user_carol (Carol Solo): no organization;
//   - org_acme (slug acme, "Acme Inc"): features o:invoices and o:reports,
//     plan o:pro;
//   - org_globex (slug globex, "Globex Corporation"): feature o:invoices,
//     plan o:free;
//   - roles org:admin (org:invoices:create, org:invoices:read,
//     org:reports:read) and org:member (org:invoices:read);
//   - a JWT template "example" with claims {"aud": "example",
//     "email": "{{user.primary_email_address}}", "org": "{{org.slug}}"}.
func DefaultConfig() Config {
	return Config{
		Users: []User{
			{ID: "user_alice", FirstName: "Alice", LastName: "Admin", Email: "alice@example.com",
				Features: []string{"u:dashboard"}, Plans: []string{"u:pro"}, SecondFactor: true},
			{ID: "user_bob", FirstName: "Bob", LastName: "Member", Email: "bob@example.com",
				Plans: []string{"u:free"}},
			{ID: "user_carol", FirstName: "Carol", LastName: "Solo", Email: "carol@example.com"},
		},
		Organizations: []Organization{
			{ID: "org_acme", Slug: "acme", Name: "Acme Inc",
				Features: []string{"o:invoices", "o:reports"}, Plans: []string{"o:pro"}},
			{ID: "org_globex", Slug: "globex", Name: "Globex Corporation",
				Features: []string{"o:invoices"}, Plans: []string{"o:free"}},
		},
		Memberships: []Membership{
			{UserID: "user_alice", OrgID: "org_acme", Role: "org:admin"},
			{UserID: "user_alice", OrgID: "org_globex", Role: "org:member"},
			{UserID: "user_bob", OrgID: "org_acme", Role: "org:member"},
		},
		Roles: defaultRoles(),
		Templates: map[string]Template{
			"example": {Claims: map[string]any{
				"aud":   "example",
				"email": "{{user.primary_email_address}}",
				"org":   "{{org.slug}}",
			}},
		},
	}
}

func defaultRoles() []Role {
	return []Role{
		{Key: "org:admin", Permissions: []string{"org:invoices:create", "org:invoices:read", "org:reports:read"}},
		{Key: "org:member", Permissions: []string{"org:invoices:read"}},
	}
}

// withDefaults fills the empty parts of c from DefaultConfig and validates
// the result.
func (c Config) withDefaults() (Config, error) {
	def := DefaultConfig()
	if len(c.Users) == 0 && len(c.Organizations) == 0 && len(c.Memberships) == 0 {
		c.Users, c.Organizations, c.Memberships = def.Users, def.Organizations, def.Memberships
	}
	if c.Roles == nil {
		c.Roles = def.Roles
	}
	if c.Templates == nil {
		c.Templates = def.Templates
	}
	// The instance keeps its own copy: the caller may reuse the maps.
	templates := make(map[string]Template, len(c.Templates))
	for name, t := range c.Templates {
		t.Claims = maps.Clone(t.Claims)
		templates[name] = t
	}
	c.Templates = templates
	if c.Addr == "" {
		c.Addr = "127.0.0.1:0"
	}
	if c.SessionTokenVersion == 0 {
		c.SessionTokenVersion = 2
	}
	if c.SessionTokenLifetime == 0 {
		c.SessionTokenLifetime = 60 * time.Second
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	return c, c.validate()
}

func (c Config) validate() error {
	var errs []error
	host, _, err := net.SplitHostPort(c.Addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || ip.To4() == nil || !ip.IsLoopback() {
		errs = append(errs, fmt.Errorf("the address %q (Addr) is not an IPv4 loopback address such as 127.0.0.1:0", c.Addr))
	}
	if v := c.SessionTokenVersion; v != 1 && v != 2 {
		errs = append(errs, fmt.Errorf("SessionTokenVersion is %d, want 1 or 2", v))
	}
	if c.SessionTokenLifetime < 0 {
		errs = append(errs, errors.New("SessionTokenLifetime is negative"))
	}
	if c.SecretKey != "" && (!strings.HasPrefix(c.SecretKey, "sk_test_") || len(c.SecretKey) < len("sk_test_")+8) {
		errs = append(errs, errors.New(`SecretKey must be a development key: "sk_test_" followed by at least 8 characters`))
	}
	if c.MachineSecretKey != "" && len(c.MachineSecretKey) < 16 {
		errs = append(errs, errors.New("MachineSecretKey is shorter than 16 characters"))
	}
	users := map[string]bool{}
	for _, u := range c.Users {
		switch {
		case u.ID == "":
			errs = append(errs, errors.New("a user has no ID"))
		case users[u.ID]:
			errs = append(errs, fmt.Errorf("user ID %q is used twice", u.ID))
		}
		users[u.ID] = true
	}
	orgs, slugs := map[string]bool{}, map[string]bool{}
	for _, o := range c.Organizations {
		switch {
		case o.ID == "" || o.Slug == "":
			errs = append(errs, fmt.Errorf("organization %q needs an ID and a slug", o.ID+o.Slug))
		case orgs[o.ID] || slugs[o.ID]:
			errs = append(errs, fmt.Errorf("organization ID %q is used twice", o.ID))
		case slugs[o.Slug] || orgs[o.Slug]:
			errs = append(errs, fmt.Errorf("organization slug %q is used twice", o.Slug))
		}
		orgs[o.ID], slugs[o.Slug] = true, true
	}
	roles := map[string]bool{}
	for _, r := range c.Roles {
		if r.Key == "" || roles[r.Key] {
			errs = append(errs, fmt.Errorf("role key %q is empty or used twice", r.Key))
		}
		roles[r.Key] = true
	}
	members := map[[2]string]bool{}
	for _, m := range c.Memberships {
		switch {
		case !users[m.UserID]:
			errs = append(errs, fmt.Errorf("membership: unknown user %q", m.UserID))
		case !orgs[m.OrgID]:
			errs = append(errs, fmt.Errorf("membership: unknown organization %q", m.OrgID))
		case !roles[m.Role]:
			errs = append(errs, fmt.Errorf("membership of %s in %s: unknown role %q", m.UserID, m.OrgID, m.Role))
		case members[[2]string{m.UserID, m.OrgID}]:
			errs = append(errs, fmt.Errorf("user %s is a member of %s twice", m.UserID, m.OrgID))
		}
		members[[2]string{m.UserID, m.OrgID}] = true
	}
	for name := range c.Templates {
		if name == "" || strings.ContainsAny(name, "/?#") {
			errs = append(errs, fmt.Errorf("template name %q is not a path segment", name))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("clerkdev: invalid Config: %w", err)
	}
	return nil
}

// scoped returns entries with scope prefixed to those without one.
func scoped(scope string, entries []string) []string {
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if !strings.Contains(e, ":") {
			e = scope + ":" + e
		}
		out = append(out, e)
	}
	return out
}
