package clerk

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// SessionClaims are the claims of a Clerk session token (spec §3), decoded
// once per verification into a typed struct. Custom claims (from a session
// token customization) stay reachable through [SessionClaims.Decode] and
// [SessionClaims.Raw].
//
// Version 1 tokens carry the organization in org_id / org_role / org_slug /
// org_permissions; version 2 tokens (v: 2) in the compact "o" object plus the
// "fea" features claim. [Auth] exposes both the same way; prefer it.
type SessionClaims struct {
	Issuer          string `json:"-"`
	Subject         string `json:"-"`
	SessionID       string `json:"sid"`
	AuthorizedParty string `json:"-"`
	// JWTID is the jti claim.
	JWTID string `json:"jti"`
	// Version is 2 for v2 tokens; every other value (or none) is version 1.
	Version int `json:"-"`
	// Actor is the act claim (impersonation or agent), nil when absent.
	Actor *Actor `json:"act"`
	// SessionStatus is the sts claim: "active", "pending" or "" when absent.
	SessionStatus string `json:"sts"`

	// Version 1 organization claims.
	OrgID          string   `json:"org_id"`
	OrgRole        string   `json:"org_role"`
	OrgSlug        string   `json:"org_slug"`
	OrgPermissions []string `json:"org_permissions"`

	// Version 2 claims: features ("o:dashboard,u:chat"), plans ("u:free")
	// and the active organization.
	Features     string     `json:"fea"`
	Plans        string     `json:"pla"`
	Organization *OrgClaims `json:"o"`

	// Registered claims, decoded so that a wrong type is reported by the
	// verifier (with Clerk's messages) instead of failing the decode.
	sub      strClaim
	iss      strClaim
	azp      strClaim
	aud      audClaim
	exp      numClaim
	nbf      numClaim
	iat      numClaim
	version  numClaim
	fva      json.RawMessage
	raw      []byte
	category string // the JOSE header cat, set by the verifier
}

// Actor is the act claim of an impersonation or agent session.
type Actor struct {
	Subject   string `json:"sub"`
	Issuer    string `json:"iss,omitempty"`
	SessionID string `json:"sid,omitempty"`
	Type      string `json:"type,omitempty"`
}

// OrgClaims is the compact organization object "o" of v2 session tokens.
type OrgClaims struct {
	ID   string `json:"id"`
	Slug string `json:"slg"`
	// Role is the role key without the "org:" prefix.
	Role string `json:"rol"`
	// Permissions is a comma-separated list of permission names.
	Permissions string `json:"per"`
	// FeaturePermissionMap is a comma-separated list of decimal bitmasks, one
	// per organization-scoped feature of the fea claim.
	FeaturePermissionMap string `json:"fpm"`
}

// sessionClaimsJSON is the decoding shape: SessionClaims' plain fields plus
// the tolerant registered claims.
type sessionClaimsJSON struct {
	*sessionClaimsAlias
	Sub     *strClaim       `json:"sub"`
	Iss     *strClaim       `json:"iss"`
	Azp     *strClaim       `json:"azp"`
	Aud     *audClaim       `json:"aud"`
	Exp     *numClaim       `json:"exp"`
	Nbf     *numClaim       `json:"nbf"`
	Iat     *numClaim       `json:"iat"`
	V       *numClaim       `json:"v"`
	Fva     json.RawMessage `json:"fva"`
	Org     json.RawMessage `json:"o"`
	ActorRM json.RawMessage `json:"act"`
}

type sessionClaimsAlias SessionClaims

var errClaimsNotObject = errors.New("clerk: token payload is not a JSON object")

// decodeSessionClaims decodes a JWT payload once. Claims of an unexpected
// type are left empty (the verifier reports the registered ones); only a
// payload that is not a JSON object is an error.
func decodeSessionClaims(payload []byte) (*SessionClaims, error) {
	p := bytes.TrimLeft(payload, " \t\r\n")
	if len(p) == 0 || p[0] != '{' {
		return nil, errClaimsNotObject
	}
	c := &SessionClaims{raw: payload}
	d := sessionClaimsJSON{
		sessionClaimsAlias: (*sessionClaimsAlias)(c),
		Sub:                &c.sub, Iss: &c.iss, Azp: &c.azp, Aud: &c.aud,
		Exp: &c.exp, Nbf: &c.nbf, Iat: &c.iat, V: &c.version,
	}
	if err := json.Unmarshal(payload, &d); err != nil {
		var typeErr *json.UnmarshalTypeError
		if !errors.As(err, &typeErr) {
			return nil, err
		}
		// A wrongly typed optional claim (say "org_id": 5) is dropped, as
		// Clerk's SDK would ignore it; decoding went on past it.
	}
	c.fva = d.Fva
	if len(d.Org) > 0 && d.Org[0] == '{' {
		var o OrgClaims
		if json.Unmarshal(d.Org, &o) == nil {
			c.Organization = &o
		}
	} else {
		c.Organization = nil
	}
	if len(d.ActorRM) > 0 && d.ActorRM[0] == '{' {
		var a Actor
		if json.Unmarshal(d.ActorRM, &a) == nil {
			c.Actor = &a
		}
	} else {
		c.Actor = nil
	}
	c.Subject = c.sub.v
	c.Issuer = c.iss.v
	c.AuthorizedParty = c.azp.v
	if c.version.isNum && c.version.v == 2 {
		c.Version = 2
	} else {
		c.Version = 1
	}
	return c, nil
}

