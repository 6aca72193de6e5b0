package clerk

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
)

// JWT categories of the protected "cat" header (spec §2.8).
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
}

// decodedJWT is a token split and decoded once.
type decodedJWT struct {
	raw       string // the whole token
	signed    string // header.payload, the signing input
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
	hb, ok := decodeSegment(token[:d1])
	if !ok {
		return nil, errJWTDecode
	}
	pb, ok := decodeSegment(token[d1+1 : d2])
	if !ok {
		return nil, errJWTDecode
	}
	sig, ok := decodeSegment(token[d2+1:])
	if !ok {
		return nil, errJWTDecode
	}
	d := &decodedJWT{raw: token, signed: token[:d2], signature: sig, payload: pb}
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

func decodeHeader(b []byte, h *jwtHeader) error {
	t := bytes.TrimSpace(b)
	switch {
	case len(t) > 0 && t[0] == '{':
		err := json.Unmarshal(b, h)
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil
		}
		return err
	case bytes.Equal(t, []byte("null")):
		h.null = true
		return nil
	case json.Valid(t):
		return nil // a JSON scalar or array: every field is missing
	}
	return errJWTDecode
}

// decodeSegment decodes base64url loosely, like Clerk's rfc4648 parser:
// trailing "=" padding is dropped, only the URL alphabet is accepted, and
// non-zero trailing bits are an error.
func decodeSegment(s string) ([]byte, bool) {
	s = strings.TrimRight(s, "=")
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return nil, false
		}
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return b, err == nil
}

// isNonSessionCategory reports whether the cat header names a category other
// than session (spec §2.8); absent and "ignore" categories are accepted.
func (h *jwtHeader) isNonSessionCategory() bool {
	if !h.Cat.present {
		return false
	}
	return !h.Cat.isString || (h.Cat.v != categorySession && h.Cat.v != categoryIgnore)
}
