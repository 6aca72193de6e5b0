package clerk

import (
	"errors"
	"net/http"
	"strings"
)

// AuthStatus is the outcome of [Client.Authenticate].
type AuthStatus string

// Request states (Clerk's AuthStatus).
const (
	StatusSignedIn  AuthStatus = "signed-in"
	StatusSignedOut AuthStatus = "signed-out"
	// StatusHandshake means the browser must be redirected (Headers carry
	// the Location) so Clerk's Frontend API can refresh its cookies.
	StatusHandshake AuthStatus = "handshake"
)

// Request-state reasons (Clerk's AuthErrorReason). A state's
// reason may also be a token reason (ReasonTokenExpired, ...) or a machine
// token error code.
const (
	ReasonClientUATWithoutSessionToken   Reason = "client-uat-but-no-session-token"
	ReasonDevBrowserMissing              Reason = "dev-browser-missing"
	ReasonDevBrowserSync                 Reason = "dev-browser-sync"
	ReasonPrimaryRespondsToSyncing       Reason = "primary-responds-to-syncing"
	ReasonPrimaryDomainCrossOriginSync   Reason = "primary-domain-cross-origin-sync"
	ReasonSatelliteNeedsSyncing          Reason = "satellite-needs-syncing"
	ReasonSessionTokenAndUATMissing      Reason = "session-token-and-uat-missing"
	ReasonSessionTokenMissing            Reason = "session-token-missing"
	ReasonSessionTokenExpired            Reason = "session-token-expired"
	ReasonSessionTokenIATBeforeClientUAT Reason = "session-token-iat-before-client-uat"
	ReasonSessionTokenNBF                Reason = "session-token-nbf"
	ReasonSessionTokenIATInTheFuture     Reason = "session-token-iat-in-the-future"
	ReasonSessionTokenWithoutClientUAT   Reason = "session-token-but-no-client-uat"
	ReasonActiveOrganizationMismatch     Reason = "active-organization-mismatch"
	ReasonTokenTypeMismatch              Reason = "token-type-mismatch"
	ReasonUnexpectedError                Reason = "unexpected-error"
	ReasonNoTokenInHeader                Reason = "No token in header"
)

// Response header names the core sets.
const (
	HeaderAuthStatus  = "X-Clerk-Auth-Status"
	HeaderAuthReason  = "X-Clerk-Auth-Reason"
	HeaderAuthMessage = "X-Clerk-Auth-Message"
	HeaderRedirectTo  = "X-Clerk-Redirect-To"
)

// RequestState is the result of authenticating one request: Clerk's
// RequestState. Adapters copy Headers onto the response and, when
// [RequestState.Location] is set, answer 307 with them instead of running
// the handler.
type RequestState struct {
	Status  AuthStatus
	Reason  Reason
	Message string
	// Token is the verified token (signed-in states only).
	Token string
	// TokenType is the kind of token the state is about; empty for the
	// invalid-token state (a token type that was not accepted).
	TokenType TokenType
	// Auth is never nil: signed-in, signed-out, machine or invalid-token.
	Auth *Auth
	// Headers go on the response: Location, Set-Cookie, Cache-Control and,
	// on states other than signed-in, the x-clerk-auth-* debug headers. It
	// is nil when there are none (a plain signed-in request); read it, or
	// range over it, but do not add to a nil map.
	Headers http.Header
	// Err is the error behind a signed-out state, if any: a *TokenError,
	// a *MachineTokenError, a *APIError or a transport error.
	Err error
}

// IsAuthenticated reports whether the request carries a verified token.
func (s *RequestState) IsAuthenticated() bool { return s != nil && s.Status == StatusSignedIn }

// Location is the redirect the response must carry ("" when none): a
// handshake or a development sync redirect.
func (s *RequestState) Location() string {
	if s == nil || s.Headers == nil {
		return ""
	}
	return s.Headers.Get("Location")
}

// Unavailable reports whether the request could not be authenticated
// because Clerk could not be reached (keys could not be loaded, the Backend
// API is down). Protect answers such requests 503 with Retry-After instead of
// treating them as signed out.
func (s *RequestState) Unavailable() bool {
	if s == nil || s.Err == nil {
		return false
	}
	return isUnavailable(s.Err)
}

func isUnavailable(err error) bool {
	// Every error of a joined chain counts: a token error may travel with
	// the Backend API failure that caused it.
	var te *TokenError
	if errors.As(err, &te) && te.Reason == ReasonRemoteJWKFailedToLoad {
		return true
	}
	var ae *APIError
	if errors.As(err, &ae) && (ae.Status < 300 || ae.Status >= 500 || ae.Status == http.StatusTooManyRequests) {
		return true
	}
	var me *MachineTokenError
	return errors.As(err, &me) && me.Code == MachineErrUnexpected &&
		(me.Status == 0 || me.Status >= 500 || me.Status == http.StatusTooManyRequests)
}

func (c *Client) signedIn(ac *authContext, tt TokenType, token string, auth *Auth, h http.Header) *RequestState {
	var s *RequestState
	if ac != nil {
		s = &ac.stBuf
	} else {
		s = new(RequestState)
	}
	*s = RequestState{Status: StatusSignedIn, TokenType: tt, Token: token, Auth: auth, Headers: h}
	return s
}

func (c *Client) signedOut(tt TokenType, reason Reason, message string, h http.Header) *RequestState {
	s := &RequestState{Status: StatusSignedOut, Reason: reason, Message: message, TokenType: tt, Headers: h}
	switch tt {
	case SessionToken:
		s.Auth = signedOutAuth()
	case "":
		s.Auth = invalidTokenAuth()
	default:
		s.Auth = unauthenticatedMachineAuth(tt)
	}
	return s.withDebugHeaders()
}

func (c *Client) handshakeState(reason Reason, message string, h http.Header) *RequestState {
	s := &RequestState{Status: StatusHandshake, Reason: reason, Message: message, TokenType: SessionToken,
		Auth: signedOutAuth(), Headers: h}
	return s.withDebugHeaders()
}

// withDebugHeaders adds x-clerk-auth-status/reason/message (spec §1.10);
// values that are not Latin-1 are skipped, as fetch's Headers would throw.
func (s *RequestState) withDebugHeaders() *RequestState {
	if s.Headers == nil {
		s.Headers = http.Header{}
	}
	if s.Message != "" && headerSafe(s.Message) {
		s.Headers.Set(HeaderAuthMessage, s.Message)
	}
	if s.Reason != "" && headerSafe(string(s.Reason)) {
		s.Headers.Set(HeaderAuthReason, string(s.Reason))
	}
	s.Headers.Set(HeaderAuthStatus, string(s.Status))
	return s
}

// headerSafe reports whether v can be sent as a header value: Latin-1, and
// no control characters (so no header injection).
func headerSafe(v string) bool {
	for _, r := range v {
		if r > 0xFF || r < 0x20 && r != '\t' || r == 0x7F {
			return false
		}
	}
	return true
}

// joinReason builds "session-token-expired-refresh-<detail>".
func joinReason(parts ...string) Reason { return Reason(strings.Join(parts, "-")) }
