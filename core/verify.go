package clerk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SupportedAPIVersion is the Clerk-API-Version header sent to the Backend API
// and the __clerk_api_version of handshake redirects.
const SupportedAPIVersion = "2026-05-12"

// VerifyToken verifies a session token the way Clerk's verifyToken does:
// decode, category, key, typ, algorithm, signature, then the
// sub, aud, azp, exp, nbf and iat claims with the client's clock skew. It
// returns the decoded claims, or a *TokenError with Clerk's reason.
//
// Most applications call [Client.Authenticate] instead, which also reads
// cookies and handles the browser flow.
func (c *Client) VerifyToken(ctx context.Context, token string) (*SessionClaims, error) {
	return c.verifySession(ctx, token)
}

// verifySession runs the full verification; errors are *TokenError, or
// errUnexpected for the structures Clerk's SDK fails on with a plain error.
func (c *Client) verifySession(ctx context.Context, token string) (*SessionClaims, error) {
	return c.verifySessionSkew(ctx, token, c.skew)
}

// verifySessionSkew is verifySession with another clock skew (the
// development handshake retries with 24 hours, spec §1.8.4).
func (c *Client) verifySessionSkew(ctx context.Context, token string, skew time.Duration) (*SessionClaims, error) {
	return c.verifySessionDecoded(ctx, token, nil, skew)
}

// verifySessionDecoded is verifySessionSkew for a token the caller may
// already have decoded (d may be nil), so a request decodes it once.
func (c *Client) verifySessionDecoded(ctx context.Context, token string, d *decodedJWT, skew time.Duration) (*SessionClaims, error) {
	if e := c.tokens.get(token, c.keyGeneration()); e != nil {
		// Verified before with the current keys: only the time claims can
		// have changed their verdict. Keys past their TTL are refreshed in
		// the background even when every request is a cache hit, so a
		// withdrawn key stops verifying.
		if c.keys != nil {
			c.keys.refreshIfStale()
		}
		if err := c.checkTimes(e.claims, e.claims.raw, skew); err != nil {
			c.tokens.remove(token)
			return nil, err
		}
		return e.claims, nil
	}
	if d == nil {
		var err error
		if d, err = decodeJWT(token); err != nil {
			return nil, copyErr(err)
		}
	}
	if d.header.null {
		return nil, errUnexpected
	}
	if d.header.Cat.isString && d.header.Cat.v == categoryM2M {
		return nil, tokenErr(ReasonTokenInvalid, ActionEnsureClerkJWT, "Invalid session token category.")
	}
	k, gen, err := c.resolveKey(ctx, &d.header)
	if err != nil {
		// Key errors are shared by every request that waited on the same
		// fetch; callers annotate their copy (the carrier), never the
		// original.
		return nil, copyErr(err)
	}
	if err := c.verifyJWT(d, k, skew, sessionChecks); err != nil {
		return nil, err
	}
	if skew == c.skew {
		// Only verifications with the client's own skew are remembered (not
		// the development handshake's 24-hour retry), under the generation
		// of the key set the key came from, so a rotation during the
		// verification cannot attach this token to the new key set.
		c.tokens.put(token, gen, d.claims, kindOf(token, d))
	}
	return d.claims, nil
}

func (c *Client) keyGeneration() uint64 {
	if c.keys == nil {
		return 0
	}
	return c.keys.generation()
}

func copyErr(err error) error {
	if te, ok := err.(*TokenError); ok {
		cp := *te
		return &cp
	}
	return err
}

// resolveKey picks the key source (spec §2.2 step 3).
func (c *Client) resolveKey(ctx context.Context, h *jwtHeader) (*jwk, uint64, error) {
	if c.keys == nil {
		return nil, 0, tokenErr(ReasonJWKFailedToResolve, ActionSetClerkJWTKey, "Failed to resolve JWK during verification.")
	}
	kid := h.Kid.v
	if h.Kid.present && !h.Kid.isString {
		kid = "" // a non-string kid names no key
	}
	k, gen, err := c.keys.key(ctx, kid)
	var te *TokenError
	if err != nil && !h.Kid.isString && errors.As(err, &te) && te.Reason == ReasonJWKKidMismatch {
		// Clerk's message interpolates the kid as JavaScript does: an
		// absent kid is kid='undefined'.
		err = kidMismatch(jsTemplate(h.raw, "kid"))
	}
	return k, gen, err
}

