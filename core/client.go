package clerk

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Version is clerkguard's version, sent in the User-Agent of Backend API calls.
const Version = "0.1.0"

const userAgent = "clerkguard/" + Version

// Client verifies Clerk session tokens and authenticates requests. Create it
// once with [New] or [NewFromEnv] and share it: it is safe for concurrent use
// and holds the key cache.
type Client struct {
	opts              Options // normalised copy
	pk                PublishableKey
	hasPK             bool
	audience          []string
	authorizedParties []string
	skew              time.Duration
	now               func() time.Time
	keys              keySource
	httpClient        *http.Client
	log               *slog.Logger
	treatPending      bool
	apiURL            *url.URL
	cookieNames       cookieNames
	azpWarnOnce       sync.Once
	orgSync           *OrganizationSyncMatcher
	signInURL         *url.URL // parsed once for satellites (nil otherwise)
	// csp is the ContentSecurityPolicy option's headers when they are the
	// same for every request (not strict, or strict with a fixed nonce).
	csp               *CSP
	authorizedOrigins []string // the origins of AuthorizedParties
	tokens            *tokenCache
	machine           *machineCache // opaque machine-token verifications
	logLimit          logLimiter    // request-triggered log lines
	closed            atomic.Bool   // Close ran: no Backend API call starts
}

// Close stops the Client's background work (key fetches and machine-token
// verifications in flight) and waits for it. A closed Client still verifies
// with the keys and answers it has; it calls Clerk no more (a machine token
// it has not seen answers 503). Close is for tests and for tenants evicted
// from a per-request set; a long-lived Client needs no Close.
func (c *Client) Close() {
	if c == nil {
		return
	}
	c.closed.Store(true)
	if c.keys != nil {
		c.keys.close()
	}
	if c.machine != nil {
		c.machine.close()
	}
}

// errClientClosed is the cause of a machine-token failure after Close.
var errClientClosed = errors.New("clerk: the Client is closed")

// errNilClient is the error of a request authenticated by a nil *Client.
var errNilClient = errors.New("clerk: Authenticate called on a nil *Client (check the error clerk.New returned)")

