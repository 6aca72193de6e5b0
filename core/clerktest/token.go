package clerktest

import (
	"bytes"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"strings"
	"time"
)

// Values of the JWT category header "cat" that Clerk stamps on its tokens.
// Set one with [WithCategory].
const (
	CategorySession  = "cl_B7d4PD111AAA" // session tokens (and handshake tokens)
	CategoryTemplate = "cl_B7d4PD222AAA" // tokens of a JWT template
	CategoryM2M      = "cl_B7d4PD333AAA" // machine-to-machine JWTs
	CategoryIgnore   = "cl_I7d4PD111III" // instances that opt out of categories
)

// TypOAuthAccessToken is the typ header of OAuth access-token JWTs (RFC 9068);
// mint one with WithTyp(TypOAuthAccessToken).
const TypOAuthAccessToken = "at+jwt"

// TokenOption changes how [Key.Sign] builds a token's header or signature.
type TokenOption func(*tokenConfig)

type tokenConfig struct {
	header     map[string]any
	alg        string // the signing algorithm
	rawHeader  []byte
	raw        bool
	hmacSecret []byte
	signature  []byte
	sigSet     bool
}

// WithHeader sets the header field name to value (any JSON-marshalable value;
// nil gives a JSON null). It changes only the header: WithHeader("alg", ...)
// does not change how the token is signed, which makes header and signature
// disagree; use [WithAlg] to change both.
func WithHeader(name string, value any) TokenOption {
	return func(c *tokenConfig) { c.header[name] = value }
}

// WithoutHeader removes the header field name, for example "kid" or "typ".
func WithoutHeader(name string) TokenOption {
	return func(c *tokenConfig) { delete(c.header, name) }
}

// WithKID sets the kid header (by default the signing key's ID).
func WithKID(kid string) TokenOption { return WithHeader("kid", kid) }

// WithTyp sets the typ header (by default "JWT").
func WithTyp(typ string) TokenOption { return WithHeader("typ", typ) }

// WithCategory sets the cat header to one of the Category constants (or any
// other string). Tokens have no cat header unless this is used.
func WithCategory(cat string) TokenOption { return WithHeader("cat", cat) }

// WithAlg sets the alg header and signs the token with that algorithm:
//
//   - "RS256", "RS384", "RS512" (the default is RS256) and "PS256", "PS384",
//     "PS512" sign with the Key's RSA key;
//   - "HS256", "HS384", "HS512" sign with the secret of [WithHMACSecret], for
//     example the key's public PEM in an algorithm-confusion test;
//   - "none" gives an unsigned token: its signature part is empty.
//
// Any other algorithm needs [WithSignature].
func WithAlg(alg string) TokenOption {
	return func(c *tokenConfig) {
		c.alg = alg
		c.header["alg"] = alg
	}
}

// WithHMACSecret sets the secret that HS256, HS384 and HS512 sign with.
func WithHMACSecret(secret []byte) TokenOption {
	return func(c *tokenConfig) { c.hmacSecret = bytes.Clone(secret) }
}

// WithRawHeader makes the token's header exactly header (base64url-encoded
// as given, valid JSON or not), for malformed-header tests. Other header
// options are then ignored; the token is still signed with the algorithm of
// [WithAlg] (RS256 by default).
func WithRawHeader(header []byte) TokenOption {
	return func(c *tokenConfig) {
		c.rawHeader = bytes.Clone(header)
		c.raw = true
	}
}

// WithSignature makes the token's signature exactly sig instead of signing,
// for any algorithm (for example a forged ES256 token or a truncated
// signature).
func WithSignature(sig []byte) TokenOption {
	return func(c *tokenConfig) {
		c.signature = bytes.Clone(sig)
		c.sigSet = true
	}
}

