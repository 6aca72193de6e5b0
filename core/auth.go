package clerk

import (
	"encoding/json"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"
)

// Auth is the authentication state of one request: Clerk's auth object, what
// auth() / getAuth(req) / req.auth return in Clerk's JavaScript SDKs.
// [Client.Authenticate] builds it; middleware stores it in the
// request context, where [AuthFromContext] finds it.
//
// A signed-in session has TokenType [SessionToken],
// IsAuthenticated true, the user, session and organization fields, and the
// verified token's Claims. A signed-out one has TokenType
// [SessionToken], IsAuthenticated false and every other field empty, except
// SessionStatus, which is "pending" when a pending session was treated as
// signed out (see [Options].TreatPendingAsSignedOut). Clerk's null and
// undefined are Go's zero values.
//
// A machine token gives TokenType [APIKey], [M2MToken] or
// [OAuthToken]: IsAuthenticated true and the machine fields (ID, Subject,
// Scopes, ...) when it was verified, every field empty when it was not. The
// invalid-token object, for a token type the route does not accept, has an
// empty TokenType.
//
// A nil *Auth behaves as signed out: its methods never panic.
//
// Each request gets its own Auth, but requests with the same token share
// the backing arrays of OrgPermissions and FactorVerificationAge (and the
// Claims), which the verified-token cache keeps: treat them as read-only
// (copy a slice before sorting or appending to it). Reading from several
// goroutines is safe.
type Auth struct {
	// TokenType is the kind of token that authenticated the request. It is
	// [SessionToken] for session auth objects, signed in or out, and empty
	// for the invalid-token object (a token of a type the route does not
	// accept). Clerk: tokenType.
	TokenType TokenType

	// IsAuthenticated reports whether the token was verified and, for a
	// session, the session is usable. Clerk: isAuthenticated. For sessions,
	// prefer [Auth.IsSignedIn], which is nil-safe.
	IsAuthenticated bool

	// UserID is the signed-in user ("user_..."), the sub claim.
	// Clerk: userId.
	UserID string

	// SessionID is the session ("sess_..."), the sid claim. Clerk: sessionId.
	SessionID string

	// SessionStatus is the sts claim: "active", "pending", or empty when the
	// instance does not send it. A signed-out Auth has "pending" here when it
	// stands for a pending session. Clerk: sessionStatus.
	SessionStatus string

	// OrgID, OrgRole and OrgSlug describe the active organization, empty when
	// there is none. OrgRole is prefixed with "org:" ("org:admin"). Clerk:
	// orgId, orgRole, orgSlug.
	OrgID   string
	OrgRole string
	OrgSlug string

	// OrgPermissions lists the user's permissions in the active organization
	// ("org:invoices:create"); system permissions are never included. It is
	// nil when there is no active organization. Clerk: orgPermissions.
	OrgPermissions []string

	// Actor is the act claim: who acts on behalf of the user (impersonation,
	// agents), nil for a normal session. Clerk: actor.
	Actor *Actor

	// FactorVerificationAge is the fva claim: how many whole minutes ago the
	// user last verified a first factor and a second factor, -1 for a factor
	// group that is not enabled or was never verified. It has exactly two
	// elements, or is nil when the claim is absent or malformed (not an array
	// of exactly two numbers, each -1 or >= 0). Fractional minutes, which
	// Clerk does not send, are rounded down; that does not change any
	// [Reverification] check, whose thresholds are whole minutes.
	// Clerk: factorVerificationAge.
	FactorVerificationAge []int

	// Claims are the verified session token's claims, nil when signed out.
	// Custom claims are read with [SessionClaims.Decode]. Clerk: sessionClaims.
	Claims *SessionClaims

	// token is the raw token the Auth was built from, for GetToken. It sits
	// behind a pointer so that printing an Auth value with fmt (which walks
	// unexported fields) shows an address, never the token.
	token *string

	// req is the request the Auth was authenticated from, for Protect and
	// the redirect helpers; nil for an Auth that did not come from
	// Authenticate (Protect then fails closed).
	req *requestInfo

	// The fields below describe a machine token: an API key, an M2M token or
	// an OAuth access token (spec §4.3), accepted with [AcceptsToken]. They
	// are empty for sessions and for unauthenticated machine objects. For
	// machine tokens, UserID and OrgID above follow Clerk too: an API key
	// owned by a user ("user_...") or an organization ("org_...") sets the
	// matching one; an OAuth token sets UserID to the user who granted it.
	// A machine token never makes [Auth.Has] true or [Auth.IsSignedIn] true.

	// ID is the machine token's ID, not its secret: "ak_..." for an API key,
	// "mt_..." for an M2M token, "oat_..." for an OAuth token; the jti claim
	// of a JWT-format token ("" when it has none). Clerk: id.
	ID string

	// Subject is who the machine token acts for: the user ("user_...") or
	// organization ("org_...") owning an API key, the machine ("mch_...") of
	// an M2M token, the user of an OAuth token. Clerk: subject.
	Subject string

	// Scopes are the token's scopes: for an M2M token, the machines it may
	// call; for an OAuth token, the OAuth scopes granted ("profile",
	// "email"). Never nil for an authenticated machine token. Clerk: scopes.
	Scopes []string

	// Name is an API key's name. Clerk: name.
	Name string

	// MachineID is the machine ("mch_...") an M2M token belongs to, its
	// subject. Clerk: machineId.
	MachineID string

	// ClientID is the OAuth application an OAuth access token was issued to.
	// Clerk: clientId.
	ClientID string

	// MachineClaims are the custom claims of an API key or an M2M token (for
	// a JWT-format M2M token, every claim but iss, sub, exp, nbf, iat and
	// jti), nil when there are none and for OAuth tokens. Values are decoded
	// as by encoding/json into any; treat them as read-only. Clerk: claims on
	// machine auth objects (session claims are [Auth].Claims).
	MachineClaims map[string]any

	// Expiration is when the machine token expires, the zero time for a
	// token that never does. Clerk: the expiration of the verified token.
	Expiration time.Time
}

