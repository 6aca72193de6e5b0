package clerk

import (
	"crypto/sha1"
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

// InstanceType is the kind of Clerk instance a publishable key belongs to.
type InstanceType string

// Instance types, as Clerk names them.
const (
	// Development instances have pk_test_ / sk_test_ keys.
	Development InstanceType = "development"
	// Production instances have pk_live_ / sk_live_ keys.
	Production InstanceType = "production"
)

// Publishable key prefixes.
const (
	publishableKeyLivePrefix = "pk_live_"
	publishableKeyTestPrefix = "pk_test_"
)

// PublishableKey is a parsed publishable key.
type PublishableKey struct {
	// Key is the key as given to ParsePublishableKey.
	Key string
	// InstanceType is Production for pk_live_ keys and Development for
	// pk_test_ keys.
	InstanceType InstanceType
	// FrontendAPI is the Frontend API host encoded in the key, for example
	// "clerk.example.com" or "happy-hippo-1.clerk.accounts.dev", without a
	// scheme.
	FrontendAPI string
}

// keySetupGuidance is the advice Clerk appends to every publishable-key
// error (@clerk/shared 4.41.0, errors/keySetupGuidance).
const keySetupGuidance = `To create a new Clerk app, run:
npx clerk@latest init

'npx clerk@latest init' does not need a Clerk account and writes temporary dev keys.

To use an existing Clerk app, run:
npx clerk@latest link
npx clerk@latest env pull

For production keys, run:
npx clerk@latest env pull --instance prod

Or copy keys from https://dashboard.clerk.com/~/api-keys into your .env file.`

// goKeyGuidance follows Clerk's advice in New's publishable-key errors: a
// Go program reads no .env file.
const goKeyGuidance = "clerkguard reads no .env file: export CLERK_PUBLISHABLE_KEY and CLERK_SECRET_KEY in the environment of the Go process (clerk.NewFromEnv), or set clerk.Options."

// Clerk's publishable-key error messages.
const (
	msgPublishableKeyMissing = "Publishable key is missing.\n\n" + keySetupGuidance
	msgPublishableKeyInvalid = "Publishable key not valid (expected format: pk_test_... or pk_live_...).\n\n" + keySetupGuidance
)

// ParsePublishableKey parses a Clerk publishable key and returns its instance
// type and Frontend API host.
//
// It accepts exactly the keys Clerk's SDK accepts: the key starts
// with "pk_live_" or "pk_test_", splits on "_" into exactly three parts, and
// the third part decodes as base64 (with JavaScript atob's rules: padding is
// optional, ASCII whitespace is ignored) to a host that ends with a single
// "$", contains no other "$" and contains a ".".
//
// On failure the error is a *[ConfigError] for the field "PublishableKey"
// whose Message is Clerk's own text: "Publishable key is missing. …" for an
// empty key and "Publishable key not valid (expected format: pk_test_... or
// pk_live_...). …" for any other invalid key. (Clerk's source also has the
// messages "Failed to decode key" and "Decoded key has invalid format", but
// its validity check runs first, so they are never reported.)
func ParsePublishableKey(key string) (PublishableKey, error) {
	if key == "" {
		return PublishableKey{}, &ConfigError{Field: "PublishableKey", Message: msgPublishableKeyMissing}
	}
	host, ok := decodePublishableKey(key)
	if !ok {
		return PublishableKey{}, &ConfigError{Field: "PublishableKey", Message: msgPublishableKeyInvalid}
	}
	it := Development
	if strings.HasPrefix(key, publishableKeyLivePrefix) {
		it = Production
	}
	return PublishableKey{Key: key, InstanceType: it, FrontendAPI: host}, nil
}

// decodePublishableKey checks the shape of a publishable key and returns the
// Frontend API host it encodes.
func decodePublishableKey(key string) (string, bool) {
	if !strings.HasPrefix(key, publishableKeyLivePrefix) && !strings.HasPrefix(key, publishableKeyTestPrefix) {
		return "", false
	}
	parts := strings.Split(key, "_")
	if len(parts) != 3 || parts[2] == "" {
		return "", false
	}
	decoded, ok := atob(parts[2])
	if !ok {
		return "", false
	}
	// The decoded value is "<host>$": one trailing '$', no other, and a dot.
	host, found := strings.CutSuffix(decoded, "$")
	if !found || strings.Contains(host, "$") || !strings.Contains(host, ".") {
		return "", false
	}
	return host, true
}

// atob decodes s as JavaScript's atob does (the HTML "forgiving-base64
// decode"): ASCII whitespace is removed; when the length is then a multiple
// of four, one or two trailing '=' are dropped; a length of 1 mod 4 or any
// character outside the standard base64 alphabet fails; leftover bits in the
// last character are ignored. The result is atob's "binary string": each
// decoded byte becomes the code point of the same value (Latin-1), returned
// as UTF-8, so that hosts compare with JSON-decoded strings exactly as in
// JavaScript.
func atob(s string) (string, bool) {
	buf := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\t', '\n', '\f', '\r', ' ':
		default:
			buf = append(buf, c)
		}
	}
	if len(buf)%4 == 0 {
		for range 2 {
			if n := len(buf); n > 0 && buf[n-1] == '=' {
				buf = buf[:n-1]
			}
		}
	}
	if len(buf)%4 == 1 {
		return "", false
	}
	// The non-strict decoder ignores the unused low bits of the last
	// character, as atob does, and rejects '=' and anything outside the
	// alphabet (the line breaks it would skip are already gone).
	raw, err := base64.RawStdEncoding.DecodeString(string(buf))
	if err != nil {
		return "", false
	}
	return latin1ToUTF8(raw), true
}