// New validates opts once and returns a Client. Errors are *ConfigError and
// name the field at fault and how to fix it.
func New(opts Options) (*Client, error) {
	c := &Client{opts: opts, treatPending: true}
	if opts.TreatPendingAsSignedOut != nil {
		c.treatPending = *opts.TreatPendingAsSignedOut
	}
	c.now = opts.Clock
	if c.now == nil {
		c.now = time.Now
	}
	c.log = opts.Logger
	if c.log == nil {
		c.log = slog.Default()
	}
	c.httpClient = opts.HTTPClient
	if c.httpClient == nil {
		c.httpClient = &http.Client{Timeout: DefaultHTTPTimeout}
	}

	if opts.PublishableKey != "" {
		pk, err := ParsePublishableKey(opts.PublishableKey)
		if err != nil {
			// Clerk's message, then where a Go program takes its keys from
			// (Clerk's advice ends with a .env file, which Go does not read).
			ce := *err.(*ConfigError)
			ce.Message += "\n\n" + goKeyGuidance
			return nil, &ce
		}
		c.pk, c.hasPK = pk, true
		c.cookieNames = newCookieNames(opts.PublishableKey)
	}
	if opts.SecretKey != "" {
		if !isDevelopmentSecretKey(opts.SecretKey) && !isProductionSecretKey(opts.SecretKey) {
			return nil, &ConfigError{Field: "SecretKey",
				Message: "not a Clerk secret key (expected sk_test_... or sk_live_...). Copy it from https://dashboard.clerk.com, API keys."}
		}
		if c.hasPK && isDevelopmentSecretKey(opts.SecretKey) != (c.pk.InstanceType == Development) {
			return nil, &ConfigError{Field: "SecretKey",
				Message: "the secret key and the publishable key belong to different instance types (one development, one production); copy both from the same instance"}
		}
	}
	if opts.SecretKey == "" && opts.JWTKey == "" && opts.MachineSecretKey == "" && !opts.FrontendAPIJWKS {
		return nil, &ConfigError{Field: "SecretKey",
			Message: "Missing Clerk Secret Key. Go to https://dashboard.clerk.com and get your key for your instance (or set JWTKey, env CLERK_JWT_KEY, for networkless verification)."}
	}
	if err := c.validateURLs(); err != nil {
		return nil, err
	}

	switch {
	case opts.ClockSkew == 0:
		c.skew = DefaultClockSkew
	case opts.ClockSkew == NoClockSkew:
		c.skew = 0
	case opts.ClockSkew < 0:
		return nil, &ConfigError{Field: "ClockSkew", Message: "must not be negative (use clerk.NoClockSkew to disable the leeway)"}
	default:
		c.skew = opts.ClockSkew
	}
	if opts.JWKSCacheTTL < 0 {
		return nil, &ConfigError{Field: "JWKSCacheTTL", Message: "must not be negative (0 means the default, 5 minutes)"}
	}
	if opts.JWKSRefreshInterval < 0 {
		return nil, &ConfigError{Field: "JWKSRefreshInterval", Message: "must not be negative (0 means the default, 10 seconds)"}
	}
	for _, a := range opts.AuthorizedParties {
		if a == "" {
			return nil, &ConfigError{Field: "AuthorizedParties", Message: `entries must be origins such as "https://example.com", not empty strings`}
		}
	}
	c.authorizedParties = append([]string(nil), opts.AuthorizedParties...)
	for _, p := range c.authorizedParties {
		if u, err := url.Parse(p); err == nil {
			c.authorizedOrigins = append(c.authorizedOrigins, urlOrigin(u))
		}
	}
	c.opts.HeaderType = slices.Clone(opts.HeaderType) // the caller's slice may change later
	if p := opts.ContentSecurityPolicy; p != nil {
		cp := *p
		cp.Directives = make(map[string][]string, len(p.Directives))
		for k, v := range p.Directives {
			cp.Directives[k] = slices.Clone(v)
		}
		c.opts.ContentSecurityPolicy = &cp
		if !cp.Strict || cp.Nonce != "" {
			csp := c.ContentSecurityPolicy(cp)
			c.csp = &csp
		}
	}
	for _, a := range opts.Audience {
		if a != "" {
			c.audience = append(c.audience, a)
		}
	}

	if opts.IsSatellite {
		if opts.Domain == "" && opts.ProxyURL == "" {
			return nil, &ConfigError{Field: "Domain", Message: "Missing domain and proxyUrl. A satellite application needs to specify a domain or a proxyUrl."}
		}
		// Clerk asks the secret key; without one (JWTKey instead), the
		// publishable key says whether the instance is a development one,
		// which is what the browser flow follows.
		if opts.SignInURL == "" && (isDevelopmentSecretKey(opts.SecretKey) || c.hasPK && c.pk.InstanceType == Development) {
			return nil, &ConfigError{Field: "SignInURL", Message: "Missing signInUrl. Pass a signInUrl for dev instances if an app is satellite."}
		}
		if opts.SignInURL != "" {
			u, err := url.Parse(opts.SignInURL)
			if err != nil || !u.IsAbs() {
				return nil, &ConfigError{Field: "SignInURL", Message: "The signInUrl needs to have a absolute url format."}
			}
			c.signInURL = u
		}
	}

	if opts.OrganizationSync != nil {
		m, err := opts.OrganizationSync.Compile()
		if err != nil {
			return nil, &ConfigError{Field: "OrganizationSync", Message: err.Error()}
		}
		c.orgSync = m
	}
	if opts.Debug && opts.Logger == nil {
		c.log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if err := c.setupKeys(); err != nil {
		return nil, err
	}
	c.tokens = newTokenCache(opts.TokenCacheEntries, opts.TokenCacheBytes)
	c.machine = newMachineCache(opts.MachineTokenCacheTTL)
	if opts.Debug {
		c.debugOptions()
	}
	return c, nil
}

func (c *Client) validateURLs() error {
	o := &c.opts
	if o.APIURL == "" {
		o.APIURL = DefaultAPIURL
	}
	u, err := url.Parse(o.APIURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return &ConfigError{Field: "APIURL", Message: "must be an absolute http(s) URL such as " + DefaultAPIURL}
	}
	c.apiURL = u
	if o.APIVersion == "" {
		o.APIVersion = DefaultAPIVersion
	}
	if strings.ContainsAny(o.APIVersion, "/?#") {
		return &ConfigError{Field: "APIVersion", Message: `must be a path segment such as "v1"`}
	}
	if o.ProxyURL != "" {
		pu, err := url.Parse(o.ProxyURL)
		if err != nil || !(strings.HasPrefix(o.ProxyURL, "/") || ((pu.Scheme == "https" || pu.Scheme == "http") && pu.Host != "")) {
			return &ConfigError{Field: "ProxyURL", Message: `must be an absolute http(s) URL or a path starting with "/", such as https://example.com/__clerk`}
		}
	}
	for name, v := range map[string]string{"SignInURL": o.SignInURL, "SignUpURL": o.SignUpURL, "AfterSignInURL": o.AfterSignInURL, "AfterSignUpURL": o.AfterSignUpURL} {
		if v == "" {
			continue
		}
		if strings.ContainsAny(v, "\r\n") {
			return &ConfigError{Field: name, Message: "must not contain a line break; use an absolute URL such as https://example.com/sign-in or a path such as /sign-in"}
		}
		if _, err := url.Parse(v); err != nil {
			return &ConfigError{Field: name, Message: "is not a valid URL (" + redactURLError(err) + "); use an absolute URL such as https://example.com/sign-in or a path such as /sign-in"}
		}
	}
	if strings.ContainsAny(o.Domain, "/\r\n ") {
		return &ConfigError{Field: "Domain", Message: `must be a host name such as "satellite.example.com", without scheme or path`}
	}
	return nil
}

// setupKeys chooses the key source (spec §2.2 step 3, design §4.6-4.7).
func (c *Client) setupKeys() error {
	o := c.opts
	ttl := o.JWKSCacheTTL
	if ttl == 0 {
		ttl = DefaultJWKSCacheTTL
	}
	gap := o.JWKSRefreshInterval
	if gap == 0 {
		gap = DefaultJWKSRefreshInterval
	}
	remote := func(u, secret string) *remoteKeys {
		base, cancel := context.WithCancel(context.Background())
		return &remoteKeys{url: u, secretKey: secret, httpClient: c.httpClient, ttl: ttl,
			refreshGap: gap, now: c.now, log: c.log, userAgent: userAgent, base: base, cancel: cancel}
	}
	switch {
	case o.JWTKey != "":
		k, err := parsePEMKey(o.JWTKey)
		if err != nil {
			return &ConfigError{Field: "JWTKey", Message: err.Error()}
		}
		// The PEM key is pinned to RS256, as Clerk's loadClerkJwkFromPem.
		c.keys = staticKey{&jwk{kid: "local", alg: "RS256", key: k}}
	case o.SecretKey != "":
		c.keys = remote(c.apiURL.JoinPath(o.APIVersion, "jwks").String(), o.SecretKey)
	case o.FrontendAPIJWKS:
		if !c.hasPK {
			return &ConfigError{Field: "FrontendAPIJWKS", Message: "needs PublishableKey, which names the Frontend API host"}
		}
		c.keys = remote("https://"+c.pk.FrontendAPI+"/.well-known/jwks.json", "")
	}
	return nil
}

type configMessage string

func (m configMessage) Error() string { return string(m) }

// parsePEMKey parses the JWTKey option once: any standard "PUBLIC KEY" (SPKI)
// or "RSA PUBLIC KEY" (PKCS#1) PEM, also with its line breaks written as
// literal \n (as environment variables often carry it) or with none at all.
func parsePEMKey(s string) (*rsa.PublicKey, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, `\n`, "\n"))
	var der []byte
	if block, _ := pem.Decode([]byte(s)); block != nil {
		der = block.Bytes
	} else {
		// One-line PEM or bare base64: strip the armour and whitespace.
		body := s
		for _, m := range []string{"-----BEGIN PUBLIC KEY-----", "-----END PUBLIC KEY-----", "-----BEGIN RSA PUBLIC KEY-----", "-----END RSA PUBLIC KEY-----"} {
			body = strings.ReplaceAll(body, m, "")
		}
		body = strings.Join(strings.Fields(body), "")
		b, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			return nil, configMessage("not a PEM public key; paste the \"PEM public key\" from the dashboard's API keys page")
		}
		der = b
	}
	if pub, err := x509.ParsePKIXPublicKey(der); err == nil {
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return nil, configMessage("the PEM key is not an RSA key; Clerk signs session tokens with RSA")
		}
		return k, nil
	}
	if k, err := x509.ParsePKCS1PublicKey(der); err == nil {
		return k, nil
	}
	return nil, configMessage("the PEM block is not a public key (expected \"PUBLIC KEY\")")
}