// authBox lets a signed-in Auth, its token and its FactorVerificationAge
// share one allocation.
type authBox struct {
	auth  Auth
	token string
	fva   [2]int
}

// sessionPending is the sts value of a session with pending tasks (spec §5.5).
const sessionPending = "pending"

// authFromSessionClaims builds the Auth of a verified session token (Clerk's
// signedInAuthObject, then toAuth's pending handling, spec §4.1, §5.5).
//
// The only error is Clerk's "Invalid claim element (missing colon)" for a v2
// token with an organization and a malformed fea claim (spec §3.1 "Edge"),
// which the caller reports as signed out with reason unexpected-error. The
// error's text is Clerk's message. A nil c gives a signed-out Auth.
func authFromSessionClaims(c *SessionClaims, token string, treatPendingAsSignedOut bool) (*Auth, error) {
	if c == nil {
		return signedOutAuth(), nil
	}
	// Clerk builds the signed-in object first, so a malformed fea fails
	// even a pending session.
	org, err := sessionOrg(c)
	if err != nil {
		return nil, err
	}
	if treatPendingAsSignedOut && c.SessionStatus == sessionPending {
		a := signedOutAuth()
		a.SessionStatus = sessionPending
		return a, nil
	}
	b := &authBox{token: token}
	b.auth = Auth{
		TokenType:       SessionToken,
		IsAuthenticated: true,
		UserID:          c.Subject,
		SessionID:       c.SessionID,
		SessionStatus:   c.SessionStatus,
		OrgID:           org.id,
		OrgRole:         org.role,
		OrgSlug:         org.slug,
		OrgPermissions:  org.permissions,
		Actor:           c.Actor,
		Claims:          c,
		token:           &b.token,
	}
	if fva, ok := parseFactorVerificationAge(c.fva); ok {
		b.fva = fva
		b.auth.FactorVerificationAge = b.fva[:]
	}
	return &b.auth, nil
}