// verifyJWT is Clerk's verifyJwt (spec §2.2 step 4) for a decoded token and
// its key: header checks, the signature before any claim, then the claims.
// checks says which static claim checks apply (see claimChecks).
func (c *Client) verifyJWT(d *decodedJWT, k *jwk, skew time.Duration, checks claimChecks) error {
	var allowedTyp []string
	if checks.headerType {
		allowedTyp = c.opts.HeaderType
	}
	if err := checkHeader(&d.header, allowedTyp); err != nil {
		return err
	}
	if k.err != nil {
		return tokenErr(ReasonTokenVerificationFailed, ActionEnsureClerkJWT,
			"Error verifying JWT signature. "+k.err.Error())
	}
	if k.alg != "" && k.alg != d.header.Alg.v {
		// WebCrypto refuses a JWK whose alg differs from the token's; the
		// key is pinned to its algorithm (RFC 8725 §3.1).
		// The message is the one Clerk's SDK gives, WebCrypto's own.
		return tokenErr(ReasonTokenVerificationFailed, ActionEnsureClerkJWT,
			`Error verifying JWT signature. Error: JWK "alg" does not match the requested algorithm`)
	}
	if err := d.verifySignature(k.key); err != nil {
		return tokenErr(ReasonTokenInvalidSignature, "", "JWT signature is invalid.")
	}
	if d.claims == nil {
		return errUnexpected // payload null: Clerk fails destructuring it
	}
	return c.checkClaims(d.claims, d.payload, skew, checks)
}

// claimChecks selects the audience and authorized-party checks. Session
// tokens get both. Machine JWTs skip azp: Clerk verifies them with the
// audience and clock skew only (@clerk/backend 3.25.0), and machines carry
// no browser origin. OAuth JWTs also skip the session audience rule, for
// Clerk's stricter OAuth one.
// headerType says the client's HeaderType option applies to typ (session
// tokens only: Clerk verifies machine JWTs with the default).
type claimChecks struct{ audience, authorizedParty, headerType bool }

var (
	sessionChecks = claimChecks{audience: true, authorizedParty: true, headerType: true}
	m2mChecks     = claimChecks{audience: true}
	oauthChecks   = claimChecks{}
)

// checkHeader validates typ, crit and alg (spec §2.2 4a-4b). allowedTyp is
// the HeaderType option: when empty, typ may be absent or "JWT"; when set,
// typ must be one of its values (Clerk's assertHeaderType).
func checkHeader(h *jwtHeader, allowedTyp []string) error {
	if len(allowedTyp) == 0 {
		if h.Typ.present && (!h.Typ.isString || h.Typ.v != "JWT") {
			return tokenErr(ReasonTokenInvalid, ActionEnsureClerkJWT,
				"Invalid JWT type "+headerJSON(h, "typ")+`. Expected "JWT".`)
		}
	} else if !h.Typ.isString || !slices.Contains(allowedTyp, h.Typ.v) {
		return tokenErr(ReasonTokenInvalid, ActionEnsureClerkJWT,
			"Invalid JWT type "+headerJSON(h, "typ")+`. Expected "`+strings.Join(allowedTyp, ", ")+`".`)
	}
	if len(h.Crit) > 0 {
		// RFC 7515 §4.1.11: a critical extension we do not understand
		// must be rejected. Clerk never sets crit.
		return tokenErr(ReasonTokenInvalid, ActionEnsureClerkJWT,
			"Invalid JWT header. Unsupported critical header parameters (crit).")
	}
	if !h.Alg.isString || !supportedAlg(h.Alg.v) {
		alg := "undefined"
		if h.Alg.present {
			alg = headerJSON(h, "alg")
		}
		return tokenErr(ReasonTokenInvalidAlgorithm, ActionEnsureClerkJWT,
			"Invalid JWT algorithm "+alg+". Supported: RS256,RS384,RS512.")
	}
	return nil
}

// headerJSON renders a header value for a message (cold path only).
func headerJSON(h *jwtHeader, name string) string {
	switch name {
	case "typ":
		if !h.Typ.present {
			return "undefined"
		}
		if h.Typ.isString {
			return jsString(h.Typ.v)
		}
	case "alg":
		if h.Alg.isString {
			return jsString(h.Alg.v)
		}
	}
	return claimJSON(h.raw, name) // JSON.stringify of the value, as Clerk prints it
}

// jsTemplate renders a JSON value as JavaScript's `${value}` does, for
// Clerk's messages that interpolate header values: "undefined" when absent.
func jsTemplate(raw []byte, name string) string {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return "undefined"
	}
	v, ok := m[name]
	if !ok {
		return "undefined"
	}
	var str func(v any) string
	str = func(v any) string {
		switch x := v.(type) {
		case string:
			return x
		case map[string]any:
			return "[object Object]"
		case []any:
			parts := make([]string, len(x))
			for i, e := range x {
				if e != nil {
					parts[i] = str(e)
				}
			}
			return strings.Join(parts, ",")
		}
		return jsStringify(v)
	}
	return str(v)
}

