package clerk

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
)

// JWT categories of the protected "cat" header.
const (
	categorySession  = "cl_B7d4PD111AAA"
	categoryTemplate = "cl_B7d4PD222AAA"
	categoryM2M      = "cl_B7d4PD333AAA"
	categoryIgnore   = "cl_I7d4PD111III"
)

// jwtHeader is the JOSE header fields the verifier reads. Every other header
// parameter (jku, x5u, jwk, crit handling aside) is ignored, never followed.
type jwtHeader struct {
	Alg  strClaim        `json:"alg"`
	Kid  strClaim        `json:"kid"`
	Typ  strClaim        `json:"typ"`
	Cat  strClaim        `json:"cat"`
	Crit json.RawMessage `json:"crit"`
	// null is true when the header JSON is the literal null; Clerk's SDK
	// then fails with an unexpected error rather than a token error.
	null bool
	// raw is the decoded header JSON, for messages about non-string values.
	raw []byte
}

// decodedJWT is a token split and decoded once.
type decodedJWT struct {
	raw       string // the whole token
	signed    []byte // header.payload, the signing input (read-only)
	header    jwtHeader
	signature []byte
	claims    *SessionClaims // nil when the payload is not a JSON object
	payload   []byte
}

var (
	errJWTForm = &TokenError{Reason: ReasonTokenInvalid,
		Message: "Invalid JWT form. A JWT consists of three parts separated by dots."}
	errJWTDecode = &TokenError{Reason: ReasonTokenInvalid,
		Message: "Invalid JWT form. The header, payload, or signature could not be decoded."}
	errJWTTooLarge = &TokenError{Reason: ReasonTokenInvalid,
		Message: "Invalid JWT form. The token is larger than the 16 KiB clerkguard accepts."}
)

// errUnexpected marks failures that Clerk's SDK surfaces as plain (non-token)
// errors, such as a header that is JSON null; the request flow maps them to
// the unexpected-error reason.
var errUnexpected = errors.New("clerk: unexpected token structure")

// decodeJWT splits and decodes a compact JWS (spec §2.1). The returned
// *TokenError values are shared and must be copied before being annotated;
// callers use [copyErr].
func decodeJWT(token string) (*decodedJWT, error) {
	if len(token) > MaxTokenSize {
		return nil, errJWTTooLarge
	}
	d1 := strings.IndexByte(token, '.')
	if d1 < 0 {
		return nil, errJWTForm
	}
	d2 := strings.IndexByte(token[d1+1:], '.')
	if d2 < 0 {
		return nil, errJWTForm
	}
	d2 += d1 + 1
	if strings.IndexByte(token[d2+1:], '.') >= 0 {
		return nil, errJWTForm
	}
	// One buffer holds the three decoded segments and a copy of the
	// signing input, which is hashed as bytes.
	buf := make([]byte, 0, len(token)*3/4+3+d2)
	buf, hb, ok := decodeSegment(buf, token[:d1])
	if !ok {
		return nil, errJWTDecode
	}
	buf, pb, ok := decodeSegment(buf, token[d1+1:d2])
	if !ok {
		return nil, errJWTDecode
	}
	buf, sig, ok := decodeSegment(buf, token[d2+1:])
	if !ok {
		return nil, errJWTDecode
	}
	// Clerk decodes the segments with TextDecoder, which drops a leading
	// byte-order mark.
	hb, pb = trimBOM(hb), trimBOM(pb)
	start := len(buf)
	buf = append(buf, token[:d2]...)
	d := &decodedJWT{raw: token, signed: buf[start:len(buf):len(buf)], signature: sig, payload: pb}
	if err := decodeHeader(hb, &d.header); err != nil {
		return nil, errJWTDecode
	}
	c, err := decodeSessionClaims(pb)
	switch {
	case err == nil:
		d.claims = c
	case errors.Is(err, errClaimsNotObject) && json.Valid(pb):
		// A payload that is valid JSON but not an object decodes in
		// JavaScript; its claims are all missing (null fails later).
		if !bytes.Equal(bytes.TrimSpace(pb), []byte("null")) {
			d.claims = &SessionClaims{raw: pb, Version: 1}
		}
	default:
		return nil, errJWTDecode
	}
	return d, nil
}

