package clerkdev

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"time"

	"github.com/clerkguard/clerkguard/core/clerktest"
)

// Option changes a session or a token minted by an [Instance] method. Each
// method documents the options it uses and ignores the others.
type Option func(*options)

type options struct {
	org         string
	orgSet      bool
	version     int
	lifetime    time.Duration
	lifetimeSet bool
	pending     bool
	fva         *[2]int
	azp         string
	azpSet      bool
	claims      map[string]any
}

func collect(opts []Option) options {
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// WithOrg makes the organization ref (an ID such as "org_acme" or a slug
// such as "acme") the session's active organization. The user must be a
// member. Without it the session is on the personal account.
func WithOrg(ref string) Option {
	return func(o *options) { o.org, o.orgSet = ref, true }
}

// WithTokenVersion sets the version of the session-token claims, 1 or 2,
// instead of Config.SessionTokenVersion.
func WithTokenVersion(v int) Option {
	return func(o *options) { o.version = v }
}

// WithLifetime sets the lifetime of the token: exp is its iat plus d. A
// negative d mints a token that is already expired. For machine tokens it
// is the time until the token expires (0 for never, the default of API
// keys; M2M and OAuth tokens default to one hour).
func WithLifetime(d time.Duration) Option {
	return func(o *options) { o.lifetime, o.lifetimeSet = d, true }
}

// WithPending makes the session pending (it has a task to complete): its
// tokens carry "sts": "pending".
func WithPending() Option {
	return func(o *options) { o.pending = true }
}

// WithFactorAge sets the session's "fva" claim: minutes since the first and
// the second factor were verified, -1 for never. By default the first
// factor is as old as the session and the second is -1 unless the user has
// User.SecondFactor.
func WithFactorAge(firstFactorMinutes, secondFactorMinutes int) Option {
	return func(o *options) { o.fva = &[2]int{firstFactorMinutes, secondFactorMinutes} }
}

// WithAuthorizedParty sets the "azp" claim of the session's tokens, the
// origin of the application (for example "http://localhost:3000"). By
// default tokens minted through the Go API have no azp; tokens issued by the
// handshake carry the application's origin.
func WithAuthorizedParty(origin string) Option {
	return func(o *options) { o.azp, o.azpSet = origin, true }
}

// WithClaim adds the claim name with value (any JSON value) to the tokens,
// overriding what the instance would put there: a custom session claim, an
// "act" claim for impersonation, or a machine token's claims.
func WithClaim(name string, value any) Option {
	return func(o *options) {
		if o.claims == nil {
			o.claims = map[string]any{}
		}
		o.claims[name] = value
	}
}

// Session is a snapshot of a session created by [Instance.CreateSession]:
// what a browser holds after signing in.
type Session struct {
	ID     string
	UserID string
	// OrgID is the active organization, "" for the personal account.
	OrgID string
	// RefreshToken is the value of the __refresh_<suffix> cookie, exchanged
	// with an expired session token by POST /v1/sessions/{sid}/refresh.
	RefreshToken string
	// DevBrowser is the value of the __clerk_db_jwt cookie.
	DevBrowser string
	// ClientUAT is the value of the __client_uat cookie (unix seconds).
	ClientUAT int64
	// Token is a fresh session token (the __session cookie).
	Token string

	suffix string
}

// Cookies returns the cookies a browser holds for the application after a
// handshake for this session: __session, __client_uat, __clerk_db_jwt and
// __refresh_<suffix>; with suffixed, also __session_<suffix>,
// __client_uat_<suffix> and __clerk_db_jwt_<suffix>. Add them
// to a request with (*http.Request).AddCookie.
func (s *Session) Cookies(suffixed bool) []*http.Cookie {
	uat := strconv.FormatInt(s.ClientUAT, 10)
	var out []*http.Cookie
	for _, c := range [][2]string{{cookieSession, s.Token}, {cookieClientUAT, uat}, {cookieDevBrowser, s.DevBrowser}} {
		out = append(out, &http.Cookie{Name: c[0], Value: c[1]})
		if suffixed {
			out = append(out, &http.Cookie{Name: c[0] + "_" + s.suffix, Value: c[1]})
		}
	}
	return append(out, &http.Cookie{Name: cookieRefresh + "_" + s.suffix, Value: s.RefreshToken})
}

// CreateSession signs the user userID in on a new client (browser) and
// returns the session with a fresh token. Options: [WithOrg],
// [WithTokenVersion], [WithLifetime] (of the returned token only),
// [WithPending], [WithFactorAge], [WithAuthorizedParty] and [WithClaim]
// apply to every token of the session, including those of refreshes and
// POST /v1/sessions/{sid}/tokens.
func (i *Instance) CreateSession(userID string, opts ...Option) (*Session, error) {
	o := collect(opts)
	if o.version != 0 && o.version != 1 && o.version != 2 {
		return nil, fmt.Errorf("clerkdev: token version %d, want 1 or 2", o.version)
	}
	now := i.now()
	i.mu.Lock()
	if _, ok := i.state.users[userID]; !ok {
		i.mu.Unlock()
		return nil, fmt.Errorf("clerkdev: unknown user %q", userID)
	}
	orgID := ""
	if o.orgSet && o.org != "" {
		org, _, ok := i.state.membership(userID, o.org)
		if !ok {
			i.mu.Unlock()
			return nil, fmt.Errorf("clerkdev: user %q is not a member of organization %q", userID, o.org)
		}
		orgID = org.ID
	}
	c := i.newClientLocked()
	sess := i.newSessionLocked(c, userID, orgID, now)
	sess.pending = o.pending
	sess.version = o.version
	sess.fva = o.fva
	sess.claims = o.claims
	if o.azpSet {
		sess.origin = o.azp
	}
	in := i.tokenInputLocked(sess, now)
	out := &Session{ID: sess.id, UserID: userID, OrgID: orgID, RefreshToken: sess.refreshToken,
		DevBrowser: c.devBrowser, ClientUAT: c.uat, suffix: i.suffix}
	i.mu.Unlock()

	if o.lifetimeSet {
		in.lifetime = o.lifetime
	}
	tok, err := i.signSession(in)
	if err != nil {
		return nil, err
	}
	out.Token = tok
	return out, nil
}

// MintSessionToken signs the user userID in on a new session and returns
// its session token, for an Authorization header or a __session cookie. It
// takes the options of [Instance.CreateSession]; for example an expired
// version 1 token for Acme:
//
//	tok, err := inst.MintSessionToken("user_alice", clerkdev.WithOrg("acme"),
//		clerkdev.WithTokenVersion(1), clerkdev.WithLifetime(-time.Minute))
func (i *Instance) MintSessionToken(userID string, opts ...Option) (string, error) {
	s, err := i.CreateSession(userID, opts...)
	if err != nil {
		return "", err
	}
	return s.Token, nil
}

// EndSession signs the session out, as the sign-out page does: refreshes
// and token requests for it fail, and the next handshake of its browser
// clears the application's cookies.
func (i *Instance) EndSession(sessionID string) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	sess, ok := i.state.sessions[sessionID]
	if !ok {
		return fmt.Errorf("clerkdev: unknown session %q", sessionID)
	}
	i.endSessionLocked(sess)
	return nil
}