// checkClaims checks sub, aud, azp, exp, nbf and iat in Clerk's order.
func (c *Client) checkClaims(cl *SessionClaims, payload []byte, skew time.Duration, checks claimChecks) error {
	if !cl.sub.isString {
		return tokenErr(ReasonTokenVerificationFailed, ActionEnsureClerkJWT,
			"Subject claim (sub) is required and must be a string. Received "+claimJSON(payload, "sub")+".")
	}
	if checks.audience {
		if err := c.checkAudience(cl, payload); err != nil {
			return err
		}
	}
	if checks.authorizedParty && len(c.authorizedParties) > 0 && !c.isAuthorizedParty(cl) {
		return tokenErr(ReasonTokenInvalidAuthorizedParties, "",
			"Invalid JWT Authorized party claim (azp) "+claimJSON(payload, "azp")+`. Expected "`+strings.Join(c.authorizedParties, ",")+`".`)
	}
	return c.checkTimes(cl, payload, skew)
}

func (c *Client) isAuthorizedParty(cl *SessionClaims) bool {
	if !cl.azp.isString || cl.azp.v == "" {
		return false
	}
	for _, p := range c.authorizedParties {
		if p == cl.azp.v {
			return true
		}
	}
	return false
}

func (c *Client) checkAudience(cl *SessionClaims, payload []byte) error {
	if len(c.audience) == 0 || !cl.aud.truthy {
		return nil
	}
	listJSON := jsStringList(c.audience)
	switch cl.aud.kind {
	case 's':
		if !contains(c.audience, cl.aud.list[0]) {
			return tokenErr(ReasonTokenVerificationFailed, ActionEnsureClerkJWT,
				"Invalid JWT audience claim (aud) "+claimJSON(payload, "aud")+`. Is not included in "`+listJSON+`".`)
		}
	case 'a':
		for _, a := range cl.aud.list {
			if contains(c.audience, a) {
				return nil
			}
		}
		return tokenErr(ReasonTokenVerificationFailed, ActionEnsureClerkJWT,
			"Invalid JWT audience claim array (aud) "+claimJSON(payload, "aud")+`. Is not included in "`+listJSON+`".`)
	}
	// Any other shape (number, mixed array) is accepted, as in Clerk.
	return nil
}

// checkTimes applies the clock skew to exp, nbf and iat (spec §2.7). Times
// are compared in milliseconds with the claims truncated to whole seconds.
func (c *Client) checkTimes(cl *SessionClaims, payload []byte, skewD time.Duration) error {
	nowMs := c.now().UnixMilli()
	skew := skewD.Milliseconds()
	if !cl.exp.isNum {
		return tokenErr(ReasonTokenVerificationFailed, ActionEnsureClerkJWT,
			"Invalid JWT expiry date claim (exp) "+claimJSON(payload, "exp")+". Expected number.")
	}
	if expMs, ok := claimMillis(cl.exp.v); !ok || expMs <= nowMs-skew {
		return &TokenError{Reason: ReasonTokenExpired,
			Message: "JWT is expired. Expiry date: " + utcString(expMs, ok) + ", Current date: " + utcString(nowMs, true) + "."}
	}
	if cl.nbf.present {
		if !cl.nbf.isNum {
			return tokenErr(ReasonTokenVerificationFailed, ActionEnsureClerkJWT,
				"Invalid JWT not before date claim (nbf) "+claimJSON(payload, "nbf")+". Expected number.")
		}
		if nbfMs, ok := claimMillis(cl.nbf.v); !ok || nbfMs > nowMs+skew {
			return &TokenError{Reason: ReasonTokenNotActiveYet,
				Message: "JWT cannot be used prior to not before date claim (nbf). Not before date: " + utcString(nbfMs, ok) + "; Current date: " + utcString(nowMs, true) + ";"}
		}
	}
	if cl.iat.present {
		if !cl.iat.isNum {
			return tokenErr(ReasonTokenVerificationFailed, ActionEnsureClerkJWT,
				"Invalid JWT issued at date claim (iat) "+claimJSON(payload, "iat")+". Expected number.")
		}
		if iatMs, ok := claimMillis(cl.iat.v); !ok || iatMs > nowMs+skew {
			return &TokenError{Reason: ReasonTokenIatInTheFuture,
				Message: "JWT issued at date claim (iat) is in the future. Issued at date: " + utcString(iatMs, ok) + "; Current date: " + utcString(nowMs, true) + ";"}
		}
	}
	return nil
}

// maxDateMillis is JavaScript's Date range (±8.64e15 ms).
const maxDateMillis = 8.64e15