// trimBOM drops a leading UTF-8 byte-order mark.
func trimBOM(b []byte) []byte {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return b[3:]
	}
	return b
}

// supportedAlg reports whether alg is one of the only algorithms accepted
// (spec §2.2 4b): RSASSA-PKCS1-v1_5 with SHA-256, -384 or -512. none, HS*,
// PS* and ES* are refused before any key is used.
func supportedAlg(alg string) bool { return alg == "RS256" || alg == "RS384" || alg == "RS512" }

// errSignature is the answer of verifySignature for any bad signature; the
// callers turn it into Clerk's reason and message.
var errSignature = errors.New("clerk: invalid signature")

// verifySignature checks d's signature with key, for the alg of d's header
// (checkHeader has already refused every alg supportedAlg does not name).
// It hashes the signing input without copying it and calls crypto/rsa
// directly: the RSA verification is the whole cost of a cold token.
func (d *decodedJWT) verifySignature(key *rsa.PublicKey) error {
	if key == nil {
		return errSignature
	}
	var err error
	switch d.header.Alg.v {
	case "RS256":
		h := sha256.Sum256(d.signed)
		err = rsa.VerifyPKCS1v15(key, crypto.SHA256, h[:], d.signature)
	case "RS384":
		h := sha512.Sum384(d.signed)
		err = rsa.VerifyPKCS1v15(key, crypto.SHA384, h[:], d.signature)
	case "RS512":
		h := sha512.Sum512(d.signed)
		err = rsa.VerifyPKCS1v15(key, crypto.SHA512, h[:], d.signature)
	default:
		err = errSignature
	}
	if err != nil {
		return errSignature
	}
	return nil
}

func decodeHeader(b []byte, h *jwtHeader) error {
	if !json.Valid(b) {
		return errJWTDecode
	}
	h.raw = b
	t := bytes.TrimSpace(b)
	switch {
	case t[0] == '{':
		// Member names are matched exactly and the last repeat wins, as
		// with JSON.parse: {"alg":"RS256","ALG":"none"} has alg RS256.
		scanObject(string(t), func(key, v string) {
			switch key {
			case "alg":
				h.Alg.set(v)
			case "kid":
				h.Kid.set(v)
			case "typ":
				h.Typ.set(v)
			case "cat":
				h.Cat.set(v)
			case "crit":
				h.Crit = json.RawMessage(v)
			}
		})
	case bytes.Equal(t, []byte("null")):
		h.null = true
	}
	// Any other JSON value (a scalar or an array) has every field missing.
	return nil
}

// decodeSegment decodes base64url loosely, like Clerk's rfc4648 parser:
// trailing "=" padding is dropped, only the URL alphabet is accepted, and
// non-zero trailing bits are an error. The result is appended to buf.
func decodeSegment(buf []byte, s string) ([]byte, []byte, bool) {
	for len(s) > 0 && s[len(s)-1] == '=' {
		s = s[:len(s)-1]
	}
	for i := 0; i < len(s); i++ {
		if !base64URLAlphabet[s[i]] {
			return buf, nil, false
		}
	}
	start := len(buf)
	n := base64.RawURLEncoding.DecodedLen(len(s))
	buf = append(buf, make([]byte, n)...)[:start+n]
	m, err := base64.RawURLEncoding.Strict().Decode(buf[start:], []byte(s))
	if err != nil {
		return buf, nil, false
	}
	buf = buf[:start+m]
	return buf, buf[start : start+m : start+m], true
}

// base64URLAlphabet marks the bytes of the base64url alphabet.
var base64URLAlphabet = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
		t[c] = true
	}
	return t
}()

// isNonSessionCategory reports whether the cat header names a category other
// than session (spec §2.8); absent and "ignore" categories are accepted.
func (h *jwtHeader) isNonSessionCategory() bool {
	if !h.Cat.present {
		return false
	}
	return !h.Cat.isString || (h.Cat.v != categorySession && h.Cat.v != categoryIgnore)
}