func (i *Instance) endSessionLocked(sess *session) {
	sess.ended = true
	if c := i.state.clients[sess.clientID]; c != nil && c.sessionID == sess.id {
		c.sessionID = ""
		c.uat = 0
	}
}

// maxIdleClients bounds the signed-out clients kept in memory: every
// cookie-less handshake (a curl loop, a private window) creates one.
const maxIdleClients = 10_000

// newClientLocked creates a browser client with a new dev-browser token.
// Past maxIdleClients, signed-out clients are forgotten (their browsers
// just get new ones).
func (i *Instance) newClientLocked() *client {
	if len(i.state.clients) >= maxIdleClients {
		for id, c := range i.state.clients {
			if i.state.activeSession(c) == nil {
				delete(i.state.clients, id)
				delete(i.state.devBrowsers, c.devBrowser)
			}
		}
	}
	c := &client{id: clerktest.NewID("client_"), devBrowser: clerktest.NewID("dvb_")}
	i.state.clients[c.id] = c
	i.state.devBrowsers[c.devBrowser] = c.id
	return c
}

// newSessionLocked signs userID in on the client c, ending the client's
// previous session.
func (i *Instance) newSessionLocked(c *client, userID, orgID string, now time.Time) *session {
	if old := i.state.activeSession(c); old != nil {
		i.endSessionLocked(old)
	}
	sess := &session{
		id:           clerktest.NewID("sess_"),
		userID:       userID,
		orgID:        orgID,
		clientID:     c.id,
		refreshToken: clerktest.NewID("") + clerktest.NewID(""),
		createdAt:    now,
	}
	i.state.sessions[sess.id] = sess
	c.sessionID = sess.id
	c.uat = now.Unix()
	return sess
}