// NewFromEnv is New with options read from Clerk's environment variables; see
// [OptionsFromEnv].
func NewFromEnv() (*Client, error) {
	opts, err := OptionsFromEnv()
	if err != nil {
		return nil, err
	}
	c, err := New(opts)
	var ce *ConfigError
	if errors.As(err, &ce) && ce.Env == "" {
		ce.Env = envVarOf(ce.Field)
	}
	return c, err
}

// envVarOf names the environment variable OptionsFromEnv reads field from,
// "" for a field it does not read.
func envVarOf(field string) string {
	switch field {
	case "SecretKey":
		return "CLERK_SECRET_KEY"
	case "PublishableKey":
		return "CLERK_PUBLISHABLE_KEY"
	case "MachineSecretKey":
		return "CLERK_MACHINE_SECRET_KEY"
	case "JWTKey":
		return "CLERK_JWT_KEY"
	case "APIURL":
		return "CLERK_API_URL"
	case "APIVersion":
		return "CLERK_API_VERSION"
	case "SignInURL":
		return "CLERK_SIGN_IN_URL"
	case "SignUpURL":
		return "CLERK_SIGN_UP_URL"
	case "AfterSignInURL":
		return "CLERK_AFTER_SIGN_IN_URL"
	case "AfterSignUpURL":
		return "CLERK_AFTER_SIGN_UP_URL"
	case "Domain":
		return "CLERK_DOMAIN"
	case "ProxyURL":
		return "CLERK_PROXY_URL"
	case "IsSatellite":
		return "CLERK_IS_SATELLITE"
	}
	return ""
}