// Sign returns a compact JWS (header.payload.signature) carrying claims.
//
// claims is any JSON-marshalable value, typically a map from [SessionV1],
// [SessionV2], [M2MClaims] or [OAuthClaims], or a struct; a []byte or
// json.RawMessage is used verbatim as the payload, valid JSON or not.
//
// The header is {"alg":"RS256","kid":<k.KID()>,"typ":"JWT"} unless changed by
// opts; its fields are written in sorted order, as in Clerk's tokens. A nil
// *Key signs only with "none", HMAC or [WithSignature], and has no kid.
func (k *Key) Sign(claims any, opts ...TokenOption) (string, error) {
	c := tokenConfig{alg: "RS256", header: map[string]any{"alg": "RS256", "typ": "JWT"}}
	if k != nil {
		c.header["kid"] = k.kid
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&c)
		}
	}
	header := c.rawHeader
	if !c.raw {
		var err error
		if header, err = marshalJSON(c.header); err != nil {
			return "", fmt.Errorf("clerktest: encoding header: %w", err)
		}
	}
	var payload []byte
	switch v := claims.(type) {
	case []byte:
		payload = v
	case json.RawMessage:
		payload = v
	default:
		var err error
		if payload, err = marshalJSON(claims); err != nil {
			return "", fmt.Errorf("clerktest: encoding claims: %w", err)
		}
	}
	b64 := base64.RawURLEncoding
	input := b64.EncodeToString(header) + "." + b64.EncodeToString(payload)
	sig := c.signature
	if !c.sigSet {
		var err error
		if sig, err = c.sign(k, input); err != nil {
			return "", err
		}
	}
	return input + "." + b64.EncodeToString(sig), nil
}

// MustSign is like [Key.Sign] but panics on error.
func (k *Key) MustSign(claims any, opts ...TokenOption) string {
	tok, err := k.Sign(claims, opts...)
	if err != nil {
		panic(err)
	}
	return tok
}