// tokenInput is what a session token carries, copied under the lock so
// that signing happens outside it.
type tokenInput struct {
	sid      string
	user     User
	org      *Organization // nil: personal account
	role     string
	perms    []string
	pending  bool
	version  int
	lifetime time.Duration
	fva      [2]int
	azp      string
	claims   map[string]any
	now      time.Time
}

func (i *Instance) tokenInputLocked(sess *session, now time.Time) tokenInput {
	u := *i.state.users[sess.userID]
	in := tokenInput{
		sid:      sess.id,
		user:     u,
		pending:  sess.pending,
		version:  sess.version,
		lifetime: i.cfg.SessionTokenLifetime,
		azp:      sess.origin,
		claims:   maps.Clone(sess.claims),
		now:      now,
	}
	if in.version == 0 {
		in.version = i.cfg.SessionTokenVersion
	}
	if sess.orgID != "" {
		if org, role, ok := i.state.membership(sess.userID, sess.orgID); ok {
			o := *org
			in.org, in.role, in.perms = &o, role, i.state.roles[role]
		}
	}
	if sess.fva != nil {
		in.fva = *sess.fva
	} else {
		age := max(0, int(now.Sub(sess.createdAt)/time.Minute))
		in.fva = [2]int{age, -1}
		if u.SecondFactor {
			in.fva[1] = age
		}
	}
	return in
}

// signSession mints a session token (spec §3) with the session category.
func (i *Instance) signSession(in tokenInput) (string, error) {
	opts := []clerktest.ClaimOption{
		clerktest.WithIssuer(i.url),
		clerktest.WithExp(in.lifetime),
		clerktest.WithFactorAge(in.fva[0], in.fva[1]),
	}
	if in.azp != "" {
		opts = append(opts, clerktest.WithAuthorizedParty(in.azp))
	} else {
		opts = append(opts, clerktest.WithoutClaim("azp"))
	}
	if in.org != nil {
		opts = append(opts, clerktest.WithOrg(clerktest.Org{ID: in.org.ID, Slug: in.org.Slug, Role: in.role, Permissions: in.perms}))
	}
	status := "active"
	if in.pending {
		status = "pending"
	}
	if in.version == 2 {
		features := scoped("u", in.user.Features)
		plans := scoped("u", in.user.Plans)
		if in.org != nil {
			features = append(scoped("o", in.org.Features), features...)
			plans = append(plans, scoped("o", in.org.Plans)...)
		}
		opts = append(opts, clerktest.WithFeatures(features...), clerktest.WithPlans(plans...),
			clerktest.WithSessionStatus(status))
	} else if in.pending {
		opts = append(opts, clerktest.WithSessionStatus(status))
	}
	for name, v := range in.claims {
		opts = append(opts, clerktest.WithClaim(name, v))
	}
	var claims map[string]any
	if in.version == 2 {
		claims = clerktest.SessionV2(in.user.ID, in.sid, in.now, opts...)
	} else {
		claims = clerktest.SessionV1(in.user.ID, in.sid, in.now, opts...)
	}
	tok, err := i.key.Sign(claims, clerktest.WithCategory(clerktest.CategorySession))
	if err != nil {
		return "", fmt.Errorf("clerkdev: signing a session token: %w", err)
	}
	return tok, nil
}