// claimMillis converts a time claim to milliseconds, truncating fractional
// seconds as Date.setUTCSeconds does. ok is false outside JavaScript's Date
// range; such claims are rejected (Clerk's comparisons against an Invalid
// Date would silently pass a huge nbf or iat: we fail closed instead).
func claimMillis(sec float64) (int64, bool) {
	if math.IsNaN(sec) || math.IsInf(sec, 0) {
		return 0, false
	}
	ms := math.Trunc(sec) * 1000
	if math.Abs(ms) > maxDateMillis {
		return 0, false
	}
	return int64(ms), true
}

// utcString formats like Date.prototype.toUTCString.
func utcString(ms int64, ok bool) string {
	if !ok {
		return "Invalid Date"
	}
	return time.UnixMilli(ms).UTC().Format(http.TimeFormat)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// claimJSON renders a payload claim like JSON.stringify, for messages.
// It decodes the payload again, which only happens on a failure.
func claimJSON(payload []byte, name string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(payload, &m) != nil {
		return "undefined"
	}
	raw, ok := m[name]
	if !ok {
		return "undefined"
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return "undefined"
	}
	return jsStringify(v)
}

// jsStringify renders v as JavaScript's JSON.stringify does (no HTML
// escaping, numbers in JavaScript's shortest form).
func jsStringify(v any) string {
	switch x := v.(type) {
	case float64:
		return jsNumber(x)
	case string:
		return jsString(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = jsStringify(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case map[string]any:
		// Go maps are unordered; JavaScript keeps insertion order. Objects
		// only appear in messages for malformed tokens, so sorted keys do.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(x)
		return strings.TrimSuffix(buf.String(), "\n")
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	}
	return "undefined"
}

func jsString(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	out := strings.TrimSuffix(buf.String(), "\n")
	// encoding/json escapes U+2028 and U+2029; JSON.stringify does not.
	out = strings.ReplaceAll(out, `\u2028`, "\u2028")
	return strings.ReplaceAll(out, `\u2029`, "\u2029")
}

func jsStringList(list []string) string {
	parts := make([]string, len(list))
	for i, s := range list {
		parts[i] = jsString(s)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// jsNumber formats a float64 as JavaScript's Number.prototype.toString.
func jsNumber(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "null"
	}
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		s := strconv.FormatFloat(f, 'e', -1, 64) // 1e+21, 1.5e-07
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[0]
		exp = strings.TrimLeft(exp[1:], "0")
		return mant + "e" + string(sign) + exp
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// tokenKind is what dispatch needs to know about a header token (spec §6.1,
// §2.8): its type, whether it is a machine JWT, and whether its JOSE
// category is not a session's.
type tokenKind struct {
	tt         TokenType
	machineJWT bool
	nonSession bool
}

// kindOf classifies a token already decoded (d is nil when it does not
// decode), with getMachineTokenType's precedence: M2M prefix or M2M JWT,
// then OAuth prefix or OAuth JWT, then the API key prefix.
func kindOf(token string, d *decodedJWT) tokenKind {
	var k tokenKind
	jwtType := TokenType("")
	if d != nil {
		k.nonSession = d.header.isNonSessionCategory()
		// The header test first: scanning the whole token's characters
		// matters only for a token that looks like a machine JWT.
		if t := machineTypeOfDecoded(d); t != "" && jwtShaped(token) {
			jwtType = t
		}
	}
	k.machineJWT = jwtType != ""
	switch {
	case strings.HasPrefix(token, prefixM2M) || jwtType == M2MToken:
		k.tt = M2MToken
	case strings.HasPrefix(token, prefixOAuth) || jwtType == OAuthToken:
		k.tt = OAuthToken
	case strings.HasPrefix(token, prefixAPIKey):
		k.tt = APIKey
	default:
		k.tt = SessionToken
	}
	return k
}

// inspect classifies a header token, decoding it at most once: a token in
// the verified-token cache is known without decoding; otherwise the decoded
// token is returned for verification to reuse.
func (c *Client) inspect(token string) (tokenKind, *decodedJWT) {
	if e := c.tokens.get(token, c.keyGeneration()); e != nil {
		return e.kind, nil
	}
	d, err := decodeJWT(token)
	if err != nil {
		d = nil
	}
	return kindOf(token, d), d
}

// sessionAuth builds the Auth of verified claims. The result for a given
// claims value never changes, so it is built once and kept with the claims
// (which the verified-token cache shares across requests); each request
// gets its own copy in dst.
func (c *Client) sessionAuth(dst *Auth, claims *SessionClaims, token string) error {
	if t := claims.authTemplate.Load(); t != nil {
		*dst = *t
		return nil
	}
	a, err := authFromSessionClaims(claims, token, c.treatPending)
	if err != nil {
		return err
	}
	claims.authTemplate.Store(a)
	*dst = *a
	return nil
}