func (c *tokenConfig) sign(k *Key, input string) ([]byte, error) {
	var h crypto.Hash
	switch c.alg[min(2, len(c.alg)):] {
	case "256":
		h = crypto.SHA256
	case "384":
		h = crypto.SHA384
	case "512":
		h = crypto.SHA512
	}
	family := c.alg[:min(2, len(c.alg))]
	switch {
	case c.alg == "none":
		return nil, nil
	case h == 0 || len(c.alg) != 5:
	case family == "HS":
		if c.hmacSecret == nil {
			return nil, fmt.Errorf("clerktest: %s needs WithHMACSecret", c.alg)
		}
		mac := hmac.New(hashFunc(h), c.hmacSecret)
		mac.Write([]byte(input))
		return mac.Sum(nil), nil
	case family == "RS" || family == "PS":
		if k == nil {
			return nil, fmt.Errorf("clerktest: %s needs a non-nil *Key", c.alg)
		}
		d := h.New()
		d.Write([]byte(input))
		if family == "RS" {
			return rsa.SignPKCS1v15(rand.Reader, k.priv, h, d.Sum(nil))
		}
		return rsa.SignPSS(rand.Reader, k.priv, h, d.Sum(nil), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	}
	return nil, fmt.Errorf("clerktest: cannot sign with alg %q (use WithSignature)", c.alg)
}

func hashFunc(h crypto.Hash) func() hash.Hash {
	switch h {
	case crypto.SHA384:
		return sha512.New384
	case crypto.SHA512:
		return sha512.New
	default:
		return sha256.New
	}
}

// marshalJSON is json.Marshal without HTML escaping, so that "&", "<" and
// ">" appear as such, as in tokens minted by Clerk.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// ClaimOption changes the claims built by [SessionV1], [SessionV2],
// [M2MClaims] and [OAuthClaims].
type ClaimOption func(*claimBuilder)

type claimKind int

const (
	kindSessionV1 claimKind = iota
	kindSessionV2
	kindM2M
	kindOAuth
)

type claimBuilder struct {
	kind     claimKind
	now      time.Time
	claims   map[string]any
	org      *Org
	features []string
	plans    []string
	scopes   []string
	scopesOK bool
	extra    []func(map[string]any) // WithClaim / WithoutClaim, applied last
}

// Org is the active organization of a session, for [WithOrg].
type Org struct {
	ID   string // "org_..."
	Slug string
	// Role is the member's role, for example "org:admin". Version 1 tokens
	// carry it as given; version 2 tokens without the "org:" prefix.
	Role string
	// Permissions are the member's permissions, "org:<feature>:<permission>"
	// (for example "org:invoices:create"). Version 1 tokens carry them as
	// given; version 2 tokens encode them in o.per, o.fpm and the fea claim,
	// so there a permission that is not of that form cannot be represented
	// and is left out.
	Permissions []string
}

// Actor is the act claim of an impersonated (or agent) session, for
// [WithActor].
type Actor struct {
	Subject   string `json:"sub"`
	Issuer    string `json:"iss,omitempty"`
	SessionID string `json:"sid,omitempty"`
	Type      string `json:"type,omitempty"`
}

// WithIssuer sets the iss claim (by default [DefaultIssuer]).
func WithIssuer(iss string) ClaimOption {
	return func(b *claimBuilder) { b.claims["iss"] = iss }
}

// WithAuthorizedParty sets the azp claim of a session token (by default
// [DefaultAuthorizedParty]). Remove it with WithoutClaim("azp").
func WithAuthorizedParty(azp string) ClaimOption {
	return func(b *claimBuilder) { b.claims["azp"] = azp }
}

// WithExp sets the exp claim to now+offset (by default 60 seconds for
// session tokens, Clerk's lifetime, and one hour for machine tokens). A
// negative offset gives an expired token.
func WithExp(offset time.Duration) ClaimOption {
	return func(b *claimBuilder) { b.claims["exp"] = b.unix(offset) }
}

// WithNbf sets the nbf claim to now+offset (by default -10 seconds, as
// Clerk does).
func WithNbf(offset time.Duration) ClaimOption {
	return func(b *claimBuilder) { b.claims["nbf"] = b.unix(offset) }
}

// WithIat sets the iat claim to now+offset (by default now).
func WithIat(offset time.Duration) ClaimOption {
	return func(b *claimBuilder) { b.claims["iat"] = b.unix(offset) }
}

// WithOrg makes org the session's active organization: org_id, org_slug,
// org_role and org_permissions in version 1 tokens; the "o" claim
// {id, slg, rol, per, fpm} and the organization features of the fea claim in
// version 2 tokens.
func WithOrg(org Org) ClaimOption {
	return func(b *claimBuilder) {
		o := org
		o.Permissions = append([]string(nil), org.Permissions...)
		b.org = &o
	}
}

// WithFeatures adds entries to the fea claim, each "<scope>:<feature>" with
// scope "o", "u", "ou" or "uo" (for example "u:chat"). In version 2 tokens
// with [WithOrg], the organization features implied by its permissions come
// first and are not repeated.
func WithFeatures(entries ...string) ClaimOption {
	return func(b *claimBuilder) { b.features = append(b.features, entries...) }
}

// WithPlans sets the pla claim from entries such as "u:free" or "o:pro".
func WithPlans(entries ...string) ClaimOption {
	return func(b *claimBuilder) { b.plans = append(b.plans, entries...) }
}

// WithFactorAge sets the fva claim: the minutes since the first and the
// second factor were last verified, -1 for never or not enabled.
func WithFactorAge(firstFactorMinutes, secondFactorMinutes int) ClaimOption {
	return func(b *claimBuilder) { b.claims["fva"] = []int{firstFactorMinutes, secondFactorMinutes} }
}

// WithSessionStatus sets the sts claim, "active" or "pending".
func WithSessionStatus(sts string) ClaimOption {
	return func(b *claimBuilder) { b.claims["sts"] = sts }
}

// WithActor sets the act claim, as in an impersonation session.
func WithActor(act Actor) ClaimOption {
	return func(b *claimBuilder) { b.claims["act"] = act }
}

// WithScopes sets the scopes of a machine token: the space-separated
// "scopes" claim of an M2M JWT, the "scp" array of an OAuth access token.
// Session tokens ignore it.
func WithScopes(scopes ...string) ClaimOption {
	return func(b *claimBuilder) {
		b.scopes = append([]string(nil), scopes...)
		b.scopesOK = true
	}
}

// WithClaim sets the claim name to value (any JSON-marshalable value),
// overriding what the builder and the other options put there. Use it for
// custom claims and for wrongly typed ones: WithClaim("exp", "soon").
func WithClaim(name string, value any) ClaimOption {
	return func(b *claimBuilder) {
		b.extra = append(b.extra, func(m map[string]any) { m[name] = value })
	}
}

// WithoutClaim removes the claim name, whatever set it.
func WithoutClaim(name string) ClaimOption {
	return func(b *claimBuilder) {
		b.extra = append(b.extra, func(m map[string]any) { delete(m, name) })
	}
}

func (b *claimBuilder) unix(offset time.Duration) int64 {
	return b.now.Add(offset).Unix()
}

// SessionV1 returns the claims of a version 1 Clerk session token for the
// user userID in the session sessionID, issued at now:
//
//	{"azp":"http://localhost:3000","exp":now+60,"iat":now,
//	 "iss":"https://clerk.example.com","nbf":now-10,"sid":sessionID,"sub":userID}
//
// Options add an organization, features, factor ages, an actor or any claim.
func SessionV1(userID, sessionID string, now time.Time, opts ...ClaimOption) map[string]any {
	return buildClaims(kindSessionV1, now, map[string]any{"sub": userID, "sid": sessionID}, opts)
}

// SessionV2 returns the claims of a version 2 Clerk session token: those of
// [SessionV1] plus "v": 2 and a random "jti"; an organization goes in the
// compact "o" claim and the fea claim (see [WithOrg]).
func SessionV2(userID, sessionID string, now time.Time, opts ...ClaimOption) map[string]any {
	return buildClaims(kindSessionV2, now, map[string]any{"sub": userID, "sid": sessionID}, opts)
}

// M2MClaims returns the claims of a machine-to-machine JWT for the machine
// machineID ("mch_..."), issued at now: sub, a random "mt_" jti, iss, iat,
// nbf and an exp one hour later. Sign it with WithCategory(CategoryM2M) to
// mint what Clerk mints.
func M2MClaims(machineID string, now time.Time, opts ...ClaimOption) map[string]any {
	return buildClaims(kindM2M, now, map[string]any{"sub": machineID, "jti": NewID("mt_")}, opts)
}

// OAuthClaims returns the claims of an OAuth access-token JWT that the OAuth
// application clientID obtained for the user userID, issued at now: sub,
// client_id, a random "oat_" jti, iss, iat, nbf and an exp one hour later.
// Sign it with WithTyp(TypOAuthAccessToken).
func OAuthClaims(userID, clientID string, now time.Time, opts ...ClaimOption) map[string]any {
	return buildClaims(kindOAuth, now, map[string]any{"sub": userID, "client_id": clientID, "jti": NewID("oat_")}, opts)
}

func buildClaims(kind claimKind, now time.Time, base map[string]any, opts []ClaimOption) map[string]any {
	b := &claimBuilder{kind: kind, now: now, claims: base}
	b.claims["iss"] = DefaultIssuer
	b.claims["iat"] = b.unix(0)
	b.claims["nbf"] = b.unix(-10 * time.Second)
	switch kind {
	case kindSessionV1, kindSessionV2:
		b.claims["exp"] = b.unix(60 * time.Second)
		b.claims["azp"] = DefaultAuthorizedParty
		if kind == kindSessionV2 {
			b.claims["v"] = 2
			b.claims["jti"] = randomHex(10)
		}
	default:
		b.claims["exp"] = b.unix(time.Hour)
	}
	for _, opt := range opts {
		if opt != nil {
			opt(b)
		}
	}
	b.finish()
	for _, f := range b.extra {
		f(b.claims)
	}
	return b.claims
}

// finish writes the claims that depend on several options.
func (b *claimBuilder) finish() {
	m := b.claims
	if b.scopesOK {
		switch b.kind {
		case kindM2M:
			m["scopes"] = strings.Join(b.scopes, " ")
		case kindOAuth:
			m["scp"] = b.scopes
		}
	}
	if len(b.plans) > 0 {
		m["pla"] = strings.Join(b.plans, ",")
	}
	features := b.features
	if b.org != nil {
		if b.kind == kindSessionV2 {
			o, orgFeatures := encodeOrgV2(b.org)
			m["o"] = o
			features = mergeFeatures(orgFeatures, b.features)
		} else {
			m["org_id"] = b.org.ID
			if b.org.Slug != "" {
				m["org_slug"] = b.org.Slug
			}
			if b.org.Role != "" {
				m["org_role"] = b.org.Role
			}
			m["org_permissions"] = append([]string{}, b.org.Permissions...)
		}
	}
	if len(features) > 0 {
		m["fea"] = strings.Join(features, ",")
	}
}

// encodeOrgV2 encodes an organization as the "o" claim of a version 2 token
// and returns the organization features ("o:<feature>") its permissions
// imply, in the order of the fpm bitmasks (spec §3.1).
func encodeOrgV2(org *Org) (map[string]any, []string) {
	o := map[string]any{"id": org.ID}
	if org.Slug != "" {
		o["slg"] = org.Slug
	}
	if role := strings.TrimPrefix(org.Role, "org:"); role != "" {
		o["rol"] = role
	}
	var features, perms []string
	featureIdx := map[string]int{}
	permIdx := map[string]int{}
	var masks [][]bool // masks[feature][permission]
	for _, p := range org.Permissions {
		feature, perm, ok := strings.Cut(strings.TrimPrefix(p, "org:"), ":")
		if !ok || feature == "" || perm == "" {
			continue
		}
		fi, seen := featureIdx[feature]
		if !seen {
			fi = len(features)
			featureIdx[feature] = fi
			features = append(features, feature)
			masks = append(masks, nil)
		}
		pi, seen := permIdx[perm]
		if !seen {
			pi = len(perms)
			permIdx[perm] = pi
			perms = append(perms, perm)
		}
		for len(masks[fi]) <= pi {
			masks[fi] = append(masks[fi], false)
		}
		masks[fi][pi] = true
	}
	if len(features) == 0 {
		return o, nil
	}
	fpm := make([]string, len(features))
	orgFeatures := make([]string, len(features))
	for i, f := range features {
		fpm[i] = bitsToDecimal(masks[i])
		orgFeatures[i] = "o:" + f
	}
	o["per"] = strings.Join(perms, ",")
	o["fpm"] = strings.Join(fpm, ",")
	return o, orgFeatures
}

// bitsToDecimal writes a least-significant-first bit list as a decimal
// number of any size.
func bitsToDecimal(bits []bool) string {
	digits := []byte{0} // little-endian decimal digits
	for i := len(bits) - 1; i >= 0; i-- {
		carry := 0
		if bits[i] {
			carry = 1
		}
		for j := range digits {
			v := int(digits[j])*2 + carry
			digits[j], carry = byte(v%10), v/10
		}
		if carry > 0 {
			digits = append(digits, byte(carry))
		}
	}
	out := make([]byte, len(digits))
	for i, d := range digits {
		out[len(digits)-1-i] = '0' + d
	}
	return string(out)
}

// mergeFeatures returns the organization features followed by the extra
// entries that are not already among them.
func mergeFeatures(orgFeatures, extra []string) []string {
	out := append([]string(nil), orgFeatures...)
	have := map[string]bool{}
	for _, f := range orgFeatures {
		have[f] = true
	}
	for _, f := range extra {
		if !have[f] {
			out = append(out, f)
		}
	}
	return out
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
