package clerk

import "strings"

// Reason is a machine-readable reason code. The values are Clerk's own strings,
// so they match what Clerk's JavaScript SDK reports in
// the x-clerk-auth-reason header and in its errors.
type Reason string

// Token verification reasons (Clerk's TokenVerificationErrorReason).
const (
	ReasonTokenExpired                  Reason = "token-expired"
	ReasonTokenInvalid                  Reason = "token-invalid"
	ReasonTokenInvalidAlgorithm         Reason = "token-invalid-algorithm"
	ReasonTokenInvalidAuthorizedParties Reason = "token-invalid-authorized-parties"
	ReasonTokenInvalidSignature         Reason = "token-invalid-signature"
	ReasonTokenNotActiveYet             Reason = "token-not-active-yet"
	ReasonTokenIatInTheFuture           Reason = "token-iat-in-the-future"
	ReasonTokenVerificationFailed       Reason = "token-verification-failed"
	ReasonSecretKeyInvalid              Reason = "secret-key-invalid"
	ReasonLocalJWKMissing               Reason = "jwk-local-missing"
	ReasonRemoteJWKFailedToLoad         Reason = "jwk-remote-failed-to-load"
	ReasonRemoteJWKInvalid              Reason = "jwk-remote-invalid"
	ReasonRemoteJWKMissing              Reason = "jwk-remote-missing"
	ReasonJWKFailedToResolve            Reason = "jwk-failed-to-resolve"
	ReasonJWKKidMismatch                Reason = "jwk-kid-mismatch"
)

// Error returns the reason string, so a Reason can be used as an errors.Is
// target: errors.Is(err, clerk.ReasonTokenExpired) reports whether err is a
// *TokenError (or *MachineTokenError) with that reason.
func (r Reason) Error() string { return string(r) }

// Actions suggested with a TokenError (Clerk's TokenVerificationErrorAction).
const (
	ActionContactSupport    = "Contact support@clerk.com"
	ActionEnsureClerkJWT    = "Make sure that this is a valid Clerk-generated JWT."
	ActionSetClerkJWTKey    = "Set the CLERK_JWT_KEY environment variable."
	ActionSetClerkSecretKey = "Set the CLERK_SECRET_KEY environment variable."
	ActionEnsureClockSync   = "Make sure your system clock is in sync (e.g. turn off and on automatic time synchronization)."
)

// TokenCarrier says where a session token was found.
type TokenCarrier string

// Token carriers.
const (
	CarrierHeader TokenCarrier = "header"
	CarrierCookie TokenCarrier = "cookie"
)

// TokenError is returned when a token cannot be verified. Reason is one of the
// Reason constants; Message and Action are Clerk's human-readable texts.
//
// Use errors.Is with a Reason to test for a specific failure:
//
//	if errors.Is(err, clerk.ReasonTokenExpired) { ... }
type TokenError struct {
	Reason  Reason
	Message string
	Action  string
	// Carrier is where the token came from; empty when it is not known.
	Carrier TokenCarrier
}

// Error returns the full message, see [TokenError.FullMessage].
func (e *TokenError) Error() string { return e.FullMessage() }

// FullMessage formats the error as Clerk does:
//
//	<message> <action> (reason=<reason>, token-carrier=<carrier>)
//
// An unknown carrier prints as "undefined", like Clerk's SDK.
func (e *TokenError) FullMessage() string {
	var b strings.Builder
	b.WriteString(e.Message)
	if e.Action != "" {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(e.Action)
	}
	carrier := string(e.Carrier)
	if carrier == "" {
		carrier = "undefined"
	}
	b.WriteString(" (reason=")
	b.WriteString(string(e.Reason))
	b.WriteString(", token-carrier=")
	b.WriteString(carrier)
	b.WriteByte(')')
	return b.String()
}

// Is reports whether target is the error's Reason.
func (e *TokenError) Is(target error) bool {
	r, ok := target.(Reason)
	return ok && r == e.Reason
}

func tokenErr(reason Reason, action, message string) *TokenError {
	return &TokenError{Reason: reason, Action: action, Message: message}
}

// ConfigError is returned by [New] and [NewFromEnv] when an option is invalid.
type ConfigError struct {
	// Field names the Options field at fault (or, for an environment
	// variable OptionsFromEnv cannot read, that variable).
	Field string
	// Message says what is wrong and how to fix it.
	Message string
	// Env is the environment variable the field was read from, set by
	// [NewFromEnv] ("" otherwise).
	Env string
}

// Error returns "clerk: <Field>: <Message>", or "clerk: <Field> (env
// <Env>): <Message>" when Env is set.
func (e *ConfigError) Error() string {
	if e.Env != "" {
		return "clerk: " + e.Field + " (env " + e.Env + "): " + e.Message
	}
	return "clerk: " + e.Field + ": " + e.Message
}