// signTemplate mints a token of a JWT template for the session (spec §2.8:
// template category).
func (i *Instance) signTemplate(in tokenInput, tmpl Template) (string, error) {
	now := in.now
	claims := map[string]any{}
	for k, v := range tmpl.Claims {
		claims[k] = expandShortcodes(v, in)
	}
	claims["iss"] = i.url
	claims["sub"] = in.user.ID
	claims["iat"] = now.Unix()
	claims["nbf"] = now.Add(-10 * time.Second).Unix()
	claims["exp"] = now.Add(in.lifetime).Unix()
	claims["jti"] = clerktest.NewID("")[:20]
	if in.azp != "" {
		claims["azp"] = in.azp
	}
	tok, err := i.key.Sign(claims, clerktest.WithCategory(clerktest.CategoryTemplate))
	if err != nil {
		return "", fmt.Errorf("clerkdev: signing a template token: %w", err)
	}
	return tok, nil
}

// expandShortcodes replaces the template shortcodes of v (see [Template]),
// descending into objects and arrays.
func expandShortcodes(v any, in tokenInput) any {
	switch x := v.(type) {
	case string:
		if val, ok := shortcode(x, in); ok {
			return val
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = expandShortcodes(e, in)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for k, e := range x {
			out[k] = expandShortcodes(e, in)
		}
		return out
	}
	return v
}

func shortcode(s string, in tokenInput) (any, bool) {
	orString := func(v string) any {
		if v == "" {
			return nil
		}
		return v
	}
	org := func(f func(*Organization) string) any {
		if in.org == nil {
			return nil
		}
		return orString(f(in.org))
	}
	switch s {
	case "{{user.id}}":
		return in.user.ID, true
	case "{{user.first_name}}":
		return orString(in.user.FirstName), true
	case "{{user.last_name}}":
		return orString(in.user.LastName), true
	case "{{user.primary_email_address}}":
		return orString(in.user.Email), true
	case "{{session.id}}":
		return in.sid, true
	case "{{org.id}}":
		return org(func(o *Organization) string { return o.ID }), true
	case "{{org.slug}}":
		return org(func(o *Organization) string { return o.Slug }), true
	case "{{org.name}}":
		return org(func(o *Organization) string { return o.Name }), true
	case "{{org.role}}":
		if in.org == nil {
			return nil, true
		}
		return orString(in.role), true
	}
	return nil, false
}

// errUnknownSession and errSessionEnded are sessionTokenFor failures.
var (
	errUnknownSession = errors.New("unknown session")
	errSessionEnded   = errors.New("session ended")
)

// sessionTokenFor mints a token for an existing session: a session token,
// or a template token when tmpl is non-nil. lifetime overrides the default
// when positive.
func (i *Instance) sessionTokenFor(sid string, tmpl *Template, lifetime time.Duration, azp string) (string, error) {
	now := i.now()
	i.mu.Lock()
	sess, ok := i.state.sessions[sid]
	if !ok {
		i.mu.Unlock()
		return "", errUnknownSession
	}
	if sess.ended {
		i.mu.Unlock()
		return "", errSessionEnded
	}
	if azp != "" && sess.origin == "" {
		sess.origin = azp
	}
	in := i.tokenInputLocked(sess, now)
	i.mu.Unlock()
	if azp != "" {
		in.azp = azp
	}
	if tmpl != nil {
		in.lifetime = 60 * time.Second
		if tmpl.Lifetime > 0 {
			in.lifetime = tmpl.Lifetime
		}
	}
	if lifetime > 0 {
		in.lifetime = lifetime
	}
	if tmpl != nil {
		return i.signTemplate(in, *tmpl)
	}
	return i.signSession(in)
}
