package clerk

import (
	"log/slog"
	"net/http"
	"time"
)

// Options configures a [Client]. The fields mirror the options of Clerk's
// JavaScript SDK (clerkMiddleware / authenticateRequest) one to one; the doc of
// each field names Clerk's option and the environment variable [NewFromEnv]
// reads it from. Options are validated once, by [New].
type Options struct {
	// SecretKey is the instance's secret key (sk_test_... or sk_live_...),
	// used for the Backend API: JWKS, handshake payloads, session refresh and
	// machine-token verification. Clerk: secretKey; env CLERK_SECRET_KEY.
	SecretKey string

	// PublishableKey is the instance's publishable key (pk_test_... or
	// pk_live_...). It names the Frontend API host and the instance type, and
	// is required for the browser (cookie) flow. Clerk: publishableKey; env
	// CLERK_PUBLISHABLE_KEY (or NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY).
	PublishableKey string

	// MachineSecretKey is used instead of SecretKey to verify M2M tokens when
	// set. Clerk: machineSecretKey; env CLERK_MACHINE_SECRET_KEY.
	MachineSecretKey string

	// JWTKey is the instance's PEM-encoded public key ("JWKS public key" in the
	// dashboard). When set, session tokens are verified without any network
	// call. Any standard SPKI ("PUBLIC KEY") or PKCS#1 ("RSA PUBLIC KEY") PEM is
	// accepted, with or without line breaks. Clerk: jwtKey; env CLERK_JWT_KEY.
	JWTKey string

	// APIURL is the Backend API base URL. Default https://api.clerk.com.
	// Clerk: apiUrl; env CLERK_API_URL.
	APIURL string

	// APIVersion is the Backend API path version. Default "v1".
	// Clerk: apiVersion; env CLERK_API_VERSION.
	APIVersion string

	// HeaderType, when non-empty, lists the typ header values a session
	// token may carry (a token without typ is then refused). Empty: typ
	// must be absent or "JWT". Machine JWTs and handshake tokens keep the
	// default. Clerk: headerType.
	HeaderType []string

	// Audience, when non-empty, is checked against the token's aud claim
	// (a token without aud still passes, as in Clerk). Clerk: audience.
	Audience []string

	// AuthorizedParties, when non-empty, lists the origins allowed in the
	// token's azp claim (for example "https://example.com"). Set it in
	// production: it stops tokens minted for another origin of the same
	// instance. Clerk: authorizedParties.
	AuthorizedParties []string

	// ClockSkew is the leeway applied to exp, nbf and iat. Zero means Clerk's
	// default of 5 seconds; use [NoClockSkew] for none. Clerk: clockSkewInMs.
	ClockSkew time.Duration

	// Domain is the satellite application's domain (for example
	// "satellite.dev"). Clerk: domain; env CLERK_DOMAIN.
	Domain string

	// IsSatellite marks this application as a satellite of a primary domain.
	// Clerk: isSatellite; env CLERK_IS_SATELLITE.
	IsSatellite bool

	// SatelliteAutoSync makes satellites sync with the primary on the first
	// visit even without Clerk cookies. Clerk: satelliteAutoSync (default false).
	SatelliteAutoSync bool

	// ProxyURL is the URL of a Frontend API proxy ("https://example.com/__clerk"
	// or a path such as "/__clerk", resolved against the request's origin).
	// Clerk: proxyUrl; env CLERK_PROXY_URL.
	ProxyURL string

	// SignInURL and SignUpURL are the application's sign-in and sign-up pages.
	// When empty, the Account Portal derived from the publishable key is used.
	// Clerk: signInUrl / signUpUrl; env CLERK_SIGN_IN_URL / CLERK_SIGN_UP_URL.
	SignInURL string
	SignUpURL string

	// AfterSignInURL and AfterSignUpURL are validated and otherwise unused:
	// Clerk copies them onto its request state, where nothing on the server
	// reads them (its frontend components take them from their own props).
	// They are accepted so that configurations carry over. Clerk:
	// afterSignInUrl / afterSignUpUrl.
	AfterSignInURL string
	AfterSignUpURL string

	// OrganizationSync activates the organization (or personal account) a
	// URL names, for browser requests, by sending the browser through
	// Clerk's handshake with organization_id. Patterns are path-to-regexp
	// strings such as "/orgs/:slug" or "/orgs/:id/(.*)", compiled once by
	// New. Clerk: organizationSyncOptions.
	OrganizationSync *OrganizationSync

	// ContentSecurityPolicy, when set, adds Clerk's Content-Security-Policy
	// headers to every request's state headers, which the adapters put on
	// the response: the policy that lets Clerk's frontend run,
	// with a fresh nonce per request in strict mode (the handler reads it
	// from the response's X-Nonce header). Clerk: contentSecurityPolicy.
	ContentSecurityPolicy *CSPOptions

	// TreatPendingAsSignedOut controls how a session whose status claim is
	// "pending" appears: nil or true (Clerk's default) gives a signed-out Auth
	// with SessionStatus "pending"; false exposes the pending session.
	// Clerk: treatPendingAsSignedOut.
	TreatPendingAsSignedOut *bool

	// FrontendAPIJWKS, when true and no SecretKey or JWTKey is set, loads keys
	// from https://<frontend api>/.well-known/jwks.json (no secret needed).
	// This is a clerkguard extension; Clerk's SDK does not do it.
	FrontendAPIJWKS bool

	// JWKSCacheTTL is how long fetched keys are trusted before they are
	// fetched again. Zero means 5 minutes, as in Clerk.
	JWKSCacheTTL time.Duration

	// JWKSRefreshInterval is the shortest interval between two key fetches
	// caused by a token whose kid is unknown: random kids cost at
	// most one fetch per interval for the whole Client. Zero means 10 seconds.
	JWKSRefreshInterval time.Duration

	// TokenCacheEntries bounds the verified-token cache: a session token that
	// passed verification is not RSA-verified again while it is valid (its
	// exp, nbf and iat are still checked on every request, and the cache is
	// dropped when the key set changes). Zero means 10,000 entries; a
	// negative value disables the cache. TokenCacheBytes bounds its memory
	// (zero means 32 MiB).
	TokenCacheEntries int
	TokenCacheBytes   int64

	// MachineTokenCacheTTL is how long a successful verification of an
	// opaque machine token (an "ak_" API key, an "mt_" M2M token, an "oat_"
	// OAuth token) is reused before the Backend API is asked again; never
	// past the token's own expiration. Zero means 10 seconds; a negative
	// value disables the cache, so that every request is verified by the
	// Backend API (concurrent requests with the same token still share one
	// call). The trade-off: a token revoked in the dashboard keeps
	// working for up to this long. Failed verifications are remembered for
	// at most 2 seconds (capped at the TTL), so a flood of one bad token
	// does not become a flood of Backend API calls. This is a clerkguard
	// extension; Clerk's SDK calls the Backend API on every request.
	MachineTokenCacheTTL time.Duration

	// HTTPClient makes every outbound call (Backend API, JWKS). Nil means a
	// client with a 10 second timeout. Calls are also bounded by the request's
	// context.
	HTTPClient *http.Client

	// Logger receives warnings (for example Clerk's missing-azp warning) and,
	// when Debug is set, debug entries. Nil means slog.Default(). Secrets,
	// tokens and cookies are never logged. A warning or error that a
	// request's own input can cause (a forged handshake token, a foreign
	// __clerk_redirect_url, a redirect loop) is written at most once a
	// second per message, with the count of the repeats suppressed in
	// between. Clerk: debug.
	Logger *slog.Logger
	Debug  bool

	// Clock is the only source of time for token checks and caches. Nil means
	// time.Now. Tests freeze it.
	Clock func() time.Time
}

// NoClockSkew disables the clock-skew leeway when assigned to Options.ClockSkew.
const NoClockSkew time.Duration = -1

// Defaults applied by New.
const (
	DefaultAPIURL              = "https://api.clerk.com"
	DefaultAPIVersion          = "v1"
	DefaultClockSkew           = 5 * time.Second
	DefaultJWKSCacheTTL        = 5 * time.Minute
	DefaultJWKSRefreshInterval = 10 * time.Second
	DefaultHTTPTimeout         = 10 * time.Second
)

// MaxTokenSize is the largest token, in bytes, that is decoded at all. Clerk
// session tokens are about 1 KiB; anything past this is rejected as
// token-invalid before any decoding work.
const MaxTokenSize = 16 << 10