// OptionsFromEnv reads Clerk's environment variables into Options, so they
// can be adjusted before [New]:
//
//	CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY, CLERK_MACHINE_SECRET_KEY,
//	CLERK_JWT_KEY, CLERK_API_URL, CLERK_API_VERSION, CLERK_SIGN_IN_URL,
//	CLERK_SIGN_UP_URL, CLERK_AFTER_SIGN_IN_URL, CLERK_AFTER_SIGN_UP_URL,
//	CLERK_DOMAIN, CLERK_PROXY_URL, CLERK_IS_SATELLITE
//
// Each CLERK_X may also be spelled NEXT_PUBLIC_CLERK_X (Next.js projects),
// the CLERK_ form winning, except the two secrets: Next.js ships
// NEXT_PUBLIC_ variables to browsers, so a NEXT_PUBLIC_CLERK_SECRET_KEY or
// NEXT_PUBLIC_CLERK_MACHINE_SECRET_KEY is an error (rotate that key).
// CLERK_API_URL defaults to the Backend API of the publishable key's
// environment.
func OptionsFromEnv() (Options, error) { return optionsFromLookup(os.LookupEnv) }

func optionsFromLookup(lookup func(string) (string, bool)) (Options, error) {
	get := func(name string) string {
		if v, ok := lookup("CLERK_" + name); ok && v != "" {
			return v
		}
		v, _ := lookup("NEXT_PUBLIC_CLERK_" + name)
		return v
	}
	for _, name := range [...]string{"SECRET_KEY", "MACHINE_SECRET_KEY"} {
		if v, _ := lookup("NEXT_PUBLIC_CLERK_" + name); v != "" {
			return Options{}, &ConfigError{Field: "NEXT_PUBLIC_CLERK_" + name,
				Message: "a NEXT_PUBLIC_ variable is shipped to browsers by Next.js, so this secret may have leaked: rotate it in the Clerk Dashboard and set CLERK_" + name + " instead"}
		}
	}
	o := Options{
		SecretKey:        get("SECRET_KEY"),
		PublishableKey:   get("PUBLISHABLE_KEY"),
		MachineSecretKey: get("MACHINE_SECRET_KEY"),
		JWTKey:           get("JWT_KEY"),
		APIURL:           get("API_URL"),
		APIVersion:       get("API_VERSION"),
		SignInURL:        get("SIGN_IN_URL"),
		SignUpURL:        get("SIGN_UP_URL"),
		AfterSignInURL:   get("AFTER_SIGN_IN_URL"),
		AfterSignUpURL:   get("AFTER_SIGN_UP_URL"),
		Domain:           get("DOMAIN"),
		ProxyURL:         get("PROXY_URL"),
	}
	if v := get("IS_SATELLITE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return o, &ConfigError{Field: "CLERK_IS_SATELLITE", Message: `must be "true" or "false", got ` + strconv.Quote(v)}
		}
		o.IsSatellite = b
	}
	if o.APIURL == "" && o.PublishableKey != "" {
		if pk, err := ParsePublishableKey(o.PublishableKey); err == nil {
			o.APIURL = apiURLForFrontendAPI(pk.FrontendAPI)
		}
	}
	return o, nil
}

// apiURLForFrontendAPI is Clerk's default Backend API for a Frontend API host:
// local and staging instances have their own.
func apiURLForFrontendAPI(fapi string) string {
	for _, s := range []string{".lcl.dev", "lclstage.dev", ".lclclerk.com", ".accounts.lclclerk.com"} {
		if strings.HasSuffix(fapi, s) {
			return "https://api.lclclerk.com"
		}
	}
	if strings.HasSuffix(fapi, ".accountsstage.dev") {
		return "https://api.clerkstage.dev"
	}
	return DefaultAPIURL
}
