package clerk

import (
	"errors"
	"math/big"
	"strconv"
	"strings"
)

// This file turns the organization claims of a session token into the
// organization fields of an [Auth] (spec §3, §3.1): Clerk's
// __experimental_JWTPayloadToAuthObjectProperties and its helpers.

// claimElementError is Clerk's "Invalid claim element (missing colon)" error:
// an entry of a fea or pla claim without a scope (spec §3.1 step 1).
type claimElementError struct{ entry string }

func (e *claimElementError) Error() string {
	return "Invalid claim element (missing colon): " + e.entry
}

// orgFields are the organization properties of a signed-in Auth.
type orgFields struct {
	id, role, slug string
	// permissions is nil when the token has no organization, and non-nil
	// (possibly empty) for a v2 token with an active organization, like
	// Clerk's undefined versus [].
	permissions []string
}

// errFeaNotString: a v2 token with an organization whose fea claim is not a
// string; Clerk's parser throws (the request is signed out, unexpected-error).
var errFeaNotString = errors.New("clerk: invalid fea claim: not a string")

// sessionOrg maps the organization claims of c to Auth properties (spec §3).
// The only error is the malformed-fea error of a v2 token with an active
// organization, which Clerk throws while building the auth object.
func sessionOrg(c *SessionClaims) (orgFields, error) {
	if c.Version != 2 {
		return orgFields{
			id:          c.OrgID,
			role:        c.OrgRole,
			slug:        c.OrgSlug,
			permissions: c.OrgPermissions,
		}, nil
	}
	o := c.Organization
	if o == nil {
		return orgFields{}, nil
	}
	if c.feaMalformed {
		return orgFields{}, errFeaNotString
	}
	f := orgFields{id: o.ID, slug: o.Slug}
	if o.Role != "" {
		// No de-duplication: "org:admin" becomes "org:org:admin", as in
		// Clerk; Has normalises the prefix away.
		f.role = "org:" + o.Role
	}
	perms, err := orgPermissions(c.Features, o.Permissions, o.FeaturePermissionMap)
	if err != nil {
		return orgFields{}, err
	}
	f.permissions = perms
	return f, nil
}

// orgPermissions decodes the fea, o.per and o.fpm claims of a v2 token into
// "org:<feature>:<permission>" strings (spec §3.1). The result is never nil.
//
// The i-th fpm entry is the bitmask, least-significant bit first, of the
// permissions (indexes into per) granted on the i-th organization-scoped
// feature of fea. Entries that are not plain decimal numbers grant nothing
// but keep their position; bits beyond the permission list are ignored.
func orgPermissions(fea, per, fpm string) ([]string, error) {
	// fea is validated first, even when there is nothing to decode, as in
	// Clerk (a malformed fea throws whatever per and fpm hold).
	features, err := orgFeatures(fea)
	if err != nil {
		return nil, err
	}
	out := []string{}
	if per == "" || fpm == "" {
		return out, nil
	}
	var perms []string
	for rest, more := per, true; more; {
		var p string
		p, rest, more = strings.Cut(rest, ",")
		perms = append(perms, jsTrim(p))
	}
	for i, rest, more := 0, fpm, true; more && i < len(features); i++ {
		var entry string
		entry, rest, more = strings.Cut(rest, ",")
		m := parseBitmask(jsTrim(entry))
		for j, p := range perms {
			if m.bit(j) {
				out = append(out, "org:"+features[i]+":"+p)
			}
		}
	}
	return out, nil
}

// orgFeatures returns the organization-scoped features of a fea claim: the
// org list of Clerk's splitByScope (scopes "o", "ou" and "uo"), in order.
// Every entry must have a scope; an empty claim has no features.
func orgFeatures(fea string) ([]string, error) {
	if fea == "" {
		return nil, nil
	}
	var org []string
	for rest, more := fea, true; more; {
		var part string
		part, rest, more = strings.Cut(rest, ",")
		part = jsTrim(part)
		scope, value, ok := strings.Cut(part, ":")
		if !ok {
			return nil, &claimElementError{entry: part}
		}
		switch scope {
		case "o", "ou", "uo":
			org = append(org, value)
		}
	}
	return org, nil
}

// bitmask is one decoded fpm entry. Entries of up to 19 digits fit in small;
// longer ones are decoded exactly into large (Clerk converts the decimal
// string itself, never through a float, spec §3.1 step 3).
type bitmask struct {
	small uint64
	large *big.Int
}

// parseBitmask decodes a decimal bitmask. Anything but ASCII digits (a sign,
// a dot, spaces, an empty string) is Clerk's empty mask, which grants
// nothing: the zero bitmask.
func parseBitmask(s string) bitmask {
	if s == "" {
		return bitmask{}
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return bitmask{}
		}
	}
	if len(s) <= 19 { // 10^19-1 < 2^64
		v, err := strconv.ParseUint(s, 10, 64)
		if err == nil {
			return bitmask{small: v}
		}
	}
	b, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return bitmask{}
	}
	return bitmask{large: b}
}

// bit reports whether bit j (least-significant first) is set.
func (m bitmask) bit(j int) bool {
	if m.large != nil {
		return m.large.Bit(j) == 1
	}
	return j < 64 && m.small>>uint(j)&1 == 1
}

// jsTrim trims what JavaScript's String.prototype.trim trims, which Clerk
// applies to every claim element. It differs from strings.TrimSpace on two
// runes: U+FEFF is trimmed, U+0085 is not.
func jsTrim(s string) string {
	// Fast path: claim elements rarely carry spaces.
	if s == "" || (isASCIINonSpace(s[0]) && isASCIINonSpace(s[len(s)-1])) {
		return s
	}
	return strings.TrimFunc(s, isJSSpace)
}

func isASCIINonSpace(b byte) bool {
	return b < 0x80 && b != ' ' && (b < '\t' || b > '\r')
}

func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ',
		0x00A0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}
