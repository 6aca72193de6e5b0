package clerk

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"sync/atomic"
)

// SessionClaims are the claims of a Clerk session token, decoded
// once per verification into a typed struct. Custom claims (from a session
// token customization) stay reachable through [SessionClaims.Decode] and
// [SessionClaims.Raw].
//
// Version 1 tokens carry the organization in org_id / org_role / org_slug /
// org_permissions; version 2 tokens (v: 2) in the compact "o" object plus the
// "fea" features claim. [Auth] exposes both the same way; prefer it.
type SessionClaims struct {
	Issuer          string
	Subject         string
	SessionID       string
	AuthorizedParty string
	// JWTID is the jti claim.
	JWTID string
	// Version is 2 for v2 tokens; every other value (or none) is version 1.
	Version int
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
	sub     strClaim
	iss     strClaim
	azp     strClaim
	aud     audClaim
	exp     numClaim
	nbf     numClaim
	iat     numClaim
	version numClaim
	fva     json.RawMessage
	raw     []byte
	// authTemplate is the Auth built from these claims, kept so a cached
	// token is turned into an Auth once (see Client.sessionAuth).
	authTemplate atomic.Pointer[Auth]
	// feaMalformed: fea is present but not a string (Clerk throws while
	// building the auth object of a v2 token with an organization).
	feaMalformed bool
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

var errClaimsNotObject = errors.New("clerk: token payload is not a JSON object")

// decodeSessionClaims decodes a JWT payload once. Members are matched by
// their exact name and a repeated name replaces the earlier value, as with
// JavaScript's JSON.parse (encoding/json's struct decoding would match
// "SUB" or "Org_Role" too). Claims of an unexpected type are left empty (the
// verifier reports the registered ones); only a payload that is not a JSON
// object is an error.
func decodeSessionClaims(payload []byte) (*SessionClaims, error) {
	p := bytes.TrimLeft(payload, " \t\r\n")
	if len(p) == 0 || p[0] != '{' {
		return nil, errClaimsNotObject
	}
	if !json.Valid(payload) {
		return nil, errors.New("clerk: token payload is not valid JSON")
	}
	c := &SessionClaims{raw: payload}
	// One string copy of the payload; claim values are substrings of it.
	scanObject(string(payload), func(key, v string) {
		switch key {
		case "sub":
			c.sub.set(v)
		case "iss":
			c.iss.set(v)
		case "azp":
			c.azp.set(v)
		case "aud":
			_ = c.aud.UnmarshalJSON([]byte(v))
		case "exp":
			c.exp.set(v)
		case "nbf":
			c.nbf.set(v)
		case "iat":
			c.iat.set(v)
		case "v":
			c.version.set(v)
		case "sid":
			c.SessionID = jsonString(v)
		case "jti":
			c.JWTID = jsonString(v)
		case "sts":
			c.SessionStatus = jsonString(v)
		case "org_id":
			c.OrgID = jsonString(v)
		case "org_role":
			c.OrgRole = jsonString(v)
		case "org_slug":
			c.OrgSlug = jsonString(v)
		case "org_permissions":
			c.OrgPermissions = nil
			scanArray(v, func(e string) {
				if s, ok := jsonStringOK(e); ok {
					c.OrgPermissions = append(c.OrgPermissions, s)
				}
			})
		case "fea":
			s, ok := jsonStringOK(v)
			c.Features = s
			c.feaMalformed = !ok && v != "null"
		case "pla":
			c.Plans = jsonString(v)
		case "o":
			c.Organization = nil
			var o OrgClaims
			if scanObject(v, func(k, ov string) {
				switch k {
				case "id":
					o.ID = jsonString(ov)
				case "slg":
					o.Slug = jsonString(ov)
				case "rol":
					o.Role = jsonString(ov)
				case "per":
					o.Permissions = jsonString(ov)
				case "fpm":
					o.FeaturePermissionMap = jsonString(ov)
				}
			}) {
				c.Organization = &o
			}
		case "act":
			c.Actor = nil
			var a Actor
			if scanObject(v, func(k, av string) {
				switch k {
				case "sub":
					a.Subject = jsonString(av)
				case "iss":
					a.Issuer = jsonString(av)
				case "sid":
					a.SessionID = jsonString(av)
				case "type":
					a.Type = jsonString(av)
				}
			}) {
				c.Actor = &a
			}
		case "fva":
			c.fva = json.RawMessage(v)
		}
	})
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

// set decodes a raw JSON value; a repeated key replaces, as in JSON.parse.
func (s *strClaim) set(v string) {
	*s = strClaim{present: true}
	s.v, s.isString = jsonStringOK(v)
}

// numClaim is a claim expected to be a JSON number.
type numClaim struct {
	present bool
	isNum   bool
	v       float64
}

// set decodes a raw JSON value; anything but a number is "present, not a
// number". Out of float64 range, ParseFloat gives ±Inf, as JavaScript does.
func (n *numClaim) set(v string) {
	*n = numClaim{present: true}
	if len(v) > 0 && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')) {
		f, err := strconv.ParseFloat(v, 64)
		var ne *strconv.NumError
		if err == nil || errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			n.v, n.isNum = f, true
		}
	}
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