// latin1ToUTF8 maps each byte to the code point of the same value.
func latin1ToUTF8(b []byte) string {
	ascii := true
	for _, c := range b {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(2 * len(b))
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}

// MakePublishableKey returns the publishable key of the Clerk instance whose
// Frontend API host is frontendAPIHost ("clerk.example.com"): "pk_live_" (when
// production is true) or "pk_test_", followed by the unpadded standard base64
// of the host and a "$", as Clerk builds its keys. The host should be ASCII.
//
// It is meant for tests and for local development instances; a real
// instance's key comes from the Clerk dashboard.
func MakePublishableKey(frontendAPIHost string, production bool) string {
	prefix := publishableKeyTestPrefix
	if production {
		prefix = publishableKeyLivePrefix
	}
	return prefix + base64.RawStdEncoding.EncodeToString([]byte(frontendAPIHost+"$"))
}

// CookieSuffix returns the suffix Clerk appends to the names of the session
// cookies of the instance with the given publishable key (__session_<suffix>,
// __client_uat_<suffix>, ...): the first 8 characters of the URL-safe base64
// of the key's SHA-1 digest. The key is hashed as given, without
// validation.
func CookieSuffix(publishableKey string) string {
	sum := sha1.Sum([]byte(publishableKey))
	return base64.RawURLEncoding.EncodeToString(sum[:])[:8]
}

// isDevelopmentSecretKey reports whether sk is a development secret key
// ("sk_test_" or the legacy "test_" prefix), as Clerk's
// isDevelopmentFromSecretKey (spec §10.4). The flow decides the instance type
// from the publishable key; this is for checks about the secret key itself,
// such as the satellite sign-in URL requirement of spec §1.2 item 3.
func isDevelopmentSecretKey(sk string) bool {
	return strings.HasPrefix(sk, "sk_test_") || strings.HasPrefix(sk, "test_")
}

// isProductionSecretKey reports whether sk is a production secret key
// ("sk_live_" or the legacy "live_" prefix), as Clerk's
// isProductionFromSecretKey (spec §10.4).
func isProductionSecretKey(sk string) bool {
	return strings.HasPrefix(sk, "sk_live_") || strings.HasPrefix(sk, "live_")
}

// accountsBaseURL returns the origin of the Account Portal of the instance
// whose Frontend API host is frontendAPIHost, used for the default sign-in
// and sign-up URLs (spec §5.4), or "" for an empty host. As Clerk's
// buildAccountsBaseUrl, it replaces the first "clerk.accountsstage." with
// "accountsstage.", then the leftmost "clerk.accounts." or "clerk." with
// "accounts." (case-sensitive, anywhere in the host), and prefixes
// "https://":
//
//	clerk.example.com             -> https://accounts.example.com
//	happy-hippo-1.clerk.accounts.dev -> https://happy-hippo-1.accounts.dev
func accountsBaseURL(frontendAPIHost string) string {
	if frontendAPIHost == "" {
		return ""
	}
	h := strings.Replace(frontendAPIHost, "clerk.accountsstage.", "accountsstage.", 1)
	if i := strings.Index(h, "clerk."); i >= 0 {
		n := len("clerk.")
		if strings.HasPrefix(h[i:], "clerk.accounts.") {
			n = len("clerk.accounts.")
		}
		h = h[:i] + "accounts." + h[i+n:]
	}
	return "https://" + h
}
