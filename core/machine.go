package clerk

import (
	"strconv"
	"strings"
)

// Machine token prefixes.
const (
	prefixM2M    = "mt_"
	prefixOAuth  = "oat_"
	prefixAPIKey = "ak_"
)

// MachineErrorCode is a machine-token verification error code (Clerk's
// MachineTokenVerificationErrorCode).
type MachineErrorCode string

// Machine-token error codes.
const (
	MachineErrTokenInvalid       MachineErrorCode = "token-invalid"
	MachineErrSecretKeyInvalid   MachineErrorCode = "secret-key-invalid"
	MachineErrUnexpected         MachineErrorCode = "unexpected-error"
	MachineErrVerificationFailed MachineErrorCode = "token-verification-failed"
)

// MachineTokenError is a failed API key, M2M or OAuth token verification,
// Clerk's MachineTokenVerificationError. [RequestState].Err holds it when a
// machine token did not authenticate, and the state's Reason is its Code.
//
// Test for a code with errors.Is and a [Reason]:
//
//	if errors.Is(state.Err, clerk.Reason(clerk.MachineErrTokenInvalid)) { ... }
type MachineTokenError struct {
	Code    MachineErrorCode
	Message string
	// Status is the Backend API's HTTP status, 0 when there was none (a
	// JWT-format token verified locally, or no answer at all).
	Status int
	// TokenType is the kind of token that failed.
	TokenType TokenType
	// Err is the cause, when there is one: the *APIError of a Backend API
	// call, the *TokenError of a JWT-format token, or a transport error.
	// It never holds the token.
	Err error
}

// Error formats like Clerk: "<message> (code=<code>, status=<status|n/a>)".
func (e *MachineTokenError) Error() string {
	status := "n/a"
	if e.Status != 0 {
		status = strconv.Itoa(e.Status)
	}
	return e.Message + " (code=" + string(e.Code) + ", status=" + status + ")"
}

// Is reports whether target is the error's code as a Reason.
func (e *MachineTokenError) Is(target error) bool {
	r, ok := target.(Reason)
	return ok && string(r) == string(e.Code)
}

// Unwrap returns the cause, see Err.
func (e *MachineTokenError) Unwrap() error { return e.Err }

// TokenTypeOf tells what kind of token a string is, without verifying it:
// an M2M token ("mt_" prefix or a JWT whose sub starts with
// "mch_"), an OAuth access token ("oat_" prefix or a JWT of typ at+jwt), an
// API key ("ak_" prefix), else a session token.
func TokenTypeOf(token string) TokenType {
	jwtType, _ := machineJWTType(token)
	switch {
	case strings.HasPrefix(token, prefixM2M) || jwtType == M2MToken:
		return M2MToken
	case strings.HasPrefix(token, prefixOAuth) || jwtType == OAuthToken:
		return OAuthToken
	case strings.HasPrefix(token, prefixAPIKey):
		return APIKey
	}
	return SessionToken
}

// machineJWTType reports whether a JWT-shaped token is an M2M or OAuth JWT.
func machineJWTType(token string) (TokenType, bool) {
	if !jwtShaped(token) {
		return "", false
	}
	d, err := decodeJWT(token)
	if err != nil {
		return "", false
	}
	tt := machineTypeOfDecoded(d)
	return tt, tt != ""
}

// machineTypeOfDecoded is the machine type of a decoded JWT: M2M when sub
// starts with "mch_", OAuth when typ is at+jwt, else "".
func machineTypeOfDecoded(d *decodedJWT) TokenType {
	if d.claims != nil && d.claims.sub.isString && strings.HasPrefix(d.claims.sub.v, "mch_") {
		return M2MToken
	}
	if d.header.Typ.isString && (d.header.Typ.v == "at+jwt" || d.header.Typ.v == "application/at+jwt") {
		return OAuthToken
	}
	return ""
}

// jwtShaped matches ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$.
func jwtShaped(s string) bool {
	parts, n := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if n == 0 {
				return false
			}
			parts++
			n = 0
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_':
			n++
		default:
			return false
		}
	}
	return parts == 2 && n > 0
}
