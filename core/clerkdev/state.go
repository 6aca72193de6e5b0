package clerkdev

import (
	"slices"
	"time"
)

// state is the instance's in-memory data, guarded by Instance.mu.
type state struct {
	users     map[string]*User
	userOrder []string
	orgs      map[string]*Organization
	orgOrder  []string
	slugs     map[string]string            // slug -> org ID
	roles     map[string][]string          // role key -> permissions
	members   map[string]map[string]string // user ID -> org ID -> role key

	clients     map[string]*client // by client ID (the value of the instance's cookie)
	devBrowsers map[string]string  // dev-browser token -> client ID
	sessions    map[string]*session
	nonces      map[string]nonceEntry

	machine   map[string]*machineToken // by the token presented to verify
	machineID map[string]*machineToken // by object ID
}

// client is a browser of the instance, identified by the instance's own
// cookie (and by its dev-browser token, which the application holds).
type client struct {
	id         string
	devBrowser string
	sessionID  string // the signed-in session; "" when signed out
	uat        int64  // __client_uat: unix seconds of the last sign-in change, 0 when signed out
}

// session is a signed-in session and what its tokens carry.
type session struct {
	id           string
	userID       string
	orgID        string // the active organization, "" for the personal account
	clientID     string
	pending      bool
	ended        bool
	refreshToken string
	origin       string // azp of its tokens, "" for none
	createdAt    time.Time
	version      int
	fva          *[2]int
	claims       map[string]any
}

type nonceEntry struct {
	directives []string
	expires    time.Time
}

// nonceTTL is how long a handshake nonce can be exchanged for its cookies.
const nonceTTL = 60 * time.Second

func newState(cfg Config) state {
	s := state{
		users:       map[string]*User{},
		orgs:        map[string]*Organization{},
		slugs:       map[string]string{},
		roles:       map[string][]string{},
		members:     map[string]map[string]string{},
		clients:     map[string]*client{},
		devBrowsers: map[string]string{},
		sessions:    map[string]*session{},
		nonces:      map[string]nonceEntry{},
		machine:     map[string]*machineToken{},
		machineID:   map[string]*machineToken{},
	}
	for _, u := range cfg.Users {
		s.addUser(u)
	}
	for _, o := range cfg.Organizations {
		o.Features = slices.Clone(o.Features)
		o.Plans = slices.Clone(o.Plans)
		s.orgs[o.ID] = &o
		s.orgOrder = append(s.orgOrder, o.ID)
		s.slugs[o.Slug] = o.ID
	}
	for _, r := range cfg.Roles {
		s.roles[r.Key] = slices.Clone(r.Permissions)
	}
	for _, m := range cfg.Memberships {
		if s.members[m.UserID] == nil {
			s.members[m.UserID] = map[string]string{}
		}
		s.members[m.UserID][m.OrgID] = m.Role
	}
	return s
}

func (s *state) addUser(u User) {
	u.Features = slices.Clone(u.Features)
	u.Plans = slices.Clone(u.Plans)
	s.users[u.ID] = &u
	s.userOrder = append(s.userOrder, u.ID)
}

// orgByRef finds an organization by ID or slug.
func (s *state) orgByRef(ref string) (*Organization, bool) {
	if o, ok := s.orgs[ref]; ok {
		return o, true
	}
	if id, ok := s.slugs[ref]; ok {
		return s.orgs[id], true
	}
	return nil, false
}

// membership returns the user's organization for ref (ID or slug) and the
// role there, if the user is a member.
func (s *state) membership(userID, ref string) (*Organization, string, bool) {
	o, ok := s.orgByRef(ref)
	if !ok {
		return nil, "", false
	}
	role, ok := s.members[userID][o.ID]
	return o, role, ok
}

// activeSession returns the client's signed-in session, if any.
func (s *state) activeSession(c *client) *session {
	if c == nil || c.sessionID == "" {
		return nil
	}
	if sess := s.sessions[c.sessionID]; sess != nil && !sess.ended {
		return sess
	}
	return nil
}

// purgeNonces drops expired handshake nonces.
func (s *state) purgeNonces(now time.Time) {
	for n, e := range s.nonces {
		if !now.Before(e.expires) {
			delete(s.nonces, n)
		}
	}
}