// Raw returns the token's payload JSON. The slice must not be modified.
func (c *SessionClaims) Raw() []byte { return c.raw }

// Decode unmarshals the whole payload into v, for custom claims:
//
//	var custom struct{ Plan string `json:"plan"` }
//	err := auth.Claims.Decode(&custom)
func (c *SessionClaims) Decode(v any) error { return json.Unmarshal(c.raw, v) }

// Audience returns the aud claim as a list (a single string becomes a list of one).
func (c *SessionClaims) Audience() []string { return c.aud.list }

// ExpiresAt, NotBefore and IssuedAt return the time claims in Unix seconds
// (0 when absent).
func (c *SessionClaims) ExpiresAt() int64 { return c.exp.seconds() }

// NotBefore returns the nbf claim in Unix seconds, 0 when absent.
func (c *SessionClaims) NotBefore() int64 { return c.nbf.seconds() }

// IssuedAt returns the iat claim in Unix seconds, 0 when absent.
func (c *SessionClaims) IssuedAt() int64 { return c.iat.seconds() }

// strClaim is a claim expected to be a string.
type strClaim struct {
	present  bool
	isString bool
	v        string
}

func (s *strClaim) UnmarshalJSON(b []byte) error {
	*s = strClaim{present: true} // a repeated key replaces, as in JSON.parse
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s.v); err != nil {
			return err
		}
		s.isString = true
	}
	return nil
}

// numClaim is a claim expected to be a JSON number.
type numClaim struct {
	present bool
	isNum   bool
	v       float64
}

func (n *numClaim) UnmarshalJSON(b []byte) error {
	*n = numClaim{present: true}
	if len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')) {
		v, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			// Out of float64 range: JavaScript would read ±Infinity.
			var ne *strconv.NumError
			if !errors.As(err, &ne) || ne.Err != strconv.ErrRange {
				return err
			}
		}
		n.v, n.isNum = v, true
	}
	return nil
}

// seconds truncates toward zero, as JavaScript's Date.setUTCSeconds does.
func (n numClaim) seconds() int64 {
	if !n.isNum {
		return 0
	}
	return int64(n.v)
}

// audClaim is the aud claim: a string, an array, or anything else.
type audClaim struct {
	present bool
	// list holds the non-empty string entries of a string or array aud.
	list []string
	// kind: 's' string, 'a' array of only strings, 'x' anything else
	// (numbers, mixed arrays...), which Clerk accepts without a check.
	kind byte
	// truthy reports whether [aud].flat().filter(Boolean) is non-empty.
	truthy bool
}

func (a *audClaim) UnmarshalJSON(b []byte) error {
	*a = audClaim{present: true}
	switch {
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		a.kind = 's'
		if s != "" {
			a.list, a.truthy = []string{s}, true
		}
	case len(b) > 0 && b[0] == '[':
		var items []json.RawMessage
		if err := json.Unmarshal(b, &items); err != nil {
			return err
		}
		a.kind = 'a'
		if len(items) == 0 {
			a.kind = 'x'
		}
		for _, it := range items {
			var s string
			if len(it) == 0 || it[0] != '"' || json.Unmarshal(it, &s) != nil {
				a.kind = 'x'
				a.truthy = a.truthy || jsTruthy(it)
				continue
			}
			if s != "" {
				a.list = append(a.list, s)
				a.truthy = true
			}
		}
	default:
		a.kind = 'x'
		a.truthy = jsTruthy(b)
	}
	return nil
}

// jsTruthy reports whether a JSON value is truthy in JavaScript.
func jsTruthy(b []byte) bool {
	s := string(bytes.TrimSpace(b))
	switch s {
	case "", "null", "false", `""`:
		return false
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f != 0
	}
	return true
}