// signedOutAuth returns Clerk's signed-out session object (spec §4.2).
func signedOutAuth() *Auth {
	return &Auth{TokenType: SessionToken}
}

// invalidTokenAuth returns Clerk's invalid-token object (spec §4.3): no
// token type, nothing authenticated.
func invalidTokenAuth() *Auth {
	return &Auth{}
}

// parseFactorVerificationAge validates the raw fva claim as Clerk's has()
// does (spec §4.5): a JSON array of exactly two finite numbers, each -1 or
// >= 0. Ages are rounded down to whole minutes and capped at math.MaxInt.
func parseFactorVerificationAge(raw json.RawMessage) ([2]int, bool) {
	var out [2]int
	if len(raw) == 0 || raw[0] != '[' {
		return out, false
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil || len(items) != 2 {
		return out, false
	}
	for i, it := range items {
		age, ok := factorAge(it)
		if !ok {
			return out, false
		}
		out[i] = age
	}
	return out, true
}

// factorAge decodes one fva element: a JSON number (not a string) that is
// finite and -1 or >= 0.
func factorAge(b json.RawMessage) (int, bool) {
	if len(b) == 0 || (b[0] != '-' && (b[0] < '0' || b[0] > '9')) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		// Out of range: JSON.parse reads ±Infinity, which is not finite.
		return 0, false
	}
	switch {
	case f == -1:
		return -1, true
	case !(f >= 0): // negative or NaN
		return 0, false
	case f >= float64(math.MaxInt):
		return math.MaxInt, true
	default:
		return int(f), true
	}
}

// rawToken returns the token the Auth was built from, "" when there is none.
func (a *Auth) rawToken() string {
	if a == nil || a.token == nil {
		return ""
	}
	return *a.token
}

// IsSignedIn reports whether a is a signed-in session: a verified session
// token whose session is usable (a pending session counts only when
// TreatPendingAsSignedOut is false). It is Clerk's isSignedIn. Machine
// tokens are never signed in; check IsAuthenticated for them. A nil a is
// signed out.
func (a *Auth) IsSignedIn() bool {
	return a != nil && a.TokenType == SessionToken && a.IsAuthenticated
}

// String describes a for logs and debugging, with Clerk's field names. It
// never includes the token or the claims.
func (a *Auth) String() string {
	var b strings.Builder
	b.WriteString("Auth{")
	a.eachField(func(key, value string) {
		if b.Len() > len("Auth{") {
			b.WriteByte(' ')
		}
		b.WriteString(key)
		b.WriteByte('=')
		b.WriteString(value)
	})
	b.WriteByte('}')
	return b.String()
}

// LogValue implements [slog.LogValuer]: a group with Clerk's field names
// (tokenType, isAuthenticated, userId, sessionId, ...). It never includes
// the token or the claims.
func (a *Auth) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, 9)
	a.eachField(func(key, value string) {
		attrs = append(attrs, slog.String(key, value))
	})
	return slog.GroupValue(attrs...)
}

// eachField calls f with the printable fields of a, skipping empty ones.
// tokenType and isAuthenticated always come first; a nil a is signed out.
func (a *Auth) eachField(f func(key, value string)) {
	if a == nil {
		a = &Auth{TokenType: SessionToken}
	}
	tt := string(a.TokenType)
	if tt == "" {
		tt = "null"
	}
	f("tokenType", tt)
	f("isAuthenticated", strconv.FormatBool(a.IsAuthenticated))
	for _, kv := range [...]struct{ k, v string }{
		{"id", a.ID},
		{"subject", a.Subject},
		{"name", a.Name},
		{"machineId", a.MachineID},
		{"clientId", a.ClientID},
		{"userId", a.UserID},
		{"sessionId", a.SessionID},
		{"sessionStatus", a.SessionStatus},
		{"orgId", a.OrgID},
		{"orgRole", a.OrgRole},
		{"orgSlug", a.OrgSlug},
	} {
		if kv.v != "" {
			f(kv.k, kv.v)
		}
	}
	if a.Actor != nil {
		f("actor", a.Actor.Subject)
	}
}
